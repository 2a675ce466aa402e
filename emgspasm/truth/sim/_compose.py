"""Assemble a recording of the ``volume`` or ``measured`` family from its kit.

A family is a :class:`Kit`: how its motor-unit potentials, noise floor,
mains, wander, pops, motion, ECG and leads-off look. What happens when
(:mod:`._schedule`) and who fires (:mod:`._firing`) are drawn here the same
way for both, from ``Scenario.seed``; every channel has its own random
stream, so a channel does not change when channels are added.

Amplitudes of muscle events are set against the channel's band-passed
noise floor (or 1 uV when the scenario has no noise), so that detection
can be scored per SNR bin. Truth follows the ``muap`` family's conventions:
spasms and bursts span their active part (beyond 2 % of their peak),
fasciculations the part beyond 10 % of their peak (``peak_uv`` and ``snr``
as in :mod:`._truth_snr`), artefacts too, ECG beats 40 ms either side of
the R peak; leads-off stretches are ``BAD_leads_off`` and saturated runs
outside them ``BAD_clipped``.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import signal

from ...engine.events import Event
from ...engine.vocabulary import (ARTIFACT_ECG, ARTIFACT_MOTION, ARTIFACT_POP, BURST,
                                  FASCICULATION, SPASM)
from . import _schedule
from ._firing import GRID_S, FiringPool, clonus_cycles
from ._truth_snr import bandpassed, bandpassed_peak, noise_floor_rms, with_truth_snr
from .scenario import Scenario, SimulatedRecording

#: Amplitude reference (V) when a scenario has no noise floor.
REFERENCE_V = 1e-6
SPASM_EXTENT, PEAK_EXTENT = 0.02, 0.1
ECG_HALF_S = 0.04
#: Mixed into the seed of the grid's stream.
GRID_KEY = 7


@dataclass(frozen=True)
class Kit:
    """What makes one family's waveforms. Every callable takes ``rng`` last.

    Attributes
    ----------
    motor_units : callable
        ``(sfreq, rng) -> (waves, sizes)``: the potentials of the units under
        one electrode pair (each starting at its discharge; amplitudes in
        proportion, the composer scales them) and their sizes (recruitment
        order).
    noise_floor : callable
        ``(n, sfreq, rms_v, rng) -> ndarray`` with RMS ``rms_v``.
    grid : callable
        ``(n, sfreq, mains_hz, rng) -> phase``: the mains fundamental's phase
        (rad), drawn once per recording: every electrode picks up the same
        grid, whose frequency drifts the same for all.
    mains, wander : callable
        ``(phase, sfreq, mains_hz, amplitude_v, rng)``: one channel's mains
        on the grid's phase (its own coupling, harmonics and phases), and
        ``(n, sfreq, amplitude_v, rng)``.
    pop, motion : callable
        ``(sfreq, rng) -> wave``: one artefact.
    ecg : callable
        ``(n, sfreq, r_amplitude_v, rng) -> (ecg, r_indices)``.
    leads_off : callable
        ``(n, sfreq, rail_v, rng) -> ndarray``: the amplifier's output while
        the leads are off (clipped to the rails afterwards).
    """

    motor_units: Callable
    noise_floor: Callable
    grid: Callable
    mains: Callable
    wander: Callable
    pop: Callable
    motion: Callable
    ecg: Callable
    leads_off: Callable


def compose(sc, kit, family_key):
    """Simulate ``sc`` with the waveforms of ``kit``.

    Parameters
    ----------
    sc : Scenario
    kit : Kit
    family_key : int
        Mixed into the seed, so families differ for the same seed.

    Returns
    -------
    recording : SimulatedRecording
    """
    sfreq = sc.sfreq
    n = round(sc.duration_s * sfreq)
    names = [f"EMG{i + 1}" for i in range(sc.n_channels)]
    data = np.zeros((sc.n_channels, n))
    streams = np.random.SeedSequence([sc.seed, family_key]).spawn(sc.n_channels)
    # the grid's own stream, so it does not change with the channel count either
    grid_rng = np.random.default_rng(np.random.SeedSequence([sc.seed, family_key, GRID_KEY]))
    phase = kit.grid(n, sfreq, sc.mains_hz, grid_rng)
    events = []
    for ch, (name, stream) in enumerate(zip(names, streams)):
        rng = np.random.default_rng(stream)
        x = data[ch]
        noise = kit.noise_floor(n, sfreq, sc.noise_uv * 1e-6, rng)
        wander = kit.wander(n, sfreq, sc.wander_uv * 1e-6, rng)
        # the floor the engine sees: the sensor's noise and whatever of the
        # baseline wander leaks into the band (no filter removes either)
        floor = noise_floor_rms(noise + wander, sfreq)
        muscle = _Muscle(kit, sfreq, floor or REFERENCE_V, rng)
        timeline = _schedule.Timeline(sc.duration_s)
        for plan in _schedule.draw_spasms(sc.spasms_per_min, sc.duration_s,
                                          timeline, rng):
            events.append(muscle.add_spasm(x, plan, name, rng))
        for plan in _schedule.draw_bursts(sc.bursts_per_min, sc.duration_s,
                                          timeline, rng):
            events.append(muscle.add_burst(x, plan, name, rng))
        events += _add_artifacts(x, sc, kit, timeline, name, rng)
        for plan in _schedule.draw_fasciculations(sc.fasciculations_per_min,
                                                  sc.duration_s, timeline, rng):
            event, wave = muscle.add_fasciculation(x, plan, name, rng)
            if event is not None:
                events.append(with_truth_snr(event, wave, sfreq, floor))
        x += noise
        x += kit.mains(phase, sfreq, sc.mains_hz, sc.mains_uv * 1e-6, rng)
        x += wander
        if ch < sc.ecg_channels:
            ecg, r_idx = kit.ecg(n, sfreq, sc.ecg_uv * 1e-6, rng)
            x += ecg
            events += [Event(float(r / sfreq - ECG_HALF_S), 2 * ECG_HALF_S, ARTIFACT_ECG,
                             name) for r in r_idx
                       if ECG_HALF_S <= r / sfreq <= sc.duration_s - ECG_HALF_S]
        events += _saturate_and_unplug(x, sc, kit, name, rng)
    events.sort(key=lambda e: (e.onset, e.channel))
    return SimulatedRecording(data, sfreq, names, events, sc)


def _extent(wave, fraction):
    idx = np.flatnonzero(np.abs(wave) >= fraction * np.max(np.abs(wave)))
    return int(idx[0]), int(idx[-1])


def _add(x, i0, wave):
    seg = x[i0:i0 + len(wave)]
    seg += wave[:len(seg)]


class _Muscle:
    """The motor units of one channel and how their discharges are rendered."""

    def __init__(self, kit, sfreq, reference_v, rng):
        waves, sizes = kit.motor_units(sfreq, rng)
        self.waves = [waves[i] for i in np.argsort(sizes)]
        self.pool = FiringPool(len(self.waves), rng)
        self.sfreq = sfreq
        self.reference_v = reference_v

    def render(self, times, n):
        """Sum of every unit's potentials at its discharge ``times`` (s)."""
        out = np.zeros(n + max(len(w) for w in self.waves))
        for t, wave in zip(times, self.waves):
            idx = np.round(t * self.sfreq).astype(int)
            idx = idx[(idx >= 0) & (idx < n)]
            if len(idx):
                out[:n + len(wave) - 1] += signal.oaconvolve(
                    np.bincount(idx, minlength=n).astype(float), wave)
        return out

    def add_spasm(self, x, plan, name, rng):
        """Render one spasm into ``x``; return its true event."""
        grid = np.arange(0.0, plan.length_s, GRID_S)
        envelope = plan.level * _envelope(grid, plan.length_s, rng)
        tonic_gate = np.zeros(len(grid))
        volleys = [np.empty(0)] * len(self.waves)
        f0, f1 = plan.clonus_hz
        for kind, a, b in plan.stretches:
            inside = (grid >= a) & (grid < b)
            if kind == "tonic":
                tonic_gate[inside] = 1.0
                continue
            tonic_gate[inside] = rng.uniform(0.0, 0.25)  # background firing
            cycles = a + clonus_cycles(b - a, f0 + (f1 - f0) * a / plan.length_s,
                                       f0 + (f1 - f0) * b / plan.length_s, rng)
            levels = np.interp(cycles, grid, envelope) * rng.uniform(0.6, 1.0, len(cycles))
            found = self.pool.volleys(cycles, levels, plan.dispersion_s, rng)
            volleys = [np.concatenate([v, f]) for v, f in zip(volleys, found)]
        tonic = self.pool.tonic(envelope * tonic_gate, rng)
        times = [np.concatenate([t, v]) for t, v in zip(tonic, volleys)]
        sig = self.render(times, int(plan.length_s * self.sfreq))
        return self._place(x, sig, plan.start_s, plan.rms_snr, SPASM, plan.subtype, name)

    def add_burst(self, x, plan, name, rng):
        """Render one short multi-unit burst into ``x``; return its true event.

        A myoclonic jerk: a synchronous volley of every unit the burst
        recruits (dispersed by 3-10 ms), then rate-coded firing while the
        excitation lasts.
        """
        grid = np.arange(0.0, plan.length_s, GRID_S)
        rise, fall = rng.uniform(0.01, 0.03), rng.uniform(0.01, 0.05)
        envelope = plan.level * np.clip(grid / rise, 0, 1) * np.clip(
            (plan.length_s - grid) / fall, 0, 1)
        jerk = self.pool.volleys(np.array([rise]), np.array([plan.level]),
                                 rng.uniform(0.003, 0.010), rng)
        times = [np.concatenate([t, v]) for t, v in zip(self.pool.tonic(envelope, rng),
                                                         jerk)]
        sig = self.render(times, int(plan.length_s * self.sfreq))
        return self._place(x, sig, plan.start_s, plan.rms_snr, BURST, None, name)

    def _place(self, x, sig, start_s, rms_snr, label, subtype, name):
        first, last = _extent(sig, SPASM_EXTENT)
        band = bandpassed(sig, self.sfreq)[first:last + 1]
        sig *= rms_snr * self.reference_v / np.sqrt(np.mean(band ** 2))
        i0 = round(start_s * self.sfreq)
        _add(x, i0, sig)
        return Event((i0 + first) / self.sfreq, (last - first) / self.sfreq, label, name,
                     subtype, float(np.max(np.abs(sig)) * 1e6))

    def add_fasciculation(self, x, plan, name, rng):
        """Render one fasciculation; return its event (None if it does not fit) and wave."""
        unit = self.waves[int(rng.integers(len(self.waves)))]
        lags = [0] + [round(lag * self.sfreq) for lag in plan.lags_s]
        wave = np.zeros(len(unit) + lags[-1])
        for lag in lags:
            wave[lag:lag + len(unit)] += unit * rng.uniform(0.9, 1.1)
        wave *= plan.peak_snr * self.reference_v / bandpassed_peak(wave, self.sfreq)
        first, last = _extent(wave, PEAK_EXTENT)
        i0 = round(plan.time_s * self.sfreq) - first
        if i0 < 0 or i0 + len(wave) > len(x):
            return None, wave
        x[i0:i0 + len(wave)] += wave
        return Event((i0 + first) / self.sfreq, (last - first) / self.sfreq,
                     FASCICULATION, name, plan.subtype), wave


