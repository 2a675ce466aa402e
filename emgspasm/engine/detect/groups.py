"""A spasm group: multi-unit activity on one channel, burst after burst.

A group opens with a burst that outgrows a fasciculation, takes in every
later muscle burst that starts within ``detector.merge_gap_s`` of its last
activity, is announced (``burst_start``) and confirmed (``spasm_start``) by
the detector as it goes, and closes ``merge_gap_s`` after its last
activity. What it was is decided then, by :meth:`SpasmGroup.closing_label`.
"""

from dataclasses import dataclass, field

from ..vocabulary import BURST, SPASM


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
    """

    onset: int
    last_offset: int
    peak: float = 0.0
    snr: float = 0.0
    bursts: int = 0
    confirmed_at: int | None = None
    announced: bool = False
    segments: list = field(default_factory=list)

    def continues(self, onset, max_gap):
        """Does activity starting at ``onset`` belong to this group?"""
        return onset - self.last_offset <= max_gap

    def add(self, burst):
        """A muscle burst ended inside the group."""
        self.last_offset = max(self.last_offset, burst.offset)
        self.peak = max(self.peak, burst.peak)
        self.snr = max(self.snr, burst.snr)
        self.bursts += 1

    def duration_s(self, sfreq):
        """Seconds from the first to the last active sample, both included."""
        return (self.last_offset - self.onset + 1) / sfreq

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
