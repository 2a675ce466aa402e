"""Sensor protocols: golden vectors, garbage, CRC errors, gaps, Cyton, ASCII."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from emgspasm.errors import ConfigError
from emgspasm.sources.serial.protocols import cyton
from emgspasm.sources.serial.protocols import emgspasm as P
from emgspasm.sources.serial.protocols import make_decoder
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


def decode_all(decoder, chunks):
    blocks = []
    for chunk in chunks:
        blocks += decoder.feed(chunk)
    data = np.concatenate([b.data for b in blocks], axis=1) if blocks else np.zeros((0, 0))
    flags = np.concatenate([b.flags for b in blocks], axis=1) if blocks else None
    return data, flags


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
    frame = P.encode_data(np.zeros((3, 2)), 0, 500, leads_off_mask=0b10, status=1)
    data, flags = decode_all(P.ProtocolDecoder(), [frame])
    assert not flags[0].any() and np.all(flags[1] & 8)


def test_status_bits_without_a_mask_and_battery():
    frame = P.encode_data(np.zeros((2, 3)), 0, 500, status=P.STATUS_LEADS_OFF
                          | P.STATUS_BATTERY_LOW)
    dec = P.ProtocolDecoder()
    data, flags = decode_all(dec, [frame])
    assert np.all(flags & 8) and dec.status & P.STATUS_BATTERY_LOW


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
    assert sum(b.n_samples for b in out) == 2000


def test_ascii_needs_a_scale():
    with pytest.raises(ConfigError, match="--adc-scale"):
        make_decoder("ascii")
    with pytest.raises(ConfigError, match="'protocol'"):
        make_decoder("bluetooth")