def _envelope(grid, length_s, rng):
    """Rise, a plateau wandering by 5-25 % (components at 0.02-2 Hz), decay."""
    rise = min(rng.uniform(0.05, 0.5), 0.3 * length_s)
    fall = min(rng.uniform(0.1, 0.8), 0.3 * length_s)
    shape = np.clip(grid / rise, 0, 1) * np.clip((length_s - grid) / fall, 0, 1)
    wander = np.zeros(len(grid))
    for _ in range(4):
        wander += np.sin(2 * np.pi * np.exp(rng.uniform(np.log(0.02), np.log(2.0))) * grid
                         + rng.uniform(0, 2 * np.pi))
    return shape * (1 + rng.uniform(0.05, 0.25) * wander / 4)


def _add_artifacts(x, sc, kit, timeline, name, rng):
    out = []
    for label, rate, make in ((ARTIFACT_POP, sc.pops_per_min, kit.pop),
                              (ARTIFACT_MOTION, sc.motion_per_min, kit.motion)):
        for _ in range(int(rng.poisson(rate * sc.duration_s / 60.0))):
            wave = make(sc.sfreq, rng)
            start = timeline.place(len(wave) / sc.sfreq, _schedule.ARTIFACT_MARGIN_S, rng)
            if start is None:
                continue
            i0 = round(start * sc.sfreq)
            _add(x, i0, wave)
            first, last = _extent(wave, PEAK_EXTENT)
            out.append(Event((i0 + first) / sc.sfreq, (last - first) / sc.sfreq, label,
                             name, None, float(np.max(np.abs(wave)) * 1e6)))
    return out


