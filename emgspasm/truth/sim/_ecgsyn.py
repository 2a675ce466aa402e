"""ECG from McSharry's dynamical model (ECGSYN), for the ``measured`` family.

McSharry, Clifford, Tarassenko & Smith 2003 (IEEE Trans Biomed Eng 50:289)
move a point round a limit cycle of unit radius at the angular speed
``2 pi / RR(t)``; each wave (P, Q, R, S, T) pushes the height ``z`` as the
point passes its angle ``theta_i``::

    dz/dt = -sum_i a_i dtheta_i exp(-dtheta_i^2 / (2 b_i^2)) - (z - z0(t))

with ``theta_i`` = (-70, -15, 0, 15, 100) degrees, ``a_i`` = (1.2, -5, 30,
-7.5, 0.75), ``b_i`` = (0.25, 0.1, 0.1, 0.1, 0.4), the widths scaled by
``sqrt(HR / 60)`` and the P and T angles by its square root, and ``z0`` a
respiratory baseline. The point starts on the cycle, so its angle is the
integral of the angular speed and only ``z`` needs integrating: a
first-order low-pass of the pushes, solved exactly per sample, from 8 s
before the recording starts (so it has settled).

R-R intervals come from the model's bimodal spectrum: Mayer waves at
0.1 Hz and respiratory sinus arrhythmia at the breathing rate, each 0.01 Hz
wide, LF/HF power 0.3-2, with a standard deviation of 1-5 bpm around 50-110
bpm. Per channel the wave heights vary by +/-20 % and the lead's polarity
is random; the R peak above baseline is scaled to the level given.
"""

import numpy as np
from scipy import signal

from ._adc import resample

ANGLES_DEG = np.array([-70.0, -15.0, 0.0, 15.0, 100.0])
HEIGHTS = np.array([1.2, -5.0, 30.0, -7.5, 0.75])
WIDTHS = np.array([0.25, 0.1, 0.1, 0.1, 0.4])
MIN_INTERNAL_HZ = 1000.0
#: Integration time discarded while ``z`` settles onto its cycle (time constant 1 s).
WARM_UP_S = 8.0
MAYER_HZ, SPECTRAL_WIDTH_HZ = 0.1, 0.01


def _rr_series(n, fs, mean_rr, sd_rr, resp_hz, lf_hf, rng):
    """R-R interval (s) at every sample, from the bimodal spectrum."""
    f = np.fft.rfftfreq(n, 1.0 / fs)
    power = (lf_hf * np.exp(-0.5 * ((f - MAYER_HZ) / SPECTRAL_WIDTH_HZ) ** 2)
             + np.exp(-0.5 * ((f - resp_hz) / SPECTRAL_WIDTH_HZ) ** 2))
    spectrum = np.sqrt(power) * np.exp(2j * np.pi * rng.uniform(size=len(f)))
    spectrum[0] = 0.0
    wiggle = np.fft.irfft(spectrum, n)
    return np.maximum(mean_rr + sd_rr * wiggle / np.std(wiggle), 0.3)


def ecg(n, sfreq, r_amplitude_v, rng):
    """ECG bleeding into the EMG and the sample index of every R peak.

    Parameters
    ----------
    n : int
        Samples.
    sfreq : float
    r_amplitude_v : float
        R peak above baseline (V).
    rng : numpy.random.Generator

    Returns
    -------
    ecg : ndarray
    r_idx : ndarray
    """
    k = int(np.ceil(MIN_INTERNAL_HZ / sfreq))
    fs = k * sfreq
    warm = int(WARM_UP_S * sfreq) * k
    m = n * k + warm
    bpm = rng.uniform(50.0, 110.0)
    resp_hz = rng.uniform(0.15, 0.4)
    rr = _rr_series(m, fs, 60.0 / bpm, 60.0 / bpm ** 2 * rng.uniform(1.0, 5.0),
                    resp_hz, rng.uniform(0.3, 2.0), rng)
    theta = rng.uniform(-np.pi, np.pi) + np.cumsum(2 * np.pi / rr) / fs
    factor = np.sqrt(bpm / 60.0)
    angles = np.radians(ANGLES_DEG) * np.array([np.sqrt(factor), factor, 1.0,
                                                factor, np.sqrt(factor)])
    heights = HEIGHTS * rng.uniform(0.8, 1.2, len(HEIGHTS))
    push = np.zeros(m)
    for angle, height, width in zip(angles, heights, WIDTHS * factor):
        d = (theta - angle + np.pi) % (2 * np.pi) - np.pi
        push -= height * d * np.exp(-0.5 * (d / width) ** 2)
    t = np.arange(m) / fs
    z0 = 0.005 * np.sin(2 * np.pi * resp_hz * t)
    decay = np.exp(-1.0 / fs)
    drive = z0 + push
    z = signal.lfilter([1.0 - decay], [1.0, -decay], drive)[warm:]
    z = resample(z, fs, sfreq)
    r_idx = (np.flatnonzero(np.diff(np.floor(theta[warm:] / (2 * np.pi)))) + 1) // k
    z -= np.median(z)
    height = np.median(z[r_idx]) if len(r_idx) else np.max(np.abs(z))
    return rng.choice([-1.0, 1.0]) * r_amplitude_v * z / height, r_idx
