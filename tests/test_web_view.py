"""The live view in a browser, end to end: emulator -> LiveSession -> WebView ->
real websocket clients and a real headless Chromium (no mocks).

The server needs the ``web`` extra (starlette, uvicorn, websockets); the
browser tests also need selenium, Pillow and Debian's ``chromium`` and
``chromium-driver``. Each skips with the reason when its part is missing.
"""

import argparse
import asyncio
import io
import itertools
import json
import os
import socket
import struct
import threading
import time

import numpy as np
import pytest
from conftest import random_splits

from emgspasm._chromium import headless_chromium, missing
from emgspasm.apps.monitor import LiveSession, monitor
from emgspasm.apps.views import JsonLinesView
from emgspasm.apps.web import add_web_options, web_view
from emgspasm.apps.web.frames import decode
from emgspasm.apps.web.marks import Marks
from emgspasm.apps.web.ring import SignalRing
from emgspasm.apps.web.server import WebServer, _Client
from emgspasm.apps.web.view import WebView
from emgspasm.engine.dsp.chain import DSPChain
from emgspasm.engine.streaming import Engine
from emgspasm.errors import ConfigError
from emgspasm.sources.serial.emulator import Emulator
from emgspasm.truth.sim import simulate

pytest.importorskip("starlette", reason="the web view needs the 'web' extra (starlette)")
pytest.importorskip("uvicorn", reason="the web view needs the 'web' extra (uvicorn)")
websockets = pytest.importorskip("websockets", reason="the web view needs the 'web' extra")
# (the emgspasm.apps.web modules load starlette and uvicorn only when serving)

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")

SFREQ = 1000.0
WINDOW_S = 10.0  # the view's default


@pytest.fixture(scope="module")
def sim():
    """6 s, two channels: a spasm on EMG2 (1.16-1.89 s), eight fasciculations
    on both channels from 2.4 s on, nothing else."""
    rec = simulate(duration_s=6, n_channels=2, sfreq=SFREQ, seed=24, spasms_per_min=12,
                   fasciculations_per_min=60, pops_per_min=0, motion_per_min=0,
                   bursts_per_min=0)
    spasms = [e for e in rec.events if e.label == "spasm"]
    assert [e.channel for e in spasms] == ["EMG2"]
    assert sum(e.label == "fasciculation" for e in rec.events) >= 6
    return rec


class Live:
    """An emulated sensor streaming ``sim``, a live session on it, and a web
    view, monitored on a thread until :meth:`stop` (or the end of the block)."""

    def __init__(self, sim, speed=1.0, **view_args):
        self.n_samples = sim.data.shape[1]
        self.emulator = Emulator(sim.data, sim.sfreq, "emgspasm", speed=speed).start()
        self.session = LiveSession(self.emulator.port, "emgspasm").start()
        self.view = WebView(out=io.StringIO(), **view_args)
        self._stop = threading.Event()
        self.error = None
        self._thread = threading.Thread(target=self._monitor, daemon=True)

    def _monitor(self):
        try:
            monitor(self.session, self.view, until=self._stop.is_set)
        except Exception as exc:  # shown by __exit__, in the test's thread
            self.error = exc

    def __enter__(self):
        self._thread.start()  # the port is bound already: a page may connect at once
        return self

    def all_processed(self):
        engine = self.session.engine
        return engine is not None and engine.chain.samples_seen >= self.n_samples

    def stop(self):
        self._stop.set()
        self._thread.join(30)
        assert not self._thread.is_alive(), "the session did not stop"

    def __exit__(self, *exc):
        self.stop()
        self.emulator.stop()
        if self.error is not None:
            raise self.error


