"""Faults on a live link (issue 10), on real pseudo-terminals read with pyserial.

Each test drives a real port: the project's emulator, or ``os.openpty`` with
the test writing the device's bytes. Waits are on events with timeouts.
"""

import io
import json
import os
import threading
import time
import tty
from contextlib import contextmanager

import numpy as np
import pytest

from emgspasm.apps.monitor import LiveSession, monitor
from emgspasm.apps.views import JsonLinesView, link_line
from emgspasm.engine.block import Block
from emgspasm.errors import DeviceError, FrameError
from emgspasm.outputs.recorder import read_session
from emgspasm.sources.serial import events as E
from emgspasm.sources.serial.emulator import Emulator, Faults
from emgspasm.sources.serial.link import SerialLink, drain
from emgspasm.sources.serial.protocols import emgspasm as P
from emgspasm.sources.serial.protocols.ascii import encode as ascii_encode
from emgspasm.truth.sim import simulate

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")


@contextmanager
def pty_port():
    """A pseudo-terminal: the device's end (a file descriptor) and the port's path."""
    device, port = os.openpty()
    tty.setraw(port)
    try:
        yield device, os.ttyname(port)
    finally:
        os.close(device)
        os.close(port)


def send(fd, data):
    """Write all of ``data`` to ``fd``."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def wait_for(link, condition, timeout=10.0):
    """Items from ``link``'s queue until ``condition(items)`` holds; fails on timeout."""
    items, deadline = [], time.monotonic() + timeout
    while not condition(items):
        assert time.monotonic() < deadline, f"timed out; got {summarize(items)}"
        items += drain(link, 0.05)
    return items


def summarize(items):
    return [i.kind if isinstance(i, E.LinkEvent) else i.n_samples for i in items]


def kinds(items):
    return [i.kind for i in items if isinstance(i, E.LinkEvent)]


def samples(items):
    return sum(i.n_samples for i in items if isinstance(i, Block))


