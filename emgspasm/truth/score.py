"""Score detected events against true ones.

Matching is one-to-one, per channel and per class:

* fasciculations match when their onsets are within ``FASC_ONSET_TOL_S``;
* spasms and bursts match when they overlap, the largest overlaps first.

A detected event of the wrong class does not match (it is a false positive
of its class and leaves a false negative in the true one). Recall is also
kept per bin of the true event's peak SNR (:data:`SNR_BINS`) and per
sampling rate, and a true spasm that two or more detected muscle events
overlap counts as split.
"""

from dataclasses import dataclass, field

import numpy as np

from ..engine.vocabulary import BURST, FASCICULATION, SPASM

FASC_ONSET_TOL_S = 0.05
CLASSES = (FASCICULATION, SPASM, BURST)
#: Peak SNR bins (times the noise RMS) for recall: lower edges.
SNR_BINS = (0.0, 4.0, 6.0, 10.0, 20.0)


def snr_bin(snr):
    """The label of the :data:`SNR_BINS` bin ``snr`` falls in (``"6-10"``,
    ``">=20"``), or ``"unknown"`` when the truth does not say."""
    if snr is None:
        return "unknown"
    edges = SNR_BINS + (float("inf"),)
    for low, high in zip(edges, edges[1:]):
        if snr < high:
            if low == 0.0:
                return f"<{high:g}"
            return f">={low:g}" if high == float("inf") else f"{low:g}-{high:g}"
    return "unknown"


@dataclass
class ClassScore:
    """Detection quality for one class.

    Attributes
    ----------
    tp, fp, fn : int
    onset_err : list of float
        Absolute onset errors of matched events (s).
    duration_err : list of float
        Absolute duration errors of matched events (s).
    latency : list of float
        ``detected_at - true onset`` of matched events (s).
    provisional_latency : list of float
        Spasms only: first ``burst_start`` notice minus the true onset (s).
    subtype_hits : int
        Matched events whose subtype is right (spasms).
    withdrawn : int
        Reports of this class withdrawn live (``event_retract`` notices):
        shown for a moment, then taken back, so not among the final events.
    found_by_snr, total_by_snr : dict of str to int
        True events found and present, per peak-SNR bin (:func:`snr_bin`).
    found_by_rate, total_by_rate : dict of float to int
        The same per sampling rate of the recording.
    split : int
        Spasms only: true spasms overlapped by two or more detected muscle
        events (cut into pieces).
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    onset_err: list = field(default_factory=list)
    duration_err: list = field(default_factory=list)
    latency: list = field(default_factory=list)
    provisional_latency: list = field(default_factory=list)
    subtype_hits: int = 0
    withdrawn: int = 0
    found_by_snr: dict = field(default_factory=dict)
    total_by_snr: dict = field(default_factory=dict)
    found_by_rate: dict = field(default_factory=dict)
    total_by_rate: dict = field(default_factory=dict)
    split: int = 0

    @property
    def precision(self):
        """tp / (tp + fp); 1 when nothing was detected."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self):
        """tp / (tp + fn); 1 when there was nothing to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self):
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def subtype_accuracy(self):
        """Fraction of matched events with the right subtype."""
        return self.subtype_hits / self.tp if self.tp else float("nan")

    def merge(self, other):
        """Add another score's counts and errors to this one."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.subtype_hits += other.subtype_hits
        self.withdrawn += other.withdrawn
        self.split += other.split
        for name in ("onset_err", "duration_err", "latency", "provisional_latency"):
            getattr(self, name).extend(getattr(other, name))
        for name in ("found_by_snr", "total_by_snr", "found_by_rate", "total_by_rate"):
            mine = getattr(self, name)
            for key, count in getattr(other, name).items():
                mine[key] = mine.get(key, 0) + count

    def recall_by(self, kind):
        """Recall per bin: ``{bin: (recall, present)}`` for ``kind`` ``"snr"`` or
        ``"rate"``."""
        found, total = getattr(self, f"found_by_{kind}"), getattr(self, f"total_by_{kind}")
        return {key: (found.get(key, 0) / n, n) for key, n in total.items() if n}


