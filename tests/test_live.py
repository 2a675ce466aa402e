"""Live monitoring on real pseudo-terminals read with pyserial (no mocks)."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from emgspasm.apps.analyze import replay
from emgspasm.apps.monitor import LiveSession
from emgspasm.engine.block import Block
from emgspasm.engine.events import Event, Notice
from emgspasm.errors import DeviceError
from emgspasm.outputs.recorder import SessionRecorder, read_session, recover
from emgspasm.sources.files import open_recording
from emgspasm.sources.serial import protocols
from emgspasm.sources.serial.emulator import Emulator, Faults
from emgspasm.sources.serial.link import SerialLink, drain, open_port
from emgspasm.sources.serial.protocols import cyton
from emgspasm.sources.serial.protocols.ascii import DEVICE_SCALE as ASCII_SCALE
from emgspasm.sources.serial.protocols.emgspasm import DEVICE_SCALE
from emgspasm.truth.sim import simulate

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")


def stream(data, sfreq, protocol="emgspasm", speed=6.0, faults=Faults(),
           decoder_args=None):
    """Everything a link reads from an emulator of ``data``: (samples, flags, link)."""
    emulator = Emulator(data, sfreq, protocol, speed=speed, faults=faults).start()
    link = SerialLink(emulator.port,
                      lambda: protocols.make_decoder(protocol, **(decoder_args or {})),
                      start_command=protocols.get(protocol).start_command).start()
    try:
        blocks = collect(link, emulator)
    finally:
        link.stop()
        emulator.stop()
    return (np.concatenate([b.data for b in blocks], axis=1),
            np.concatenate([b.flags for b in blocks], axis=1), link)


def collect(link, emulator, timeout=30.0):
    """Blocks from the link until the emulator is done and the link is quiet."""
    blocks, deadline = [], time.monotonic() + timeout
    assert emulator.done.wait(timeout), "emulator did not finish"
    while time.monotonic() < deadline:
        items = drain(link, 0.3)
        if not items:
            break
        blocks += [b for b in items if isinstance(b, Block)]
    return blocks


@pytest.mark.parametrize("protocol, sfreq, n_ch, tol", [
    ("emgspasm", 1000.0, 3, DEVICE_SCALE),
    ("cyton", 250.0, 8, cyton.volts_per_count(24)),
    ("ascii", 500.0, 2, ASCII_SCALE),
])
def test_every_protocol_end_to_end(protocol, sfreq, n_ch, tol):
    sim = simulate(duration_s=3, n_channels=n_ch, sfreq=sfreq, seed=2)
    decoder_args = {"scale": ASCII_SCALE, "sfreq": sfreq} if protocol == "ascii" else {}
    data, _, _ = stream(sim.data, sfreq, protocol, decoder_args=decoder_args)
    n = data.shape[1]
    if protocol == "ascii":
        # a sketch prints from power-up; pyserial flushes what came before it
        # opened the port, so the first lines may be missing, never the rest
        assert sim.data.shape[1] - 50 <= n <= sim.data.shape[1]
    else:
        assert data.shape == sim.data.shape
    np.testing.assert_allclose(data, sim.data[:, sim.data.shape[1] - n:], atol=tol)


def test_port_that_does_not_exist_names_the_problem(tmp_path):
    with pytest.raises(DeviceError, match=r"Cannot open serial port .*does not exist"):
        open_port(str(tmp_path / "ttyNOPE"), 115200)


def test_busy_port_is_reported():
    sim = simulate(duration_s=1, n_channels=1, sfreq=500.0, seed=1)
    emulator = Emulator(sim.data, 500.0, "ascii", speed=1.0).start()
    first = open_port(emulator.port, 115200)
    try:
        with pytest.raises(DeviceError, match="in use by another program"):
            open_port(emulator.port, 115200)
    finally:
        first.close()
        emulator.stop()


def test_disconnect_is_reconnected_and_kept_as_a_gap():
    sfreq = 500.0
    sim = simulate(duration_s=6, n_channels=2, sfreq=sfreq, seed=3)
    data, flags, link = stream(sim.data, sfreq, speed=1.0,
                               faults=Faults(disconnect_at_s=2.0, disconnect_s=1.0))
    assert link.decoder.stats.reconnects == 1
    gap = (flags[0] & 16) > 0
    # the outage lasted ~1 s plus the reconnect backoff
    assert 0.8 * sfreq <= gap.sum() <= 2.5 * sfreq
    # neither closed up nor shifted: every sample received, before the gap
    # and after it, is the sender's sample at the same place in time
    assert data.shape == sim.data.shape
    np.testing.assert_allclose(data[:, ~gap], sim.data[:, ~gap], atol=DEVICE_SCALE)
    assert np.isnan(data[:, gap]).all() and (~gap[np.flatnonzero(gap)[-1]:]).sum() > sfreq


def test_live_session_replays_to_the_same_events(tmp_path):
    sfreq = 1000.0
    sim = simulate(duration_s=20, n_channels=2, sfreq=sfreq, seed=21, spasms_per_min=6,
                   fasciculations_per_min=40)
    emulator = Emulator(sim.data, sfreq, "emgspasm", speed=8.0, seed=4,
                        faults=Faults(corrupt_rate=0.02, drop_rate=0.02)).start()
    session = LiveSession(emulator.port, "emgspasm", record_dir=tmp_path / "s").start()
    try:
        assert emulator.done.wait(30)
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 0.5:
            if session.poll(0.1):
                quiet_since = time.monotonic()
            if session.engine and session.engine.stream_time >= sim.duration_s - 0.1:
                break
    finally:
        _, files = session.stop()
        emulator.stop()
    live = list(session.engine.events)
    assert any(e.label == "spasm" for e in live)
    assert any(e.label == "BAD_gap" for e in live)  # the dropped frames
    rec = open_recording(files["fif"])
    replayed, _, _ = replay(rec)
    assert replayed == live


def test_kill_9_loses_at_most_a_second_and_no_shown_event(tmp_path):
    sfreq = 1000.0
    emulate = subprocess.Popen(
        [sys.executable, "-m", "emgspasm", "emulate", "--protocol", "emgspasm",
         "--duration", "120", "--sfreq", str(sfreq), "--channels", "2", "--seed", "5",
         "--port", str(tmp_path / "tty")], stdout=subprocess.PIPE, text=True)
    try:
        line = emulate.stdout.readline()
        assert line.startswith("port:"), line
        monitor = subprocess.Popen(
            [sys.executable, "-m", "emgspasm", "monitor", "--port", str(tmp_path / "tty"),
             "--headless", "--record", str(tmp_path / "rec")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        shown, link_shown = [], []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(shown) < 8:
            out = monitor.stdout.readline()
            if out:
                line = json.loads(out)
                (shown if "channel" in line else link_shown).append(line)
        started = time.monotonic()
        time.sleep(1.5)
        os.kill(monitor.pid, signal.SIGKILL)
        killed_after = time.monotonic() - started
        monitor.wait(10)
        monitor.stdout.close()
    finally:
        emulate.terminate()
        emulate.wait(10)
        emulate.stdout.close()
    assert len(shown) >= 8
    folder = next((tmp_path / "rec").iterdir())
    meta, data, flags, events, damaged = read_session(folder)
    last_shown = max(n["at"] for n in shown)
    # every sample up to the last shown event plus the 1.5 s after, minus <= 1 s
    assert data.shape[1] / sfreq >= last_shown + killed_after - 1.0 - 0.2
    logged = [json.loads(x) for x in (folder / "events.jsonl").read_text().splitlines()
              if x.strip()]
    for notice in shown:
        assert notice in logged
    link_logged = [json.loads(x) for x in (folder / "link.jsonl").read_text().splitlines()]
    assert link_shown and all(event in link_logged for event in link_shown)
    files = recover(folder)
    import mne
    raw = mne.io.read_raw(files["fif"], verbose="error")
    assert raw.n_times == data.shape[1]


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM],
                         ids=["ctrl_c", "sigterm"])
def test_a_stop_signal_ends_cleanly_with_summary_and_files(tmp_path, stop_signal):
    emulate = subprocess.Popen(
        [sys.executable, "-m", "emgspasm", "emulate", "--duration", "60", "--sfreq",
         "1000", "--port", str(tmp_path / "tty")], stdout=subprocess.PIPE, text=True)
    try:
        assert emulate.stdout.readline().startswith("port:")
        monitor = subprocess.Popen(
            [sys.executable, "-m", "emgspasm", "monitor", "--port", str(tmp_path / "tty"),
             "--headless", "--record", str(tmp_path / "rec")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = json.loads(monitor.stdout.readline())
        assert first["kind"] == "link_connected"
        while "channel" not in json.loads(monitor.stdout.readline()):
            pass  # wait until it is streaming: the first notice
        monitor.send_signal(stop_signal)
        try:
            # generous: a busy machine compiling the stop path cold is slow, not hung
            out, err = monitor.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            monitor.kill()
            out, err = monitor.communicate()
            pytest.fail(f"the monitor did not stop within 120 s of the signal:\n{err}")
    finally:
        emulate.terminate()
        emulate.wait(10)
        emulate.stdout.close()
    assert monitor.returncode == 0, err
    assert "session:" in err and "link:" in err and "Traceback" not in err
    folder = next((tmp_path / "rec").iterdir())
    assert (folder / "recording_raw.fif").exists() and (folder / "events.tsv").exists()
    assert json.loads((folder / "session.json").read_text())["complete"] is True


def test_pause_delays_but_loses_nothing():
    sim = simulate(duration_s=3, n_channels=2, sfreq=500.0, seed=8)
    data, flags, _ = stream(sim.data, 500.0, speed=2.0,
                            faults=Faults(pause_at_s=1.0, pause_s=0.8))
    assert data.shape == sim.data.shape and not flags.any()
    np.testing.assert_allclose(data, sim.data, atol=DEVICE_SCALE)


def test_recorded_notices_rebuild_the_final_events(tmp_path):
    # what the monitor showed, replayed from events.jsonl: an update replaces
    # the reported event, a withdrawal removes it
    rec = SessionRecorder(tmp_path / "s", 1000.0, ["EMG1"])
    rec.append(np.zeros((1, 3000)), np.zeros((1, 3000), np.uint8))
    kept = Event(1.0, 0.01, "fasciculation", "EMG1", "single", 300.0, 0.9, 1.02, 30.0)
    doublet = Event(1.0, 0.03, "fasciculation", "EMG1", "doublet", 320.0, 0.9, 1.02, 31.0)
    withdrawn = Event(2.0, 0.01, "fasciculation", "EMG1", "single", 200.0, 0.8, 2.02, 20.0)
    for kind, ev in (("event", kept), ("event", withdrawn), ("event_update", doublet),
                     ("event_retract", withdrawn)):
        rec.notice(Notice(kind, "EMG1", ev.detected_at, ev.onset, ev))
    rec.close([doublet])
    _, data, _, events, damaged = read_session(tmp_path / "s")
    assert events == [doublet] and data.shape == (1, 3000) and not damaged
