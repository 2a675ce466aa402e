"""Recordings with known events: the project's ground truth.

:func:`simulate` composes, per channel, spasms (tonic, clonic, mixed; often
several in a row), short multi-unit bursts, isolated fasciculations, and
the nuisances of a worn sensor (noise floor, mains with harmonics, baseline
wander, pops, motion, ECG, amplifier saturation, leads off), and returns the
signal with the list of true events. True fasciculations carry their
``peak_uv`` and ``snr`` as the detector sees them (:mod:`._truth_snr`).

This is the ``muap`` family of :mod:`.families`; ``volume`` and ``measured``
are built from independent material.
"""

from dataclasses import dataclass, replace

import numpy as np

from ..._check import check_number
from ...engine.events import Event
from ...engine.vocabulary import (ARTIFACT_ECG, ARTIFACT_MOTION, ARTIFACT_POP, BURST,
                                  FASCICULATION, SPASM)
from . import _muscle, _nuisance
from ._truth_snr import noise_floor_rms, with_truth_snr

#: A fasciculation is isolated: no other activity this close (Mills 2011).
ISOLATION_S = 0.3


@dataclass(frozen=True)
class Scenario:
    """Parameters of one simulated recording.

    Rates are per channel. Amplitudes are in µV; ``amp_range_uv`` is the
    amplifier's input range (0 = unlimited), beyond which samples saturate.
    """

    duration_s: float = 120.0
    sfreq: float = 2000.0
    n_channels: int = 2
    noise_uv: float = 8.0
    mains_hz: float = 50.0
    mains_uv: float = 100.0
    wander_uv: float = 300.0
    spasms_per_min: float = 1.5
    bursts_per_min: float = 0.5
    fasciculations_per_min: float = 30.0
    pops_per_min: float = 0.5
    motion_per_min: float = 0.5
    ecg_channels: int = 0
    ecg_uv: float = 200.0
    amp_range_uv: float = 0.0
    leads_off_per_hour: float = 0.0
    seed: int = 0

    def __post_init__(self):
        check_number("duration_s", self.duration_s, 1, 7 * 86400)
        check_number("sfreq", self.sfreq, 100, 100_000)
        check_number("n_channels", self.n_channels, 1, 256, integer=True)
        check_number("noise_uv", self.noise_uv, 0, 1e4)
        check_number("ecg_channels", self.ecg_channels, 0, self.n_channels,
                     integer=True)


@dataclass
class SimulatedRecording:
    """A simulated recording and its true events.

    Attributes
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Signal in volts.
    sfreq : float
    ch_names : list of str
    events : list of Event
        True events (muscle events, artefacts and ``BAD_`` stretches).
    scenario : Scenario
    """

    data: np.ndarray
    sfreq: float
    ch_names: list
    events: list
    scenario: Scenario

    @property
    def duration_s(self):
        """Length of the recording (s)."""
        return self.data.shape[1] / self.sfreq


class _Timeline:
    """Occupied intervals of one channel, to keep events apart."""

    def __init__(self, duration):
        self.duration = duration
        self.busy = []

    def place(self, length, margin, rng, tries=50):
        for _ in range(tries):
            start = rng.uniform(0.5, max(0.6, self.duration - length - 0.5))
            if all(start + length + margin <= a or start >= b + margin
                   for a, b in self.busy):
                self.busy.append((start, start + length))
                return start
        return None


