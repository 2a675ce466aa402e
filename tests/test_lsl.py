"""LSL in and out, with real outlets and inlets on this computer (mne-lsl's liblsl).

A simulated session with known events goes through a real
``mne_lsl.lsl.StreamOutlet`` with timestamps of our choosing, so a dropped
chunk, the time of every sample and the markers can be checked exactly.
"""

import gc
import json
import subprocess
import sys
import threading
import time
import uuid

import numpy as np
import pytest
from conftest import run_until

from emgspasm.apps.monitor import LiveSession
from emgspasm.engine.block import Block
from emgspasm.engine.streaming import Engine
from emgspasm.engine.vocabulary import FLAG_GAP
from emgspasm.errors import ConfigError, DeviceError, InputDataError
from emgspasm.outputs.lsl_markers import LslMarkerOutlet
from emgspasm.sources.live import drain
from emgspasm.sources.lsl import LslSource
from emgspasm.sources.serial import events as E
from emgspasm.truth.sim import simulate

lsl = pytest.importorskip("mne_lsl.lsl",
                          reason="LSL needs mne-lsl: pip install 'emgspasm[lsl]'")

SFREQ = 1000.0
CHUNK = 50
RESOLVE_S = 0.3


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def outlet(name, n_channels, sfreq=SFREQ, dtype="float32", types="emg",
           units="microvolts", names=None, stype="EMG"):
    """A real LSL outlet described as asked (None: that field left out)."""
    info = lsl.StreamInfo(name, stype, n_channels, sfreq, dtype, unique("src"))
    info.set_channel_names(names or [f"M{i + 1}" for i in range(n_channels)])
    if types is not None:
        info.set_channel_types(types)
    if units is not None:
        info.set_channel_units(units)
    return lsl.StreamOutlet(info, chunk_size=CHUNK)


