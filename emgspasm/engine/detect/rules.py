"""The detector's rules, as pure functions of burst features and history.

Each rule decides one thing from numbers the detector hands it, so it can
be read and tested alone (``tests/test_rules.py``). Where a constant is not
a configuration parameter, its comment says where its value comes from.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..dsp._design import ARTIFACT_BAND_HZ
from ..vocabulary import ARTIFACT_ECG, ARTIFACT_MOTION, ARTIFACT_POP

#: ECG: R-R intervals of 35-170 beats per minute...
ECG_RR_S = (0.35, 1.7)
#: ... regular to within this range over their median (sinus rhythm varies
#: by a few percent beat to beat; 30 % leaves room for one missed beat)...
ECG_RR_SPREAD = 0.3
#: ... and a beat is due within this fraction of the R-R interval.
ECG_RR_TOL = 0.1
#: With one beat missed (an interval twice the others), this many intervals
#: of the last beats must be regular: one more than without, so that three
#: single intervals still set the period.
MISSED_BEAT_INTERVALS = 4
#: Bursts this soon after a brief artefact, and at most this fraction of its
#: peak, belong to it: the S and T waves of a QRS, the ring-down of a pop.
ECG_TRAIL_S = 0.2
ECG_TRAIL_PEAK = 0.5
#: Within the longest QRS complex (120 ms) of a beat's detected onset, a
#: burst no larger than the beat is the rest of the complex: the detected
#: beat can be its first lobes only, when the envelope dips between them
#: (in the ``measured`` family's quiet wear most false fasciculations came
#: 55-95 ms after their beat at 0.5-0.8 of its peak).
QRS_MAX_S = 0.12
#: A brief burst that follows a beat at the same delay as at least three of
#: the last eight brief bursts that followed one (to within the jitter of a
#: beat's detected onset, about a detection window) is part of the beat: a
#: small S or T wave that crosses the threshold now and then, always at its
#: place in the complex. Fasciculations fall at random in the R-R interval.
ECHO_HISTORY, ECHO_MATCHES, ECHO_TOL_S = 8, 3, 0.006
#: Clonus: volleys at 3-8 Hz (the band of the subtype's modulation)...
CLONUS_HZ = (3.0, 8.0)
#: ... regular to within this range over their median over the last four
#: intervals (a clonus's frequency drifts by some 10 % over seconds, and a
#: volley's detected onset moves with its 5-20 ms dispersion)...
CLONUS_SPREAD = 0.35
#: ... and a volley is due within this fraction of the period.
CLONUS_TOL = 0.2
#: A beat carries a motor unit's discharge when, against the median of the
#: channel's last ``BEAT_HISTORY`` plain beats, it peaks over ``RIDER_PEAK``
#: times as high (a QRS varies by some 10-20 % beat to beat with breathing),
#: its band-passed content is ``RIDER_PITCH`` times higher pitched (a QRS
#: leaves 20-40 Hz after the high-pass, a unit's potential 60-200 Hz) and
#: its 2-20 Hz ratio is under ``RIDER_LOWBAND`` of theirs: the unit adds at
#: least the beat's own band-passed energy and nothing below 20 Hz, while a
#: pop on a beat adds its energy there. Its peak may exceed the median
#: beat's by at most ``RIDER_MAX_FRACTION`` of ``fasc_max_uv`` (that ceiling
#: is twice the largest single-unit surface potential; one unit adds one).
BEAT_HISTORY, BEATS_NEEDED = 8, 4
RIDER_PEAK, RIDER_PITCH, RIDER_LOWBAND, RIDER_MAX_FRACTION = 1.5, 1.5, 0.5, 0.5
#: Artefact bursts shorter than this are pops (or ECG): a QRS lasts 60-120 ms;
#: longer ones are motion.
POP_MAX_S = 0.15
#: Subtype windows: two periods of the slowest clonus (3 Hz) and a half.
SUBTYPE_WINDOW_S = 0.5
#: Share of clonic windows above which a spasm is clonic, below which tonic.
CLONIC_SHARE, TONIC_SHARE = 0.7, 0.3
#: A window is clearly tonic under this fraction of ``clonic_modulation``,
#: clearly clonic over this multiple: in ``muap``'s spasms 99 % of tonic
#: windows measure under 0.27 and 99 % of clonic ones over 0.55 (the cut
#: is at 0.3). A spasm with a clearly tonic and a clearly clonic window
#: between its first and last (its rise and fall modulate any envelope) is
#: mixed, whatever the shares: a clonic stretch of half a second in a long
#: tonic spasm, or the reverse, fills one window.
TONIC_CLEAR, CLONIC_CLEAR = 0.8, 1.5
#: The 2-20 Hz energy a burst adds is what exceeds the background's 90th
#: percentile over the burst's length (a chi-square variate with 2 B T degrees
#: of freedom, B the band's width, T the burst's length). The level: at 99 %
#: the allowance (6.6 x the background for a 10 ms burst) also forgave the
#: low-frequency part of small S waves in the ``measured`` family's quiet
#: wear (33 instead of 8 false fasciculations in 10 channel-minutes).
LOWBAND_QUANTILE_Z = 1.2816
#: The background arrives as the median of the band's square: for a Gaussian
#: band that is 0.455 times its mean square (the chi-square median, 1 dof).
CHI2_1_MEDIAN = 0.4549
#: A doublet holds clearly more energy than one peak of its size spread over
#: the detection window would (1.3x), over clearly more than a window of
#: samples (1.6x): the second discharge adds both.
DOUBLET_ENERGY, DOUBLET_LENGTH = 1.3, 1.6


@dataclass
class Burst:
    """What the rules know of one burst.

    Attributes
    ----------
    onset, offset : int
        First and last active sample.
    peak : float
        Largest absolute filtered amplitude (V).
    lowratio : float
        The raw 2-20 Hz energy the burst adds to its background (see
        :func:`added_lowband`), over its band-passed energy.
    freq_hz : float
        Mean frequency of the band-passed content, from the TKEO.
    snr : float
        Peak detection envelope over the channel's noise RMS.
    flagged : float
        Share of the burst's samples with a quality flag.
    """

    onset: int
    offset: int
    peak: float
    lowratio: float
    freq_hz: float
    snr: float
    flagged: float

    def length_s(self, sfreq):
        """Seconds from onset to offset, both included."""
        return (self.offset - self.onset + 1) / sfreq


def burst_features(record, sfreq, qcorr):
    """The :class:`Burst` a kernel record describes.

    The TKEO of a sine ``A sin(w n)`` averages ``A^2 sin^2(w)``, its square
    ``A^2 / 2``: their ratio gives the mean frequency. The noise tracker
    holds a percentile of the envelope's mean square; ``qcorr`` turns it
    into the mean.
    """
    noise2 = record.noise / qcorr
    ehi = max(record.ehi, 1e-300)
    ratio = min(1.0, max(0.0, record.etk / ehi / 2.0))
    return Burst(
        onset=record.onset, offset=max(record.onset, record.offset),
        peak=record.peak,
        lowratio=added_lowband(record.elo, record.lo_bg, record.n, sfreq) / ehi,
        freq_hz=math.asin(math.sqrt(ratio)) * sfreq / (2 * math.pi),
        snr=math.sqrt(record.peak_e2 / noise2) if noise2 > 0 else 0.0,
        flagged=record.nflag / max(1.0, record.n))


def added_lowband(energy, background, n, sfreq):
    """The 2-20 Hz energy of ``n`` samples beyond what their background explains.

    Under the background alone, the band's energy over ``n`` samples is
    ``n * background`` times a chi-square variate over its degrees of
    freedom (2 B T, at least 1); its 90th percentile (Wilson-Hilferty) is
    subtracted, so wander, breathing and ECG tails under a discharge do not
    make it look like a pop.

    Parameters
    ----------
    energy : float
        Sum of squares of the 2-20 Hz band over the burst (V^2).
    background : float
        Median of that band's square before the burst (V^2); its mean
        square under Gaussian background is ``background / CHI2_1_MEDIAN``.
    n : int
        Samples in the burst.
    sfreq : float

    Returns
    -------
    added : float
        At least 0.
    """
    dof = max(1.0, 2.0 * (ARTIFACT_BAND_HZ[1] - ARTIFACT_BAND_HZ[0]) * n / sfreq)
    h = 2.0 / (9.0 * dof)
    q99 = (1.0 - h + LOWBAND_QUANTILE_Z * math.sqrt(h)) ** 3
    return max(0.0, energy - n * background / CHI2_1_MEDIAN * q99)


def looks_artifact(burst, in_group, lowratio_limit, pitch_limit_hz):
    """Too much 2-20 Hz energy, or (outside a spasm) too low a pitch.

    Surface motor-unit potentials carry their energy at 60-200 Hz and almost
    none below 20 Hz; pops, motion and the high-pass leak of a QRS are the
    opposite. Inside a spasm only the 2-20 Hz test counts: synchronised
    clonic volleys are low-pitched muscle.
    """
    if burst.lowratio > lowratio_limit:
        return True
    return not in_group and burst.freq_hz < pitch_limit_hz


def oversized(burst, max_peak_v):
    """Is the burst larger than one motor unit's surface potential can be
    (``max_peak_v`` volts, band-passed; 0: no limit)?"""
    return 0 < max_peak_v < burst.peak


def artifact_label(burst, sfreq, *, looks, short, dirty, oversized, trailing, beat,
                   qrs_start, carries, trailing_label):
    """The artefact a burst is (pop, ECG, motion), or None if it is muscle.

    Parameters
    ----------
    burst : Burst
    sfreq : float
    looks : bool
        :func:`looks_artifact` said so.
    short : bool
        The burst is short enough for a fasciculation.
    dirty : bool
        Its 2-20 Hz ratio is above what a single discharge allows.
    oversized : bool
        Outside a spasm and larger than one motor unit's surface potential
        (:func:`oversized`).
    trailing : bool
        It trails a brief artefact (:func:`trails_artifact`).
    beat : bool
        It falls on the R-R rhythm (or began like a QRS on it).
    qrs_start : bool
        It began like a QRS, on the beat.
    carries : bool
        It falls on the beat and carries a motor unit's discharge
        (:func:`rides_beat`): a beat however long the discharge made it, for
        the caller to report the discharge on it.
    trailing_label : str
        What the artefact it trails was.
    """
    if not (looks or trailing or (dirty and (short or beat)) or (oversized and short)
            or (beat and (short or qrs_start or carries))):
        return None
    if trailing:
        return trailing_label
    if burst.length_s(sfreq) <= POP_MAX_S:
        return ARTIFACT_ECG if beat else ARTIFACT_POP
    return ARTIFACT_MOTION


def rides_beat(burst, beats, fasc_max_v):
    """Does a beat carry a fasciculation?

    Parameters
    ----------
    burst : Burst
        A brief burst on the channel's R-R rhythm.
    beats : sequence of (peak, freq_hz, lowratio)
        The channel's recent plain beats.
    fasc_max_v : float
        ``fasc_max_uv`` in volts (0: no ceiling).

    Returns
    -------
    bool
        False, too, while fewer than ``BEATS_NEEDED`` beats are known.
    """
    if len(beats) < BEATS_NEEDED:
        return False
    peak, pitch, lowratio = np.median(np.asarray(beats), axis=0)
    ceiling = peak + RIDER_MAX_FRACTION * fasc_max_v if fasc_max_v > 0 else np.inf
    return (RIDER_PEAK * peak < burst.peak <= ceiling
            and burst.freq_hz > RIDER_PITCH * pitch
            and burst.lowratio < RIDER_LOWBAND * lowratio)


def trails_artifact(burst, artifact_onset, artifact_peak, sfreq):
    """A smaller burst right after a brief artefact is part of it: within a
    QRS's length one no larger, within ``ECG_TRAIL_S`` one under half its size."""
    delay = burst.onset - artifact_onset
    if delay <= QRS_MAX_S * sfreq and burst.peak <= artifact_peak:
        return True
    return (delay <= ECG_TRAIL_S * sfreq
            and burst.peak <= ECG_TRAIL_PEAK * artifact_peak)


