"""``.npy`` arrays of samples, memory-mapped."""

import numpy as np

from ...errors import InputFileError
from .recording import Recording, choose, unit_scale


def open_npy(path, picks, units, sfreq, adc_scale):
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
        scale = unit_scale(units, path)
    names = [f"ch{i}" for i in range(arr.shape[0])]
    idx = choose(names, picks, path, list(range(arr.shape[0])))
    return Recording(path, float(sfreq), [names[i] for i in idx], arr.shape[1],
                     "npy", [], lambda a, b: np.asarray(arr[idx, a:b], float) * scale)
