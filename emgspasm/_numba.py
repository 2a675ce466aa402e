"""The one place the package touches numba.

Kernels are compiled by ``numba.njit`` (nopython mode), release the GIL, and are cached on
disk so a second process starts fast. Floating-point contraction (fused
multiply-add) is allowed; reassociation is not, so results do not depend on
how a stream is split into chunks. With ``NUMBA_DISABLE_JIT=1`` numba hands
back the plain Python functions, which the test suite uses to cover them.
"""

import numba

_OPTIONS = dict(nogil=True, cache=True,
                fastmath={"contract"}, error_model="numpy")


def jit(func):
    """Compile ``func`` with the project's numba options."""
    return numba.njit(**_OPTIONS)(func)
