"""Numba kernel of the detector: everything that has to look at every sample.

Per channel it keeps a short moving-RMS detection envelope, tracks the noise
floor, segments bursts with a two-threshold state machine, accumulates each
burst's features, and writes *records* (fixed-width rows) at the exact
samples where something happens: a burst starts, outgrows a fasciculation,
ends; a 25 ms segment of activity passes; a run of flagged samples ends.
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

from .._numba import jit

# record kinds
K_START, K_LONG, K_SEGMENT, K_END, K_BAD = 1, 2, 3, 4, 5

# record fields
R_KIND, R_CH, R_T, R_ONSET, R_OFFSET = 0, 1, 2, 3, 4
R_PEAK, R_EHI, R_ELO, R_ETK, R_N, R_NFLAG = 5, 6, 7, 8, 9, 10
R_NOISE, R_PEAK_E2, R_MOD_BP2, R_MOD_ENV, R_MOD_N, R_ACTIVE, R_BITS = (
    11, 12, 13, 14, 15, 16, 17)
N_FIELDS = 18

# float state rows
S_ESUM, S_Q, S_PEAK, S_EHI, S_ELO, S_ETK, S_PEAK_E2 = range(7)
S_MOD_BP2, S_MOD_ENV, S_NUPD, S_RING = 7, 8, 9, 10
N_FSTATE = 11

# int state rows
I_STATE, I_RISE, I_LAST, I_QUIET, I_NFLAG, I_NB, I_LONG = range(7)
I_MOD_N, I_BAD_START, I_BAD_LAST, I_BAD_BITS, I_FILLED = 7, 8, 9, 10, 11
N_ISTATE = 12

# float parameters
P_ON2, P_OFF2, P_QCORR, P_ETA_UP, P_DOWN_RATIO, P_ACTIVE_RATE = range(6)
P_WARM_GAIN, P_WARM_N, P_RING_FRAC2, P_RING_DECAY = 6, 7, 8, 9
# multiplicative noise-floor steps once the warm-up is over: exp(+-rate)
P_UP_IDLE, P_DOWN_IDLE, P_UP_ACTIVE, P_DOWN_ACTIVE = 10, 11, 12, 13
N_FPARAM = 14
#: After this many warm-up time constants the warm-up gain is dropped.
WARM_SPAN = 10.0

# int parameters
Q_WINDOW, Q_HANGOVER, Q_FASC_MAX, Q_SEGMENT, Q_RECENT, Q_BAD_MERGE = range(6)
N_IPARAM = 6

IDLE, ACTIVE = 0, 1


@jit
def _emit(rec, k, kind, c, t, fst, ist, window):
    rec[k, R_KIND] = kind
    rec[k, R_CH] = c
    rec[k, R_T] = t
    rec[k, R_ONSET] = ist[I_RISE, c]
    rec[k, R_OFFSET] = ist[I_LAST, c] - (window - 1)
    rec[k, R_PEAK] = fst[S_PEAK, c]
    rec[k, R_EHI] = fst[S_EHI, c]
    rec[k, R_ELO] = fst[S_ELO, c]
    rec[k, R_ETK] = fst[S_ETK, c]
    rec[k, R_N] = ist[I_NB, c]
    rec[k, R_NFLAG] = ist[I_NFLAG, c]
    rec[k, R_NOISE] = fst[S_Q, c]
    rec[k, R_PEAK_E2] = fst[S_PEAK_E2, c]
    rec[k, R_MOD_BP2] = fst[S_MOD_BP2, c]
    rec[k, R_MOD_ENV] = fst[S_MOD_ENV, c]
    rec[k, R_MOD_N] = ist[I_MOD_N, c]
    rec[k, R_ACTIVE] = ist[I_STATE, c]
    rec[k, R_BITS] = 0
    return k + 1


@jit
def detect_kernel(y, lowband, tkeo, flags, start, fprm, iprm, env_buf,
                  mod_sos, mod_z, fst, ist, rec):
    """Advance the detector over one chunk.

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
        3-8 Hz band-pass of the envelope (clonus band) and its state.
    fst, ist : ndarray
        Per-channel float and integer state.
    rec : ndarray, shape (capacity, N_FIELDS)
        Output records.

    Returns
    -------
    n_records : int
    n_used : int
        Samples consumed; less than ``n_samples`` when ``rec`` filled up
        (call again with the rest).
    """
    n, n_ch = y.shape
    window = iprm[Q_WINDOW]
    capacity = rec.shape[0]
    k = 0
    for i in range(n):
        if k + 3 * n_ch > capacity:
            return k, i
        t = start + i
        pos = t % window
        for c in range(n_ch):
            v = y[i, c]
            sq = v * v
            fst[S_ESUM, c] += sq - env_buf[pos, c]
            env_buf[pos, c] = sq
            if pos == window - 1:
                total = 0.0
                for j in range(window):
                    total += env_buf[j, c]
                fst[S_ESUM, c] = total
            if ist[I_FILLED, c] < window:
                ist[I_FILLED, c] += 1
            e2 = max(fst[S_ESUM, c], 0.0) / window
            e = np.sqrt(e2)
            bp = e
            for s in range(mod_sos.shape[0]):
                out = mod_sos[s, 0] * bp + mod_z[s, 0, c]
                mod_z[s, 0, c] = mod_sos[s, 1] * bp - mod_sos[s, 4] * out + mod_z[s, 1, c]
                mod_z[s, 1, c] = mod_sos[s, 2] * bp - mod_sos[s, 5] * out
                bp = out
            fst[S_MOD_BP2, c] += bp * bp
            fst[S_MOD_ENV, c] += e
            ist[I_MOD_N, c] += 1
            flag = flags[i, c]
            # runs of flagged samples
            if flag != 0:
                if ist[I_BAD_START, c] < 0:
                    ist[I_BAD_START, c] = t
                    ist[I_BAD_BITS, c] = 0
                ist[I_BAD_LAST, c] = t
                ist[I_BAD_BITS, c] |= flag
            elif (ist[I_BAD_START, c] >= 0
                  and t - ist[I_BAD_LAST, c] > iprm[Q_BAD_MERGE]):
                rec[k, R_KIND] = K_BAD
                rec[k, R_CH] = c
                rec[k, R_T] = t
                rec[k, R_ONSET] = ist[I_BAD_START, c]
                rec[k, R_OFFSET] = ist[I_BAD_LAST, c]
                rec[k, R_BITS] = ist[I_BAD_BITS, c]
                k += 1
                ist[I_BAD_START, c] = -1
            # noise floor: seeded from the first full window
            if fst[S_NUPD, c] == 0.0:
                if ist[I_FILLED, c] == window and flag == 0 and e2 > 0.0:
                    fst[S_Q, c] = e2
                    fst[S_NUPD, c] = 1.0
                continue
            noise2 = fst[S_Q, c] / fprm[P_QCORR]
            state = ist[I_STATE, c]
            ring = fst[S_RING, c] * fprm[P_RING_DECAY]
            if e2 > ring:
                ring = e2
            fst[S_RING, c] = ring
            floor2 = fprm[P_RING_FRAC2] * ring
            above_off = e2 > max(fprm[P_OFF2] * noise2, floor2)
            if state == IDLE and not above_off:
                ist[I_RISE, c] = -1
            else:
                if state == IDLE and ist[I_RISE, c] < 0:
                    ist[I_RISE, c] = t
                    ist[I_LAST, c] = t
                    ist[I_NFLAG, c] = 0
                    ist[I_NB, c] = 0
                    ist[I_LONG, c] = 0
                    fst[S_PEAK, c] = 0.0
                    fst[S_EHI, c] = 0.0
                    fst[S_ELO, c] = 0.0
                    fst[S_ETK, c] = 0.0
                    fst[S_PEAK_E2, c] = 0.0
                a = abs(v)
                if a > fst[S_PEAK, c]:
                    fst[S_PEAK, c] = a
                if e2 > fst[S_PEAK_E2, c]:
                    fst[S_PEAK_E2, c] = e2
                lb = lowband[i, c]
                fst[S_EHI, c] += sq
                fst[S_ELO, c] += lb * lb
                fst[S_ETK, c] += tkeo[i, c]
                ist[I_NB, c] += 1
                if flag != 0:
                    ist[I_NFLAG, c] += 1
                if above_off:
                    ist[I_LAST, c] = t
                    ist[I_QUIET, c] = 0
                else:
                    ist[I_QUIET, c] += 1
                if state == IDLE:
                    if e2 > max(fprm[P_ON2] * noise2, floor2):
                        ist[I_STATE, c] = ACTIVE
                        ist[I_QUIET, c] = 0
                        k = _emit(rec, k, K_START, c, t, fst, ist, window)
                else:
                    extent = ist[I_LAST, c] - (window - 1) - ist[I_RISE, c] + 1
                    if (ist[I_LONG, c] == 0 and above_off
                            and extent > iprm[Q_FASC_MAX]):
                        ist[I_LONG, c] = 1
                        k = _emit(rec, k, K_LONG, c, t, fst, ist, window)
                    if ist[I_QUIET, c] >= iprm[Q_HANGOVER]:
                        ist[I_STATE, c] = IDLE
                        k = _emit(rec, k, K_END, c, t, fst, ist, window)
                        ist[I_RISE, c] = -1
            if flag == 0:
                busy = ist[I_STATE, c] == ACTIVE or ist[I_RISE, c] >= 0
                above = e2 > fst[S_Q, c]
                if fst[S_NUPD, c] < WARM_SPAN * fprm[P_WARM_N]:
                    rate = fprm[P_ETA_UP] * (1.0 + fprm[P_WARM_GAIN] * np.exp(
                        -fst[S_NUPD, c] / fprm[P_WARM_N]))
                    if busy:
                        rate *= fprm[P_ACTIVE_RATE]
                    step = np.exp(rate if above else -rate * fprm[P_DOWN_RATIO])
                elif busy:
                    step = fprm[P_UP_ACTIVE] if above else fprm[P_DOWN_ACTIVE]
                else:
                    step = fprm[P_UP_IDLE] if above else fprm[P_DOWN_IDLE]
                fst[S_Q, c] *= step
                fst[S_NUPD, c] += 1.0
        if (t + 1) % iprm[Q_SEGMENT] == 0:
            for c in range(n_ch):
                recent = t - ist[I_LAST, c] <= iprm[Q_RECENT]
                if ist[I_STATE, c] == ACTIVE or (recent and fst[S_NUPD, c] > 0):
                    k = _emit(rec, k, K_SEGMENT, c, t, fst, ist, window)
                fst[S_MOD_BP2, c] = 0.0
                fst[S_MOD_ENV, c] = 0.0
                ist[I_MOD_N, c] = 0
    return k, n
