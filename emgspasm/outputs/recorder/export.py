"""Writing a session folder's FIF file and events table, block by block."""


from ...errors import InputFileError
from ..annotations import events_to_annotations, lazy_raw, save_fif
from ..events_table import write_events_tsv
from .session import open_session

FIF_NAME = "recording_raw.fif"


def export(folder, events=None):
    """Write ``recording_raw.fif`` and ``events.tsv`` from a session folder.

    The samples stream from ``raw.bin`` to the FIF block by block, dated
    from the session's start time (``started`` in ``session.json``); both
    files are written under a temporary name and renamed, so an interrupted
    export leaves an earlier complete file as it was.

    Parameters
    ----------
    folder : str or Path
    events : list of Event | None
        The final events; None reads them from ``events.jsonl``.

    Returns
    -------
    paths : dict
        ``{"fif": ..., "events": ..., "damaged": bool, "samples": int,
        "notes": list of str}`` (notes: what was skipped or ignored).

    Raises
    ------
    InputFileError
        When the folder holds no intact samples, or ``session.json`` is
        damaged (see :func:`open_session`).
    """
    import mne

    session = open_session(folder)
    samples = session.samples
    if samples.n_samples == 0:
        raise InputFileError(f"{samples.path}: no intact chunk of samples; nothing "
                             "to recover.")
    events = session.events if events is None else events
    raw = lazy_raw(samples.read, samples.n_samples, session.sfreq, session.ch_names,
                   samples.path, session.meas_date)
    annotations = events_to_annotations(events, session.meas_date)
    onsets, durations, descriptions, channels = samples.link_annotations(
        session.sfreq, session.ch_names)
    if onsets:
        annotations += mne.Annotations(onsets, durations, descriptions,
                                       orig_time=session.meas_date, ch_names=channels)
    # after a crash an event may end past the last synced sample: crop it
    raw.set_annotations(annotations, emit_warning=False)
    fif = save_fif(raw, session.folder / FIF_NAME, fmt="double")
    tsv = session.folder / "events.tsv"
    write_events_tsv(events, tsv)
    return {"fif": str(fif), "events": str(tsv), "damaged": session.damaged,
            "samples": samples.n_samples, "notes": session.notes}


def recover(folder):
    """Rebuild the files of a session that did not stop cleanly (see :func:`export`)."""
    return export(folder, None)
