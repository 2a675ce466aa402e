"""ASCII lines, as Arduino sketches with MyoWare or AD8232 sensors print them.

One sample per line: one number, or several separated by commas, spaces or
tabs (one per channel). Banner and text lines are skipped; a line ``!`` is
the AD8232 leads-off marker and becomes a leads-off sample. Values
are multiplied by ``scale`` (volts per count). The sampling rate is given, or
estimated from the arrival rate of lines over the first seconds.
"""

import re
import time

import numpy as np

from ...._check import check_number
from ....engine.block import Block
from ....engine.vocabulary import FLAG_LEADS_OFF
from ....errors import ConfigError
from ..decoding import RATE_RANGE_HZ, Decoder, FormatLock, rate_problem
from ..events import DISCARDED
from . import Protocol

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_SEPARATORS = re.compile(r"[,\s;]+")
#: Sampling rates a sketch is likely to run at; an estimate within 5 % snaps.
COMMON_RATES = (100, 125, 200, 250, 500, 1000, 2000, 4000)
ESTIMATE_S = 2.0
#: Longest line kept (bytes); a longer one (no newline: a wrong baud rate or
#: a binary device) is dropped and counted, and the buffer never grows past it.
MAX_LINE = 4096
LEADS_OFF = "!"


def encode(values, leads_off=None):
    """Lines for ``values`` (n_samples x n_channels ints), for the emulator."""
    lines = []
    for i, row in enumerate(np.asarray(values, dtype=np.int64)):
        if leads_off is not None and leads_off[i]:
            lines.append(LEADS_OFF)
        else:
            lines.append(",".join(str(v) for v in row))
    return ("\n".join(lines) + "\n").encode()


