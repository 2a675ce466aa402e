"""Choose thresholds on one generator family, report them on the others.

A threshold that only helps the family it was chosen on is fitted to that
generator. :func:`held_out` makes that visible: for each family it picks,
from a grid of configuration values, the one that scores best on that
family alone, then scores the pick on every family.
"""

import itertools
from dataclasses import dataclass

import numpy as np

from ..engine.config import Config
from ..engine.vocabulary import FASCICULATION, SPASM
from .evaluate import evaluate


def objective(scores, family):
    """One number to maximise for ``family``: the mean of fasciculation F1
    (wearable and hard recordings), spasm F1 and spasm subtype accuracy,
    minus 0.1 per false spasm and 0.01 per false fasciculation per
    channel-hour of quiet wear (the targets allow 1 and 10)."""
    parts = []
    for group in ("wearable", "hard"):
        sc = scores.get((family, group))
        if sc is not None:
            parts.append(sc.classes[FASCICULATION].f1)
    muscle = scores.get((family, "wearable+hard"))
    if muscle is not None:
        parts.append(muscle.classes[SPASM].f1)
        accuracy = muscle.classes[SPASM].subtype_accuracy
        parts.append(0.0 if np.isnan(accuracy) else accuracy)
    value = float(np.mean(parts)) if parts else float("nan")
    quiet = scores.get((family, "quiet"))
    if quiet is not None and quiet.hours:
        value -= 0.1 * quiet.classes[SPASM].fp / quiet.hours
        value -= 0.01 * quiet.classes[FASCICULATION].fp / quiet.hours
    return value


def parse_grid(items):
    """``["detector.on_snr=3,4,5", ...]`` as ``{"detector.on_snr": [3.0, 4.0, 5.0]}``."""
    from .._check import invalid
    grid = {}
    for item in items:
        key, sep, values = str(item).partition("=")
        if not sep or "." not in key or not values:
            raise invalid("--grid", "section.key=v1,v2,...", item)
        grid[key.strip()] = [_number(v) for v in values.split(",")]
    return grid


def _number(text):
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


@dataclass
class HeldOut:
    """What :func:`held_out` found.

    Attributes
    ----------
    picks : dict of str to dict
        Per tuning family, the configuration values chosen on it.
    table : dict of (str, str) to float
        ``(tuned_on, scored_on)`` to the objective.
    """

    picks: dict
    table: dict


def held_out(cases, grid, config=None, progress=None):
    """Pick the best grid point per family, and score each pick on every family.

    Parameters
    ----------
    cases : list of Case
        The recordings (all families).
    grid : dict of str to list
        Configuration keys and the values to try (the product is tried).
    config : Config | None
        The base configuration.
    progress : callable | None

    Returns
    -------
    result : HeldOut
    """
    config = config or Config()
    families = sorted({c.family for c in cases})
    keys = list(grid)
    results = {}
    for values in itertools.product(*(grid[k] for k in keys)):
        point = dict(zip(keys, values))
        scores = evaluate(cases, config.with_overrides(point))
        results[tuple(values)] = {f: objective(scores, f) for f in families}
        if progress:
            progress(f"{point}: " + ", ".join(f"{f} {v:.3f}" for f, v in
                                             results[tuple(values)].items()))
    picks, table = {}, {}
    for tuned_on in families:
        best = max(results, key=lambda v: results[v][tuned_on])
        picks[tuned_on] = dict(zip(keys, best))
        for scored_on in families:
            table[(tuned_on, scored_on)] = results[best][scored_on]
    return HeldOut(picks, table)


def format_held_out(result):
    """The held-out table (Markdown): rows tuned on a family, columns scored on one."""
    families = sorted({f for f, _ in result.table})
    lines = ["| tuned on | chosen | " + " | ".join(f"scored on {f}" for f in families) + " |",
             "|---|---|" + "---|" * len(families)]
    for tuned_on in families:
        chosen = ", ".join(f"{k}={v}" for k, v in result.picks[tuned_on].items())
        cells = []
        for f in families:
            value = f"{result.table[(tuned_on, f)]:.3f}"
            cells.append(f"**{value}**" if f == tuned_on else value)
        lines.append(f"| {tuned_on} | {chosen} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
