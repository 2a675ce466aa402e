"""The simulator families: reproducible, at every rate, physically plausible, truthful."""

import itertools

import numpy as np
import pytest
from scipy import signal

from emgspasm.engine.vocabulary import (ARTIFACT_LABELS, BAD_PREFIX, MUSCLE_LABELS,
                                        SPASM_SUBTYPES)
from emgspasm.errors import ConfigError
from emgspasm.truth.sim import (FAMILIES, Scenario, _firing, _measured_material, _schedule,
                                simulate_family)
from emgspasm.truth.sim._truth_snr import bandpassed
from emgspasm.truth.sim._volume_conductor import Electrodes, Unit, motor_unit_potential
from emgspasm.truth.sim.scenario import ISOLATION_S

NEW = ("volume", "measured")
RATES = (250.0, 500.0, 1024.0, 2048.0, 4000.0)
QUIET = {"spasms_per_min": 0, "bursts_per_min": 0, "fasciculations_per_min": 0,
         "pops_per_min": 0, "motion_per_min": 0, "mains_uv": 0, "wander_uv": 0}


def extent_s(wave, sfreq, fraction=0.1):
    idx = np.flatnonzero(np.abs(wave) >= fraction * np.max(np.abs(wave)))
    return (idx[-1] - idx[0]) / sfreq


def test_registry_names_every_family_and_refuses_others():
    assert set(FAMILIES) == {"muap", "volume", "measured"}
    with pytest.raises(ConfigError, match=r"'family'.*'muap', 'volume' and "
                                          r"'measured', but got 'lab' instead"):
        simulate_family("lab", Scenario(duration_s=2))


@pytest.mark.parametrize("sfreq", RATES)
@pytest.mark.parametrize("family", NEW)
def test_reproducible_from_the_seed_at_every_rate(family, sfreq):
    sc = Scenario(duration_s=8, sfreq=sfreq, n_channels=2, ecg_channels=1,
                  spasms_per_min=10, bursts_per_min=5, fasciculations_per_min=60,
                  pops_per_min=5, motion_per_min=5, amp_range_uv=3000.0,
                  leads_off_per_hour=300.0, seed=7)
    a, b = simulate_family(family, sc), simulate_family(family, sc)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.events == b.events
    assert a.data.shape == (2, int(8 * sfreq)) and np.all(np.isfinite(a.data))
    assert np.max(np.abs(a.data)) <= 3000e-6
    other = simulate_family(family, sc, seed=8)
    assert not np.array_equal(a.data, other.data)
    labels = {e.label for e in a.events}
    assert {"fasciculation", "artifact_ecg"} <= labels
    assert {e.channel for e in a.events if e.label == "artifact_ecg"} == {"EMG1"}
    # a channel is its own random stream: adding channels leaves it as it was
    one = simulate_family(family, sc, n_channels=1, ecg_channels=1)
    np.testing.assert_array_equal(one.data[0], a.data[0])


@pytest.mark.parametrize("family", NEW)
def test_true_events_are_labelled_inside_and_fasciculations_isolated(family):
    rec = simulate_family(family, Scenario(
        duration_s=90, sfreq=2000.0, n_channels=2, ecg_channels=1, spasms_per_min=2,
        bursts_per_min=4, fasciculations_per_min=60, pops_per_min=3,
        motion_per_min=3, seed=3))
    subtypes = {"spasm": set(SPASM_SUBTYPES), "burst": {None},
                "fasciculation": {"single", "doublet", "triplet"}}
    for ev in rec.events:
        known = ev.label in MUSCLE_LABELS + ARTIFACT_LABELS
        assert known or ev.label.startswith(BAD_PREFIX)
        assert 0 <= ev.onset and ev.offset <= rec.duration_s and ev.duration >= 0
        if ev.label in subtypes:
            assert ev.subtype in subtypes[ev.label]
    fasc = [e for e in rec.events if e.label == "fasciculation"]
    assert len(fasc) > 30 and {e.subtype for e in fasc} >= {"single", "doublet"}
    assert all(e.snr is not None and e.peak_uv > 0 and e.duration <= 0.06 for e in fasc)
    others = [e for e in rec.events if e.label != "artifact_ecg"]
    for f in fasc:
        for o in others:
            if o is not f and o.channel == f.channel:
                gap = max(o.onset - f.offset, f.onset - o.offset)
                assert gap >= ISOLATION_S - 0.07, (f, o)  # onsets keep ISOLATION_S


