"""Data already in memory (an MNE Raw, an array) read as a :class:`Recording`,
with the checks a file gets and messages that name the Python parameters."""

from pathlib import Path

import numpy as np

from ..._check import check_number
from ...errors import InputDataError, InputFileError
from ._mne import recording_from_raw
from ._open import check_recording
from .recording import UNIT_SCALE, Recording, choose, unit_key

#: How messages about data in memory name the options: parameters, not flags.
API_FLAGS = {"units": "units=", "picks": "picks="}
_UNITS = ("V", "mV", "uV")


def open_raw(raw, *, picks=None, units=None):
    """An ``mne.io.BaseRaw`` as a :class:`Recording`, read block by block
    through the same channel picking as a file MNE reads.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Preloaded or not; never copied whole.
    picks : list of str | None
        Default: the EMG channels, else EEG, misc and bio ones.
    units : str | None
        ``"V"``, ``"mV"`` or ``"uV"`` when the numbers MNE returns as volts
        are really in another unit; None trusts the Raw.

    Returns
    -------
    recording : Recording
    """
    units = _checked_units(units)
    named = [f for f in getattr(raw, "filenames", ()) if f]
    path = Path(named[0]) if named else Path("<mne.io.Raw>")
    return _checked(lambda: recording_from_raw(raw, picks, units, path, flags=API_FLAGS),
                    units)


def open_array(data, sfreq, ch_names=None, *, picks=None, units=None):
    """An array of samples as a :class:`Recording` (read in slices, not copied).

    Parameters
    ----------
    data : array_like, shape (n_channels, n_samples) or (n_samples,)
    sfreq : float
    ch_names : list of str | None
        Default ``EMG1``, ``EMG2``, ...
    picks : list of str | None
    units : str | None
        Unit of the numbers: ``"V"`` (None means volts), ``"mV"`` or ``"uV"``.

    Returns
    -------
    recording : Recording
    """
    units = _checked_units(units)
    if sfreq is None:
        raise InputDataError("Invalid value for the 'sfreq' parameter: an array does not "
                             "carry its sampling rate. Pass sfreq=HZ (a number > 0).")
    check_number("sfreq", sfreq, 0, low_open=True)
    arr = np.asarray(data)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.dtype.kind not in "fiu":
        raise InputDataError(
            "Invalid value for the 'data' parameter. Allowed values are a numeric "
            "array of shape (n_channels, n_samples) or (n_samples,), but got "
            f"{arr.dtype} of shape {arr.shape} instead.")
    names = (list(ch_names) if ch_names is not None
             else [f"EMG{i + 1}" for i in range(arr.shape[0])])
    if len(names) != arr.shape[0]:
        raise InputDataError(
            f"Invalid value for the 'ch_names' parameter: {len(names)} name(s) for "
            f"{arr.shape[0]} channel(s) (data has shape {arr.shape}; channels are rows). "
            "Give one name per row, or transpose the data.")
    scale = UNIT_SCALE[unit_key(units)] if units else 1.0

    def recording():
        idx = choose(names, picks, Path("<array>"), list(range(len(names))))
        return Recording(Path("<array>"), float(sfreq), [names[i] for i in idx],
                         arr.shape[1], "array", [],
                         lambda a, b: np.asarray(arr[idx, a:b], dtype=np.float64) * scale)

    return _checked(recording, units)


def _checked(make, units):
    """``make()`` checked as a file is, its errors raised as InputDataError
    (the data is in memory, not in a file)."""
    try:
        return check_recording(make(), units, API_FLAGS)
    except InputFileError as err:
        raise InputDataError(str(err)) from None


def _checked_units(units):
    if units is None:
        return None
    if unit_key(units) not in ("v", "mv", "uv"):
        raise InputDataError(
            "Invalid value for the 'units' parameter. Allowed values are "
            f"{', '.join(map(repr, _UNITS))} or None, but got {units!r} instead.")
    return units
