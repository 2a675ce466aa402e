"""One channel's fasciculation reports, from the first word to the last.

Activity no longer than ``fasc_max_s`` (plus the time a band clipped below
Nyquist adds to any discharge's ring, see
:func:`~emgspasm.engine.dsp._design.bandpass_smear_s`: 24 ms at 250 Hz, none
from 2 kHz), at least ``isolation_s`` after the last multi-unit activity
and not part of a train of ``train_count`` short bursts each within
``merge_gap_s`` of the last (that is clonus) is a fasciculation. The
detector decides that; this module keeps what it reported, on the shared
:class:`~emgspasm.engine.events.EventLedger`, and what becomes of it:

* **Early report.** A clearly clean one (2-20 Hz ratio under a quarter of
  ``fasc_max_lowfreq_ratio``) is reported as soon as its discharge ends:
  the detection envelope, or for a strong discharge (twice the on
  threshold) an envelope over half the window, falls below the off
  threshold; one still going ``report_due_s`` after it rose (a doublet or
  triplet whose discharges merge into one burst, or the start of something
  longer) is reported then.
* **Settled at the burst's end.** The burst's end ``hangover_s`` later
  settles it: still a fasciculation, the report stands (if it ended within
  a window of where the report said) or is refined (``event_update``, e.g.
  a second discharge made it a doublet); grown into anything else, it is
  withdrawn (``event_retract``; ``emgspasm evaluate`` counts them). A
  burst that outgrows ``fasc_max_s`` with no more energy than a doublet's
  (two detection windows at its peak) is still one discharge when it ends
  before ``min_burst_s`` or within the band-pass's ring of its peak
  (:func:`~emgspasm.engine.detect.params.tail_excess`: a potential 50 times
  the noise rings above the off threshold some 20 ms longer than one at
  the on threshold); the provisional burst it opened is cancelled and its
  report stands.
* **Doublet.** A second clean discharge within ``doublet_max_s`` of its
  onset, as a burst of its own, also turns the reported fasciculation into
  a doublet.
* **Ring-down.** A burst under half the size of the fasciculation just
  before it, within that discharge's ring
  (:meth:`DischargeTerms.discharge_max_s`), is the band-pass's ring-down
  and no event at all, artefact-like or not.
* **A spasm's first discharges.** Once a group is a spasm on its own
  activity (confirmed, or closed as one), fasciculations reported within
  ``merge_gap_s`` before its first activity (or before one taken in) were
  its first discharges: a contraction recruits its smallest units first.
  They are withdrawn and the spasm starts at the first of them.
"""

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from ..events import Event, Notice, confidence_from_snr
from ..vocabulary import FASCICULATION
from .rules import ECG_TRAIL_PEAK

#: Fasciculations remembered per channel, to be taken into a group that opens
#: right after them: more than a ramp's first discharges within a few
#: ``merge_gap_s`` of each other.
PRECURSORS = 8


def report_burst(ledger, burst, label, channel, subtype, t, sfreq, on_snr, notices):
    """Report the event of one burst (a fasciculation or an artefact).

    Parameters
    ----------
    ledger : EventLedger
    burst : Burst
    label, channel : str
    subtype : str or None
    t : int
        Sample at which the detector commits to it.
    sfreq : float
    on_snr : float
        ``detector.on_snr``, for the confidence.
    notices : list of Notice
        Gets its ``event`` notice.

    Returns
    -------
    handle : int
        The event's handle in ``ledger``.
    """
    ev = Event(float(burst.onset) / sfreq, burst.length_s(sfreq), label, channel,
               subtype, burst.peak * 1e6, confidence_from_snr(burst.snr, on_snr),
               float(t) / sfreq, burst.snr)
    notices.append(Notice("event", ev.channel, ev.detected_at, ev.onset, ev))
    return ledger.report(ev)


