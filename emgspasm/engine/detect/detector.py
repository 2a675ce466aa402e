"""From bursts to events: the rules that tell spasms from fasciculations.

The numba kernel (:mod:`emgspasm.engine.detect._kernels`) turns samples into
records; :class:`Detector` turns records into notices and events. Every
decision is taken at the exact stream sample where its condition becomes
true, using only records up to that sample, so the events (and their
``detected_at``) do not depend on how the stream was cut into chunks.

The parts, each with its rules in its docstring:

* :mod:`~emgspasm.engine.detect.params`: the kernel's parameters, and where
  each value comes from; :mod:`~emgspasm.engine.detect.layout`: the
  records it writes.
* :mod:`~emgspasm.engine.detect.rules`: the rules as pure functions of a
  burst's features and its channel's history.
* :mod:`~emgspasm.engine.detect.beats`: a channel's heartbeat history (ECG
  trains, what trails a beat).
* :mod:`~emgspasm.engine.detect.fasciculations`: a channel's fasciculation
  reports, from the early report to its refinement, doublet or withdrawal.
* :mod:`~emgspasm.engine.detect.groups`: a spasm group's gap, hold and
  clonus rhythm, and what it was when it closes.
* this module: the records' dispatch in stream order, the timers that close
  groups, and the rules below.

The rules, per channel:

* **Artefact or muscle.** A burst whose raw 2-20 Hz energy exceeds
  ``artifact_lowfreq_ratio`` times its band-passed energy, or whose
  band-passed content is low-pitched (TKEO mean frequency below
  ``artifact_max_freq_hz``), is a pop, motion or ECG, not muscle: surface
  motor-unit potentials carry their energy at 60-200 Hz and almost none of
  it below 20 Hz. On a narrow band (a 250 Hz sensor passes 20-112 Hz) the
  pitch limit is lowered to ``PITCH_BAND_FRACTION`` of the way up the band:
  what leaks through the high-pass piles up at its low edge whatever the
  upper edge, while muscle spreads over the band, so its pitch falls with
  the band's width. Inside a spasm (a burst that continues an open group)
  only the 2-20 Hz ratio counts: synchronised clonic volleys are
  low-pitched, and a pop or motion during a spasm still shows by its ratio.
  A discharge short enough to be a fasciculation must be clean: its 2-20 Hz
  ratio must stay under ``fasc_max_lowfreq_ratio``. The 2-20 Hz energy
  counted is what a burst adds to the channel's background (wander,
  breathing) beyond that background's 90th percentile over the burst's
  length (:func:`~emgspasm.engine.detect.rules.added_lowband`). Which
  artefact it is, ECG, pop or motion, and what trails a beat, is told by
  :mod:`~emgspasm.engine.detect.beats`; the ring-down of a fasciculation
  by :mod:`~emgspasm.engine.detect.fasciculations`. A burst no longer
  than ``fasc_max_s`` outside a spasm whose band-passed peak exceeds
  ``fasc_max_uv`` (more than one motor unit's surface potential can be) is
  a pop.
* **Fasciculation.** Activity no longer than ``fasc_max_s`` (and what a
  clipped band adds to its ring), at least ``isolation_s`` after the last
  multi-unit activity and not part of a train of ``train_count`` short
  bursts each within ``merge_gap_s`` of the last (that is clonus). When it
  is reported, refined or withdrawn: see
  :mod:`~emgspasm.engine.detect.fasciculations`.
* **Spasm (the merge rule).** Every other muscle burst joins the channel's
  open *group* if it starts within ``merge_gap_s`` of the group's last
  activity, else it opens a new group (time hidden by an artefact inside the
  group, a QRS, a pop or a flagged stretch, does not count towards that
  gap). Once a group is a spasm on its own activity (confirmed, or closed
  as one), the fasciculations that led into it are taken in as its first
  discharges. A group is announced provisionally
  (``burst_start``) when its first burst outlasts a fasciculation,
  confirmed (``spasm_start``) once it has been active for ``confirm_s``
  (counted from the discharges that led into it, a third of that on its
  own activity), and
  closed ``merge_gap_s`` after its last activity; while the kernel finds
  sustained activity on the channel (45 % of the last 0.5 s above the 85th
  percentile of the quiet envelope), the group is held: gaps up to
  ``HOLD_S`` (2 s) between its bursts are allowed, and the sustained stretch
  counts as its activity (not while a regular ECG rhythm shows on the
  channel: QRS complexes fill too much of the window). A spasm (confirmed,
  and ``min_spasm_s`` long already) is held as well while the quiet samples
  between its bursts carry twice the power of the noise and 5 % of the
  recent bursts' (the kernel's power test): the weak stretches of a spasm
  whose few units stay under both the on threshold and the percentile
  (counted from the discharges taken in). A held group whose sustained
  activity outlasts ``HOLD_S`` after its last burst goes on for as long
  as that activity does. A group closed as a burst leads into the next
  one on the channel when that opens within ``HOLD_S`` and the power test
  has been on since the burst ended: if the next closes as a spasm, the
  bursts that led into it are withdrawn and it starts at the first (a
  spasm's first volleys); so does a fasciculation, as a spasm's first
  discharge.
  Closed, it is a spasm if
  it lasted ``min_spasm_s``, a ``burst`` (a myoclonic-like jerk) if it
  lasted ``min_burst_s``, and nothing otherwise.
* **Subtype.** The detection envelope's 3-8 Hz modulation depth is
  measured over 0.5 s windows of the spasm; windows deeper than
  ``clonic_modulation`` are clonic. Mostly clonic windows (>= 70 %) make a
  clonic spasm, mostly steady ones (<= 30 %) a tonic spasm, else mixed; a
  spasm with a clearly clonic window (over 1.5 times the cut) and a clearly
  steady one (under 0.8 times it), neither its first nor its last, is
  mixed whatever the shares.
"""

