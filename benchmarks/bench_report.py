"""The HTML report of a day: its size, the time to build it, and to open it.

The engine is not run (``bench_analyze.py`` measures a 24-hour replay):
the report collector is fed 24 hours x 8 channels x 2 kHz of synthetic
filtered signal and envelope in the engine's 10 s steps, with a simulated
day of events announced in the step where each ends (per channel: 1500
fasciculations, 60 spasms of 0.7-60 s and one of ~7 minutes, 40 bursts,
300 pops, 60 motion artefacts, 5 leads-off stretches of 30 s; with
``--ecg-channels N`` also a heartbeat artefact a second on N channels).
Printed: the collector's time over the day (what the report adds to a
replay), the time to build and write the page, its size, and with
``--browser`` the time headless Chromium takes to draw it.

Run ``python benchmarks/bench_report.py [--hours 24] [--channels 8]
[--ecg-channels 0] [--browser]``. It asserts nothing.
"""

import argparse
import json
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from emgspasm.engine.config import Config
from emgspasm.engine.dsp._mains import MainsDecision
from emgspasm.engine.dsp.chain import ChainOutput, SampleMajor
from emgspasm.engine.events import Event, Notice
from emgspasm.engine.streaming import Step
from emgspasm.outputs.report import ReportCollector, write_report
from emgspasm.outputs.summary import summarize
from emgspasm.sources.files.recording import Recording

SFREQ = 2000.0
STEP_S = 10.0


def day_of_events(rng, names, hours, ecg_channels):
    total = hours * 3600
    scale = hours / 24.0
    events = []

    def add(name, label, count, length, subtype=None, peak=500.0, snr=10.0):
        for t in rng.uniform(0, total - 600, round(count * scale)):
            dur = length() if callable(length) else length
            events.append(Event(float(t), float(dur), label, name, subtype, peak,
                                snr and 1 - 3 / snr, float(t + dur), snr))

    for c, name in enumerate(names):
        add(name, "fasciculation", 1500, 0.012, "single", 400.0, 15.0)
        add(name, "spasm", 60, lambda: np.exp(rng.uniform(np.log(0.7), np.log(60))),
            "tonic", 900.0, 40.0)
        add(name, "spasm", 1, 420.0, "tonic", 900.0, 40.0)
        add(name, "burst", 40, 0.2, None, 600.0, 20.0)
        add(name, "artifact_pop", 300, 0.05)
        add(name, "artifact_motion", 60, 0.5)
        add(name, "BAD_leads_off", 5, 30.0, "leads_off", None, None)
        if c < ecg_channels:
            beats = np.arange(0.5, total - 1, 1.0)
            events += [Event(float(t), 0.08, "artifact_ecg", name, None, 150.0, 0.4,
                             float(t + 0.08), 5.0) for t in beats]
    return sorted(events, key=lambda e: e.offset)


def feed(collector, events, n_samples, n_ch, rng):
    """The day in 10 s steps of noise, each event announced where it ends."""
    step_n = int(STEP_S * SFREQ)
    block = (rng.standard_normal((step_n, n_ch)) * 20e-6).astype(np.float64)
    envelope = np.abs(block)
    flags = np.zeros(block.shape, dtype=np.uint8)
    k = 0
    for start in range(0, n_samples, step_n):
        n = min(step_n, n_samples - start)
        end_s = (start + n) / SFREQ
        notices = []
        while k < len(events) and events[k].offset <= end_s:
            e = events[k]
            notices.append(Notice("spasm_end" if e.label == "spasm" else "event",
                                  e.channel, e.offset, e.onset, e))
            k += 1
        out = ChainOutput(start, SampleMajor(block[:n], block[:n], envelope[:n],
                                             block[:n], flags[:n]), ((start, 0.1),))
        collector.add(Step(out, notices))


def open_in_chromium(path):
    import tempfile as tf

    from selenium.webdriver.support.ui import WebDriverWait

    from emgspasm._chromium import headless_chromium
    driver = headless_chromium(tf.mkdtemp())
    try:
        t0 = time.perf_counter()
        driver.get(Path(path).as_uri())
        WebDriverWait(driver, 300).until(lambda d: d.execute_script(
            "return !!(window.emgspasmReport && window.emgspasmReport.ready)"))
        loaded = time.perf_counter() - t0
        t0 = time.perf_counter()
        driver.execute_script("window.emgspasmReport.show(0)")
        shown = time.perf_counter() - t0
        return loaded, shown
    finally:
        driver.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--ecg-channels", type=int, default=0)
    parser.add_argument("--browser", action="store_true",
                        help="also time headless Chromium drawing the page")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    names = [f"EMG{i + 1}" for i in range(args.channels)]
    n_samples = int(args.hours * 3600 * SFREQ)
    events = day_of_events(rng, names, args.hours, args.ecg_channels)
    collector = ReportCollector(SFREQ, names, n_samples)
    t0 = time.perf_counter()
    feed(collector, events, n_samples, len(names), rng)
    collected = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as folder:
        rec = Recording(Path(folder) / "day.edf", SFREQ, names, n_samples, "bench",
                        meas_date=datetime(2026, 1, 1, 8, 0, tzinfo=UTC))
        summary = summarize(events, rec.duration_s, names)
        path = Path(folder) / "day_report.html"
        t0 = time.perf_counter()
        write_report(path, rec, events, summary, collector, Config(),
                     MainsDecision("auto", 50.0, (1, 3, 5)))
        built = time.perf_counter() - t0
        size = path.stat().st_size
        counts = {}
        for e in events:
            counts[e.label] = counts.get(e.label, 0) + 1
        print(f"{args.hours:g} h x {len(names)} ch x {SFREQ:g} Hz, {len(events)} events "
              f"({', '.join(f'{n} {k}' for k, n in sorted(counts.items()))})")
        text = path.read_text()
        data = json.loads(re.search(r"id='report-data'>(.*?)</script>", text).group(1)
                          .replace("<\\/", "</"))
        listed = len(data["events"]["onset"])
        print(f"collector over the day's steps: {collected:.1f} s; "
              f"build and write the page: {built:.1f} s; size {size / 1e6:.2f} MB")
        print(f"events listed: {listed}; with their signal stored: "
              f"{len(data['snippets'])}; thinned: {data['thinned']}")
        if args.browser:
            loaded, shown = open_in_chromium(path)
            print(f"headless Chromium: drawn in {loaded:.1f} s, an event's signal "
                  f"shown in {shown * 1000:.0f} ms")


if __name__ == "__main__":
    main()
