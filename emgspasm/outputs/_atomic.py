"""Outputs written whole or not at all.

Every result file is written under a hidden temporary folder beside it, its
bytes are flushed to disk, and only then is it renamed onto its final name.
A rename within one file system is atomic, so an interrupted write (``kill
-9``, a full disk, a permission error half way) leaves either the earlier
file or the complete new one, never an empty or half-written file. A kill
leaves the temporary folder (``.tmp-<token>-<name>``) behind; it holds only
the unfinished copy and can be deleted.

The temporary folder, rather than a temporary name, keeps each file's own
name while it is written: MNE checks the names it writes (``_raw.fif``,
``.edf``), and the parts of a FIF file split at 2 GB name each other.
"""

import contextlib
import os
import secrets
import shutil
from pathlib import Path

from ..errors import EmgSpasmError, OutputFileError


@contextlib.contextmanager
def replacing(path):
    """Write ``path`` through a temporary path, then put it in place.

    Parameters
    ----------
    path : str or Path
        The final file.

    Yields
    ------
    tmp : Path
        Where the body writes the file, under the same name. Files the body
        writes beside it (parts of a split FIF) are put in place too; the
        one named like ``path`` goes last.

    Raises
    ------
    OutputFileError
        When writing fails with an OSError (no space, no permission); the
        earlier ``path``, if any, is left as it was.
    """
    path = Path(path)
    folder = path.parent / f".tmp-{secrets.token_hex(4)}-{path.name}"
    try:
        folder.mkdir()
        yield folder / path.name
        _move_into_place(folder, path)
    except EmgSpasmError:
        raise
    except OSError as err:
        raise OutputFileError(
            f"{path}: not written ({err.strerror or err}); an earlier "
            f"{path.name}, if any, is unchanged.") from err
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_text(path, text):
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (see :func:`replacing`)."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _move_into_place(folder, path):
    parts = sorted(folder.iterdir(), key=lambda p: (p.name == path.name, p.name))
    for part in parts:
        _fsync(part)
    for part in parts:
        os.replace(part, path.parent / part.name)
    _fsync(path.parent)


def _fsync(path):
    """Flush a file's (or, on POSIX, a folder's) bytes to the disk."""
    if path.is_dir() and os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
