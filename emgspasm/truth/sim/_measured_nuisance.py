"""What the ``measured`` family's sensor records besides muscle.

* Mains: the grid's fundamental drifting by up to 0.05-0.2 Hz (slow
  components of 5-120 s period; the same on every channel, since they
  all pick up one grid) with every harmonic up to the 7th (odd ones strong: 3rd
  5-50 %, 5th 2-30 %, 7th 1-20 %; even ones 0-8 %), as a switching power
  supply or a dimmer nearby adds.
* Baseline wander: breathing (0.15-0.4 Hz) and the electrode's polarisation
  settling exponentially (time constant 30-300 s), on an offset up to 0.3 mV.
* Pops, one of five shapes: a step (0.1-2 ms rise) decaying over 0.1-2 s;
  a brief bipolar spike (two opposite lobes of 0.2-2 ms: an electrostatic
  discharge or a cable fault); a spike followed by a step; a staircase of
  2-4 steps within 20-300 ms (intermittent contact); or a measured contact
  transient of walking (:mod:`._measured_material`). 0.1-5 mV. Fast
  shapes are drawn at 20 kHz and above and decimated through an
  anti-aliasing filter, as an ADC would see them.
* Motion: 0.5-4 s of Gaussian noise band-limited to 0.5-10 Hz under a
  tapered window, 0.3-5 mV (De Luca et al. 2010, J Biomech 43:1573).
* Leads off: the floating input pegs one rail, flipping to the other for
  10-50 ms every 0.2-2 s.
"""

import numpy as np
from scipy import signal

from ._adc import resample
from ._measured_material import contact_transient

MAINS_HARMONICS = ((2, 0.0, 0.08), (3, 0.05, 0.5), (4, 0.0, 0.08), (5, 0.02, 0.3),
                   (6, 0.0, 0.08), (7, 0.01, 0.2))
FAST_HZ = 20000.0
MOTION_HZ = 100.0


def grid(n, sfreq, mains_hz, rng):
    """Phase (rad) of the grid's fundamental, drifting by up to 0.2 Hz."""
    t = np.arange(n) / sfreq
    drift = np.zeros(n)
    for _ in range(3):
        drift += np.sin(2 * np.pi * t / rng.uniform(5.0, 120.0) + rng.uniform(0, 2 * np.pi))
    drift *= rng.uniform(0.05, 0.2) / 3
    return 2 * np.pi * np.cumsum(mains_hz + drift) / sfreq


def mains(phase, sfreq, mains_hz, amplitude_v, rng):
    """One channel's mains on the grid's ``phase``, with harmonics up to the 7th."""
    out = np.sin(phase + rng.uniform(0, 2 * np.pi))
    for k, low, high in MAINS_HARMONICS:
        if k * (mains_hz + 0.2) < 0.48 * sfreq:
            out += rng.uniform(low, high) * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    return amplitude_v * out


def wander(n, sfreq, amplitude_v, rng):
    """Breathing and electrode polarisation settling, on an offset."""
    t = np.arange(n) / sfreq
    breathing = np.sin(2 * np.pi * rng.uniform(0.15, 0.4) * t + rng.uniform(0, 2 * np.pi))
    settling = rng.uniform(-2.0, 2.0) * np.exp(-t / rng.uniform(30.0, 300.0))
    return rng.uniform(-3e-4, 3e-4) + amplitude_v * (breathing + settling)


def _decimated(make, sfreq, rng):
    """A fast shape drawn at k x sfreq >= 20 kHz by ``make(rate, rng)``, then decimated."""
    k = int(np.ceil(FAST_HZ / sfreq))
    return resample(make(k * sfreq, rng), k * sfreq, sfreq)


def _step(rate, rng):
    rise = max(1, int(rng.uniform(1e-4, 2e-3) * rate))
    tau = rng.uniform(0.1, 2.0)
    wave = np.exp(-np.arange(int(4 * tau * rate)) / (tau * rate))
    wave[:rise] *= np.arange(rise) / rise
    return np.concatenate([np.zeros(int(0.005 * rate)), wave])


def _spike(rate, rng):
    lobes = []
    for sign in (1.0, -rng.uniform(0.5, 1.0)):
        width = max(2, int(rng.uniform(2e-4, 2e-3) * rate))
        lobes.append(sign * np.sin(np.pi * (np.arange(width) + 0.5) / width))
    pad = np.zeros(int(0.005 * rate))
    return np.concatenate([pad, *lobes, pad])


def _spike_step(rate, rng):
    spike = _spike(rate, rng)
    step = _step(rate, rng) * rng.uniform(0.2, 0.8) * rng.choice([-1.0, 1.0])
    out = np.zeros(max(len(spike), len(step)))
    out[:len(spike)] += spike
    out[:len(step)] += step
    return out


def _staircase(rate, rng):
    tau = rng.uniform(0.2, 1.5)
    span = rng.uniform(0.02, 0.3)
    t = np.arange(int((span + 4 * tau) * rate)) / rate
    out = np.zeros(len(t))
    for when in np.sort(rng.uniform(0, span, int(rng.integers(2, 5)))):
        after = t >= when
        out[after] += rng.uniform(0.3, 1.0) * rng.choice([-1.0, 1.0]) * np.exp(
            -(t[after] - when) / tau)
    return np.concatenate([np.zeros(int(0.005 * rate)), out])


_FAST_POPS = (_step, _spike, _spike_step, _staircase)


def pop(sfreq, rng):
    """One pop of a random shape, 0.1-5 mV (V)."""
    shape = int(rng.integers(len(_FAST_POPS) + 1))
    if shape == len(_FAST_POPS):
        wave = contact_transient(sfreq, rng)
    else:
        wave = _decimated(_FAST_POPS[shape], sfreq, rng)
    return wave * rng.uniform(1e-4, 5e-3) / np.max(np.abs(wave)) \
        * rng.choice([-1.0, 1.0])


def motion(sfreq, rng):
    """0.5-4 s of 0.5-10 Hz disturbance, 0.3-5 mV (V)."""
    m = int(rng.uniform(0.5, 4.0) * MOTION_HZ)
    sos = signal.butter(2, [0.5, 10.0], btype="bandpass", fs=MOTION_HZ, output="sos")
    slow = signal.sosfiltfilt(sos, rng.standard_normal(m + int(2 * MOTION_HZ)))
    slow = slow[int(MOTION_HZ):int(MOTION_HZ) + m] * signal.windows.tukey(m, 0.5)
    wave = resample(slow, MOTION_HZ, sfreq)
    return wave * rng.uniform(3e-4, 5e-3) / np.max(np.abs(wave))


def leads_off(n, sfreq, rail_v, rng):
    """A floating input pegging one rail, flipping to the other now and then (V)."""
    level = rng.choice([-1.0, 1.0])
    out = np.full(n, 1.5 * rail_v * level)
    at = rng.uniform(0.2, 2.0)
    while at * sfreq < n:
        i0 = int(at * sfreq)
        out[i0:i0 + int(rng.uniform(0.01, 0.05) * sfreq)] *= -1
        at += rng.uniform(0.2, 2.0)
    return out
