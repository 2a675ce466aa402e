"""Writing simulated recordings to disk."""

from pathlib import Path

import numpy as np

from ...errors import InputFileError
from ...outputs.events_table import write_events_tsv

#: EDF stores 16-bit samples; MNE gives EMG in uV. +/-20 mV keeps pops and
#: motion unclipped at a 0.6 uV step (0.18 uV RMS quantisation noise).
EDF_RANGE_UV = 20000.0


def write_simulation(rec, path):
    """Write a simulated recording and ``<stem>_truth.tsv``.

    Parameters
    ----------
    rec : SimulatedRecording
    path : str or Path
        ``.edf`` (EDF+, through MNE and edfio), ``.fif`` or ``.npy`` (volts,
        channels x samples).

    Returns
    -------
    paths : list of str
    """
    import mne
    path = Path(path)
    suffix = path.suffix.lower()
    truth = path.with_name(path.stem + "_truth.tsv")
    if suffix == ".npy":
        np.save(path, rec.data)
    elif suffix in (".edf", ".fif"):
        info = mne.create_info(rec.ch_names, rec.sfreq, "emg")
        raw = mne.io.RawArray(rec.data, info, verbose="error")
        if suffix == ".fif":
            raw.save(path, overwrite=True, verbose="error")
        else:
            mne.export.export_raw(path, raw, fmt="edf", overwrite=True,
                                  physical_range=(-EDF_RANGE_UV, EDF_RANGE_UV),
                                  verbose="error")
    else:
        raise InputFileError(f"Invalid value for the 'output' parameter. Allowed "
                             f"suffixes are '.edf', '.fif' and '.npy', but got "
                             f"{path.name!r} instead.")
    write_events_tsv(rec.events, truth)
    return [str(path), str(truth)]
