"""Recovering a long live session: memory and time of ``emgspasm recover``.

A session folder of 64 channels at 4 kHz is written by the real recorder
(:class:`~emgspasm.outputs.recorder.SessionRecorder`, 0.1 s chunks, as a
live session appends them) and left as a crash leaves it; ``emgspasm
recover`` then runs in a fresh process. Reported per length: the size of
``raw.bin`` and of the FIF written (MNE splits it at 2 GB), wall time, and
the peak RSS of the recover process (``VmHWM``: the kernel's own peak for
that process; ``ru_maxrss`` would also count the benchmark's memory, which
a forked child inherits). The last second of the FIF is checked against the
samples recorded.

Run ``python benchmarks/bench_recover.py [--minutes 60 3]``; it writes
``benchmarks/results/recover.json``. An hour takes about 16 GB of disk in a
temporary folder (8.3 GB of raw.bin, 7.4 GB of FIF) and a few minutes.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mne
import numpy as np
from bench_dsp import machine

from emgspasm.outputs.recorder import SessionRecorder

RESULTS = Path(__file__).parent / "results"
CHANNELS, SFREQ, CHUNK_S = 64, 4000.0, 0.1
#: Distinct seconds of noise cycled through (the samples differ chunk to chunk).
POOL_S = 7

RECOVER = """
import json, re, sys, time
from emgspasm.apps.cli import main
start = time.perf_counter()
code = main(["recover", sys.argv[1]])
seconds = time.perf_counter() - start
status = open("/proc/self/status").read()
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_kb / 1024}))
sys.exit(code)
"""


def write_session(folder, minutes):
    """Record ``minutes`` of noise the way a live session does; return the
    last chunk written."""
    pool = np.random.default_rng(0).standard_normal((CHANNELS, int(POOL_S * SFREQ))) * 20e-6
    flags = np.zeros((CHANNELS, int(CHUNK_S * SFREQ)), np.uint8)
    rec = SessionRecorder(folder, SFREQ, [f"EMG{i + 1}" for i in range(CHANNELS)])
    n = flags.shape[1]
    for i in range(int(round(minutes * 60 / CHUNK_S))):
        start = (i * n) % (pool.shape[1] - n)
        chunk = pool[:, start:start + n]
        rec.append(chunk, flags)
    rec.sync()  # and no clean stop: the process "crashed" here
    return chunk


def measure(folder, minutes):
    last = write_session(folder, minutes)
    run = subprocess.run([sys.executable, "-c", RECOVER, str(folder)],
                         capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(run.stdout + run.stderr)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    fifs = sorted(folder.glob("recording_raw*.fif"))
    raw = mne.io.read_raw(folder / "recording_raw.fif", verbose="error")
    tail = raw.get_data(start=raw.n_times - last.shape[1])
    result.update({
        "minutes": minutes, "channels": CHANNELS, "sfreq": SFREQ,
        "raw_bin_gb": (folder / "raw.bin").stat().st_size / 1e9,
        "fif_gb": sum(p.stat().st_size for p in fifs) / 1e9, "fif_parts": len(fifs),
        "samples_gb": raw.n_times * CHANNELS * 8 / 1e9,
        "last_second_exact": bool(np.array_equal(tail, last)),
    })
    for path in folder.iterdir():  # free the disk before the next length
        path.unlink()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[60.0, 3.0])
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            folder = Path(tmp) / f"session-{minutes:g}min"
            cases.append(measure(folder, minutes))
            c = cases[-1]
            print(f"| {c['minutes']:g} min x {c['channels']} ch x {c['sfreq']:.0f} Hz "
                  f"| raw.bin {c['raw_bin_gb']:.2f} GB | FIF {c['fif_gb']:.2f} GB in "
                  f"{c['fif_parts']} part(s) | {c['seconds']:.0f} s | peak RSS "
                  f"{c['peak_rss_mb']:.0f} MB | last second exact: "
                  f"{c['last_second_exact']} |", flush=True)
    results = {"machine": machine(), "measured": time.strftime("%Y-%m-%d"),
               "command": "python benchmarks/bench_recover.py --minutes "
                          + " ".join(f"{m:g}" for m in args.minutes),
               "cases": cases}
    (RESULTS / "recover.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
