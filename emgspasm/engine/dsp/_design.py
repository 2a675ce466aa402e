"""Filter design, done once with scipy when a chain is built."""

import numpy as np
from scipy import signal

from ..._check import invalid

#: Highest band-pass upper edge, as a fraction of the sampling rate.
MAX_HIGH_FRACTION = 0.45
MAINS_CHOICES = (50.0, 60.0)


def bandpass_sos(sfreq, low_hz, high_hz, order):
    """Design the Butterworth band-pass as second-order sections.

    Parameters
    ----------
    sfreq : float
        Sampling rate (Hz).
    low_hz, high_hz : float
        Requested edges; ``high_hz`` is lowered to 0.45 x ``sfreq`` when it
        does not fit below Nyquist.
    order : int
        Butterworth order.

    Returns
    -------
    sos : ndarray, shape (n_sections, 6)
    high_used : float
        The upper edge actually used.
    """
    high_used = min(high_hz, MAX_HIGH_FRACTION * sfreq)
    if low_hz >= high_used:
        raise invalid("filters.bandpass_low_hz",
                      f"numbers below the usable upper edge {high_used:g} Hz "
                      f"at {sfreq:g} Hz sampling", low_hz)
    sos = signal.butter(order, [low_hz, high_used], btype="bandpass",
                        fs=sfreq, output="sos")
    return sos, high_used


def ring_extent_s(sfreq, low_hz, high_hz, order, window_s, fractions):
    """How long the band-pass turns an impulse into activity.

    The moving RMS (``window_s``) of the band-pass's impulse response, less
    the window's own length, stays above each of ``fractions`` of its peak
    for this long: how long a discharge whose detection envelope peaks at
    ``1 / fraction`` times a threshold stays above it by the ring alone.

    Returns
    -------
    extent_s : ndarray
        One duration (s) per fraction.
    """
    sos, _ = bandpass_sos(sfreq, low_hz, high_hz, order)
    n = int(sfreq)  # one second holds the ring of any band edge >= 1 Hz
    impulse = np.zeros(n)
    impulse[0] = 1.0
    window = max(1, round(window_s * sfreq))
    env = np.convolve(signal.sosfilt(sos, impulse) ** 2, np.ones(window))[:n]
    extents = []
    for fraction in np.atleast_1d(fractions):
        above = np.flatnonzero(env >= fraction ** 2 * env.max())
        extents.append((above[-1] - above[0] + 1 - (window - 1)) / sfreq)
    return np.array(extents)


def bandpass_smear_s(sfreq, low_hz, high_hz, order, window_s, fraction):
    """How long the band-pass smears a discharge beyond what a full band would.

    A band clipped below Nyquist (a 250 Hz sensor passes 20-112 Hz) turns a
    brief discharge into a longer ring. This compares :func:`ring_extent_s`
    at ``fraction`` of the peak at ``sfreq`` and at a rate four times
    ``high_hz`` (where nothing is clipped).

    Returns
    -------
    excess_s : float
        Extra duration (s), 0 when the band is not clipped.
    """
    def extent(rate):
        return ring_extent_s(rate, low_hz, high_hz, order, window_s, fraction)[0]

    return max(0.0, extent(sfreq) - extent(4.0 * high_hz))


def notch_sos(sfreq, mains_hz, q, harmonics):
    """Design notches at the mains frequency and (optionally) its harmonics.

    Every harmonic strictly below 0.98 x Nyquist gets one second-order notch
    with the fundamental's bandwidth (``mains_hz / q``). Equal bandwidths keep
    the notched share of the spectrum small: with a constant Q the 19 notches
    of 50 Hz mains at 2 kHz would remove about a third of the band, and every
    motor-unit potential would ring through the comb for ~100 ms.

    Returns
    -------
    sos : ndarray, shape (n_notches, 6)
    freqs : list of float
        The notched frequencies.
    """
    nyquist = sfreq / 2.0
    freqs = []
    k = 1
    while k * mains_hz < 0.98 * nyquist:
        freqs.append(k * mains_hz)
        if not harmonics:
            break
        k += 1
    sections = [signal.tf2sos(*signal.iirnotch(f, q * f / mains_hz, fs=sfreq))
                for f in freqs]
    sos = np.vstack(sections) if sections else np.zeros((0, 6))
    return sos, freqs


def unit_state(sos):
    """Per-section filter state for a unit step at steady state.

    Returns an array of shape (n_sections, 2); multiply by the first input
    sample to start a filter without a transient (as mne-lsl does).
    """
    if len(sos) == 0:
        return np.zeros((0, 2))
    return signal.sosfilt_zi(sos)


#: Edges of the artefact band: electrode pops, motion and ECG put most of
#: their energy here, surface motor-unit potentials very little.
ARTIFACT_BAND_HZ = (2.0, 20.0)


#: Lowest rate the artefact band is computed at (Hz); it is 25 times its
#: upper edge, so the band is far from the decimated Nyquist.
ARTIFACT_BAND_MIN_RATE_HZ = 500.0


def artifact_band_decimation(sfreq):
    """Decimation factor of the artefact band: the band runs at ``sfreq / D``.

    ``D`` is the largest integer keeping that rate at or above
    :data:`ARTIFACT_BAND_MIN_RATE_HZ` (1 for sensors at or below it). The
    signal is averaged over blocks of ``D`` samples first; that boxcar has
    nulls at every multiple of the decimated rate, which is what folds
    onto 0-20 Hz, so muscle activity near those frequencies (20-30 dB weaker
    still after the boxcar) does not leak into the band.
    """
    return max(1, int(sfreq // ARTIFACT_BAND_MIN_RATE_HZ))


def artifact_band_sos(sfreq):
    """Third-order Butterworth band-pass of the artefact band (2-20 Hz).

    Designed for the decimated rate ``sfreq / artifact_band_decimation(sfreq)``.
    Three poles at 2 Hz keep baseline wander (0.1-0.5 Hz) out: a 1 mV wander
    at 0.3 Hz leaves about 3 uV.
    """
    rate = sfreq / artifact_band_decimation(sfreq)
    return signal.butter(3, ARTIFACT_BAND_HZ, btype="bandpass", fs=rate,
                         output="sos")
