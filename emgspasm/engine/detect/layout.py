"""What the detector's kernel reads and writes, as named fields.

Three structured dtypes, shared by the numba kernel and the Python rules
(no numba here):

* :data:`PARAMS`, one row: the kernel's parameters, derived from the
  configuration in :mod:`emgspasm.engine.detect.params`;
* :data:`STATE`, one row per channel: everything the kernel carries from one
  chunk to the next;
* :data:`RECORD`, one row per thing that happened: the kernel writes a
  record at the exact sample where a burst starts (:data:`START`), outgrows
  a fasciculation (:data:`LONG`), falls quiet before that (:data:`QUIET`),
  is still going, not yet long, when a fasciculation is due to be reported
  (:data:`DUE`),
  ends (:data:`END`), where a 25 ms segment of activity passes
  (:data:`SEGMENT`), where a run of flagged samples ends (:data:`BAD`), and
  where either verdict on sustained activity changes (:data:`SUSTAIN`:
  ``active`` the share test's, ``bits`` the power test's, 1 or 0).
"""

from collections import namedtuple

import numpy as np

# record kinds
START, LONG, SEGMENT, END, BAD, QUIET, SUSTAIN, DUE = 1, 2, 3, 4, 5, 6, 7, 8
IDLE, ACTIVE = 0, 1

PARAMS = np.dtype([
    ("on2", "f8"),            # on threshold, squared, in noise mean squares
    ("off2", "f8"),           # off threshold, likewise
    ("qcorr", "f8"),          # 20th percentile of the envelope's mean square / its mean, under noise
    ("eta_up", "f8"),         # noise tracker's step rate per sample (1 / time constant)
    ("down_ratio", "f8"),     # downward over upward step, so the tracker sits at the percentile
    ("active_rate", "f8"),    # tracker's rate during bursts, relative
    ("warm_gain", "f8"),      # tracker's extra rate at the start of the stream
    ("warm_n", "f8"),         # samples over which that extra rate decays
    ("ring_frac2", "f8"),     # thresholds stay above this fraction (squared) of the peak-hold
    ("ring_decay", "f8"),     # peak-hold's decay per sample (the chain's ring-down)
    ("ring_mean_frac2", "f8"),  # ... and above this fraction (squared) of ring_mean (0: no notch)
    ("up_idle", "f8"), ("down_idle", "f8"),      # tracker's multiplicative steps once warm
    ("up_active", "f8"), ("down_active", "f8"),
    ("window", "i8"),         # detection envelope window (samples)
    ("hangover", "i8"),       # quiet samples that end a burst
    ("fasc_max", "i8"),       # longest activity of one discharge (samples)
    ("due", "i8"),            # samples after its rise at which a discharge still
                              # going is reported (DUE record)
    ("segment", "i8"),        # samples per activity segment
    ("recent", "i8"),         # a burst this close to activity keeps segments coming
    ("bad_merge", "i8"),      # flagged runs this close merge into one
    ("short", "i8"),          # samples of the short envelope that ends a strong discharge
    ("lo_span", "f8"),        # the 2-20 Hz background tracker's time constant (samples)
    ("sus_len", "i8"),        # sustained-activity window (samples)
    ("hi_up", "f8"),          # the high-percentile tracker's step up (when above), relative
                              # to the noise tracker's rate, its step down
    ("hi_up_idle", "f8"), ("hi_down_idle", "f8"),      # its multiplicative steps once warm
    ("hi_up_active", "f8"), ("hi_down_active", "f8"),
    ("sus_on", "i8"),         # active samples in the window that begin sustained activity
    ("sus_off", "i8"),        # ... at or under which it ends
    ("pow_on", "f8"),         # the power test: mean square of the window's quiet samples,
    ("pow_off", "f8"),        # over its reference, that begins / keeps sustained activity
    ("pow_min", "i8"),        # quiet samples the window needs before the power test judges
    ("pow_rel", "f8"),        # the reference is at least this fraction of burst_ms
    ("pow_decay", "f8"),      # burst_ms's decay per sample
])