def inlet_of(name, recover=True):
    """An open inlet on the stream called ``name``."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [s for s in lsl.resolve_streams(timeout=RESOLVE_S) if s.name == name]
        if found:
            inlet = lsl.StreamInlet(found[0], recover=recover)
            inlet.open_stream(timeout=5)
            return inlet
    raise AssertionError(f"stream {name!r} not found")


def push(out, microvolts, t0, skip=()):
    """Push chunks of ``microvolts`` (channels x samples) timestamped
    ``t0 + k / SFREQ``, leaving out the chunks that start in ``skip``."""
    assert out.wait_for_consumers(10), "nobody subscribed to the outlet"
    n = microvolts.shape[1]
    stamps = t0 + np.arange(n) / SFREQ
    for start in range(0, n, CHUNK):
        if start in skip:
            continue
        out.push_chunk(np.ascontiguousarray(microvolts[:, start:start + CHUNK].T),
                       stamps[start:start + CHUNK])


def simulated_microvolts(duration_s, seed):
    sim = simulate(duration_s=duration_s, n_channels=2, sfreq=SFREQ, seed=seed,
                   spasms_per_min=12, fasciculations_per_min=40)
    return (sim.data * 1e6).astype(np.float32)


def replayed(microvolts, gap, names):
    """What a replay of the same float32 samples, in volts, with the gap, finds."""
    volts = microvolts.astype(np.float64) * 1e-6
    flags = np.zeros(volts.shape, np.uint8)
    volts[:, gap] = np.nan
    flags[:, gap] = FLAG_GAP
    return Engine(SFREQ, names).replay([Block(volts, flags)])


def test_stream_gives_the_events_of_a_replay_with_a_gap_where_chunks_were_dropped(tmp_path):
    uv = simulated_microvolts(6, seed=21)
    name = unique("emg")
    out = outlet(name, 2, names=["left", "right"])
    session = LiveSession(source=LslSource(name, resolve_timeout=RESOLVE_S),
                          record_dir=tmp_path / "s").start()
    push(out, uv, lsl.local_clock(), skip=(2000, 2050, 2100, 2150))
    run_until(session, uv.shape[1])
    events, _ = replayed(uv, slice(2000, 2200), ["left", "right"])
    assert any(e.label == "spasm" for e in events)
    assert session.engine.ch_names == ["left", "right"] and session.engine.sfreq == SFREQ
    assert session.engine.events == events
    [lost] = [r for r in session.take_link_events() if r["kind"] == E.SAMPLES_LOST]
    assert lost["sample"] == 2000 and lost["outage_s"] == pytest.approx(0.2)
    assert [(e.onset, e.duration) for e in events if e.label == "BAD_gap"] == \
        [(2.0, 0.2)] * 2
    meta = json.loads((tmp_path / "s" / "session.json").read_text())["info"]
    assert meta["source"] == "lsl" and meta["name"] == name
    assert meta["volts_per_unit"] == [1e-6, 1e-6]


def test_markers_carry_every_notice_in_order_at_the_lsl_time_of_its_sample():
    uv = simulated_microvolts(5, seed=4)
    name, marker_name = unique("emg"), unique("markers")
    out = outlet(name, 2)
    markers = LslMarkerOutlet(marker_name)
    session = LiveSession(source=LslSource(name, resolve_timeout=RESOLVE_S),
                          markers=markers).start()
    listener = inlet_of(marker_name)
    t0 = lsl.local_clock()
    push(out, uv, t0, skip=(1500, 1550))
    run_until(session, uv.shape[1])
    notices = session.notices
    assert len(notices) > 5 and markers.pushed == len(notices)
    got, stamps = [], []
    deadline = time.monotonic() + 10
    while len(got) < len(notices) and time.monotonic() < deadline:
        chunk, ts = listener.pull_chunk(timeout=0.5)
        got += [json.loads(row[0]) for row in chunk]
        stamps += list(ts)
    assert [(g["kind"], g["channel"], g["at"], g["onset"]) for g in got] == \
        [(n.kind, n.channel, n.at, n.onset) for n in notices]
    # the outlet stamped sample k with t0 + k / SFREQ (the gap's samples
    # included); the inlet's clock correction on one computer is well under 1 ms
    expected = [t0 + round(n.at * SFREQ) / SFREQ for n in notices]
    np.testing.assert_allclose(stamps, expected, rtol=0, atol=1e-3)
    assert any(n.at > 1.6 for n in notices)  # some after the gap
    lsl_times = [session.notice_lsl_time(n) for n in notices]
    np.testing.assert_allclose(lsl_times, expected, rtol=0, atol=1e-3)


def test_emg_channels_and_units_come_from_the_stream_description():
    name = unique("mixed")
    out = outlet(name, 3, dtype="float64", types=["emg", "misc", "emg"],
                 units=["mV", "V", "millivolts"], names=["a", "trigger", "b"], stype="ExG")
    source = LslSource(name, resolve_timeout=RESOLVE_S).start()
    try:
        values = np.arange(3 * 100, dtype=np.float64).reshape(3, 100)
        push(out, values, lsl.local_clock())
        data = collect(source, 100)
    finally:
        source.stop()
    assert source.ch_names == ["a", "b"]
    np.testing.assert_array_equal(data, values[[0, 2]] * 1e-3)


def collect(source, n_samples, timeout=10):
    """Samples from ``source`` until ``n_samples`` came."""
    blocks, deadline = [], time.monotonic() + timeout
    while sum(b.n_samples for b in blocks) < n_samples:
        assert time.monotonic() < deadline, "samples did not come"
        blocks += [b for b in drain(source, 0.2) if isinstance(b, Block)]
    return np.concatenate([b.data for b in blocks], axis=1)


def test_a_stream_without_units_is_refused_naming_units_and_read_with_them():
    name = unique("counts")
    out = outlet(name, 1, dtype="int16", units=None)
    with pytest.raises(InputDataError, match="--units V, mV or uV"):
        LslSource(name, resolve_timeout=RESOLVE_S).start()
    source = LslSource(name, units="uV", resolve_timeout=RESOLVE_S).start()
    try:
        push(out, np.arange(60, dtype=np.int16)[None], lsl.local_clock())
        data = collect(source, 60)
    finally:
        source.stop()
    np.testing.assert_array_equal(data, np.arange(60)[None] * 1e-6)
    with pytest.raises(ConfigError, match="'units' parameter.*'V', 'mV' and 'uV'.*'mv'"):
        LslSource(name, units="mv")


def test_choosing_a_stream_lists_what_was_found():
    name = unique("twin")
    outs = [outlet(name, 1), outlet(name, 1)]  # noqa: F841 - kept on the network
    with pytest.raises(DeviceError, match=r"2 LSL streams match name=.*source_id=.*"
                                          r"--lsl-source-id"):
        LslSource(name, resolve_timeout=RESOLVE_S).start()
    with pytest.raises(DeviceError, match=f"No LSL stream with name='nope'.*{name}"):
        LslSource("nope", resolve_timeout=RESOLVE_S).start()
    with pytest.raises(ConfigError, match="none was given"):
        LslSource()


def test_a_session_reads_one_source_and_serial_options_only_for_a_port():
    with pytest.raises(ConfigError, match="give a serial port .* or a source"):
        LiveSession()
    with pytest.raises(ConfigError, match="give a serial port .* or a source"):
        LiveSession("/dev/ttyUSB0", source=LslSource("emg"))
    with pytest.raises(ConfigError, match="baudrate applies to a serial port only"):
        LiveSession(source=LslSource("emg"), baudrate=9600)


@pytest.mark.parametrize("sfreq, dtype, match", [
    (0.0, "float32", "irregular sampling rate"),
    (100.0, "string", "carries strings"),
])
def test_irregular_and_marker_streams_are_refused(sfreq, dtype, match):
    name = unique("odd")
    info = lsl.StreamInfo(name, "EMG", 1, sfreq, dtype, unique("src"))
    out = lsl.StreamOutlet(info)  # noqa: F841 - kept on the network
    with pytest.raises(DeviceError, match=match):
        LslSource(name, resolve_timeout=RESOLVE_S).start()


def test_a_silent_stream_is_reported_lost_then_restored():
    name = unique("pause")
    out = outlet(name, 1)
    source = LslSource(name, resolve_timeout=RESOLVE_S, lost_after_s=0.3).start()
    try:
        t0 = lsl.local_clock()
        push(out, np.zeros((1, 100), np.float32), t0)
        kinds = wait_for_kind(source, E.LOST)
        push(out, np.zeros((1, 100), np.float32), t0 + 10.0)  # 10 s later on its clock
        kinds += wait_for_kind(source, E.RESTORED)
    finally:
        source.stop()
    assert kinds.index(E.LOST) < kinds.index(E.RESTORED)
    assert source.gap_samples == 10_000 - 100


def test_a_sender_that_goes_away_is_reported_lost_and_stopping_does_not_hang():
    name = unique("gone")
    out = outlet(name, 1)
    source = LslSource(name, resolve_timeout=RESOLVE_S, lost_after_s=0.3).start()
    try:
        push(out, np.zeros((1, 100), np.float32), lsl.local_clock())
        collect(source, 100)
        del out  # the outlet leaves the network; liblsl tries to recover it
        gc.collect()
        kinds = wait_for_kind(source, E.LOST)
    finally:
        source.stop()
    assert E.RESTORED not in kinds
    assert source.closed.wait(5) and source.error is None


def wait_for_kind(source, kind, timeout=10):
    """Kinds of the link events up to the first of ``kind``."""
    kinds, deadline = [], time.monotonic() + timeout
    while kind not in kinds:
        assert time.monotonic() < deadline, f"no {kind} event"
        kinds += [i.kind for i in drain(source, 0.2) if isinstance(i, E.LinkEvent)]
    return kinds


def listen(name, got, stop):
    """Pull the marker stream ``name`` into ``got`` (after an ``"open"``)
    until ``stop`` is set or the stream goes (an inlet that does not recover
    raises mne-lsl's LostError, a RuntimeError, at once)."""
    inlet = inlet_of(name, recover=False)
    got.append("open")
    while not stop.is_set():
        try:
            chunk, _ = inlet.pull_chunk(timeout=0.05)
        except RuntimeError:
            return
        got += [json.loads(row[0]) for row in chunk]


def test_monitor_command_reads_a_stream_and_publishes_its_notices():
    uv = simulated_microvolts(4, seed=8)
    name, marker_name = unique("emg"), unique("markers")
    out = outlet(name, 2)
    proc = subprocess.Popen(
        [sys.executable, "-m", "emgspasm", "monitor", "--lsl", name, "--headless",
         "--duration", "4", "--no-record", "--lsl-markers", marker_name],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got, stop = [], threading.Event()
    listener = threading.Thread(target=listen, args=(marker_name, got, stop))
    listener.start()
    try:
        deadline = time.monotonic() + 30
        while not got:  # the marker inlet is open before any notice
            assert time.monotonic() < deadline and proc.poll() is None, "no marker stream"
            listener.join(0.1)
        push(out, uv, lsl.local_clock())
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
        stop.set()
        listener.join(10)
    assert proc.returncode == 0, stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert lines[0]["kind"] == E.CONNECTED and name in lines[0]["message"]
    assert E.CLOSED in [r["kind"] for r in lines]
    notices = [r for r in lines if "channel" in r]
    assert any(n["kind"] == "spasm_end" for n in notices) and "session: " in stderr
    assert got[1:] == notices
