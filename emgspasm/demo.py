"""``emgspasm demo``: live detection on a simulated wearable, no hardware needed.

A simulated session is fed to the live engine in 20 ms chunks at real-time
pace (or faster), and every notice is printed the moment the engine makes
it. At the end the detections are scored against the simulator's truth.
"""

import sys
import time

from .engine import Engine
from .events import FASCICULATION, SPASM
from .score import score
from .sim import Scenario, simulate
from .summary import summarize

CHUNK_S = 0.02

_WORDS = {
    "burst_start": "activity rising (provisional)",
    "burst_cancel": "activity came to nothing",
    "spasm_start": "SPASM confirmed",
    "spasm_retract": "spasm withdrawn (too short: a burst)",
}


def format_notice(notice):
    """One line for a notice, as the demo and ``monitor --headless`` print it."""
    head = f"[{notice.at:8.3f} s] {notice.channel:<6}"
    ev = notice.event
    if notice.kind == "spasm_end":
        return (f"{head} spasm ended: {ev.subtype}, {ev.duration:.2f} s, "
                f"peak {ev.peak_uv:.0f} uV (onset {ev.onset:.3f} s)")
    if notice.kind == "event":
        extra = f" {ev.subtype}" if ev.subtype and ev.label == FASCICULATION else ""
        peak = f", peak {ev.peak_uv:.0f} uV" if ev.peak_uv else ""
        return f"{head} {ev.label}{extra}, {ev.duration * 1000:.0f} ms{peak} (onset {ev.onset:.3f} s)"
    return f"{head} {_WORDS[notice.kind]} (onset {notice.onset:.3f} s)"


def run_demo(seconds=30.0, speed=1.0, seed=1, config=None, out=sys.stdout):
    """Run the demo.

    Parameters
    ----------
    seconds : float
    speed : float
        1 plays in real time; 0 as fast as possible.
    seed : int
    config : Config | None
    out : file

    Returns
    -------
    code : int
    """
    rec = simulate(Scenario(duration_s=seconds, sfreq=2000.0, n_channels=2,
                            noise_uv=8.0, mains_uv=120.0, spasms_per_min=6,
                            bursts_per_min=2, fasciculations_per_min=40,
                            pops_per_min=3, motion_per_min=2, ecg_channels=1,
                            seed=seed))
    print(f"emgspasm demo: simulated wearable, {len(rec.ch_names)} channels at "
          f"{rec.sfreq:.0f} Hz, {seconds:.0f} s, noise {rec.scenario.noise_uv:g} uV "
          f"RMS, 50 Hz mains, ECG on {rec.ch_names[0]}, pops and motion.", file=out)
    engine = Engine(rec.sfreq, rec.ch_names, config)
    step = int(CHUNK_S * rec.sfreq)
    notices = []
    t0 = time.monotonic()
    try:
        for start in range(0, rec.data.shape[1], step):
            if speed > 0:
                delay = start / rec.sfreq / speed - (time.monotonic() - t0)
                if delay > 0:
                    time.sleep(delay)
            for notice in engine.process(rec.data[:, start:start + step]).notices:
                notices.append(notice)
                if notice.event is None or notice.event.is_muscle:
                    print(format_notice(notice), file=out, flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted", file=out)
    for notice in engine.finish():
        notices.append(notice)
        if notice.event is None or notice.event.is_muscle:
            print(format_notice(notice), file=out)
    events = list(engine.events)
    duration = engine.stream_time
    summary = summarize(events, duration, rec.ch_names)
    print("\nsession summary", file=out)
    for name, ch in summary["channels"].items():
        arts = sum(ch["artifacts"].values())
        rate = ch["fasciculation_rate_per_min"] or 0.0
        print(f"  {name}: {ch['spasms']} spasms ({ch['spasm_total_s']:.1f} s, longest "
              f"{ch['spasm_longest_s']:.1f} s), {ch['fasciculations']} fasciculations "
              f"({rate:.0f}/min), {ch['bursts']} bursts, {arts} artefacts rejected",
              file=out)
    truth = [e for e in rec.events if e.onset < duration]
    result = score(truth, events, duration * len(rec.ch_names), notices)
    for label in (SPASM, FASCICULATION):
        cs = result.classes[label]
        print(f"  vs. the simulator's truth, {label}s: found {cs.tp} of {cs.tp + cs.fn}, "
              f"{cs.fp} false", file=out)
    return 0
