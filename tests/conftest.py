import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def real_data():
    """Folder of real recordings beside the project; skip when absent."""
    folder = Path(os.environ.get("EMGSPASM_REAL_DATA", REAL_DATA))
    if not folder.is_dir():
        pytest.skip(f"real recordings not found at {folder}")
    return folder


def random_splits(rng, n, max_chunk=None):
    """Uneven chunk boundaries covering 0..n, with empty and 1-sample chunks."""
    max_chunk = max_chunk or max(2, n // 7)
    edges = [0]
    while edges[-1] < n:
        pick = rng.random()
        step = 0 if pick < 0.05 else 1 if pick < 0.15 else int(rng.integers(2, max_chunk))
        edges.append(min(n, edges[-1] + step))
    return list(zip(edges[:-1], edges[1:]))


def run_until(session, n_samples, timeout=60):
    """Poll a live ``session`` until its engine has seen ``n_samples``, then stop it."""
    deadline = time.monotonic() + timeout
    while session.engine is None or session.engine.chain.samples_seen < n_samples:
        assert time.monotonic() < deadline, "the session did not get every sample"
        session.poll(0.1)
    return session.stop()
