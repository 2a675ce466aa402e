"""Recordings written with their events as MNE annotations (FIF or EDF+).

One description scheme serves FIF, EDF+ and :meth:`to_annotations` of the
notebook API (:func:`event_description`): ``spasm/tonic``,
``fasciculation/single``, ``burst``; artefacts and unusable stretches start
with ``BAD_`` (``BAD_artifact_pop``, ``BAD_flat``), so MNE's
``reject_by_annotation`` leaves them out. Every annotation is attached to
its channel: FIF stores ``ch_names``, EDF+ the ``@@channel`` suffix that
MNE writes and reads back. Channels are typed EMG (in EDF+ by the label
prefix ``EMG ``, read with ``mne.io.read_raw_edf(path, infer_types=True)``)
and the recording's start (``meas_date``) is kept.

The samples are never loaded whole: :func:`lazy_raw` wraps any block reader
as an :class:`mne.io.BaseRaw` that reads on demand, and :func:`save_fif`
lets MNE stream it to disk ``BUFFER_S`` seconds at a time, so memory stays
flat however long the recording. Every file is written whole or not at all
(:mod:`emgspasm.outputs._atomic`).
"""

import functools
from pathlib import Path

import numpy as np

from ..engine.vocabulary import ARTIFACT_LABELS, BAD_PREFIX
from ..errors import InputFileError
from ._atomic import replacing

#: Seconds of samples MNE reads and writes at a time when saving.
BUFFER_S = 1.0
#: Characters of an EDF signal label.
_EDF_LABEL = 16


def event_description(event):
    """The annotation description of an event (see the module's scheme).

    Parameters
    ----------
    event : Event

    Returns
    -------
    description : str
    """
    if event.label.startswith(BAD_PREFIX):
        return event.label
    if event.label in ARTIFACT_LABELS:
        return BAD_PREFIX + event.label
    return f"{event.label}/{event.subtype}" if event.subtype else event.label


def events_to_annotations(events, orig_time=None):
    """Events as channel-specific :class:`mne.Annotations` (descriptions by
    :func:`event_description`).

    Parameters
    ----------
    events : list of Event
    orig_time : datetime | None
        The recording's start (``raw.info["meas_date"]``); onsets stay
        seconds from the first sample.
    """
    import mne
    ordered = sorted(events, key=lambda e: e.onset)
    return mne.Annotations([e.onset for e in ordered], [e.duration for e in ordered],
                           [event_description(e) for e in ordered], orig_time=orig_time,
                           ch_names=[[e.channel] for e in ordered])


def lazy_raw(read, n_samples, sfreq, ch_names, filename=None, meas_date=None):
    """An MNE Raw (EMG channels, volts) whose samples are read on demand.

    Parameters
    ----------
    read : callable
        ``read(start, stop)`` returns samples ``start:stop`` of every
        channel, shape ``(len(ch_names), stop - start)``, in volts.
    n_samples : int
    sfreq : float
    ch_names : list of str
    filename : Path | None
        The file the samples come from, for MNE's descriptions.
    meas_date : datetime | None
        When the recording started (timezone-aware).

    Returns
    -------
    raw : mne.io.BaseRaw
        Not preloaded: ``raw.save`` and ``raw.get_data`` call ``read`` for
        the spans they need.
    """
    import mne
    info = mne.create_info(list(ch_names), float(sfreq), "emg")
    info.set_meas_date(meas_date)
    return _lazy_raw_class()(info, int(n_samples), read, filename)


@functools.cache
def _lazy_raw_class():
    """The :class:`mne.io.BaseRaw` subclass behind :func:`lazy_raw` (built on
    first use, so importing this module does not import MNE)."""
    import mne

    class _BlockReaderRaw(mne.io.BaseRaw):
        def __init__(self, info, n_samples, read, filename):
            super().__init__(info, preload=False, first_samps=[0],
                             last_samps=[n_samples - 1], filenames=[filename],
                             raw_extras=[{"read": read}], orig_format="double",
                             buffer_size_sec=BUFFER_S, verbose="error")

        def _read_segment_file(self, data, idx, fi, start, stop, cals, mult):
            block = np.asarray(self._raw_extras[fi]["read"](start, stop))[idx]
            if mult is None:
                data[:] = block * cals
            else:
                data[:] = mult @ block

    return _BlockReaderRaw


def save_fif(raw, path, fmt="single"):
    """Save ``raw`` as FIF, streamed ``BUFFER_S`` seconds at a time, whole or
    not at all.

    Parameters
    ----------
    raw : mne.io.BaseRaw
    path : Path
        Ends in ``_raw.fif``. MNE splits files past 2 GB into ``path``,
        ``<stem>-1.fif``, ...; parts an earlier, longer save left are removed.
    fmt : {"single", "double"}

    Returns
    -------
    path : Path
    """
    with replacing(path) as tmp:
        parts = raw.save(tmp, fmt=fmt, buffer_size_sec=BUFFER_S, overwrite=True,
                         verbose="error")
    stem, number = path.name[: -len(".fif")], len(parts)
    while (stale := path.with_name(f"{stem}-{number}.fif")).exists():
        stale.unlink()
        number += 1
    return path


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
    Samples that are not finite are written as 0 (the events mark them
    ``BAD_``). FIF is streamed block by block; MNE's EDF export holds the
    analysed channels in memory. EDF labels carry the type (``EMG EMG1``)
    when every channel name has at most 12 characters; longer names are
    written as they are, and MNE reads those channels as EEG.
    """
    import mne
    if fmt not in ("fif", "edf"):
        raise InputFileError(f"Invalid value for the 'annotate' parameter. Allowed "
                             f"values are 'fif' and 'edf', but got {fmt!r} instead.")
    stem = Path(stem)
    raw = lazy_raw(lambda a, b: _finite_or_zero(recording.read(a, b)), recording.n_samples,
                   recording.sfreq, recording.ch_names, recording.path,
                   recording.meas_date)
    raw.set_annotations(events_to_annotations(events, recording.meas_date))
    if fmt == "fif":
        return str(save_fif(raw, stem.with_name(stem.name + "_annotated_raw.fif")))
    path = stem.with_name(stem.name + "_annotated.edf")
    # a label holds 16 characters: "EMG " fits before names of up to 12
    typed = all(len(name) <= _EDF_LABEL - len("EMG ") for name in recording.ch_names)
    with replacing(path) as tmp:
        mne.export.export_raw(tmp, raw, fmt="edf", overwrite=True, add_ch_type=typed,
                              verbose="error")
    return str(path)


def _finite_or_zero(data):
    return np.where(np.isfinite(data), data, 0.0)
