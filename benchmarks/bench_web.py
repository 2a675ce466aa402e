"""The live web view in a real browser: sample-to-screen latency and frame rate.

An emulated sensor (its own process, emgspasm protocol over a real
pseudo-terminal, 8 channels x 2 kHz, 2 ms frames, a simulated session with
spasms and fasciculations) feeds a ``LiveSession`` shown by ``WebView``
(the code behind ``emgspasm monitor --web``); the page runs in headless
Chromium (selenium) at 1600 x 1000. For every frame it draws, the page
records when the frame's newest sample arrived at the host (``arrival_ms``,
stamped by the view as the engine hands the samples over), when the frame
reached the page, and when uPlot finished drawing it inside
``requestAnimationFrame``. The emulator records when it wrote each frame
to the port, so the latency from the device writing a sample to the sample
being drawn is reported too.

Baseline in the same run: the same pipeline, the same page, with drawing
disabled (``?draw=0``: each frame is decoded and timed as it arrives; the
websocket transport and the host's side alone). The ratio is drawn over
transport-only latency.

The first ``--skip`` seconds of each run (page start-up) are left out.
Run ``python benchmarks/bench_web.py [--seconds 30]``; it writes
``benchmarks/results/bench_web.txt``.
"""

import argparse
import io
import multiprocessing as mp
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from bench_dsp import machine

RESULTS = Path(__file__).parent / "results"

N_CH, SFREQ, FRAME = 8, 2000.0, 4
#: The issue's target for samples on screen after their arrival.
TARGET_MS = 150.0


def _emulate(seconds, port, times, ready):
    """The sensor: a simulated session written at real-time pace; ``times``
    gets the wall-clock time (s) each frame was written."""
    from emgspasm.sources.serial.emulator import Emulator
    from emgspasm.truth.sim import simulate
    sim = simulate(duration_s=seconds, n_channels=N_CH, sfreq=SFREQ, seed=3,
                   spasms_per_min=4, fasciculations_per_min=40, ecg_channels=1)

    def on_write(first, n, t):
        times[first // FRAME] = time.time()

    emulator = Emulator(sim.data, SFREQ, "emgspasm", port=port, frame_samples=FRAME,
                        on_write=on_write).start()
    ready.set()
    emulator.done.wait()
    time.sleep(1.0)
    emulator.stop()


def _browser(profile):
    from emgspasm._chromium import headless_chromium
    return headless_chromium(profile, (1600, 1000))


def run(seconds, draw, skip_s):
    """One session shown in the browser; the page's per-frame records."""
    from emgspasm.apps.monitor import LiveSession, monitor
    from emgspasm.apps.web.view import WebView
    with tempfile.TemporaryDirectory() as tmp:
        port = str(Path(tmp) / "tty")
        n_frames = int(np.ceil(seconds * SFREQ / FRAME))
        times = mp.Array("d", n_frames, lock=False)
        ready = mp.Event()
        proc = mp.Process(target=_emulate, args=(seconds, port, times, ready))
        proc.start()
        ready.wait(60)
        session = LiveSession(port, "emgspasm").start()
        view = WebView(out=io.StringIO())
        driver = _browser(Path(tmp) / "chrome")
        stop = threading.Event()
        thread = threading.Thread(target=monitor, args=(session, view),
                                  kwargs={"until": stop.is_set})
        thread.start()
        try:
            driver.get(view.url + ("" if draw else "?draw=0"))
            proc.join(seconds + 60)
            time.sleep(1.0)
            page = driver.execute_script(
                "const s = window.emgspasm; return {records: s.records, width: s.width,"
                " received: s.framesReceived, drawn: s.framesDrawn};")
            counters = view.server.counters()
        finally:
            stop.set()
            thread.join(30)
            driver.quit()
        written = np.frombuffer(times, dtype=np.float64).copy()
    records = [r for r in page["records"] if r["end"] > skip_s * SFREQ]
    arrival = np.array([r["arrival"] for r in records])
    drawn = np.array([r["drawn"] for r in records])
    received = np.array([r["received"] for r in records])
    newest = np.array([(r["end"] - 1) // FRAME for r in records])
    device = drawn - 1e3 * written[np.minimum(newest, len(written) - 1)]
    span_s = (drawn[-1] - drawn[0]) / 1e3
    return {"frames": len(records), "width": page["width"],
            "fps": (len(records) - 1) / span_s, "dropped": counters["dropped"],
            "latency_ms": drawn - arrival, "transport_ms": received - arrival,
            "device_ms": device[written[np.minimum(newest, len(written) - 1)] > 0]}


def stats(values):
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95)),
            "max": float(np.max(values))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="length of each emulated session (default 30)")
    parser.add_argument("--skip", type=float, default=3.0,
                        help="seconds of page start-up left out (default 3)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    drawn = run(args.seconds, True, args.skip)
    bare = run(args.seconds, False, args.skip)
    load_after = os.getloadavg()[0]
    m = machine()
    rows = []
    for name, r in (("drawn (uPlot, requestAnimationFrame)", drawn),
                    ("baseline: transport only (?draw=0)", bare)):
        s, d = stats(r["latency_ms"]), stats(r["device_ms"])
        t = stats(r["transport_ms"])
        rows.append(f"| {name} | {r['frames']} | {r['fps']:.1f} | {s['p50']:.1f} | "
                    f"{s['p95']:.1f} | {s['max']:.1f} | {t['p50']:.1f} | {d['p50']:.1f} | "
                    f"{d['p95']:.1f} | {r['dropped']} |")
    ratio = stats(drawn["latency_ms"])["p50"] / stats(bare["latency_ms"])["p50"]
    within = 100.0 * np.mean(drawn["latency_ms"] <= TARGET_MS)
    text = "\n".join([
        (f"machine: {m['cpu']}, {m['cores']} cores; Chromium headless, 1600 x 1000, "
         f"plot width {drawn['width']} px"),
        (f"{N_CH} ch x {SFREQ:.0f} Hz, {FRAME}-sample frames, {args.seconds:g} s per run "
         f"(first {args.skip:g} s left out); latencies in ms"),
        (f"load average (1 min) {load_before:.1f} before, {load_after:.1f} after: the "
         "browser, the session and anything else on the machine share its cores"),
        "",
        ("| page | frames | frames/s | arrival->screen p50 | p95 | max | arrival->page p50 | "
         "device write->screen p50 | p95 | frames dropped by the server |"),
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        (f"drawn / transport-only, median latency: {ratio:.2f}x; "
         f"{within:.1f} % of drawn frames on screen within {TARGET_MS:.0f} ms of arrival"),
        "",
    ])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_web.txt").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