def rhythm_period(beat_onsets, sfreq):
    """The R-R interval (samples) of the last four beats when they are
    regular and within the heart's range, else None.

    A QRS complex near the threshold crosses it only now and then: one
    beat missed among the last five (one interval twice the others) leaves
    the rhythm standing. Only one: a pop between two beats splits an
    interval into two short ones, and a rhythm of those halves would be
    twice the heart's.
    """
    shortest, longest = ECG_RR_S[0] * sfreq, ECG_RR_S[1] * sfreq
    period = _regular_period(beat_onsets, 3, shortest, longest, ECG_RR_SPREAD)
    if period is not None or len(beat_onsets) < MISSED_BEAT_INTERVALS + 1:
        return period
    last = list(beat_onsets)[-(MISSED_BEAT_INTERVALS + 1):]
    intervals = [b - a for a, b in zip(last, last[1:])]
    single = min(intervals)
    beats = [round(i / single) for i in intervals]
    if sorted(beats) != [1] * (MISSED_BEAT_INTERVALS - 1) + [2]:
        return None
    # the beats as they would have been, the missed one half-way
    gap = beats.index(2)
    filled = last[:gap + 1] + [(last[gap] + last[gap + 1]) / 2] + last[gap + 1:]
    period = _regular_period(filled, MISSED_BEAT_INTERVALS + 1, shortest, longest,
                             ECG_RR_SPREAD)
    return None if period is None else round(period)


