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
"""

import json
import os
import struct
import time
import zlib
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import InputFileError
from ..engine.events import EventLedger
from ..engine.vocabulary import LINK_ANNOTATIONS
from .annotations import events_to_annotations
from .events_table import write_events_tsv
from .notices import notice_from_dict, notice_to_json

MAGIC = b"EMGC"
_CHUNK = struct.Struct("<QII")  # start sample, samples, channels
FIF_NAME = "recording_raw.fif"
#: Longest time between two fsyncs of the samples: what a crash can lose.
SYNC_INTERVAL_S = 0.5


def _fsync_write(path, text):
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


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
        _fsync_write(self.folder / "session.json", json.dumps(meta, indent=2))
        self._raw = open(self.folder / "raw.bin", "ab")
        self._events = open(self.folder / "events.jsonl", "a", encoding="utf-8")
        self._last_sync = time.monotonic()

    def append(self, data, flags):
        """Append samples (volts, channels x samples) and their link flags."""
        data = np.ascontiguousarray(data, dtype="<f8")
        flags = np.ascontiguousarray(flags, dtype=np.uint8)
        n_ch, n = data.shape
        if n == 0:
            return
        body = _CHUNK.pack(self.samples, n, n_ch) + data.tobytes() + flags.tobytes()
        self._raw.write(MAGIC + body + struct.pack("<I", zlib.crc32(body)))
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
        _fsync_write(self.folder / "session.json", json.dumps(self._meta, indent=2))
        return export(self.folder, events)


def read_session(folder):
    """Read what a session folder holds, stopping at the first damaged chunk.

    Returns
    -------
    meta : dict
    data : ndarray, shape (n_channels, n_samples)
    flags : ndarray of uint8
    events : list of Event
        Final events from ``events.jsonl``.
    damaged : bool
        True when the end of ``raw.bin`` was incomplete or corrupt (a crash).
    """
    folder = Path(folder)
    try:
        meta = json.loads((folder / "session.json").read_text())
    except (OSError, ValueError) as err:
        raise InputFileError(f"{folder}: not an emgspasm session folder "
                             f"(session.json: {err}).") from None
    n_ch = len(meta["ch_names"])
    raw = (folder / "raw.bin").read_bytes() if (folder / "raw.bin").exists() else b""
    datas, flag_parts, pos, damaged = [], [], 0, False
    while pos < len(raw):
        head_end = pos + 4 + _CHUNK.size
        if raw[pos:pos + 4] != MAGIC or head_end > len(raw):
            damaged = True
            break
        start, n, chans = _CHUNK.unpack_from(raw, pos + 4)
        end = head_end + n * chans * 9 + 4
        if chans != n_ch or end > len(raw):
            damaged = True
            break
        body = raw[pos + 4:end - 4]
        if zlib.crc32(body) != struct.unpack_from("<I", raw, end - 4)[0]:
            damaged = True
            break
        values = np.frombuffer(raw, "<f8", n * chans, head_end).reshape(chans, n)
        flags = np.frombuffer(raw, np.uint8, n * chans, head_end + n * chans * 8)
        datas.append(values)
        flag_parts.append(flags.reshape(chans, n))
        pos = end
    data = np.concatenate(datas, axis=1) if datas else np.zeros((n_ch, 0))
    flags = np.concatenate(flag_parts, axis=1) if flag_parts else np.zeros((n_ch, 0), np.uint8)
    ledger = EventLedger()
    path = folder / "events.jsonl"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                ledger.apply(notice_from_dict(json.loads(line)))
            except ValueError:
                damaged = True  # a line cut by the crash
    return meta, data, flags, ledger.events, damaged


def _flag_annotations(flags, sfreq, ch_names):
    onsets, durations, descriptions, channels = [], [], [], []
    for bit, label in LINK_ANNOTATIONS:
        for c, name in enumerate(ch_names):
            on = (flags[c] & bit) > 0
            if not on.any():
                continue
            edges = np.flatnonzero(np.diff(np.concatenate([[0], on.view(np.int8), [0]])))
            for a, b in zip(edges[::2], edges[1::2]):
                onsets.append(a / sfreq)
                durations.append((b - a) / sfreq)
                descriptions.append(label)
                channels.append([name])
    return onsets, durations, descriptions, channels


def export(folder, events=None):
    """Write ``recording_raw.fif`` and ``events.tsv`` from a session folder.

    Parameters
    ----------
    folder : str or Path
    events : list of Event | None
        The final events; None reads them from ``events.jsonl``.

    Returns
    -------
    paths : dict
        ``{"fif": ..., "events": ..., "damaged": bool, "samples": int}``.
    """
    import mne

    folder = Path(folder)
    meta, data, flags, logged, damaged = read_session(folder)
    events = logged if events is None else events
    info = mne.create_info(meta["ch_names"], meta["sfreq"], "emg")
    raw = mne.io.RawArray(data, info, verbose="error")
    annotations = events_to_annotations(events)
    onsets, durations, descriptions, channels = _flag_annotations(
        flags, meta["sfreq"], meta["ch_names"])
    if onsets:
        annotations += mne.Annotations(onsets, durations, descriptions, ch_names=channels)
    # after a crash an event may end past the last synced sample: crop it
    raw.set_annotations(annotations, emit_warning=False)
    fif = folder / FIF_NAME
    raw.save(fif, fmt="double", overwrite=True, verbose="error")
    tsv = folder / "events.tsv"
    write_events_tsv(events, tsv)
    return {"fif": str(fif), "events": str(tsv), "damaged": damaged,
            "samples": data.shape[1]}


def recover(folder):
    """Rebuild the files of a session that did not stop cleanly (see :func:`export`)."""
    return export(folder, None)
