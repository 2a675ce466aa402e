"""What a worn sensor records besides muscle.

* Noise floor: white plus 30 % pink noise, 2-15 uV RMS for wearable and dry
  electrodes (Searle & Kirkup 2000, Physiol Meas 21:271; Merletti & Muceli
  2019, J Electromyogr Kinesiol 49:102363).
* Mains: fundamental up to a few hundred uV with odd harmonics (3rd 30 %,
  5th 10 %) and a weak 2nd, frequency drifting by a few hundredths of a Hz.
* Baseline wander: 0.05-0.5 Hz (respiration, sweat, electrode polarisation).
* Electrode pops: a step (rise 1-3 ms) decaying exponentially over
  0.2-2 s, 0.5-5 mV (De Luca et al. 2010, J Biomech 43:1573).
* Motion: 0.3-2 s of 1-8 Hz disturbance of 0.5-6 mV (De Luca 2010: motion
  artefact energy lies below 20 Hz).
* ECG: a P-QRS-T template as a sum of Gaussians (McSharry et al. 2003,
  IEEE Trans Biomed Eng 50:289) with R peaks of 50-500 uV at 50-110 bpm and
  3 % beat-to-beat variability; it reaches trunk and proximal muscles
  (Drake & Callaghan 2006, J Electromyogr Kinesiol 16:175).
"""

import numpy as np
from scipy import signal

# ECG waves: (offset from R in s, Gaussian width in s, relative amplitude).
_ECG_WAVES = ((-0.20, 0.025, 0.12), (-0.025, 0.008, -0.15), (0.0, None, 1.0),
              (0.025, 0.008, -0.25), (0.30, 0.06, 0.3))


def noise_floor(n, sfreq, rms_v, rng):
    """White plus pink noise scaled to ``rms_v``."""
    white = rng.standard_normal(n)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sfreq)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0
    pink = np.fft.irfft(spectrum, n)
    pink /= np.std(pink) or 1.0
    out = white + 0.3 * pink
    return out * rms_v / np.std(out)


def mains(n, sfreq, mains_hz, amplitude_v, rng):
    """Mains interference with harmonics and a slowly drifting frequency."""
    t = np.arange(n) / sfreq
    drift = np.cumsum(rng.standard_normal(n)) / np.sqrt(max(n, 1)) * 0.02
    phase = 2 * np.pi * np.cumsum(mains_hz + drift) / sfreq
    out = np.zeros(n)
    for k, rel in ((1, 1.0), (2, 0.05), (3, 0.3), (5, 0.1)):
        if k * mains_hz < 0.48 * sfreq:
            out += rel * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    envelope = 1 + 0.2 * np.sin(2 * np.pi * 0.05 * t + rng.uniform(0, 6.28))
    return amplitude_v * out * envelope


def baseline_wander(n, sfreq, amplitude_v, rng):
    """Two slow sinusoids and a small electrode offset."""
    t = np.arange(n) / sfreq
    out = rng.uniform(-1e-3, 1e-3) * np.ones(n)
    for _ in range(2):
        out += amplitude_v * np.sin(2 * np.pi * rng.uniform(0.05, 0.5) * t
                                    + rng.uniform(0, 2 * np.pi))
    return out


def pop(sfreq, rng):
    """One electrode pop: step with a 1-3 ms rise and an exponential decay.

    Returns
    -------
    wave : ndarray
    duration_s : float
        The time constant, reported as the artefact's duration.
    """
    amp = rng.uniform(0.5e-3, 5e-3) * rng.choice([-1, 1])
    tau = rng.uniform(0.2, 2.0)
    rise = max(1, int(rng.uniform(1e-3, 3e-3) * sfreq))
    n = int(3 * tau * sfreq)
    t = np.arange(n) / sfreq
    wave = amp * np.exp(-t / tau)
    wave[:rise] *= np.linspace(0, 1, rise, endpoint=False)
    return wave, tau


def motion(sfreq, rng):
    """One motion artefact: 1-8 Hz disturbance under a Hann window."""
    dur = rng.uniform(0.3, 2.0)
    n = int(dur * sfreq)
    sos = signal.butter(2, [1.0, 8.0], btype="bandpass", fs=sfreq, output="sos")
    wave = signal.sosfiltfilt(sos, rng.standard_normal(n + int(sfreq)))[:n]
    wave *= np.hanning(n)
    wave *= rng.uniform(0.5e-3, 6e-3) / (np.max(np.abs(wave)) or 1.0)
    return wave, dur


def ecg(n, sfreq, r_amplitude_v, bpm, rng):
    """ECG contamination and the sample index of every R peak."""
    rr = 60.0 / bpm
    width_r = rng.uniform(0.006, 0.010)
    beats = []
    t = rng.uniform(0.2, rr)
    while t < n / sfreq - 0.5:
        beats.append(t)
        t += rr * (1 + 0.03 * rng.standard_normal())
    half = int(0.5 * sfreq)
    tt = np.arange(-half, half + 1) / sfreq
    template = np.zeros_like(tt)
    for offset, width, rel in _ECG_WAVES:
        template += rel * np.exp(-0.5 * ((tt - offset) / (width or width_r)) ** 2)
    out = np.zeros(n + 2 * half + 1)
    r_idx = (np.array(beats) * sfreq).astype(int)
    for r in r_idx:
        out[r:r + len(template)] += template
    return r_amplitude_v * out[half:half + n], r_idx
