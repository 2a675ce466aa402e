"""The data the page draws from, as one JSON object, kept under a size cap.

Everything is in seconds and microvolts. Events are stored column by
column (one list per field) in time order; each points at its signal
stretch, if it has one. When the stretches of a long recording would not
fit in :data:`PAGE_BUDGET`, they are thinned, evenly in time and the least
telling classes first, and the page says how many of each class lost theirs.
"""

import json

import numpy as np

from ...engine.vocabulary import (ARTIFACT_ECG, ARTIFACT_MOTION, ARTIFACT_POP, BAD_PREFIX,
                                  BURST, FASCICULATION, SPASM)
from .timeline import bin_edges, duration_histogram, rates, time_unit
from .traces import encode

#: Characters the whole page may take (the issue asks for < 20 MB for a day
#: of 8 channels; 1 MB is left for the page's code and text).
PAGE_BUDGET = 19_000_000
#: Events listed in the table at most (a day of ECG bleeding into 8
#: channels reaches ~700 000 artefacts); beyond it the least telling
#: classes are thinned evenly in time, and the page says so.
MAX_TABLE_ROWS = 150_000
#: Snippets every class keeps before any class gets more, when thinning.
MIN_SNIPPETS_PER_CLASS = 200
#: Classes in order of how much their signal is worth seeing.
PRIORITY = (SPASM, BURST, BAD_PREFIX, ARTIFACT_POP, ARTIFACT_MOTION, FASCICULATION,
            ARTIFACT_ECG)
COLORS = {SPASM: "#d62728", FASCICULATION: "#1f77b4", BURST: "#ff7f0e",
          ARTIFACT_POP: "#7f7f7f", ARTIFACT_MOTION: "#8c6d31", ARTIFACT_ECG: "#bcbd22",
          BAD_PREFIX: "#444444"}


def priority(label):
    """Rank of ``label`` in :data:`PRIORITY` (``BAD_`` labels share one)."""
    key = BAD_PREFIX if label.startswith(BAD_PREFIX) else label
    return PRIORITY.index(key) if key in PRIORITY else len(PRIORITY)


def _evenly(items, k):
    """``k`` of ``items`` spread evenly over them (in their order)."""
    if k >= len(items):
        return list(items)
    if k <= 0:
        return []
    picks = np.unique(np.linspace(0, len(items) - 1, k).round().astype(int))
    return [items[i] for i in picks]


def _by_class(indices, events):
    groups = {}
    for i in indices:
        groups.setdefault(priority(events[i].label), []).append(i)
    return [groups[k] for k in sorted(groups)]


def thin_rows(events, limit=MAX_TABLE_ROWS):
    """Indices of the events listed, and how many of each label were left out.

    The most telling classes are kept whole; the first class that does not
    fit is thinned evenly in time, and the classes after it are left out.
    """
    if len(events) <= limit:
        return list(range(len(events))), {}
    keep, room = [], limit
    for group in _by_class(range(len(events)), events):
        chosen = _evenly(group, room)
        keep += chosen
        room -= len(chosen)
    dropped = {}
    for i in set(range(len(events))) - set(keep):
        dropped[events[i].label] = dropped.get(events[i].label, 0) + 1
    return sorted(keep), dropped


