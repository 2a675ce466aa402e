"""The detector's rules, one at a time, on numbers chosen by hand."""

from collections import deque

import numpy as np
import pytest
from scipy import signal

from emgspasm.engine.config import Config
from emgspasm.engine.detect.groups import SpasmGroup
from emgspasm.engine.detect.layout import END, Record
from emgspasm.engine.detect.params import tail_excess
from emgspasm.engine.detect.rules import (Burst, added_lowband, artifact_label, beat_locked,
                                          beating, burst_features, clonus_period, discharges,
                                          in_train, looks_artifact, on_rhythm, oversized,
                                          rhythm_period, rides_beat, skips_one_volley,
                                          spasm_subtype, trails_artifact)

SFREQ = 1000.0


def burst(onset=1000, offset=1010, peak=200e-6, lowratio=0.05, freq_hz=120.0, snr=12.0):
    return Burst(onset, offset, peak, lowratio, freq_hz, snr, 0.0)


def test_features_of_a_record():
    # a 100 Hz sine of RMS 1 over its TKEO: the mean frequency comes back
    n = np.arange(400)
    y = np.sin(2 * np.pi * 100 * n / SFREQ)
    tk = y[1:-1] ** 2 - y[:-2] * y[2:]
    rec = Record(kind=END, ch=0, t=420, onset=10, offset=409, peak=1.0, peak_t=110,
                 ehi=float(np.sum(y ** 2)), elo=0.1 * float(np.sum(y ** 2)),
                 etk=float(np.sum(tk)) * 400 / 398, n=400, nflag=100, noise=0.2 * 1e-2,
                 peak_e2=1.0, mod_bp2=0.0, mod_env=0.0, mod_n=0, active=0, bits=0,
                 lo_bg=0.0)
    b = burst_features(rec, SFREQ, qcorr=0.2)
    assert b.freq_hz == pytest.approx(100.0, rel=1e-3)
    assert b.lowratio == pytest.approx(0.1)
    assert b.snr == pytest.approx(10.0)      # sqrt(1 / (0.002 / 0.2))
    assert b.flagged == pytest.approx(0.25)
    assert b.length_s(SFREQ) == pytest.approx(0.4)


def test_added_lowband_is_what_the_background_does_not_explain():
    rng = np.random.default_rng(0)
    # 2-20 Hz background alone, over bursts of 20 ms: the 90th percentile
    # leaves nothing in about 90 % of them
    sos = signal.butter(4, (2.0, 20.0), "bandpass", fs=SFREQ, output="sos")
    lb = signal.sosfilt(sos, rng.standard_normal(int(200 * SFREQ)))[int(SFREQ):]
    background = float(np.median(lb ** 2))
    n = int(0.02 * SFREQ)
    starts = rng.integers(0, len(lb) - n, 2000)
    left = [added_lowband(float(np.sum(lb[a:a + n] ** 2)), background, n, SFREQ)
            for a in starts]
    assert 0.86 <= np.mean(np.array(left) == 0.0) <= 0.94
    # a pop adds far more than its background: most of it is kept
    mean_square = float(np.mean(lb ** 2))
    assert added_lowband(100 * n * mean_square, background, n, SFREQ) > 80 * n * mean_square
    assert added_lowband(1.0, 0.0, n, SFREQ) == 1.0


@pytest.mark.parametrize("lowratio, freq, in_group, expected", [
    (0.05, 120.0, False, False),   # muscle
    (5.0, 120.0, False, True),     # most energy below 20 Hz: a pop or motion
    (0.05, 30.0, False, True),     # low-pitched: the high-pass leak of a step
    (0.05, 30.0, True, False),     # inside a spasm low pitch is a clonic volley
    (5.0, 120.0, True, True),      # a pop inside a spasm is still a pop
])
def test_looks_artifact(lowratio, freq, in_group, expected):
    b = burst(lowratio=lowratio, freq_hz=freq)
    assert looks_artifact(b, in_group, lowratio_limit=3.0, pitch_limit_hz=45.0) is expected