def clonus_period(volley_onsets, sfreq):
    """The period (samples) of the last five bursts of a spasm when they
    are regular and at 3-8 Hz (a clonus), else None."""
    return _regular_period(volley_onsets, 4, sfreq / CLONUS_HZ[1], sfreq / CLONUS_HZ[0],
                           CLONUS_SPREAD)


def next_but_one_due(volley_onsets, period):
    """The samples (earliest, latest) where the next but one volley of a
    clonus of ``period`` samples is due."""
    due = volley_onsets[-1] + 2 * period
    return due - CLONUS_TOL * period, due + CLONUS_TOL * period


def skips_one_volley(volley_onsets, period, onset):
    """Does a burst at ``onset`` fall where the next but one volley of a
    clonus of ``period`` samples is due (the one between stayed under the
    threshold)?"""
    earliest, latest = next_but_one_due(volley_onsets, period)
    return earliest <= onset <= latest


def _regular_period(onsets, n_intervals, shortest, longest, spread):
    """The median of the last ``n_intervals`` intervals between ``onsets``
    when it lies in [shortest, longest] and they all lie within ``spread``
    times it of each other, else None."""
    last = list(onsets)[-(n_intervals + 1):]
    if len(last) < n_intervals + 1:
        return None
    intervals = sorted(b - a for a, b in zip(last, last[1:]))
    period = intervals[len(intervals) // 2]
    if not shortest <= period <= longest:
        return None
    if intervals[-1] - intervals[0] > spread * period:
        return None
    return period


def beat_locked(delays, delay, sfreq):
    """Does a brief burst ``delay`` samples after the last beat (or brief
    artefact) fall where earlier ones after their beats did?

    Parameters
    ----------
    delays : iterable of int
        Delays (samples) of the last brief bursts that followed a beat
        within ``ECG_TRAIL_S``.
    delay : int
    sfreq : float
    """
    if not 0 < delay <= ECG_TRAIL_S * sfreq:
        return False
    tol = ECHO_TOL_S * sfreq
    return sum(abs(d - delay) <= tol for d in delays) >= ECHO_MATCHES


def on_rhythm(beat_onsets, onset, sfreq):
    """True when ``onset`` falls where the next (or next but one) R wave is due,
    judged on the last four beats."""
    period = rhythm_period(beat_onsets, sfreq)
    if period is None:
        return False
    gap = onset - beat_onsets[-1]
    due = round(gap / period)
    return due in (1, 2) and abs(gap - due * period) <= ECG_RR_TOL * period


def beating(beat_onsets, t, sfreq):
    """Is a regular ECG rhythm going on at sample ``t`` (its last beat no more
    than two R-R intervals ago)?"""
    period = rhythm_period(beat_onsets, sfreq)
    return period is not None and t - beat_onsets[-1] <= 2 * period


def in_train(short_onsets, onset, max_gap, count):
    """Would a short burst at ``onset`` make ``count`` of them in a row, each
    within ``max_gap`` samples of the last (a clonus, not fasciculations)?"""
    chain = 1
    onsets = list(short_onsets) + [onset]
    for a, b in zip(onsets[-2::-1], onsets[:0:-1]):
        if b - a > max_gap:
            break
        chain += 1
    return chain >= count


def discharges(n_samples, energy, peak_e2, window):
    """``"doublet"`` or ``"single"``, from a short burst's length and energy."""
    double = n_samples > DOUBLET_LENGTH * window and \
        energy > DOUBLET_ENERGY * peak_e2 * window
    return "doublet" if double else "single"


def spasm_subtype(segments, onset, last_offset, sfreq, clonic_modulation):
    """``"tonic"``, ``"clonic"`` or ``"mixed"`` from the envelope's 3-8 Hz modulation.

    Parameters
    ----------
    segments : list of (t, bp2, env, n)
        Per activity segment: its last sample, the energy of the envelope's
        3-8 Hz band, the envelope's sum, and its sample count.
    onset, last_offset : int
        The spasm's first and last active samples.
    sfreq : float
    clonic_modulation : float
        Modulation depth (RMS of the 3-8 Hz band over the mean envelope)
        above which a window is clonic.

    Notes
    -----
    Mostly clonic windows (:data:`CLONIC_SHARE`) make a clonic spasm, mostly
    steady ones a tonic spasm, else it is mixed; so is one with a clearly
    tonic and a clearly clonic window (:data:`TONIC_CLEAR`,
    :data:`CLONIC_CLEAR`) between its first and last.
    """
    win = SUBTYPE_WINDOW_S * sfreq
    sums = {}
    for t, bp2, env, n in segments:
        if t > last_offset or n == 0:
            continue
        acc = sums.setdefault(int((t - onset) // win), [0.0, 0.0, 0.0])
        acc[0] += bp2
        acc[1] += env
        acc[2] += n
    depths = np.array([np.sqrt(a / n) / (e / n) for a, e, n in sums.values() if e > 0])
    if not len(depths):
        return "tonic"
    inner = depths[1:-1] if len(depths) > 2 else depths
    if (inner.min() < TONIC_CLEAR * clonic_modulation
            and inner.max() > CLONIC_CLEAR * clonic_modulation):
        return "mixed"
    clonic = np.mean(depths > clonic_modulation)
    if clonic >= CLONIC_SHARE:
        return "clonic"
    return "tonic" if clonic <= TONIC_SHARE else "mixed"
