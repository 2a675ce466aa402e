"""Recordings on disk, read in blocks of volts.

:func:`open_recording` picks a reader from the file name:

* anything MNE reads (``mne.io.read_raw``: EDF/EDF+, BDF, FIF, BrainVision,
  EEGLAB, ...), opened without preloading so long files stream from disk;
* WFDB records (``.hea`` + ``.dat``, e.g. PhysioNet), through the ``wfdb``
  package;
* delimited text (``.csv``, ``.tsv``, ``.txt``) with an optional header;
* ``.npy`` arrays (memory-mapped).

Every reader yields ``(n_channels, n_samples)`` blocks in volts. Units come
from the file where it states them, else from ``units=``; a recording whose
units or sampling rate are missing, or whose level is implausible for
surface EMG, is refused with a message that names the flag that fixes it.
"""

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engine.block import Block
from ..engine.vocabulary import LINK_ANNOTATIONS
from ..errors import InputFileError

UNIT_SCALE = {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "µv": 1e-6, "μv": 1e-6, "nv": 1e-9}
#: Surface EMG above this RMS is not plausible (V): a units mistake.
MAX_PLAUSIBLE_RMS_V = 0.05
#: Below this RMS (V) a non-constant signal is implausibly small.
MIN_PLAUSIBLE_RMS_V = 1e-8
_MNE_SUFFIXES = (".edf", ".bdf", ".fif", ".fif.gz", ".vhdr", ".set", ".gdf",
                 ".cnt", ".mff", ".nxe", ".eeg", ".con", ".sqd", ".lay", ".snirf")


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
    if not path.exists():
        raise InputFileError(f"{path}: no such file.")
    if path.is_file() and path.stat().st_size == 0:
        raise InputFileError(f"{path}: the file is empty (0 bytes).")
    name = path.name.lower()
    if name.endswith(".hea") or (path.with_suffix(".hea").exists()
                                 and name.endswith(".dat")):
        rec = _open_wfdb(path.with_suffix(".hea"), picks, units)
    elif name.endswith((".csv", ".tsv", ".txt")):
        rec = _open_text(path, picks, units, sfreq)
    elif name.endswith(".npy"):
        rec = _open_npy(path, picks, units, sfreq, adc_scale)
    elif name.endswith(_MNE_SUFFIXES):
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
    _check_level(rec, units)
    return rec


def _unit_scale(unit, path, flag="--units"):
    key = str(unit).strip().lower().replace("μ", "u").replace("µ", "u")
    if key not in UNIT_SCALE:
        raise InputFileError(
            f"{path.name}: unknown unit {unit!r}. Give the unit of the stored "
            f"numbers with {flag} V, mV or uV.")
    return UNIT_SCALE[key]


def _check_level(rec, units):
    n = min(rec.n_samples, int(10 * rec.sfreq))
    data = rec.read(0, n)
    finite = np.where(np.isfinite(data), data, np.nan)
    rms = np.sqrt(np.nanmean((finite - np.nanmean(finite, axis=1, keepdims=True)) ** 2,
                             axis=1))
    for name, value in zip(rec.ch_names, rms):
        if math.isnan(value):
            continue
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
    types = raw.get_channel_types()
    emg = [i for i, t in enumerate(types) if t == "emg"]
    if not emg:
        # files without channel types (plain EDF) call everything EEG
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

    def read(start, stop):
        data = raw.get_data(picks=idx, start=start, stop=stop)
        return data * scale

    chosen = [names[i] for i in idx]
    return Recording(path, float(raw.info["sfreq"]), chosen, int(raw.n_times), "mne",
                     notes, read, _link_flags(raw, chosen))


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


def _open_text(path, picks, units, sfreq):
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as err:
        raise InputFileError(f"{path.name}: cannot read it ({err.strerror}).") from None
    header, body_start = [], 0
    for body_start, line in enumerate(lines):
        if line.strip() and _numeric_row(line, _delimiter(line)):
            break
        header.append(line)
    else:
        raise InputFileError(f"{path.name}: no numeric rows found.")
    delimiter = _delimiter(lines[body_start])
    rows = []
    bad_rows = 0
    width = len(_split(lines[body_start], delimiter))
    for line in lines[body_start:]:
        if not line.strip():
            continue
        fields = _split(line, delimiter)
        try:
            values = [float(v) for v in fields]
        except ValueError:
            bad_rows += 1
            continue
        if len(values) != width:
            bad_rows += 1
            continue
        rows.append(values)
    data = np.array(rows, dtype=np.float64).T
    names, col_units = _text_columns(header, width, delimiter)
    notes = []
    if bad_rows:
        notes.append(f"{bad_rows} malformed row(s) skipped")
    time_col = None
    if names and names[0].lower() in ("time", "t", "time_s", "seconds", "timestamp"):
        time_col = 0
    if sfreq is None:
        if time_col is None:
            raise InputFileError(
                f"{path.name}: the sampling rate is not in the file (no time "
                "column). Give it with --sfreq HZ.")
        dt = np.median(np.diff(data[0]))
        if not dt > 0:
            raise InputFileError(f"{path.name}: the time column does not increase; "
                                 "give the rate with --sfreq HZ.")
        sfreq = 1.0 / dt
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
    data = data[idx] * np.array(scales)[:, None]
    return Recording(path, float(sfreq), [names[i] for i in idx], data.shape[1],
                     "text", notes, lambda a, b: data[:, a:b])


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
    names = [f"col{i}" for i in range(width)]
    col_units = [None] * width
    described = [h for h in header if _QUOTED.search(h)]
    if len(described) == width:
        # one descriptive line per column: "Channel 4: 'Name', ... units: mV"
        for i, line in enumerate(described):
            names[i] = _QUOTED.search(line).group(1)
            unit = _UNIT_TOKEN.findall(line)
            col_units[i] = unit[-1] if unit else None
        return names, col_units
    if header:
        last = _split(header[-1], delimiter)
        if len(last) == width:
            for i, field_ in enumerate(last):
                unit = _UNIT_TOKEN.findall(field_)
                col_units[i] = unit[-1] if unit else None
                names[i] = re.sub(r"[\(\[].*?[\)\]]", "", field_).strip() or names[i]
    return names, col_units


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
