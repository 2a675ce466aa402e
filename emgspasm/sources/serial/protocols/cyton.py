"""OpenBCI Cyton packets.

33 bytes: ``0xA0``, a sample counter, 8 channels as 24-bit big-endian two's
complement, 6 aux bytes, and a footer ``0xC0``-``0xC6``. 250 Hz at 115200
baud; ``b`` starts and ``s`` stops the stream. Volts per count
``4.5 / (2**23 - 1) / gain`` (gain 24 by default).
"""

import itertools
import time

import numpy as np

from ....engine.block import Block
from ..decoding import Decoder
from . import Protocol

PACKET = 33
HEADER = 0xA0
N_CHANNELS = 8
SFREQ = 250.0
BAUD = 115200
START, STOP = b"b", b"s"


def volts_per_count(gain=24):
    """Cyton ADS1299 scale factor."""
    return 4.5 / (2 ** 23 - 1) / gain


def encode(counts, first_counter=0):
    """Packets for ``counts`` (n_samples x 8 ints), for the emulator and tests."""
    counts = np.asarray(counts, dtype=np.int64)
    n = counts.shape[0]
    out = np.zeros((n, PACKET), dtype=np.uint8)
    out[:, 0] = HEADER
    out[:, 1] = (first_counter + np.arange(n)) & 0xFF
    v = counts & 0xFFFFFF
    for c in range(N_CHANNELS):
        out[:, 2 + 3 * c] = (v[:, c] >> 16) & 0xFF
        out[:, 3 + 3 * c] = (v[:, c] >> 8) & 0xFF
        out[:, 4 + 3 * c] = v[:, c] & 0xFF
    out[:, 32] = 0xC0
    return out.tobytes()


def _packet_starts(window):
    """Offsets in ``window`` where a whole packet could start (header and footer)."""
    starts = np.flatnonzero(window[: len(window) - PACKET + 1] == HEADER)
    footer = window[starts + PACKET - 1]
    return starts[((footer & 0xF8) == 0xC0) & (footer <= 0xC6)]


def _run_length(window):
    """Packets back to back at the start of ``window`` (the first one is good)."""
    run = np.arange(0, len(window) - PACKET + 1, PACKET)
    footer = window[run + PACKET - 1]
    ok = (window[run] == HEADER) & ((footer & 0xF8) == 0xC0) & (footer <= 0xC6)
    return len(run) if ok.all() else int(np.argmin(ok))


class CytonDecoder(Decoder):
    """Stateful, garbage-tolerant Cyton decoder (vectorised over packets).

    The 8-bit sample counter gives lost packets modulo 256; the host clock
    adds the whole periods it cannot count (see
    :func:`~emgspasm.sources.serial.decoding.missing_frames`), so an outage
    of more than 255 packets keeps its length.

    Parameters
    ----------
    gain : int
        ADS1299 gain.
    clock : callable
        Host monotonic clock (s).
    """

    device = "Cyton"

    def __init__(self, gain=24, clock=time.monotonic):
        super().__init__(SFREQ, N_CHANNELS, clock)
        self.scale = volts_per_count(gain)
        self._buf = bytearray()
        self._next = None
        self._skipping = False

    def continue_from(self, previous):
        """Continue ``previous``'s stream: its counter and clock."""
        super().continue_from(previous)
        self._next = previous._next

    def feed(self, data):
        """Decode ``data``; return a list of Blocks."""
        now = self._clock()
        self._buf += data
        self.stats.bytes += len(data)
        buf = np.frombuffer(bytes(self._buf), dtype=np.uint8)
        out, pos = [], 0
        while len(buf) - pos >= PACKET:
            window = buf[pos:]
            starts = _packet_starts(window)
            if starts.size == 0:
                pos += self._skip(len(window) - PACKET + 1)
                break
            pos += self._skip(int(starts[0]))
            count = _run_length(buf[pos:])
            out += self._decode(buf[pos:pos + count * PACKET].reshape(count, PACKET), now)
            pos += count * PACKET
            self._skipping = False
        del self._buf[:pos]
        return out

    def _skip(self, n_bytes):
        """Drop ``n_bytes`` that are no packet; a stretch of them is one bad frame."""
        if n_bytes:
            self.stats.discarded_bytes += n_bytes
            self.stats.bad_frames += not self._skipping
            self._skipping = True
        return n_bytes

    def _decode(self, packets, now):
        counters = packets[:, 1].astype(np.int64)
        b = packets[:, 2:26].reshape(-1, N_CHANNELS, 3).astype(np.int32)
        v = (b[..., 0] << 16) | (b[..., 1] << 8) | b[..., 2]
        volts = np.where(v & 0x800000, v - (1 << 24), v).T * self.scale
        # split where the counter jumps: the missing packets are a gap
        jumps = np.flatnonzero(counters[1:] != (counters[:-1] + 1) & 0xFF) + 1
        edges = [0, *jumps.tolist(), len(counters)]
        out = []
        for a, z in itertools.pairwise(edges):
            expected = self._next if a == 0 else (counters[a - 1] + 1) & 0xFF
            if expected is not None:
                out += self._since_last(int(counters[a] - expected) & 0xFF, 256, 1, now)
            self._last_arrival = now
            out.append(Block(volts[:, a:z].copy(), np.zeros((N_CHANNELS, z - a), np.uint8)))
        self._next = int((counters[-1] + 1) & 0xFF)
        self.stats.frames += len(counters)
        return out


class Device:
    """The board's side, for the emulator: 8 channels (missing ones zero),
    one packet per sample, streaming between ``b`` and ``s``."""

    streams_on_open = False

    def __init__(self, n_channels, sfreq, frame_samples=1):
        self.n_channels = N_CHANNELS
        self.sfreq = sfreq
        self.frame_samples = 1
        self._counter = 0

    def encode(self, block):
        """Packets of ``block`` (volts, n_samples x up to 8 channels)."""
        counts = np.zeros((block.shape[0], N_CHANNELS))
        counts[:, :block.shape[1]] = np.round(block[:, :N_CHANNELS] / volts_per_count(24))
        packets = encode(counts, self._counter)
        self._counter = (self._counter + block.shape[0]) & 0xFF
        return packets

    def skip(self, n_frames):
        """Packets that were never sent."""
        self._counter = (self._counter + n_frames) & 0xFF

    def restart(self):
        """The board reset: its sample counter starts again at 0."""
        self._counter = 0

    def answer(self, data):
        """``b`` starts the stream, ``s`` stops it; nothing is sent back."""
        streaming = None
        if START in data:
            streaming = True
        if STOP in data:
            streaming = False
        return streaming, b""


PROTOCOL = Protocol(
    name="cyton",
    summary="OpenBCI Cyton 33-byte packets, 8 channels at 250 Hz",
    baudrate=BAUD,
    start_command=START,
    stop_command=STOP,
    identify_command=None,
    make_decoder=lambda scale=None, sfreq=None: CytonDecoder(),
    make_device=Device,
)