@dataclass(frozen=True)
class DischargeTerms:
    """What every channel's reports need to know of the stream and the
    configuration.

    Attributes
    ----------
    sfreq : float
    on_snr : float
        ``detector.on_snr``, for the confidence.
    fasc_max_s : float
        Longest activity of one discharge at the on threshold (see
        :func:`~emgspasm.engine.detect.params.fasc_max_s`).
    tail : (ndarray, ndarray)
        How much longer a stronger one rings (see
        :func:`~emgspasm.engine.detect.params.tail_excess`).
    settle_s : float
        A report made on the short envelope stands if the whole burst ends
        within this of where it said (one detection window).
    doublet_max : float
        Samples from a fasciculation's onset within which a second discharge
        makes it a doublet (``doublet_max_s``).
    merge_gap : int
        Samples before a spasm's first activity (or before a discharge taken
        in) within which a fasciculation was one of its first discharges
        (``merge_gap_s``).
    hold : int
        ... and within which it was, when the power test has found weak
        activity on the channel since it ended (``HOLD_S``; 0: never).
    sustain_window : int
        The power test's window (samples): its verdict at a sample covers
        that many samples before.
    """

    sfreq: float
    on_snr: float
    fasc_max_s: float
    tail: tuple
    settle_s: float
    doublet_max: float
    merge_gap: int
    hold: int = 0
    sustain_window: int = 0

    def bridged(self, powered_since, end):
        """Has the power test been on since sample ``end`` (on since
        ``powered_since``, None if off), its window holding nothing from
        before?"""
        return powered_since is not None and powered_since <= end + self.sustain_window

    def discharge_max_s(self, snr):
        """Longest activity of one discharge of this peak SNR."""
        return self.fasc_max_s + float(np.interp(np.log(max(snr, 1e-12)), *self.tail))


