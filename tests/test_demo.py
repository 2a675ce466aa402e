"""The demo and the dashboard, as a person sees them."""

import io
import os
import re
import subprocess
import sys
import time

import pytest

from emgspasm.apps.monitor import LiveSession
from emgspasm.apps.views import dashboard
from emgspasm.sources.serial.emulator import Emulator
from emgspasm.truth.sim import simulate

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")


def test_demo_detects_and_scores_against_the_truth():
    run = subprocess.run([sys.executable, "-m", "emgspasm", "demo", "--duration", "30",
                          "--speed", "6"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("emgspasm demo: an emulated wearable on ")
    assert "SPASM confirmed" in out and "spasm ended: " in out
    assert re.search(r"^session: 30\.0 s$", out, re.M)
    found = {label: tuple(map(int, m)) for label, *m in re.findall(
        r"truth, (\w+): found (\d+) of (\d+), (\d+) false", out)}
    hits, total, false = found["spasms"]
    assert total >= 2 and hits == total and false == 0
    hits, total, false = found["fasciculations"]
    assert total >= 10 and hits >= 0.8 * total and false <= 1
    # the text feed shows muscle only: artefacts are not listed as events
    assert "artifact_" not in out


def test_dashboard_shows_channels_mains_link_and_feed():
    from rich.console import Console
    sim = simulate(duration_s=8, n_channels=2, sfreq=2000.0, spasms_per_min=12,
                   fasciculations_per_min=60, seed=5)
    emulator = Emulator(sim.data, sim.sfreq, "emgspasm", speed=4.0).start()
    session = LiveSession(emulator.port, "emgspasm").start()
    try:
        assert emulator.done.wait(20)
        deadline = time.monotonic() + 10
        while session.engine is None or session.engine.stream_time < sim.duration_s - 0.1:
            session.poll(0.1)
            assert time.monotonic() < deadline
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(dashboard(session))
        screen = console.export_text()
    finally:
        session.stop()
        emulator.stop()
    assert f"emgspasm monitor  (emgspasm)  2000 Hz x 2 ch  {emulator.port}" in screen
    assert "device: emgspasm-emulator" in screen
    for name in ("EMG1", "EMG2"):
        assert re.search(rf"{name} .* \d+% ", screen)
    assert "50 Hz mains notched" in screen
    assert "frames " in screen and "lost 0" in screen
    assert "fasciculation" in screen  # the event feed
