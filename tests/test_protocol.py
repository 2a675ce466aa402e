"""Sensor protocols: golden vectors, garbage, CRC errors, gaps, Cyton, ASCII."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from emgspasm.engine.block import Block
from emgspasm.engine.dsp.chain import MAX_SFREQ, MIN_SFREQ
from emgspasm.errors import ConfigError
from emgspasm.sources.serial import events as E
from emgspasm.sources.serial.decoding import RATE_RANGE_HZ
from emgspasm.sources.serial.protocols import cyton, make_decoder
from emgspasm.sources.serial.protocols import emgspasm as P
from emgspasm.sources.serial.protocols.ascii import AsciiDecoder
from emgspasm.sources.serial.protocols.ascii import encode as ascii_encode

FIRMWARE = Path(__file__).resolve().parents[1] / "firmware_interface"


def golden():
    for line in (FIRMWARE / "golden_vectors.txt").read_text().splitlines():
        if line.startswith("#"):
            continue
        tok = line.split()
        n_values = int(tok[10])
        yield {"name": tok[0], "type": int(tok[1]), "seq": int(tok[2]),
               "channels": int(tok[3]), "format": int(tok[4]), "rate": int(tok[5]),
               "samples": int(tok[6]), "status": int(tok[7]), "leadoff": int(tok[8]),
               "scale": float(tok[9]), "values": [float(v) for v in tok[11:11 + n_values]],
               "bytes": bytes.fromhex(tok[11 + n_values])}


@pytest.mark.parametrize("vec", list(golden()), ids=lambda v: v["name"])
def test_golden_vectors_decode_and_encode(vec):
    frames, consumed, bad = P.parse_frames(bytearray(vec["bytes"]))
    assert bad == 0 and consumed == len(vec["bytes"]) and len(frames) == 1
    ftype, body = frames[0]
    assert ftype == vec["type"]
    if ftype != P.T_DATA:
        assert P.encode_command(ftype, vec["rate"]) == vec["bytes"]
        return
    fields, volts = P.decode_data_body(body)
    for key, field in (("seq", "seq"), ("channels", "channels"), ("format", "format"),
                       ("rate", "rate"), ("samples", "samples"), ("status", "status"),
                       ("leadoff", "leads_off_mask")):
        assert fields[field] == vec[key], key
    assert fields["scale"] == pytest.approx(vec["scale"], rel=1e-7)
    expected = np.array(vec["values"]).reshape(vec["samples"], vec["channels"])
    np.testing.assert_allclose(volts, expected * fields["scale"], rtol=1e-6)
    counts = expected if vec["format"] == P.FMT_FLOAT32 else expected.astype(int)
    again = P.encode_data(counts, vec["seq"], vec["rate"], vec["format"],
                          np.float32(vec["scale"]), vec["status"], vec["leadoff"])
    assert again == vec["bytes"]


@pytest.mark.skipif(not shutil.which("cc") and not shutil.which("gcc"),
                    reason="no C compiler")
def test_c_reference_reproduces_the_golden_vectors(tmp_path):
    build = tmp_path / "fw"
    shutil.copytree(FIRMWARE, build)
    out = subprocess.run(["make", "-C", str(build), "test"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert " 0 failed" in out.stdout


def stream(rng, n_frames=40, n_ch=4, spf=5):
    counts = rng.integers(-3000, 3000, size=(n_frames * spf, n_ch))
    frames = [P.encode_data(counts[i * spf:(i + 1) * spf], i, 1000, P.FMT_INT16, 1e-6)
              for i in range(n_frames)]
    return counts, frames


def decode_items(decoder, chunks):
    """Everything ``decoder`` makes of ``chunks``: Blocks and LinkEvents, in order."""
    items = []
    for chunk in chunks:
        items += decoder.feed(chunk)
    return items


def joined(items):
    """Samples and flags of the Blocks among ``items``, end to end."""
    blocks = [b for b in items if isinstance(b, Block)]
    data = np.concatenate([b.data for b in blocks], axis=1) if blocks else np.zeros((0, 0))
    flags = np.concatenate([b.flags for b in blocks], axis=1) if blocks else None
    return data, flags


def events_of(items, kind):
    """``(sample position, event)`` for the LinkEvents of ``kind`` among ``items``."""
    found, position = [], 0
    for item in items:
        if isinstance(item, Block):
            position += item.n_samples
        elif item.kind == kind:
            found.append((position, item))
    return found


def decode_all(decoder, chunks):
    return joined(decode_items(decoder, chunks))


class Clock:
    """A host clock the test moves by hand (s)."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def feed_timed(decoder, clock, chunks, step_s):
    """Feed ``chunks`` one at a time, the host clock advancing ``step_s`` before each."""
    items = []
    for chunk in chunks:
        clock.now += step_s
        items += decoder.feed(chunk)
    return items


