"""Events, notices and the BIDS-compatible ``events.tsv`` table.

An :class:`Event` is one final finding: a fasciculation, a spasm, a short
multi-unit burst, an artefact, or a stretch of unusable signal. A
:class:`Notice` is what the live engine announces as it goes (a burst has
started, a spasm is confirmed, a spasm has ended, ...).
"""

import csv
import math
from dataclasses import asdict, dataclass, fields

#: Muscle events.
FASCICULATION = "fasciculation"
SPASM = "spasm"
BURST = "burst"
MUSCLE_LABELS = (FASCICULATION, SPASM, BURST)
#: Artefacts: reported as signal-quality annotations, never as muscle events.
ARTIFACT_POP = "artifact_pop"
ARTIFACT_MOTION = "artifact_motion"
ARTIFACT_ECG = "artifact_ecg"
ARTIFACT_LABELS = (ARTIFACT_POP, ARTIFACT_MOTION, ARTIFACT_ECG)
#: Unusable stretches (MNE treats ``BAD_`` annotations as bad segments).
BAD_PREFIX = "BAD_"
SPASM_SUBTYPES = ("tonic", "clonic", "mixed")

#: Notice kinds of the live stream, in the order a spasm goes through them.
NOTICE_KINDS = ("burst_start", "burst_cancel", "spasm_start", "spasm_retract",
                "spasm_end", "event", "event_update", "event_retract")


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


# Column order of events.tsv: BIDS requires onset and duration first.
TSV_COLUMNS = ("onset", "duration", "trial_type", "channel", "subtype",
               "peak_uv", "confidence", "detected_at", "snr")
_FIELD_OF_COLUMN = {"trial_type": "label"}


def _format(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") or "0"
    return str(value)


def write_events_tsv(events, path):
    """Write events as a BIDS ``events.tsv`` (``n/a`` where empty).

    Parameters
    ----------
    events : iterable of Event
    path : str or Path
    """
    rows = sorted(events, key=lambda e: (e.onset, e.channel, e.label))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write("\t".join(TSV_COLUMNS) + "\n")
        for ev in rows:
            record = asdict(ev)
            fh.write("\t".join(
                _format(record[_FIELD_OF_COLUMN.get(col, col)])
                for col in TSV_COLUMNS) + "\n")


def read_events_tsv(path):
    """Read an ``events.tsv`` written by :func:`write_events_tsv`.

    Returns
    -------
    events : list of Event
    """
    names = {f.name: f.type for f in fields(Event)}
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            kwargs = {}
            for col, text in row.items():
                name = _FIELD_OF_COLUMN.get(col, col)
                if name not in names or text == "n/a":
                    continue
                kwargs[name] = text if name in ("label", "channel", "subtype") \
                    else float(text)
            out.append(Event(**kwargs))
    return out


def confidence_from_snr(snr, threshold):
    """Map a peak SNR to 0-1: 0 at the threshold, 0.5 at twice it, 0.9 at 10x."""
    if snr <= threshold:
        return 0.0
    return 1.0 - threshold / snr
