"""Recording a live session so that a crash loses (almost) nothing.

A session folder holds:

* ``session.json``: sampling rate, channels, start time (written first,
  atomically);
* ``raw.bin``: append-only chunks of samples (float64 volts, exactly what the
  engine processed) with their link flags, each chunk with its own CRC-32,
  flushed and fsync'd at least every ``sync_interval_s`` (0.5 s);
* ``events.jsonl``: every notice shown live, one JSON line each, fsync'd as
  it is shown.

After ``kill -9`` at any moment the folder holds every chunk up to the last
sync (at most ``sync_interval_s`` of samples is lost) and every event already
shown; :func:`recover` turns it into a FIF file and an events table. A clean
stop writes the same files at once. The FIF stores the samples in double
precision and the link flags as ``LINK_*`` annotations, so replaying it with
``emgspasm analyze`` gives the events the live session showed.

Reading a folder never trusts it: a damaged or hand-edited ``session.json``
is refused with the file and the field; damaged stretches of ``raw.bin`` are
skipped (samples lost between intact chunks are kept as a NaN gap flagged
``LINK_gap``) and lines of ``events.jsonl`` that do not hold a valid notice
are skipped, each reported in one line through the ``logging`` module. The
samples are indexed, not loaded: the FIF is written block by block, so an
hour of 64 channels at 4 kHz recovers in a few hundred MB.
"""

import json
import logging
import math
import os
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__
from ..engine.events import EventLedger
from ..engine.vocabulary import FLAG_GAP, LINK_ANNOTATIONS, NOTICE_KINDS
from ..errors import FileFieldError, InputFileError
from ._atomic import write_text
from .annotations import events_to_annotations, lazy_raw, save_fif
from .events_table import write_events_tsv
from .notices import notice_from_dict, notice_to_json

MAGIC = b"EMGC"
_CHUNK = struct.Struct("<QII")  # start sample, samples, channels
_CRC = struct.Struct("<I")
_HEAD = len(MAGIC) + _CHUNK.size
#: Bytes per sample and channel in raw.bin: a float64 value and a flag byte.
_BYTES_PER_VALUE = 9
_PIECE = 1 << 20
FIF_NAME = "recording_raw.fif"
#: Longest time between two fsyncs of the samples: what a crash can lose.
SYNC_INTERVAL_S = 0.5

log = logging.getLogger(__name__)


class SessionRecorder:
    """Write a live session to ``folder`` as it happens.

    Parameters
    ----------
    folder : str or Path
    sfreq : float
    ch_names : list of str
    info : dict
        Anything worth keeping (port, protocol, configuration).
    sync_interval_s : float
        Longest time between two fsyncs of the samples.
    """

    def __init__(self, folder, sfreq, ch_names, info=None, sync_interval_s=SYNC_INTERVAL_S):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sfreq = float(sfreq)
        self.ch_names = list(ch_names)
        self.sync_interval_s = sync_interval_s
        self.samples = 0
        meta = {"sfreq": self.sfreq, "ch_names": self.ch_names,
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "software": f"emgspasm {__version__}", "complete": False,
                "info": info or {}}
        self._meta = meta
        write_text(self.folder / "session.json", json.dumps(meta, indent=2))
        self._raw = open(self.folder / "raw.bin", "ab")
        self._events = open(self.folder / "events.jsonl", "a", encoding="utf-8")
        self._last_sync = time.monotonic()

    def append(self, data, flags):
        """Append samples (volts, channels x samples) and their link flags
        (None: no flags)."""
        data = np.ascontiguousarray(data, dtype="<f8")
        flags = (np.zeros(data.shape, np.uint8) if flags is None
                 else np.ascontiguousarray(flags, dtype=np.uint8))
        n_ch, n = data.shape
        if n == 0:
            return
        body = _CHUNK.pack(self.samples, n, n_ch) + data.tobytes() + flags.tobytes()
        self._raw.write(MAGIC + body + _CRC.pack(zlib.crc32(body)))
        self.samples += n
        if time.monotonic() - self._last_sync >= self.sync_interval_s:
            self.sync()

    def sync(self):
        """Flush and fsync the samples now."""
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._last_sync = time.monotonic()

    def notice(self, notice):
        """Log a notice the moment it is shown (fsync'd)."""
        self._events.write(notice_to_json(notice) + "\n")
        self._events.flush()
        os.fsync(self._events.fileno())

    def close(self, events):
        """Clean stop: sync, then write the FIF and the events table."""
        self.sync()
        self._raw.close()
        self._events.close()
        self._meta["complete"] = True
        write_text(self.folder / "session.json", json.dumps(self._meta, indent=2))
        return export(self.folder, events)