@dataclass
class Score:
    """Scores of every class over one or more recordings.

    Attributes
    ----------
    classes : dict of str to ClassScore
    hours : float
        Signal scored, in hours (per channel-recording, not per channel).
    quiet_hours : float
        Hours of recordings that held no true spasm.
    quiet_false_spasms : int
        Detected spasms in those recordings.
    """

    classes: dict = field(default_factory=lambda: {c: ClassScore() for c in CLASSES})
    hours: float = 0.0
    quiet_hours: float = 0.0
    quiet_false_spasms: int = 0

    @property
    def false_spasms_per_hour(self):
        """False spasm alarms per hour over everything scored."""
        return self.classes[SPASM].fp / self.hours if self.hours else 0.0

    @property
    def quiet_false_spasms_per_hour(self):
        """False spasm alarms per hour of quiet wear (no true spasms)."""
        return self.quiet_false_spasms / self.quiet_hours if self.quiet_hours else 0.0

    def merge(self, other):
        """Add another recording's score."""
        for name, cs in other.classes.items():
            self.classes[name].merge(cs)
        self.hours += other.hours
        self.quiet_hours += other.quiet_hours
        self.quiet_false_spasms += other.quiet_false_spasms

    def as_dict(self):
        """Plain numbers, for JSON and tables."""
        out = {"hours": self.hours, "quiet_hours": self.quiet_hours,
               "false_spasms_per_hour": self.false_spasms_per_hour,
               "quiet_false_spasms_per_hour": self.quiet_false_spasms_per_hour}
        for name, cs in self.classes.items():
            out[name] = {
                "tp": cs.tp, "fp": cs.fp, "fn": cs.fn,
                "precision": cs.precision, "recall": cs.recall, "f1": cs.f1,
                "onset_err_median_s": percentile(cs.onset_err, 50),
                "duration_err_median_s": percentile(cs.duration_err, 50),
                "latency_median_s": percentile(cs.latency, 50),
                "latency_p95_s": percentile(cs.latency, 95),
                "provisional_latency_median_s": percentile(cs.provisional_latency, 50),
                "subtype_accuracy": cs.subtype_accuracy,
                "withdrawn": cs.withdrawn,
                "split": cs.split,
                "recall_by_snr": {k: v[0] for k, v in cs.recall_by("snr").items()},
                "recall_by_rate": {str(k): v[0] for k, v in cs.recall_by("rate").items()},
            }
        return out


def percentile(values, pct):
    """The ``pct`` percentile of ``values``, or NaN when there are none."""
    return float(np.percentile(values, pct)) if values else float("nan")


def score(truth, detected, duration_s, notices=(), sfreq=None):
    """Score one recording.

    Parameters
    ----------
    truth, detected : list of Event
    duration_s : float
        Signal scored (s): the recording's length times its channel count
        gives channel-hours, the unit of the alarm rates.
    notices : iterable of Notice
        The live notices, for the provisional-notice latency of spasms and
        the count of withdrawn reports.
    sfreq : float | None
        The recording's sampling rate, for recall per rate.

    Returns
    -------
    score : Score
    """
    result = Score(hours=duration_s / 3600.0)
    for label in CLASSES:
        true_ev = [e for e in truth if e.label == label]
        det_ev = [e for e in detected if e.label == label]
        cs = result.classes[label]
        channels = {e.channel for e in true_ev} | {e.channel for e in det_ev}
        for ch in channels:
            t_ch = [e for e in true_ev if e.channel == ch]
            d_ch = [e for e in det_ev if e.channel == ch]
            pairs = _match(t_ch, d_ch, label)
            cs.tp += len(pairs)
            cs.fn += len(t_ch) - len(pairs)
            cs.fp += len(d_ch) - len(pairs)
            found = {id(t) for t, _ in pairs}
            for t in t_ch:
                for counts, key in ((cs.total_by_snr, snr_bin(t.snr)),
                                    (cs.total_by_rate, sfreq)):
                    counts[key] = counts.get(key, 0) + 1
                if id(t) in found:
                    for counts, key in ((cs.found_by_snr, snr_bin(t.snr)),
                                        (cs.found_by_rate, sfreq)):
                        counts[key] = counts.get(key, 0) + 1
            for t, d in pairs:
                cs.onset_err.append(abs(d.onset - t.onset))
                cs.duration_err.append(abs(d.duration - t.duration))
                if d.detected_at is not None:
                    cs.latency.append(d.detected_at - t.onset)
                cs.subtype_hits += d.subtype == t.subtype
        cs.withdrawn += sum(n.kind == "event_retract" and n.event.label == label
                            for n in notices)
        if label == SPASM:
            muscle = [e for e in detected if e.label in (SPASM, BURST)]
            cs.split += sum(
                sum(e.channel == t.channel and min(t.offset, e.offset) > max(t.onset, e.onset)
                    for e in muscle) >= 2
                for t in true_ev)
            starts = [n for n in notices if n.kind == "burst_start"]
            for t in true_ev:
                hits = [n.at for n in starts if n.channel == t.channel
                        and t.onset - 0.2 <= n.onset <= t.offset]
                if hits:
                    cs.provisional_latency.append(min(hits) - t.onset)
    if not any(e.label == SPASM for e in truth):
        result.quiet_hours = result.hours
        result.quiet_false_spasms = result.classes[SPASM].fp
    return result


def _match(true_ev, det_ev, label):
    candidates = []
    for i, t in enumerate(true_ev):
        for j, d in enumerate(det_ev):
            if label == FASCICULATION:
                gap = abs(d.onset - t.onset)
                if gap <= FASC_ONSET_TOL_S:
                    candidates.append((gap, i, j))
            else:
                overlap = min(t.offset, d.offset) - max(t.onset, d.onset)
                if overlap > 0:
                    candidates.append((-overlap, i, j))
    candidates.sort()
    used_t, used_d, pairs = set(), set(), []
    for _, i, j in candidates:
        if i not in used_t and j not in used_d:
            used_t.add(i)
            used_d.add(j)
            pairs.append((true_ev[i], det_ev[j]))
    return pairs