def thin_snippets(indices, events, sizes, budget):
    """Which events keep their stretch of signal within ``budget`` characters.

    Every class is first given room for up to ``MIN_SNIPPETS_PER_CLASS``,
    then the classes in :data:`PRIORITY` order take what is left; each
    class keeps its share evenly spread in time.

    Returns
    -------
    kept : set of int
    """
    groups = _by_class([i for i in indices if sizes.get(i)], events)
    costs = [sum(sizes[i] for i in group) / len(group) for group in groups]
    quota, room = [0] * len(groups), budget
    for first_pass in (True, False):
        for k, group in enumerate(groups):
            want = min(len(group), MIN_SNIPPETS_PER_CLASS) if first_pass else len(group)
            more = max(0, min(want - quota[k], int(room // costs[k])))
            quota[k] += more
            room -= more * costs[k]
    kept = set()
    for group, n in zip(groups, quota):
        kept.update(_evenly(group, n))
    return kept


def _round(values, digits):
    return [None if v is None or not np.isfinite(v) else round(float(v), digits)
            for v in values]


def build(rec, events, collector):
    """The page's data.

    Parameters
    ----------
    rec : Recording
    events : list of Event
    collector : ReportCollector
        Fed during the replay (and closed).

    Returns
    -------
    data : dict
        JSON-ready: ``meta``, ``overview``, ``events``, ``snippets``,
        ``examples``, ``rates``, ``histogram``, ``thinned``.
    """
    duration = rec.duration_s
    unit_s, unit = time_unit(duration)
    channel_index = {name: i for i, name in enumerate(rec.ch_names)}
    events = sorted(events, key=lambda e: (e.onset, channel_index.get(e.channel, -1), e.label))
    rows, dropped_rows = thin_rows(events)
    labels = sorted({e.label for e in events}, key=lambda lab: (priority(lab), lab))
    subtypes = sorted({e.subtype for e in events if e.subtype})
    label_index = {lab: i for i, lab in enumerate(labels)}
    subtype_index = {sub: i for i, sub in enumerate(subtypes)}
    listed = [events[i] for i in rows]
    table = {
        "onset": _round([e.onset for e in listed], 4),
        "duration": _round([e.duration for e in listed], 4),
        "label": [label_index[e.label] for e in listed],
        "subtype": [subtype_index.get(e.subtype, -1) for e in listed],
        "channel": [channel_index.get(e.channel, -1) for e in listed],
        "peak": _round([e.peak_uv for e in listed], 1),
        "snr": _round([e.snr for e in listed], 1),
        "confidence": _round([e.confidence for e in listed], 2),
    }
    t0, lo, hi = collector.overview()
    data = {
        "meta": {
            "file": rec.path.name, "duration_s": duration, "sfreq": rec.sfreq,
            "channels": list(rec.ch_names), "unit": unit, "unit_s": unit_s,
            "start_ms": (None if rec.meas_date is None
                         else round(rec.meas_date.timestamp() * 1000)),
        },
        "labels": labels, "subtypes": subtypes,
        "colors": {lab: COLORS.get(BAD_PREFIX if lab.startswith(BAD_PREFIX) else lab,
                                   "#999999") for lab in labels},
        "overview": {"t": _round(t0, 4),
                     "lo": [_round(row * 1e6, 2) for row in lo],
                     "hi": [_round(row * 1e6, 2) for row in hi]},
        "events": table,
        "examples": _examples(events, collector),
        "rates": _rates(events, rec.ch_names, duration),
        "histogram": _histogram(events),
    }
    encoded = {}
    for n, ev in enumerate(listed):
        trace = collector.snippet(ev)
        if trace is not None:
            encoded[n] = encode(trace)
    sizes = {n: len(json.dumps(rec_)) + 1 for n, rec_ in encoded.items()}
    rest = len(json.dumps(data, separators=(",", ":"))) + 10 * len(listed)
    kept = thin_snippets(range(len(listed)), listed, sizes, PAGE_BUDGET - rest)
    order = sorted(kept)
    data["snippets"] = [encoded[n] for n in order]
    position = {n: k for k, n in enumerate(order)}
    table["snippet"] = [position.get(n, -1) for n in range(len(listed))]
    data["thinned"] = _thinned(listed, kept, dropped_rows)
    return data


def _examples(events, collector):
    out = {}
    chosen_by_label = collector.examples(events)
    for label in sorted(chosen_by_label, key=lambda lab: (priority(lab), lab)):
        chosen = chosen_by_label[label]
        out[label] = [{"onset": ev.onset,
                       "duration": ev.duration, "channel": ev.channel,
                       "subtype": ev.subtype, "trace": encode(trace)}
                      for ev, trace in chosen]
    return out


def _rates(events, ch_names, duration):
    edges = bin_edges(duration)
    return {"edges": _round(edges, 3),
            "fasciculation_per_min": {c: _round(rates(events, FASCICULATION, c, edges, 60.0), 3)
                                      for c in ch_names},
            "spasm_per_h": {c: _round(rates(events, SPASM, c, edges, 3600.0), 3)
                            for c in ch_names}}


def _histogram(events):
    durations = [e.duration for e in events if e.label == SPASM]
    if not durations:
        return None
    edges, counts = duration_histogram(durations)
    return {"edges": _round(edges, 4), "counts": [int(c) for c in counts]}


def _thinned(listed, kept, dropped_rows):
    snippets = {}
    for n, ev in enumerate(listed):
        if n not in kept:
            snippets[ev.label] = snippets.get(ev.label, 0) + 1
    return {"rows": dropped_rows, "snippets": snippets}