def test_artifact_label():
    kw = dict(looks=False, short=False, dirty=False, oversized=False, trailing=False,
              beat=False, qrs_start=False, carries=False, trailing_label="artifact_ecg")
    brief, long_ = burst(offset=1050), burst(offset=1400)
    assert artifact_label(brief, SFREQ, **kw) is None
    assert artifact_label(brief, SFREQ, **{**kw, "looks": True}) == "artifact_pop"
    assert artifact_label(long_, SFREQ, **{**kw, "looks": True}) == "artifact_motion"
    assert artifact_label(brief, SFREQ, **{**kw, "beat": True, "short": True}) == "artifact_ecg"
    assert artifact_label(brief, SFREQ, **{**kw, "trailing": True}) == "artifact_ecg"
    # on the beat but longer than a discharge: muscle, unless it carries one
    assert artifact_label(brief, SFREQ, **{**kw, "beat": True}) is None
    assert artifact_label(brief, SFREQ, **{**kw, "beat": True, "carries": True}) \
        == "artifact_ecg"
    # a short unclean discharge is an artefact, a long unclean one off the beat is not
    assert artifact_label(brief, SFREQ, **{**kw, "dirty": True, "short": True}) == "artifact_pop"
    assert artifact_label(long_, SFREQ, **{**kw, "dirty": True}) is None
    # too large for one unit: a brief burst is a pop, activity that lasts may be muscle
    assert artifact_label(brief, SFREQ, **{**kw, "oversized": True, "short": True}) \
        == "artifact_pop"
    assert artifact_label(long_, SFREQ, **{**kw, "oversized": True}) is None


def test_oversized():
    assert oversized(burst(peak=2.5e-3), 2e-3)
    assert not oversized(burst(peak=1.5e-3), 2e-3)
    assert not oversized(burst(peak=2.5e-3), 0.0)  # no limit


def test_rides_beat():
    # plain beats: 300 uV, 35 Hz, a fifth of their energy under 20 Hz
    beats = [(300e-6, 35.0, 0.2)] * 5
    rider = burst(peak=700e-6, freq_hz=90.0, lowratio=0.05)
    assert rides_beat(rider, beats, 2e-3)
    assert not rides_beat(rider, beats[:3], 2e-3)                       # rhythm not known yet
    assert not rides_beat(burst(peak=400e-6, freq_hz=90.0, lowratio=0.05), beats, 2e-3)
    assert not rides_beat(burst(peak=700e-6, freq_hz=45.0, lowratio=0.05), beats, 2e-3)
    # a pop on the beat adds energy under 20 Hz
    assert not rides_beat(burst(peak=700e-6, freq_hz=90.0, lowratio=0.4), beats, 2e-3)
    # more than one unit adds over the beat (half the ceiling), unless no ceiling
    big = burst(peak=1.5e-3, freq_hz=90.0, lowratio=0.05)
    assert not rides_beat(big, beats, 2e-3)
    assert rides_beat(big, beats, 0.0)


def test_trails_artifact():
    after = burst(onset=1150, peak=100e-6)
    assert trails_artifact(after, 1000, 300e-6, SFREQ)
    assert not trails_artifact(after, 1000, 150e-6, SFREQ)     # not smaller enough
    assert not trails_artifact(burst(onset=1250, peak=100e-6), 1000, 300e-6, SFREQ)
    # within a QRS's length, anything no larger than the beat is the rest of it
    inside = burst(onset=1090, peak=140e-6)
    assert trails_artifact(inside, 1000, 150e-6, SFREQ)
    assert not trails_artifact(inside, 1000, 130e-6, SFREQ)    # larger than the beat


def test_tail_excess_grows_with_the_peak():
    # the band-pass's ring keeps a stronger discharge above the off threshold
    # longer: nothing extra at the on threshold, some 20 ms at 50x the noise
    log_snr, excess = tail_excess(2000.0, Config())
    assert excess[0] == 0.0 and np.all(np.diff(excess) >= 0)
    assert 0.015 < np.interp(np.log(50.0), log_snr, excess) < 0.03
    assert np.interp(np.log(100.0), log_snr, excess) > 0.035


