"""When muscle events happen in the ``volume`` and ``measured`` families, and what they are.

What a family draws here is independent of how it makes waveforms; the
ranges are wide on purpose, so that a detector tuned on one family meets
new ground in the other:

* Spasms come alone or in trains of 2-6, 0.6-3 s apart, each its own true
  event (a train that does not fit loses spasms from its end); one in ten
  episodes of a recording of 3 minutes or more is a single spasm lasting
  1-5 minutes (at most 40 % of the recording). Involuntary contractions
  after spinal cord injury are classified as unit, tonic, clonus,
  myoclonus and mixed (Thomas, Dididze, Martinez & Morris 2014,
  J Electromyogr Kinesiol 24:747) and can last minutes (McKay et al.
  2011, Spinal Cord 49:87).
  Lengths are log-uniform in 0.6-25 s (clonic >= 1 s, mixed >= 2 s).
* A mixed spasm alternates tonic and clonic stretches (2-6 of them, each
  >= 0.5 s).
* Clonus runs at 3-8 Hz (Dimitrijevic, Nathan & Sherwood 1980, J Neurol
  Neurosurg Psychiatry 43:321; Beres-Jones et al. 2003, Exp Brain Res
  149:222), its frequency drifting by up to 1.5 Hz over a spasm, with
  volleys whose discharges are dispersed by 5-20 ms (standard deviation).
* Excitation peaks at 0.3-1 (fraction of the pool's range), and the
  spasm's band-passed RMS is 2-30x the noise floor's (log-uniform).
* Short multi-unit bursts (myoclonic jerks): 0.08-0.4 s, 3-30x the floor.
* Fasciculations: a single discharge (75 %), a doublet (18 %, 4-15 ms
  apart) or a triplet (7 %, two intervals of 4-12 ms) of one unit, peak
  band-passed SNR 3-50 (log-uniform), isolated by ``ISOLATION_S`` from
  each other and from every other event but ECG beats. Fasciculation
  potentials fire singly or as doublets (Mills 2010, Brain 133:3458);
  ``triplet`` is this package's subtype for three discharges of the unit
  within 25 ms.
"""

from dataclasses import dataclass

import numpy as np

from .scenario import ISOLATION_S

#: Clear time kept around muscle events and artefacts when placing them.
MUSCLE_MARGIN_S = 1.0
ARTIFACT_MARGIN_S = 0.5
SPASM_S = (0.6, 25.0)
LONG_SPASM_S = (60.0, 300.0)
LONG_SPASM_P, LONG_SPASM_MIN_RECORDING_S = 0.1, 180.0
TRAIN_P, TRAIN_SIZE, TRAIN_GAP_S = 0.5, (2, 6), (0.6, 3.0)
SUBTYPE_P = {"tonic": 0.4, "clonic": 0.3, "mixed": 0.3}
MIN_LENGTH_S = {"tonic": SPASM_S[0], "clonic": 1.0, "mixed": 2.0}
STRETCH_MIN_S = 0.5
CLONUS_HZ, CLONUS_DRIFT_HZ, DISPERSION_S = (3.0, 8.0), 1.5, (0.005, 0.020)
SPASM_LEVEL, SPASM_SNR = (0.3, 1.0), (2.0, 30.0)
BURST_S, BURST_LEVEL, BURST_SNR = (0.08, 0.4), (0.4, 1.0), (3.0, 30.0)
FASCICULATION_SNR = (3.0, 50.0)
FASCICULATION_P = {"single": 0.75, "doublet": 0.18, "triplet": 0.07}
DOUBLET_LAG_S, TRIPLET_LAG_S = (0.004, 0.015), (0.004, 0.012)


@dataclass(frozen=True)
class SpasmPlan:
    """One spasm to render.

    Attributes
    ----------
    start_s, length_s : float
        Where the excitation starts and how long it lasts.
    subtype : str
        ``tonic``, ``clonic`` or ``mixed``.
    stretches : tuple of (str, float, float)
        ``("tonic" | "clonic", start, stop)`` in s from the spasm's start.
    level : float
        Peak excitation (0-1).
    rms_snr : float
        Band-passed RMS of the spasm over the noise floor's.
    clonus_hz : tuple of float
        Clonus frequency at the start and the end of the spasm.
    dispersion_s : float
        Standard deviation of discharge times within a clonic volley.
    """

    start_s: float
    length_s: float
    subtype: str
    stretches: tuple
    level: float
    rms_snr: float
    clonus_hz: tuple
    dispersion_s: float


@dataclass(frozen=True)
class BurstPlan:
    """One short multi-unit burst to render (fields as in :class:`SpasmPlan`)."""

    start_s: float
    length_s: float
    level: float
    rms_snr: float


@dataclass(frozen=True)
class FasciculationPlan:
    """One fasciculation: first discharge, later ones (s after it) and peak SNR."""

    time_s: float
    subtype: str
    lags_s: tuple
    peak_snr: float


class Timeline:
    """Occupied intervals of one channel, to keep events apart.

    Parameters
    ----------
    duration_s : float
    """

    def __init__(self, duration_s):
        self.duration_s = duration_s
        self.busy = []

    def is_free(self, start, stop, margin):
        """True when ``start..stop`` keeps ``margin`` from every busy interval."""
        return all(stop + margin <= a or start >= b + margin for a, b in self.busy)

    def place(self, length, margin, rng, tries=50):
        """Occupy a random free interval of ``length`` s; its start, or None."""
        for _ in range(tries):
            start = rng.uniform(0.5, max(0.6, self.duration_s - length - 0.5))
            if start + length <= self.duration_s and self.is_free(start, start + length,
                                                                  margin):
                self.busy.append((start, start + length))
                return start
        return None


