"""Time on the page: the axis unit, rate bins, usable time, and the rates.

Rates are counted in bins whose width follows the recording's length (a
few seconds for a short file, half an hour for a day); the last bin runs to
the end of the recording, however short, and every rate is normalised by
the usable (not ``BAD_``) signal of its bin and channel.
"""

import numpy as np

from ...engine.vocabulary import BAD_PREFIX

#: (seconds per unit, unit name), and the length from which each is used.
UNITS = ((0.0, 1.0, "s"), (120.0, 60.0, "min"), (7200.0, 3600.0, "h"))
#: Bin widths (s) the rate plots choose from.
BIN_WIDTHS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
#: Most rate bins over a recording.
MAX_BINS = 48
#: A bin with less usable signal than this share of its width has no rate.
MIN_USABLE_SHARE = 0.1


def time_unit(duration_s):
    """The axis unit for a recording of ``duration_s``: ``(seconds, name)``.

    Seconds under 2 minutes, minutes under 2 hours, hours beyond.
    """
    chosen = UNITS[0]
    for unit in UNITS:
        if duration_s >= unit[0]:
            chosen = unit
    return chosen[1], chosen[2]


def bin_edges(duration_s):
    """Rate-bin edges (s) covering ``[0, duration_s]``; the last bin may be short."""
    width = next((w for w in BIN_WIDTHS if duration_s / w <= MAX_BINS), BIN_WIDTHS[-1])
    edges = np.arange(0.0, duration_s, width)
    return np.append(edges, duration_s) if len(edges) else np.array([0.0, duration_s])


def _merged(intervals):
    out = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def usable_per_bin(events, channel, edges):
    """Seconds of usable signal of ``channel`` in each bin.

    Parameters
    ----------
    events : list of Event
    channel : str
    edges : ndarray
        Bin edges (s).

    Returns
    -------
    usable : ndarray, shape (len(edges) - 1,)
    """
    usable = np.diff(edges)
    bad = _merged([(e.onset, e.offset) for e in events
                   if e.channel == channel and e.label.startswith(BAD_PREFIX)])
    for a, b in bad:
        overlap = np.minimum(edges[1:], b) - np.maximum(edges[:-1], a)
        usable = usable - np.clip(overlap, 0.0, None)
    return np.clip(usable, 0.0, None)


def rates(events, label, channel, edges, per_s):
    """Events of ``label`` on ``channel`` per ``per_s`` seconds of usable signal.

    Returns
    -------
    rate : list of float or None
        One per bin; None where less than ``MIN_USABLE_SHARE`` of the bin
        is usable.
    """
    onsets = [e.onset for e in events if e.channel == channel and e.label == label]
    counts, _ = np.histogram(onsets, edges)
    usable = usable_per_bin(events, channel, edges)
    enough = usable >= MIN_USABLE_SHARE * np.diff(edges)
    return [float(c / u * per_s) if ok else None
            for c, u, ok in zip(counts, usable, enough)]


def duration_histogram(durations, n_bins=20):
    """Log-spaced bins of durations (s).

    Returns
    -------
    edges : ndarray
    counts : ndarray of int
    """
    durations = np.asarray(durations, dtype=float)
    low = max(0.05, min(0.4, durations.min() * 0.9))
    high = durations.max() * 1.2 + 0.5
    edges = np.logspace(np.log10(low), np.log10(high), n_bins + 1)
    counts, _ = np.histogram(durations, edges)
    return edges, counts
