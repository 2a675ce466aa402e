"""Measure detection quality on generated recordings from several worlds.

Every generator family (:mod:`emgspasm.truth.sim.families`) makes the same
benchmark set: wearable-grade recordings (noise 5-12 uV RMS, 500 Hz to
4 kHz including 1024 and 2048 Hz, 1-4 channels, 50 or 60 Hz mains, pops and
motion, ECG on some channels), hard ones (8-15 uV, ECG on every channel,
frequent pops and motion), a lab-grade one (2 uV), long quiet wear that
holds only artefacts, ECG, saturation and leads-off (for false alarms), and
two 250 Hz recordings scored on their own. Each family is scored on its
own, and :func:`format_report` prints the worst family for each target.
"""

from dataclasses import dataclass

import numpy as np

from .._check import check_number
from ..engine.streaming import run
from ..engine.vocabulary import BURST, FASCICULATION, SPASM
from .score import Score, percentile, score
from .sim import Scenario

#: Groups whose scores the targets are judged on, and what each target asks.
TARGETS = (
    # (name, group, how to read it, bound, "min" or "max")
    ("fasciculation F1, wearable", "wearable", lambda s: s.classes[FASCICULATION].f1,
     0.95, "min"),
    ("fasciculation F1, hard", "hard", lambda s: s.classes[FASCICULATION].f1, 0.85, "min"),
    ("fasciculation recall, peak >= 6x noise", "wearable+hard", lambda s: _recall_above(s, 6.0),
     0.9, "min"),
    ("spasm F1", "wearable+hard", lambda s: s.classes[SPASM].f1, 0.97, "min"),
    ("spasms split into pieces", "wearable+hard", lambda s: s.classes[SPASM].split, 0, "max"),
    ("spasm subtype accuracy", "wearable+hard", lambda s: s.classes[SPASM].subtype_accuracy,
     0.9, "min"),
    ("false spasms / channel-hour, quiet wear", "quiet",
     lambda s: s.classes[SPASM].fp / s.hours if s.hours else 0.0, 1.0, "max"),
    ("false fasciculations / channel-hour, quiet wear", "quiet",
     lambda s: s.classes[FASCICULATION].fp / s.hours if s.hours else 0.0, 10.0, "max"),
    ("fasciculation latency p95 (ms)", "wearable",
     lambda s: percentile(s.classes[FASCICULATION].latency, 95) * 1e3, 30.0, "max"),
    ("spasm confirmed, median (ms)", "wearable",
     lambda s: percentile(s.classes[SPASM].latency, 50) * 1e3, 350.0, "max"),
    ("provisional notice, median (ms)", "wearable",
     lambda s: percentile(s.classes[SPASM].provisional_latency, 50) * 1e3, 50.0, "max"),
)


#: Recording seeds: base seed x SEED_STRIDE + family index x FAMILY_STRIDE +
#: the recording's own offset (under 400), so sets of up to MAX_SEEDS
#: consecutive base seeds share no recording.
SEED_STRIDE, FAMILY_STRIDE = 1000, 10_000
MAX_SEEDS = FAMILY_STRIDE // SEED_STRIDE


@dataclass(frozen=True)
class Case:
    """One recording of the benchmark set."""

    family: str
    group: str
    scenario: Scenario


def benchmark_set(quick=False, seed=0, families=None, seeds=1):
    """The recordings :func:`evaluate` scores.

    Parameters
    ----------
    quick : bool
        Shorter recordings, fewer of them, and 10 instead of 60 minutes of
        quiet wear (for tests and a first look).
    seed : int
        Base seed; each recording derives its own.
    families : list of str | None
        Generator families (default: all of
        :data:`~emgspasm.truth.sim.families.FAMILIES`).
    seeds : int
        The set made from this many consecutive base seeds from ``seed``
        (1 to :data:`MAX_SEEDS`), to be scored together: one recording's
        draws can swing a family's rates (an hour of quiet wear held 0 false
        fasciculations with one seed and 91 with another).

    Returns
    -------
    cases : list of Case
    """
    from .sim.families import FAMILIES
    seeds = check_number("seeds", seeds, 1, MAX_SEEDS, integer=True)
    names = list(FAMILIES) if families is None else list(families)
    cases = []
    for base in range(seed, seed + seeds):
        for f, family in enumerate(names):
            cases += [Case(family, group, sc) for group, sc in
                      _recordings(quick, base * SEED_STRIDE + f * FAMILY_STRIDE)]
    return cases