class FasciculationReports:
    """The fasciculations reported on one channel, and what becomes of them.

    Parameters
    ----------
    channel : str
    ledger : EventLedger
        The detector's, shared by all channels.
    terms : DischargeTerms

    Attributes
    ----------
    open : int or None
        Ledger handle of a fasciculation reported while its burst goes on.
    last : (int, int) or None
        Handle and onset (sample) of the fasciculation just reported, while
        a doublet may follow.
    recent : deque of int
        Handles of the last :data:`PRECURSORS` fasciculations, which may turn
        out to be a spasm's first discharges.
    """

    def __init__(self, channel, ledger, terms):
        self.channel = channel
        self._ledger = ledger
        self._terms = terms
        self.open = None
        self.last = None
        self.recent = deque(maxlen=PRECURSORS)

    def report_early(self, burst, subtype, t, notices):
        """Report the fasciculation of a burst still going on (its discharge
        ended, or it is due)."""
        self.open = self._report(burst, subtype, t, notices)

    def settle(self, burst, subtype, tail, t, notices):
        """The burst ended as a fasciculation: report it, or settle the
        report made while it went on with the whole burst (unless only a
        ``tail`` outgrew the discharge: a tail adds no discharge)."""
        if self.open is None:
            handle = self._report(burst, subtype, t, notices)
        else:
            handle, self.open = self.open, None
            if not tail:
                self._refine(handle, burst, subtype, t, notices)
        self.last = (handle, burst.onset)

    def withdraw_open(self, t, notices):
        """Withdraw the fasciculation reported mid-burst: the burst became more."""
        if self.open is None:
            return
        ev = self._ledger.withdraw(self.open)
        self.open = None
        notices.append(Notice("event_retract", ev.channel, self._sec(t), ev.onset, ev))

    def completes_doublet(self, burst):
        """A second discharge soon after the fasciculation just reported."""
        return self.last is not None and (
            burst.onset - self.last[1] <= self._terms.doublet_max)

    def make_doublet(self, burst, notices):
        """The second discharge of a doublet refines the fasciculation just reported.

        The label and its commit time stand; the subtype, duration and peak
        are updated, and an ``event_update`` notice carries the new event.
        """
        index, onset = self.last
        self.last = None
        old = self._ledger[index]
        new = replace(old, duration=(burst.offset - onset + 1) / self._terms.sfreq,
                      subtype="doublet", peak_uv=max(old.peak_uv, burst.peak * 1e6),
                      snr=max(old.snr, burst.snr),
                      confidence=max(old.confidence,
                                     confidence_from_snr(burst.snr, self._terms.on_snr)))
        self._ledger.replace(index, new)
        notices.append(Notice("event_update", new.channel, self._sec(burst.offset), new.onset,
                              new))

    def rung_by_last(self, burst):
        """Is a burst (outside a spasm) the ring of the fasciculation before it?

        After a large discharge the band-pass rings at its low edge (20 Hz);
        the ring's later lobes can lift the envelope over the threshold again,
        a few per cent of the discharge's size: mostly low-pitched (taken for
        a pop), sometimes with the pitch of muscle (taken for a second, tiny
        fasciculation). One that starts within the ring's extent for that
        discharge's SNR (:meth:`DischargeTerms.discharge_max_s`) and under
        half its size is that ring; a repeat of the same unit is as large as
        the first.
        """
        if not self.recent:
            return False
        event = self._ledger[self.recent[-1]]
        if event is None:
            return False
        delay_s = burst.onset / self._terms.sfreq - event.onset
        return (delay_s <= self._terms.discharge_max_s(event.snr)
                and burst.peak <= ECG_TRAIL_PEAK * event.peak_uv * 1e-6)

    def lead_onset(self, group, powered_since=None):
        """Where the discharges that led into ``group`` began (its own onset if
        none); ``powered_since`` as for :meth:`take_in_precursors`."""
        onset = group.reported_onset
        for _, _, onset in self._precursors(group, powered_since):
            pass
        return onset

    def take_in_precursors(self, group, t, notices, powered_since=None):
        """Fasciculations reported just before a spasm began were its first
        discharges: withdraw them and start the spasm at the first.

        A contraction recruits its smallest units first (the size principle),
        so its first tens to hundreds of ms can be single discharges. One
        reported within ``merge_gap_s`` of the group's first activity (or of
        an earlier one taken in) would have joined the group had it come
        after; so it does before. This is done once the group is a spasm
        (confirmed, or closed as one) on its own activity: a blip after a
        discharge is not a contraction. The report of a burst still open,
        if any, is not a precursor: that burst's end settles it.

        While the power test finds weak activity on the channel (on since
        sample ``powered_since``, None if off), a fasciculation after which
        it has been on all along led in from up to ``hold`` before: the
        contraction's other units fired under the threshold in between (as
        a burst leads into a spasm, see the detector).
        """
        for handle, event, onset in list(self._precursors(group, powered_since)):
            self.recent.remove(handle)
            self._ledger.withdraw(handle)
            notices.append(Notice("event_retract", event.channel, self._sec(t),
                                  event.onset, event))
            group.lead_onset = onset
            group.peak = max(group.peak, event.peak_uv * 1e-6)
            group.snr = max(group.snr, event.snr)
            if self.last is not None and self.last[0] == handle:
                self.last = None

    def _precursors(self, group, powered_since=None):
        """The fasciculations that led into ``group``, latest first: each
        reported within ``merge_gap_s`` (or ``hold``, see
        :meth:`take_in_precursors`) before its first activity or before the
        one after it; as (ledger handle, event, onset sample)."""
        terms = self._terms
        first = group.reported_onset
        for handle in reversed(self.recent):
            event = self._ledger[handle]
            if handle == self.open or event is None:
                continue
            onset = round(event.onset * terms.sfreq)
            end = onset + round(event.duration * terms.sfreq) - 1
            bridged = terms.bridged(powered_since, end)
            if end < first - (max(terms.hold, terms.merge_gap) if bridged else terms.merge_gap):
                return
            first = onset
            yield handle, event, onset

    def _report(self, burst, subtype, t, notices):
        handle = report_burst(self._ledger, burst, FASCICULATION, self.channel, subtype, t,
                              self._terms.sfreq, self._terms.on_snr, notices)
        self.recent.append(handle)
        return handle

    def _refine(self, handle, burst, subtype, t, notices):
        """Settle a fasciculation reported mid-burst with the whole burst."""
        old = self._ledger[handle]
        duration = burst.length_s(self._terms.sfreq)
        if subtype == old.subtype and abs(duration - old.duration) <= self._terms.settle_s:
            return  # it ended about where it was reported: the report stands
        new = replace(old, duration=duration, subtype=subtype, peak_uv=burst.peak * 1e6,
                      snr=burst.snr,
                      confidence=confidence_from_snr(burst.snr, self._terms.on_snr))
        self._ledger.replace(handle, new)
        notices.append(Notice("event_update", new.channel, self._sec(t), new.onset, new))

    def _sec(self, sample):
        return float(sample) / self._terms.sfreq
