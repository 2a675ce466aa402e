"""Events, notices, and the ledger that folds notices into final events.

An :class:`Event` is one final finding: a fasciculation, a spasm, a short
multi-unit burst, an artefact, or a stretch of unusable signal. A
:class:`Notice` is what the live engine announces as it goes (a burst has
started, a spasm is confirmed, a spasm has ended, ...). An
:class:`EventLedger` keeps the final events as notices report, refine and
withdraw them: the detector writes through one, and a recorded session's
notices are folded back into its events through one.
"""

from dataclasses import dataclass

from .vocabulary import MUSCLE_LABELS


@dataclass(frozen=True)
class Event:
    """One detected (or, from the simulator, true) event.

    Attributes
    ----------
    onset : float
        Seconds from the start of the recording.
    duration : float
        Seconds.
    label : str
        ``fasciculation``, ``spasm``, ``burst`` (a short multi-unit burst such
        as a myoclonic jerk), ``artifact_pop``, ``artifact_motion``,
        ``artifact_ecg``, or ``BAD_<reason>`` for unusable signal.
    channel : str
        Channel name.
    subtype : str or None
        ``tonic``/``clonic``/``mixed`` for spasms, ``single``/``doublet`` for
        fasciculations, the flag names for ``BAD_`` stretches.
    peak_uv : float or None
        Largest absolute filtered amplitude in the event (µV).
    confidence : float or None
        0-1; how far above the detection threshold the event stood
        (0 at the threshold, 0.5 at twice it, 0.9 at ten times).
    detected_at : float or None
        Stream time (s) at which the detector committed to this event and
        its label; ``detected_at - onset`` is the detection latency.
    snr : float or None
        Peak detection envelope over the channel's noise RMS.
    """

    onset: float
    duration: float
    label: str
    channel: str
    subtype: str | None = None
    peak_uv: float | None = None
    confidence: float | None = None
    detected_at: float | None = None
    snr: float | None = None

    @property
    def offset(self):
        """End of the event (s)."""
        return self.onset + self.duration

    @property
    def is_muscle(self):
        """True for fasciculations, spasms and bursts."""
        return self.label in MUSCLE_LABELS


@dataclass(frozen=True)
class Notice:
    """Something the live engine announces.

    Attributes
    ----------
    kind : str
        ``burst_start`` (provisional: activity is rising), ``burst_cancel``
        (it came to nothing), ``spasm_start`` (confirmed), ``spasm_retract``
        (a confirmed spasm ended too short or proved an artefact),
        ``spasm_end``, ``event`` (a final :class:`Event`), ``event_update``
        (a fasciculation reported as its discharge ended was settled when
        the burst ended, e.g. it proved a doublet: the event with the same
        channel, onset and label is replaced by this one) or ``event_retract``
        (the burst grew into something else: that event is withdrawn).
    channel : str
    at : float
        Stream time of the announcement (s).
    onset : float
        Onset (s) of the activity the notice is about.
    event : Event or None
        The event, for ``event``, ``spasm_end``, ``event_update`` and
        ``event_retract`` notices.
    """

    kind: str
    channel: str
    at: float
    onset: float
    event: Event | None = None


def confidence_from_snr(snr, threshold):
    """Map a peak SNR to 0-1: 0 at the threshold, 0.5 at twice it, 0.9 at 10x."""
    if snr <= threshold:
        return 0.0
    return 1.0 - threshold / snr


class EventLedger:
    """Final events as they are reported, refined and withdrawn.

    Each reported event keeps its place (a handle), so a refinement replaces
    it where it stood and a withdrawal leaves a hole; :attr:`events` lists
    what stands, in the order it was reported.
    """

    def __init__(self):
        self._slots = []

    def report(self, event):
        """Add ``event``; return its handle."""
        self._slots.append(event)
        return len(self._slots) - 1

    def __getitem__(self, handle):
        return self._slots[handle]

    def replace(self, handle, event):
        """Put ``event`` in the place of the one reported under ``handle``."""
        self._slots[handle] = event

    def withdraw(self, handle):
        """Take back the event reported under ``handle``; return it."""
        event, self._slots[handle] = self._slots[handle], None
        return event

    @property
    def events(self):
        """The events that stand, in the order they were reported."""
        return [ev for ev in self._slots if ev is not None]

    def apply(self, notice):
        """Fold one notice: ``event`` and ``spasm_end`` report, ``event_update``
        replaces and ``event_retract`` withdraws the event with the same
        channel, onset and label; other kinds carry no final event."""
        if notice.event is None:
            return
        if notice.kind in ("event", "spasm_end"):
            self.report(notice.event)
        elif notice.kind in ("event_update", "event_retract"):
            handle = self._find(notice.event)
            if handle is None:
                return
            if notice.kind == "event_update":
                self.replace(handle, notice.event)
            else:
                self.withdraw(handle)

    @classmethod
    def from_notices(cls, notices):
        """A ledger holding what ``notices``, folded in order, leave standing."""
        ledger = cls()
        for notice in notices:
            ledger.apply(notice)
        return ledger

    def _find(self, event):
        key = (event.channel, event.onset, event.label)
        for handle in range(len(self._slots) - 1, -1, -1):
            old = self._slots[handle]
            if old is not None and (old.channel, old.onset, old.label) == key:
                return handle
        return None