def _recordings(quick, base):
    minutes = 1.5 if quick else 5.0
    quiet_s = 600.0 if quick else 3600.0
    # sfreq, channels, noise uV, mains Hz, mains uV, ECG channels
    wearable = [(500.0, 1, 5.0, 50.0, 200.0, 0), (1000.0, 2, 8.0, 60.0, 100.0, 1),
                (2048.0, 2, 12.0, 50.0, 150.0, 1), (4000.0, 2, 10.0, 60.0, 200.0, 0),
                (1024.0, 3, 12.0, 50.0, 50.0, 0), (2000.0, 1, 6.0, 60.0, 200.0, 1),
                (500.0, 2, 10.0, 50.0, 100.0, 1), (4000.0, 1, 8.0, 50.0, 100.0, 1)]
    hard = [(1000.0, 2, 12.0, 50.0, 150.0), (2048.0, 2, 15.0, 60.0, 200.0),
            (500.0, 1, 8.0, 50.0, 200.0), (1024.0, 1, 14.0, 60.0, 100.0)]
    if quick:
        wearable, hard = wearable[:3], hard[:1]
    for i, (sfreq, n_ch, noise, mains, mains_uv, ecg) in enumerate(wearable):
        yield "wearable", Scenario(
            duration_s=60 * minutes, sfreq=sfreq, n_channels=n_ch, noise_uv=noise,
            mains_hz=mains, mains_uv=mains_uv, spasms_per_min=1.5, bursts_per_min=0.7,
            fasciculations_per_min=30, pops_per_min=1.0, motion_per_min=1.0,
            ecg_channels=ecg, ecg_uv=250.0, seed=base + i)
    for i, (sfreq, n_ch, noise, mains, mains_uv) in enumerate(hard):
        yield "hard", Scenario(
            duration_s=60 * minutes, sfreq=sfreq, n_channels=n_ch, noise_uv=noise,
            mains_hz=mains, mains_uv=mains_uv, spasms_per_min=1.5, bursts_per_min=0.7,
            fasciculations_per_min=30, pops_per_min=3.0, motion_per_min=3.0,
            ecg_channels=n_ch, ecg_uv=300.0, seed=base + 50 + i)
    yield "lab", Scenario(
        duration_s=60 * minutes, sfreq=2000.0, n_channels=2, noise_uv=2.0, mains_uv=20.0,
        spasms_per_min=1.5, fasciculations_per_min=50, pops_per_min=0.2,
        motion_per_min=0.2, seed=base + 100)
    if not quick:
        for k, (mains, ecg) in enumerate(((50.0, 0), (60.0, 1))):
            yield "250 Hz", Scenario(
                duration_s=60 * minutes, sfreq=250.0, n_channels=2, noise_uv=8.0,
                mains_hz=mains, mains_uv=100.0, spasms_per_min=1.5, bursts_per_min=0.7,
                fasciculations_per_min=30, pops_per_min=1.0, motion_per_min=1.0,
                ecg_channels=ecg, ecg_uv=250.0, seed=base + 300 + k)
    for k, (sfreq, n_ch) in enumerate(((1000.0, 2), (2048.0, 1))[:1 if quick else 2]):
        yield "quiet", Scenario(
            duration_s=quiet_s, sfreq=sfreq, n_channels=n_ch, noise_uv=10.0,
            mains_uv=150.0, spasms_per_min=0, bursts_per_min=0, fasciculations_per_min=0,
            pops_per_min=1.0, motion_per_min=1.0, ecg_channels=n_ch, ecg_uv=300.0,
            amp_range_uv=8000.0, leads_off_per_hour=2.0, seed=base + 200 + k)


def evaluate(cases=None, config=None, progress=None):
    """Run the detector over every case and score it.

    Parameters
    ----------
    cases : list of Case | None
        Defaults to :func:`benchmark_set`.
    config : Config | None
    progress : callable | None
        Called with a one-line message per recording.

    Returns
    -------
    scores : dict of (str, str) to Score
        One per (family, group), plus ``(family, "wearable+hard")``.
    """
    from .sim.families import simulate_family
    cases = benchmark_set() if cases is None else cases
    scores = {}
    for case in cases:
        rec = simulate_family(case.family, case.scenario)
        events, notices = run(rec.data, rec.sfreq, rec.ch_names, config)
        result = score(rec.events, events, rec.duration_s * len(rec.ch_names), notices,
                       sfreq=rec.sfreq)
        scores.setdefault((case.family, case.group), Score()).merge(result)
        if progress:
            sc = case.scenario
            progress(f"{case.family:9s} {case.group:9s} {sc.sfreq:6.0f} Hz {sc.n_channels} ch "
                     f"{sc.noise_uv:4.1f} uV {sc.duration_s / 60:5.1f} min: "
                     f"{len(events)} events")
    for family in {f for f, _ in scores}:
        union = Score()
        for group in ("wearable", "hard"):
            if (family, group) in scores:
                union.merge(scores[(family, group)])
        scores[(family, "wearable+hard")] = union
    return scores


def target_results(scores):
    """Every target on every family.

    Returns
    -------
    rows : list of dict
        ``{"target", "family", "value", "bound", "met"}``; ``value`` is NaN
        where the family has no such recordings.
    """
    rows = []
    families = sorted({f for f, _ in scores})
    for name, group, read, bound, sense in TARGETS:
        for family in families:
            sc = scores.get((family, group))
            value = float(read(sc)) if sc is not None else float("nan")
            met = (value >= bound if sense == "min" else value <= bound) \
                if not np.isnan(value) else False
            rows.append({"target": name, "family": family, "value": value,
                         "bound": bound, "sense": sense, "met": bool(met)})
    return rows


