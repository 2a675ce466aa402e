"""The burst kernel's parameters, derived from the configuration.

Every number here either comes from :class:`~emgspasm.engine.config.DetectorConfig`
or is a named constant whose comment says where its value comes from.
"""

import numpy as np
from scipy import stats

from ..dsp import _design
from .layout import PARAMS

#: The noise tracker sits at this percentile of the envelope's mean square:
#: low enough that bursts (which are sparse at rest) hardly move it, high
#: enough to be estimated within seconds.
NOISE_QUANTILE = 0.2
#: During a burst the tracker moves at this fraction of its rate, so the
#: burst does not drag it up but a lasting rise of the noise is followed.
ACTIVE_RATE = 0.1
#: In the first seconds the tracker moves this many times faster (decaying
#: over ``WARM_S``), so it settles before the first events matter.
WARM_GAIN = 200.0
WARM_S = 2.0
#: Activity segments (clonus modulation, spasm confirmation) are this long:
#: a tenth of the slowest clonus period, 1 / (3 Hz) / 10 rounded down.
SEGMENT_S = 0.025
#: Flagged runs closer than this are one bad stretch.
BAD_MERGE_S = 0.1
#: The 2-20 Hz background tracker's time constant: some 70 correlation times
#: of that band (1 / (2 x 18 Hz) = 28 ms), short enough to follow breathing
#: and posture changes.
LOWBAND_BACKGROUND_S = 2.0
#: Sustained activity is judged over this window: three of the longest
#: intervals between discharges of a firing motor unit (units fire at no
#: less than about 6 per second, De Luca & Hostage 2010), so every unit of a
#: weak contraction shows in it, and one R-R interval at 120 beats a minute,
#: so a QRS complex (80-120 ms, and its shoulders) covers at most a third.
SUSTAIN_S = 0.5
#: A sample is active when the envelope exceeds what the channel's own
#: background exceeds this often: a percentile tracked on its quiet
#: samples, so coloured noise, mains residue and ECG tails set it, not a
#: chi-square model of white noise...
SUSTAIN_FALSE_P = 0.15
#: ... and activity is sustained once 45 % of the window is active, and ends
#: when 30 % or less is. The background's share is 15 %, give or take 4.6 %
#: (some 60 independent 8 ms windows in 0.5 s), so 45 % is 6.5 of its
#: standard deviations above it; a QRS complex with its shoulders (a third
#: of the window at most) over the background makes 0.33 + 0.67 x 0.15 = 43 %,
#: still short. A weak contraction whose few units cross the envelope's 85th
#: percentile only while they discharge is found; at the 95th percentile
#: and half the window it was not, and such spasms were split.
SUSTAIN_ON_SHARE, SUSTAIN_OFF_SHARE = 0.45, 0.3
#: The power test (see :mod:`~emgspasm.engine.detect._kernels`): the mean
#: square of the window's quiet samples begins sustained activity at twice
#: its reference and keeps it down to 1.5 times. Over noise alone that mean
#: is the noise floor's mean square, give or take 12-18 % (at least 30 %
#: of the window: some 18 independent 8 ms windows, each a chi-square of
#: 2 B T = 3-7 degrees of freedom, 500 Hz to 2 kHz), so twice it is more
#: than five of its standard deviations above; a weak contraction whose
#: envelope is 1.4 times the noise's RMS (well under the off threshold,
#: 2.5) doubles it.
SUSTAIN_POWER_ON, SUSTAIN_POWER_OFF = 2.0, 1.5
#: The power test judges once this share of its window is quiet samples
#: (some 18 independent envelope windows at 0.5 s, see above).
SUSTAIN_POWER_MIN_SHARE = 0.3
#: The power test's reference is at least this fraction of the recent
#: bursts' mean square (the peak of each ended burst's, decaying with
#: ``SUSTAIN_BURST_DECAY_S``), so the test starts at 5 % of it. Between
#: the bursts of a walk the hamstrings rest at 1.5 % of the bursts' power
#: (median; 90th percentile 3.2 %: biceps femoris and semitendinosus of
#: the real gait recording in ``../shared/data/real``), and the
#: under-threshold stretches of the simulated spasms that were cut apart
#: sit at 13-100 % of the pieces around them. Chosen with that real
#: recording (at 0 every walk became one long spasm, at 0.0125 it was no
#: longer reported as rhythmic), so it is no longer held out.
SUSTAIN_POWER_REL = 0.025
#: Time constant of that peak's decay: a few steps of a walk (about one
#: per second), so one strong burst does not mute the test for long.
SUSTAIN_BURST_DECAY_S = 2.0
#: The thresholds also stay above this fraction of the envelope's RMS
#: over the chain's ring-down time (its mean square, averaged with that
#: time constant). The notches ring with the energy a burst put in their
#: bands, not with its peak: after a broadband burst of a few hundred ms
#: they ring at 0.3 of its RMS 20 ms on and 0.16 at 100 ms (Q 30, 500 Hz
#: to 2 kHz; ``DSPChain`` on white noise), and the mains tracker, misled
#: by the burst under a strong line, lets up to as much mains through for
#: a few hundred ms more (measured on the ``measured`` family: tails at
#: 0.35-0.5 of the burst's RMS). The peak-hold follows a brief discharge's
#: ring, but decays through a long burst and let such tails hold a 0.3 s
#: myoclonic burst above the off threshold past ``min_spasm_s``. Only the
#: notches ring that long: with none, the chain's ring-down is the
#: band-pass's (16 ms for a 20 Hz edge), shorter than ``NOTCH_RING_MIN_S``,
#: and the floor would only trim the tail of every discharge.
RING_MEAN_FRACTION = 0.5
#: A ring-down this long or longer is the notches' (see above).
NOTCH_RING_MIN_S = 0.05
#: Peak SNRs in the table of :func:`tail_excess` (log-spaced; the ring's
#: extent is a step function of the SNR at one-sample steps).
TAIL_TABLE = 64