def test_any_split_and_garbage_decode_the_same(rng):
    counts, frames = stream(rng)
    raw = b"\x00\xa5\xff garbage \xa5\x5a\x01" + b"".join(frames)
    for trial in range(3):
        cuts = sorted(rng.integers(0, len(raw), size=30))
        pieces = [raw[a:b] for a, b in zip([0] + cuts, cuts + [len(raw)])]
        dec = P.ProtocolDecoder()
        data, flags = decode_all(dec, pieces)
        np.testing.assert_allclose(data.T, counts * 1e-6)
        assert not flags.any() and dec.stats.frames == 40 and dec.stats.lost_frames == 0


def test_crc_failure_and_lost_frames_become_a_gap(rng):
    counts, frames = stream(rng)
    corrupt = bytearray(frames[10])
    corrupt[30] ^= 0xFF
    frames[10] = bytes(corrupt)
    del frames[20:23]
    dec = P.ProtocolDecoder()
    data, flags = decode_all(dec, [b"".join(frames)])
    assert dec.stats.bad_frames == 1 and dec.stats.lost_frames == 4
    assert data.shape[1] == counts.shape[0]  # time is never closed up
    gap = np.isnan(data[0])
    assert gap.sum() == 4 * 5 and np.all(flags[:, gap] & 16)
    # frame 10 (samples 50-54) failed its CRC and frames 20-22 were dropped
    lost = np.r_[50:55, 100:115]
    assert np.array_equal(np.flatnonzero(gap), lost)
    np.testing.assert_allclose(data[:, ~gap].T, np.delete(counts, lost, 0) * 1e-6)


def test_sequence_wraps_without_a_gap():
    frames = [P.encode_data(np.zeros((2, 1)), seq, 500) for seq in (65534, 65535, 0, 1)]
    dec = P.ProtocolDecoder()
    decode_all(dec, [b"".join(frames)])
    assert dec.stats.lost_frames == 0 and dec.stats.frames == 4


def test_leads_off_mask_flags_the_channel():
    frames = [P.encode_data(np.zeros((3, 2)), seq, 500, leads_off_mask=0b10, status=1)
              for seq in range(3)]
    data, flags = decode_all(P.ProtocolDecoder(), frames)
    assert data.shape == (2, 9) and not flags[0].any() and np.all(flags[1] & 8)


def test_status_bits_without_a_mask_and_battery():
    frames = [P.encode_data(np.zeros((2, 3)), seq, 500, status=P.STATUS_LEADS_OFF
                            | P.STATUS_BATTERY_LOW) for seq in range(3)]
    dec = P.ProtocolDecoder()
    data, flags = decode_all(dec, frames)
    assert data.shape == (3, 6) and np.all(flags & 8) and dec.status & P.STATUS_BATTERY_LOW


def test_ident_frame_is_parsed():
    dec = P.ProtocolDecoder()
    dec.feed(P.encode_ident("name=emgspasm-emulator;fw=1.0;channels=8;rate=2000"))
    assert dec.ident["channels"] == "8"


