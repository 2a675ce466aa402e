"""What the web view draws over the traces, folded from the live notices.

Each mark is one thing on one channel, in stream seconds:

* ``provisional``: activity rising (``burst_start``), not yet a spasm; it
  grows until it is confirmed or comes to nothing (``burst_cancel``);
* ``spasm``: confirmed (``spasm_start``); it grows while it lasts and takes
  its final extent and subtype at ``spasm_end``, or goes at ``spasm_retract``;
* ``burst``: a short multi-unit burst (a group that closed as one);
* ``fasciculation``: a tick at its onset (refined by ``event_update``,
  taken back by ``event_retract``);
* ``artifact``: a pop, motion or ECG; ``bad``: an unusable stretch.
"""

from ...engine.vocabulary import ARTIFACT_LABELS, BURST, FASCICULATION, SPASM


class Marks:
    """Marks per channel, kept while they can still be on screen.

    Parameters
    ----------
    ch_names : list of str
    keep_s : float
        A mark that ended more than this long before the newest sample is
        forgotten (the view's time window).
    """

    def __init__(self, ch_names, keep_s):
        self._index = {name: c for c, name in enumerate(ch_names)}
        self.keep_s = float(keep_s)
        self._done = []  # closed marks: dicts with ch, kind, t0, t1, ...
        self._open = {}  # channel index -> the growing mark (provisional or spasm)

    def apply(self, notice):
        """Fold one notice (see :class:`~emgspasm.engine.events.Notice`)."""
        c = self._index[notice.channel]
        kind = notice.kind
        if kind == "burst_start":
            self._open[c] = _mark(c, "provisional", notice.onset, None)
        elif kind == "spasm_start":
            self._open[c] = _mark(c, "spasm", notice.onset, None)
        elif kind in ("burst_cancel", "spasm_retract"):
            self._open.pop(c, None)
        elif kind == "spasm_end":
            self._open.pop(c, None)
            self._done.append(_from_event(c, notice.event))
        elif kind == "event":
            if notice.event.label == BURST:
                self._open.pop(c, None)  # the provisional group closed as a burst
            self._done.append(_from_event(c, notice.event))
        elif kind in ("event_update", "event_retract"):
            ev = notice.event
            self._done = [m for m in self._done
                          if (m["ch"], m["t0"], m["label"]) != (c, ev.onset, ev.label)]
            if kind == "event_update":
                self._done.append(_from_event(c, ev))

    def visible(self, t0, now):
        """The marks that overlap ``t0`` to ``now`` (stream seconds), as JSON-ready
        dicts; growing ones end at ``now``. Older marks are forgotten."""
        self._done = [m for m in self._done if m["t1"] >= now - self.keep_s]
        shown = [m for m in self._done if m["t1"] >= t0]
        shown += [dict(m, t1=now, running=True) for m in self._open.values()]
        return shown


def _mark(c, kind, t0, t1, label=None, subtype=None):
    return {"ch": c, "kind": kind, "t0": t0, "t1": t1, "label": label or kind,
            "subtype": subtype, "running": False}


def _from_event(c, ev):
    kind = {SPASM: "spasm", FASCICULATION: "fasciculation", BURST: "burst"}.get(ev.label)
    if kind is None:
        kind = "artifact" if ev.label in ARTIFACT_LABELS else "bad"  # BAD_<reason>
    return _mark(c, kind, ev.onset, ev.offset, ev.label, ev.subtype)
