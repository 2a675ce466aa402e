"""Deciding the mains frequency from the signal itself.

The first seconds of a stream are probed with a Hann-windowed DFT at the
first harmonics of 50 Hz and 60 Hz and at frequencies 3 Hz either side of
each. Mains interference is a line; EMG, noise and artefacts are broadband,
so the line-to-neighbour power ratio tells them apart whatever the muscle
is doing.
"""

from dataclasses import dataclass

import numpy as np

#: Line-to-neighbour power ratio above which mains is declared present. With
#: no mains, one channel and one probed harmonic the ratio exceeds 8 by chance
#: with p < 0.01 (an F(4, 8) variate); a needless notch costs little EMG.
PRESENCE_RATIO = 8.0
_SIDE_HZ = 3.0
_HARMONICS = 3


@dataclass(frozen=True)
class MainsDecision:
    """How the mains notch was chosen.

    Attributes
    ----------
    mode : str
        ``"auto"``, ``"fixed"`` or ``"off"``.
    mains_hz : float or None
        The notched mains frequency, or None when nothing is notched.
    ratio_50, ratio_60 : float or None
        Line-to-neighbour power ratios measured by ``"auto"``.
    decided_at_s : float or None
        Stream time of the decision (``"auto"`` only).
    """

    mode: str
    mains_hz: float | None
    ratio_50: float | None = None
    ratio_60: float | None = None
    decided_at_s: float | None = None


def probe_frequencies(sfreq):
    """Return the probe frequencies and how they group per candidate.

    Returns
    -------
    freqs : ndarray
        All frequencies to probe.
    groups : dict
        ``{50.0: (line_idx, side_idx), 60.0: (...)}`` indices into ``freqs``.
    """
    freqs, groups = [], {}
    for mains in (50.0, 60.0):
        lines, sides = [], []
        for k in range(1, _HARMONICS + 1):
            f = k * mains
            if f + _SIDE_HZ >= 0.49 * sfreq:
                break
            lines.append(len(freqs))
            freqs.append(f)
            sides.extend([len(freqs), len(freqs) + 1])
            freqs.extend([f - _SIDE_HZ, f + _SIDE_HZ])
        groups[mains] = (lines, sides)
    return np.array(freqs), groups


def decide(acc, groups, decided_at_s):
    """Turn accumulated DFT sums into a :class:`MainsDecision`."""
    power = (acc[:, 0, :] ** 2 + acc[:, 1, :] ** 2).sum(axis=1)
    ratios = {}
    for mains, (lines, sides) in groups.items():
        if not lines:
            ratios[mains] = 0.0
            continue
        line = power[lines].sum()
        side = power[sides].sum() / 2.0
        ratios[mains] = float(line / side) if side > 0 else (
            float("inf") if line > 0 else 0.0)
    best = max(ratios, key=ratios.get)
    found = best if ratios[best] >= PRESENCE_RATIO else None
    return MainsDecision("auto", found, ratios[50.0], ratios[60.0],
                         decided_at_s)
