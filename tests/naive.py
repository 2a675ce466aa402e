"""Slow, obviously correct reference versions of the kernels.

Plain numpy and scipy.signal, sample loops where that is clearest. The tests
compare the numba kernels to these (the habit of stumpy's tests/naive.py).
"""

import numpy as np
from scipy import signal

FLAG_NONFINITE, FLAG_CLIPPED, FLAG_FLAT = 1, 2, 4


def repair_and_flag(x, clip_level, clip_run, flat_run):
    """Hold the last finite sample over NaN/Inf and compute quality flags."""
    n_ch, n = x.shape
    out = np.zeros((n_ch, n))
    flags = np.zeros((n_ch, n), dtype=np.uint8)
    for c in range(n_ch):
        hold, last, run, maxabs = 0.0, 0.0, 0, 0.0
        for i in range(n):
            v = x[c, i]
            if not np.isfinite(v):
                flags[c, i] |= FLAG_NONFINITE
                v, run = hold, 0
            else:
                run = run + 1 if (run > 0 and v == last) else 1
                last = hold = v
                maxabs = max(maxabs, abs(v))
                if clip_level > 0 and abs(v) >= clip_level:
                    flags[c, i] |= FLAG_CLIPPED
                elif run >= clip_run and abs(v) > 0 and abs(v) >= maxabs:
                    flags[c, i] |= FLAG_CLIPPED
                if run >= flat_run:
                    flags[c, i] |= FLAG_FLAT
            out[c, i] = v
    return out, flags


def cascade(sos_segments, x):
    """Filter with scipy, seeding at steady state from the first sample.

    ``sos_segments`` is a list of ``(sos_all, enabled_mask, n_samples)``:
    the cascade in force for consecutive stretches (the auto notch switches
    once). The state of every section carries across stretches.
    """
    sos_all = sos_segments[0][0]
    z = signal.sosfilt_zi(sos_all)[:, :, None] * x[:, 0][None, None, :]
    out = np.empty_like(x)
    start = 0
    for _, enabled, count in sos_segments:
        y = x[:, start:start + count]
        for s in np.flatnonzero(enabled):
            y, zf = signal.sosfilt(sos_all[s:s + 1], y, axis=-1,
                                   zi=z[s:s + 1].transpose(0, 2, 1))
            z[s] = zf[0].T
        out[:, start:start + count] = y
        start += count
    return out


def artifact_band(x, decim, lb_sos):
    """Boxcar-average groups of ``decim`` samples, filter, hold each output."""
    n_ch, n = x.shape
    groups = n // decim
    means = x[:, :groups * decim].reshape(n_ch, groups, decim).mean(axis=-1)
    z = signal.sosfilt_zi(lb_sos)[:, :, None] * x[:, 0][None, None, :]
    y, _ = signal.sosfilt(lb_sos, means, axis=-1, zi=z.transpose(0, 2, 1))
    out = np.zeros_like(x)
    for i in range(n):
        done = (i + 1) // decim
        if done:
            out[:, i] = y[:, done - 1]
    return out


def moving_rms(y, window):
    """RMS over the last ``window`` samples, zeros before the stream."""
    sq = np.concatenate([np.zeros((y.shape[0], window - 1)), y ** 2], axis=1)
    csum = np.cumsum(sq, axis=1)
    total = csum[:, window - 1:] - np.concatenate(
        [np.zeros((y.shape[0], 1)), csum[:, :-window]], axis=1)
    return np.sqrt(np.maximum(total, 0) / window)


def tkeo(y):
    """Teager-Kaiser energy, one sample late: y[n-1]^2 - y[n-2] y[n]."""
    padded = np.concatenate([np.zeros((y.shape[0], 2)), y], axis=1)
    return padded[:, 1:-1] ** 2 - padded[:, :-2] * padded[:, 2:]