def wait_for(condition, timeout=30.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# -- the parts, without a browser ----------------------------------------------


def naive_minmax(x, spp, first_bin, n_bins):
    """Per pixel ``first_bin + i``: min and max of ``x`` over its samples."""
    low, high = [], []
    for k in range(first_bin, first_bin + n_bins):
        chunk = x[:, k * spp:(k + 1) * spp]
        low.append(chunk.min(axis=1))
        high.append(chunk.max(axis=1))
    return np.array(low).T, np.array(high).T


def test_ring_keeps_the_window_and_decimates_to_the_pixels(rng):
    n_ch, sfreq, n = 3, 1000.0, 7321
    x = rng.standard_normal((n_ch, n)) * 20e-6
    chain = DSPChain(sfreq, ["A", "B", "C"])
    ring = SignalRing(sfreq, n_ch, seconds=2.0)
    filtered, envelope = [], []
    for a, b in random_splits(rng, n, max_chunk=900):
        out = chain.process(x[:, a:b])
        ring.append(out)
        filtered.append(out.filtered)
        envelope.append(out.rms)
    filtered = np.concatenate(filtered, axis=1).astype(np.float32)
    envelope = np.concatenate(envelope, axis=1).astype(np.float32)
    assert (ring.start, ring.end) == (n - 2000, n)  # the last 2 s, no more
    for width in (2000, 333, 50):
        win = ring.decimate(width)
        spp = int(np.ceil(2000 / width))
        assert win.spp == spp and win.n_bins <= width
        # every pixel fully held, aligned to stream samples, the newest one partial
        assert win.first_bin * spp >= n - 2000
        assert (win.first_bin + win.n_bins - 1) * spp <= n - 1 < (win.first_bin + win.n_bins) * spp
        full = (n - win.first_bin * spp) // spp
        low, high = naive_minmax(filtered, spp, win.first_bin, full)
        np.testing.assert_array_equal(win.low[:, :full], low)
        np.testing.assert_array_equal(win.high[:, :full], high)
        _, env = naive_minmax(envelope, spp, win.first_bin, full)
        np.testing.assert_array_equal(win.envelope[:, :full], env)
        if full < win.n_bins:
            tail = filtered[:, (win.first_bin + full) * spp:]
            np.testing.assert_array_equal(win.low[:, -1], tail.min(axis=1))
    bad, bits = ring.quality()
    assert (bad == 0).all() and (bits == 0).all()


def test_ring_starts_empty_and_forgets_what_a_gap_cuts_off():
    ring = SignalRing(1000.0, 1, seconds=1.0)
    assert ring.decimate(100).n_bins == 0
    chain = DSPChain(1000.0, ["A"])
    ring.append(chain.process(np.zeros((1, 300))))
    chain.process(np.zeros((1, 50)))  # samples the ring never saw
    ring.append(chain.process(np.zeros((1, 40))))
    assert (ring.start, ring.end) == (350, 390)
    win = ring.decimate(100)
    assert win.first_bin * win.spp >= 350


def test_marks_follow_the_engines_notices(sim):
    engine = Engine(sim.sfreq, sim.ch_names)
    marks = Marks(sim.ch_names, keep_s=10.0)
    growing = []
    for step in engine.steps(np.array_split(sim.data, 120, axis=1)):
        for notice in step.notices:
            marks.apply(notice)
        now = engine.stream_time
        growing += [(now, m["t1"]) for m in marks.visible(now - 10, now)
                    if m["kind"] == "spasm" and m["running"]]
    shown = marks.visible(0.0, engine.stream_time)
    # a confirmed spasm grows with the stream until it ends...
    assert len(growing) >= 3 and all(t1 == now for now, t1 in growing)
    # ... and then every final event is a mark, at its place and channel
    events = engine.events
    assert sorted((sim.ch_names[m["ch"]], m["label"], m["t0"], m["t1"]) for m in shown) == \
        sorted((e.channel, e.label, e.onset, e.offset) for e in events)
    assert not any(m["running"] for m in shown)
    # marks older than the window are forgotten
    assert marks.visible(100.0, 200.0) == []


# -- the server, with Python websocket clients ---------------------------------


async def _read(url, width, out):
    """Connect, ask for ``width`` pixels, keep the messages until the session
    ends."""
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"width": width}))
        async for message in ws:
            out.append(message)
            if isinstance(message, str) and json.loads(message)["type"] == "end":
                return