def _log_uniform(low_high, rng):
    return float(np.exp(rng.uniform(np.log(low_high[0]), np.log(low_high[1]))))


def _pick(probabilities, rng):
    names = list(probabilities)
    return str(rng.choice(names, p=[probabilities[k] for k in names]))


def _expected_count(rate_per_min, duration_s, rng, per_event=1.0):
    return int(rng.poisson(rate_per_min * duration_s / 60.0 / per_event))


def draw_spasms(rate_per_min, duration_s, timeline, rng):
    """Spasm episodes (single spasms, trains, minute-long spasms), placed.

    Parameters
    ----------
    rate_per_min : float
        Mean number of spasms per minute.
    duration_s : float
    timeline : Timeline
    rng : numpy.random.Generator

    Returns
    -------
    plans : list of SpasmPlan
    """
    mean_size = 1 + TRAIN_P * (np.mean(TRAIN_SIZE) - 1)
    plans = []
    for _ in range(_expected_count(rate_per_min, duration_s, rng, mean_size)):
        if duration_s >= LONG_SPASM_MIN_RECORDING_S and rng.random() < LONG_SPASM_P:
            longest = min(LONG_SPASM_S[1], 0.4 * duration_s)
            lengths = [float(rng.uniform(LONG_SPASM_S[0], longest))]
            subtypes = [_pick(SUBTYPE_P, rng)]
            gaps = []
        else:
            size = int(rng.integers(TRAIN_SIZE[0], TRAIN_SIZE[1] + 1)) \
                if rng.random() < TRAIN_P else 1
            subtypes = [_pick(SUBTYPE_P, rng) for _ in range(size)]
            lengths = [max(_log_uniform(SPASM_S, rng), MIN_LENGTH_S[s]) for s in subtypes]
            gaps = [float(rng.uniform(*TRAIN_GAP_S)) for _ in range(size - 1)]
        start = timeline.place(sum(lengths) + sum(gaps), MUSCLE_MARGIN_S, rng)
        while start is None and len(lengths) > 1:  # a shorter train may fit
            subtypes, lengths, gaps = subtypes[:-1], lengths[:-1], gaps[:-1]
            start = timeline.place(sum(lengths) + sum(gaps), MUSCLE_MARGIN_S, rng)
        if start is None:
            continue
        for subtype, length, gap in zip(subtypes, lengths, gaps + [0.0]):
            plans.append(_spasm_plan(start, length, subtype, rng))
            start += length + gap
    return plans


def _spasm_plan(start, length, subtype, rng):
    if subtype == "mixed":
        count = int(rng.integers(2, min(6, int(length / STRETCH_MIN_S)) + 1))
        spare = length - count * STRETCH_MIN_S
        edges = np.concatenate([[0.0], np.cumsum(
            STRETCH_MIN_S + spare * rng.dirichlet(2.0 * np.ones(count)))])
        first = int(rng.integers(2))
        kinds = [("tonic", "clonic")[(first + i) % 2] for i in range(count)]
        stretches = tuple((k, float(a), float(b))
                          for k, a, b in zip(kinds, edges[:-1], edges[1:]))
    else:
        stretches = ((subtype, 0.0, length),)
    f0 = float(rng.uniform(*CLONUS_HZ))
    f1 = float(np.clip(f0 + rng.uniform(-CLONUS_DRIFT_HZ, CLONUS_DRIFT_HZ), *CLONUS_HZ))
    return SpasmPlan(start, length, subtype, stretches,
                     float(rng.uniform(*SPASM_LEVEL)), _log_uniform(SPASM_SNR, rng),
                     (f0, f1), float(rng.uniform(*DISPERSION_S)))


def draw_bursts(rate_per_min, duration_s, timeline, rng):
    """Short multi-unit bursts, placed (list of :class:`BurstPlan`)."""
    plans = []
    for _ in range(_expected_count(rate_per_min, duration_s, rng)):
        length = float(rng.uniform(*BURST_S))
        start = timeline.place(length, MUSCLE_MARGIN_S, rng)
        if start is not None:
            plans.append(BurstPlan(start, length, float(rng.uniform(*BURST_LEVEL)),
                                   _log_uniform(BURST_SNR, rng)))
    return plans


def draw_fasciculations(rate_per_min, duration_s, timeline, rng):
    """Isolated fasciculations (list of :class:`FasciculationPlan`).

    Drawn last: each keeps ``ISOLATION_S`` from the previous one and from
    every interval already on ``timeline``.
    """
    count = _expected_count(rate_per_min, duration_s, rng)
    times = np.sort(rng.uniform(0.5, max(0.5, duration_s - 0.5), count))
    plans, last = [], -np.inf
    for t in times:
        if t - last < ISOLATION_S or not timeline.is_free(t, t, ISOLATION_S):
            continue
        last = t
        subtype = _pick(FASCICULATION_P, rng)
        if subtype == "doublet":
            lags = (float(rng.uniform(*DOUBLET_LAG_S)),)
        elif subtype == "triplet":
            first = float(rng.uniform(*TRIPLET_LAG_S))
            lags = (first, first + float(rng.uniform(*TRIPLET_LAG_S)))
        else:
            lags = ()
        plans.append(FasciculationPlan(float(t), subtype, lags,
                                       _log_uniform(FASCICULATION_SNR, rng)))
    return plans