def simulate(scenario=None, **changes):
    """Simulate one recording with its ground truth.

    Parameters
    ----------
    scenario : Scenario | None
        The recording to make; None means the defaults.
    **changes
        Fields of :class:`Scenario` to change.

    Returns
    -------
    recording : SimulatedRecording

    Examples
    --------
    >>> from emgspasm.truth.sim import simulate
    >>> rec = simulate(duration_s=10, n_channels=1, seed=3)
    >>> rec.data.shape
    (1, 20000)
    """
    sc = replace(scenario or Scenario(), **changes)
    rng = np.random.default_rng(sc.seed)
    sfreq = sc.sfreq
    n = int(round(sc.duration_s * sfreq))
    names = [f"EMG{i + 1}" for i in range(sc.n_channels)]
    data = np.zeros((sc.n_channels, n))
    events = []
    for ch, name in enumerate(names):
        timeline = _Timeline(sc.duration_s)
        pool = _muscle.MotorUnitPool(sfreq, rng)
        x = data[ch]
        events += _add_spasms(x, sc, pool, timeline, name, rng)
        events += _add_bursts(x, sc, pool, timeline, name, rng)
        events += _add_artifacts(x, sc, timeline, name, rng)
        fasciculations = _add_fasciculations(x, sc, timeline, name, rng)
        noise = _nuisance.noise_floor(n, sfreq, sc.noise_uv * 1e-6, rng)
        x += noise
        floor = noise_floor_rms(noise, sfreq)
        events += [with_truth_snr(ev, wave, sfreq, floor) for ev, wave in fasciculations]
        x += _nuisance.mains(n, sfreq, sc.mains_hz, sc.mains_uv * 1e-6, rng)
        x += _nuisance.baseline_wander(n, sfreq, sc.wander_uv * 1e-6, rng)
        if ch < sc.ecg_channels:
            ecg, r_idx = _nuisance.ecg(n, sfreq, sc.ecg_uv * 1e-6,
                                       rng.uniform(50, 110), rng)
            x += ecg
            events += [Event(r / sfreq - 0.04, 0.08, ARTIFACT_ECG, name)
                       for r in r_idx]
        events += _saturate_and_unplug(x, sc, name, rng)
    events.sort(key=lambda e: (e.onset, e.channel))
    return SimulatedRecording(data, sfreq, names, events, sc)


def _poisson_count(rate_per_min, duration_s, rng):
    return int(rng.poisson(rate_per_min * duration_s / 60.0))


def _add_spasms(x, sc, pool, timeline, name, rng):
    out = []
    n_episodes = _poisson_count(sc.spasms_per_min / 2.0, sc.duration_s, rng)
    for _ in range(n_episodes):
        count = int(rng.integers(1, 4))
        lengths = [float(np.exp(rng.uniform(np.log(0.7), np.log(20.0))))
                   for _ in range(count)]
        gaps = [rng.uniform(1.0, 4.0) for _ in range(count - 1)]
        start = timeline.place(sum(lengths) + sum(gaps), 1.0, rng)
        if start is None:
            continue
        for length, gap in zip(lengths, gaps + [0.0]):
            subtype = rng.choice(["tonic", "clonic", "mixed"], p=[0.4, 0.35, 0.25])
            out.append(_render_spasm(x, sc, pool, start, length, str(subtype),
                                     name, rng))
            start += length + gap
    return out


def _render_spasm(x, sc, pool, start, length, subtype, name, rng):
    sfreq = sc.sfreq
    n = int(length * sfreq)
    level = rng.uniform(0.25, 0.8)
    if subtype == "tonic":
        spikes = pool.tonic_spikes(_muscle.spasm_excitation(n, sfreq, level, rng), rng)
    elif subtype == "clonic":
        spikes = _clonic(pool, n, sfreq, level, rng)
    else:
        split = int(n * rng.uniform(0.4, 0.6))
        first, second = (split, n - split)
        tonic = pool.tonic_spikes(_muscle.spasm_excitation(first, sfreq, level, rng), rng)
        clonic = _clonic(pool, second, sfreq, level, rng)
        if rng.random() < 0.5:
            spikes = [np.concatenate([a, b + first]) for a, b in zip(tonic, clonic)]
        else:
            spikes = [np.concatenate([b, a + second]) for a, b in zip(tonic, clonic)]
    sig = pool.render(spikes, n)
    target = np.exp(rng.uniform(np.log(50e-6), np.log(500e-6)))
    sig *= target / (np.sqrt(np.mean(sig ** 2)) or 1.0)
    i0 = int(start * sfreq)
    seg = x[i0:i0 + n]
    seg += sig[:len(seg)]
    active = np.flatnonzero(np.abs(sig) > 0.02 * np.max(np.abs(sig)))
    onset = start + active[0] / sfreq
    offset = start + active[-1] / sfreq
    return Event(onset, offset - onset, SPASM, name, subtype,
                 float(np.max(np.abs(sig)) * 1e6))


def _clonic(pool, n, sfreq, level, rng):
    freq = rng.uniform(3.0, 8.0)
    period = sfreq / freq
    cycles = np.arange(0.02 * sfreq, n - 0.05 * sfreq, period)
    cycles = (cycles + rng.normal(0, 0.03 * period, len(cycles))).astype(int)
    levels = level * rng.uniform(0.7, 1.0, len(cycles))
    return pool.clonic_spikes(cycles, levels, rng)