def poll_until(session, condition, timeout=15.0):
    """Poll ``session`` until ``condition()`` holds; fails on timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out polling the session"
        session.poll(0.05)


def link_log(folder):
    return [json.loads(line) for line in (folder / "link.jsonl").read_text().splitlines()]


def frames_of(counts, first_seq=0, rate=1000, spf=10):
    return [P.encode_data(counts[i:i + spf], first_seq + i // spf, rate, P.FMT_INT16, 1e-6)
            for i in range(0, len(counts), spf)]


# -- 1: a device that reboots ---------------------------------------------------

def test_device_reboot_is_a_segment_boundary_and_the_session_keeps_its_length(tmp_path):
    sfreq = 1000.0
    sim = simulate(duration_s=3, n_channels=2, sfreq=sfreq, seed=5)
    emulator = Emulator(sim.data, sfreq, "emgspasm", speed=1.0,
                        faults=Faults(reboot_at_s=1.5, reboot_s=0.5)).start()
    session = LiveSession(emulator.port, "emgspasm", record_dir=tmp_path / "s").start()
    try:
        assert emulator.done.wait(30)
        poll_until(session, lambda: session.engine is not None
                   and session.engine.stream_time >= 2.95)
    finally:
        session.stop()
        emulator.stop()
    stats = session.link.decoder.stats
    assert stats.restarts == 1 and stats.lost_frames == 0
    _, data, _, _, _ = read_session(tmp_path / "s")
    # the true length (3 s, the reboot's 0.5 s a gap by the host clock), not 663 s
    assert abs(data.shape[1] - 3000) <= 40
    np.testing.assert_allclose(data[:, :1500], sim.data[:, :1500], atol=P.DEVICE_SCALE)
    np.testing.assert_allclose(data[:, -900:], sim.data[:, -900:], atol=P.DEVICE_SCALE)
    [restart] = [e for e in link_log(tmp_path / "s") if e["kind"] == E.DEVICE_RESTART]
    assert restart["sample"] == 1500 and restart["at"] == 1.5
    assert restart["outage_s"] == pytest.approx(0.5, abs=0.04)
    assert "restarted" in restart["message"] and emulator.port in restart["message"]
    assert session.summary()["duration_s"] == pytest.approx(3.0, abs=0.04)


# -- 2: an ASCII sensor joined mid-line ------------------------------------------

def test_ascii_sensor_joined_mid_line_keeps_every_following_line(rng, tmp_path):
    values = rng.integers(0, 1024, size=(600, 2))
    with pty_port() as (device, port):
        session = LiveSession(port, "ascii", record_dir=tmp_path / "s", adc_scale=1e-6,
                              sfreq=500.0).start()
        try:
            send(device, b"23\n" + ascii_encode(values))
            poll_until(session, lambda: session.engine is not None
                       and session.engine.stream_time >= 600 / 500)
        finally:
            session.stop()
    assert session.engine.ch_names == ["EMG1", "EMG2"]
    _, data, _, _, _ = read_session(tmp_path / "s")
    np.testing.assert_allclose(data, values.T * 1e-6)


# -- 3: implausible first frames --------------------------------------------------

def test_implausible_first_frames_are_rejected_naming_the_device(rng, tmp_path):
    counts = rng.integers(-3000, 3000, size=(300, 2))
    rate_0 = P.encode_data(np.zeros((10, 2)), 0, 0)
    odd = P.encode_data(np.zeros((10, 5)), 1, 1000)
    with pty_port() as (device, port):
        session = LiveSession(port, "emgspasm", record_dir=tmp_path / "s").start()
        try:
            send(device, rate_0 + odd + b"".join(frames_of(counts)))
            poll_until(session, lambda: session.engine is not None
                       and session.engine.stream_time >= 0.3)
        finally:
            session.stop()
    assert session.engine.sfreq == 1000.0 and len(session.engine.ch_names) == 2
    assert session.link.decoder.stats.rejected == 2
    _, data, _, _, _ = read_session(tmp_path / "s")
    np.testing.assert_allclose(data, counts.T * 1e-6)
    rejected = [e["message"] for e in link_log(tmp_path / "s") if e["kind"] == E.REJECTED]
    assert len(rejected) == 2
    assert all(m.startswith(f"{port}: emgspasm sensor: DATA frame rejected") for m in rejected)
    assert "'rate' is 0 Hz, but allowed rates are 100 to 100000 Hz" in rejected[0]
    assert "'channels' is 5, but the next one has 2" in rejected[1]


# -- 4: a vanished port, headless ---------------------------------------------------

def test_headless_shows_a_vanished_port_its_attempts_and_its_return(tmp_path):
    sfreq = 500.0
    sim = simulate(duration_s=2.5, n_channels=1, sfreq=sfreq, seed=6)
    emulator = Emulator(sim.data, sfreq, "emgspasm", speed=1.0,
                        faults=Faults(disconnect_at_s=0.5, disconnect_s=1.0)).start()
    session = LiveSession(emulator.port, "emgspasm", record_dir=tmp_path / "s").start()
    out, err = io.StringIO(), io.StringIO()
    while_lost = []

    def until():
        if session.link.lost_at is not None:
            while_lost.append(link_line(session))
        return emulator.done.is_set()

    try:
        monitor(session, JsonLinesView(out, err), until=until)
    finally:
        emulator.stop()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    link = [line for line in lines if "channel" not in line]
    order = [line["kind"] for line in link]
    assert order[:3] == [E.CONNECTED, E.LOST, E.RECONNECTING]
    assert order[-2:] == [E.RESTORED, E.CLOSED] and set(order[2:-2]) == {E.RECONNECTING}
    restored = link[-2]
    assert 0.9 <= restored["outage_s"] <= 2.5 and restored["at"] == pytest.approx(0.5, abs=0.1)
    assert link == link_log(tmp_path / "s")
    assert while_lost and "LOST for" in while_lost[-1]
    stats = session.link.decoder.stats
    assert stats.reconnects == 1
    assert stats.outage_s == pytest.approx(restored["outage_s"], abs=1e-3)
    assert f"reconnects 1 ({stats.outage_s:.1f} s without the port)" in err.getvalue()


# -- 6: the reader thread -----------------------------------------------------------

class FailsWhenArmed(P.ProtocolDecoder):
    """A decoder with a bug: it raises on the next bytes once ``armed`` is set."""

    armed = threading.Event()

    def feed(self, data):
        if self.armed.is_set():
            self.armed.clear()
            raise RuntimeError("boom")
        return super().feed(data)


class AlwaysFails(P.ProtocolDecoder):
    """A decoder that raises on every read."""

    def feed(self, data):
        raise RuntimeError("decoder bug")


def test_a_decoder_error_is_reported_and_decoding_goes_on_in_time(rng):
    counts = rng.integers(-3000, 3000, size=(200, 2))
    frames = frames_of(counts)
    with pty_port() as (device, port):
        link = SerialLink(port, FailsWhenArmed).start()
        try:
            send(device, b"".join(frames[:10]))
            items = wait_for(link, lambda got: samples(got) == 100)
            FailsWhenArmed.armed.set()
            send(device, b"\x00")
            items += wait_for(link, lambda got: E.DECODER_ERROR in kinds(got))
            send(device, b"".join(frames[12:]))  # two frames lost meanwhile
            items += wait_for(link, lambda got: samples(got) == 100)
            assert not link.closed.is_set()  # the reader lives on
        finally:
            link.stop()
    [error] = [i for i in items if isinstance(i, E.LinkEvent) and i.kind == E.DECODER_ERROR]
    assert "RuntimeError: boom" in error.message and port in error.message
    data = np.concatenate([b.data for b in items if isinstance(b, Block)], axis=1)
    gap = np.isnan(data[0])
    assert data.shape == (2, 200) and np.array_equal(np.flatnonzero(gap), np.r_[100:120])
    np.testing.assert_allclose(data[:, ~gap], counts[~gap].T * 1e-6)
    assert link.decoder.stats.decoder_errors == 1


def test_a_decoder_that_keeps_failing_ends_the_session_with_a_message():
    with pty_port() as (device, port):
        session = LiveSession(port, "emgspasm")
        session.link.decoder_factory = AlwaysFails
        session.start()
        stop_writing = threading.Event()

        def device_talks():
            while not stop_writing.wait(0.05):
                send(device, b"junk")

        writer = threading.Thread(target=device_talks, daemon=True)
        writer.start()
        out, err = io.StringIO(), io.StringIO()
        started = time.monotonic()
        try:
            monitor(session, JsonLinesView(out, err), duration_s=20)
        finally:
            stop_writing.set()
            writer.join(2)
    assert time.monotonic() - started < 10  # it ended, it did not wait out the 20 s
    order = [json.loads(line)["kind"] for line in out.getvalue().splitlines()]
    assert order == [E.CONNECTED, E.DECODER_ERROR, E.DECODER_ERROR, E.CLOSED]
    assert isinstance(session.link.error, FrameError)
    assert "failed 3 times in a row" in str(session.link.error)
    assert "RuntimeError: decoder bug" in err.getvalue()


def test_stopping_ends_with_a_last_link_closed_event():
    with pty_port() as (_, port):
        link = SerialLink(port, P.ProtocolDecoder).start()
        link.stop()
        assert link.closed.wait(5)
    items = drain(link, 0.0)
    assert kinds(items) == [E.CONNECTED, E.CLOSED] and link.error is None
    assert items[-1].message == f"{port}: stopped"


def test_a_lost_port_without_reconnection_ends_with_its_error():
    device, slave = os.openpty()
    tty.setraw(slave)
    port = os.ttyname(slave)
    try:
        link = SerialLink(port, P.ProtocolDecoder, reconnect=False).start()
        os.close(device)  # the device hangs up
        assert link.closed.wait(5)
        link.stop()
    finally:
        os.close(slave)
    items = drain(link, 0.0)
    assert kinds(items) == [E.CONNECTED, E.LOST, E.CLOSED]
    assert isinstance(link.error, DeviceError) and port in items[-1].message


def test_writes_while_the_port_is_gone_fail_clearly_and_reach_it_once_back():
    sim = simulate(duration_s=2.0, n_channels=1, sfreq=500.0, seed=7)
    emulator = Emulator(sim.data, 500.0, "emgspasm", speed=1.0,
                        faults=Faults(disconnect_at_s=0.3, disconnect_s=0.6)).start()
    link = SerialLink(emulator.port, P.ProtocolDecoder,
                      start_command=P.PROTOCOL.start_command).start()
    try:
        wait_for(link, lambda got: E.LOST in kinds(got))
        with pytest.raises(DeviceError, match="not connected"):
            link.write(P.PROTOCOL.identify_command)
        wait_for(link, lambda got: E.RESTORED in kinds(got))
        link.write(P.PROTOCOL.identify_command)
        wait_for(link, lambda got: link.decoder.ident is not None)
    finally:
        link.stop()
        emulator.stop()
    assert link.decoder.ident["name"] == "emgspasm-emulator"