def test_volume_potentials_are_5_to_25_ms_and_shrink_with_depth():
    rng = np.random.default_rng(0)
    widths = [extent_s(motor_unit_potential(4000.0, Electrodes.draw(rng), Unit.draw(rng),
                                            rng), 4000.0) for _ in range(40)]
    assert 0.005 <= min(widths) and max(widths) <= 0.025
    # the same unit (a 2 mm territory, so no fibre leaves 2-15 mm) ever deeper
    peaks, widths = [], []
    for _ in range(15):
        electrodes, unit = Electrodes.draw(rng), Unit.draw(rng)
        seed = int(rng.integers(1 << 30))
        row = [motor_unit_potential(4000.0, electrodes, Unit(
            depth, unit.lateral_mm, 2.0, unit.velocity_m_s, unit.delay_sd_s, unit.fibres),
            np.random.default_rng(seed)) for depth in (4.0, 7.0, 10.0, 13.0)]
        peaks.append([np.max(np.abs(w)) for w in row])
        widths.append([extent_s(w, 4000.0, 0.5) for w in row])
    assert np.all(np.diff(peaks, axis=1) < 0)  # smaller with depth, every unit
    assert np.all(np.diff(np.median(widths, axis=0)) > 0)  # and wider


@pytest.mark.parametrize("sfreq", (250.0, 1024.0, 4000.0))
def test_measured_noise_has_the_stated_rms_and_a_surface_spectrum(sfreq):
    rec = simulate_family("measured", Scenario(duration_s=20, sfreq=sfreq, n_channels=1,
                                               noise_uv=7.0, seed=1, **QUIET))
    x = rec.data[0] - rec.data[0].mean()
    assert np.std(x) == pytest.approx(7e-6, rel=0.02)
    assert np.std(bandpassed(x, sfreq)[int(sfreq):]) > 0.4 * np.std(x)
    assert rec.events == []


def test_measured_material_ships_with_the_package():
    mat = _measured_material.material()
    assert sum(len(s) for s in mat["noise"]) / mat["noise_sfreq"] > 40
    assert len(mat["muaps"]) >= 10 and len(mat["transients"]) >= 8
    assert _measured_material.MATERIAL.stat().st_size < 300_000
    rng = np.random.default_rng(2)
    for sfreq in (250.0, 2048.0):
        widths = [extent_s(_measured_material.surface_potential(sfreq, rng), sfreq)
                  for _ in range(20)]
        assert 0.003 <= min(widths) and max(widths) <= 0.025


@pytest.mark.parametrize("family", FAMILIES)
def test_muscle_events_carry_most_power_at_20_250_hz(family):
    sfreq = 2048.0
    rec = simulate_family(family, Scenario(
        duration_s=40, sfreq=sfreq, n_channels=1, noise_uv=0, seed=4,
        **{**QUIET, "spasms_per_min": 6, "bursts_per_min": 3}))
    muscle = [e for e in rec.events if e.label in ("spasm", "burst")]
    assert muscle
    for ev in muscle:
        seg = rec.data[0, int(ev.onset * sfreq):int(ev.offset * sfreq)]
        power = np.abs(np.fft.rfft(seg - seg.mean())) ** 2
        f = np.fft.rfftfreq(len(seg), 1 / sfreq)
        assert power[(f >= 20) & (f <= 250)].sum() > 0.7 * power.sum()


@pytest.mark.parametrize("family", FAMILIES)
def test_snr_truth_matches_a_direct_measurement(family):
    sfreq = 2000.0
    rec = simulate_family(family, Scenario(
        duration_s=60, sfreq=sfreq, n_channels=1, noise_uv=6.0, seed=5,
        **{**QUIET, "fasciculations_per_min": 60}))
    y = bandpassed(rec.data[0], sfreq)
    fasc = [e for e in rec.events if e.label == "fasciculation"]
    quiet = np.ones(len(y), bool)
    quiet[:int(0.3 * sfreq)] = False
    for e in fasc:
        quiet[int((e.onset - 0.05) * sfreq):int((e.offset + 0.15) * sfreq)] = False
    floor = np.sqrt(np.mean(y[quiet] ** 2))
    ratios = []
    for e in fasc:
        window = y[int((e.onset - 0.01) * sfreq):int((e.offset + 0.04) * sfreq)]
        ratios.append(np.max(np.abs(window)) / floor / e.snr)
        assert np.max(np.abs(window)) * 1e6 == pytest.approx(e.peak_uv, abs=4 * floor * 1e6)
    ratios = np.array(ratios)
    strong = np.array([e.snr >= 20 for e in fasc])
    assert strong.sum() >= 5 and np.all(np.abs(ratios[strong] - 1) < 0.2)
    assert np.median(ratios) == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("family", NEW)
def test_fasciculation_snr_spans_3_to_50(family):
    rec = simulate_family(family, Scenario(
        duration_s=120, sfreq=1000.0, n_channels=2, seed=6,
        **{**QUIET, "fasciculations_per_min": 90}))
    snr = np.array([e.snr for e in rec.events if e.label == "fasciculation"])
    assert snr.min() < 4 and snr.max() > 35
    assert 2.5 <= snr.min() and snr.max() <= 55
    assert np.sum(snr < 10) > 0.3 * len(snr)  # log-uniform: low SNRs are common