from collections import deque
from dataclasses import replace

import numpy as np
from scipy import signal

from ..events import Event, EventLedger, Notice, confidence_from_snr
from ..vocabulary import ARTIFACT_ECG, ARTIFACT_POP, BAD_PREFIX, BURST, FLAG_NAMES, SPASM
from . import _kernels, layout
from .beats import BeatHistory
from .fasciculations import DischargeTerms, FasciculationReports, report_burst
from .groups import HOLD_S, LeadBurst, SpasmGroup
from .layout import Record
from .params import fasc_max_s, kernel_params, ring_decay, ring_mean_frac2, tail_excess
from .rules import (CLONUS_HZ, POP_MAX_S, artifact_label, burst_features, discharges,
                    in_train, looks_artifact, oversized, spasm_subtype)

#: Samples x channels per kernel call (bounds the record buffer).
BLOCK_SAMPLES = 8192
#: The artefact pitch limit is at most this fraction of the way up the band.
PITCH_BAND_FRACTION = 0.12
#: A fasciculation is reported before its burst ends only when clearly clean:
#: its 2-20 Hz ratio under this fraction of ``fasc_max_lowfreq_ratio`` (a
#: surface MUAP has almost nothing there; a QRS residue or the first lobe of
#: a pop has some). Doubtful ones wait for the end of the burst.
EARLY_CLEAN_FRACTION = 0.25
#: A group is confirmed once it has been active for ``confirm_s`` counting
#: from the discharges that led into it, and for this share of that on its
#: own activity.
CONFIRM_OWN_SHARE = 1 / 3
#: A burst that outgrew a fasciculation holds one discharge and its tail
#: while its energy is at most that of two envelope windows at its peak
#: (a doublet's; see :func:`~emgspasm.engine.detect.rules.discharges`).
TAIL_ENERGY = 2.0


# positions of a record's fields in ``tolist()`` rows
_KIND, _CH, _T, _MOD_BP2, _MOD_ENV, _MOD_N, _ACTIVE = (
    layout.RECORD.names.index(name)
    for name in ("kind", "ch", "t", "mod_bp2", "mod_env", "mod_n", "active"))


class _Channel:
    """Per-channel state of the event rules."""

    def __init__(self, beats, reports):
        self.group = None
        self.burst_open = False
        self.burst_long = False
        self.qrs_start = False  # the open burst began like a QRS, on the beat
        self.last_muscle_offset = -np.inf
        self.short_onsets = deque(maxlen=16)
        self.by_share = 0  # the kernel's share test finds sustained activity
        self.sustained = False  # ... and no regular ECG rhythm goes on
        self.powered = False  # ... by its power test
        self.power_since = None  # the sample where the power test's verdict last turned on
        self.last_burst = None  # the LeadBurst of the last group, if it closed as a burst
        self.beats = beats  # its BeatHistory
        self.reports = reports  # its FasciculationReports


