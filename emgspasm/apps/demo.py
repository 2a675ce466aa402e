"""``emgspasm demo``: live detection on an emulated wearable, no hardware needed.

The device emulator streams a simulated session over a pseudo-terminal in
the emgspasm protocol at real-time pace; the live monitor reads it through
pyserial like a real sensor, shows the dashboard (or prints notices when the
output is not a terminal), and at the end the detections are scored against
the simulator's truth.
"""

import sys
import time

from ..engine.vocabulary import FASCICULATION, SPASM
from ..truth.score import score
from ..truth.sim import Scenario, simulate


def run_demo(seconds=30.0, speed=1.0, seed=1, config=None, out=sys.stdout,
             dashboard=None, provisional=False):
    """Run the demo: the emulator on a pseudo-terminal and the live monitor.

    Parameters
    ----------
    seconds : float
    speed : float
        1 plays in real time; 0 as fast as the link allows.
    seed : int
    config : Config | None
    out : file
    dashboard : bool | None
        Draw the live dashboard; default: when ``out`` is a terminal.
    provisional : bool
        List provisional and withdrawn notices in the dashboard, greyed.

    Returns
    -------
    code : int
    """
    from ..sources.serial.emulator import Emulator
    from .monitor import LiveSession, monitor
    from .progress import Startup
    from .views import DashboardView, TextFeedView
    rec = simulate(Scenario(duration_s=seconds, sfreq=2000.0, n_channels=2,
                            noise_uv=8.0, mains_uv=120.0, spasms_per_min=6,
                            bursts_per_min=2, fasciculations_per_min=40,
                            pops_per_min=3, motion_per_min=2, ecg_channels=1,
                            seed=seed))
    if dashboard is None:
        dashboard = hasattr(out, "isatty") and out.isatty()
    emulator = Emulator(rec.data, rec.sfreq, "emgspasm", speed=speed).start()
    print(f"emgspasm demo: an emulated wearable on {emulator.port} (emgspasm protocol), "
          f"{len(rec.ch_names)} channels at {rec.sfreq:.0f} Hz, {seconds:.0f} s; noise "
          f"{rec.scenario.noise_uv:g} uV RMS, 50 Hz mains, ECG on {rec.ch_names[0]}, "
          "pops and motion. The monitor reads it like a real sensor.", file=out)
    finished = []

    def until():
        # stop half a second after the emulator sent its last frame
        if not emulator.done.is_set():
            return False
        if not finished:
            finished.append(time.monotonic())
        return time.monotonic() - finished[0] > 0.5

    try:
        with Startup("emgspasm demo"):
            session = LiveSession(emulator.port, "emgspasm", config).start()
        view = DashboardView(out, provisional) if dashboard else TextFeedView(out)
        monitor(session, view, until=until)
    finally:
        emulator.stop()
    if session.engine is None:
        return 1
    duration = session.engine.stream_time
    truth = [e for e in rec.events if e.onset < duration]
    result = score(truth, session.engine.events, duration * len(rec.ch_names),
                   session.notices)
    for label in (SPASM, FASCICULATION):
        cs = result.classes[label]
        print(f"  vs. the simulator's truth, {label}s: found {cs.tp} of {cs.tp + cs.fn}, "
              f"{cs.fp} false", file=out)
    return 0
