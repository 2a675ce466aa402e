"""Writing a live session as it happens (see :mod:`emgspasm.outputs.recorder`)."""

import datetime as dt
import json
import os
import time
import zlib
from pathlib import Path

import numpy as np

from ... import __version__
from .._atomic import write_text
from ..notices import notice_to_json
from ._format import CHUNK, CRC, MAGIC
from .export import export

#: Longest time between two fsyncs of the samples: what a crash can lose.
SYNC_INTERVAL_S = 0.5


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
                "started": dt.datetime.now(dt.UTC).isoformat(),
                "software": f"emgspasm {__version__}", "complete": False,
                "info": info or {}}
        self._meta = meta
        write_text(self.folder / "session.json", json.dumps(meta, indent=2))
        self._raw = open(self.folder / "raw.bin", "ab")
        self._events = LineLog(self.folder / "events.jsonl")
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
        body = CHUNK.pack(self.samples, n, n_ch) + data.tobytes() + flags.tobytes()
        self._raw.write(MAGIC + body + CRC.pack(zlib.crc32(body)))
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
        self._events.write(notice_to_json(notice))

    def close(self, events):
        """Clean stop: sync, then write the FIF and the events table."""
        self.sync()
        self._raw.close()
        self._events.close()
        self._meta["complete"] = True
        write_text(self.folder / "session.json", json.dumps(self._meta, indent=2))
        return export(self.folder, events)


class LineLog:
    """A file of lines, each flushed and fsync'd as it is written, so a crash
    loses none that was written (``events.jsonl``, ``link.jsonl``)."""

    def __init__(self, path):
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close)

    def write(self, line):
        """Append ``line`` (without its newline) and make it durable."""
        self._fh.write(line + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self):
        """Close the file."""
        self._fh.close()
