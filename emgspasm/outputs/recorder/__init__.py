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


from .export import FIF_NAME, export, recover
from .session import Session, open_session, read_session
from .writer import SYNC_INTERVAL_S, LineLog, SessionRecorder

__all__ = ["FIF_NAME", "SYNC_INTERVAL_S", "LineLog", "Session", "SessionRecorder", "export",
           "open_session", "read_session", "recover"]
