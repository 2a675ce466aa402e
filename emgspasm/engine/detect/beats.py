"""One channel's heartbeat history: where its brief artefacts fell, and what
followed them.

A brief burst (<= 150 ms) that continues a regular train of brief
artefacts (due within 10 % of the R-R interval of the last four, or of
the last five with one beat missed among them) is ECG
when it is short or unclean, or when it began unclean on the beat (a
discharge riding on a QRS does not make the beat a burst); other brief
artefacts are pops, long ones motion (the label itself is
:func:`~emgspasm.engine.detect.rules.artifact_label`'s). A burst under half
its size within 0.2 s after a brief artefact belongs to it (the S wave and
ring-down of a QRS), as does one no larger than the artefact within a
QRS's length (120 ms) of its onset, and outside a spasm so does one of any
size that follows its beat at the delay where three of the last eight
brief bursts after a beat did (a small S or T wave that crosses the
threshold now and then, always at its place in the complex; fasciculations
fall at random in the R-R interval). A pop too large for one motor unit
(``fasc_max_uv``) is not taken into the beat history while an R-R rhythm
goes on, so it does not break the rhythm. While a regular rhythm goes on,
the kernel's sustained activity does not hold a spasm open: QRS complexes
fill too much of its window.

A beat outside a spasm that peaks well above the channel's recent plain
beats, higher pitched and with a smaller share of its energy under 20 Hz,
carries a motor unit's discharge: a fasciculation on the beat (a unit's
potential adds energy at 60-200 Hz, a pop on the beat adds it under 20 Hz).
"""

from collections import deque

import numpy as np

from ..vocabulary import ARTIFACT_POP
from .rules import (BEAT_HISTORY, ECG_TRAIL_S, ECHO_HISTORY, beat_locked, beating, on_rhythm,
                    rides_beat, trails_artifact)


class BeatHistory:
    """One channel's brief artefacts (ECG beats and pops) and the brief
    bursts that followed them.

    Parameters
    ----------
    sfreq : float

    Attributes
    ----------
    onsets : deque of int
        Onsets of the last beats, for the R-R rhythm.
    last_artifact : (int, float)
        Onset (sample) and peak (V) of the last brief artefact that trailed
        none before it.
    last_label : str
        Its label: a burst that trails it is of the same kind.
    echo_delays : deque of int
        Delays (samples) after the last brief artefact of the last brief
        bursts that followed one within ``ECG_TRAIL_S``, outside a spasm.
    plain : deque of (float, float, float)
        Peak (V), mean frequency (Hz) and 2-20 Hz ratio of the last plain
        beats outside a spasm, for :meth:`carries_discharge`.
    """

    def __init__(self, sfreq):
        self.sfreq = sfreq
        self.onsets = deque(maxlen=12)
        self.last_artifact = (-np.inf, 0.0)
        self.last_label = ARTIFACT_POP
        self.echo_delays = deque(maxlen=ECHO_HISTORY)
        self.plain = deque(maxlen=BEAT_HISTORY)

    def on_rhythm(self, onset):
        """Does ``onset`` fall where the next (or next but one) beat is due?"""
        return on_rhythm(self.onsets, onset, self.sfreq)

    def beating(self, t):
        """Is a regular rhythm going on at sample ``t``?"""
        return beating(self.onsets, t, self.sfreq)

    def trailed_by(self, burst, in_group):
        """Is ``burst`` part of the brief artefact before it: smaller and soon
        after, or (outside a spasm, ``in_group`` False) at the delay where
        earlier bursts followed their beats?"""
        onset, peak = self.last_artifact
        return trails_artifact(burst, onset, peak, self.sfreq) or (
            not in_group and beat_locked(self.echo_delays, burst.onset - onset, self.sfreq))

    def note_brief(self, onset):
        """A brief burst began at ``onset`` outside a spasm: keep its delay
        after the last brief artefact if it followed within ``ECG_TRAIL_S``."""
        delay = onset - self.last_artifact[0]
        if delay <= ECG_TRAIL_S * self.sfreq:
            self.echo_delays.append(delay)

    def add_artifact(self, burst, label, oversized):
        """A brief artefact (ECG or pop) that trails none before it: later
        bursts are judged against it, and it is a beat of the rhythm unless
        it is ``oversized`` for a motor unit while a rhythm goes on (a spike
        that large is no beat either, and must not break the rhythm)."""
        if not (oversized and self.beating(burst.onset)):
            self.onsets.append(burst.onset)
        self.last_artifact = (burst.onset, burst.peak)
        self.last_label = label

    def rides(self, burst, fasc_max_v):
        """Does ``burst`` carry a motor unit's discharge, judged against the
        plain beats (:func:`~emgspasm.engine.detect.rules.rides_beat`)?"""
        return rides_beat(burst, self.plain, fasc_max_v)

    def carries_discharge(self, burst, fasc_max_v):
        """Does a beat outside a spasm carry a motor unit's discharge
        (:func:`~emgspasm.engine.detect.rules.rides_beat`)? A beat that does
        not joins the plain beats it is judged against."""
        if self.rides(burst, fasc_max_v):
            return True
        self.plain.append((burst.peak, burst.freq_hz, burst.lowratio))
        return False
