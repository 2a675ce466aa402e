"""Notices as a person or another program reads them.

One encoding for every place a notice leaves the engine as data (the
``monitor --headless`` JSON lines, a session's ``events.jsonl``) and its
inverse, and one line of text for the demo and the live feed.
"""

import json
import math
from dataclasses import asdict

from ..engine.events import Event, Notice
from ..engine.vocabulary import FASCICULATION

_WORDS = {
    "burst_start": "activity rising (provisional)",
    "burst_cancel": "activity came to nothing",
    "spasm_start": "SPASM confirmed",
    "spasm_retract": "spasm withdrawn (too short: a burst)",
}


def notice_to_dict(notice):
    """A notice as a JSON-ready dict (a float that is not a number becomes None)."""
    record = {"kind": notice.kind, "channel": notice.channel, "at": notice.at,
              "onset": notice.onset, "event": None}
    if notice.event is not None:
        record["event"] = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                           for k, v in asdict(notice.event).items()}
    return record


def notice_to_json(notice):
    """A notice as one line of JSON."""
    return json.dumps(notice_to_dict(notice))


def notice_from_dict(record):
    """The :class:`~emgspasm.engine.events.Notice` that :func:`notice_to_dict` wrote."""
    event = record.get("event")
    return Notice(record["kind"], record["channel"], record["at"], record["onset"],
                  Event(**event) if event else None)


def format_notice(notice):
    """One line of text for a notice, as the demo and the live feed show it."""
    head = f"[{notice.at:8.3f} s] {notice.channel:<6}"
    ev = notice.event
    if notice.kind == "spasm_end":
        return (f"{head} spasm ended: {ev.subtype}, {ev.duration:.2f} s, "
                f"peak {ev.peak_uv:.0f} uV (onset {ev.onset:.3f} s)")
    if notice.kind == "event_update":
        return (f"{head} ... that fasciculation: {ev.subtype}, {ev.duration * 1000:.0f} ms "
                f"(onset {ev.onset:.3f} s)")
    if notice.kind == "event_retract":
        return (f"{head} ... that fasciculation is withdrawn: the activity went on "
                f"(onset {ev.onset:.3f} s)")
    if notice.kind == "event":
        extra = f" {ev.subtype}" if ev.subtype and ev.label == FASCICULATION else ""
        peak = f", peak {ev.peak_uv:.0f} uV" if ev.peak_uv else ""
        return (f"{head} {ev.label}{extra}, {ev.duration * 1000:.0f} ms{peak} "
                f"(onset {ev.onset:.3f} s)")
    return f"{head} {_WORDS[notice.kind]} (onset {notice.onset:.3f} s)"
