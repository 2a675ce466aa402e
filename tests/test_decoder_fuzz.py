"""Fuzzing the three sensor decoders with hypothesis.

Whatever bytes arrive, and however the stream is cut into reads, a decoder
never raises, its output is well formed (2-D float64 samples of the stream's
channel count, uint8 flags of the same shape, values that are not finite
only where flagged as a gap or leads-off, link events of known kinds), and
it decodes the same samples, flags, events and counters whatever the split.
Valid streams with garbage, dropped and corrupted frames decode to their
samples, with every loss kept as a gap in its place.

The host clock is frozen: timing rules are tested in ``test_protocol.py``.
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgspasm.engine.block import Block
from emgspasm.engine.vocabulary import FLAG_GAP, FLAG_LEADS_OFF
from emgspasm.sources.serial import events as E
from emgspasm.sources.serial.protocols import cyton
from emgspasm.sources.serial.protocols import emgspasm as P
from emgspasm.sources.serial.protocols.ascii import AsciiDecoder

FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def frozen():
    return 0.0


DECODERS = {
    "emgspasm": lambda: P.ProtocolDecoder(clock=frozen),
    "cyton": lambda: cyton.CytonDecoder(clock=frozen),
    "ascii": lambda: AsciiDecoder(scale=1e-6, sfreq=500.0, clock=frozen),
}

#: Bytes that mean something to one decoder or another.
TOKENS = [P.SYNC, P.SYNC + b"\x01\x01", P.SYNC + b"\x01\x01\xff\x3f", b"\xa0", b"\xc0",
          b"\n", b"!\n", b"12,-3\n", b"1e999\n", b"ready\n", b"5x0\n", b"\r\n"]
noise = st.lists(st.one_of(st.binary(max_size=40), st.sampled_from(TOKENS)),
                 max_size=30).map(b"".join)


def pieces(data, raw):
    """``raw`` cut at points hypothesis draws (empty pieces included)."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=12), label="cuts"))
    return [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)])]


def decode(name, chunks):
    """The decoder after ``chunks``, and everything it returned."""
    decoder = DECODERS[name]()
    items = []
    for chunk in chunks:
        items += decoder.feed(chunk)
    check_well_formed(decoder, items)
    return decoder, items


def check_well_formed(decoder, items):
    for item in items:
        if isinstance(item, E.LinkEvent):
            assert item.kind in E.KINDS and isinstance(item.message, str)
            continue
        assert isinstance(item, Block)
        assert item.data.dtype == np.float64 and item.data.ndim == 2
        assert item.data.shape[0] == decoder.n_channels
        assert item.flags is not None and item.flags.dtype == np.uint8
        assert item.flags.shape == item.data.shape
        odd = ~np.isfinite(item.data)
        assert np.all(item.flags[odd] & (FLAG_GAP | FLAG_LEADS_OFF))
        assert np.isnan(item.data[(item.flags & FLAG_GAP) > 0]).all()


def outcome(decoder, items):
    """What a decoding comes to: samples, flags, events in their places, counters."""
    blocks = [i for i in items if isinstance(i, Block)]
    n_ch = decoder.n_channels or 0
    data = np.concatenate([b.data for b in blocks], axis=1) if blocks else np.zeros((n_ch, 0))
    flags = (np.concatenate([b.flags for b in blocks], axis=1) if blocks
             else np.zeros((n_ch, 0), np.uint8))
    events, position = [], 0
    for item in items:
        if isinstance(item, Block):
            position += item.n_samples
        else:
            events.append((position, item.kind, item.message))
    return data, flags, events, dataclasses.asdict(decoder.stats)


def assert_same(a, b):
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2:] == b[2:]


@pytest.mark.parametrize("name", sorted(DECODERS))
@FUZZ
@given(raw=noise, data=st.data())
def test_any_bytes_any_split_decode_well_formed_and_alike(name, raw, data):
    whole = outcome(*decode(name, [raw]))
    assert_same(outcome(*decode(name, pieces(data, raw))), whole)


# -- valid streams with garbage, dropped and corrupted frames ----------------------

def flip_a_byte(data, frame):
    """The frame with one byte changed (the CRC catches it)."""
    at = data.draw(st.integers(0, len(frame) - 1), label="corrupt at")
    return frame[:at] + bytes([frame[at] ^ data.draw(st.integers(1, 255))]) + frame[at + 1:]


def break_header_or_footer(data, packet):
    """The packet with its header or footer zeroed (a Cyton has no CRC: what
    it can detect)."""
    at = data.draw(st.sampled_from([0, len(packet) - 1]), label="corrupt at")
    return packet[:at] + b"\x00" + packet[at + 1:]


def mangle(data, frames, garbage, corrupt):
    """Frames kept, dropped or corrupted at random, garbage between them.

    Returns the bytes and the indices of the frames that arrived intact.
    """
    fates = data.draw(st.lists(st.sampled_from(["keep", "keep", "keep", "drop", "corrupt"]),
                               min_size=len(frames), max_size=len(frames)), label="fates")
    raw, intact = b"", []
    for k, (frame, fate) in enumerate(zip(frames, fates)):
        raw += data.draw(garbage, label="garbage")
        if fate == "corrupt":
            raw += corrupt(data, frame)
        elif fate == "keep":
            raw += frame
            intact.append(k)
    return raw, intact


