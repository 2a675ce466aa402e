"""Numba kernel of the detector: everything that has to look at every sample.

Per channel it keeps a short moving-RMS detection envelope, tracks the noise
floor, segments bursts with a two-threshold state machine, accumulates each
burst's features, and writes *records* (fixed-width rows) at the exact
samples where something happens: a burst starts, outgrows a fasciculation,
falls quiet (before it has outgrown one: the detection envelope, or for a
strong burst a second envelope over the last half-window, drops below the
off threshold), ends; a 25 ms segment of activity passes; a run of flagged
samples ends.
The per-event rules (fasciculation or spasm, merging, subtypes, artefacts)
run on those records in :mod:`emgspasm.detect.detector`.

A burst starts when the envelope exceeds ``on_snr`` x the noise RMS and ends
when it stays below ``off_snr`` x the noise RMS for ``hangover_s``. Both
thresholds also stay above ``ring_fraction`` x a peak-hold of the envelope
that decays at the filters' ring-down rate: a large discharge rings through
the mains notches for a few hundred ms (a 50/100/150 Hz echo at ~20 % of
its envelope), and that echo is the chain's, not the muscle's.

Noise floor: the 20th percentile of the envelope's mean square, tracked in
the log domain by a sign update (+up when above, -4 up when below, so the
estimate settles where 20 % of samples lie below). It updates at the full
rate while the channel is quiet, at a tenth of it during bursts (so the
bursts do not drag it up but a lasting rise of the noise is followed), never
on flagged samples, and fast during the first seconds.
"""

import numpy as np

from ..._numba import jit

# record kinds
K_START, K_LONG, K_SEGMENT, K_END, K_BAD, K_QUIET = 1, 2, 3, 4, 5, 6

# record fields
R_KIND, R_CH, R_T, R_ONSET, R_OFFSET = 0, 1, 2, 3, 4
R_PEAK, R_EHI, R_ELO, R_ETK, R_N, R_NFLAG = 5, 6, 7, 8, 9, 10
R_NOISE, R_PEAK_E2, R_MOD_BP2, R_MOD_ENV, R_MOD_N, R_ACTIVE, R_BITS = (
    11, 12, 13, 14, 15, 16, 17)
N_FIELDS = 18

# float state rows
S_ESUM, S_Q, S_PEAK, S_EHI, S_ELO, S_ETK, S_PEAK_E2 = range(7)
S_MOD_BP2, S_MOD_ENV, S_NUPD, S_RING, S_ESUM_SHORT = 7, 8, 9, 10, 11
N_FSTATE = 12

# int state rows
I_STATE, I_RISE, I_LAST, I_QUIET, I_NFLAG, I_NB, I_LONG = range(7)
I_MOD_N, I_BAD_START, I_BAD_LAST, I_BAD_BITS, I_FILLED, I_ENDED = 7, 8, 9, 10, 11, 12
N_ISTATE = 13

# float parameters
P_ON2, P_OFF2, P_QCORR, P_ETA_UP, P_DOWN_RATIO, P_ACTIVE_RATE = range(6)
P_WARM_GAIN, P_WARM_N, P_RING_FRAC2, P_RING_DECAY = 6, 7, 8, 9
# multiplicative noise-floor steps once the warm-up is over: exp(+-rate)
P_UP_IDLE, P_DOWN_IDLE, P_UP_ACTIVE, P_DOWN_ACTIVE = 10, 11, 12, 13
N_FPARAM = 14
#: After this many warm-up time constants the warm-up gain is dropped.
WARM_SPAN = 10.0

# int parameters
Q_WINDOW, Q_HANGOVER, Q_FASC_MAX, Q_SEGMENT, Q_RECENT, Q_BAD_MERGE, Q_SHORT = range(7)
N_IPARAM = 7

IDLE, ACTIVE = 0, 1
#: A burst whose envelope peaked above this many times the on threshold's
#: mean square (twice its amplitude) may be declared ended by the short envelope.
STRONG = 4.0


