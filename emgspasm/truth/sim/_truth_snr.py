"""A true event's amplitude as the detector sees it.

Every simulator family fills the ``peak_uv`` and ``snr`` of its true
fasciculations the same way, so that detection can be scored per SNR bin
whichever world the recording comes from:

* ``peak_uv``: the largest absolute value of the event's own waveform (no
  noise, nothing else) after the engine's band-pass (Butterworth, 20-450 Hz,
  order 4 per edge, upper edge clipped to 0.45 fs; run causally, as the
  engine runs it);
* ``snr``: that peak over the RMS of the channel's noise floor after the
  same band-pass: the sensor's noise and what of the baseline wander leaks
  into the band, which no filter removes (mains, ECG and artefacts are not
  noise floor: the engine notches the first and rejects the others).
"""

from dataclasses import replace

import numpy as np
from scipy import signal

from ...engine.config import FilterConfig
from ...engine.dsp._design import bandpass_sos

#: Zeros appended to a waveform so that the band-pass's ringing is seen.
RING_S = 0.05
#: Start of a noise floor skipped while the band-pass settles.
SETTLE_S = 0.2


def bandpassed(x, sfreq):
    """``x`` through the engine's default band-pass, causally from rest."""
    cfg = FilterConfig()
    sos, _ = bandpass_sos(sfreq, cfg.bandpass_low_hz, cfg.bandpass_high_hz,
                          cfg.bandpass_order)
    return signal.sosfilt(sos, x)


def bandpassed_peak(wave, sfreq):
    """Largest absolute band-passed value of an isolated waveform (V)."""
    padded = np.concatenate([wave, np.zeros(int(RING_S * sfreq) + 1)])
    return float(np.max(np.abs(bandpassed(padded, sfreq))))


def noise_floor_rms(noise, sfreq):
    """RMS (V) of a channel's noise floor after the band-pass.

    Parameters
    ----------
    noise : ndarray
        The noise floor alone (sensor noise and baseline wander), as added
        to the channel.
    sfreq : float

    Returns
    -------
    rms : float
        0 for a silent floor.
    """
    y = bandpassed(noise, sfreq)
    skip = int(SETTLE_S * sfreq)
    if len(y) > 2 * skip:
        y = y[skip:]
    return float(np.sqrt(np.mean(y ** 2)))


def with_truth_snr(event, wave, sfreq, floor_rms):
    """``event`` with ``peak_uv`` and ``snr`` measured on its own ``wave``.

    Parameters
    ----------
    event : Event
    wave : ndarray
        The event's waveform alone (V), as added to the recording.
    sfreq : float
    floor_rms : float
        :func:`noise_floor_rms` of the channel; with 0, ``snr`` stays None.

    Returns
    -------
    event : Event
    """
    peak = bandpassed_peak(wave, sfreq)
    return replace(event, peak_uv=peak * 1e6,
                   snr=peak / floor_rms if floor_rms > 0 else None)
