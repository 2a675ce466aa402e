"""Numba kernel of the detector: everything that has to look at every sample.

Per channel it keeps a short moving-RMS detection envelope, tracks the noise
floor, segments bursts with a two-threshold state machine, accumulates each
burst's features, and writes *records* (fixed-width rows) at the exact
samples where something happens: a burst starts, outgrows a fasciculation,
falls quiet (before it has outgrown one: the detection envelope, or for a
strong burst a second envelope over the last half-window, drops below the
off threshold), ends; a 25 ms segment of activity passes; a run of flagged
samples ends; either test of sustained activity changes its verdict.
The per-event rules (fasciculation or spasm, merging, subtypes, artefacts)
run on those records in :mod:`emgspasm.engine.detect.detector`.

A burst starts when the envelope exceeds ``on_snr`` x the noise RMS and ends
when it stays below ``off_snr`` x the noise RMS for ``hangover_s``. Both
thresholds also stay above ``ring_fraction`` x a peak-hold of the envelope
that decays at the filters' ring-down rate, and above
``params.RING_MEAN_FRACTION`` x the envelope's RMS over that ring-down
time: a large discharge, and more so a long burst, rings through the mains
notches for a few hundred ms (a 50/100/150 Hz echo at ~20 % of its
envelope), and that echo is the chain's, not the muscle's.

Sustained activity: a weak contraction keeps the envelope a little above
the noise most of the time without crossing the on threshold for long; a
sample is active when the envelope exceeds a high percentile (the 85th,
``params.SUSTAIN_FALSE_P``) of the envelope's mean square over quiet
samples (tracked like the noise floor, and above the chain's ring-down
too), and activity is sustained from when a set share of the last 0.5 s
is active until a lower share or less is. The
percentile tracker slows down during sustained activity as during bursts
(the noise tracker only during bursts).

A second test looks at power rather than share: a contraction whose few
units fire between the volleys of a spasm lifts the envelope's mean over
the quiet samples of the window (no burst open, unflagged, the chain's
ring-down under the percentile) above the noise even where it crosses the
85th percentile too rarely for the share test. Activity is sustained by
power from when that mean exceeds ``pow_on`` x a reference (once
``pow_min`` such samples are in the window) until it falls to ``pow_off``
x it. The reference is the noise floor, or ``pow_rel`` x the mean square
of the recent bursts (a peak of each ended burst's, decaying with a 2 s
time constant) where that is higher: the rest between the bursts of a
walk is quiet against the bursts themselves (a few per cent of their
power), the weak stretches of a spasm are not.

Noise floor: the 20th percentile of the envelope's mean square, tracked in
the log domain by a sign update (+up when above, -4 up when below, so the
estimate settles where 20 % of samples lie below). It updates at the full
rate while the channel is quiet, at a tenth of it during bursts (so the
bursts do not drag it up but a lasting rise of the noise is followed), never
on flagged samples, and fast during the first seconds.

The 2-20 Hz band's background (wander, breathing, motion) is the median of
its square over quiet, unflagged samples, tracked like the noise floor (steps
of 1 / n at first, then 4 / ``lo_span``); a median, so the brief waves of an
ECG between beats do not raise it. Each record
carries its value from just before the burst began, so the rules judge the
low-frequency energy a burst adds, not what was already there.
"""

import numpy as np

from ..._numba import jit
from .layout import ACTIVE, BAD, DUE, END, IDLE, LONG, QUIET, SEGMENT, START, SUSTAIN

#: After this many warm-up time constants the warm-up gain is dropped.
WARM_SPAN = 10.0
#: A burst whose envelope peaked above this many times the on threshold's
#: mean square (twice its amplitude) may be declared ended by the short envelope.
STRONG = 4.0


