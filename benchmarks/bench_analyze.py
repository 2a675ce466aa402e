"""Batch analysis at scale: a 24-hour recording, and many recordings on Dask.

1. A 24-hour, 8-channel, 2 kHz EDF (10 simulated minutes tiled, written
   record by record) analysed end to end by ``emgspasm analyze`` in a fresh
   process (read, filter, detect, write events and summary; no report):
   wall time, ratio to real time, and peak RSS of that process.
2. The same batch of recordings analysed on Dask with 1 and 2 local workers:
   the speed-up.

Run ``python benchmarks/bench_analyze.py [--hours 24] [--files 8]``; it
writes ``benchmarks/results/analyze.json``. The 24-hour file takes about
2.8 GB in a temporary folder.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from emgspasm.apps.analyze import analyze_many
from emgspasm.truth.sim.files import write_simulation
from emgspasm.truth.sim import simulate

RESULTS = Path(__file__).parent / "results"
PHYS_UV = 20000.0  # +/- 20 mV in 16 bits


def _field(value, width):
    text = str(value)[:width]
    return text.ljust(width).encode("ascii")


def write_long_edf(path, segment, sfreq, hours):
    """Write ``segment`` (channels x samples, volts) tiled to ``hours`` as EDF."""
    n_ch, seg_n = segment.shape
    per_record = int(sfreq)
    n_records = int(hours * 3600)
    digital = np.clip(np.round(segment * 1e6 / PHYS_UV * 32767), -32768, 32767).astype("<i2")
    header = b"".join([
        _field(0, 8), _field("X X X X", 80), _field("Startdate X X X X", 80),
        _field("01.01.26", 8), _field("00.00.00", 8), _field(256 * (n_ch + 1), 8),
        _field("", 44), _field(n_records, 8), _field(1, 8), _field(n_ch, 4)])
    fields = [([f"EMG{i + 1}" for i in range(n_ch)], 16), (["AgAgCl"] * n_ch, 80),
              (["uV"] * n_ch, 8), ([-PHYS_UV] * n_ch, 8), ([PHYS_UV] * n_ch, 8),
              ([-32767] * n_ch, 8), ([32767] * n_ch, 8), ([""] * n_ch, 80),
              ([per_record] * n_ch, 8), ([""] * n_ch, 32)]
    for values, width in fields:
        header += b"".join(_field(v, width) for v in values)
    with open(path, "wb") as fh:
        fh.write(header)
        for r in range(n_records):
            start = (r * per_record) % seg_n
            idx = (start + np.arange(per_record)) % seg_n
            fh.write(np.ascontiguousarray(digital[:, idx]).tobytes())


def long_recording(folder, hours):
    sim = simulate(duration_s=600, n_channels=8, sfreq=2000.0, seed=7,
                   spasms_per_min=1.0, fasciculations_per_min=20, ecg_channels=2)
    path = folder / "long.edf"
    write_long_edf(path, sim.data, 2000.0, hours)
    out = folder / "out"
    code = ("import resource, sys, time\n"
            "from emgspasm.apps.cli import main\n"
            "t = time.perf_counter()\n"
            f"code = main(['analyze', {str(path)!r}, '--out', {str(out)!r}, '--no-report'])\n"
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
            "sys.exit(code)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(run.stdout + run.stderr)
    seconds, rss_kb = run.stdout.strip().splitlines()[-1].split()
    return {"hours": hours, "channels": 8, "sfreq": 2000.0,
            "file_gb": path.stat().st_size / 1e9, "seconds": float(seconds),
            "realtime_factor": hours * 3600 / float(seconds),
            "peak_rss_mb": int(rss_kb) / 1024, "summary_line": run.stdout.splitlines()[0]}


def dask_speedup(folder, n_files):
    paths = []
    for i in range(n_files):
        sim = simulate(duration_s=300, n_channels=4, sfreq=2000.0, seed=100 + i,
                       spasms_per_min=1.5, fasciculations_per_min=30)
        path = folder / f"rec{i}.fif"
        write_simulation(sim, path)
        paths.append(path)
    times = {}
    for workers in (1, 2):
        t = time.perf_counter()
        results = analyze_many(paths, folder / f"out{workers}", report=False,
                               workers=workers)
        times[workers] = time.perf_counter() - t
        assert all(r.ok for r in results), [r.message for r in results if not r.ok]
    same = all((folder / "out1" / f"rec{i}_events.tsv").read_text()
               == (folder / "out2" / f"rec{i}_events.tsv").read_text()
               for i in range(n_files))
    return {"files": n_files, "minutes_each": 5, "channels": 4,
            "seconds_1_worker": times[1], "seconds_2_workers": times[2],
            "speedup": times[1] / times[2], "identical_results": same}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--files", type=int, default=8)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {"long": long_recording(folder, args.hours),
                   "dask": dask_speedup(folder, args.files)}
    (RESULTS / "analyze.json").write_text(json.dumps(results, indent=2))
    L, D = results["long"], results["dask"]
    print(f"| {L['hours']:g} h x {L['channels']} ch x {L['sfreq']:.0f} Hz EDF "
          f"({L['file_gb']:.1f} GB), analyze without report | {L['seconds']:.0f} s | "
          f"{L['realtime_factor']:.0f}x real time | peak RSS {L['peak_rss_mb']:.0f} MB |")
    print(f"| {D['files']} recordings of {D['minutes_each']} min x {D['channels']} ch on "
          f"Dask | 1 worker {D['seconds_1_worker']:.1f} s | 2 workers "
          f"{D['seconds_2_workers']:.1f} s | speed-up {D['speedup']:.2f}x, identical "
          f"results: {D['identical_results']} |")


if __name__ == "__main__":
    main()
