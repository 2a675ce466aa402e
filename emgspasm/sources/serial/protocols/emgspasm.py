"""The emgspasm wire protocol (``firmware_interface/PROTOCOL.md``), host side.

:func:`encode_data` and :func:`encode_command` build frames;
:class:`ProtocolDecoder` turns any stream of bytes (split anywhere, with
garbage, corrupt or lost frames) into blocks of samples in volts, counting
CRC failures, rejecting implausible frames, and keeping lost frames as gaps
in time and a device restart as a segment boundary.
"""

import binascii
import struct
import time

import numpy as np

from ....engine.block import Block
from ....engine.vocabulary import FLAG_CLIPPED, FLAG_LEADS_OFF
from ....errors import FrameError
from ..decoding import Decoder, FormatLock, rate_problem
from . import Protocol

SYNC = b"\xa5\x5a"
VERSION = 1
T_DATA, T_IDENT = 0x01, 0x02
T_START, T_STOP, T_IDENTIFY, T_SET_RATE = 0x10, 0x11, 0x12, 0x13
FMT_INT16, FMT_INT24, FMT_FLOAT32 = 0, 1, 2
WIDTH = {FMT_INT16: 2, FMT_INT24: 3, FMT_FLOAT32: 4}
MAX_BODY = 16384
MAX_SAMPLES = 1024
DATA_HEADER = struct.Struct("<HBBIHBBQf")  # 24 bytes
STATUS_LEADS_OFF, STATUS_SATURATION, STATUS_BATTERY_LOW = 1, 2, 4


