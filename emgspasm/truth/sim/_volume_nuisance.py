"""What the ``volume`` family's sensor records besides muscle.

* Noise floor: Gaussian, power spectrum ``1/f^alpha`` with ``alpha``
  0-1 per channel (white amplifier noise to the 1/f noise of the
  electrode-skin interface: Huigen, Peper & Grimbergen 2002, Med Biol Eng
  Comput 40:332), flat below 0.5 Hz.
* Mains: the grid's fundamental 0-0.05 Hz off nominal (the same on every
  channel) with harmonics 2-5 (3rd
  5-40 %, 5th 0-20 %, even ones 0-10 %), its coupling swelling by 0-50 %
  as the body moves (components at 0.05-0.5 Hz).
* Baseline wander: an Ornstein-Uhlenbeck drift (time constant 1-10 s) of
  the given RMS, on a 0.5 mV electrode offset at most.
* Electrode pops: a 0.2-3 ms step of 0.3-5 mV that recovers in two
  exponentials (5-50 ms for 20-80 % of it, 0.2-2 s for the rest): charge
  redistribution at the electrode-gel interface (Clancy, Morin & Merletti
  2002, J Electromyogr Kinesiol 12:1).
* Motion: 0.3-3 s of 2-4 damped oscillations at 0.5-8 Hz (a limb or a
  cable swinging), 0.3-5 mV, all below 20 Hz (De Luca et al. 2010,
  J Biomech 43:1573).
* ECG: a QRS complex as a sum of the first six Hermite functions of width
  8-14 ms with random weights per channel (a different lead each time:
  Sörnmo et al. 1981, IEEE Trans Biomed Eng 28:713; Lagerholm et al.
  2000, IEEE Trans Biomed Eng 47:838), half-sine P and skewed T waves
  (QT following Bazett's square root of R-R); beats from an integral
  pulse frequency modulation model (Mateo & Laguna 2000, IEEE Trans
  Biomed Eng 47:985) at 50-110 bpm with respiratory sinus arrhythmia
  (2-8 %) and Mayer waves (1-4 %); the R peak (largest QRS deflection) at
  the level given, swelling by up to 10 % with breathing.
* Leads off: the input drifts to one rail within 5-50 ms and stays there.
"""

import numpy as np
from scipy import signal
from scipy.special import eval_hermite, factorial

MAINS_HARMONICS = ((2, 0.0, 0.1), (3, 0.05, 0.4), (4, 0.0, 0.1), (5, 0.0, 0.2))
QRS_TERMS = 6


def noise_floor(n, sfreq, rms_v, rng):
    """Gaussian noise of RMS ``rms_v`` with a ``1/f^alpha`` spectrum, alpha in 0-1."""
    alpha = rng.uniform(0.0, 1.0)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1.0 / sfreq), 0.5)
    spectrum *= f ** (-alpha / 2)
    spectrum[0] = 0.0
    out = np.fft.irfft(spectrum, n)
    return out * rms_v / np.std(out)


def _slow_swell(t, low_hz, high_hz, rng, parts=3):
    """A sum of ``parts`` sinusoids between ``low_hz`` and ``high_hz``, in -1..1."""
    out = np.zeros(len(t))
    for _ in range(parts):
        freq = rng.uniform(low_hz, high_hz)
        out += np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
    return out / parts


def grid(n, sfreq, mains_hz, rng):
    """Phase (rad) of the grid's fundamental, 0-0.05 Hz off nominal."""
    return 2 * np.pi * (mains_hz + rng.uniform(-0.05, 0.05)) * np.arange(n) / sfreq


def mains(phase, sfreq, mains_hz, amplitude_v, rng):
    """One channel's mains on the grid's ``phase``: harmonics 2-5 and a
    coupling that swells as the body moves."""
    t = np.arange(len(phase)) / sfreq
    out = np.sin(phase + rng.uniform(0, 2 * np.pi))
    for k, low, high in MAINS_HARMONICS:
        if k * (mains_hz + 0.05) < 0.48 * sfreq:
            out += rng.uniform(low, high) * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    swell = 1 + rng.uniform(0.0, 0.5) * _slow_swell(t, 0.05, 0.5, rng)
    return amplitude_v * out * swell


def wander(n, sfreq, amplitude_v, rng):
    """Ornstein-Uhlenbeck baseline drift of RMS ``amplitude_v`` on an electrode offset."""
    rate = 100.0
    m = int(n / sfreq * rate) + 2
    pole = np.exp(-1.0 / (rng.uniform(1.0, 10.0) * rate))
    drift = signal.lfilter([1.0], [1.0, -pole], rng.standard_normal(m))
    drift *= amplitude_v / np.std(drift)
    return rng.uniform(-5e-4, 5e-4) + np.interp(np.arange(n) / sfreq,
                                                np.arange(m) / rate, drift)