def test_on_rhythm():
    beats = deque([0, 800, 1610, 2400])           # ~75 bpm, regular
    assert on_rhythm(beats, 3205, SFREQ)          # next beat due
    assert on_rhythm(beats, 4000, SFREQ)          # the one after (one missed)
    assert not on_rhythm(beats, 2900, SFREQ)      # between beats
    assert not on_rhythm(deque([0, 800, 1600]), 2400, SFREQ)    # too few beats
    assert not on_rhythm(deque([0, 300, 1500, 1800]), 2100, SFREQ)  # irregular
    assert not on_rhythm(deque([0, 200, 400, 600]), 800, SFREQ)  # 300 bpm: no heart


def test_a_missed_beat_leaves_the_rhythm_but_an_extra_one_breaks_it():
    # a QRS near the threshold: one beat of five missed, the rhythm stands
    assert rhythm_period(deque([0, 800, 1610, 3200, 4010]), SFREQ) == 800
    assert on_rhythm(deque([0, 800, 1610, 3200, 4010]), 4805, SFREQ)
    # two missed, or a pop between beats (its halves would be 150 bpm): none
    assert rhythm_period(deque([0, 1600, 2400, 3200, 4800]), SFREQ) is None
    assert rhythm_period(deque([0, 800, 1600, 2000, 2400]), SFREQ) is None
    assert rhythm_period(deque([0, 800, 1600, 2400]), SFREQ) == 800


def test_clonus_period():
    volleys = [0, 200, 410, 600, 790]                   # 5 Hz, drifting a little
    assert clonus_period(volleys, SFREQ) == 200
    assert clonus_period(volleys[:4], SFREQ) is None    # too few volleys
    assert clonus_period([0, 200, 300, 600, 800], SFREQ) is None   # irregular
    assert clonus_period([0, 500, 1000, 1500, 2000], SFREQ) is None  # 2 Hz: no clonus
    assert clonus_period([0, 100, 200, 300, 400], SFREQ) is None     # 10 Hz: no clonus


def test_skips_one_volley():
    volleys = [0, 200, 400, 600, 800]
    assert skips_one_volley(volleys, 200, 1200)         # the one at 1000 stayed under
    assert skips_one_volley(volleys, 200, 1160)         # within a fifth of the period
    assert not skips_one_volley(volleys, 200, 1100)     # off the rhythm
    assert not skips_one_volley(volleys, 200, 1400)     # two missed: the clonus is over


def test_a_group_bridges_one_missing_volley_of_its_clonus():
    group = SpasmGroup(onset=0, last_offset=0)
    for onset in range(0, 1000, 200):                   # 5 Hz volleys of 50 ms
        group.add(burst(onset=onset, offset=onset + 50, peak=200e-6), SFREQ)
    assert group.period == 200
    gap = 250                                           # last activity 850: gap ends at 1100
    assert not group.continues(1120, gap, 2000)         # off the rhythm, past the gap
    assert not group.continues(1200, gap, 2000)         # past the gap, but...
    assert group.skips_a_volley(1200, 150e-6)           # ...the volley at 1000 stayed under
    assert not group.skips_a_volley(1120, 150e-6)       # off the rhythm
    assert not group.skips_a_volley(1200, 60e-6)        # too small for a volley (a QRS)
    assert group.closes_at(gap, 2000) == 800 + int(2.2 * 200)
    group.add(burst(onset=1200, offset=1250, peak=150e-6), SFREQ)
    assert list(group.onsets)[-2:] == [1000, 1200]      # the missing volley keeps its place
    assert group.period == 200


def test_beating():
    beats = deque([0, 800, 1610, 2400])           # ~75 bpm, regular
    assert beating(beats, 3000, SFREQ)
    assert beating(beats, 4000, SFREQ)            # one beat missed
    assert not beating(beats, 4100, SFREQ)        # two missed: the rhythm is gone
    assert not beating(deque([0, 300, 1500, 1800]), 2000, SFREQ)   # irregular
    assert not beating(deque([0, 800, 1600]), 2000, SFREQ)          # too few beats


def test_beat_locked():
    # S-wave fragments 84 +- 3 ms after their beats, at 1 kHz
    assert not beat_locked(deque([84, 200]), 85, SFREQ)             # one earlier match
    assert beat_locked(deque([84, 81, 150, 87]), 85, SFREQ)          # three
    assert not beat_locked(deque([84, 81, 150, 87]), 120, SFREQ)     # elsewhere in the R-R
    assert not beat_locked(deque([250, 250, 250]), 250, SFREQ)       # past the beat's tail
    assert not beat_locked(deque([0, 0, 0]), 0, SFREQ)               # the beat itself


