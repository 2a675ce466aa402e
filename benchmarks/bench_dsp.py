"""Speed of the streaming DSP chain, against scipy in the same run.

Measures, on 8 channels at 2 kHz:

1. batch throughput of the whole chain (band-pass + 50 Hz notch with every
   harmonic below Nyquist + rectify + envelopes + TKEO + artefact band +
   quality flags) over 10 minutes of signal, against
   ``scipy.signal.sosfilt`` with the same band-pass and notch sections
   (filtering alone), single-threaded;
2. per-chunk cost of ``DSPChain.process`` and of the whole engine (chain +
   detector) for 1, 10 and 100 ms chunks (median and p99), against
   ``sosfilt`` with carried ``zi`` on the same chunks;
3. cold start: a fresh process up to its first processed chunk, with an
   empty and with a warm numba cache.

Run ``python benchmarks/bench_dsp.py``; it prints a table and writes
``benchmarks/results/dsp.json``.
"""

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import signal

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

from emgspasm.engine.config import Config  # noqa: E402
from emgspasm.engine.dsp.chain import DSPChain  # noqa: E402
from emgspasm.engine.streaming import Engine  # noqa: E402

SFREQ = 2000.0
N_CH = 8
NAMES = [f"EMG{i + 1}" for i in range(N_CH)]
CONFIG = Config().with_overrides({"filters.notch": 50})
RESULTS = Path(__file__).parent / "results"


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def batch(config, label, minutes=10.0, block_s=10.0):
    """Whole chain over ``minutes`` of signal fed in ``block_s`` blocks.

    The signal carries 100 uV of 50 Hz mains with a 3rd and 5th harmonic, so
    ``notch = "auto"`` notches what a real recording would need.
    """
    rng = np.random.default_rng(0)
    n = int(minutes * 60 * SFREQ)
    t = np.arange(n) / SFREQ
    x = rng.standard_normal((N_CH, n)) * 20e-6
    x += 100e-6 * (np.sin(2 * np.pi * 50 * t) + 0.3 * np.sin(2 * np.pi * 150 * t)
                   + 0.1 * np.sin(2 * np.pi * 250 * t))
    chain = DSPChain(SFREQ, NAMES, config)
    chain.process(x)
    sos = chain._sos[chain._enabled.astype(bool)]
    block = int(block_s * SFREQ)

    def ours():
        chain.reset()
        for start in range(0, n, block):
            chain.process(x[:, start:start + block])

    t_ours = best_of(ours)
    t_scipy = best_of(lambda: signal.sosfilt(sos, x, axis=-1))
    return {"config": label, "signal_s": minutes * 60, "channels": N_CH,
            "sections": len(sos), "notched_hz": chain.notch_frequencies,
            "chain_s": t_ours, "scipy_sosfilt_s": t_scipy,
            "speedup_vs_scipy": t_scipy / t_ours,
            "realtime_factor": minutes * 60 / t_ours}


def detector_cost(minutes=10.0, block_s=10.0):
    """The detector's cost against the chain's, in batch, on a simulated session
    with spasms, fasciculations, pops, motion and ECG (8 ch x 2 kHz, auto notch).

    The detector's time is the engine's (chain and detector) minus the chain's,
    both over the same blocks; issue 9 asks for a ratio of at most 1.
    """
    from emgspasm.truth.sim import Scenario, simulate
    rec = simulate(Scenario(duration_s=minutes * 60, sfreq=SFREQ, n_channels=N_CH,
                            ecg_channels=2, seed=3))
    n = rec.data.shape[1]
    block = int(block_s * SFREQ)
    blocks = [rec.data[:, a:a + block] for a in range(0, n, block)]

    def chain_only():
        chain = DSPChain(SFREQ, NAMES, Config())
        for b in blocks:
            chain.process(b)

    def engine():
        eng = Engine(SFREQ, NAMES, Config())
        for b in blocks:
            eng.process(b)
        eng.finish()

    engine()                                   # compile
    t_chain, t_engine = best_of(chain_only, 3), best_of(engine, 3)
    events = Engine(SFREQ, NAMES, Config()).replay(blocks)[0]
    return {"signal_s": minutes * 60, "channels": N_CH, "events": len(events),
            "chain_s": t_chain, "engine_s": t_engine,
            "detector_s": t_engine - t_chain,
            "detector_over_chain": (t_engine - t_chain) / t_chain}