STATE = np.dtype([
    ("esum", "f8"),           # sum of squares in the detection window
    ("esum_short", "f8"),     # the same over the last ``short`` samples
    ("q", "f8"),              # noise tracker: percentile of the envelope's mean square
    ("nupd", "f8"),           # tracker updates so far (0: not seeded)
    ("ring", "f8"),           # decaying peak-hold of the envelope's mean square
    ("ring_mean", "f8"),      # its mean over the chain's ring-down time
    ("peak", "f8"),           # the open burst's largest |sample|
    ("peak_t", "i8"),         # ... the stream sample where it fell
    ("ehi", "f8"),            # ... its band-passed energy
    ("elo", "f8"),            # ... its 2-20 Hz energy
    ("etk", "f8"),            # ... its TKEO sum
    ("peak_e2", "f8"),        # ... its largest envelope mean square
    ("mod_bp2", "f8"),        # 3-8 Hz band of the envelope: energy in this segment
    ("mod_env", "f8"),        # envelope sum in this segment
    ("mod_z0", "f8"), ("mod_z1", "f8"),          # state of that band-pass
    ("state", "i8"),          # IDLE or ACTIVE
    ("rise", "i8"),           # sample where the envelope rose above the off threshold (-1: none)
    ("last", "i8"),           # last sample above the off threshold
    ("quiet", "i8"),          # samples below it since
    ("nflag", "i8"),          # flagged samples in the open burst
    ("nb", "i8"),             # samples in the open burst
    ("long", "i8"),           # 1 once the burst outgrew a fasciculation
    ("ended", "i8"),          # 1 once its discharge was reported ended
    ("mod_n", "i8"),          # samples in this segment
    ("filled", "i8"),         # samples in the window so far (up to ``window``)
    ("bad_start", "i8"),      # first sample of the open flagged run (-1: none)
    ("bad_last", "i8"),       # its last flagged sample
    ("bad_bits", "i8"),       # its flags, or-ed
    ("lo_bg", "f8"),          # 2-20 Hz background: median of its square over quiet samples
    ("lo_n", "f8"),           # quiet samples tracked so far (0: not seeded)
    ("lo_ref", "f8"),         # lo_bg when the open burst began
    ("hi", "f8"),             # 85th percentile of the envelope's mean square, quiet samples
    ("sus_n", "i8"),          # active samples in the sustained-activity window
    ("by_share", "i8"),       # 1 while sustained by the share of active samples
    ("by_power", "i8"),       # 1 while sustained by the power of the quiet samples
    ("pow_sum", "f8"),        # envelope mean squares of the window's counted samples, summed
    ("pow_n", "i8"),          # counted samples in the window
    ("burst_ms", "f8"),       # decaying peak of ended bursts' mean squares
])

RECORD = np.dtype([
    ("kind", "i8"),           # START, LONG, SEGMENT, END, BAD, QUIET, SUSTAIN or DUE
    ("ch", "i8"),             # channel index
    ("t", "i8"),              # stream sample at which it happened
    ("onset", "i8"),          # the burst's (or flagged run's) first sample
    ("offset", "i8"),         # its last active sample so far
    ("peak", "f8"), ("ehi", "f8"), ("elo", "f8"), ("etk", "f8"),
    ("peak_t", "i8"),         # the stream sample of the burst's largest |sample|
    ("n", "i8"),              # samples in the burst so far
    ("nflag", "i8"),          # flagged ones among them
    ("noise", "f8"),          # the noise tracker's value
    ("peak_e2", "f8"),
    ("mod_bp2", "f8"), ("mod_env", "f8"), ("mod_n", "i8"),   # the segment's modulation sums
    ("active", "i8"),         # the burst state after this sample (SUSTAIN: sustained by share)
    ("bits", "i8"),           # flags of a BAD run (SUSTAIN: sustained by power)
    ("lo_bg", "f8"),          # 2-20 Hz background (median square) before the burst
])


def new_state(n_channels):
    """Per-channel state at the start of a stream."""
    state = np.zeros(n_channels, STATE)
    state["rise"] = -1
    state["bad_start"] = -1
    state["last"] = -(1 << 40)
    return state


#: One record as the Python rules read it (``rec.tolist()`` rows, by name).
Record = namedtuple("Record", RECORD.names)
