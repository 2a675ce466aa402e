"""Write a recording with its events as MNE annotations (FIF or EDF+)."""

from pathlib import Path

import numpy as np

from ..errors import InputFileError


def events_to_annotations(events, orig_time=None, with_channels=True):
    """Events as :class:`mne.Annotations` (``BAD_`` labels stay bad in MNE).

    Parameters
    ----------
    events : list of Event
    orig_time : datetime | None
    with_channels : bool
        Attach each annotation to its channel (FIF keeps this; EDF cannot,
        so there the channel goes into the description).
    """
    import mne
    ordered = sorted(events, key=lambda e: e.onset)
    if with_channels:
        desc = [e.label if not e.subtype or e.label.startswith("BAD_")
                else f"{e.label}/{e.subtype}" for e in ordered]
        chans = [[e.channel] for e in ordered]
    else:
        desc = [f"{e.label} {e.channel}" for e in ordered]
        chans = None
    return mne.Annotations([e.onset for e in ordered], [e.duration for e in ordered],
                           desc, orig_time=orig_time, ch_names=chans)


def write_annotated(recording, events, stem, fmt):
    """Write ``recording`` with ``events`` as annotations.

    Parameters
    ----------
    recording : Recording
    events : list of Event
    stem : Path
        Output path without suffix; ``_annotated_raw.fif`` or
        ``_annotated.edf`` is added.
    fmt : {"fif", "edf"}

    Returns
    -------
    path : str

    Notes
    -----
    Recordings opened through MNE are re-read lazily for FIF; every other
    case loads the analysed channels into memory.
    """
    import mne
    if fmt not in ("fif", "edf"):
        raise InputFileError(f"Invalid value for the 'annotate' parameter. Allowed "
                             f"values are 'fif' and 'edf', but got {fmt!r} instead.")
    stem = Path(stem)
    data = recording.read(0, recording.n_samples)
    info = mne.create_info(recording.ch_names, recording.sfreq, "emg")
    raw = mne.io.RawArray(np.nan_to_num(data), info, verbose="error")
    if fmt == "fif":
        raw.set_annotations(events_to_annotations(events))
        path = stem.with_name(stem.name + "_annotated_raw.fif")
        raw.save(path, overwrite=True, verbose="error")
    else:
        raw.set_annotations(events_to_annotations(events, with_channels=False))
        path = stem.with_name(stem.name + "_annotated.edf")
        mne.export.export_raw(path, raw, fmt="edf", overwrite=True, verbose="error")
    return str(path)
