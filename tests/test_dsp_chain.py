import numpy as np
import pytest
from conftest import random_splits
from scipy import signal

import naive
from emgspasm.engine.config import Config
from emgspasm.engine.dsp import _design
from emgspasm.engine.dsp.chain import DSPChain
from emgspasm.errors import ConfigError, InputDataError

FIELDS = ("filtered", "lowband", "rms", "tkeo", "flags")

CONFIGS = {
    "default-auto": {},
    "notch-50": {"filters.notch": 50},
    "notch-60-no-harmonics": {"filters.notch": 60, "filters.notch_harmonics": False},
    "off-narrow": {"filters.notch": "off", "filters.bandpass_low_hz": 30,
                   "filters.bandpass_high_hz": 300, "filters.bandpass_order": 2,
                   "envelope.rms_window_s": 0.013},
}


def emg_like(rng, n_ch, n, sfreq, mains=50.0):
    t = np.arange(n) / sfreq
    x = rng.standard_normal((n_ch, n)) * 20e-6
    x += 150e-6 * np.sin(2 * np.pi * mains * t + rng.random((n_ch, 1)))
    x += 60e-6 * np.sin(2 * np.pi * 3 * mains * t + rng.random((n_ch, 1)))
    x += 2e-3 + 5e-4 * np.sin(2 * np.pi * 0.3 * t)
    return x


def tracked_from(chain, start):
    """What :func:`naive.cascade` needs to follow ``chain``'s mains tracker."""
    if chain.mains.mains_hz is None:
        return None
    return (start, chain.sfreq, chain.mains.mains_hz,
            chain.mains.mains_hz / chain.config.filters.notch_q,
            chain.bandpass_high_hz - chain.config.filters.bandpass_low_hz, chain._notch_k)


def run_whole(chain, x):
    return chain.process(x)


def run_split(chain, x, splits):
    outs = [chain.process(x[:, a:b]) for a, b in splits]
    return {f: np.concatenate([getattr(o, f) for o in outs], axis=1) for f in FIELDS}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("sfreq", [250.0, 2000.0])
def test_chunk_invariance(name, sfreq, rng):
    cfg = Config().with_overrides({**CONFIGS[name], "filters.notch_auto_s": 0.5})
    x = emg_like(rng, 3, int(sfreq * 1.5), sfreq)
    x[1, 100:110] = np.nan
    whole_chain = DSPChain(sfreq, ["a", "b", "c"], cfg)
    whole = run_whole(whole_chain, x)
    for trial in range(3):
        if trial == 0:
            splits = [(i, i + 1) for i in range(x.shape[1])]
        else:
            splits = random_splits(rng, x.shape[1])
        chain = DSPChain(sfreq, ["a", "b", "c"], cfg)
        parts = run_split(chain, x, splits)
        for f in FIELDS:
            np.testing.assert_allclose(parts[f], getattr(whole, f), rtol=1e-12,
                                       atol=0, err_msg=f)
        for key, value in whole_chain.state().items():
            np.testing.assert_allclose(chain.state()[key], value, rtol=1e-12,
                                       atol=0, err_msg=key)
        assert chain.mains == whole_chain.mains


