"""Numba kernels of the DSP chain.

The chain kernel walks a chunk in blocks of samples (:func:`block_length`),
in place in the output arrays. In each block it (1) checks and repairs the
raw samples, (2) runs the enabled second-order sections over the block two
at a time (the band-pass, then, once the mains tracker of
:mod:`emgspasm.engine.dsp._mains_track` has read the band-passed block, the
notches), with the channels as the innermost loop (independent channels let
the compiler use SIMD; two sections in one pass let the CPU overlap their
recursions), (3) computes the artefact band at its decimated rate, and
(4) computes the TKEO and the moving RMS, one short loop each. Each channel sees exactly the same
arithmetic in the same order whatever the block or chunk boundaries, so any
split of a stream gives bit-identical output.
"""

import numpy as np

from ..._numba import jit
from .. import vocabulary
from . import _mains_track

MIN_BLOCK = 64
MAX_BLOCK = 256
BLOCK_VALUES = 2048   # samples x channels per block: the block's rows stay in cache


@jit
def block_length(n_channels):
    """Samples per block for ``n_channels``: long blocks cost fewer calls."""
    return max(MIN_BLOCK, min(MAX_BLOCK, BLOCK_VALUES // n_channels))


# Quality flag bits, one byte per channel and sample.
FLAG_NONFINITE = np.uint8(vocabulary.FLAG_NONFINITE)
FLAG_CLIPPED = np.uint8(vocabulary.FLAG_CLIPPED)
FLAG_FLAT = np.uint8(vocabulary.FLAG_FLAT)

# Rows of the per-channel float state.
F_HOLD = 0      # last finite input sample (used in place of NaN/Inf)
F_LAST = 1      # previous raw sample, for runs of equal values
F_MAXABS = 2    # largest magnitude seen, for the clipping test
F_RMS_SUM = 3   # running sum of squares in the RMS window
F_Y1 = 4        # filtered sample n-1 (TKEO)
F_Y2 = 5        # filtered sample n-2 (TKEO)
F_LB_SUM = 6    # sum of the current group of the artefact band's boxcar
F_LB_HOLD = 7   # artefact band's latest (decimated) output
N_FSTATE = 8

# Entries of the global integer state.
G_STARTED = 0   # 1 once the first sample has seeded the filters
G_RMS_POS = 1   # write position in the RMS ring buffer
G_LB_PHASE = 2  # samples in the artefact band's current boxcar group
G_TRACK_N = 3   # samples since the mains tracker's last retune
N_GSTATE = 4


@jit
def _biquad_block(sos_row, z0, z1, buf, n):
    b0 = sos_row[0]
    b1 = sos_row[1]
    b2 = sos_row[2]
    a1 = sos_row[4]
    a2 = sos_row[5]
    n_ch = buf.shape[1]
    for i in range(n):
        row = buf[i]
        for c in range(n_ch):
            xc = row[c]
            yc = b0 * xc + z0[c]
            z0[c] = b1 * xc - a1 * yc + z1[c]
            z1[c] = b2 * xc - a2 * yc
            row[c] = yc


@jit
def _biquad_pair_block(sos_a, sos_b, za0, za1, zb0, zb1, buf, n):
    # two cascaded sections in one pass: each keeps its own recursion, and the
    # CPU overlaps them; the intermediate never goes back to memory
    a_b0 = sos_a[0]
    a_b1 = sos_a[1]
    a_b2 = sos_a[2]
    a_a1 = sos_a[4]
    a_a2 = sos_a[5]
    b_b0 = sos_b[0]
    b_b1 = sos_b[1]
    b_b2 = sos_b[2]
    b_a1 = sos_b[4]
    b_a2 = sos_b[5]
    n_ch = buf.shape[1]
    for i in range(n):
        row = buf[i]
        for c in range(n_ch):
            xc = row[c]
            yc = a_b0 * xc + za0[c]
            za0[c] = a_b1 * xc - a_a1 * yc + za1[c]
            za1[c] = a_b2 * xc - a_a2 * yc
            uc = b_b0 * yc + zb0[c]
            zb0[c] = b_b1 * yc - b_a1 * uc + zb1[c]
            zb1[c] = b_b2 * yc - b_a2 * uc
            row[c] = uc


@jit
def _cascade_block(sos, enabled, z, buf, n):
    """Run the enabled sections of ``sos`` over ``buf[:n]``, two at a time."""
    pending = -1
    for s in range(sos.shape[0]):
        if not enabled[s]:
            continue
        if pending < 0:
            pending = s
            continue
        _biquad_pair_block(sos[pending], sos[s], z[pending, 0], z[pending, 1],
                           z[s, 0], z[s, 1], buf, n)
        pending = -1
    if pending >= 0:
        _biquad_block(sos[pending], z[pending, 0], z[pending, 1], buf, n)


@jit
def _seed(z, zi_unit, first):
    for s in range(z.shape[0]):
        for c in range(z.shape[2]):
            z[s, 0, c] = zi_unit[s, 0] * first[c]
            z[s, 1, c] = zi_unit[s, 1] * first[c]


@jit
def chain_kernel(x, scale, sos, enabled, zi_unit, z, track, notch_k, track_state,
                 track_chan, lb_decim, lb_sos, lb_on, lb_zi, lb_z, lb_dec, rms_buf,
                 fstate, runs, gstate, clip_level, clip_run, flat_run, out_filt,
                 out_lowband, out_rms, out_tkeo, out_flags):
    """Run the whole chain over one chunk.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples)
        Raw chunk, any real dtype; multiplied by ``scale`` to get volts.
    sos, enabled, zi_unit, z
        Cascade of band-pass and notch sections, which of them run, their
        unit steady-state and their live state (n_sections, 2, n_channels).
        The notch rows of ``sos`` are rewritten by the mains tracker.
    track, notch_k, track_state, track_chan
        Mains tracker (:mod:`~emgspasm.engine.dsp._mains_track`): its
        parameters, the harmonic each ``sos`` row notches (0: none or not
        tracked), its global and per-channel state.
    lb_decim, lb_sos, lb_on, lb_zi, lb_z, lb_dec
        Artefact band of the raw signal: decimation factor, band-pass
        sections at the decimated rate, their enabled mask (all on), unit
        state, live state, and a (MAX_BLOCK, n_channels) work buffer.
    rms_buf : ndarray, shape (window, n_channels)
        Ring buffer of squared samples.
    fstate, runs, gstate
        Per-channel float state, run lengths of equal samples, global state.
    clip_level, clip_run, flat_run
        Clipping level (V, 0 = off), equal samples at the extreme that mean
        clipping, equal samples that mean a flat channel.
    out_filt, out_lowband, out_rms, out_tkeo, out_flags : ndarray
        Outputs of shape (n_samples, n_channels), written in place.
    """
    n_ch, n = x.shape
    block = block_length(n_ch)
    tracking = track[_mains_track.P_F0] > 0.0
    every = int(track[_mains_track.P_EVERY])
    split = int(track[_mains_track.P_FIRST_NOTCH])
    start = 0
    while start < n:
        m = min(block, n - start)
        if tracking:
            # blocks end where the notches are retuned
            m = min(m, every - gstate[G_TRACK_N])
        # every stage works in place on this block of the output arrays
        filt = out_filt[start:start + m]
        low = out_lowband[start:start + m]
        _repair_block(x, scale, start, m, fstate, runs, clip_level, clip_run,
                      flat_run, filt, low, out_flags)
        seed = gstate[G_STARTED] == 0
        if seed:
            gstate[G_STARTED] = 1
            _seed(z, zi_unit, filt[0])
            _seed(lb_z, lb_zi, low[0])
        _cascade_block(sos[:split], enabled[:split], z[:split], filt, m)
        if tracking:
            _mains_track.track_block(filt, m, track, track_state, track_chan)
        _cascade_block(sos[split:], enabled[split:], z[split:], filt, m)
        if tracking:
            gstate[G_TRACK_N] += m
            if gstate[G_TRACK_N] == every:
                gstate[G_TRACK_N] = 0
                _mains_track.retune(sos, notch_k, track, track_state, track_chan)
        _artifact_band_block(low, m, lb_decim, lb_sos, lb_on, lb_z, fstate,
                             gstate, lb_dec)
        _envelope_block(filt, start, m, rms_buf, fstate, gstate, out_rms, out_tkeo)
        start += m


@jit
def _artifact_band_block(low, m, decim, sos, enabled, z, fstate, gstate, dec):
    # average groups of ``decim`` samples (a boxcar), filter the averages at
    # the decimated rate and hold each output until the next; groups are
    # counted from the stream's first sample, so block boundaries do not matter
    if decim == 1:
        _cascade_block(sos, enabled, z, low, m)
        return
    n_ch = low.shape[1]
    inv_decim = 1.0 / decim
    total = fstate[F_LB_SUM]
    hold = fstate[F_LB_HOLD]
    first_phase = gstate[G_LB_PHASE]
    phase = first_phase
    k = 0
    for i in range(m):
        row = low[i]
        for c in range(n_ch):
            total[c] += row[c]
        phase += 1
        if phase == decim:
            phase = 0
            averaged = dec[k]
            for c in range(n_ch):
                averaged[c] = total[c] * inv_decim
                total[c] = 0.0
            k += 1
    _cascade_block(sos, enabled, z, dec, k)
    phase = first_phase
    k = 0
    for i in range(m):
        phase += 1
        if phase == decim:
            phase = 0
            filtered = dec[k]
            for c in range(n_ch):
                hold[c] = filtered[c]
            k += 1
        row = low[i]
        for c in range(n_ch):
            row[c] = hold[c]
    gstate[G_LB_PHASE] = phase


@jit
def _repair_block(x, scale, start, m, fstate, runs, clip_level, clip_run,
                  flat_run, buf, raw, out_flags):
    # one channel at a time, its state in registers, its input row contiguous
    for c in range(x.shape[0]):
        hold = fstate[F_HOLD, c]
        last = fstate[F_LAST, c]
        maxabs = fstate[F_MAXABS, c]
        run = runs[c]
        for i in range(m):
            v = x[c, start + i] * scale
            flag = np.uint8(0)
            if not np.isfinite(v):
                flag |= FLAG_NONFINITE
                v = hold
                run = 0
            else:
                run = run + 1 if (v == last and run > 0) else 1
                last = v
                hold = v
                a = abs(v)
                if a > maxabs:
                    maxabs = a
                if clip_level > 0.0 and a >= clip_level:
                    flag |= FLAG_CLIPPED
                elif run >= clip_run and a > 0.0 and a >= maxabs:
                    flag |= FLAG_CLIPPED
                if run >= flat_run:
                    flag |= FLAG_FLAT
            out_flags[start + i, c] = flag
            buf[i, c] = v
            raw[i, c] = v
        fstate[F_HOLD, c] = hold
        fstate[F_LAST, c] = last
        fstate[F_MAXABS, c] = maxabs
        runs[c] = run


@jit
def _envelope_block(filt, start, m, rms_buf, fstate, gstate, out_rms, out_tkeo):
    # samples outer, channels inner, rows contiguous so the channel loops
    # vectorise; one short loop per stage keeps each loop's arrays few enough
    # for the compiler to prove they do not overlap
    n_ch = filt.shape[1]
    # TKEO from the block's own rows; only the first two need the state
    y1 = fstate[F_Y1]
    y2 = fstate[F_Y2]
    for i in range(m):
        row = filt[i]
        o_tkeo = out_tkeo[start + i]
        if i >= 2:
            p1 = filt[i - 1]
            p2 = filt[i - 2]
            for c in range(n_ch):
                o_tkeo[c] = p1[c] * p1[c] - row[c] * p2[c]
        else:
            for c in range(n_ch):
                o_tkeo[c] = y1[c] * y1[c] - row[c] * y2[c]
                y2[c] = y1[c]
                y1[c] = row[c]
    if m > 2:
        for c in range(n_ch):
            y2[c] = filt[m - 2, c]
            y1[c] = filt[m - 1, c]
    _moving_rms(filt, start, m, rms_buf, fstate[F_RMS_SUM], gstate, out_rms)


@jit
def _moving_rms(filt, start, m, rms_buf, total, gstate, out_rms):
    window = rms_buf.shape[0]
    inv_window = 1.0 / window
    n_ch = filt.shape[1]
    pos = gstate[G_RMS_POS]
    for i in range(m):
        row = filt[i]
        ring = rms_buf[pos]
        for c in range(n_ch):
            sq = row[c] * row[c]
            total[c] += sq - ring[c]
            ring[c] = sq
        pos += 1
        if pos == window:
            # exact re-sum once per window so rounding never accumulates
            pos = 0
            for c in range(n_ch):
                total[c] = 0.0
            for k in range(window):
                ring = rms_buf[k]
                for c in range(n_ch):
                    total[c] += ring[c]
        o_rms = out_rms[start + i]
        for c in range(n_ch):
            o_rms[c] = np.sqrt(max(total[c], 0.0) * inv_window)
    gstate[G_RMS_POS] = pos


@jit
def _rotate(phasor, step):
    re = phasor[0] * step[0] - phasor[1] * step[1]
    phasor[1] = phasor[0] * step[1] + phasor[1] * step[0]
    phasor[0] = re


@jit
def mains_probe_kernel(x, scale, offset, total, rot, step, win_rot, win_step, acc):
    """Accumulate a Hann-windowed DFT over the first ``total`` samples of a stream.

    Phasors advance by complex multiplication (no trigonometry per sample).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples)
        Raw samples; only the first ``total - offset`` are used.
    offset : int
        Index of ``x[:, 0]`` in the stream.
    rot, step : ndarray, shape (n_freqs, 2)
        Current phasor (cos, sin) of every probe frequency and its per-sample
        rotation.
    win_rot, win_step : ndarray, shape (2,)
        The same for the Hann window's cosine.
    acc : ndarray, shape (n_freqs, 2, n_channels)
        Real and imaginary sums, updated in place.

    Returns
    -------
    used : int
        How many samples of ``x`` were consumed.
    """
    n_ch, n = x.shape
    used = min(n, total - offset)
    for i in range(used):
        w = 0.5 - 0.5 * win_rot[0]
        for f in range(rot.shape[0]):
            cs = rot[f, 0] * w
            sn = rot[f, 1] * w
            for c in range(n_ch):
                v = x[c, i] * scale
                if np.isfinite(v):
                    acc[f, 0, c] += v * cs
                    acc[f, 1, c] -= v * sn
            _rotate(rot[f], step[f])
        _rotate(win_rot, win_step)
    return used