def pop(sfreq, rng):
    """A step that recovers in two exponentials (V)."""
    amp = rng.uniform(3e-4, 5e-3) * rng.choice([-1.0, 1.0])
    fast, slow = rng.uniform(0.005, 0.05), rng.uniform(0.2, 2.0)
    share = rng.uniform(0.2, 0.8)
    t = np.arange(int(4 * slow * sfreq)) / sfreq
    wave = amp * (share * np.exp(-t / fast) + (1 - share) * np.exp(-t / slow))
    rise = max(1, int(rng.uniform(2e-4, 3e-3) * sfreq))
    wave[:rise] *= np.arange(rise) / rise
    return wave


def motion(sfreq, rng):
    """Damped 0.5-8 Hz oscillations kicked at random times in a 0.3-3 s window (V)."""
    dur = rng.uniform(0.3, 3.0)
    t = np.arange(int(dur * sfreq)) / sfreq
    wave = np.zeros(len(t))
    for _ in range(int(rng.integers(2, 5))):
        kick = rng.uniform(0, 0.7 * dur)
        after = np.clip(t - kick, 0, None)
        swing = np.sin(2 * np.pi * rng.uniform(0.5, 8.0) * after)
        wave += (t >= kick) * rng.normal() * swing * np.exp(-after / rng.uniform(0.1, 0.6))
    wave *= np.sin(np.pi * t / dur) ** 0.5
    return wave * rng.uniform(3e-4, 5e-3) / np.max(np.abs(wave))


def _hermite_function(order, t, width):
    norm = np.sqrt(width * 2.0 ** order * factorial(order) * np.sqrt(np.pi))
    return eval_hermite(order, t / width) * np.exp(-(t / width) ** 2 / 2) / norm


def ecg(n, sfreq, r_amplitude_v, rng):
    """ECG bleeding into the EMG and the sample index of every R peak."""
    bpm = rng.uniform(50.0, 110.0)
    rr = 60.0 / bpm
    width = rng.uniform(0.008, 0.014)
    half = int(0.7 * rr * sfreq)
    tt = np.arange(-half, half + 1) / sfreq
    weights = rng.normal(0.0, 1.0, QRS_TERMS) * np.linspace(1.0, 0.2, QRS_TERMS)
    qrs = sum(w * _hermite_function(k, tt, width) for k, w in enumerate(weights))
    r_at = int(np.argmax(np.abs(qrs)))
    qrs /= qrs[r_at]
    qt = 0.4 * np.sqrt(rr)
    p_len, t_len = rng.uniform(0.08, 0.11), rng.uniform(0.15, 0.25)
    p_on, t_on = tt + rng.uniform(0.14, 0.2), tt - (qt - t_len)
    template = qrs + rng.uniform(0.05, 0.15) * np.sin(np.pi * np.clip(p_on / p_len, 0, 1))
    late = np.clip(t_on / t_len, 0, 1) ** rng.uniform(1.2, 1.6)  # slow rise, fast fall
    template += rng.uniform(0.1, 0.35) * np.sin(np.pi * late)
    template -= np.linspace(template[0], template[-1], len(template))
    # integral pulse frequency modulation: a beat each time the rate integrates to 1
    t = np.arange(n) / sfreq
    resp_hz = rng.uniform(0.15, 0.4)
    rate = (1 + rng.uniform(0.02, 0.08) * np.sin(2 * np.pi * resp_hz * t)
            + rng.uniform(0.01, 0.04) * np.sin(2 * np.pi * 0.1 * t + rng.uniform(0, 6.3)))
    cycles = rng.uniform() + np.cumsum(rate) / (rr * sfreq)
    beats = np.flatnonzero(np.diff(np.floor(cycles)))
    swell = 1 + 0.1 * np.sin(2 * np.pi * resp_hz * t + rng.uniform(0, 6.3))
    out = np.zeros(n + len(template))
    for b in beats:
        out[b:b + len(template)] += template * swell[b]
    r_idx = beats + r_at
    return r_amplitude_v * out[:n], r_idx[r_idx < n]


def leads_off(n, sfreq, rail_v, rng):
    """The input drifting to one rail within 5-50 ms (V)."""
    t = np.arange(n) / sfreq
    approach = 1 - np.exp(-t / rng.uniform(0.005, 0.05))
    return rng.choice([-1.0, 1.0]) * 1.2 * rail_v * approach