# -- reading a session folder ---------------------------------------------

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
    events, event_notes, lines_skipped = _read_events(folder / "events.jsonl",
                                                      meta["ch_names"])
    notes = samples.notes + event_notes
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
        raise InputFileError(f"{path}: holds a JSON {_json_kind(meta)}, not an object "
                             "with the fields 'sfreq' and 'ch_names'.")
    _field(meta, "sfreq", _is_positive, "a number > 0 (Hz)", where=path)
    _field(meta, "ch_names", _are_names, "a non-empty list of distinct channel names",
           where=path)
    return meta


def _field(record, name, valid, allowed, where=None, prefix=""):
    """Check ``record[name]``: a FileFieldError naming the field (and, given
    ``where``, the file) when it is missing or not ``valid``."""
    if name not in record:
        raise FileFieldError((f"{where}: " if where else "")
                             + f"the {prefix + name!r} field is missing.")
    if not valid(record[name]):
        raise FileFieldError.invalid(prefix + name, allowed, record[name], where)


def _is_number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _is_positive(value):
    return _is_number(value) and value > 0


def _is_time(value):
    return _is_number(value) and value >= 0


def _is_text(value):
    return isinstance(value, str)


def _are_names(value):
    return (isinstance(value, list) and len(value) > 0
            and all(isinstance(n, str) and n for n in value)
            and len(set(value)) == len(value))


def _json_kind(value):
    kinds = ((dict, "object"), (list, "list"), (str, "string"), (bool, "boolean"),
             (int, "number"), (float, "number"))
    return next((word for kind, word in kinds if isinstance(value, kind)), "null")


# -- events.jsonl -----------------------------------------------------------

#: Fields of a notice line and of its event: (check, what is allowed).
_NOTICE_FIELDS = {
    "kind": (lambda v: v in NOTICE_KINDS, f"one of {', '.join(NOTICE_KINDS)}"),
    "channel": (_is_text, "a channel name"),
    "at": (_is_time, "a number >= 0 (s)"),
    "onset": (_is_number, "a number (s)"),
}
_EVENT_REQUIRED = ("onset", "duration", "label", "channel")
_EVENT_FIELDS = {
    "onset": (_is_time, "a number >= 0 (s)"),
    "duration": (_is_time, "a number >= 0 (s)"),
    "label": (_is_text, "an event label"),
    "subtype": (lambda v: v is None or _is_text(v), "text or null"),
    **{name: (lambda v: v is None or _is_number(v), "a number or null")
       for name in ("peak_uv", "confidence", "detected_at", "snr")},
}


def _read_events(path, ch_names):
    """Fold the notices of ``events.jsonl`` into final events.

    Returns
    -------
    events : list of Event
    notes : list of str
        One line per kind of problem, with the line numbers it hit.
    skipped : bool
        True when a line was skipped.
    """
    ledger, problems = EventLedger(), _LineProblems(path)
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    problems.number = number
                    notice = _notice_from_line(line, ch_names, problems)
                    if notice is not None:
                        ledger.apply(notice)
    except FileNotFoundError:
        pass
    except OSError as err:
        problems.skip(f"cannot read it ({err.strerror}); no events recovered")
    return ledger.events, problems.notes(), bool(problems.skipped)


