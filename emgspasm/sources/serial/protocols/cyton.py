"""OpenBCI Cyton packets.

33 bytes: ``0xA0``, a sample counter, 8 channels as 24-bit big-endian two's
complement, 6 aux bytes, and a footer ``0xC0``-``0xC6``. 250 Hz at 115200
baud; ``b`` starts and ``s`` stops the stream. Volts per count
``4.5 / (2**23 - 1) / gain`` (gain 24 by default).
"""

import numpy as np

from ....engine.block import Block
from ..stats import DecoderStats
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


class CytonDecoder:
    """Stateful, garbage-tolerant Cyton decoder (vectorised over packets)."""

    def __init__(self, gain=24):
        self.stats = DecoderStats()
        self.scale = volts_per_count(gain)
        self.sfreq = SFREQ
        self.n_channels = N_CHANNELS
        self._buf = bytearray()
        self._next = None

    def feed(self, data):
        """Decode ``data``; return a list of Blocks."""
        self._buf += data
        self.stats.bytes += len(data)
        buf = np.frombuffer(bytes(self._buf), dtype=np.uint8)
        blocks, pos = [], 0
        while len(buf) - pos >= PACKET:
            window = buf[pos:]
            starts = np.flatnonzero(window[: len(window) - PACKET + 1] == HEADER)
            good = starts[(window[starts + PACKET - 1] & 0xF8) == 0xC0]
            good = good[window[good + PACKET - 1] <= 0xC6]
            if good.size == 0:
                skipped = len(window) - PACKET + 1
                self.stats.bad_frames += int(skipped > 0)
                pos += skipped
                break
            if good[0] > 0:
                self.stats.bad_frames += 1
            # a run of packets back to back from the first good one
            first = good[0]
            run = np.arange(first, len(window) - PACKET + 1, PACKET)
            ok = (window[run] == HEADER) & ((window[run + PACKET - 1] & 0xF8) == 0xC0) \
                & (window[run + PACKET - 1] <= 0xC6)
            count = int(np.argmin(ok)) if not ok.all() else len(run)
            packets = window[first:first + count * PACKET].reshape(count, PACKET)
            blocks += self._decode(packets)
            pos += first + count * PACKET
        del self._buf[:pos]
        return blocks

    def _decode(self, packets):
        counters = packets[:, 1].astype(np.int64)
        out = []
        b = packets[:, 2:26].reshape(-1, N_CHANNELS, 3).astype(np.int32)
        v = (b[..., 0] << 16) | (b[..., 1] << 8) | b[..., 2]
        v = np.where(v & 0x800000, v - (1 << 24), v)
        volts = v.T * self.scale
        # split where the counter jumps: the missing packets are a gap
        expected = np.concatenate([[self._next if self._next is not None
                                    else counters[0]], (counters[:-1] + 1) & 0xFF])
        jumps = np.flatnonzero(counters != expected)
        jump_set = set(jumps.tolist())
        edges = sorted({0, len(counters)} | jump_set)
        for a, z in zip(edges[:-1], edges[1:]):
            if a in jump_set:
                lost = int((counters[a] - expected[a]) & 0xFF)
                self.stats.lost_frames += lost
                out.append(Block.gap(lost, N_CHANNELS))
            if z > a:
                out.append(Block(volts[:, a:z].copy(),
                                 np.zeros((N_CHANNELS, z - a), np.uint8)))
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
