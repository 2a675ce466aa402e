"""The one place the package touches numba.

Kernels are compiled by ``numba.njit`` (nopython mode), release the GIL, and are cached on
disk so a second process starts fast. Floating-point contraction (fused
multiply-add) is allowed; reassociation is not, so results do not depend on
how a stream is split into chunks. With ``NUMBA_DISABLE_JIT=1`` numba hands
back the plain Python functions, which the test suite uses to cover them.

Numba checks a cached kernel against its own source file only: a kernel
that calls a kernel of another file, or reads a constant from one, keeps
running the old code after that file changes (numba issue #6845). So the
cache lives in a directory named after a hash of the whole engine's source,
under ``NUMBA_CACHE_DIR`` when it is set, else under the user's cache
directory; any change to the engine compiles afresh.
"""

import hashlib
import os
from pathlib import Path

import numba

_OPTIONS = dict(nogil=True, cache=True,
                fastmath={"contract"}, error_model="numpy")


def _cache_dir():
    """Where this version of the engine's kernels are cached."""
    package = Path(__file__).parent
    digest = hashlib.sha256(numba.__version__.encode())
    for path in [Path(__file__), *sorted((package / "engine").rglob("*.py"))]:
        digest.update(path.read_bytes())
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "emgspasm")
    return os.path.join(base, "numba-" + digest.hexdigest()[:16])


_CACHE_DIR = _cache_dir()


def jit(func):
    """Compile ``func`` with the project's numba options."""
    # numba reads the cache directory when a function is decorated; only
    # this package's kernels go there
    saved = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = _CACHE_DIR
    try:
        return numba.njit(**_OPTIONS)(func)
    finally:
        numba.config.CACHE_DIR = saved