def _saturate_and_unplug(x, sc, kit, name, rng):
    """Leads-off stretches, then saturation at the input range."""
    if sc.amp_range_uv <= 0:
        return []
    rail = sc.amp_range_uv * 1e-6
    off = np.zeros(len(x), bool)
    out = []
    for _ in range(int(rng.poisson(sc.leads_off_per_hour * sc.duration_s / 3600))):
        length = min(rng.uniform(1.0, 10.0), sc.duration_s)
        start = rng.uniform(0, sc.duration_s - length)
        i0, i1 = round(start * sc.sfreq), round((start + length) * sc.sfreq)
        x[i0:i1] = kit.leads_off(i1 - i0, sc.sfreq, rail, rng)
        off[i0:i1] = True
        out.append(Event(i0 / sc.sfreq, (i1 - i0) / sc.sfreq, "BAD_leads_off", name))
    clipped = (np.abs(x) >= rail) & ~off
    np.clip(x, -rail, rail, out=x)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], clipped.view(np.int8), [0]])))
    out += [Event(float(a / sc.sfreq), float((b - a) / sc.sfreq), "BAD_clipped", name)
            for a, b in zip(edges[::2], edges[1::2])]
    return out


class FamilySimulator:
    """A family's ``simulate(scenario=None, **changes)``: one recording with its
    ground truth, made with the family's kit.

    Parameters
    ----------
    name : str
    kit : Kit
    family_key : int
        Mixed into the seed, so that families differ for the same seed.
    """

    def __init__(self, name, kit, family_key):
        self.name = name
        self.kit = kit
        self.family_key = family_key

    def __call__(self, scenario=None, **changes):
        """Simulate one recording of this family.

        Parameters
        ----------
        scenario : Scenario | None
            The recording to make; None means the defaults.
        **changes
            Fields of :class:`~.scenario.Scenario` to change.

        Returns
        -------
        recording : SimulatedRecording
        """
        return compose(replace(scenario or Scenario(), **changes), self.kit,
                       self.family_key)