@jit
def _put(rec, k, kind, c, t, onset, offset, peak, ehi, elo, etk, nb, nflag, q,
         peak_e2, mod_bp2, mod_env, mod_n, active, bits):
    rec[k, R_KIND] = kind
    rec[k, R_CH] = c
    rec[k, R_T] = t
    rec[k, R_ONSET] = onset
    rec[k, R_OFFSET] = offset
    rec[k, R_PEAK] = peak
    rec[k, R_EHI] = ehi
    rec[k, R_ELO] = elo
    rec[k, R_ETK] = etk
    rec[k, R_N] = nb
    rec[k, R_NFLAG] = nflag
    rec[k, R_NOISE] = q
    rec[k, R_PEAK_E2] = peak_e2
    rec[k, R_MOD_BP2] = mod_bp2
    rec[k, R_MOD_ENV] = mod_env
    rec[k, R_MOD_N] = mod_n
    rec[k, R_ACTIVE] = active
    rec[k, R_BITS] = bits
    return k + 1


@jit
def detect_kernel(y, lowband, tkeo, flags, start, fprm, iprm, env_buf,
                  mod_sos, mod_z, fst, ist, rec):
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
    fprm, iprm : ndarray
        Float and integer parameters (see the ``P_*`` and ``Q_*`` indices).
    env_buf : ndarray, shape (window, n_channels)
        Ring of squared samples of the detection envelope.
    mod_sos, mod_z : ndarray
        3-8 Hz band-pass of the envelope (one section, the clonus band) and
        its state.
    fst, ist : ndarray
        Per-channel float and integer state.
    rec : ndarray, shape (capacity, N_FIELDS)
        Output records; needs 4 rows per sample and channel at most.

    Returns
    -------
    n_records : int
    """
    n, n_ch = y.shape
    window = iprm[Q_WINDOW]
    hangover = iprm[Q_HANGOVER]
    fasc_max = iprm[Q_FASC_MAX]
    segment = iprm[Q_SEGMENT]
    recent_n = iprm[Q_RECENT]
    bad_merge = iprm[Q_BAD_MERGE]
    short = iprm[Q_SHORT]
    on2 = fprm[P_ON2]
    off2 = fprm[P_OFF2]
    qcorr = fprm[P_QCORR]
    ring_frac2 = fprm[P_RING_FRAC2]
    ring_decay = fprm[P_RING_DECAY]
    warm_end = WARM_SPAN * fprm[P_WARM_N]
    b0, b1, b2 = mod_sos[0, 0], mod_sos[0, 1], mod_sos[0, 2]
    a1, a2 = mod_sos[0, 4], mod_sos[0, 5]
    k = 0
    for c in range(n_ch):
        esum = fst[S_ESUM, c]
        q = fst[S_Q, c]
        peak = fst[S_PEAK, c]
        ehi = fst[S_EHI, c]
        elo = fst[S_ELO, c]
        etk = fst[S_ETK, c]
        peak_e2 = fst[S_PEAK_E2, c]
        mod_bp2 = fst[S_MOD_BP2, c]
        mod_env = fst[S_MOD_ENV, c]
        nupd = fst[S_NUPD, c]
        ring = fst[S_RING, c]
        esum_short = fst[S_ESUM_SHORT, c]
        state = ist[I_STATE, c]
        rise = ist[I_RISE, c]
        last = ist[I_LAST, c]
        quiet = ist[I_QUIET, c]
        nflag = ist[I_NFLAG, c]
        nb = ist[I_NB, c]
        long_ = ist[I_LONG, c]
        mod_n = ist[I_MOD_N, c]
        bad_start = ist[I_BAD_START, c]
        bad_last = ist[I_BAD_LAST, c]
        bad_bits = ist[I_BAD_BITS, c]
        filled = ist[I_FILLED, c]
        ended = ist[I_ENDED, c]
        z0 = mod_z[0, 0, c]
        z1 = mod_z[0, 1, c]
        for i in range(n):
            t = start + i
            pos = t % window
            v = y[i, c]
            sq = v * v
            esum += sq - env_buf[pos, c]
            # the short envelope: the last ``short`` samples of the same ring
            esum_short += sq - env_buf[(t - short) % window, c]
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
            e2 = max(esum, 0.0) / window
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
                k = _put(rec, k, K_BAD, c, t, bad_start, bad_last, 0.0, 0.0, 0.0,
                         0.0, 0, 0, q, 0.0, 0.0, 0.0, 0, 0, bad_bits)
                bad_start = -1
            # noise floor: seeded from the first full window
            if nupd == 0.0:
                if filled == window and flag == 0 and e2 > 0.0:
                    q = e2
                    nupd = 1.0
            else:
                noise2 = q / qcorr
                ring *= ring_decay
                if e2 > ring:
                    ring = e2
                floor2 = ring_frac2 * ring
                above_off = e2 > max(off2 * noise2, floor2)
                if state == IDLE and not above_off:
                    rise = -1
                else:
                    if state == IDLE and rise < 0:
                        rise = t
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
                    if state == IDLE:
                        if e2 > max(on2 * noise2, floor2):
                            state = ACTIVE
                            quiet = 0
                            k = _put(rec, k, K_START, c, t, rise, last - (window - 1),
                                     peak, ehi, elo, etk, nb, nflag, q, peak_e2,
                                     mod_bp2, mod_env, mod_n, state, 0)
                    else:
                        extent = last - (window - 1) - rise + 1
                        if long_ == 0 and above_off and extent > fasc_max:
                            long_ = 1
                            k = _put(rec, k, K_LONG, c, t, rise, last - (window - 1),
                                     peak, ehi, elo, etk, nb, nflag, q, peak_e2,
                                     mod_bp2, mod_env, mod_n, state, 0)
                        if long_ == 0 and ended == 0 and (
                                quiet == 1 or (peak_e2 > STRONG * on2 * noise2 and
                                               esum_short < short * max(off2 * noise2, floor2))):
                            # the discharge has ended: the short envelope (or
                            # the detection envelope) fell below the off threshold
                            ended = 1
                            offset = last - (window - 1) if quiet == 1 else t - short
                            k = _put(rec, k, K_QUIET, c, t, rise, offset,
                                     peak, ehi, elo, etk, nb, nflag, q, peak_e2,
                                     mod_bp2, mod_env, mod_n, state, 0)
                        if quiet >= hangover:
                            state = IDLE
                            k = _put(rec, k, K_END, c, t, rise, last - (window - 1),
                                     peak, ehi, elo, etk, nb, nflag, q, peak_e2,
                                     mod_bp2, mod_env, mod_n, state, 0)
                            rise = -1
                if flag == 0:
                    busy = state == ACTIVE or rise >= 0
                    above = e2 > q
                    if nupd < warm_end:
                        rate = fprm[P_ETA_UP] * (1.0 + fprm[P_WARM_GAIN] * np.exp(
                            -nupd / fprm[P_WARM_N]))
                        if busy:
                            rate *= fprm[P_ACTIVE_RATE]
                        step = np.exp(rate if above else -rate * fprm[P_DOWN_RATIO])
                    elif busy:
                        step = fprm[P_UP_ACTIVE] if above else fprm[P_DOWN_ACTIVE]
                    else:
                        step = fprm[P_UP_IDLE] if above else fprm[P_DOWN_IDLE]
                    q *= step
                    nupd += 1.0
            if (t + 1) % segment == 0:
                if state == ACTIVE or (t - last <= recent_n and nupd > 0):
                    k = _put(rec, k, K_SEGMENT, c, t, rise, last - (window - 1),
                             peak, ehi, elo, etk, nb, nflag, q, peak_e2,
                             mod_bp2, mod_env, mod_n, state, 0)
                mod_bp2 = 0.0
                mod_env = 0.0
                mod_n = 0
        fst[S_ESUM, c] = esum
        fst[S_Q, c] = q
        fst[S_PEAK, c] = peak
        fst[S_EHI, c] = ehi
        fst[S_ELO, c] = elo
        fst[S_ETK, c] = etk
        fst[S_PEAK_E2, c] = peak_e2
        fst[S_MOD_BP2, c] = mod_bp2
        fst[S_MOD_ENV, c] = mod_env
        fst[S_NUPD, c] = nupd
        fst[S_RING, c] = ring
        fst[S_ESUM_SHORT, c] = esum_short
        ist[I_STATE, c] = state
        ist[I_RISE, c] = rise
        ist[I_LAST, c] = last
        ist[I_QUIET, c] = quiet
        ist[I_NFLAG, c] = nflag
        ist[I_NB, c] = nb
        ist[I_LONG, c] = long_
        ist[I_MOD_N, c] = mod_n
        ist[I_BAD_START, c] = bad_start
        ist[I_BAD_LAST, c] = bad_last
        ist[I_BAD_BITS, c] = bad_bits
        ist[I_FILLED, c] = filled
        ist[I_ENDED, c] = ended
        mod_z[0, 0, c] = z0
        mod_z[0, 1, c] = z1
    return k