def test_in_train():
    assert not in_train(deque([100]), 300, max_gap=350, count=3)
    assert in_train(deque([100, 350]), 600, max_gap=350, count=3)
    assert not in_train(deque([100, 900]), 1100, max_gap=350, count=3)


def test_discharges():
    window = 16
    assert discharges(20, 1.0 * 16, 1.0, window) == "single"
    assert discharges(30, 1.5 * 16, 1.0, window) == "doublet"
    assert discharges(30, 1.1 * 16, 1.0, window) == "single"    # long but not stronger


def segments(depths, per_window=20, n=25, env=1.0):
    """Activity segments whose windows have the given modulation depths."""
    out, t = [], 0
    for depth in depths:
        for _ in range(per_window):
            t += n
            mean = env * n
            out.append((t - 1, (depth * env) ** 2 * n, mean, n))
    return out, t - 1


@pytest.mark.parametrize("depths, expected", [
    ([0.05] * 6, "tonic"), ([0.6] * 6, "clonic"), ([0.05, 0.05, 0.6, 0.6, 0.6, 0.05], "mixed"),
    # one clearly clonic window inside a long tonic spasm, or the reverse
    ([0.15] * 5 + [0.6] + [0.15] * 6, "mixed"), ([0.6] * 5 + [0.1] + [0.6] * 6, "mixed"),
    # ... but not in its first or last window (its rise and fall), nor
    # when the odd window is only just over the cut
    ([0.15] * 11 + [0.6], "tonic"), ([0.15] * 5 + [0.35] + [0.15] * 6, "tonic"),
])
def test_spasm_subtype(depths, expected):
    segs, last = segments(depths)
    assert spasm_subtype(segs, 0, last, SFREQ, clonic_modulation=0.3) == expected


def test_group_lifecycle():
    group = SpasmGroup(onset=1000, last_offset=1000)
    assert group.closing_label(SFREQ, 0.5, 0.04) is None     # no muscle burst yet
    group.add(burst(onset=1000, offset=1300, peak=300e-6, snr=20), SFREQ)
    assert group.continues(1600, 350, 2000) and not group.continues(1700, 350, 2000)
    assert group.closing_label(SFREQ, 0.5, 0.04) == "burst"
    group.add(burst(onset=1600, offset=1900, peak=200e-6, snr=10), SFREQ)
    assert (group.peak, group.snr, group.bursts) == (300e-6, 20, 2)
    assert group.duration_s(SFREQ) == pytest.approx(0.901)
    assert group.closing_label(SFREQ, 0.5, 0.04) == "spasm"


def test_time_hidden_by_an_artefact_is_not_a_gap_in_a_spasm():
    group = SpasmGroup(onset=0, last_offset=1000)
    gap = 350
    assert not group.continues(1000 + gap + 100, gap, 2000)
    group.mask(1050, 1149)              # a QRS of 100 samples after the last activity
    assert group.masked == 100
    assert group.continues(1000 + gap + 100, gap, 2000)
    assert group.closes_at(gap, 2000) == 1000 + 100 + gap
    group.mask(900, 1010)               # only what lies after the last activity counts
    assert group.masked == 110
    group.add(burst(onset=1400, offset=1500), SFREQ)   # muscle again: a new gap starts from it
    assert (group.last_offset, group.masked) == (1500, 0)
    assert group.duration_s(1000.0) == pytest.approx(1.501)   # artefacts add no duration


def test_sustained_activity_holds_a_group_up_to_the_hold_gap():
    group = SpasmGroup(onset=0, last_offset=1000)
    gap, hold = 350, 2000
    assert not group.continues(1000 + gap + 1, gap, hold)
    group.held = True                   # weak activity goes on between bursts
    assert group.continues(1000 + hold, gap, hold)
    assert not group.continues(1000 + hold + 1, gap, hold)
    assert group.closes_at(gap, hold) == 1000 + hold
    group.extend(2500)                  # it ended: its stretch is the group's activity
    group.held = False
    assert group.closes_at(gap, hold) == 2500 + gap
    group.extend(2000)                  # never shortens
    assert group.last_offset == 2500