def client_thread(url, width, out):
    thread = threading.Thread(target=lambda: asyncio.run(_read(url, width, out)),
                              daemon=True)
    thread.start()
    return thread


def frames_of(messages, n_channels):
    return [decode(m, n_channels) for m in messages if isinstance(m, bytes)]


def test_two_clients_each_at_their_own_width(sim):
    with Live(sim, speed=3.0) as live:
        url = live.view.url.replace("http://", "ws://") + "ws"
        got = ([], [])
        threads = [client_thread(url, 400, got[0]), client_thread(url, 1200, got[1])]
        wait_for(lambda: live.view.server.n_clients == 2, what="two clients")
        wait_for(live.all_processed, what="the whole stream")
    for t in threads:
        t.join(10)
    for messages, width in zip(got, (400, 1200)):
        hello = json.loads(messages[0])
        assert hello["type"] == "hello" and hello["ch_names"] == ["EMG1", "EMG2"]
        assert hello["sfreq"] == SFREQ and hello["window_s"] == 10.0
        frames = frames_of(messages, 2)
        assert len(frames) >= 5 and json.loads(messages[-1])["type"] == "end"
        header, signal = frames[-1]
        # min/max per pixel of a 10 s window spread over the client's width
        assert header["spp"] == int(np.ceil(10 * SFREQ / width))
        assert header["n_bins"] == signal.shape[2] <= width
        assert header["end"] == sim.data.shape[1]
        assert (signal[:, 0] <= signal[:, 1]).all()  # low <= high
        assert np.ptp(signal[:, 1]) > 0 and (signal[:, 2] >= 0).all()
        # every frame says when its newest sample arrived; frames go forward
        ends = [h["end"] for h, _ in frames]
        assert ends == sorted(ends) and all(h["arrival_ms"] > 0 for h, _ in frames)
        assert len(header["threshold_uv"]) == 2 and all(t > 0 for t in header["threshold_uv"])
        assert {m["kind"] for m in header["marks"]} >= {"spasm", "fasciculation"}


def client_frame(opcode, payload):
    """One final websocket frame (under 126 bytes), masked as a client must
    send it."""
    mask = b"\x01\x02\x03\x04"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


