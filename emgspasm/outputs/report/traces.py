"""Compact traces for the page: min/max decimation, int16 quantisation, base64.

A :class:`Trace` is a stretch of one channel's signal either sample by
sample (``minmax`` False) or, where it has more samples than the page
needs, as the minimum and maximum of equal bins (``minmax`` True, values
interleaved ``min0, max0, min1, max1, ...``), which keeps every peak a
plain subsampling would miss.
"""

import base64
from dataclasses import dataclass

import numpy as np

#: int16 full scale used by :func:`encode`.
FULL_SCALE = 32767


@dataclass(frozen=True)
class Trace:
    """A stretch of signal for the page.

    Attributes
    ----------
    t0 : float
        Time of the first sample or the start of the first bin (s).
    dt : float
        Sample spacing, or bin width (s).
    minmax : bool
        Whether ``values`` holds (min, max) pairs of bins.
    values : ndarray of float32
        Volts.
    """

    t0: float
    dt: float
    minmax: bool
    values: np.ndarray


def bin_minmax(lo, hi, per_bin):
    """Reduce running (min, max) arrays along axis 0 into bins of ``per_bin``.

    Parameters
    ----------
    lo, hi : ndarray, shape (n, ...)
    per_bin : int

    Returns
    -------
    lo, hi : ndarray, shape (ceil(n / per_bin), ...)
    """
    if per_bin <= 1 or len(lo) == 0:
        return lo, hi
    starts = np.arange(0, len(lo), per_bin)
    return np.minimum.reduceat(lo, starts, axis=0), np.maximum.reduceat(hi, starts, axis=0)


def decimate(t0, dt, lo, hi, max_values):
    """A :class:`Trace` of at most ``max_values`` values from binned extremes.

    Parameters
    ----------
    t0 : float
        Start of the first bin (s).
    dt : float
        Bin width (s); ``lo`` and ``hi`` are the same array when the bins
        are single samples.
    lo, hi : ndarray, shape (n,)
        Minimum and maximum of each bin (V).
    max_values : int
        At most this many values (at least 4).

    Returns
    -------
    trace : Trace
    """
    single = lo is hi or np.array_equal(lo, hi)
    if single and len(lo) <= max_values:
        return Trace(float(t0), float(dt), False, np.asarray(lo, dtype=np.float32))
    per_bin = int(np.ceil(len(lo) / max(1, max_values // 2)))
    lo, hi = bin_minmax(lo, hi, per_bin)
    values = np.empty(2 * len(lo), dtype=np.float32)
    values[0::2], values[1::2] = lo, hi
    return Trace(float(t0), float(dt * per_bin), True, values)


def encode(trace):
    """A :class:`Trace` as the page stores it: µV quantised to int16, base64.

    Returns
    -------
    record : dict
        ``{"t0", "dt", "mm" (0/1), "s" (µV per count), "d" (base64 of
        little-endian int16)}``.
    """
    values = np.asarray(trace.values, dtype=np.float64) * 1e6
    finite = np.isfinite(values)
    peak = float(np.max(np.abs(values[finite]))) if finite.any() else 0.0
    scale = peak / FULL_SCALE if peak > 0 else 1.0
    counts = np.where(finite, np.round(values / scale), 0).astype("<i2")
    return {"t0": round(trace.t0, 6), "dt": float(f"{trace.dt:.6g}"),
            "mm": int(trace.minmax), "s": float(f"{scale:.6g}"),
            "d": base64.b64encode(counts.tobytes()).decode("ascii")}