class _LineProblems:
    """What went wrong on which lines of a file, gathered by kind."""

    def __init__(self, path):
        self.path, self.number = path, None
        self.skipped, self.ignored = {}, {}

    def skip(self, problem):
        """The current line (or, before any line, the file) was skipped."""
        self.skipped.setdefault(problem, []).append(self.number)

    def ignore(self, problem):
        """Part of the current line was ignored."""
        self.ignored.setdefault(problem, []).append(self.number)

    def notes(self):
        """One line per problem: the file, the problem, the lines it hit."""
        return ([self._note(p, n, "skipped") for p, n in self.skipped.items()]
                + [self._note(p, n, "ignored") for p, n in self.ignored.items()])

    def _note(self, problem, numbers, what):
        numbers = [n for n in numbers if n is not None]
        if not numbers:
            return f"{self.path}: {problem}."
        shown = ", ".join(map(str, numbers[:5]))
        if len(numbers) > 5:
            shown += f", ... ({len(numbers)} in all)"
        return (f"{self.path} line{'s' if len(numbers) > 1 else ''} {shown}: "
                f"{problem}; {what}.")


def _notice_from_line(line, ch_names, problems):
    """The notice one line holds, or None (the problem is added to ``problems``)."""
    try:
        record = json.loads(line)
    except ValueError:
        problems.skip("cut short (the session did not stop cleanly)"
                      if not line.endswith("\n") else "not a line of JSON")
        return None
    try:
        return _notice_from_record(record, ch_names, problems)
    except FileFieldError as err:
        problems.skip(str(err).rstrip("."))
        return None


def _notice_from_record(record, ch_names, problems):
    if not isinstance(record, dict):
        raise FileFieldError(f"a JSON {_json_kind(record)} where a notice object belongs")
    for name, (valid, allowed) in _NOTICE_FIELDS.items():
        _field(record, name, valid, allowed)
    event = record.get("event")
    if event is not None:
        _check_event(event, ch_names)
        _ignore_unknown(event, set(_EVENT_FIELDS) | {"channel"}, "event.", problems)
        event = {k: v for k, v in event.items() if k in _EVENT_FIELDS or k == "channel"}
    _ignore_unknown(record, set(_NOTICE_FIELDS) | {"event"}, "", problems)
    return notice_from_dict({**record, "event": event})


def _check_event(event, ch_names):
    if not isinstance(event, dict):
        raise FileFieldError.invalid("event", "an event object or null", event)
    missing = [name for name in _EVENT_REQUIRED if name not in event]
    if missing:
        raise FileFieldError(f"the 'event.{missing[0]}' field is missing.")
    _field(event, "channel", lambda v: v in ch_names,
           f"one of the session's channels ({', '.join(ch_names)})", prefix="event.")
    for name, (valid, allowed) in _EVENT_FIELDS.items():
        if name in event:
            _field(event, name, valid, allowed, prefix="event.")


def _ignore_unknown(record, known, prefix, problems):
    for name in record:
        if name not in known:
            problems.ignore(f"unknown field {prefix + name!r}")


# -- raw.bin ----------------------------------------------------------------