@jit
def _put(rec, k, kind, c, t, onset, offset, peak, peak_t, ehi, elo, etk, nb, nflag, q,
         peak_e2, mod_bp2, mod_env, mod_n, active, bits, lo_ref):
    r = rec[k]
    r["kind"] = kind
    r["ch"] = c
    r["t"] = t
    r["onset"] = onset
    r["offset"] = offset
    r["peak"] = peak
    r["peak_t"] = peak_t
    r["ehi"] = ehi
    r["elo"] = elo
    r["etk"] = etk
    r["n"] = nb
    r["nflag"] = nflag
    r["noise"] = q
    r["peak_e2"] = peak_e2
    r["mod_bp2"] = mod_bp2
    r["mod_env"] = mod_env
    r["mod_n"] = mod_n
    r["active"] = active
    r["bits"] = bits
    r["lo_bg"] = lo_ref
    return k + 1


@jit
def detect_kernel(y, lowband, tkeo, flags, start, prm, env_buf, sus_buf, pow_buf, mod_sos,
                  state, rec):
    """Advance the detector over one chunk.

    One channel at a time, its state in registers; the records come out
    grouped by channel and are put in stream order by the caller (a stable
    sort on sample, then channel).

    Parameters
    ----------
    y, lowband, tkeo : ndarray, shape (n_samples, n_channels)
        Filtered signal, artefact band and TKEO from the DSP chain (V, V^2).
    flags : ndarray of uint8, shape (n_samples, n_channels)
    start : int
        Stream index of the first sample.
    prm : ndarray of :data:`~emgspasm.engine.detect.layout.PARAMS`, shape (1,)
    env_buf : ndarray, shape (window, n_channels)
        Ring of squared samples of the detection envelope.
    sus_buf : ndarray of uint8, shape (sus_len, n_channels)
        Ring of the sustained-activity window's samples: bit 0 set when
        active (the share test), bit 1 when counted by the power test.
    pow_buf : ndarray, shape (sus_len, n_channels)
        The envelope's mean square at the samples the power test counted
        (0 elsewhere).
    mod_sos : ndarray, shape (1, 6)
        3-8 Hz band-pass of the envelope (one section: the clonus band).
    state : ndarray of :data:`~emgspasm.engine.detect.layout.STATE`, shape (n_channels,)
    rec : ndarray of :data:`~emgspasm.engine.detect.layout.RECORD`
        Output records; needs 5 rows per sample and channel at most.

    Returns
    -------
    n_records : int
    """
    n, n_ch = y.shape
    p = prm[0]
    window = p["window"]
    hangover = p["hangover"]
    fasc_max = p["fasc_max"]
    due = p["due"]
    segment = p["segment"]
    recent_n = p["recent"]
    bad_merge = p["bad_merge"]
    short = p["short"]
    on2 = p["on2"]
    off2 = p["off2"]
    qcorr = p["qcorr"]
    # reciprocals: a multiply in the loop instead of a division
    inv_window = 1.0 / window
    inv_qcorr = 1.0 / qcorr
    ring_frac2 = p["ring_frac2"]
    ring_decay = p["ring_decay"]
    ring_mean_frac2 = p["ring_mean_frac2"]
    warm_end = WARM_SPAN * p["warm_n"]
    lo_span = p["lo_span"]
    # steps of 1 / n until n reaches lo_span / 4, then of 4 / lo_span
    lo_settled = lo_span / 4.0
    lo_up = np.exp(4.0 / lo_span)
    lo_down = np.exp(-4.0 / lo_span)
    sus_len = p["sus_len"]
    hi_up = p["hi_up"]
    sus_on = p["sus_on"]
    sus_off = p["sus_off"]
    pow_on = p["pow_on"]
    pow_off = p["pow_off"]
    pow_min = p["pow_min"]
    pow_rel = p["pow_rel"]
    pow_decay = p["pow_decay"]
    b0, b1, b2 = mod_sos[0, 0], mod_sos[0, 1], mod_sos[0, 2]
    a1, a2 = mod_sos[0, 4], mod_sos[0, 5]
    k = 0
    for c in range(n_ch):
        st = state[c]
        esum = st["esum"]
        q = st["q"]
        peak = st["peak"]
        peak_t = st["peak_t"]
        ehi = st["ehi"]
        elo = st["elo"]
        etk = st["etk"]
        peak_e2 = st["peak_e2"]
        mod_bp2 = st["mod_bp2"]
        mod_env = st["mod_env"]
        nupd = st["nupd"]
        ring = st["ring"]
        ring_mean = st["ring_mean"]
        esum_short = st["esum_short"]
        burst_state = st["state"]
        rise = st["rise"]
        last = st["last"]
        quiet = st["quiet"]
        nflag = st["nflag"]
        nb = st["nb"]
        long_ = st["long"]
        mod_n = st["mod_n"]
        bad_start = st["bad_start"]
        bad_last = st["bad_last"]
        bad_bits = st["bad_bits"]
        filled = st["filled"]
        ended = st["ended"]
        z0 = st["mod_z0"]
        z1 = st["mod_z1"]
        lo_bg = st["lo_bg"]
        lo_n = st["lo_n"]
        lo_ref = st["lo_ref"]
        hi = st["hi"]
        sus_n = st["sus_n"]
        by_share = st["by_share"]
        by_power = st["by_power"]
        pow_sum = st["pow_sum"]
        pow_n = st["pow_n"]
        burst_ms = st["burst_ms"]
        # ring positions, advanced by one per sample (no division in the loop)
        pos = start % window
        pos_short = (start - short) % window
        spos = start % sus_len
        seg_left = segment - start % segment
        for i in range(n):
            t = start + i
            v = y[i, c]
            sq = v * v
            esum += sq - env_buf[pos, c]
            # the short envelope: the last ``short`` samples of the same ring
            esum_short += sq - env_buf[pos_short, c]
            env_buf[pos, c] = sq
            if pos == window - 1:
                # exact re-sums once per window so rounding never accumulates
                esum = 0.0
                for j in range(window):
                    esum += env_buf[j, c]
                esum_short = 0.0
                for j in range(window - short, window):
                    esum_short += env_buf[j, c]
            if filled < window:
                filled += 1
            e2 = max(esum, 0.0) * inv_window
            e = np.sqrt(e2)
            bp = b0 * e + z0
            z0 = b1 * e - a1 * bp + z1
            z1 = b2 * e - a2 * bp
            mod_bp2 += bp * bp
            mod_env += e
            mod_n += 1
            flag = flags[i, c]
            # runs of flagged samples
            if flag != 0:
                if bad_start < 0:
                    bad_start = t
                    bad_bits = 0
                bad_last = t
                bad_bits |= flag
            elif bad_start >= 0 and t - bad_last > bad_merge:
                k = _put(rec, k, BAD, c, t, bad_start, bad_last, 0.0, 0, 0.0, 0.0,
                         0.0, 0, 0, q, 0.0, 0.0, 0.0, 0, 0, bad_bits, 0.0)
                bad_start = -1
            # noise floor: seeded from the first full window
            if nupd == 0.0:
                if filled == window and flag == 0 and e2 > 0.0:
                    q = e2
                    hi = e2
                    nupd = 1.0
            else:
                noise2 = q * inv_qcorr
                ring *= ring_decay
                if e2 > ring:
                    ring = e2
                ring_mean += (1.0 - ring_decay) * (e2 - ring_mean)
                floor2 = max(ring_frac2 * ring, ring_mean_frac2 * ring_mean)
                above_off = e2 > max(off2 * noise2, floor2)
                # sustained activity: the share of active samples in its
                # window, and the mean power of its quiet samples
                burst_ms *= pow_decay
                act = 1 if flag == 0 and e2 > max(hi, floor2) else 0
                counted = flag == 0 and burst_state == IDLE and floor2 <= hi
                gone = int(sus_buf[spos, c])  # not uint8: act - 1 must not wrap
                sus_n += act - (gone & 1)
                pow_n += (1 if counted else 0) - ((gone >> 1) & 1)
                pow_sum -= pow_buf[spos, c]
                if counted:
                    pow_sum += e2
                    pow_buf[spos, c] = e2
                    sus_buf[spos, c] = act | 2
                else:
                    pow_buf[spos, c] = 0.0
                    sus_buf[spos, c] = act
                changed = False
                if (by_share == 0 and sus_n >= sus_on) or (by_share == 1 and sus_n <= sus_off):
                    by_share = 1 - by_share
                    changed = True
                if pow_n >= pow_min and flag == 0:
                    level = pow_off if by_power == 1 else pow_on
                    powered = 1 if pow_sum > level * max(noise2, pow_rel * burst_ms) * pow_n else 0
                    if powered != by_power:
                        by_power = powered
                        changed = True
                if changed:
                    k = _put(rec, k, SUSTAIN, c, t, t - sus_len + 1, t, 0.0, 0, 0.0,
                             0.0, 0.0, 0, 0, q, 0.0, 0.0, 0.0, 0, by_share, by_power, 0.0)
                if burst_state == IDLE and not above_off:
                    rise = -1
                else:
                    if burst_state == IDLE and rise < 0:
                        rise = t
                        lo_ref = lo_bg
                        last = t
                        ended = 0
                        nflag = 0
                        nb = 0
                        long_ = 0
                        peak = 0.0
                        ehi = 0.0
                        elo = 0.0
                        etk = 0.0
                        peak_e2 = 0.0
                    a = abs(v)
                    if a > peak:
                        peak = a
                        peak_t = t
                    if e2 > peak_e2:
                        peak_e2 = e2
                    lb = lowband[i, c]
                    ehi += sq
                    elo += lb * lb
                    etk += tkeo[i, c]
                    nb += 1
                    if flag != 0:
                        nflag += 1
                    if above_off:
                        last = t
                        quiet = 0
                    else:
                        quiet += 1
                    if burst_state == IDLE:
                        if e2 > max(on2 * noise2, floor2):
                            burst_state = ACTIVE
                            quiet = 0
                            k = _put(rec, k, START, c, t, rise, last - (window - 1),
                                     peak, peak_t, ehi, elo, etk, nb, nflag, q, peak_e2,
                                     mod_bp2, mod_env, mod_n, burst_state, 0, lo_ref)
                    else:
                        extent = last - (window - 1) - rise + 1
                        if long_ == 0 and above_off and extent > fasc_max:
                            long_ = 1
                            k = _put(rec, k, LONG, c, t, rise, last - (window - 1),
                                     peak, peak_t, ehi, elo, etk, nb, nflag, q, peak_e2,
                                     mod_bp2, mod_env, mod_n, burst_state, 0, lo_ref)
                        if long_ == 0 and ended == 0 and (
                                quiet == 1 or (peak_e2 > STRONG * on2 * noise2 and
                                               esum_short < short * max(off2 * noise2, floor2))):
                            # the discharge has ended: the short envelope (or
                            # the detection envelope) fell below the off threshold
                            ended = 1
                            offset = last - (window - 1) if quiet == 1 else t - short
                            k = _put(rec, k, QUIET, c, t, rise, offset,
                                     peak, peak_t, ehi, elo, etk, nb, nflag, q, peak_e2,
                                     mod_bp2, mod_env, mod_n, burst_state, 0, lo_ref)
                        elif long_ == 0 and ended == 0 and t - rise + 1 == due:
                            # still going when a discharge is due to be reported
                            k = _put(rec, k, DUE, c, t, rise, last - (window - 1),
                                     peak, peak_t, ehi, elo, etk, nb, nflag, q, peak_e2,
                                     mod_bp2, mod_env, mod_n, burst_state, 0, lo_ref)
                        if quiet >= hangover:
                            burst_state = IDLE
                            burst_ms = max(burst_ms, ehi / nb)
                            k = _put(rec, k, END, c, t, rise, last - (window - 1),
                                     peak, peak_t, ehi, elo, etk, nb, nflag, q, peak_e2,
                                     mod_bp2, mod_env, mod_n, burst_state, 0, lo_ref)
                            rise = -1
                if flag == 0:
                    busy = burst_state == ACTIVE or rise >= 0
                    # the percentile tracker also slows during sustained activity
                    slow_hi = busy or by_share == 1 or by_power == 1
                    above = e2 > q
                    above_hi = e2 > hi
                    if nupd < warm_end:
                        rate = p["eta_up"] * (1.0 + p["warm_gain"] * np.exp(
                            -nupd / p["warm_n"]))
                        q_rate = rate * p["active_rate"] if busy else rate
                        step = np.exp(q_rate if above else -q_rate * p["down_ratio"])
                        hi_rate = rate * p["active_rate"] if slow_hi else rate
                        hstep = np.exp(hi_rate * hi_up if above_hi else -hi_rate)
                    else:
                        if busy:
                            step = p["up_active"] if above else p["down_active"]
                        else:
                            step = p["up_idle"] if above else p["down_idle"]
                        if slow_hi:
                            hstep = p["hi_up_active"] if above_hi else p["hi_down_active"]
                        else:
                            hstep = p["hi_up_idle"] if above_hi else p["hi_down_idle"]
                    q *= step
                    hi *= hstep
                    nupd += 1.0
                    if not busy:
                        # the 2-20 Hz background: the median of its square,
                        # by sign updates in the log domain
                        lb = lowband[i, c]
                        lb2 = lb * lb
                        if lo_n == 0.0:
                            if lb2 > 0.0:
                                lo_bg = lb2
                                lo_n = 1.0
                        else:
                            lo_n += 1.0
                            if lo_n < lo_settled:
                                step = 1.0 / lo_n
                                lo_bg *= np.exp(step if lb2 > lo_bg else -step)
                            else:
                                lo_bg *= lo_up if lb2 > lo_bg else lo_down
            seg_left -= 1
            if seg_left == 0:
                seg_left = segment
                if (burst_state == ACTIVE or by_share == 1 or by_power == 1
                        or (t - last <= recent_n and nupd > 0)):
                    k = _put(rec, k, SEGMENT, c, t, rise, last - (window - 1),
                             peak, peak_t, ehi, elo, etk, nb, nflag, q, peak_e2,
                             mod_bp2, mod_env, mod_n, burst_state, 0, lo_ref)
                mod_bp2 = 0.0
                mod_env = 0.0
                mod_n = 0
            pos += 1
            if pos == window:
                pos = 0
            pos_short += 1
            if pos_short == window:
                pos_short = 0
            spos += 1
            if spos == sus_len:
                spos = 0
                # an exact re-sum once per window, as for the envelope
                pow_sum = 0.0
                for j in range(sus_len):
                    pow_sum += pow_buf[j, c]
        st["esum"] = esum
        st["q"] = q
        st["peak"] = peak
        st["peak_t"] = peak_t
        st["ehi"] = ehi
        st["elo"] = elo
        st["etk"] = etk
        st["peak_e2"] = peak_e2
        st["mod_bp2"] = mod_bp2
        st["mod_env"] = mod_env
        st["nupd"] = nupd
        st["ring"] = ring
        st["ring_mean"] = ring_mean
        st["esum_short"] = esum_short
        st["state"] = burst_state
        st["rise"] = rise
        st["last"] = last
        st["quiet"] = quiet
        st["nflag"] = nflag
        st["nb"] = nb
        st["long"] = long_
        st["mod_n"] = mod_n
        st["bad_start"] = bad_start
        st["bad_last"] = bad_last
        st["bad_bits"] = bad_bits
        st["filled"] = filled
        st["ended"] = ended
        st["mod_z0"] = z0
        st["mod_z1"] = z1
        st["lo_bg"] = lo_bg
        st["lo_n"] = lo_n
        st["lo_ref"] = lo_ref
        st["hi"] = hi
        st["sus_n"] = sus_n
        st["by_share"] = by_share
        st["by_power"] = by_power
        st["pow_sum"] = pow_sum
        st["pow_n"] = pow_n
        st["burst_ms"] = burst_ms
    return k