def format_table(scores):
    """Precision, recall, F1, timing and alarm rates per family and group
    (Markdown)."""
    lines = ["| family | group | class | precision | recall | F1 | onset err (ms) | "
             "duration err (ms) | latency median / p95 (ms) | subtype acc | split |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (family, group), sc in sorted(scores.items()):
        for label in (FASCICULATION, SPASM, BURST):
            cs = sc.classes[label]
            if cs.tp + cs.fn == 0:
                continue
            lat = _ms(cs.latency, 50) + " / " + _ms(cs.latency, 95)
            if label == SPASM and cs.provisional_latency:
                lat += f" (provisional {_ms(cs.provisional_latency, 50)})"
            sub = f"{cs.subtype_accuracy:.3f}" if label == SPASM and cs.tp else ""
            split = str(cs.split) if label == SPASM else ""
            lines.append(
                f"| {family} | {group} | {label} | {cs.precision:.3f} | {cs.recall:.3f} | "
                f"{cs.f1:.3f} | {_ms(cs.onset_err, 50)} | {_ms(cs.duration_err, 50)} | "
                f"{lat} | {sub} | {split} |")
    lines.append("")
    lines.append("| family | group | channel-hours | false spasms / h | false fasciculations / h "
                 "| false bursts / h | fasciculation reports withdrawn / h |")
    lines.append("|---|---|---|---|---|---|---|")
    for (family, group), sc in sorted(scores.items()):
        if not sc.hours or group == "wearable+hard":
            continue
        rates = " | ".join(f"{sc.classes[k].fp / sc.hours:.2f}" for k in
                           (SPASM, FASCICULATION, BURST))
        lines.append(f"| {family} | {group} | {sc.hours:.2f} | {rates} | "
                     f"{sc.classes[FASCICULATION].withdrawn / sc.hours:.2f} |")
    return "\n".join(lines)


def format_recall(scores, kind):
    """Fasciculation recall per peak-SNR bin (``kind="snr"``) or per sampling
    rate (``"rate"``), per family, over the wearable and hard recordings."""
    families = sorted({f for f, _ in scores})
    per_family = {f: scores[(f, "wearable+hard")].classes[FASCICULATION].recall_by(kind)
                  for f in families if (f, "wearable+hard") in scores}
    keys = sorted({k for v in per_family.values() for k in v}, key=_bin_order)
    head = "peak SNR (x noise RMS)" if kind == "snr" else "sampling rate (Hz)"
    lines = [f"| {head} | " + " | ".join(families) + " |",
             "|---|" + "---|" * len(families)]
    for key in keys:
        cells = []
        for f in families:
            value = per_family.get(f, {}).get(key)
            cells.append(f"{value[0]:.2f} ({value[1]})" if value else "-")
        label = f"{key:g}" if isinstance(key, float) else str(key)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_targets(scores):
    """Each target per family, and the worst family (Markdown)."""
    rows = target_results(scores)
    families = sorted({r["family"] for r in rows})
    lines = ["| target | " + " | ".join(families) + " | worst |",
             "|---|" + "---|" * (len(families) + 1)]
    for name, _, _, bound, sense in TARGETS:
        mine = [r for r in rows if r["target"] == name]
        cells = [_fmt(r["value"]) + ("" if r["met"] else " (missed)") for r in mine]
        valid = [r for r in mine if not np.isnan(r["value"])]
        worst = (min if sense == "min" else max)(valid, key=lambda r: r["value"]) \
            if valid else None
        limit = (">= " if sense == "min" else "<= ") + f"{bound:g}"
        lines.append(f"| {name} ({limit}) | " + " | ".join(cells) + " | "
                     + (worst["family"] if worst else "-") + " |")
    return "\n".join(lines)


def format_report(scores):
    """Everything :func:`evaluate` measured, as Markdown sections."""
    return "\n\n".join([
        "## Targets per family\n\n" + format_targets(scores),
        "## Scores\n\n" + format_table(scores),
        "## Fasciculation recall by peak SNR (wearable and hard)\n\n"
        + format_recall(scores, "snr"),
        "## Fasciculation recall by sampling rate (wearable and hard)\n\n"
        + format_recall(scores, "rate"),
    ])


def _recall_above(sc, snr):
    cs = sc.classes[FASCICULATION]
    found = sum(n for k, n in cs.found_by_snr.items() if _bin_low(k) >= snr)
    total = sum(n for k, n in cs.total_by_snr.items() if _bin_low(k) >= snr)
    return found / total if total else float("nan")


def _bin_low(key):
    if key == "unknown":
        return -1.0
    if key.startswith("<"):
        return 0.0
    return float(key.lstrip(">=").split("-")[0])


def _bin_order(key):
    return _bin_low(key) if isinstance(key, str) else key


def _fmt(value):
    if np.isnan(value):
        return "-"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def _ms(values, pct):
    return f"{np.percentile(values, pct) * 1000:.0f}" if values else "-"