class SampleIndex:
    """Where the intact chunks of a session's ``raw.bin`` lie; samples and
    flags are read from them on demand (memory-mapped chunk by chunk).

    Attributes
    ----------
    path : Path
    n_channels : int
    n_samples : int
        Up to the end of the last intact chunk.
    notes : list of str
        The stretches skipped, one line each.
    """

    def __init__(self, path, n_channels, chunks, link_runs, notes):
        self.path = Path(path)
        self.n_channels = n_channels
        table = np.array(chunks, dtype=np.int64).reshape(-1, 3)
        self._starts, self._counts, self._offsets = table.T
        self.n_samples = int(self._starts[-1] + self._counts[-1]) if len(table) else 0
        self._links = link_runs
        self.notes = notes

    @classmethod
    def scan(cls, path, ch_names, sfreq):
        """Index ``raw.bin`` (a missing file holds no samples), checking every
        chunk's CRC and reading its link flags."""
        scanner = _Scanner(Path(path), len(ch_names), sfreq)
        try:
            scanner.run()
        except FileNotFoundError:
            return cls(path, len(ch_names), [], _LinkRuns(), [])
        except OSError as err:
            raise InputFileError(f"{path}: cannot read it ({err.strerror}).") from None
        return cls(path, len(ch_names), scanner.chunks, scanner.links, scanner.notes)

    def read(self, start, stop):
        """Samples ``start:stop`` (volts), NaN where samples were lost."""
        return self._gather(start, stop, "<f8", np.nan, 0)

    def read_flags(self, start, stop):
        """Link flags of samples ``start:stop``; ``FLAG_GAP`` where samples were lost."""
        return self._gather(start, stop, np.uint8, FLAG_GAP, 8 * self.n_channels)

    def link_annotations(self, sfreq, ch_names):
        """``(onsets, durations, descriptions, channels)`` of the ``LINK_*``
        annotations: one per run of a link flag on a channel."""
        return self._links.annotations(sfreq, ch_names)

    def _gather(self, start, stop, dtype, fill, skip_per_sample):
        out = np.full((self.n_channels, stop - start), fill, dtype)
        first = max(0, int(np.searchsorted(self._starts, start, "right")) - 1)
        for c0, n, offset in zip(self._starts[first:], self._counts[first:],
                                 self._offsets[first:]):
            if c0 >= stop:
                break
            a, b = max(start, c0), min(stop, c0 + n)
            if a < b:
                chunk = np.memmap(self.path, dtype, "r", shape=(self.n_channels, int(n)),
                                  offset=int(offset + skip_per_sample * n))
                out[:, a - start:b - start] = chunk[:, a - c0:b - c0]
        return out


class _Scanner:
    """One pass over ``raw.bin``: intact chunks, link-flag runs, skipped stretches."""

    def __init__(self, path, n_channels, sfreq):
        self.path, self.n_channels, self.sfreq = path, n_channels, sfreq
        self.chunks, self.links, self.notes = [], _LinkRuns(), []
        self._next_sample = 0

    def run(self):
        size = self.path.stat().st_size
        pos, bad_from, reason = 0, None, None
        with open(self.path, "rb") as fh:
            while pos < size:
                found = _chunk_at(fh, pos, size, self.n_channels)
                if not isinstance(found, str):
                    found = self._fits(found, pos, bad_from)
                if isinstance(found, str):
                    if bad_from is None:
                        bad_from, reason = pos, found
                    pos = _next_marker(fh, pos + 1, size)
                    continue
                if bad_from is not None:
                    self._skipped(bad_from, pos, reason, found[0])
                    bad_from = None
                self._accept(fh, *found)
                pos = found[3]
        if bad_from is not None:
            self._skipped(bad_from, size, reason, None)

    def _fits(self, chunk, pos, bad_from):
        """The chunk, or why it cannot follow the samples kept so far: a gap
        is allowed only where skipped bytes could have held the samples."""
        start = chunk[0]
        room = 0 if bad_from is None else (pos - bad_from) // (
            _BYTES_PER_VALUE * self.n_channels)
        if self._next_sample <= start <= self._next_sample + room:
            return chunk
        return (f"a chunk that starts at sample {start} where sample "
                f"{self._next_sample} was due")

    def _accept(self, fh, start, n, data_offset, end):
        if start > self._next_sample:
            self.links.add_gap(self._next_sample, start, self.n_channels)
        fh.seek(data_offset + 8 * n * self.n_channels)
        flags = np.frombuffer(fh.read(n * self.n_channels), np.uint8)
        self.links.add_block(flags.reshape(self.n_channels, n), start)
        self.chunks.append((start, n, data_offset))
        self._next_sample = start + n

    def _skipped(self, a, b, reason, resumed_at):
        where = f"{self.path}: bytes {a}-{b}"
        if resumed_at is None:
            self.notes.append(f"{where} (the end) skipped: {reason} (the session did "
                              "not stop cleanly, or the file is damaged).")
            return
        text = f"{where} skipped: {reason}"
        if resumed_at > self._next_sample:
            lost = (self._next_sample, resumed_at)
            text += (f"; samples {lost[0]}-{lost[1]} ({lost[0] / self.sfreq:.3f}-"
                     f"{lost[1] / self.sfreq:.3f} s) kept as a gap (NaN, LINK_gap)")
        self.notes.append(text + ".")


