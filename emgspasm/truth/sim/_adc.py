"""What an ADC does to what reaches it: an anti-aliasing filter, then sampling.

The ``volume`` and ``measured`` families draw waveforms at whatever rate
suits them (a potential at 20 kHz and above, measured material at its own
rate) and bring them to the recording's rate here: through the spectrum,
flat up to 0.4 and down to zero at 0.5 of the lower of the two rates
(a raised cosine, like the steep anti-aliasing filters of biosignal ADCs;
no ringing as a brick wall would give), then evaluated on the new grid.
"""

import numpy as np

PASS, STOP = 0.4, 0.5


def resample(x, from_hz, to_hz):
    """``x`` sampled at ``from_hz`` brought to ``to_hz``.

    Parameters
    ----------
    x : ndarray
        A waveform that starts and ends near zero, or noise (treated as
        periodic: its two ends meet).
    from_hz, to_hz : float

    Returns
    -------
    y : ndarray
        ``round(len(x) * to_hz / from_hz)`` samples.
    """
    if from_hz == to_hz:
        return x
    n = len(x)
    m = max(1, round(n * to_hz / from_hz))
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(n, 1.0 / from_hz) / min(from_hz, to_hz)  # of the lower rate
    spectrum *= np.sin(np.pi / 2 * np.clip((STOP - f) / (STOP - PASS), 0.0, 1.0)) ** 2
    keep = min(len(spectrum), m // 2 + 1)
    out = np.zeros(m // 2 + 1, complex)
    out[:keep] = spectrum[:keep]
    return np.fft.irfft(out, m) * m / n
