"""A spasm group: multi-unit activity on one channel, burst after burst.

A group opens with a burst that outgrows a fasciculation, takes in every
later muscle burst that starts within ``detector.merge_gap_s`` of its last
activity, is announced (``burst_start``) and confirmed (``spasm_start``) by
the detector as it goes, and closes ``merge_gap_s`` after its last
activity. Time taken by artefacts inside it (a QRS, a pop, a flagged
stretch) does not count towards that gap: the muscle under them cannot be
seen, so a spasm stays one spasm through them. While the kernel finds
sustained activity (a weak contraction whose envelope stays a little above
the noise between bursts) the group is *held*: the gap it allows grows to
``HOLD_S``. What it was is decided at the close, by
:meth:`SpasmGroup.closing_label`.
"""

from dataclasses import dataclass, field

from ..vocabulary import BURST, SPASM

#: The longest gap between bursts of a held group. Sustained activity with
#: no burst at all for this long is as likely a rise of the background (an
#: electrode, a change of posture) as a contraction: a contraction's motor
#: units fire at 6 per second or more, and of those discharges some cross
#: the on threshold unless the whole contraction is near the noise.
HOLD_S = 2.0


@dataclass
class SpasmGroup:
    """One channel's open group.

    Attributes
    ----------
    onset, last_offset : int
        First and last active sample so far.
    peak : float
        Largest absolute filtered amplitude (V).
    snr : float
        Largest burst SNR.
    bursts : int
        Muscle bursts that ended inside the group.
    confirmed_at : int or None
        Sample of its ``spasm_start`` notice.
    announced : bool
        Its ``burst_start`` notice was given.
    segments : list of (t, bp2, env, n)
        Activity segments, for the subtype (see
        :func:`~emgspasm.engine.detect.rules.spasm_subtype`).
    masked : int
        Samples since ``last_offset`` hidden by artefacts.
    held : bool
        Sustained activity is going on: the group allows gaps up to its
        ``hold_gap``.
    lead_onset : int or None
        First sample of the discharges that led into the spasm (see
        :meth:`~emgspasm.engine.detect.detector.Detector._take_in_precursors`);
        the spasm is reported from there, but judged (length, subtype
        windows) on its own activity.
    """

    onset: int
    last_offset: int
    peak: float = 0.0
    snr: float = 0.0
    bursts: int = 0
    confirmed_at: int | None = None
    announced: bool = False
    segments: list = field(default_factory=list)
    masked: int = 0
    held: bool = False
    lead_onset: int | None = None

    def continues(self, onset, max_gap, hold_gap):
        """Does activity starting at ``onset`` belong to this group?"""
        return onset <= self.closes_at(max_gap, hold_gap)

    def closes_at(self, max_gap, hold_gap):
        """Sample after which, with no more activity, the group is over: the
        largest gap (``hold_gap`` while held) after its last activity."""
        return self.last_offset + self.masked + (hold_gap if self.held else max_gap)

    def mask(self, onset, offset):
        """An artefact (or flagged stretch) from ``onset`` to ``offset`` hid the
        channel: its samples after the last activity do not count as a gap."""
        self.masked += max(0, offset - max(onset, self.last_offset + 1) + 1)

    def extend(self, offset):
        """Muscle activity went on until ``offset``."""
        if offset > self.last_offset:
            self.masked = 0
            self.last_offset = offset

    def add(self, burst):
        """A muscle burst ended inside the group."""
        self.extend(burst.offset)
        self.peak = max(self.peak, burst.peak)
        self.snr = max(self.snr, burst.snr)
        self.bursts += 1

    def duration_s(self, sfreq):
        """Seconds from the first to the last active sample, both included."""
        return (self.last_offset - self.onset + 1) / sfreq

    @property
    def reported_onset(self):
        """Where the reported spasm starts: at the discharges that led into
        it, if any."""
        return self.onset if self.lead_onset is None else self.lead_onset

    def reported_duration_s(self, sfreq):
        """Seconds from :attr:`reported_onset` to the last active sample."""
        return (self.last_offset - self.reported_onset + 1) / sfreq

    def closing_label(self, sfreq, min_spasm_s, min_burst_s):
        """``"spasm"`` if it lasted ``min_spasm_s``, ``"burst"`` (a myoclonic-like
        jerk) if it lasted ``min_burst_s``, None if it held no muscle burst or
        was shorter."""
        if not self.bursts:
            return None
        duration = self.duration_s(sfreq)
        if duration >= min_spasm_s:
            return SPASM
        return BURST if duration >= min_burst_s else None
