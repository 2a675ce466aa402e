"""ASCII lines, as Arduino sketches with MyoWare or AD8232 sensors print them.

One sample per line: one number, or several separated by commas, spaces or
tabs (one per channel). Banner and text lines are skipped; a line holding
``!`` is the AD8232 leads-off marker and becomes a leads-off sample. Values
are multiplied by ``scale`` (volts per count). The sampling rate is given, or
estimated from the arrival rate of lines over the first seconds.
"""

import re
import time

import numpy as np

from ....engine.block import Block
from ....engine.vocabulary import FLAG_LEADS_OFF
from ....errors import ConfigError
from ..stats import DecoderStats
from . import Protocol

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
#: Sampling rates a sketch is likely to run at; an estimate within 5 % snaps.
COMMON_RATES = (100, 125, 200, 250, 500, 1000, 2000, 4000)
ESTIMATE_S = 2.0


def encode(values, leads_off=None):
    """Lines for ``values`` (n_samples x n_channels ints), for the emulator."""
    lines = []
    for i, row in enumerate(np.asarray(values, dtype=np.int64)):
        if leads_off is not None and leads_off[i]:
            lines.append("!")
        else:
            lines.append(",".join(str(v) for v in row))
    return ("\n".join(lines) + "\n").encode()


class AsciiDecoder:
    """Stateful decoder of numeric text lines.

    Parameters
    ----------
    scale : float
        Volts per printed unit.
    sfreq : float | None
        Sampling rate, or None to estimate it from the arrival rate.
    n_channels : int | None
        Channels per line, or None to take it from the first numeric line.
    clock : callable
        Monotonic clock for the rate estimate.
    """

    def __init__(self, scale, sfreq=None, n_channels=None, clock=time.monotonic):
        self.stats = DecoderStats()
        self.scale = float(scale)
        self.sfreq = None if sfreq is None else float(sfreq)
        self.n_channels = n_channels
        self._clock = clock
        self._text = ""
        self._held = []
        self._t0 = None
        self._count = 0

    def feed(self, data):
        """Decode ``data``; return a list of Blocks (held until the rate is known)."""
        self.stats.bytes += len(data)
        self._text += data.decode("ascii", "replace")
        *lines, self._text = self._text.split("\n")
        rows, off = [], []
        for line in lines:
            line = line.strip()
            if not line:
                continue
            if "!" in line:
                if self.n_channels:
                    rows.append([np.nan] * self.n_channels)
                    off.append(True)
                continue
            fields = [f for f in re.split(r"[,\s;]+", line) if f]
            if not all(_NUMBER.match(f) for f in fields):
                if self.n_channels and any(ch.isdigit() for ch in line):
                    self.stats.bad_frames += 1  # a garbled line amid the numbers
                continue  # a banner
            if self.n_channels is None:
                self.n_channels = len(fields)
            if len(fields) != self.n_channels:
                self.stats.bad_frames += 1
                continue
            rows.append([float(f) for f in fields])
            off.append(False)
        if not rows:
            return self._release()
        self.stats.frames += len(rows)
        data = np.array(rows).T * self.scale
        flags = np.where(np.array(off)[None, :], FLAG_LEADS_OFF, 0).astype(np.uint8)
        flags = np.repeat(flags, self.n_channels, axis=0)
        self._held.append(Block(data, flags))
        if self.sfreq is None:
            self._estimate(data.shape[1])
        return self._release()

    def _estimate(self, n_new):
        now = self._clock()
        if self._t0 is None:
            self._t0 = now
            self._count = 0
            return
        self._count += n_new
        elapsed = now - self._t0
        if elapsed >= ESTIMATE_S and self._count >= 20:
            rate = self._count / elapsed
            near = min(COMMON_RATES, key=lambda r: abs(r - rate))
            self.sfreq = float(near) if abs(near - rate) <= 0.05 * near else round(rate)

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