def _chunk_at(fh, pos, size, n_channels):
    """``(start, samples, data offset, end)`` of the intact chunk at ``pos``,
    or why there is none."""
    fh.seek(pos)
    head = fh.read(_HEAD)
    if len(head) < _HEAD:
        return "an incomplete chunk header"
    if head[:len(MAGIC)] != MAGIC:
        return "no chunk marker"
    start, n, chans = _CHUNK.unpack_from(head, len(MAGIC))
    if chans != n_channels:
        return (f"a chunk of {chans} channel(s) where session.json 'ch_names' "
                f"names {n_channels}")
    body = n * chans * _BYTES_PER_VALUE
    end = pos + _HEAD + body + _CRC.size
    if end > size:
        return "an incomplete chunk"
    crc = zlib.crc32(head[len(MAGIC):])
    while body > 0:
        piece = fh.read(min(body, _PIECE))
        if not piece:  # the file shrank under us
            return "an incomplete chunk"
        crc = zlib.crc32(piece, crc)
        body -= len(piece)
    if _CRC.unpack(fh.read(_CRC.size))[0] != crc:
        return "a chunk whose CRC does not match"
    return start, n, pos + _HEAD, end


def _next_marker(fh, pos, size):
    """Position of the next chunk marker at or after ``pos`` (``size`` if none)."""
    while pos < size:
        fh.seek(pos)
        piece = fh.read(_PIECE)
        found = piece.find(MAGIC)
        if found >= 0:
            return pos + found
        pos += max(1, len(piece) - len(MAGIC) + 1)
    return size


class _LinkRuns:
    """Runs of each link flag on each channel, gathered chunk by chunk."""

    def __init__(self):
        self._runs = {}  # (channel, bit) -> [[start, stop], ...]

    def add_block(self, flags, start):
        """Add the runs in ``flags`` (channels x samples) beginning at ``start``."""
        for bit, _ in LINK_ANNOTATIONS:
            on = (flags & bit) > 0
            for c in np.flatnonzero(on.any(axis=1)):
                padded = np.concatenate([[0], on[c].view(np.int8), [0]])
                edges = np.flatnonzero(np.diff(padded))
                for a, b in zip(edges[::2], edges[1::2]):
                    self._add(c, bit, start + a, start + b)

    def add_gap(self, start, stop, n_channels):
        """Samples ``start:stop`` were lost on every channel."""
        for c in range(n_channels):
            self._add(c, FLAG_GAP, start, stop)

    def _add(self, channel, bit, start, stop):
        runs = self._runs.setdefault((int(channel), bit), [])
        if runs and runs[-1][1] == start:
            runs[-1][1] = int(stop)
        else:
            runs.append([int(start), int(stop)])

    def annotations(self, sfreq, ch_names):
        """``(onsets, durations, descriptions, channels)`` in seconds."""
        labels = dict(LINK_ANNOTATIONS)
        rows = [(a / sfreq, (b - a) / sfreq, labels[bit], [ch_names[c]])
                for (c, bit), runs in sorted(self._runs.items()) for a, b in runs]
        return tuple(map(list, zip(*rows))) if rows else ([], [], [], [])


# -- writing the recording --------------------------------------------------

def export(folder, events=None):
    """Write ``recording_raw.fif`` and ``events.tsv`` from a session folder.

    The samples stream from ``raw.bin`` to the FIF block by block; both
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
                   samples.path)
    annotations = events_to_annotations(events)
    onsets, durations, descriptions, channels = samples.link_annotations(
        session.sfreq, session.ch_names)
    if onsets:
        annotations += mne.Annotations(onsets, durations, descriptions, ch_names=channels)
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
