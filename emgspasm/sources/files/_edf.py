"""The EDF/BDF header, checked field by field before MNE reads the file."""

import math

from ...errors import FileFieldError, InputFileError

#: Bytes of the fixed part of an EDF/BDF header.
_EDF_FIXED = 256

def check_edf_header(path):
    """Refuse an EDF/BDF whose header MNE would misread, or fail on with a
    message of its own: name the field, its bytes, what was allowed and
    what the file holds."""
    kind = "BDF" if path.name.lower().endswith(".bdf") else "EDF"
    with open(path, "rb") as fh:
        head = fh.read(_EDF_FIXED)
        size = fh.seek(0, 2)
    if len(head) < _EDF_FIXED:
        raise InputFileError(f"{path.name}: the {kind} header is cut: the file holds "
                             f"{size} bytes, the fixed header alone takes {_EDF_FIXED}.")
    header = _EdfHeader(path, kind, head)
    version = b"\xffBIOSEMI" if kind == "BDF" else b"0"
    if head[:8].rstrip(b" ") != version:
        raise header.invalid(0, 8, "version", repr(version.decode("latin-1")))
    n_signals = header.number(252, 4, "number of signals", int, "an integer > 0", low=1)
    length = _EDF_FIXED * (n_signals + 1)
    header.number(184, 8, "number of bytes in header", int,
                  f"{length} (256 + 256 per signal, {n_signals} signals)",
                  low=length, high=length)
    if size < length:
        raise InputFileError(f"{path.name}: the {kind} header is cut: the file holds "
                             f"{size} bytes, the header of {n_signals} signals takes "
                             f"{length}.")
    header.number(236, 8, "number of data records", int, "an integer >= -1 (-1: unknown)",
                  low=-1)
    header.number(244, 8, "duration of a data record", float, "a number > 0 (s)",
                  low=0, low_open=True)
    with open(path, "rb") as fh:
        header.head = fh.read(length)
    for i in range(n_signals):
        label = header.text(_EDF_FIXED + 16 * i, 16)
        if label not in ("EDF Annotations", "BDF Annotations"):
            _check_edf_signal(header, n_signals, i, label)


def _check_edf_signal(header, n_signals, i, label):
    """Samples per record, and physical and digital ranges, of signal ``i``."""
    def at(column):  # the signal header is stored field by field for all signals
        return _EDF_FIXED + column * n_signals + 8 * i

    header.number(at(216), 8, f"samples per data record ({label})", int,
                  "an integer > 0", low=1)
    for kind, column in (("physical", 104), ("digital", 120)):
        low = header.number(at(column), 8, f"{kind} minimum ({label})", float,
                            "a number", low=-math.inf)
        allowed = f"a number other than the {kind} minimum ({low:g})"
        high = header.number(at(column + 8), 8, f"{kind} maximum ({label})", float,
                             allowed, low=-math.inf)
        if high == low:
            raise header.invalid(at(column + 8), 8, f"{kind} maximum ({label})", allowed)


class _EdfHeader:
    """The fields of an EDF/BDF header: fixed-width ASCII at known bytes."""

    def __init__(self, path, kind, head):
        self.path, self.kind, self.head = path, kind, head

    def text(self, offset, width):
        """The field at ``offset`` as text, without padding."""
        return self.head[offset:offset + width].decode("latin-1").strip()

    def number(self, offset, width, name, cast, allowed, *, low, high=None,
               low_open=False):
        """The field as a number within ``[low, high]``, else a FileFieldError."""
        try:
            value = cast(self.text(offset, width))
        except ValueError:
            raise self.invalid(offset, width, name, allowed) from None
        if (not math.isfinite(value) or value < low or (low_open and value == low)
                or (high is not None and value > high)):
            raise self.invalid(offset, width, name, allowed)
        return value

    def invalid(self, offset, width, name, allowed):
        """The error for the field at ``offset``."""
        where = f"{self.path.name} ({self.kind} header, bytes {offset}-{offset + width - 1})"
        return FileFieldError.invalid(name, allowed, self.text(offset, width), where)


