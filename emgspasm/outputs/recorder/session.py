"""Reading a session folder, trusting nothing in it: ``session.json`` checked
field by field, the samples indexed, the notices folded into events."""

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputFileError
from ._fields import (
    are_names,
    checked_field,
    is_positive,
    json_kind,
)
from .events_log import read_events
from .samples import SampleIndex

log = logging.getLogger(__name__)


@dataclass
class Session:
    """What a session folder holds; the samples are read on demand.

    Attributes
    ----------
    folder : Path
    meta : dict
        ``session.json`` (``sfreq`` and ``ch_names`` checked).
    samples : SampleIndex
    events : list of Event
        Final events from ``events.jsonl``.
    notes : list of str
        What was skipped or ignored, one line each (also logged).
    damaged : bool
        True when part of ``raw.bin`` or ``events.jsonl`` was skipped (a
        crash cuts the end of both).
    """

    folder: Path
    meta: dict
    samples: "SampleIndex"
    events: list
    notes: list
    damaged: bool

    @property
    def sfreq(self):
        """Sampling rate (Hz)."""
        return float(self.meta["sfreq"])

    @property
    def ch_names(self):
        """Channel names."""
        return list(self.meta["ch_names"])

    @property
    def meas_date(self):
        """When the session started (``started``, timezone-aware), or None
        when ``session.json`` does not say (noted by :func:`open_session`)."""
        return _started(self.meta)


def open_session(folder):
    """Check and index a session folder (see :class:`Session`).

    Raises
    ------
    InputFileError
        When ``session.json`` is missing, unreadable, or its ``sfreq`` or
        ``ch_names`` field is missing or invalid; or ``raw.bin`` cannot be
        read. The message names the file and the field.
    """
    folder = Path(folder)
    meta = _read_meta(folder / "session.json")
    samples = SampleIndex.scan(folder / "raw.bin", meta["ch_names"], meta["sfreq"])
    events, event_notes, lines_skipped = read_events(folder / "events.jsonl",
                                                      meta["ch_names"])
    notes = samples.notes + event_notes
    if _started(meta) is None:
        notes.append(f"{folder / 'session.json'}: the 'started' field is missing or not "
                     f"an ISO 8601 time with a time zone (got {meta.get('started')!r}): "
                     "the recording has no measurement date")
    for note in notes:
        log.warning(note)
    return Session(folder, meta, samples, events, notes,
                   bool(samples.notes) or lines_skipped)


def read_session(folder):
    """Read what a session folder holds into memory (see :func:`open_session`).

    Returns
    -------
    meta : dict
    data : ndarray, shape (n_channels, n_samples)
        NaN where samples were lost between intact chunks.
    flags : ndarray of uint8
    events : list of Event
        Final events from ``events.jsonl``.
    damaged : bool
        True when part of ``raw.bin`` or ``events.jsonl`` was skipped.
    """
    session = open_session(folder)
    n = session.samples.n_samples
    return (session.meta, session.samples.read(0, n), session.samples.read_flags(0, n),
            session.events, session.damaged)


def _started(meta):
    """``meta["started"]`` as a timezone-aware datetime (UTC), or None."""
    try:
        started = dt.datetime.fromisoformat(meta.get("started"))
    except (TypeError, ValueError):
        return None
    return None if started.tzinfo is None else started.astimezone(dt.UTC)


def _read_meta(path):
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise InputFileError(f"{path.parent}: not an emgspasm session folder "
                             "(no session.json).") from None
    except OSError as err:
        raise InputFileError(f"{path}: cannot read it ({err.strerror}).") from None
    try:
        meta = json.loads(text)
    except ValueError as err:
        raise InputFileError(f"{path}: not valid JSON ({err}).") from None
    if not isinstance(meta, dict):
        raise InputFileError(f"{path}: holds a JSON {json_kind(meta)}, not an object "
                             "with the fields 'sfreq' and 'ch_names'.")
    checked_field(meta, "sfreq", is_positive, "a number > 0 (Hz)", where=path)
    checked_field(meta, "ch_names", are_names, "a non-empty list of distinct channel names",
           where=path)
    return meta