def per_chunk(chunk_ms, calls):
    rng = np.random.default_rng(1)
    n = int(round(chunk_ms * SFREQ / 1000))
    warm = rng.standard_normal((N_CH, int(3 * SFREQ))) * 20e-6
    chunks = rng.standard_normal((calls, N_CH, n)) * 20e-6
    rows = {}
    chain = DSPChain(SFREQ, NAMES)
    chain.process(warm)
    engine = Engine(SFREQ, NAMES)
    engine.process(warm)
    sos = chain._sos[chain._enabled.astype(bool)]
    zi = np.zeros((len(sos), N_CH, 2))

    def scipy_step(chunk):
        nonlocal zi
        _, zi = signal.sosfilt(sos, chunk, axis=-1, zi=zi)

    for name, step in (("chain", chain.process), ("engine", engine.process),
                       ("scipy_sosfilt_zi", scipy_step)):
        times = np.empty(calls)
        for i in range(calls):
            t0 = time.perf_counter_ns()
            step(chunks[i])
            times[i] = time.perf_counter_ns() - t0
        rows[name] = {"median_us": float(np.median(times) / 1e3),
                      "p99_us": float(np.percentile(times, 99) / 1e3)}
    return {"chunk_ms": chunk_ms, "samples": n, **rows}


_COLD = """
import time, numpy as np
from emgspasm.engine.dsp.chain import DSPChain
DSPChain(2000.0, ['EMG%d' % i for i in range(8)]).process(np.zeros((8, 20)))
print('ready', flush=True)
"""


def cold_start():
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("empty_cache_s", "warm_cache_s"):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", _COLD], env=env, check=True,
                           capture_output=True)
            out[label] = time.perf_counter() - t0
    return out


def machine():
    try:
        cpu = next(line.split(":", 1)[1].strip()
                   for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__}


def main():
    results = {"machine": machine(),
               "batch": [batch(CONFIG, "notch 50 Hz, all 19 harmonics"),
                         batch(Config(), "notch auto (finds 50, 150, 250 Hz)")],
               "detector": detector_cost(),
               "per_chunk": [per_chunk(1, 20000), per_chunk(10, 5000),
                             per_chunk(100, 500)],
               "cold_start": cold_start()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dsp.json").write_text(json.dumps(results, indent=2))
    print(f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores")
    print(f"\nbatch, {N_CH} ch x {SFREQ:.0f} Hz x 10 min, single thread")
    print("| notch | sections | emgspasm full chain (s) | scipy sosfilt, same "
          "sections, filtering only (s) | ratio | x real time |\n|---|---|---|---|---|---|")
    for b in results["batch"]:
        print(f"| {b['config']} | {b['sections']} | {b['chain_s']:.3f} | "
              f"{b['scipy_sosfilt_s']:.3f} | {b['speedup_vs_scipy']:.2f}x | "
              f"{b['realtime_factor']:.0f} |")
    d = results["detector"]
    print(f"\ndetector against chain, batch, simulated session {N_CH} ch x {SFREQ:.0f} Hz "
          f"x 10 min ({d['events']} events), auto notch")
    print("| chain (s) | engine: chain + detector (s) | detector (s) | detector / chain |"
          "\n|---|---|---|---|")
    print(f"| {d['chain_s']:.3f} | {d['engine_s']:.3f} | {d['detector_s']:.3f} | "
          f"{d['detector_over_chain']:.2f}x |")
    print("\nper chunk, microseconds (median / p99)")
    print("| chunk | DSPChain.process | Engine.process (chain + detector) | "
          "scipy sosfilt with zi |\n|---|---|---|---|")
    for row in results["per_chunk"]:
        cells = [f"{row[k]['median_us']:.1f} / {row[k]['p99_us']:.1f}"
                 for k in ("chain", "engine", "scipy_sosfilt_zi")]
        print(f"| {row['chunk_ms']} ms ({row['samples']} samples) | " + " | ".join(cells) + " |")
    c = results["cold_start"]
    print(f"\ncold start to first processed chunk: empty numba cache "
          f"{c['empty_cache_s']:.2f} s, warm cache {c['warm_cache_s']:.2f} s")


if __name__ == "__main__":
    main()