def raw_client(port, width=None):
    """A websocket client on a bare socket: the handshake, its width if
    given, and then only what the test does with it."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 b"Sec-WebSocket-Version: 13\r\n\r\n")
    assert sock.recv(12).startswith(b"HTTP/1.1 101")
    if width is not None:  # a text frame
        sock.sendall(client_frame(0x1, json.dumps({"width": width}).encode()))
    return sock


def test_a_client_that_stalls_or_vanishes_never_holds_up_the_session(sim):
    with Live(sim, speed=2.0, max_fps=60) as live:
        port = live.view.server.port
        url = live.view.url.replace("http://", "ws://") + "ws"
        vanishing = raw_client(port)
        stalled = raw_client(port, width=8000)  # never reads a byte
        wait_for(lambda: live.view.server.n_clients == 2, what="the two clients")
        time.sleep(0.3)
        # gone without a word, as a killed browser leaves it (a reset)
        vanishing.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        vanishing.close()
        good = []
        reader = client_thread(url, 600, good)
        wait_for(live.all_processed, what="the whole stream")
        wait_for(lambda: any(isinstance(m, bytes) and decode(m, 2)[0]["end"] == live.n_samples
                             for m in good[-3:]), what="the last samples sent")
        counters = live.view.server.counters()
        assert live.view.server.n_clients == 2  # the reader and the stalled one
    stalled.close()
    reader.join(10)
    # the stalled client lost frames (counted), the session none of its samples
    widest = next(c for c in counters["clients"] if c["width"] == 8000)
    assert widest["dropped"] > 0 and counters["dropped"] >= widest["dropped"]
    assert live.session.engine.chain.samples_seen == sim.data.shape[1]
    assert len(frames_of(good, 2)) >= 5


def test_stopping_while_a_page_is_closing_on_its_own():
    """The page's close frame is answered, its connection not yet gone, when
    the server stops: stop() lets it leave instead of closing it twice."""
    server = WebServer().start()
    sock = raw_client(server.port)
    wait_for(lambda: server.n_clients == 1, what="the page")
    connections = server._server.server_state.connections

    async def stop_between_answer_and_departure():
        # asyncio runs callbacks in order: the connection's departure is
        # scheduled after the answer to its close frame, so this sees the gap
        deadline = time.monotonic() + 10
        while not any(c.transport.is_closing() for c in connections):
            assert time.monotonic() < deadline, "the close frame was not answered"
            await asyncio.sleep(0)
        await server._disconnect()

    try:
        sock.sendall(client_frame(0x8, struct.pack("!H", 1000)))  # close, normal
        asyncio.run_coroutine_threadsafe(
            stop_between_answer_and_departure(), server._loop).result(15)
        wait_for(lambda: not connections, what="the connection to leave")
    finally:
        sock.close()
        server.stop()
    assert server.n_clients == 0


def test_served_on_localhost_only_by_default():
    view = WebView(out=io.StringIO())
    try:
        assert view.server._socket.getsockname()[0] == "127.0.0.1"
        assert view.url.startswith("http://127.0.0.1:")
        other = _this_machines_other_address()
        if other is None:
            return
        with pytest.raises(OSError):
            socket.create_connection((other, view.server.port), timeout=2).close()
    finally:
        view.server.stop()


def _this_machines_other_address():
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@pytest.mark.parametrize("given", ["70000", "-1", "http", "80.5"])
def test_bad_web_port_is_refused_naming_the_option(given, capsys):
    parser = add_web_options(argparse.ArgumentParser(prog="emgspasm monitor"))
    with pytest.raises(SystemExit):
        parser.parse_args(["--web", "--web-port", given])
    err = capsys.readouterr().err
    assert "--web-port" in err and "0 to 65535" in err and repr(given) in err


def test_bad_port_or_window_in_python_and_a_port_in_use():
    with pytest.raises(ConfigError, match=r"'web_port'.*<= 65535.*70000"):
        WebView(port=70000)
    with pytest.raises(ConfigError, match=r"'web_window'.*0.1"):
        WebView(window_s=0.1)
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"127.0.0.1:{port}.*--web-port"):
            WebView(port=port)


def test_web_option_wraps_the_other_view():
    parser = add_web_options(argparse.ArgumentParser())
    inner = JsonLinesView()
    assert web_view(parser.parse_args([]), inner) is inner
    view = web_view(parser.parse_args(["--web", "--web-port", "0", "--web-window", "5"]), inner)
    try:
        assert isinstance(view, WebView) and view.inner is inner and view.window_s == 5.0
    finally:
        view.server.stop()


# -- a real browser --------------------------------------------------------------


@pytest.fixture
def browser(tmp_path):
    if missing():
        pytest.skip(missing())
    driver = headless_chromium(tmp_path / "chrome", (1400, 900))
    try:
        yield driver
    finally:
        driver.quit()


def page_state(driver):
    return driver.execute_script("""
        const s = window.emgspasm;
        const css = getComputedStyle(document.documentElement);
        const colour = (n) => css.getPropertyValue('--' + n).trim();
        return {
          header: s.header, framesDrawn: s.framesDrawn, width: s.width,
          records: s.records.length,
          firstRecord: s.records[0] || null,
          marks: s.drawnMarks,
          data: s.plots.map((u) => ({n: u.data[0].length,
                                     low: Array.from(u.data[1]), high: Array.from(u.data[2]),
                                     thr: Array.from(u.data[4])})),
          rects: s.plots.map((u, c) => s.plotRect(c)),
          feed: Array.from(document.querySelectorAll('#feed li')).map((li) => li.textContent),
          colours: Object.fromEntries(['trace', 'spasm', 'fasciculation'].map(
            (n) => [n, colour(n)])),
        };""")


def rgb(hex_colour):
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


def share_of(pixels, hex_colour, tol=12):
    """Share of ``pixels`` (..., 3) within ``tol`` of the colour."""
    if pixels.size == 0:
        return 0.0
    return float((np.abs(pixels.astype(int) - rgb(hex_colour)).max(axis=-1) <= tol).mean())


def test_browser_draws_traces_threshold_and_events_at_their_true_times(sim, browser, tmp_path):
    image_lib = pytest.importorskip("PIL.Image", reason="the screenshot check needs Pillow")
    lines = io.StringIO()
    truth_spasm = next(e for e in sim.events if e.label == "spasm")
    truth_fasc = [e for e in sim.events if e.label == "fasciculation"]
    with Live(sim, speed=1.0, inner=JsonLinesView(out=lines, err=io.StringIO())) as live:
        browser.get(live.view.url)
        # while the spasm lasts, its shading grows with the stream
        growing = set()

        def spasm_over():
            state = browser.execute_script(
                "const s = window.emgspasm; return {marks: s.drawnMarks, "
                "end: s.header && s.header.end}")
            for m in itertools.chain(*state["marks"]):
                if m["kind"] == "spasm" and m["running"]:
                    growing.add(m["t1"])
            return state["end"] and state["end"] > truth_spasm.offset * SFREQ + 600
        wait_for(spasm_over, timeout=40, what="the spasm to be over on the page")
        wait_for(live.all_processed, what="the whole stream")
        wait_for(lambda: page_state(browser)["header"]["end"] == sim.data.shape[1],
                 what="the last samples on screen")
        state = page_state(browser)
        png = tmp_path / "web_view.png"
        assert browser.save_screenshot(str(png))
    assert len(growing) >= 2, "the spasm's shading did not grow while it lasted"

    names = sim.ch_names
    # every channel's trace has data at the plot's pixel width, and a threshold
    assert state["framesDrawn"] > 10 and state["records"] > 10
    first = state["firstRecord"]
    assert first["arrival"] <= first["received"] <= first["drawn"]
    # decimated to the plot's pixels: 10 s over its width, 6 s of them held
    header = state["header"]
    assert state["width"] == round(state["rects"][0]["width"]) > 500
    assert header["spp"] == int(np.ceil(WINDOW_S * SFREQ / state["width"]))
    for c, d in enumerate(state["data"]):
        assert d["n"] == header["n_bins"] == int(np.ceil(sim.data.shape[1] / header["spp"]))
        assert d["n"] > 300 and max(d["high"]) > 50 and min(d["low"]) < -50
        thr = state["header"]["threshold_uv"][c]
        assert thr > 0 and d["thr"][-1] == pytest.approx(thr)
    # the spasm shading and the fasciculation ticks sit at the true times
    drawn = {(names[m["ch"]], m["kind"], m["t0"], m["t1"]) for m in itertools.chain(*state["marks"])}
    spasms = [m for m in drawn if m[1] == "spasm"]
    assert len(spasms) == 1 and spasms[0][0] == truth_spasm.channel
    assert spasms[0][2] == pytest.approx(truth_spasm.onset, abs=0.1)
    assert spasms[0][3] == pytest.approx(truth_spasm.offset, abs=0.25)
    ticks = [m for m in drawn if m[1] == "fasciculation"]
    for ev in truth_fasc:
        assert any(ch == ev.channel and abs(t0 - ev.onset) <= 0.03 for ch, _, t0, _ in ticks), ev
    assert len(ticks) == len(truth_fasc)
    # the feed lists the events
    feed = "\n".join(state["feed"])
    assert "SPASM confirmed" in feed and "spasm ended" in feed
    assert sum("fasciculation" in line for line in state["feed"]) >= 6
    # the other view ran alongside: its JSON lines hold the same spasm
    kinds = [json.loads(line)["kind"] for line in lines.getvalue().splitlines()]
    assert "spasm_end" in kinds and "event" in kinds

    # the screenshot: traces in every plot, shading where the spasm is, ticks
    with image_lib.open(png) as im:
        pixels = np.asarray(im.convert("RGB"))
    colours = state["colours"]

    def box(c, t0=None, t1=None, top=0.0, bottom=1.0):
        r = state["rects"][c]
        x0 = r["left"] if t0 is None else _page_x(state, c, t0)
        x1 = r["left"] + r["width"] if t1 is None else _page_x(state, c, t1)
        y0, y1 = r["top"] + top * r["height"], r["top"] + bottom * r["height"]
        return pixels[int(np.ceil(y0)):int(y1), int(np.ceil(x0)):int(x1)]

    for c in range(len(names)):
        assert share_of(box(c), colours["trace"]) > 0.005, f"no trace on {names[c]}"
    spasm_ch = names.index(truth_spasm.channel)
    inside = box(spasm_ch, truth_spasm.onset + 0.05, truth_spasm.offset - 0.05)
    assert share_of(inside, colours["spasm"]) > 0.3
    # elsewhere at most a few anti-aliased pixels of the orange envelope come near it
    assert share_of(box(1 - spasm_ch, truth_spasm.onset, truth_spasm.offset),
                    colours["spasm"]) < 0.002
    assert share_of(box(spasm_ch, truth_spasm.offset + 0.3, 6.0), colours["spasm"]) < 0.002
    for ev in truth_fasc:
        c = names.index(ev.channel)
        near = box(c, ev.onset - 0.04, ev.onset + 0.04, top=0.02, bottom=0.25)
        assert share_of(near, colours["fasciculation"]) > 0.05, ev


def _page_x(state, c, t):
    """CSS pixel (= screenshot pixel) of stream time ``t`` on channel ``c``."""
    r = state["rects"][c]
    x_min = state["header"]["now"] - WINDOW_S
    return r["left"] + (t - x_min) / WINDOW_S * r["width"]


def test_page_shows_the_session_ended(browser):
    short = simulate(duration_s=1.5, n_channels=1, sfreq=SFREQ, seed=1)
    with Live(short, speed=2.0) as live:
        browser.get(live.view.url)
        wait_for(live.all_processed, what="the whole stream")
        wait_for(lambda: browser.execute_script("return window.emgspasm.framesDrawn") > 0,
                 what="a frame drawn")
        live.stop()
    status = wait_for(lambda: (browser.execute_script(
        "return window.emgspasm.ended && document.getElementById('status').textContent")),
        what="the page to say the session ended")
    assert status == "session ended"


def test_the_last_frame_before_end_is_sent_before_it():
    # a frame still waiting when "end" is offered goes out first: a page that
    # stops reading at "end" has seen the whole stream (CI once saw the last
    # frame, offered just before "end" in the same wakeup, sent after it)
    class Sent:
        def __init__(self):
            self.log = []

        async def send_text(self, text):
            self.log.append(text)

        async def send_bytes(self, data):
            self.log.append(data)

    async def scenario():
        socket_ = Sent()
        client = _Client(socket_)
        client.offer("hello")
        client.offer(b"frame 1")
        client.offer(b"frame 2")      # replaces frame 1: dropped
        client.offer("end")
        task = asyncio.create_task(client.send_loop())
        await asyncio.sleep(0.05)
        task.cancel()
        return socket_.log, client

    log, client = asyncio.run(scenario())
    assert log == ["hello", b"frame 2", "end"]
    assert (client.sent, client.dropped) == (1, 1)
