"""Start-up: what loading the numba kernels costs a first run and a later one.

``emgspasm monitor`` and ``emgspasm demo`` warm the engine's kernels before
they open the port (:meth:`emgspasm.apps.monitor.LiveSession.start`). The
first run on a machine compiles them; numba caches the result on disk
(``cache=True``), so later runs only load it. This runs the same warm-up in
fresh interpreters with an empty ``NUMBA_CACHE_DIR`` (the first run), then
again with that cache filled (a later run), and times the import plus the
warm-up in each.

Run ``python benchmarks/bench_startup.py [--repeats 3]``; writes
``benchmarks/results/startup.json``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
WARM_UP = """
import time
t0 = time.perf_counter()
import numpy as np
from emgspasm.engine.streaming import Engine
Engine(1000.0, ["warm-up"]).process(np.zeros((1, 256)))
print(time.perf_counter() - t0)
"""


def warm_up_seconds(cache_dir):
    """Import and warm-up time (s) of one fresh interpreter using ``cache_dir``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir))
    env.pop("NUMBA_DISABLE_JIT", None)
    out = subprocess.run([sys.executable, "-c", WARM_UP], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="cold and warm runs each (default 3)")
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(warm_up_seconds(cache))
            warm.append(warm_up_seconds(cache))
    result = {"first_run_s": cold, "later_run_s": warm,
              "first_run_median_s": statistics.median(cold),
              "later_run_median_s": statistics.median(warm)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"kernel warm-up, first run (empty cache): median "
          f"{result['first_run_median_s']:.1f} s of {args.repeats}; later runs "
          f"(cache filled): median {result['later_run_median_s']:.2f} s")


if __name__ == "__main__":
    main()