def crc16(data):
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF)."""
    return binascii.crc_hqx(bytes(data), 0xFFFF)


def frame(ftype, body=b""):
    """Wrap a body in the envelope: sync, version, type, length, body, CRC."""
    if len(body) > MAX_BODY:
        raise FrameError(f"Frame body of {len(body)} bytes exceeds the maximum "
                         f"of {MAX_BODY}.")
    head = struct.pack("<BBH", VERSION, ftype, len(body))
    return SYNC + head + body + struct.pack("<H", crc16(head + body))


def encode_data(samples, seq, rate, fmt=FMT_INT16, scale=1.0, status=0,
                leads_off_mask=0):
    """One DATA frame.

    Parameters
    ----------
    samples : ndarray, shape (n_samples, n_channels)
        Counts (int formats) or volts (float32).
    seq : int
        Sequence number (wraps at 65536).
    rate : int
        Sampling rate (Hz).
    fmt : int
        ``FMT_INT16``, ``FMT_INT24`` or ``FMT_FLOAT32``.
    scale : float
        Volts per count.
    status, leads_off_mask : int

    Returns
    -------
    frame : bytes
    """
    samples = np.asarray(samples)
    n, n_ch = samples.shape
    head = DATA_HEADER.pack(seq & 0xFFFF, n_ch, fmt, int(rate), n, status, 0,
                            leads_off_mask, scale)
    if fmt == FMT_INT16:
        payload = np.clip(samples, -32768, 32767).astype("<i2").tobytes()
    elif fmt == FMT_INT24:
        v = np.clip(samples, -(1 << 23), (1 << 23) - 1).astype("<i4").reshape(-1)
        payload = v.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    elif fmt == FMT_FLOAT32:
        payload = samples.astype("<f4").tobytes()
    else:
        raise FrameError(f"Invalid value for the 'fmt' parameter. Allowed values "
                         f"are 0, 1 and 2, but got {fmt!r} instead.")
    return frame(T_DATA, head + payload)


def encode_command(ftype, rate=None):
    """A host command frame (START, STOP, IDENTIFY, or SET_RATE with ``rate``)."""
    if ftype == T_SET_RATE:
        return frame(ftype, struct.pack("<I", int(rate)))
    if ftype not in (T_START, T_STOP, T_IDENTIFY):
        raise FrameError(f"Invalid value for the 'ftype' parameter. Allowed values "
                         f"are 16, 17, 18 and 19, but got {ftype!r} instead.")
    return frame(ftype)


def encode_ident(text):
    """An IDENT frame carrying ``key=value;...`` text."""
    return frame(T_IDENT, text.encode("utf-8"))


def parse_frames(buf):
    """Split ``buf`` into valid frames, resynchronising after bad bytes.

    Parameters
    ----------
    buf : bytes or bytearray

    Returns
    -------
    frames : list of (type, body)
    consumed : int
        Bytes that can be dropped from the front of ``buf``.
    bad : int
        Frames rejected (bad version, length or CRC).
    """
    frames, bad = [], 0
    pos, n = 0, len(buf)
    mv = memoryview(buf)
    while True:
        i = buf.find(SYNC, pos)
        if i < 0:
            # keep a trailing 0xA5: it may start the next sync word
            return frames, (n - 1 if n and buf[-1] == 0xA5 else n), bad
        if i + 6 > n:
            return frames, i, bad
        version, ftype, length = buf[i + 2], buf[i + 3], buf[i + 4] | buf[i + 5] << 8
        if version != VERSION or length > MAX_BODY:
            bad += 1
            pos = i + 1
            continue
        end = i + 6 + length + 2
        if end > n:
            if _complete_frame_after(buf, i + 1):
                # a valid frame starts inside this one: its length was garbage
                bad += 1
                pos = i + 1
                continue
            return frames, i, bad
        crc = buf[end - 2] | buf[end - 1] << 8
        if binascii.crc_hqx(mv[i + 2:end - 2], 0xFFFF) != crc:
            bad += 1
            pos = i + 1
            continue
        frames.append((ftype, bytes(mv[i + 6:end - 2])))
        pos = end


def _complete_frame_after(buf, start):
    """True when a complete frame with a good CRC starts at or after ``start``."""
    j = buf.find(SYNC, start)
    while 0 <= j and j + 6 <= len(buf):
        length = buf[j + 4] | buf[j + 5] << 8
        end = j + 8 + length
        if (buf[j + 2] == VERSION and length <= MAX_BODY and end <= len(buf)
                and binascii.crc_hqx(bytes(buf[j + 2:end - 2]), 0xFFFF)
                == buf[end - 2] | buf[end - 1] << 8):
            return True
        j = buf.find(SYNC, j + 1)
    return False


def decode_data_body(body):
    """Header fields and samples (volts, n_samples x n_channels) of a DATA body."""
    if len(body) < DATA_HEADER.size:
        raise FrameError(f"DATA body of {len(body)} bytes is shorter than its "
                         f"{DATA_HEADER.size}-byte header.")
    seq, n_ch, fmt, rate, n, status, _, mask, scale = DATA_HEADER.unpack_from(body)
    if fmt not in WIDTH or not 1 <= n_ch <= 64 or not 1 <= n <= MAX_SAMPLES:
        raise FrameError(f"DATA frame with format {fmt}, {n_ch} channels and {n} "
                         f"samples is not valid (format 0-2, 1-64 channels, "
                         f"1-{MAX_SAMPLES} samples).")
    payload = np.frombuffer(body, np.uint8, offset=DATA_HEADER.size)
    if payload.size != n * n_ch * WIDTH[fmt]:
        raise FrameError(f"DATA frame says {n} samples x {n_ch} channels but "
                         f"carries {payload.size} payload bytes.")
    if fmt == FMT_INT16:
        values = payload.view("<i2").astype(np.float64)
    elif fmt == FMT_INT24:
        b = payload.reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        values = np.where(v & 0x800000, v - (1 << 24), v).astype(np.float64)
    else:
        values = payload.view("<f4").astype(np.float64)
    fields = {"seq": seq, "channels": n_ch, "format": fmt, "rate": rate,
              "samples": n, "status": status, "leads_off_mask": mask,
              "scale": scale}
    return fields, values.reshape(n, n_ch) * float(scale)


class ProtocolDecoder(Decoder):
    """Stateful decoder of the emgspasm protocol.

    Feed it bytes as they arrive with :meth:`feed`; it returns blocks of
    samples and link events in stream order. Frames whose CRC fails are
    counted and skipped; a frame that decodes but is implausible (a rate
    outside :data:`~emgspasm.sources.serial.decoding.RATE_RANGE_HZ`,
    samples that are not finite, a channel count or rate that differs from
    the stream's) is dropped, counted and reported; the stream's format is
    settled by agreement, not by its first frame. A sequence jump of *k*
    frames becomes *k* frames of NaN samples flagged as a gap, so time is
    never closed up, unless the host clock says the jump cannot be a loss:
    then the device restarted, and the restart is a segment boundary (see
    :mod:`emgspasm.sources.serial.decoding`).

    Parameters
    ----------
    clock : callable
        Host monotonic clock (s).
    """

    device = "emgspasm sensor"

    def __init__(self, clock=time.monotonic):
        super().__init__(clock=clock)
        self.ident = None
        self.status = 0  # status bits of the last DATA frame
        self._buf = bytearray()
        self._next_seq = None
        self._lock = FormatLock(("channels", "rate"))

    def continue_from(self, previous):
        """Continue ``previous``'s stream: its sequence, format and identity."""
        super().continue_from(previous)
        self.ident = previous.ident
        self._next_seq = previous._next_seq
        self._lock = FormatLock(self._lock.fields, previous._lock.settled)

    def feed(self, data):
        """Decode ``data`` (bytes); return Blocks and LinkEvents in stream order."""
        now = self._clock()
        self._buf += data
        self.stats.bytes += len(data)
        frames, consumed, bad = parse_frames(self._buf)
        self.stats.bad_frames += bad
        del self._buf[:consumed]
        out = []
        for ftype, body in frames:
            if ftype == T_IDENT:
                self.ident = parse_ident(body)
            elif ftype == T_DATA:
                out += self._data(body, now)
        return out

    def _data(self, body, now):
        try:
            fields, volts = decode_data_body(body)
        except FrameError:
            self.stats.bad_frames += 1
            return []
        problem = implausible(fields, volts)
        if problem:
            return self._reject(problem[0], f"DATA frame rejected: {problem[1]}", now)
        out = []
        fmt = (fields["channels"], float(fields["rate"]))
        accepted, rejections = self._lock.offer(fmt, (fields, volts, now))
        for field, why in rejections:
            out += self._reject(field, f"DATA frame rejected: {why}", now)
        if accepted and self.sfreq is None:
            self.n_channels, self.sfreq = int(fmt[0]), fmt[1]
        for frame_ in accepted:
            out += self._frame(*frame_)
        return out

    def _frame(self, fields, volts, now):
        n, n_ch = volts.shape
        out = []
        seq = fields["seq"]
        if self._next_seq is not None:
            out += self._since_last((seq - self._next_seq) & 0xFFFF, 1 << 16, n, now)
        self._next_seq = (seq + 1) & 0xFFFF
        self._last_arrival = now
        self.stats.frames += 1
        flags = np.zeros((n_ch, n), dtype=np.uint8)
        mask = fields["leads_off_mask"]
        self.status = fields["status"]
        if mask:
            off = [(mask >> c) & 1 for c in range(n_ch)]
            flags[np.array(off, bool)] |= FLAG_LEADS_OFF
        elif self.status & STATUS_LEADS_OFF:
            flags |= FLAG_LEADS_OFF  # a device without a per-channel mask: all channels
        if self.status & STATUS_SATURATION:
            flags |= FLAG_CLIPPED
        out.append(Block(volts.T.copy(), flags))
        return out


def parse_ident(body):
    """The ``key=value;...`` pairs of an IDENT body as a dict."""
    text = body.decode("utf-8", "replace")
    return dict(kv.split("=", 1) for kv in text.split(";") if "=" in kv)


def implausible(fields, volts):
    """``(field, why)`` when a decoded DATA frame cannot be right, else None."""
    why = rate_problem(fields["rate"])
    if why:
        return "rate", f"its 'rate' is {why}"
    if not np.isfinite(volts).all():
        field = "samples" if fields["format"] == FMT_FLOAT32 else "scale"
        return field, (f"its samples are not finite volts ('{field}'; scale "
                       f"{fields['scale']:g} V per count)")
    return None


#: Volts per count of the emulated device (int24 samples).
DEVICE_SCALE = 2e-8


class Device:
    """The sensor's side, for the emulator: int24 DATA frames once STARTed,
    an IDENT frame when asked."""

    streams_on_open = False

    def __init__(self, n_channels, sfreq, frame_samples=10):
        self.n_channels = n_channels
        self.sfreq = sfreq
        self.frame_samples = int(frame_samples)
        self._seq = 0

    def encode(self, block):
        """One DATA frame of ``block`` (volts, n_samples x n_channels)."""
        counts = np.round(block / DEVICE_SCALE)
        frame_ = encode_data(counts, self._seq, int(self.sfreq), FMT_INT24, DEVICE_SCALE)
        self._seq = (self._seq + 1) & 0xFFFF
        return frame_

    def skip(self, n_frames):
        """Frames that were never sent (the device was unplugged)."""
        self._seq = (self._seq + n_frames) & 0xFFFF

    def restart(self):
        """The device reset: its sequence number starts again at 0."""
        self._seq = 0

    def answer(self, data):
        """React to bytes from the host: ``(streaming or None, reply bytes)``."""
        streaming, reply = None, b""
        frames, _, _ = parse_frames(bytearray(data))
        for ftype, _ in frames:
            if ftype == T_START:
                streaming = True
            elif ftype == T_STOP:
                streaming = False
            elif ftype == T_IDENTIFY:
                reply += encode_ident(
                    f"name=emgspasm-emulator;fw=1;channels={self.n_channels};"
                    f"rate={int(self.sfreq)};format=int24")
        return streaming, reply


PROTOCOL = Protocol(
    name="emgspasm",
    summary="framed binary packets with CRC (firmware_interface/PROTOCOL.md)",
    baudrate=115200,
    start_command=encode_command(T_START),
    stop_command=encode_command(T_STOP),
    identify_command=encode_command(T_IDENTIFY),
    make_decoder=lambda scale=None, sfreq=None: ProtocolDecoder(),
    make_device=Device,
)
