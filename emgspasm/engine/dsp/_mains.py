"""Deciding the mains frequency, and which of its harmonics to notch, from the signal.

The first seconds of a stream are probed with a Hann-windowed DFT at every
harmonic of 50 Hz and 60 Hz (up to ``MAX_HARMONICS``) and at frequencies
3 Hz either side of each. Mains interference is a line; EMG, noise and
artefacts are broadband, so the line-to-neighbour power ratio tells them
apart whatever the muscle is doing. The candidate whose harmonics together
stand out most (judged on the first three) wins if its ratio passes
``PRESENCE_RATIO``; then only the harmonics that stand out on their own are
notched (the fundamental always), because every notch costs a little EMG and
makes large potentials ring.
"""

from dataclasses import dataclass

import numpy as np

#: Line-to-neighbour power ratio above which mains is declared present. With
#: no mains, one channel and one probed harmonic the ratio exceeds 8 by chance
#: with p < 0.01 (an F(4, 8) variate); a needless notch costs little EMG.
PRESENCE_RATIO = 8.0
MAX_HARMONICS = 40
#: Presence is judged on the first harmonics, where mains power lives.
PRESENCE_HARMONICS = 3
_SIDE_HZ = 3.0


@dataclass(frozen=True)
class MainsDecision:
    """How the mains notch was chosen.

    Attributes
    ----------
    mode : str
        ``"auto"``, ``"fixed"`` or ``"off"``.
    mains_hz : float or None
        The notched mains frequency, or None when nothing is notched.
    harmonics : tuple of int
        Harmonic numbers notched (1 = the fundamental).
    ratio_50, ratio_60 : float or None
        Line-to-neighbour power ratios measured by ``"auto"``.
    level_uv : float or None
        Amplitude of the mains fundamental found by ``"auto"`` (µV, mean over
        channels).
    decided_at_s : float or None
        Stream time of the decision (``"auto"`` only).
    """

    mode: str
    mains_hz: float | None
    harmonics: tuple = ()
    ratio_50: float | None = None
    ratio_60: float | None = None
    level_uv: float | None = None
    decided_at_s: float | None = None

    def describe(self):
        """One line saying what is notched, e.g. ``"50 Hz mains notched (1st, 3rd,
        5th harmonics), 120 µV"``."""
        if self.mode == "off":
            return "mains notch off"
        if self.mains_hz is None:
            return ("deciding mains..." if self.decided_at_s is None and self.mode == "auto"
                    else "no mains found, nothing notched")
        ordinal = {1: "1st", 2: "2nd", 3: "3rd"}
        harmonics = ", ".join(ordinal.get(k, f"{k}th") for k in self.harmonics)
        text = f"{self.mains_hz:g} Hz mains notched ({harmonics} harmonic"
        text += "s)" if len(self.harmonics) != 1 else ")"
        if self.level_uv is not None:
            text += f", {self.level_uv:.0f} µV"
        return text


def probe_frequencies(sfreq):
    """Return the probe frequencies and how they group per candidate.

    Returns
    -------
    freqs : ndarray
        All frequencies to probe.
    groups : dict
        ``{50.0: [(k, line_idx, lower_idx, upper_idx), ...], 60.0: ...}``.
    """
    freqs, groups = [], {}
    for mains in (50.0, 60.0):
        rows = []
        for k in range(1, MAX_HARMONICS + 1):
            f = k * mains
            if f + _SIDE_HZ >= 0.49 * sfreq:
                break
            rows.append((k, len(freqs), len(freqs) + 1, len(freqs) + 2))
            freqs.extend([f, f - _SIDE_HZ, f + _SIDE_HZ])
        groups[mains] = rows
    return np.array(freqs), groups


def _ratio(line, side):
    if side > 0:
        return float(line / side)
    return float("inf") if line > 0 else 0.0


def decide(acc, groups, n_samples, decided_at_s):
    """Turn DFT sums over ``n_samples`` into a :class:`MainsDecision`."""
    power = (acc[:, 0, :] ** 2 + acc[:, 1, :] ** 2).sum(axis=1)
    # a Hann-windowed sum of A cos(wt) has magnitude A N / 4
    level = {m: float(np.mean(np.hypot(acc[rows[0][1], 0], acc[rows[0][1], 1]))
                      * 4 / n_samples * 1e6) if rows else None
             for m, rows in groups.items()}
    ratios, present = {}, {}
    for mains, rows in groups.items():
        first = rows[:PRESENCE_HARMONICS]
        line = sum(power[i] for _, i, _, _ in first)
        side = sum(power[lo] + power[hi] for _, _, lo, hi in first) / 2.0
        ratios[mains] = _ratio(line, side) if rows else 0.0
        present[mains] = tuple(
            k for k, i, lo, hi in rows
            if k == 1 or _ratio(power[i], (power[lo] + power[hi]) / 2) >= PRESENCE_RATIO)
    best = max(ratios, key=ratios.get)
    if ratios[best] < PRESENCE_RATIO:
        return MainsDecision("auto", None, (), ratios[50.0], ratios[60.0], None,
                             decided_at_s)
    return MainsDecision("auto", best, present[best], ratios[50.0], ratios[60.0],
                         level[best], decided_at_s)