class Detector:
    """Causal streaming detector of fasciculations, spasms and artefacts.

    Parameters
    ----------
    sfreq : float
    ch_names : list of str
    config : Config
    band_hz : tuple of float
        Band of the filtered signal (low, high), for the noise statistics.

    Notes
    -----
    Feed it the :class:`~emgspasm.engine.dsp.chain.ChainOutput` of every
    chunk in order with :meth:`process`; call :meth:`finish` at the end of
    the stream. The outputs carry everything the detector needs to know of
    the chain, including the ring-down of its notches from the sample the
    ``"auto"`` notch decided, so a detector fed by hand from a chain gives
    the engine's events.
    """

    def __init__(self, sfreq, ch_names, config, band_hz):
        self.sfreq = float(sfreq)
        self.ch_names = list(ch_names)
        self.config = config
        d = config.detector
        self._artifact_pitch_hz = min(
            d.artifact_max_freq_hz,
            band_hz[0] + PITCH_BAND_FRACTION * (band_hz[1] - band_hz[0]))
        self._prm = kernel_params(self.sfreq, config, band_hz)
        self._p = self._prm[0]
        self._window = int(self._p["window"])
        self._fasc_max_s = fasc_max_s(self.sfreq, config)
        self._terms = DischargeTerms(
            sfreq=self.sfreq, on_snr=d.on_snr, fasc_max_s=self._fasc_max_s,
            tail=tail_excess(self.sfreq, config), settle_s=self._window / self.sfreq,
            doublet_max=d.doublet_max_s * self.sfreq, merge_gap=self._p["recent"],
            hold=round(HOLD_S * self.sfreq), sustain_window=int(self._p["sus_len"]))
        self._hold = round(HOLD_S * self.sfreq)
        self._min_burst = round(config.detector.min_burst_s * self.sfreq)
        self._min_spasm = round(config.detector.min_spasm_s * self.sfreq)
        fs = self.sfreq
        self._mod_sos = signal.butter(1, CLONUS_HZ, btype="bandpass", fs=fs,
                                      output="sos")
        self.reset()

    def reset(self):
        """Forget the stream."""
        n_ch = len(self.ch_names)
        self._env_buf = np.zeros((self._window, n_ch))
        self._sus_buf = np.zeros((int(self._p["sus_len"]), n_ch), np.uint8)
        self._pow_buf = np.zeros((int(self._p["sus_len"]), n_ch))
        self._state = layout.new_state(n_ch)
        self._ledger = EventLedger()
        self._channels = [_Channel(BeatHistory(self.sfreq),
                                   FasciculationReports(name, self._ledger, self._terms))
                          for name in self.ch_names]
        # the kernel writes at most 5 records per sample and channel
        self._block = max(64, BLOCK_SAMPLES // n_ch)
        self._rec = np.empty(5 * self._block * n_ch + 16, layout.RECORD)
        self._timers = {}
        self._end = 0

    @property
    def events(self):
        """Final events so far, in the order they were committed."""
        return self._ledger.events

    @property
    def on_threshold_uv(self):
        """Per channel, the level (µV RMS of the filtered signal over the
        detection window) above which a burst starts at the latest sample;
        NaN while the channel's noise floor is not yet known."""
        st, p = self._state, self._p
        thr2 = np.maximum(p["on2"] * st["q"] / p["qcorr"], p["ring_frac2"] * st["ring"])
        return np.where(st["nupd"] > 0, np.sqrt(thr2) * 1e6, np.nan)

    # -- streaming ---------------------------------------------------------

    def process(self, out):
        """Advance over one chunk of chain output.

        Parameters
        ----------
        out : ChainOutput

        Returns
        -------
        notices : list of Notice
            What became known during this chunk, in stream order.
        """
        notices = []
        data = out.by_sample
        n = out.n_samples
        changes = [index - out.start for index, _ in out.ring_times] + [n]
        for (_, ring_time_s), first, last in zip(out.ring_times, changes, changes[1:]):
            # the chain's ring-down holds from this sample on
            self._p["ring_decay"] = ring_decay(ring_time_s, self.sfreq)
            self._p["ring_mean_frac2"] = ring_mean_frac2(ring_time_s)
            for done in range(first, last, self._block):
                stop = min(last, done + self._block)
                count = _kernels.detect_kernel(
                    data.filtered[done:stop], data.lowband[done:stop],
                    data.tkeo[done:stop], data.flags[done:stop], out.start + done,
                    self._prm, self._env_buf, self._sus_buf, self._pow_buf, self._mod_sos,
                    self._state, self._rec)
                if count:
                    self._handle_records(self._rec[:count], notices)
        self._end = out.start + n
        if self._timers:
            self._fire_timers(self._end, notices)
        return notices

    def _handle_records(self, rows, notices):
        # stream order: by sample, then channel (the sort is stable)
        rows = rows[np.lexsort((rows["ch"], rows["t"]))]
        for values in rows.tolist():
            t = values[_T]
            if values[_KIND] == layout.SEGMENT and self._routine_segment(values):
                continue
            if self._timers and self._next_due < t:
                self._fire_timers(t, notices)
            self._handle(Record._make(values), notices)

    def _routine_segment(self, values):
        """Take in a segment that changes nothing but a confirmed spasm's
        subtype sums, or that nothing reads; False for any other.

        Most segments are one or the other, so they skip the timers too:
        only the channel's own timer can change what its segment does, and
        one that is due sends the segment the long way, through
        :meth:`_fire_timers`. Another channel's group that is due closes at
        the next record handled, at its own sample, before any notice that
        record gives, as it would have here (a routine segment gives none).
        """
        c, t = values[_CH], values[_T]
        due = self._timers.get(c)
        if due is not None and due < t:
            return False
        ch = self._channels[c]
        group = ch.group
        if group is None:
            # no group to feed, no report to withdraw, no beat to turn into muscle
            return ch.reports.open is None and not (ch.qrs_start and values[_ACTIVE] == 1)
        if group.confirmed_at is None or ch.qrs_start:
            return False
        group.segments.append((t, values[_MOD_BP2], values[_MOD_ENV], values[_MOD_N]))
        return True

    def finish(self):
        """End of stream: close open bursts, groups and flagged stretches.

        Returns
        -------
        notices : list of Notice
        """
        notices = []
        t = self._end
        for c, ch in enumerate(self._channels):
            st = self._state[c]
            if st["bad_start"] >= 0:
                self._bad(c, int(st["bad_start"]), int(st["bad_last"]),
                          int(st["bad_bits"]), t, notices)
            if st["state"] == layout.ACTIVE:
                self._end_burst(c, self._open_burst_record(c, t), notices)
            if ch.group is not None:
                self._close_group(c, t, notices)
        self._timers.clear()
        return notices

    def _open_burst_record(self, c, t):
        """An END record for the burst still open on channel ``c`` at ``t``."""
        st = self._state[c]
        return Record(
            kind=layout.END, ch=c, t=t, onset=int(st["rise"]),
            offset=int(st["last"]) - (self._window - 1), peak=float(st["peak"]),
            peak_t=int(st["peak_t"]),
            ehi=float(st["ehi"]), elo=float(st["elo"]), etk=float(st["etk"]),
            n=int(st["nb"]), nflag=int(st["nflag"]), noise=float(st["q"]),
            peak_e2=float(st["peak_e2"]), mod_bp2=float(st["mod_bp2"]),
            mod_env=float(st["mod_env"]), mod_n=int(st["mod_n"]), active=0, bits=0,
            lo_bg=float(st["lo_ref"]))

    # -- records -----------------------------------------------------------

    def _handle(self, row, notices):
        kind = row.kind
        c = row.ch
        ch = self._channels[c]
        if kind == layout.START:
            ch.burst_open = True
            ch.burst_long = False
            ch.qrs_start = False
        elif kind == layout.LONG:
            # a fasciculation reported mid-burst stands until the burst
            # outgrows a discharge's tail (``min_burst_s``, see _segment)
            ch.burst_long = True
            burst = self._features(row)
            in_group = self._in_group(ch, burst)
            # its first fasciculation-length looks like a QRS and falls on the
            # beat: a discharge riding on it must not make the beat a burst
            ch.qrs_start = (not in_group
                            and burst.lowratio > self.config.detector.fasc_max_lowfreq_ratio
                            and ch.beats.on_rhythm(burst.onset))
            if ch.qrs_start or self._looks_artifact(burst, in_group):
                return
            self._announce(c, row, notices)
        elif kind == layout.SEGMENT:
            self._segment(c, row, notices)
        elif kind in (layout.QUIET, layout.DUE):
            self._quiet(c, row, notices)
        elif kind == layout.END:
            self._end_burst(c, row, notices)
        elif kind == layout.BAD:
            self._bad(c, row.onset, row.offset, row.bits,
                      row.t, notices)
        elif kind == layout.SUSTAIN:
            self._sustain(c, row)

    def _announce(self, c, row, notices):
        """Muscle activity has outgrown a fasciculation: join or open a group."""
        group = self._group_for(c, row, notices)
        if not group.announced:
            group.announced = True
            notices.append(Notice("burst_start", self.ch_names[c],
                                  self._sec(row.t), self._sec(group.onset)))

    def _segment(self, c, row, notices):
        ch = self._channels[c]
        t = row.t
        if ch.reports.open is not None and row.offset - row.onset + 1 >= self._min_burst:
            burst = self._features(row)
            if self._length_s(burst) > self._terms.discharge_max_s(burst.snr):
                ch.reports.withdraw_open(t, notices)
        if (ch.qrs_start and row.active == 1
                and t - row.onset + 1 > POP_MAX_S * self.sfreq):
            # too long for a beat after all: muscle that began on one
            ch.qrs_start = False
            self._announce(c, row, notices)
        group = ch.group
        if group is None:
            return
        group.segments.append((t, row.mod_bp2, row.mod_env, row.mod_n))
        d = self.config.detector
        # a group exists only once activity went beyond a fasciculation, so it
        # is confirmed when it is active now and has been going for
        # confirm_s, counted from the discharges that led into it, a third
        # of that on its own activity (a blip after a discharge is no spasm)
        confirm = d.confirm_s * self.sfreq
        if (group.confirmed_at is None and (row.active == 1 or self._share_holds(ch, t))
                and t - group.onset + 1 >= CONFIRM_OWN_SHARE * confirm
                and t - ch.reports.lead_onset(group, self._powered_since(ch)) + 1 >= confirm
                and not self._looks_artifact(self._features(row), in_group=True)):
            group.confirmed_at = t
            ch.reports.take_in_precursors(group, t, notices, self._powered_since(ch))
            # its first discharges, taken in, may make it long enough for the power test
            if not group.held and self._power_holds(ch):
                group.held = True
                self._arm(c)
            notices.append(Notice("spasm_start", self.ch_names[c], self._sec(t),
                                  self._sec(group.reported_onset)))

    def _sustain(self, c, row):
        """A test of sustained activity changed its verdict: hold the open
        group, or let it go (it went on until at least the start of the
        window that saw the activity end).

        The share test holds any group, but not while a regular ECG rhythm
        goes on on the channel (judged when the activity began, and again
        whenever it is asked, :meth:`_share_holds`): QRS complexes and their
        shoulders fill a third of the window at 120 beats a minute, so the
        share of active samples no longer tells muscle. The power test
        (which leaves out the samples of bursts, QRS complexes among them)
        holds only a spasm: see :meth:`_power_holds`."""
        ch = self._channels[c]
        if row.active != ch.by_share:
            # the share test's verdict changed (not only the power test's)
            ch.by_share = row.active
            ch.sustained = row.active == 1 and not ch.beats.beating(row.t)
        self._share_holds(ch, row.t)
        powered = row.bits == 1
        if powered and not ch.powered:
            ch.power_since = row.t
        ch.powered = powered
        if ch.group is not None:
            self._update_hold(c, row.onset, row.t)

    def _share_holds(self, ch, t):
        """Does the share test hold the channel's groups at sample ``t``?

        Not once a regular ECG rhythm is going on, even if none was when the
        activity began: the beats then fill the window. Once dropped, the
        share verdict stays dropped until the share test's verdict changes
        (:meth:`_sustain`)."""
        if ch.sustained and ch.beats.beating(t):
            ch.sustained = False
        return ch.sustained

    def _power_holds(self, ch):
        """Does the power test hold the channel's open group?

        Only a confirmed group that has already lasted ``min_spasm_s``: weak
        activity between bursts then continues a spasm, but it does not make
        one of bursts that are no spasm on their own (the steps of a walk,
        the jerks of a myoclonus over a raised background)."""
        group = ch.group
        return (ch.powered and group.confirmed_at is not None
                and group.last_offset - group.reported_onset + 1 >= self._min_spasm)

    def _holds(self, ch, t):
        """Does either test of sustained activity hold the channel's open
        group at sample ``t``?"""
        return self._share_holds(ch, t) or self._power_holds(ch)

    def _update_hold(self, c, onset, t):
        """Hold the open group while sustained activity lasts (at ``t``); when
        it no longer does, the group's activity went on until ``onset``."""
        ch = self._channels[c]
        group = ch.group
        held = self._holds(ch, t)
        if group.held and not held:
            group.extend(onset)
        group.held = held
        self._arm(c)

    def _arm(self, c):
        """Time the open group's close."""
        self._timers[c] = self._channels[c].group.closes_at(self._p["recent"], self._hold)

    def _quiet(self, c, row, notices):
        """The burst fell quiet before outgrowing a fasciculation, or is due to
        be reported while still going: report it now."""
        ch = self._channels[c]
        if ch.reports.open is not None:
            return
        burst = self._features(row)
        d = self.config.detector
        if (burst.flagged > 0.5
                or burst.lowratio > EARLY_CLEAN_FRACTION * d.fasc_max_lowfreq_ratio
                or self._length_s(burst) > self._fasc_max_s
                or self._artifact_label(ch, burst, short=True) is not None
                or ch.reports.completes_doublet(burst)
                or self._rings_after_fasciculation(ch, burst)
                or not self._isolated(ch, burst)
                or self._in_train(ch, burst.onset)):
            return
        ch.reports.report_early(burst, self._discharges(row), row.t, notices)

    def _end_burst(self, c, row, notices):
        ch = self._channels[c]
        was_long = ch.burst_long
        ch.burst_open = ch.burst_long = False
        t = row.t
        burst = self._features(row)
        if burst.flagged > 0.5:
            ch.reports.withdraw_open(t, notices)
            self._mask_group(ch, burst)
            self._drop_from_group(c, t, notices)
            return
        short = not was_long and self._length_s(burst) <= self._fasc_max_s
        tail = was_long and self._opened_only_by(ch, burst) and self._one_discharge(row, burst)
        if tail:
            self._drop_from_group(c, t, notices)
            short = True
        label = self._artifact_label(ch, burst, short)
        if label is not None and self._rings_after_fasciculation(ch, burst):
            return  # the band-pass's ring-down of the discharge just before
        if short and not self._in_group(ch, burst):
            ch.beats.note_brief(burst.onset)
        if label is not None:
            ch.reports.withdraw_open(t, notices)
            in_group = self._in_group(ch, burst)
            self._mask_group(ch, burst)
            if in_group and short and not self._looks_artifact(burst, in_group):
                # a small unclean fragment inside a spasm: neither an artefact
                # worth annotating nor muscle to extend the spasm with
                self._drop_from_group(c, t, notices)
                return
            if label in (ARTIFACT_ECG, ARTIFACT_POP) and not ch.beats.trailed_by(burst, in_group):
                ch.beats.add_artifact(burst, label, self._oversized(burst, in_group))
                if (label == ARTIFACT_ECG and not in_group and ch.beats.carries_discharge(
                        burst, self.config.detector.fasc_max_uv * 1e-6)):
                    # the unit's potential is where the beat peaked
                    ch.reports.settle(replace(burst, onset=row.peak_t), "single", False, t,
                                      notices)
                    self._drop_from_group(c, t, notices)
                    return
            self._report_artifact(c, burst, label, t, notices)
            self._drop_from_group(c, t, notices)
            return
        if short and ch.reports.completes_doublet(burst):
            ch.reports.make_doublet(burst, notices)
            return
        if short and ch.reports.open is None and self._rings_after_fasciculation(ch, burst):
            return  # muscle-like, but the ring-down of the discharge just before
        if short:
            in_train = self._in_train(ch, burst.onset)
            ch.short_onsets.append(burst.onset)
            if self._isolated(ch, burst) and not in_train:
                ch.reports.settle(burst, self._discharges(row), tail, t, notices)
                return
        ch.reports.withdraw_open(t, notices)
        group = self._group_for(c, burst, notices)
        group.add(burst, self.sfreq)
        # the burst may have made the group long enough for the power test
        group.held = group.held or self._power_holds(ch)
        self._arm(c)

    def _artifact_label(self, ch, burst, short):
        """The artefact a burst is (pop, ECG, motion), or None if it is muscle."""
        d = self.config.detector
        brief = self._length_s(burst) <= POP_MAX_S
        in_group = self._in_group(ch, burst)
        trailing = brief and ch.beats.trailed_by(burst, in_group)
        beat = brief and not trailing and (ch.qrs_start or ch.beats.on_rhythm(burst.onset))
        # a discharge that merges with the complex outlasts a fasciculation
        carries = beat and not short and not in_group and ch.beats.rides(
            burst, d.fasc_max_uv * 1e-6)
        return artifact_label(
            burst, self.sfreq, looks=self._looks_artifact(burst, in_group),
            short=short, dirty=burst.lowratio > d.fasc_max_lowfreq_ratio,
            oversized=self._oversized(burst, in_group),
            trailing=trailing, beat=beat, qrs_start=ch.qrs_start, carries=carries,
            trailing_label=ch.beats.last_label)

    def _oversized(self, burst, in_group):
        """Outside a spasm, as brief as a discharge and larger than one unit's
        surface potential can be (``fasc_max_uv``)."""
        return (not in_group and self._length_s(burst) <= self._fasc_max_s
                and oversized(burst, self.config.detector.fasc_max_uv * 1e-6))

    def _one_discharge(self, row, burst):
        """Did a burst outgrow a fasciculation by its tail alone?

        Its energy is that of a doublet at most, and it ended too soon to be
        a multi-unit burst or within the band-pass's ring of its peak (a
        potential 50 times the noise rings above the off threshold for some
        20 ms more than one at the on threshold).
        """
        if row.ehi > TAIL_ENERGY * row.peak_e2 * self._window:
            return False
        return (burst.offset - burst.onset + 1 < self._min_burst
                or self._length_s(burst) <= self._terms.discharge_max_s(burst.snr))

    def _rings_after_fasciculation(self, ch, burst):
        """Is a burst outside a spasm the ring of the fasciculation before it?
        (See :meth:`.FasciculationReports.rung_by_last`.)"""
        return ch.reports.rung_by_last(burst) and not self._in_group(ch, burst)

    def _opened_only_by(self, ch, burst):
        """The open group holds nothing but this burst."""
        return ch.group is not None and not ch.group.bursts and ch.group.onset == burst.onset

    def _isolated(self, ch, burst):
        return ch.group is None and (burst.onset - ch.last_muscle_offset
                                     >= self.config.detector.isolation_s * self.sfreq)

    def _mask_group(self, ch, burst):
        """An artefact inside the open group hides the muscle for its length."""
        if self._in_group(ch, burst):
            ch.group.mask(burst.onset, burst.offset)

    def _drop_from_group(self, c, t, notices):
        group = self._channels[c].group
        if group is None:
            return
        if group.bursts == 0:
            self._channels[c].group = None
            self._timers.pop(c, None)
            kind = "spasm_retract" if group.confirmed_at is not None else "burst_cancel"
            if group.announced:
                notices.append(Notice(kind, self.ch_names[c], self._sec(t),
                                      self._sec(group.onset)))
        else:
            self._arm(c)

    def _group_for(self, c, burst, notices):
        ch = self._channels[c]
        group = ch.group
        if self._in_group(ch, burst):
            self._timers.pop(c, None)
            return group
        if group is not None:
            self._close_group(c, burst.onset, notices)
        held = self._share_holds(ch, burst.onset)
        ch.group = SpasmGroup(burst.onset, burst.onset, held=held,
                              lead_burst=self._leads_in(ch, burst.onset))
        ch.last_burst = None
        return ch.group

    def _powered_since(self, ch):
        """Since when the power test has been on on the channel (None: off)."""
        return ch.power_since if ch.powered else None

    def _leads_in(self, ch, onset):
        """The burst that leads into a group opening at ``onset``, if any.

        A spasm's first volley can end before the next begins, more than
        ``merge_gap_s`` (and, the group being no spasm yet, more than the
        power test's hold) later; it is the spasm's start when the power
        test has found weak activity on the channel since that burst ended
        (its window full of the samples after it) and the gap is within
        ``HOLD_S``. Whether it is taken in is decided when the group closes
        as a spasm (:meth:`_take_in_lead_burst`)."""
        lead = ch.last_burst
        if (lead is None or not self._terms.bridged(self._powered_since(ch), lead.offset)
                or onset - lead.offset > self._hold):
            return None
        return lead

    def _take_in_lead_burst(self, group, t, notices):
        """Withdraw the bursts that led into ``group`` (now a spasm), each into
        the next, and start the spasm at the first."""
        lead = group.lead_burst
        while lead is not None:
            event = self._ledger.withdraw(lead.handle)
            notices.append(Notice("event_retract", event.channel, self._sec(t),
                                  event.onset, event))
            group.lead_onset = min(group.reported_onset, lead.onset)
            group.peak = max(group.peak, event.peak_uv * 1e-6)
            group.snr = max(group.snr, event.snr)
            lead = lead.lead

    @property
    def _next_due(self):
        return min(self._timers.values())

    def _fire_timers(self, t, notices):
        for c, due in sorted(self._timers.items(), key=lambda kv: kv[1]):
            if due < t and not self._channels[c].burst_open:
                del self._timers[c]
                if not self._outlasts_hold(c, due):
                    self._close_group(c, due, notices)

    def _outlasts_hold(self, c, due):
        """Does the sustained activity holding the open group go on at ``due``,
        ``HOLD_S`` after its last burst? Then the spasm goes on too: its
        activity lasted at least until the start of the window that still
        finds it sustained, and the close is timed again from there (a
        spasm's weak stretch can outlast any gap between its bursts)."""
        ch = self._channels[c]
        group = ch.group
        if not (group.held and self._holds(ch, due)):
            return False
        group.extend(due - self._p["sus_len"] + 1)
        self._arm(c)
        return True

    def _close_group(self, c, t, notices):
        ch = self._channels[c]
        group, ch.group = ch.group, None
        self._timers.pop(c, None)
        if group is None:
            return
        d = self.config.detector
        name = self.ch_names[c]
        duration = group.duration_s(self.sfreq)
        if group.bursts:
            ch.last_muscle_offset = max(ch.last_muscle_offset, group.last_offset)
        label = group.closing_label(self.sfreq, d.min_spasm_s, d.min_burst_s)
        if label == SPASM:
            if group.confirmed_at is None:
                ch.reports.take_in_precursors(group, t, notices, self._powered_since(ch))
            if group.lead_burst is not None:
                self._take_in_lead_burst(group, t, notices)
            at = group.confirmed_at if group.confirmed_at is not None else t
            ev = Event(self._sec(group.reported_onset), group.reported_duration_s(self.sfreq),
                       SPASM, name, self._subtype(group), group.peak * 1e6,
                       confidence_from_snr(group.snr, d.on_snr), self._sec(at), group.snr)
            if group.confirmed_at is None:
                notices.append(Notice("spasm_start", name, self._sec(t), ev.onset))
            self._ledger.report(ev)
            notices.append(Notice("spasm_end", name, self._sec(t), ev.onset, ev))
            return
        if group.confirmed_at is not None:
            notices.append(Notice("spasm_retract", name, self._sec(t),
                                  self._sec(group.onset)))
        if label == BURST:
            ev = Event(self._sec(group.onset), duration, BURST, name, None,
                       group.peak * 1e6, confidence_from_snr(group.snr, d.on_snr),
                       self._sec(t), group.snr)
            ch.last_burst = LeadBurst(self._ledger.report(ev), group.onset,
                                      group.last_offset, group.lead_burst)
            notices.append(Notice("event", name, self._sec(t), ev.onset, ev))
        elif group.announced:
            notices.append(Notice("burst_cancel", name, self._sec(t),
                                  self._sec(group.onset)))

    def _bad(self, c, onset, offset, bits, t, notices):
        names = [n for bit, n in FLAG_NAMES if int(bits) & bit]
        ev = Event(self._sec(onset), (offset - onset + 1) / self.sfreq,
                   BAD_PREFIX + names[0], self.ch_names[c], ",".join(names),
                   detected_at=self._sec(t))
        self._ledger.report(ev)
        notices.append(Notice("event", ev.channel, ev.detected_at, ev.onset, ev))

    # -- features ----------------------------------------------------------

    def _features(self, row):
        return burst_features(row, self.sfreq, self._p["qcorr"])

    def _looks_artifact(self, burst, in_group=False):
        return looks_artifact(burst, in_group, self.config.detector.artifact_lowfreq_ratio,
                              self._artifact_pitch_hz)

    def _in_group(self, ch, burst):
        """Does ``burst`` (or a record of it) continue the channel's open
        group? Within its gap, or as the next but one volley of its clonus."""
        group = ch.group
        return group is not None and (
            group.continues(burst.onset, self._p["recent"], self._hold)
            or group.skips_a_volley(burst.onset, burst.peak))

    def _in_train(self, ch, onset):
        d = self.config.detector
        return in_train(ch.short_onsets, onset, d.merge_gap_s * self.sfreq, d.train_count)

    def _discharges(self, row):
        return discharges(row.n, row.ehi, row.peak_e2, self._window)

    def _subtype(self, group):
        return spasm_subtype(group.segments, group.onset, group.last_offset, self.sfreq,
                             self.config.detector.clonic_modulation)

    def _report_artifact(self, c, burst, label, t, notices):
        report_burst(self._ledger, burst, label, self.ch_names[c], None, t, self.sfreq,
                     self.config.detector.on_snr, notices)

    def _length_s(self, burst):
        return burst.length_s(self.sfreq)

    def _sec(self, sample):
        return float(sample) / self.sfreq
