"""``events.jsonl``: the notices shown live, read back line by line; a line
that is not a valid notice is skipped and reported."""

import json
import logging

from ...engine.events import EventLedger
from ...engine.vocabulary import NOTICE_KINDS
from ...errors import FileFieldError
from ..notices import notice_from_dict
from ._fields import checked_field, is_number, is_text, is_time, json_kind

log = logging.getLogger(__name__)

_NOTICE_FIELDS = {
    "kind": (lambda v: v in NOTICE_KINDS, f"one of {', '.join(NOTICE_KINDS)}"),
    "channel": (is_text, "a channel name"),
    "at": (is_time, "a number >= 0 (s)"),
    "onset": (is_number, "a number (s)"),
}
_EVENT_REQUIRED = ("onset", "duration", "label", "channel")
_EVENT_FIELDS = {
    "onset": (is_time, "a number >= 0 (s)"),
    "duration": (is_time, "a number >= 0 (s)"),
    "label": (is_text, "an event label"),
    "subtype": (lambda v: v is None or is_text(v), "text or null"),
    **{name: (lambda v: v is None or is_number(v), "a number or null")
       for name in ("peak_uv", "confidence", "detected_at", "snr")},
}


def read_events(path, ch_names):
    """Fold the notices of ``events.jsonl`` into final events.

    Returns
    -------
    events : list of Event
    notes : list of str
        One line per kind of problem, with the line numbers it hit.
    skipped : bool
        True when a line was skipped.
    """
    ledger, problems = EventLedger(), _LineProblems(path)
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    problems.number = number
                    notice = _notice_from_line(line, ch_names, problems)
                    if notice is not None:
                        ledger.apply(notice)
    except FileNotFoundError:
        pass
    except OSError as err:
        problems.skip(f"cannot read it ({err.strerror}); no events recovered")
    return ledger.events, problems.notes(), bool(problems.skipped)


class _LineProblems:
    """What went wrong on which lines of a file, gathered by kind."""

    def __init__(self, path):
        self.path, self.number = path, None
        self.skipped, self.ignored = {}, {}

    def skip(self, problem):
        """The current line (or, before any line, the file) was skipped."""
        self.skipped.setdefault(problem, []).append(self.number)

    def ignore(self, problem):
        """Part of the current line was ignored."""
        self.ignored.setdefault(problem, []).append(self.number)

    def notes(self):
        """One line per problem: the file, the problem, the lines it hit."""
        return ([self._note(p, n, "skipped") for p, n in self.skipped.items()]
                + [self._note(p, n, "ignored") for p, n in self.ignored.items()])

    def _note(self, problem, numbers, what):
        numbers = [n for n in numbers if n is not None]
        if not numbers:
            return f"{self.path}: {problem}."
        shown = ", ".join(map(str, numbers[:5]))
        if len(numbers) > 5:
            shown += f", ... ({len(numbers)} in all)"
        return (f"{self.path} line{'s' if len(numbers) > 1 else ''} {shown}: "
                f"{problem}; {what}.")


def _notice_from_line(line, ch_names, problems):
    """The notice one line holds, or None (the problem is added to ``problems``)."""
    try:
        record = json.loads(line)
    except ValueError:
        problems.skip("cut short (the session did not stop cleanly)"
                      if not line.endswith("\n") else "not a line of JSON")
        return None
    try:
        return _notice_from_record(record, ch_names, problems)
    except FileFieldError as err:
        problems.skip(str(err).rstrip("."))
        return None


def _notice_from_record(record, ch_names, problems):
    if not isinstance(record, dict):
        raise FileFieldError(f"a JSON {json_kind(record)} where a notice object belongs")
    for name, (valid, allowed) in _NOTICE_FIELDS.items():
        checked_field(record, name, valid, allowed)
    event = record.get("event")
    if event is not None:
        _check_event(event, ch_names)
        _ignore_unknown(event, set(_EVENT_FIELDS) | {"channel"}, "event.", problems)
        event = {k: v for k, v in event.items() if k in _EVENT_FIELDS or k == "channel"}
    _ignore_unknown(record, set(_NOTICE_FIELDS) | {"event"}, "", problems)
    return notice_from_dict({**record, "event": event})


def _check_event(event, ch_names):
    if not isinstance(event, dict):
        raise FileFieldError.invalid("event", "an event object or null", event)
    missing = [name for name in _EVENT_REQUIRED if name not in event]
    if missing:
        raise FileFieldError(f"the 'event.{missing[0]}' field is missing.")
    checked_field(event, "channel", lambda v: v in ch_names,
           f"one of the session's channels ({', '.join(ch_names)})", prefix="event.")
    for name, (valid, allowed) in _EVENT_FIELDS.items():
        if name in event:
            checked_field(event, name, valid, allowed, prefix="event.")


def _ignore_unknown(record, known, prefix, problems):
    for name in record:
        if name not in known:
            problems.ignore(f"unknown field {prefix + name!r}")


