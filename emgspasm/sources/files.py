"""Recordings on disk, read in blocks of volts.

:func:`open_recording` picks a reader from the file name:

* anything MNE reads (``mne.io.read_raw``: EDF/EDF+, BDF, FIF, BrainVision,
  EEGLAB, ...), opened without preloading so long files stream from disk;
  an EDF/BDF header is checked first, so a bad field is named;
* WFDB records (``.hea`` + ``.dat``, e.g. PhysioNet), through the ``wfdb``
  package;
* delimited text (``.csv``, ``.tsv``, ``.txt``) with an optional header;
  rows that cannot be read stay as NaN gaps at their time (time is never
  closed up);
* ``.npy`` arrays (memory-mapped).

Every reader yields ``(n_channels, n_samples)`` blocks in volts. Units come
from the file where it states them, else from ``units=``; a recording whose
units or sampling rate are missing, or whose level is implausible for
surface EMG, is refused with a message that names the flag that fixes it.
A path that is not a readable regular file (a FIFO, a folder, no permission)
is refused before anything is read. Channels analysed as EMG though typed
otherwise, and rates below the supported 250 Hz, are noted.
"""

import math
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._check import check_number
from ..engine.block import Block
from ..engine.vocabulary import LINK_ANNOTATIONS
from ..errors import FileFieldError, InputFileError

UNIT_SCALE = {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "µv": 1e-6, "μv": 1e-6, "nv": 1e-9}
#: Surface EMG above this RMS is not plausible (V): a units mistake.
MAX_PLAUSIBLE_RMS_V = 0.05
#: Below this RMS (V) a non-constant signal is implausibly small.
MIN_PLAUSIBLE_RMS_V = 1e-8
_MNE_SUFFIXES = (".edf", ".bdf", ".fif", ".fif.gz", ".vhdr", ".set", ".gdf",
                 ".cnt", ".mff", ".nxe", ".eeg", ".con", ".sqd", ".lay", ".snirf")
#: Bytes of the fixed part of an EDF/BDF header.
_EDF_FIXED = 256
#: Formats whose recordings are folders.
_FOLDER_FORMATS = (".mff",)
#: The lowest sampling rate the detector is built and evaluated for (Hz).
MIN_SUPPORTED_SFREQ = 250.0


@dataclass
class Recording:
    """A readable recording.

    Attributes
    ----------
    path : Path
    sfreq : float
    ch_names : list of str
        The channels that will be analysed.
    n_samples : int
    source : str
        Which reader opened it.
    notes : list of str
        Warnings met while opening (dropped channels, assumed units, ...).
    """

    path: Path
    sfreq: float
    ch_names: list
    n_samples: int
    source: str
    notes: list = field(default_factory=list)
    _read: object = None
    link_flags: list = field(default_factory=list)

    @property
    def duration_s(self):
        """Length of the recording (s)."""
        return self.n_samples / self.sfreq

    def read(self, start, stop):
        """Samples ``start:stop`` of the analysed channels, in volts.

        Returns
        -------
        data : ndarray, shape (n_channels, stop - start)
        """
        start, stop = max(0, int(start)), min(self.n_samples, int(stop))
        if stop <= start:
            return np.zeros((len(self.ch_names), 0))
        try:
            return np.asarray(self._read(start, stop), dtype=np.float64)
        except InputFileError:
            raise
        except Exception as err:  # a reader failing mid-file: say where
            raise InputFileError(
                f"{self.path.name}: reading samples {start}-{stop} "
                f"({start / self.sfreq:.1f}-{stop / self.sfreq:.1f} s) failed: "
                f"{err}. The file may be truncated or corrupt.") from err

    def read_flags(self, start, stop):
        """Link flags recorded with the samples (``LINK_*`` annotations of a
        recorded live session), or None when the file has none."""
        if not self.link_flags:
            return None
        start, stop = max(0, int(start)), min(self.n_samples, int(stop))
        flags = np.zeros((len(self.ch_names), max(0, stop - start)), dtype=np.uint8)
        for c, a, b, bit in self.link_flags:
            lo, hi = max(a, start), min(b, stop)
            if lo < hi:
                flags[c, lo - start:hi - start] |= bit
        return flags

    def blocks(self, block_s=10.0):
        """Yield consecutive :class:`~emgspasm.engine.block.Block` objects
        of ``block_s`` seconds covering the recording, with its link flags."""
        step = max(1, int(round(block_s * self.sfreq)))
        for start in range(0, self.n_samples, step):
            yield Block(self.read(start, start + step),
                        self.read_flags(start, start + step))