def _add_bursts(x, sc, pool, timeline, name, rng):
    out = []
    for _ in range(_poisson_count(sc.bursts_per_min, sc.duration_s, rng)):
        length = rng.uniform(0.08, 0.4)
        start = timeline.place(length, 1.0, rng)
        if start is None:
            continue
        n = int(length * sc.sfreq)
        excitation = _muscle.spasm_excitation(n, sc.sfreq, rng.uniform(0.4, 0.9), rng)
        sig = pool.render(pool.tonic_spikes(excitation, rng), n)
        sig *= np.exp(rng.uniform(np.log(80e-6), np.log(500e-6))) / (
            np.sqrt(np.mean(sig ** 2)) or 1.0)
        i0 = int(start * sc.sfreq)
        x[i0:i0 + n] += sig[:len(x) - i0]
        active = np.flatnonzero(np.abs(sig) > 0.02 * np.max(np.abs(sig)))
        out.append(Event(start + active[0] / sc.sfreq,
                         (active[-1] - active[0]) / sc.sfreq, BURST, name,
                         None, float(np.max(np.abs(sig)) * 1e6)))
    return out


def _add_artifacts(x, sc, timeline, name, rng):
    out = []
    kinds = [(ARTIFACT_POP, sc.pops_per_min, _nuisance.pop),
             (ARTIFACT_MOTION, sc.motion_per_min, _nuisance.motion)]
    for label, rate, make in kinds:
        for _ in range(_poisson_count(rate, sc.duration_s, rng)):
            wave, dur = make(sc.sfreq, rng)
            start = timeline.place(min(dur, len(wave) / sc.sfreq), 0.5, rng)
            if start is None:
                continue
            i0 = int(start * sc.sfreq)
            seg = x[i0:i0 + len(wave)]
            seg += wave[:len(seg)]
            out.append(Event(start, dur, label, name, None,
                             float(np.max(np.abs(wave)) * 1e6)))
    return out


def _add_fasciculations(x, sc, timeline, name, rng):
    """Add isolated fasciculations; return (event, waveform) pairs."""
    out = []
    times = np.sort(rng.uniform(0.5, sc.duration_s - 0.5,
                                _poisson_count(sc.fasciculations_per_min,
                                               sc.duration_s, rng)))
    last = -np.inf
    pool = _muscle.MotorUnitPool(sc.sfreq, rng)
    for t in times:
        if t - last < ISOLATION_S or any(a - ISOLATION_S < t < b + ISOLATION_S
                                         for a, b in timeline.busy):
            continue
        last = t
        unit = int(rng.integers(len(pool.waves) // 2, len(pool.waves)))
        wave = pool.waves[unit] * np.exp(rng.uniform(np.log(100e-6), np.log(1000e-6)))
        subtype = "single"
        if rng.random() < 0.2:
            subtype = "doublet"
            lag = int(rng.uniform(0.005, 0.015) * sc.sfreq)
            double = np.zeros(len(wave) + lag)
            double[:len(wave)] += wave
            double[lag:] += wave
            wave = double
        first, last_idx = _muscle.active_extent(wave)
        i0 = int(t * sc.sfreq) - first
        if i0 < 0 or i0 + len(wave) > len(x):
            continue
        x[i0:i0 + len(wave)] += wave
        out.append((Event((i0 + first) / sc.sfreq, (last_idx - first) / sc.sfreq,
                          FASCICULATION, name, subtype), wave))
    return out


def _saturate_and_unplug(x, sc, name, rng):
    out = []
    if sc.amp_range_uv <= 0:
        return out
    rail = sc.amp_range_uv * 1e-6
    for _ in range(int(rng.poisson(sc.leads_off_per_hour * sc.duration_s / 3600))):
        length = rng.uniform(1.0, 10.0)
        start = rng.uniform(0, max(0.0, sc.duration_s - length))
        i0, i1 = int(start * sc.sfreq), int((start + length) * sc.sfreq)
        x[i0:i1] = rail
        out.append(Event(start, length, "BAD_leads_off", name))
    clipped = np.abs(x) >= rail
    np.clip(x, -rail, rail, out=x)
    if clipped.any():
        edges = np.flatnonzero(np.diff(np.concatenate([[0], clipped.view(np.int8), [0]])))
        for a, b in zip(edges[::2], edges[1::2]):
            out.append(Event(a / sc.sfreq, (b - a) / sc.sfreq, "BAD_clipped", name))
    return out