def kernel_params(sfreq, config, band_hz):
    """The :data:`~emgspasm.engine.detect.layout.PARAMS` row for a stream.

    Parameters
    ----------
    sfreq : float
    config : Config
    band_hz : tuple of float
        Band of the filtered signal (low, high).

    Returns
    -------
    params : ndarray of PARAMS, shape (1,)
        ``ring_decay`` is set per chunk, from the chain's output.
    """
    d = config.detector
    prm = np.zeros(1, PARAMS)
    p = prm[0]
    window = max(3, round(d.window_s * sfreq))
    # the envelope's mean square over a window is a chi-square variate with
    # about 2 B T degrees of freedom (B the band, T the window)
    dof = float(np.clip(2 * (band_hz[1] - band_hz[0]) * window / sfreq, 1, window))
    p["on2"] = d.on_snr ** 2
    p["off2"] = d.off_snr ** 2
    p["qcorr"] = stats.chi2.ppf(NOISE_QUANTILE, dof) / dof
    up = 1.0 / (d.noise_adapt_s * sfreq)
    ratio = (1 - NOISE_QUANTILE) / NOISE_QUANTILE
    p["eta_up"] = up
    p["down_ratio"] = ratio
    p["active_rate"] = ACTIVE_RATE
    p["warm_gain"] = WARM_GAIN
    p["warm_n"] = WARM_S * sfreq
    p["up_idle"] = np.exp(up)
    p["down_idle"] = np.exp(-up * ratio)
    p["up_active"] = np.exp(up * ACTIVE_RATE)
    p["down_active"] = np.exp(-up * ACTIVE_RATE * ratio)
    p["ring_frac2"] = d.ring_fraction ** 2
    p["window"] = window
    p["hangover"] = max(1, round(d.hangover_s * sfreq))
    p["fasc_max"] = round(fasc_max_s(sfreq, config) * sfreq)
    # 0: never (t - rise + 1 is at least 1)
    p["due"] = max(1, round(d.report_due_s * sfreq)) if d.report_due_s > 0 else 0
    p["segment"] = max(1, round(SEGMENT_S * sfreq))
    p["recent"] = round(d.merge_gap_s * sfreq)
    p["bad_merge"] = round(BAD_MERGE_S * sfreq)
    p["short"] = max(2, window // 2)
    p["lo_span"] = max(1.0, LOWBAND_BACKGROUND_S * sfreq)
    length = max(4, round(SUSTAIN_S * sfreq))
    p["sus_len"] = length
    # the percentile settles where up x P(above) = down x P(below); it falls
    # at the noise tracker's rate, and rises this many times faster
    p["hi_up"] = (1.0 - SUSTAIN_FALSE_P) / SUSTAIN_FALSE_P
    p["hi_up_idle"] = np.exp(up * p["hi_up"])
    p["hi_down_idle"] = np.exp(-up)
    p["hi_up_active"] = np.exp(up * ACTIVE_RATE * p["hi_up"])
    p["hi_down_active"] = np.exp(-up * ACTIVE_RATE)
    p["sus_on"] = round(SUSTAIN_ON_SHARE * length)
    p["sus_off"] = round(SUSTAIN_OFF_SHARE * length)
    p["pow_on"] = SUSTAIN_POWER_ON
    p["pow_off"] = SUSTAIN_POWER_OFF
    p["pow_min"] = round(SUSTAIN_POWER_MIN_SHARE * length)
    p["pow_rel"] = SUSTAIN_POWER_REL
    p["pow_decay"] = np.exp(-1.0 / (SUSTAIN_BURST_DECAY_S * sfreq))
    return prm


def fasc_max_s(sfreq, config):
    """Longest activity of one discharge: ``detector.fasc_max_s`` plus what a
    band clipped below Nyquist adds to any discharge's ring (see
    :func:`~emgspasm.engine.dsp._design.bandpass_smear_s`)."""
    d, filt = config.detector, config.filters
    return d.fasc_max_s + _design.bandpass_smear_s(
        sfreq, filt.bandpass_low_hz, filt.bandpass_high_hz, filt.bandpass_order,
        d.window_s, d.ring_fraction)


def tail_excess(sfreq, config):
    """How much longer than a just-detected discharge a stronger one stays
    above the off threshold, by the band-pass's ring alone.

    A discharge whose envelope peaks at ``snr`` times the noise stays above
    the off threshold while the ring is above ``off_snr / snr`` of its peak
    (:func:`~emgspasm.engine.dsp._design.ring_extent_s`); one at the on
    threshold, while it is above ``off_snr / on_snr``.

    Returns
    -------
    log_snr, excess_s : ndarray
        A table over peak SNRs from the on threshold to 1000, for
        ``np.interp`` in ``log(snr)``.
    """
    d, filt = config.detector, config.filters
    snr = np.geomspace(d.on_snr, max(1000.0, 2 * d.on_snr), TAIL_TABLE)
    extent = _design.ring_extent_s(
        sfreq, filt.bandpass_low_hz, filt.bandpass_high_hz, filt.bandpass_order,
        d.window_s, np.minimum(1.0, d.off_snr / snr))
    return np.log(snr), np.maximum(0.0, extent - extent[0])


def ring_mean_frac2(ring_time_s):
    """``ring_mean_frac2`` of :data:`~emgspasm.engine.detect.layout.PARAMS`
    for a chain whose slowest ring-down has time constant ``ring_time_s``:
    ``RING_MEAN_FRACTION`` squared when that is the notches' ring."""
    return RING_MEAN_FRACTION ** 2 if ring_time_s >= NOTCH_RING_MIN_S else 0.0


def ring_decay(ring_time_s, sfreq):
    """Per-sample decay of the envelope's peak-hold (a mean square, hence the 2)
    for a chain whose slowest ring-down has amplitude time constant ``ring_time_s``."""
    return np.exp(-2.0 / (ring_time_s * sfreq))