def open_recording(path, *, picks=None, units=None, sfreq=None, adc_scale=None):
    """Open a recording for block-wise reading.

    Parameters
    ----------
    path : str or Path
    picks : list of str | None
        Channel names (or, for text and ``.npy``, 0-based column numbers as
        strings) to analyse. Default: the channels typed EMG, else every
        channel whose unit is a voltage.
    units : str | None
        ``"V"``, ``"mV"``, ``"uV"``: the unit of the stored numbers, for
        files that do not state it (text, ``.npy``) or state it wrongly.
    sfreq : float | None
        Sampling rate for files that do not state it.
    adc_scale : float | None
        Volts per count, for ``.npy`` files of integer ADC counts.

    Returns
    -------
    recording : Recording
    """
    path = Path(path)
    _check_input(path)
    if sfreq is not None:
        check_number("sfreq", sfreq, 0, low_open=True)
    name = path.name.lower()
    if name.endswith(".hea") or (path.with_suffix(".hea").exists()
                                 and name.endswith(".dat")):
        rec = _open_wfdb(path.with_suffix(".hea"), picks, units)
    elif name.endswith((".csv", ".tsv", ".txt")):
        rec = _open_text(path, picks, units, sfreq)
    elif name.endswith(".npy"):
        rec = _open_npy(path, picks, units, sfreq, adc_scale)
    elif name.endswith(_MNE_SUFFIXES):
        if name.endswith((".edf", ".bdf")):
            _check_edf_header(path)
        rec = _open_mne(path, picks, units)
    else:
        raise InputFileError(
            f"{path.name}: unknown file type. emgspasm reads what MNE reads "
            f"({', '.join(_MNE_SUFFIXES[:5])}, ...), WFDB (.hea/.dat), text "
            "(.csv/.tsv/.txt) and .npy.")
    if rec.n_samples == 0:
        raise InputFileError(f"{path.name}: the recording holds no samples.")
    if not rec.ch_names:
        raise InputFileError(f"{path.name}: no channel to analyse; choose some "
                             "with --picks.")
    if rec.sfreq < MIN_SUPPORTED_SFREQ:
        rec.notes.append(
            f"sampling rate {rec.sfreq:g} Hz is below the supported "
            f"{MIN_SUPPORTED_SFREQ:g} Hz: most of the EMG band (20-450 Hz) lies above "
            f"its Nyquist frequency ({rec.sfreq / 2:g} Hz), so detection is unreliable")
    _check_level(rec, units)
    return rec