class AsciiDecoder(Decoder):
    """Stateful decoder of numeric text lines.

    The first line of a connection may have been joined mid-line (``23`` of
    ``1023,511``): it is dropped unless it is the leads-off marker. The
    channel count is settled when :data:`~emgspasm.sources.serial.decoding.CONFIRM_UNITS`
    consecutive lines agree, so one odd line cannot lock it; leads-off lines
    before it are kept. A line longer than :data:`MAX_LINE` is dropped and
    counted. After a reconnection the outage is kept as a gap sized by the
    host clock (a sketch prints no counter).

    Parameters
    ----------
    scale : float
        Volts per printed unit.
    sfreq : float | None
        Sampling rate, or None to estimate it from the arrival rate.
    n_channels : int | None
        Channels per line, or None to settle it from the lines.
    clock : callable
        Host monotonic clock (s), for the rate estimate and outages.
    """

    device = "ASCII sensor"

    def __init__(self, scale, sfreq=None, n_channels=None, clock=time.monotonic):
        super().__init__(None if sfreq is None else float(sfreq), n_channels, clock)
        self.scale = float(scale)
        self._buf = bytearray()
        self._first_line = True
        self._overlong = False  # inside a line already too long
        self._lock = FormatLock(("channels",), None if n_channels is None else (n_channels,))
        self._held = []  # blocks waiting for the rate estimate
        self._t0 = None
        self._count = 0
        self._resumed = False

    def continue_from(self, previous):
        """Continue ``previous``'s stream: channels, rate estimate, timeline."""
        super().continue_from(previous)
        self._lock = FormatLock(self._lock.fields, previous._lock.settled)
        self._held, self._t0, self._count = previous._held, previous._t0, previous._count
        self._resumed = previous._last_arrival is not None

    def feed(self, data):
        """Decode ``data``; return Blocks and LinkEvents in stream order (blocks
        are held until the rate is known)."""
        now = self._clock()
        self.stats.bytes += len(data)
        *lines, self._buf = (self._buf + data).split(b"\n")
        out, rows = [], []
        for line in lines:
            events = self._complete_line(line, rows, now)
            if events:
                out += self._hold(rows, now) + events
                rows = []
        out += self._hold(rows, now)
        if len(self._buf) > MAX_LINE:
            out += self._discard(len(self._buf), now)
            self._buf, self._overlong = bytearray(), True
        return out

    def _complete_line(self, line, rows, now):
        """Use one line (into ``rows``) or drop it; link events for a dropped one."""
        first, self._first_line = self._first_line, False
        if self._overlong or len(line) > MAX_LINE:
            self._overlong = False
            return self._discard(len(line), now)
        text = line.decode("ascii", "replace").strip()
        if first and text != LEADS_OFF:
            self.stats.discarded_bytes += len(line)  # maybe cut by the join
            return []
        return self._line(text, rows, now)

    def _discard(self, n_bytes, now):
        """Count the bytes of an over-long line; an event the first time."""
        self.stats.discarded_bytes += n_bytes
        if DISCARDED in self._reported:
            return []
        self._reported.add(DISCARDED)
        return [self._event(DISCARDED, f"a line longer than {MAX_LINE} bytes was dropped "
                            "(a wrong baud rate, or not a text sensor?)", now)]

    def _line(self, line, rows, now):
        """Parse one line into ``rows``; return link events for a dropped one."""
        if not line:
            return []
        if line == LEADS_OFF:
            fmt, row = None, None
        else:
            fields = [f for f in _SEPARATORS.split(line) if f]
            values = [float(f) * self.scale for f in fields if _NUMBER.match(f)]
            if len(values) < len(fields) or not np.isfinite(values).all():
                if self._lock.expected and any(ch.isdigit() for ch in line):
                    self.stats.bad_frames += 1  # a garbled line amid the numbers
                return []  # a banner
            fmt, row = (len(values),), values
        accepted, rejections = self._lock.offer(fmt, row)
        if self._lock.settled:
            self.n_channels = self._lock.settled[0]
        rows += accepted
        return [e for field, why in rejections
                for e in self._reject(field, f"line dropped: {why}", now)]

    def _hold(self, rows, now):
        """Queue ``rows`` as a block (after an outage's gap); release what the
        rate allows."""
        if rows:
            if self._resumed and self.sfreq:
                elapsed = now - self._last_arrival
                self._held += self._gap(round(elapsed * self.sfreq) - len(rows))
            self._resumed = False
            self._last_arrival = now
            self.stats.frames += len(rows)
            self._held.append(self._block(rows))
        out = self._estimate(len(rows), now) if rows and self.sfreq is None else []
        return out + self._release()

    def _block(self, rows):
        off = np.array([row is None for row in rows])
        data = np.full((len(rows), self.n_channels), np.nan)
        if not off.all():
            data[~off] = [row for row in rows if row is not None]
        flags = np.repeat(np.where(off, FLAG_LEADS_OFF, 0).astype(np.uint8)[None, :],
                          self.n_channels, axis=0)
        return Block(data.T.copy(), flags)

    def _estimate(self, n_new, now):
        """Estimate the rate from the arrival of lines; events when implausible."""
        if self._t0 is None:
            self._t0, self._count = now, 0
            return []
        self._count += n_new
        elapsed = now - self._t0
        if elapsed < ESTIMATE_S or self._count < 20:
            return []
        rate = self._count / elapsed
        near = min(COMMON_RATES, key=lambda r: abs(r - rate))
        rate = float(near) if abs(near - rate) <= 0.05 * near else float(round(rate))
        why = rate_problem(rate)
        if why is None:
            self.sfreq = rate
            return []
        dropped = sum(b.n_samples for b in self._held)
        self._held, self._t0 = [], None
        return self._reject("rate", f"estimated rate is {why}; {dropped} samples "
                            "dropped (give the rate with --sfreq)", now)

    def _release(self):
        if self.sfreq is None:
            return []
        out, self._held = self._held, []
        return out


def _make_decoder(scale=None, sfreq=None):
    if scale is None:
        raise ConfigError("ASCII sensors print ADC counts: give volts per count "
                          "with --adc-scale (e.g. 5 / 1024 / 1100 for a 10-bit "
                          "Arduino and an AD8232).")
    if sfreq is not None:
        check_number("rate", sfreq, *RATE_RANGE_HZ)
    return AsciiDecoder(scale, sfreq)


#: Volts per printed count of the emulated sketch.
DEVICE_SCALE = 1e-6


class Device:
    """A sketch's side, for the emulator: prints from power-up, one line per
    sample, ``!`` while the leads are off (NaN samples)."""

    streams_on_open = True

    def __init__(self, n_channels, sfreq, frame_samples=1):
        self.n_channels = n_channels
        self.sfreq = sfreq
        self.frame_samples = 1

    def encode(self, block):
        """Lines of ``block`` (volts, n_samples x n_channels)."""
        return encode(np.round(block / DEVICE_SCALE), leads_off=np.isnan(block).any(axis=1))

    def skip(self, n_frames):
        """A sketch keeps no count of what it printed."""

    def restart(self):
        """A sketch keeps no count to start again."""

    def answer(self, data):
        """A sketch does not listen."""
        return None, b""


PROTOCOL = Protocol(
    name="ascii",
    summary="numeric text lines (Arduino sketches with MyoWare or AD8232 sensors)",
    baudrate=115200,
    start_command=None,
    stop_command=None,
    identify_command=None,
    make_decoder=_make_decoder,
    make_device=Device,
)