@pytest.mark.parametrize("name", ["notch-50", "notch-60-no-harmonics", "off-narrow"])
def test_matches_scipy_reference(name, rng):
    sfreq = 1000.0
    cfg = Config().with_overrides(CONFIGS[name])
    x = emg_like(rng, 2, 3000, sfreq)
    x[0, 500:520] = np.inf
    x[1, 0] = np.nan
    chain = DSPChain(sfreq, ["a", "b"], cfg)
    out = chain.process(x)
    q = cfg.quality
    repaired, flags = naive.repair_and_flag(x, q.clip_level_v, q.clip_run,
                                            round(q.flat_s * sfreq))
    sos = chain._designed_sos
    ref = naive.cascade([(sos, np.ones(len(sos), bool), x.shape[1])], repaired,
                        track=tracked_from(chain, 0))
    scale = np.max(np.abs(ref))
    np.testing.assert_allclose(out.filtered, ref, rtol=0, atol=1e-12 * scale)
    window = round(cfg.envelope.rms_window_s * sfreq)
    np.testing.assert_allclose(out.rms, naive.moving_rms(ref, window),
                               rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(out.tkeo, naive.tkeo(ref), rtol=0,
                               atol=1e-12 * scale ** 2)
    np.testing.assert_array_equal(out.flags, flags)


@pytest.mark.parametrize("sfreq, decim", [
    (500.0, 1), (1000.0, 2), (2000.0, 4), (4000.0, 8),
    pytest.param(10000.0, 20, marks=pytest.mark.slow)])
def test_artifact_band_matches_reference(sfreq, decim, rng):
    x = emg_like(rng, 2, int(3 * sfreq) + 3, sfreq)
    x[0, 50:57] = np.nan
    chain = DSPChain(sfreq, ["a", "b"])
    assert _design.artifact_band_decimation(sfreq) == decim
    out = chain.process(x)
    repaired, _ = naive.repair_and_flag(x, 0.0, 3, round(0.1 * sfreq))
    ref = naive.artifact_band(repaired, decim, _design.artifact_band_sos(sfreq))
    np.testing.assert_allclose(out.lowband, ref, rtol=0,
                               atol=1e-12 * np.max(np.abs(ref)))


def test_artifact_band_passes_its_band_and_not_muscle(rng):
    # a 10 Hz sine comes through near unity gain; broadband "muscle" above
    # 60 Hz (incl. near the decimated rate, which folds onto the band) does not
    sfreq = 2000.0
    t = np.arange(int(10 * sfreq)) / sfreq
    slow = 100e-6 * np.sin(2 * np.pi * 10 * t)
    muscle = signal.sosfilt(signal.butter(4, [60, 700], "bandpass", fs=sfreq,
                                          output="sos"),
                            rng.standard_normal(t.size)) * 100e-6
    out = DSPChain(sfreq, ["a", "b"]).process(np.vstack([slow, muscle]))
    settled = slice(int(2 * sfreq), None)
    gain = np.std(out.lowband[0, settled]) / np.std(slow[settled])
    leak = np.std(out.lowband[1, settled]) / np.std(muscle[settled])
    assert 0.9 < gain < 1.1
    assert leak < 0.02


def test_auto_notch_matches_reference_across_the_switch(rng):
    sfreq = 1000.0
    cfg = Config().with_overrides({"filters.notch_auto_s": 1.0})
    x = emg_like(rng, 2, 3000, sfreq, mains=60.0)
    chain = DSPChain(sfreq, ["a", "b"], cfg)
    before = chain._enabled.astype(bool)
    out = chain.process(x)
    assert chain.mains.mains_hz == 60.0
    assert chain.mains.decided_at_s == 1.0
    assert chain.mains.harmonics == (1, 3)
    assert chain.notch_frequencies == [60.0, 180.0]
    sos = chain._designed_sos
    after = chain._enabled.astype(bool)
    assert 0 < after.sum() < before.sum()
    ref = naive.cascade([(sos, before, 1000), (sos, after, 2000)], x,
                        track=tracked_from(chain, 1000))
    np.testing.assert_allclose(out.filtered, ref, rtol=0,
                               atol=1e-12 * np.max(np.abs(ref)))


@pytest.mark.parametrize("mains", [50.0, 60.0, None])
def test_auto_notch_decides_and_reports(mains, rng):
    sfreq = 2000.0
    n = 3 * int(sfreq)
    t = np.arange(n) / sfreq
    x = rng.standard_normal((2, n)) * 10e-6
    if mains:
        x += 50e-6 * np.sin(2 * np.pi * mains * t) + 20e-6 * np.sin(2 * np.pi * 3 * mains * t)
    # a strong broadband burst during the decision window must not fool it
    x[:, 1000:2500] += rng.standard_normal((2, 1500)) * 300e-6
    chain = DSPChain(sfreq, ["a", "b"])
    assert chain.mains.mains_hz is None and chain.notch_frequencies
    out = chain.process(x)
    assert chain.mains.mode == "auto"
    assert chain.mains.mains_hz == mains
    if mains:
        assert chain.notch_frequencies[0] == mains
        assert 40 < chain.mains.level_uv < 60
        tail = out.filtered[:, -2000:]
        spectrum = np.abs(np.fft.rfft(tail, axis=1)).mean(axis=0)
        freqs = np.fft.rfftfreq(tail.shape[1], 1 / sfreq)
        line = spectrum[np.argmin(np.abs(freqs - mains))]
        assert line < 3 * np.median(spectrum[(freqs > 30) & (freqs < 400)])
    else:
        assert chain.notch_frequencies == []


def test_starts_without_transient():
    sfreq = 2000.0
    x = np.full((1, 4000), 0.05)  # a 50 mV electrode offset from the first sample
    x[0] += 5e-6 * np.sin(2 * np.pi * 100 * np.arange(4000) / sfreq)
    out = DSPChain(sfreq, ["a"], Config().with_overrides({"filters.notch": "off"})).process(x)
    assert np.max(np.abs(out.filtered)) < 1e-5
    assert np.max(out.rms) < 1e-5


def test_nan_does_not_poison_state(rng):
    sfreq = 1000.0
    x = rng.standard_normal((2, 4000)) * 10e-6
    x[0, 1000:1500] = np.nan
    out = DSPChain(sfreq, ["a", "b"]).process(x)
    assert np.all(np.isfinite(out.filtered))
    assert np.all(out.flags[0, 1000:1500] & 1)
    assert not np.any(out.flags[0, :1000] & 1)
    assert not np.any(out.flags[1] & 1)
    late = out.rms[0, 2500:]
    assert np.all(late > 1e-6) and np.all(late < 3e-5)


def test_flags_clipping_and_flat_channel(rng):
    sfreq = 1000.0
    x = rng.standard_normal((3, 3000)) * 10e-6
    x[0, 1000:1100] = np.clip(x[0, 1000:1100] * 1000, -2e-3, 2e-3)
    x[0, 1000] = 2e-3
    x[1, 2000:] = 1.5e-3
    out = DSPChain(sfreq, ["a", "b", "c"]).process(x)
    clipped = out.flags[0] & 2
    assert clipped[1000:1100].sum() > 10
    assert clipped[:1000].sum() == 0
    flat = (out.flags[1] & 4) > 0
    first = np.flatnonzero(flat)[0]
    assert 2000 + 99 <= first <= 2000 + 101
    assert flat[first:].all()
    assert not out.flags[2].any()


def test_integer_counts_need_and_use_scale(rng):
    counts = (rng.standard_normal((2, 500)) * 200).astype(np.int16)
    with pytest.raises(InputDataError, match="adc_scale"):
        DSPChain(1000.0, ["a", "b"]).process(counts)
    scaled = DSPChain(1000.0, ["a", "b"], adc_scale=1e-7).process(counts)
    volts = DSPChain(1000.0, ["a", "b"]).process(counts * 1e-7)
    np.testing.assert_allclose(scaled.filtered, volts.filtered, rtol=1e-12, atol=1e-20)


def test_float32_input(rng):
    x = (rng.standard_normal((1, 300)) * 1e-5).astype(np.float32)
    a = DSPChain(1000.0, ["a"]).process(x)
    b = DSPChain(1000.0, ["a"]).process(x.astype(np.float64))
    np.testing.assert_array_equal(a.filtered, b.filtered)


@pytest.mark.parametrize("n_ch", [1, 64])
def test_channel_counts_and_empty_chunks(n_ch, rng):
    chain = DSPChain(4000.0, [f"e{i}" for i in range(n_ch)])
    empty = chain.process(np.zeros((n_ch, 0)))
    assert empty.filtered.shape == (n_ch, 0) and empty.start == 0
    out = chain.process(rng.standard_normal((n_ch, 10)) * 1e-5)
    assert out.flags.shape == (n_ch, 10) and out.start == 0
    assert chain.process(np.zeros((n_ch, 1))).start == 10


def test_reset_restarts_the_stream(rng):
    x = rng.standard_normal((2, 2500)) * 1e-5
    chain = DSPChain(1000.0, ["a", "b"])
    first = chain.process(x)
    chain.process(rng.standard_normal((2, 700)))
    chain.reset()
    assert chain.samples_seen == 0
    again = chain.process(x)
    np.testing.assert_array_equal(first.filtered, again.filtered)
    fresh = DSPChain(1000.0, ["a", "b"])
    fresh.process(x)
    assert chain.mains == fresh.mains
    for key, value in fresh.state().items():
        np.testing.assert_array_equal(chain.state()[key], value, err_msg=key)


def test_low_sampling_rates_clip_the_upper_edge():
    for sfreq, expected in [(250.0, 112.5), (500.0, 225.0), (2000.0, 450.0)]:
        chain = DSPChain(sfreq, ["a"])
        assert chain.bandpass_high_hz == expected
        assert all(f < sfreq / 2 for f in chain.notch_frequencies)


def test_bad_arguments_name_the_parameter():
    with pytest.raises(ConfigError, match="'sfreq' parameter.*got 10"):
        DSPChain(10, ["a"])
    with pytest.raises(ConfigError, match="unique"):
        DSPChain(1000, ["a", "a"])
    with pytest.raises(ConfigError, match="ch_names"):
        DSPChain(1000, [])
    with pytest.raises(InputDataError, match=r"Expected \(n_channels=2, n_samples\), got \(3, 5\)"):
        DSPChain(1000, ["a", "b"]).process(np.zeros((3, 5)))
    with pytest.raises(InputDataError, match="complex"):
        DSPChain(1000, ["a"]).process(np.zeros((1, 5), complex))
    with pytest.raises(ConfigError, match="bandpass_low_hz"):
        DSPChain(100, ["a"], Config().with_overrides({"filters.bandpass_low_hz": 60}))


def test_scipy_design_is_used_once():
    chain = DSPChain(2000.0, ["a"], Config().with_overrides({"filters.notch": 50}))
    bp = signal.butter(4, [20, 450], "bandpass", fs=2000.0, output="sos")
    np.testing.assert_array_equal(chain._sos[:len(bp)], bp)
    assert chain.notch_frequencies == [50.0 * k for k in range(1, 20)]


def test_ten_kilohertz_and_harmonics_below_nyquist(rng):
    sfreq = 10000.0
    cfg = Config().with_overrides({"filters.notch": 60})
    x = emg_like(rng, 2, 5000, sfreq, mains=60.0)
    whole = DSPChain(sfreq, ["a", "b"], cfg)
    out = whole.process(x)
    assert max(whole.notch_frequencies) < sfreq / 2 and len(whole.notch_frequencies) == 81
    parts = run_split(DSPChain(sfreq, ["a", "b"], cfg), x, random_splits(rng, 5000, 700))
    for f in FIELDS:
        np.testing.assert_allclose(parts[f], getattr(out, f), rtol=1e-12, atol=0)


def drifting_mains(n, sfreq, rng, drift_hz=0.2, period_s=10.0):
    """Mains whose fundamental swings by ``drift_hz`` around 50 Hz, with odd
    harmonics up to the 7th; returns the signal (V) and the offset (Hz)."""
    t = np.arange(n) / sfreq
    offset = drift_hz * np.sin(2 * np.pi * t / period_s)
    phase = 2 * np.pi * np.cumsum(50.0 + offset) / sfreq
    x = np.zeros(n)
    for k, amp in ((1, 200e-6), (3, 80e-6), (5, 30e-6), (7, 20e-6)):
        x += amp * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    return x, offset


def test_notches_follow_drifting_mains(rng):
    sfreq, n = 2000.0, 24000
    line, offset = drifting_mains(n, sfreq, rng)
    noise = rng.standard_normal(n) * 5e-6
    x = np.vstack([line + noise, 0.5 * line + noise])
    chain = DSPChain(sfreq, ["a", "b"])
    offsets, outs = [], []
    for a in range(0, n, 1000):
        outs.append(chain.process(x[:, a:a + 1000]).filtered)
        offsets.append(chain.mains_offset_hz)
    assert chain.mains.mains_hz == 50.0
    filtered = np.concatenate(outs, axis=1)
    settled = slice(int(4 * sfreq), None)
    # the tracked offset follows the drift without lag
    lag = 0
    ends = np.arange(1000, n + 1, 1000)
    keep = ends > 4 * sfreq
    np.testing.assert_allclose(np.array(offsets)[keep], offset[ends[keep] - 1 - lag],
                               atol=0.03)
    # what is left is the noise, not the lines
    bp, _ = _design.bandpass_sos(sfreq, 20.0, 450.0, 4)
    noise_band = np.std(signal.sosfilt(bp, noise)[settled])
    assert np.std(filtered[0, settled]) < 1.5 * noise_band
    # fixed notches at 50 Hz and its harmonics (no tracking) leave them in
    sos = chain._designed_sos
    fixed = naive.cascade([(sos, chain._enabled.astype(bool), n)], x)
    assert np.std(fixed[0, settled]) > 5 * noise_band


def test_tracking_matches_reference(rng):
    sfreq, n = 1000.0, 6000
    line, _ = drifting_mains(n, sfreq, rng, drift_hz=0.3, period_s=4.0)
    x = line + rng.standard_normal((2, n)) * 10e-6
    chain = DSPChain(sfreq, ["a", "b"], Config().with_overrides({"filters.notch": 50}))
    out = chain.process(x)
    assert abs(chain.mains_offset_hz) > 0.05
    sos = chain._designed_sos
    ref = naive.cascade([(sos, np.ones(len(sos), bool), n)], x,
                        track=tracked_from(chain, 0))
    np.testing.assert_allclose(out.filtered, ref, rtol=0, atol=1e-9 * np.max(np.abs(ref)))