def _check_input(path):
    """Refuse, before reading anything, a path that cannot be read as a
    recording: missing, not a regular file (a FIFO would block for ever), a
    folder (except formats that are folders), unreadable, or empty.

    Parameters
    ----------
    path : Path

    Raises
    ------
    InputFileError
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file.") from None
    except PermissionError:
        raise InputFileError(f"{path}: permission denied (a folder on the way "
                             "cannot be searched by this user).") from None
    except OSError as err:
        raise InputFileError(f"{path}: cannot read it ({err.strerror}).") from None
    if stat.S_ISDIR(st.st_mode):
        if not path.name.lower().endswith(_FOLDER_FORMATS):
            raise InputFileError(f"{path}: a folder, not a recording.")
        return
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(
            f"{path}: not a regular file but a {_file_kind(st.st_mode)}; emgspasm "
            "reads recordings from files on disk (copy it to a file first).")
    if st.st_size == 0:
        raise InputFileError(f"{path}: the file is empty (0 bytes).")
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        raise InputFileError(f"{path}: permission denied (this user may not read "
                             "it).") from None


def _file_kind(mode):
    kinds = ((stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISSOCK, "socket"),
             (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"))
    return next((word for test, word in kinds if test(mode)), "special file")


def _unit_scale(unit, path, flag="--units"):
    key = str(unit).strip().lower().replace("μ", "u").replace("µ", "u")
    if key not in UNIT_SCALE:
        raise InputFileError(
            f"{path.name}: unknown unit {unit!r}. Give the unit of the stored "
            f"numbers with {flag} V, mV or uV.")
    return UNIT_SCALE[key]


def _check_level(rec, units):
    n = min(rec.n_samples, int(10 * rec.sfreq))
    for name, row in zip(rec.ch_names, rec.read(0, n)):
        finite = row[np.isfinite(row)]
        if not finite.size:
            continue
        value = float(np.std(finite))
        if value > MAX_PLAUSIBLE_RMS_V:
            raise InputFileError(
                f"{rec.path.name}: channel {name!r} has an RMS of {value:.3g} V in its "
                f"first {n / rec.sfreq:.0f} s, implausible for surface EMG (at most "
                f"{MAX_PLAUSIBLE_RMS_V * 1e3:.0f} mV). The units are probably wrong: "
                "state them with --units (V, mV, uV), or leave a non-EMG channel "
                "out with --picks.")
        if 0 < value < MIN_PLAUSIBLE_RMS_V:
            rec.notes.append(
                f"channel {name!r} is implausibly small ({value:.3g} V RMS): check "
                "--units" + (f" (given {units!r})" if units else ""))


def _choose(names, picks, path, default):
    if picks is None:
        return default
    chosen = []
    for p in picks:
        p = str(p)
        if p in names:
            chosen.append(names.index(p))
        elif p.isdigit() and int(p) < len(names):
            chosen.append(int(p))
        else:
            raise InputFileError(
                f"{path.name}: channel {p!r} not found. Channels: "
                f"{', '.join(names)}.")
    return chosen


# -- MNE ------------------------------------------------------------------

def _open_mne(path, picks, units):
    import warnings

    import mne
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw = mne.io.read_raw(path, preload=False, verbose="warning")
    except Exception as err:
        raise InputFileError(
            f"{path.name}: MNE could not read it ({type(err).__name__}: {err}). "
            "The file may be truncated, or not the format its name says.") from err
    names = list(raw.ch_names)
    # files without channel types (EDF, BrainVision, ...) call everything EEG:
    # there a channel labelled EMG... is EMG
    types = ["emg" if name.upper().startswith("EMG") and kind == "eeg" else kind
             for name, kind in zip(names, raw.get_channel_types())]
    emg = [i for i, t in enumerate(types) if t == "emg"]
    if not emg:
        emg = [i for i, t in enumerate(types) if t in ("eeg", "misc", "bio")]
    idx = _choose(names, picks, path, emg)
    scale = _unit_scale(units, path) if units else 1.0
    notes = [f"MNE: {w.message}" for w in caught]
    if any("file size" in n for n in notes):
        notes.append(f"the file is truncated: analysing the {raw.n_times / raw.info['sfreq']:.1f} s "
                     "it holds; anything after that is missing")
    if units:
        notes.append(f"samples rescaled as if stored in {units}")
    dropped = [names[i] for i in range(len(names)) if i not in idx]
    if dropped:
        notes.append(f"left out (not EMG, or not picked): {', '.join(dropped)}")
    notes += _type_notes([names[i] for i in idx], [types[i] for i in idx], path)

    def read(start, stop):
        data = raw.get_data(picks=idx, start=start, stop=stop)
        return data * scale

    chosen = [names[i] for i in idx]
    return Recording(path, float(raw.info["sfreq"]), chosen, int(raw.n_times), "mne",
                     notes, read, _link_flags(raw, chosen))


def _type_notes(names, types, path):
    """A note per channel type other than EMG among the analysed channels
    (``types``: MNE's, with EEG channels labelled EMG... counted as EMG)."""
    by_type = {}
    for name, kind in zip(names, types):
        if kind != "emg":
            by_type.setdefault(kind, []).append(name)
    hint = (" (EDF and BDF do not store channel types: MNE types every channel EEG)"
            if path.name.lower().endswith((".edf", ".bdf")) else "")
    return [f"analysed as EMG although typed {kind.upper()}{hint}: {', '.join(chans)}; "
            "choose channels with --picks" for kind, chans in by_type.items()]


def _check_edf_header(path):
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


def _link_flags(raw, chosen):
    """``(channel, start, stop, bit)`` spans from ``LINK_*`` annotations."""
    bits = {label: bit for bit, label in LINK_ANNOTATIONS}
    sfreq = raw.info["sfreq"]
    spans = []
    for ann in raw.annotations:
        bit = bits.get(ann["description"])
        if bit is None:
            continue
        a = int(round(ann["onset"] * sfreq)) - raw.first_samp
        b = a + int(round(ann["duration"] * sfreq))
        for name in ann["ch_names"] or chosen:
            if name in chosen:
                spans.append((chosen.index(name), a, b, bit))
    return spans


# -- WFDB -----------------------------------------------------------------

def _open_wfdb(hea, picks, units):
    try:
        import wfdb
    except ImportError:
        raise InputFileError(
            f"{hea.name}: WFDB records need the 'wfdb' package: "
            "pip install 'emgspasm[wfdb]'.") from None
    record_name = str(hea.with_suffix(""))
    try:
        header = wfdb.rdheader(record_name)
    except Exception as err:
        raise InputFileError(f"{hea.name}: not a valid WFDB header ({err}).") from err
    names = list(header.sig_name)
    units_of = [u or "" for u in header.units]
    default = [i for i, u in enumerate(units_of) if u.lower().replace("µ", "u") in UNIT_SCALE]
    idx = _choose(names, picks, hea, default)
    scales = [_unit_scale(units or units_of[i], hea) for i in idx]
    n_samples = int(header.sig_len or 0)
    dat = hea.with_suffix(".dat")
    if dat.exists() and header.fmt and header.fmt[0] == "16":
        stored = dat.stat().st_size // (2 * header.n_sig)
        if stored < n_samples:
            n_samples = stored
            notes = [f"the .dat file is truncated: {stored} of {header.sig_len} "
                     "samples present; analysing those"]
        else:
            notes = []
    else:
        notes = []

    def read(start, stop):
        rec = wfdb.rdrecord(record_name, sampfrom=start, sampto=stop,
                            channels=idx, physical=True)
        return (rec.p_signal * np.array(scales)[None, :]).T

    return Recording(hea, float(header.fs), [names[i] for i in idx], n_samples,
                     "wfdb", notes, read)


# -- text -----------------------------------------------------------------

_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")
_UNIT_TOKEN = re.compile(r"(?<![A-Za-z])(uV|µV|μV|mV|V|deg|%)(?![A-Za-z])")
_TIME_NAMES = ("time", "t", "time_s", "seconds", "timestamp")
#: A time column is a regular grid when every time lies this close (in
#: samples) to a grid point.
_GRID_TOLERANCE = 0.25


def _open_text(path, picks, units, sfreq):
    header, rows = _text_rows(path)
    delimiter = _delimiter(rows[0][1])
    values, unread, notes = _parse_rows(rows, delimiter)
    width = values.shape[1]
    names, col_units, mismatch = _text_columns(header, width, delimiter)
    time_col = 0 if names[0].lower() in _TIME_NAMES else None
    if sfreq is None:
        sfreq = _rate_from_time(values, time_col, path, mismatch)
    values = _place_rows(values, time_col, sfreq, unread, notes)
    signal_cols = [i for i in range(width) if i != time_col]
    if picks is None:
        volt = [i for i in signal_cols
                if (col_units[i] or "").lower().replace("µ", "u") in UNIT_SCALE]
        default = volt if any(col_units) else signal_cols
        if any(col_units):
            other = [names[i] for i in signal_cols if i not in volt]
            if other:
                notes.append(f"left out (not in volts): {', '.join(other)}")
    else:
        default = None
    idx = _choose(names, picks, path, default)
    scales = []
    for i in idx:
        unit = units or col_units[i]
        if not unit:
            raise InputFileError(
                f"{path.name}: the unit of column {names[i]!r} is not stated. "
                "Give it with --units V, mV or uV.")
        scales.append(_unit_scale(unit, path))
    data = values.T[idx] * np.array(scales)[:, None]
    return Recording(path, float(sfreq), [names[i] for i in idx], data.shape[1],
                     "text", notes, lambda a, b: data[:, a:b])


def _text_rows(path):
    """The header lines, and the body as ``(line number, text)`` of every
    non-blank line from the first numeric one on."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as err:
        raise InputFileError(f"{path.name}: cannot read it ({err.strerror}).") from None
    for start, line in enumerate(lines):
        if line.strip() and _numeric_row(line, _delimiter(line)):
            break
    else:
        raise InputFileError(f"{path.name}: no numeric rows found.")
    return lines[:start], [(number, line) for number, line in
                           enumerate(lines[start:], start + 1) if line.strip()]


def _parse_rows(rows, delimiter):
    """Rows as numbers, one row per sample: a row that is not numbers, or
    has another count of fields than most rows, is all NaN.

    Returns
    -------
    values : ndarray, shape (n_rows, width)
    unread : int
        Rows left as NaN.
    notes : list of str
    """
    fields = [_split(line, delimiter) for _, line in rows]
    width = Counter(map(len, fields)).most_common(1)[0][0]
    values = np.full((len(rows), width), np.nan)
    malformed, ragged = [], []
    for i, ((number, _), row) in enumerate(zip(rows, fields)):
        if len(row) != width:
            ragged.append(number)
            continue
        try:
            values[i] = [float(v) for v in row]
        except ValueError:
            malformed.append(number)
    kinds = []
    if malformed:
        kinds.append(f"{len(malformed)} malformed (not numbers: {_lines(malformed)})")
    if ragged:
        kinds.append(f"{len(ragged)} ragged (not {width} fields like the others: "
                     f"{_lines(ragged)})")
    notes = [f"rows not read: {', '.join(kinds)}"] if kinds else []
    return values, len(malformed) + len(ragged), notes


def _lines(numbers):
    shown = ", ".join(map(str, numbers[:5]))
    return f"line{'s' if len(numbers) > 1 else ''} {shown}" + (
        ", ..." if len(numbers) > 5 else "")


def _rate_from_time(values, time_col, path, mismatch):
    if time_col is None:
        reason = (f"{mismatch}, so no column is known as time" if mismatch
                  else "no time column")
        raise InputFileError(f"{path.name}: the sampling rate is not in the file "
                             f"({reason}). Give it with --sfreq HZ.")
    steps = np.diff(values[:, time_col])
    steps = steps[np.isfinite(steps)]
    step = np.median(steps) if steps.size else 0.0
    if not step > 0:
        raise InputFileError(f"{path.name}: the time column does not increase; "
                             "give the rate with --sfreq HZ.")
    return 1.0 / step


def _place_rows(values, time_col, sfreq, unread, notes):
    """Put each row at its sample: by the time column when its times lie on
    a regular grid, else one sample per row. Rows not read and samples the
    times skip stay as NaN gaps: time is never closed up."""
    grid = None if time_col is None else _time_grid(values[:, time_col], sfreq)
    if grid is None:
        if time_col is not None:
            notes.append("the time column is not a regular grid at "
                         f"{sfreq:g} Hz: one sample per row")
        if unread:
            notes.append(f"{unread} unread row(s) kept as gaps (NaN) in their place")
        return values
    placed = np.full((grid[-1] + 1, values.shape[1]), np.nan)
    placed[grid] = values[np.isfinite(values[:, time_col])]
    missing = len(placed) - len(grid)
    if missing:
        notes.append(f"{missing} sample(s) missing from the time column kept as gaps "
                     "(NaN)")
    return placed


def _time_grid(times, sfreq):
    """Sample index of each finite time (rows before the first one keep
    their places), or None when the times are not on a regular grid or
    would leave more samples missing than there are rows."""
    rows = np.flatnonzero(np.isfinite(times))
    if rows.size < 2:
        return None
    position = rows[0] + (times[rows] - times[rows[0]]) * sfreq
    index = np.round(position).astype(np.int64)
    if (np.any(np.abs(position - index) > _GRID_TOLERANCE)
            or np.any(np.diff(index) <= 0) or index[-1] + 1 > 2 * len(times)):
        return None
    return index


def _delimiter(line):
    for candidate in ("\t", ",", ";"):
        if candidate in line:
            return candidate
    return None


def _split(line, delimiter):
    parts = line.split(delimiter) if delimiter else line.split()
    return [f.strip() for f in parts if f.strip() != ""]


def _numeric_row(line, delimiter):
    try:
        [float(v) for v in _split(line, delimiter)]
        return True
    except ValueError:
        return False


def _text_columns(header, width, delimiter):
    """Column names and units from the header.

    Returns
    -------
    names, units : list
    mismatch : str | None
        Why the header's column line could not name the columns.
    """
    names = [f"col{i}" for i in range(width)]
    col_units = [None] * width
    described = [h for h in header if _QUOTED.search(h)]
    if len(described) == width:
        # one descriptive line per column: "Channel 4: 'Name', ... units: mV"
        for i, line in enumerate(described):
            names[i] = _QUOTED.search(line).group(1)
            unit = _UNIT_TOKEN.findall(line)
            col_units[i] = unit[-1] if unit else None
        return names, col_units, None
    lines = [h for h in header if h.strip()]
    last = _split(lines[-1], delimiter) if lines else []
    if len(last) == width:
        for i, field_ in enumerate(last):
            unit = _UNIT_TOKEN.findall(field_)
            col_units[i] = unit[-1] if unit else None
            names[i] = re.sub(r"[\(\[].*?[\)\]]", "", field_).strip() or names[i]
        return names, col_units, None
    mismatch = None
    if len(last) > 1:
        mismatch = (f"the header line {lines[-1].strip()!r} has {len(last)} fields but "
                    f"the rows have {width}")
    return names, col_units, mismatch


# -- npy ------------------------------------------------------------------

def _open_npy(path, picks, units, sfreq, adc_scale):
    try:
        arr = np.load(path, mmap_mode="r")
    except Exception as err:
        raise InputFileError(f"{path.name}: not a readable .npy file ({err}).") from err
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise InputFileError(f"{path.name}: expected a 2-D array (channels x "
                             f"samples), got shape {arr.shape}.")
    if arr.shape[0] > arr.shape[1]:
        arr = arr.T
    if sfreq is None:
        raise InputFileError(f"{path.name}: .npy files do not store the sampling "
                             "rate; give it with --sfreq HZ.")
    if arr.dtype.kind in "iu":
        if adc_scale is None:
            raise InputFileError(f"{path.name}: integer ADC counts; give volts per "
                                 "count with --adc-scale.")
        scale = float(adc_scale)
    elif units is None:
        raise InputFileError(f"{path.name}: .npy files do not store units; give "
                             "them with --units V, mV or uV.")
    else:
        scale = _unit_scale(units, path)
    names = [f"ch{i}" for i in range(arr.shape[0])]
    idx = _choose(names, picks, path, list(range(arr.shape[0])))
    return Recording(path, float(sfreq), [names[i] for i in idx], arr.shape[1],
                     "npy", [], lambda a, b: np.asarray(arr[idx, a:b], float) * scale)