def test_decoder_keeps_up_with_64_channels_at_4khz(rng):
    # one second of 64 ch x 4 kHz in 10-sample frames must decode correctly
    counts = rng.integers(-8000000, 8000000, size=(4000, 64))
    raw = b"".join(P.encode_data(counts[i:i + 10], i // 10, 4000, P.FMT_INT24, 1e-9)
                   for i in range(0, 4000, 10))
    dec = P.ProtocolDecoder()
    data, _ = decode_all(dec, [raw[i:i + 4096] for i in range(0, len(raw), 4096)])
    np.testing.assert_allclose(data.T, counts * np.float32(1e-9), rtol=1e-6)


def test_cyton_packets_with_garbage_and_a_dropped_packet(rng):
    counts = rng.integers(-(1 << 23), (1 << 23) - 1, size=(300, 8))
    raw = cyton.encode(counts, first_counter=250)
    packets = [raw[i:i + 33] for i in range(0, len(raw), 33)]
    del packets[100]
    stream_bytes = b"\xa0\x01junk" + b"".join(packets)
    dec = cyton.CytonDecoder()
    data, flags = decode_all(dec, [stream_bytes[i:i + 50] for i in range(0, len(stream_bytes), 50)])
    assert dec.stats.lost_frames == 1
    assert data.shape == (8, 300)
    assert np.isnan(data[:, 100]).all() and (flags[:, 100] & 16).all()
    keep = np.r_[0:100, 101:300]
    np.testing.assert_allclose(data[:, keep].T, counts[keep] * cyton.volts_per_count(24))


def test_cyton_scale_matches_openbci():
    assert cyton.volts_per_count(24) * 1e6 == pytest.approx(0.02235, rel=1e-3)


def test_ascii_lines_banner_leads_off_and_bad_lines():
    text = b"AD8232 heart monitor v1\nready\n512\n515\n!\n5x0\n509\n"
    dec = AsciiDecoder(scale=1e-6, sfreq=250.0)
    data, flags = decode_all(dec, [text[:7], text[7:]])
    assert data.shape == (1, 4)
    np.testing.assert_allclose(data[0, [0, 1, 3]], [512e-6, 515e-6, 509e-6])
    assert np.isnan(data[0, 2]) and flags[0, 2] & 8
    assert dec.stats.bad_frames == 1


def test_ascii_multichannel_and_rate_estimate():
    now = [0.0]
    dec = AsciiDecoder(scale=1.0, clock=lambda: now[0])
    out = []
    for second in range(4):
        now[0] = float(second)
        out += dec.feed(ascii_encode(np.ones((500, 3), int)))
    assert dec.sfreq == 500.0 and dec.n_channels == 3
    # the first line of a connection may be cut: it is dropped, never the rest
    assert sum(b.n_samples for b in out) == 1999


def test_ascii_needs_a_scale():
    with pytest.raises(ConfigError, match="--adc-scale"):
        make_decoder("ascii")
    with pytest.raises(ConfigError, match="'protocol'"):
        make_decoder("bluetooth")


def test_rate_range_is_the_engines():
    assert RATE_RANGE_HZ == (MIN_SFREQ, MAX_SFREQ)


# -- issue 10, live link: a device restart (1) ---------------------------------

@pytest.mark.parametrize("silence_s", [0.0, 0.5])
def test_device_restart_is_a_segment_boundary_not_a_gap(rng, silence_s):
    # frames 0..49, the device reboots (silent for silence_s), frames 0..49 again
    counts = rng.integers(-3000, 3000, size=(1000, 2))
    frames = [P.encode_data(counts[i * 10:(i + 1) * 10], i % 50, 1000, P.FMT_INT16, 1e-6)
              for i in range(100)]
    clock = Clock()
    dec = P.ProtocolDecoder(clock=clock)
    items = feed_timed(dec, clock, frames[:50], 0.01)
    clock.now += silence_s
    items += feed_timed(dec, clock, frames[50:], 0.01)
    data, flags = joined(items)
    gap = round(silence_s * 1000)
    assert dec.stats.lost_frames == 0 and dec.stats.restarts == 1
    assert data.shape == (2, 1000 + gap)  # the session's true length
    np.testing.assert_allclose(data[:, :500].T, counts[:500] * 1e-6)
    np.testing.assert_allclose(data[:, 500 + gap:].T, counts[500:] * 1e-6)
    assert np.all(flags[:, 500:500 + gap] & 16)
    [(position, event)] = events_of(items, E.DEVICE_RESTART)
    assert position == 500 and event.outage_s == pytest.approx(silence_s)


def test_restart_with_the_largest_frames_costs_no_more_than_its_silence():
    # 64 ch x 127 samples: 65,535 frames taken as lost would need 4.5 GiB
    frame = [P.encode_data(np.zeros((127, 64)), seq, 100_000) for seq in (40, 41, 42, 0)]
    clock = Clock()
    dec = P.ProtocolDecoder(clock=clock)
    data, _ = joined(feed_timed(dec, clock, frame, 0.02))
    assert dec.stats.restarts == 1 and dec.stats.lost_frames == 0
    assert dec.stats.gap_samples == round((0.02 - 127 / 100_000) * 100_000)
    assert data.shape[1] == 4 * 127 + dec.stats.gap_samples


def test_a_long_outage_keeps_its_length_and_is_no_restart(rng):
    # the device ran on while the host heard nothing for 3 s: 300 frames lost
    frames = [P.encode_data(np.ones((10, 1)), seq, 1000) for seq in range(400)]
    clock = Clock()
    dec = P.ProtocolDecoder(clock=clock)
    items = feed_timed(dec, clock, frames[:50], 0.01)
    clock.now += 3.0
    items += feed_timed(dec, clock, frames[350:], 0.01)
    data, _ = joined(items)
    assert dec.stats.restarts == 0 and dec.stats.lost_frames == 300
    assert data.shape[1] == 4000 and np.isnan(data[0, 500:3500]).all()


# -- issue 10, live link: implausible frames (3) ---------------------------------

def test_a_lone_odd_first_frame_does_not_lock_the_stream(rng):
    counts, frames = stream(rng)
    odd = P.encode_data(np.zeros((5, 7)), 900, 2000)
    dec = P.ProtocolDecoder()
    items = decode_items(dec, [odd + b"".join(frames)])
    data, _ = joined(items)
    np.testing.assert_allclose(data.T, counts * 1e-6)
    assert dec.n_channels == 4 and dec.sfreq == 1000.0 and dec.stats.rejected == 1
    [(_, event)] = events_of(items, E.REJECTED)
    assert "emgspasm sensor" in event.message and "'channels' is 7" in event.message


@pytest.mark.parametrize("rate", [0, 50, 200_000])
def test_an_implausible_rate_is_rejected_and_named(rng, rate):
    counts, frames = stream(rng)
    bad = P.encode_data(np.zeros((5, 4)), 20, rate)
    dec = P.ProtocolDecoder()
    items = decode_items(dec, [bad] + frames[:20] + [bad] + frames[20:])
    data, flags = joined(items)
    np.testing.assert_allclose(data.T, counts * 1e-6)  # nothing lost, nothing shifted
    assert dec.sfreq == 1000.0 and dec.stats.rejected == 2 and not flags.any()
    [(_, event)] = events_of(items, E.REJECTED)
    assert f"'rate' is {rate} Hz" in event.message and "100 to 100000 Hz" in event.message


def test_a_channel_count_change_is_rejected_and_keeps_its_time(rng):
    _, frames = stream(rng)
    frames[10] = P.encode_data(np.zeros((5, 2)), 10, 1000)
    dec = P.ProtocolDecoder()
    items = decode_items(dec, frames)
    data, flags = joined(items)
    assert data.shape == (4, 200) and dec.stats.rejected == 1
    assert np.all(flags[:, 50:55] & 16)  # its samples are a gap
    [(position, event)] = events_of(items, E.REJECTED)
    assert position == 50 and "'channels' is 2, but the stream has 4" in event.message


def test_samples_that_are_not_finite_are_rejected():
    good = [P.encode_data(np.zeros((2, 1)), seq, 500, P.FMT_FLOAT32) for seq in range(3)]
    bad = P.encode_data(np.full((2, 1), np.nan), 3, 500, P.FMT_FLOAT32)
    dec = P.ProtocolDecoder()
    items = decode_items(dec, good + [bad])
    assert dec.stats.rejected == 1 and joined(items)[0].shape == (1, 6)
    [(_, event)] = events_of(items, E.REJECTED)
    assert "'samples'" in event.message


# -- issue 10, live link: ASCII and Cyton (2, 7) ----------------------------------

def test_ascii_joined_mid_line_decodes_every_following_line(rng):
    values = rng.integers(0, 1024, size=(30, 2))
    dec = AsciiDecoder(scale=1.0, sfreq=500.0)
    items = decode_items(dec, [b"23\n" + ascii_encode(values)])
    data, _ = joined(items)
    np.testing.assert_array_equal(data.T, values)


def test_ascii_line_without_newline_is_bounded_and_counted():
    import tracemalloc
    dec = AsciiDecoder(scale=1.0, sfreq=500.0)
    tracemalloc.start()
    try:
        items = decode_items(dec, [b"1" * 10_000] * 200)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    items += dec.feed(b"\n512\n513\n514\n")
    assert peak < 200_000
    assert dec.stats.discarded_bytes == 2_000_000
    np.testing.assert_array_equal(joined(items)[0], [[512, 513, 514]])
    [(_, event)] = events_of(items, E.DISCARDED)
    assert "longer than" in event.message


def test_ascii_leads_off_before_the_first_sample_is_kept():
    dec = AsciiDecoder(scale=1.0, sfreq=500.0)
    data, flags = decode_all(dec, [b"!\n!\n512\n513\n514\n"])
    assert data.shape == (1, 5)
    assert np.isnan(data[0, :2]).all() and np.all(flags[0, :2] & 8)
    np.testing.assert_array_equal(data[0, 2:], [512, 513, 514])


def test_ascii_rate_out_of_range_is_refused():
    with pytest.raises(ConfigError, match="'rate'.*but got 20"):
        make_decoder("ascii", scale=1e-6, sfreq=20)


def test_cyton_outage_longer_than_the_counter_is_kept_whole(rng):
    counts = rng.integers(-(1 << 20), 1 << 20, size=(500, 8))
    raw = cyton.encode(counts)
    packets = [raw[i * 33:(i + 1) * 33] for i in range(500)]
    clock = Clock()
    dec = cyton.CytonDecoder(clock=clock)
    items = feed_timed(dec, clock, packets[:100], 1 / 250)
    clock.now += 300 / 250  # packets 100..399 never arrive
    items += feed_timed(dec, clock, packets[400:], 1 / 250)
    data, flags = joined(items)
    assert dec.stats.lost_frames == 300 and data.shape == (8, 500)
    keep = np.r_[0:100, 400:500]
    np.testing.assert_allclose(data[:, keep].T, counts[keep] * cyton.volts_per_count(24))
    assert np.all(flags[:, 100:400] & 16)
