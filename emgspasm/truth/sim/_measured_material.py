"""Real material for the ``measured`` family, from ``data/measured_material.npz``.

Cut from public recordings by ``data/make_measured_material.py`` (sources
and licences in ``data/LICENSES.md``):

* Noise floor: 51 s of quiet stretches of the UCI lower-limb surface
  recordings (1000 Hz, 10-450 Hz as recorded, 0.75 uV steps), tiled in
  pieces of 0.5-4 s (each at unit RMS, sign and direction random, joined
  by 20 ms power-complementary crossfades), tilted by ``f^(-beta/2)``
  around 100 Hz with ``beta`` in -0.5..1 per channel (whiter to pinker than
  recorded), resampled to the recording's rate and scaled to the RMS asked.
  Nothing lies above 500 Hz: the engine's band stops at 450 Hz.
* Motor-unit potentials: 20 concentric-needle potentials of PhysioNet emgdb
  (healthy, myopathic, neuropathic). The tissue between fibres and skin is
  a low-pass filter that widens potentials with depth (Lindstrom & Magnusson
  1977, Proc IEEE 65:653), so each unit takes one of them through a
  Gaussian low-pass (standard deviation 0.3-2.5 ms), a time stretch of
  0.8-1.6 (conduction velocity), a random sign and an amplitude of
  1-30 (size) x 0.1-1 (depth), redrawn until it lasts 3-25 ms above 10 % of
  its peak.
* Contact transients: 16 slow 200 ms transients (15-20 Hz) of the vastus
  medialis channel during gait, for the family's pops.
"""

import itertools
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._adc import resample

MATERIAL = Path(__file__).with_name("data") / "measured_material.npz"
PIECE_S, CROSSFADE_S = (0.5, 4.0), 0.02
TILT, TILT_REF_HZ = (-0.5, 1.0), 100.0
MUAP_WIDTH_S, MUAP_SMOOTH_S, MUAP_STRETCH = (0.003, 0.025), (0.0003, 0.0025), (0.8, 1.6)
UNITS = (40, 80)


@lru_cache(maxsize=1)
def material():
    """The material, as float arrays in volts (loaded once)."""
    with np.load(MATERIAL) as f:
        noise = f["noise"] * float(f["noise_lsb_v"])
        starts = f["noise_starts"]
        return {
            "noise": [noise[a:b] for a, b in itertools.pairwise(starts)],
            "noise_sfreq": float(f["noise_sfreq"]),
            "muaps": f["muaps"].astype(float), "muap_sfreq": float(f["muap_sfreq"]),
            "transients": f["transients"].astype(float),
            "transient_sfreq": float(f["transient_sfreq"]),
        }


def noise_floor(n, sfreq, rms_v, rng):
    """Measured noise tiled to ``n`` samples at ``sfreq`` with RMS ``rms_v``."""
    mat = material()
    src_hz = mat["noise_sfreq"]
    need = int(np.ceil(n * src_hz / sfreq)) + 2 * int(src_hz * CROSSFADE_S) + 16
    fade = int(CROSSFADE_S * src_hz)
    ramp = np.sin(np.pi / 2 * (np.arange(fade) + 0.5) / fade)
    out = np.zeros(need + int(PIECE_S[1] * src_hz))
    at = 0
    while at < need:
        stretch = mat["noise"][int(rng.integers(len(mat["noise"])))]
        length = min(len(stretch), int(rng.uniform(*PIECE_S) * src_hz))
        start = int(rng.integers(0, len(stretch) - length + 1))
        piece = stretch[start:start + length]
        piece = (piece - piece.mean()) / np.std(piece) * rng.choice([-1.0, 1.0])
        if rng.random() < 0.5:
            piece = piece[::-1]
        if at:
            piece[:fade] *= ramp
            out[at:at + fade] *= ramp[::-1]
        out[at:at + length] += piece
        at += length - fade
    x = _tilt(out[:need], src_hz, rng.uniform(*TILT))
    x = resample(x, src_hz, sfreq)[:n]
    return x * rms_v / np.std(x)


def _tilt(x, sfreq, beta):
    spectrum = np.fft.rfft(x)
    f = np.maximum(np.fft.rfftfreq(len(x), 1.0 / sfreq), 1.0)
    spectrum *= (f / TILT_REF_HZ) ** (-beta / 2)
    spectrum[0] = 0.0
    return np.fft.irfft(spectrum, len(x))


def _extent_s(wave, sfreq):
    idx = np.flatnonzero(np.abs(wave) >= 0.1 * np.max(np.abs(wave)))
    return (idx[-1] - idx[0]) / sfreq


def surface_potential(sfreq, rng):
    """One motor unit's surface-like potential from a measured needle potential (V)."""
    mat = material()
    src_hz = mat["muap_sfreq"]
    while True:
        template = mat["muaps"][int(rng.integers(len(mat["muaps"])))]
        sigma = rng.uniform(*MUAP_SMOOTH_S) * src_hz
        half = int(4 * sigma) + 1
        kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
        smooth = np.convolve(template, kernel / kernel.sum())
        # played slower by the stretch: the same samples stand for a lower rate
        wave = resample(smooth, src_hz / rng.uniform(*MUAP_STRETCH), sfreq)
        if MUAP_WIDTH_S[0] <= _extent_s(wave, sfreq) <= MUAP_WIDTH_S[1]:
            break
    keep = np.flatnonzero(np.abs(wave) > 1e-3 * np.max(np.abs(wave)))
    wave = wave[keep[0]:keep[-1] + 1]
    return wave / np.max(np.abs(wave)) * rng.choice([-1.0, 1.0])


def motor_units(sfreq, rng):
    """40-80 units of measured shape.

    Returns
    -------
    waves : list of ndarray
        One discharge's potential per unit (relative amplitudes).
    sizes : ndarray
        Unit sizes (recruitment order).
    """
    count = int(rng.integers(UNITS[0], UNITS[1] + 1))
    sizes = np.exp(rng.uniform(np.log(1.0), np.log(30.0), count))
    waves = [surface_potential(sfreq, rng) * s * rng.uniform(0.1, 1.0) for s in sizes]
    return waves, sizes


def contact_transient(sfreq, rng):
    """A measured contact transient at ``sfreq``, unit peak, random sign."""
    mat = material()
    wave = resample(mat["transients"][int(rng.integers(len(mat["transients"])))],
                    mat["transient_sfreq"], sfreq)
    return wave / np.max(np.abs(wave)) * rng.choice([-1.0, 1.0])
