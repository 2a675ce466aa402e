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
``HOLD_S``. While its last bursts keep a clonus's rhythm, a burst where
the next but one volley is due also continues it: the volley between
stayed under the threshold. What it was is decided at the close, by
:meth:`SpasmGroup.closing_label`.
"""

from collections import deque, namedtuple
from dataclasses import dataclass, field

from ..vocabulary import BURST, SPASM
from .rules import clonus_period, next_but_one_due, skips_one_volley

#: Bursts whose onsets the group keeps, to find a clonus's rhythm
#: (:func:`~emgspasm.engine.detect.rules.clonus_period` reads four intervals).
RHYTHM_BURSTS = 5
#: A burst where the next but one volley is due is one when at least this
#: fraction of the smallest of those bursts: a clonus's volleys vary in size
#: by a factor of two or so from one to the next, and a QRS complex or a
#: pop of another size that happens to fall on the rhythm is no volley.
VOLLEY_PEAK_FRACTION = 0.5

#: A group that closed as a burst: its ledger handle, first and last active
#: samples, and the :class:`LeadBurst` that led into it (None if none).
LeadBurst = namedtuple("LeadBurst", "handle onset offset lead")

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
        First sample of the discharges (or the burst) that led into the
        spasm (see
        :meth:`~emgspasm.engine.detect.fasciculations.FasciculationReports.take_in_precursors`);
        the spasm is reported from there, but judged (length, subtype
        windows) on its own activity.
    lead_burst : LeadBurst or None
        The burst just before that led into the group (see
        :meth:`~emgspasm.engine.detect.detector.Detector._leads_in`); taken
        in if the group closes as a spasm.
    onsets, peaks : deque
        Onsets (samples) and peaks (V) of its last muscle bursts.
    period : int or None
        Their clonus period (samples), when they keep one.
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
    lead_burst: LeadBurst | None = None
    onsets: deque = field(default_factory=lambda: deque(maxlen=RHYTHM_BURSTS))
    peaks: deque = field(default_factory=lambda: deque(maxlen=RHYTHM_BURSTS))
    period: int | None = None

    def continues(self, onset, max_gap, hold_gap):
        """Does activity starting at ``onset`` belong to this group (within
        its largest gap)?"""
        return onset <= self._gap_ends(max_gap, hold_gap)

    def skips_a_volley(self, onset, peak):
        """Is a burst at ``onset`` of ``peak`` the next but one volley of the
        group's clonus (where it is due, and of a volley's size)?"""
        return (self.period is not None
                and skips_one_volley(self.onsets, self.period, onset)
                and peak >= VOLLEY_PEAK_FRACTION * min(self.peaks))

    def closes_at(self, max_gap, hold_gap):
        """Sample after which, with no more activity, the group is over: the
        largest gap (``hold_gap`` while held) after its last activity, or
        the end of the tolerance around its clonus's next but one volley."""
        end = self._gap_ends(max_gap, hold_gap)
        if self.period is not None:
            end = max(end, int(next_but_one_due(self.onsets, self.period)[1]))
        return end

    def _gap_ends(self, max_gap, hold_gap):
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

    def add(self, burst, sfreq):
        """A muscle burst ended inside the group."""
        self.extend(burst.offset)
        self.peak = max(self.peak, burst.peak)
        self.snr = max(self.snr, burst.snr)
        self.bursts += 1
        if self.skips_a_volley(burst.onset, burst.peak):
            # the volley between, under the threshold, keeps its place
            self.onsets.append(self.onsets[-1] + self.period)
            self.peaks.append(burst.peak)
        self.onsets.append(burst.onset)
        self.peaks.append(burst.peak)
        self.period = clonus_period(self.onsets, sfreq)

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
