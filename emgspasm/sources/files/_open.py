"""Which reader opens a path, and the checks every recording passes."""

import stat
from pathlib import Path

import numpy as np

from ..._check import check_number
from ...errors import InputFileError
from ._edf import check_edf_header
from ._mne import open_mne
from ._npy import open_npy
from ._text import open_text
from ._wfdb import open_wfdb
from .recording import (
    MAX_PLAUSIBLE_RMS_V,
    MIN_PLAUSIBLE_RMS_V,
    MIN_SUPPORTED_SFREQ,
    UNIT_SCALE,
    option,
    unit_key,
)

_MNE_SUFFIXES = (".edf", ".bdf", ".fif", ".fif.gz", ".vhdr", ".set", ".gdf",
                 ".cnt", ".mff", ".nxe", ".eeg", ".con", ".sqd", ".lay", ".snirf")
#: Formats whose recordings are folders.
_FOLDER_FORMATS = (".mff",)

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
        rec = open_wfdb(path.with_suffix(".hea"), picks, units)
    elif name.endswith((".csv", ".tsv", ".txt")):
        rec = open_text(path, picks, units, sfreq)
    elif name.endswith(".npy"):
        rec = open_npy(path, picks, units, sfreq, adc_scale)
    elif name.endswith(_MNE_SUFFIXES):
        if name.endswith((".edf", ".bdf")):
            check_edf_header(path)
        rec = open_mne(path, picks, units)
    else:
        raise InputFileError(
            f"{path.name}: unknown file type. emgspasm reads what MNE reads "
            f"({', '.join(_MNE_SUFFIXES[:5])}, ...), WFDB (.hea/.dat), text "
            "(.csv/.tsv/.txt) and .npy.")
    return check_recording(rec, units)


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


def check_recording(rec, units, flags=None):
    """The checks every recording passes, files and data in memory alike:
    samples and channels to analyse, a supported rate (else a note), and a
    plausible level for surface EMG.

    Parameters
    ----------
    rec : Recording
    units : str | None
        The units given, if any.
    flags : dict | None
        How messages name the options: ``{"units": "--units", "picks":
        "--picks"}`` by default (the command line).

    Returns
    -------
    rec : Recording

    Raises
    ------
    InputFileError
        When there is nothing to analyse or the level is implausible (the
        message gives the level found and the unit that would make it
        plausible).
    """
    flags = {"units": "--units", "picks": "--picks", **(flags or {})}
    if rec.n_samples == 0:
        raise InputFileError(f"{rec.path.name}: the recording holds no samples.")
    if not rec.ch_names:
        raise InputFileError(f"{rec.path.name}: no channel to analyse; choose some "
                             f"with {flags['picks']}.")
    if rec.sfreq < MIN_SUPPORTED_SFREQ:
        rec.notes.append(
            f"sampling rate {rec.sfreq:g} Hz is below the supported "
            f"{MIN_SUPPORTED_SFREQ:g} Hz: most of the EMG band (20-450 Hz) lies above "
            f"its Nyquist frequency ({rec.sfreq / 2:g} Hz), so detection is unreliable")
    _check_level(rec, units, flags)
    return rec


def _check_level(rec, units, flags):
    n = min(rec.n_samples, int(10 * rec.sfreq))
    scale = UNIT_SCALE[unit_key(units)] if units else 1.0
    for name, row in zip(rec.ch_names, rec.read(0, n)):
        finite = row[np.isfinite(row)]
        if not finite.size:
            continue
        value = float(np.std(finite))
        if value > MAX_PLAUSIBLE_RMS_V:
            raise InputFileError(
                f"{rec.path.name}: channel {name!r} has an RMS of {value:.3g} V in its "
                f"first {n / rec.sfreq:.0f} s, implausible for surface EMG (at most "
                f"{MAX_PLAUSIBLE_RMS_V * 1e3:.0f} mV). The units are probably wrong"
                f"{_suggestion(value / scale, flags['units'])}, or leave a non-EMG "
                f"channel out with {flags['picks']}."
                + "".join(f" Note: {c}." for c in rec.conflicts[:1]))
        if 0 < value < MIN_PLAUSIBLE_RMS_V:
            rec.notes.append(
                f"channel {name!r} is implausibly small ({value:.3g} V RMS): check "
                f"{flags['units']}" + (f" (given {units!r})" if units else ""))


def _suggestion(stored_rms, flag):
    """``: the numbers look like uV; state it with --units uV``: the unit that
    makes ``stored_rms`` (in the stored numbers) a level typical of surface
    EMG (nearest 0.1 mV, the middle of 10 uV - 1 mV)."""
    plausible = [u for u in ("V", "mV", "uV") if MIN_PLAUSIBLE_RMS_V
                 <= stored_rms * UNIT_SCALE[unit_key(u)] <= MAX_PLAUSIBLE_RMS_V]
    if not plausible:
        return f": state them with {option(flag, 'V')} (or mV, uV)"
    unit = min(plausible, key=lambda u: abs(np.log10(
        stored_rms * UNIT_SCALE[unit_key(u)] / 1e-4)))
    return (f": the numbers ({stored_rms:.3g} RMS) look like {unit}; state it with "
            f"{option(flag, unit)}")

