"""The ground truth: simulator and scorer."""

import numpy as np
import pytest

from emgspasm.errors import ConfigError
from emgspasm.truth.evaluate import benchmark_set, evaluate, format_table
from emgspasm.engine.events import Event
from emgspasm.truth.score import score
from emgspasm.truth.sim import Scenario, simulate
from emgspasm.truth.sim._muscle import muap


def test_simulation_is_reproducible_and_labelled():
    a = simulate(duration_s=30, n_channels=2, seed=5, ecg_channels=1)
    b = simulate(duration_s=30, n_channels=2, seed=5, ecg_channels=1)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.events == b.events
    labels = {e.label for e in a.events}
    assert {"fasciculation", "artifact_ecg"} <= labels
    for ev in a.events:
        assert 0 <= ev.onset < 30 and ev.duration >= 0


def test_fasciculations_are_isolated_and_short():
    rec = simulate(duration_s=120, n_channels=1, seed=6, fasciculations_per_min=60)
    fasc = sorted((e for e in rec.events if e.label == "fasciculation"),
                  key=lambda e: e.onset)
    assert len(fasc) > 60
    assert all(e.duration <= 0.025 for e in fasc)
    gaps = np.diff([e.onset for e in fasc])
    assert gaps.min() >= 0.25


def test_muap_spectrum_is_surface_like():
    fs = 4000.0
    wave = muap(fs, 2e-3, 0.4)
    spectrum = np.abs(np.fft.rfft(wave, 4096)) ** 2
    freqs = np.fft.rfftfreq(4096, 1 / fs)
    mean_freq = np.sum(freqs * spectrum) / np.sum(spectrum)
    assert 60 < mean_freq < 200


def test_noise_level_matches_the_scenario():
    rec = simulate(duration_s=20, n_channels=1, seed=2, spasms_per_min=0,
                   bursts_per_min=0, fasciculations_per_min=0, pops_per_min=0,
                   motion_per_min=0, mains_uv=0, wander_uv=0, noise_uv=7.0)
    x = rec.data[0] - rec.data[0].mean()
    assert np.std(x) == pytest.approx(7e-6, rel=0.05)


def test_scenario_validates():
    with pytest.raises(ConfigError, match="'n_channels'"):
        Scenario(n_channels=0)


def test_scorer_counts_and_errors():
    truth = [Event(1.0, 0.01, "fasciculation", "A"), Event(2.0, 0.01, "fasciculation", "A"),
             Event(5.0, 3.0, "spasm", "A", "tonic")]
    found = [Event(1.004, 0.01, "fasciculation", "A", detected_at=1.03),
             Event(3.0, 0.01, "fasciculation", "A"),
             Event(5.1, 2.8, "spasm", "A", "clonic", detected_at=5.4),
             Event(2.0, 0.01, "fasciculation", "B")]
    s = score(truth, found, 60.0)
    f = s.classes["fasciculation"]
    assert (f.tp, f.fp, f.fn) == (1, 2, 1)
    assert f.onset_err == pytest.approx([0.004])
    assert f.latency == pytest.approx([0.03])
    sp = s.classes["spasm"]
    assert (sp.tp, sp.fp, sp.fn, sp.subtype_hits) == (1, 0, 0, 0)
    assert sp.duration_err == pytest.approx([0.2])
    assert sp.latency == pytest.approx([0.4])


def test_quick_evaluation_runs_and_meets_its_floor():
    cases = [c for c in benchmark_set(quick=True) if c.group != "quiet"][:2]
    scores = evaluate(cases)
    table = format_table(scores)
    assert "| wearable | spasm |" in table
    assert scores["wearable"].classes["spasm"].f1 > 0.8
    assert scores["wearable"].classes["fasciculation"].f1 > 0.8