def test_schedule_draws_trains_long_and_mixed_spasms():
    rng = np.random.default_rng(0)
    timeline = _schedule.Timeline(3600.0)
    plans = _schedule.draw_spasms(3.0, 3600.0, timeline, rng)
    assert {p.subtype for p in plans} == set(SPASM_SUBTYPES)
    gaps = np.array([b.start_s - a.start_s - a.length_s
                     for a, b in itertools.pairwise(plans)])
    assert np.sum((gaps >= 0.6) & (gaps <= 3.0)) > 10  # trains
    assert any(p.length_s >= 60 for p in plans)  # minutes-long spasms
    for p in plans:
        assert 3.0 <= min(p.clonus_hz) and max(p.clonus_hz) <= 8.0
        assert 0.005 <= p.dispersion_s <= 0.020
        kinds = [k for k, _, _ in p.stretches]
        if p.subtype == "mixed":
            assert len(kinds) >= 2 and all(a != b for a, b in itertools.pairwise(kinds))
            assert all(b - a >= 0.5 - 1e-9 for _, a, b in p.stretches)
        else:
            assert kinds == [p.subtype]
    assert any(abs(p.clonus_hz[1] - p.clonus_hz[0]) > 1.0 for p in plans)  # drift


def test_clonus_drifts_and_volleys_disperse():
    rng = np.random.default_rng(1)
    cycles = _firing.clonus_cycles(10.0, 3.5, 7.0, rng)
    rate = 1 / np.diff(cycles)
    assert np.median(rate[:5]) < 4.5 and np.median(rate[-5:]) > 6.0
    assert rate.min() > 2.5 and rate.max() < 9.0
    pool = _firing.FiringPool(60, rng)
    times = pool.volleys(cycles, np.ones(len(cycles)), 0.012, rng)
    first = np.concatenate([t[np.searchsorted(t, cycles - 0.05)[:-1]] - cycles[:-1]
                            for t in times])
    first = first[np.abs(first) < 0.05]
    assert np.std(first) == pytest.approx(0.012, rel=0.25)


def test_measured_mains_drifts_with_harmonics_up_to_the_7th():
    sfreq = 2000.0
    rec = simulate_family("measured", Scenario(
        duration_s=20, sfreq=sfreq, n_channels=1, noise_uv=1.0, seed=2,
        **{**QUIET, "mains_hz": 60.0, "mains_uv": 100.0}))
    power = np.abs(np.fft.rfft(rec.data[0] - rec.data[0].mean())) ** 2
    f = np.fft.rfftfreq(len(rec.data[0]), 1 / sfreq)
    background = np.median(power[(f > 20) & (f < 900)])
    for k in (1, 3, 5, 7):
        near = np.abs(f - 60.0 * k) < 0.25 * k + 0.5
        assert power[near].max() > 100 * background
    spectrum = np.fft.rfft(rec.data[0]) * (np.abs(f - 60.0) < 5.0)
    phase = np.unwrap(np.angle(signal.hilbert(np.fft.irfft(spectrum, len(f) * 2 - 2))))
    freq = np.convolve(np.diff(phase) * sfreq / (2 * np.pi), np.ones(2000) / 2000, "valid")
    drift = freq[4000:-4000] - 60.0
    assert np.ptp(drift) > 0.01 and np.max(np.abs(drift)) < 0.25


def _fundamental_phase(x, sfreq, mains_hz):
    f = np.fft.rfftfreq(len(x), 1 / sfreq)
    line = np.fft.irfft(np.fft.rfft(x) * (np.abs(f - mains_hz) < 5.0), len(x))
    return np.unwrap(np.angle(signal.hilbert(line)))


@pytest.mark.parametrize("family", NEW)
def test_every_channel_picks_up_the_same_grid(family):
    # one grid feeds every electrode: its frequency drifts the same on all
    # channels, so the phase between two channels' lines stays put (their
    # couplings differ); with a drift of its own per channel it would wander
    # by up to 0.4 Hz x 60 s
    sfreq = 1000.0
    rec = simulate_family(family, Scenario(
        duration_s=60, sfreq=sfreq, n_channels=3, noise_uv=1.0, seed=4,
        **{**QUIET, "mains_hz": 50.0, "mains_uv": 100.0}))
    phases = [_fundamental_phase(x, sfreq, 50.0)[2000:-2000] for x in rec.data]
    for other in phases[1:]:
        between = other - phases[0]
        assert np.ptp(between) < 0.5
    # the line's own frequency still drifts (measured) or sits off nominal (volume)
    freq = np.diff(phases[0]).mean() * sfreq / (2 * np.pi)
    assert abs(freq - 50.0) < 0.25