def check_in_place(samples, flags, values, intact, per_frame):
    """Intact frames' samples where they belong, the frames between them a gap."""
    first = intact[0]
    assert samples.shape[1] == (intact[-1] - first + 1) * per_frame
    for k in range(first, intact[-1] + 1):
        span = slice((k - first) * per_frame, (k - first + 1) * per_frame)
        if k in intact:
            np.testing.assert_allclose(samples[:, span], values[k], rtol=1e-6)
        else:
            assert np.isnan(samples[:, span]).all() and np.all(flags[:, span] & FLAG_GAP)


def decode_both_ways(name, data, raw):
    """Decode ``raw`` whole and cut; assert they agree; return the whole outcome."""
    decoder, items = decode(name, [raw])
    whole = outcome(decoder, items)
    assert_same(outcome(*decode(name, pieces(data, raw))), whole)
    return decoder, whole


@FUZZ
@given(n_ch=st.integers(1, 4), spf=st.integers(1, 6), n_frames=st.integers(1, 14),
       fmt=st.sampled_from([P.FMT_INT16, P.FMT_INT24, P.FMT_FLOAT32]),
       rate=st.sampled_from([250, 1000, 4000]), seq0=st.integers(0, 0xFFFF),
       seed=st.integers(0, 2 ** 32 - 1), data=st.data())
def test_emgspasm_stream_with_garbage_and_corruption(n_ch, spf, n_frames, fmt, rate, seq0,
                                                    seed, data):
    counts = np.random.default_rng(seed).integers(-30000, 30000, size=(n_frames, spf, n_ch))
    scale = 1.0 if fmt == P.FMT_FLOAT32 else 1e-6
    frames = [P.encode_data(c, seq0 + k, rate, fmt, scale) for k, c in enumerate(counts)]
    raw, intact = mangle(data, frames, noise, flip_a_byte)
    decoder, (samples, flags, _, _) = decode_both_ways("emgspasm", data, raw)
    if len(intact) < 3:  # three frames that agree settle the format
        assert samples.shape[1] <= n_frames * spf
        return
    values = [(c * np.float32(scale)).T for c in counts]
    check_in_place(samples, flags, values, intact, spf)
    assert decoder.stats.frames == len(intact) and decoder.sfreq == rate


#: Garbage that cannot pass for a Cyton packet's header or footer.
cyton_garbage = st.binary(max_size=40).map(lambda b: bytes(x % 0xA0 for x in b))


@FUZZ
@given(n_packets=st.integers(1, 40), counter0=st.integers(0, 255),
       seed=st.integers(0, 2 ** 32 - 1), data=st.data())
def test_cyton_stream_with_garbage_and_corruption(n_packets, counter0, seed, data):
    # sample bytes below 0xA0, so the inside of a packet never passes for a header
    rng = np.random.default_rng(seed)
    counts = (rng.integers(0, 0xA0, size=(n_packets, 8, 3))
              * np.array([1 << 16, 1 << 8, 1])).sum(axis=2)
    raw = cyton.encode(counts, counter0)
    packets = [raw[k * 33:(k + 1) * 33] for k in range(n_packets)]
    stream, intact = mangle(data, packets, cyton_garbage, break_header_or_footer)
    _, (samples, flags, _, _) = decode_both_ways("cyton", data, stream)
    if not intact:
        assert samples.shape[1] == 0
        return
    signed = np.where(counts >= 1 << 23, counts - (1 << 24), counts)
    values = [signed[k][:, None] * cyton.volts_per_count(24) for k in range(n_packets)]
    check_in_place(samples, flags, values, intact, 1)


LINES = {"banner": b"AD8232 ready", "garbled": b"5x0", "leads_off": b"!"}


@FUZZ
@given(n_ch=st.integers(1, 3), kinds=st.lists(
    st.sampled_from(["sample", "sample", "sample", "leads_off", "banner", "garbled"]),
    max_size=40), seed=st.integers(0, 2 ** 32 - 1), data=st.data())
def test_ascii_lines_with_banners_garbled_and_leads_off(n_ch, kinds, seed, data):
    values = np.random.default_rng(seed).integers(-5000, 5000, size=(len(kinds), n_ch))
    lines = [b"booting..."]  # the first line of a connection is dropped
    lines += [b",".join(b"%d" % v for v in row) if kind == "sample" else LINES[kind]
              for kind, row in zip(kinds, values)]
    raw = b"\r\n".join(lines) + b"\r\n"
    _, (samples, flags, _, _) = decode_both_ways("ascii", data, raw)
    if kinds.count("sample") < 3:  # three lines that agree settle the channel count
        assert samples.shape[1] == 0
        return
    kept = [(kind, row) for kind, row in zip(kinds, values) if kind in ("sample", "leads_off")]
    expected = np.array([row * 1e-6 if kind == "sample" else np.full(n_ch, np.nan)
                         for kind, row in kept]).T
    np.testing.assert_array_equal(samples, expected)
    leads_off = np.array([kind == "leads_off" for kind, _ in kept])
    assert np.array_equal(flags[0] > 0, leads_off) and np.all(flags == flags[0])
