"""Slow, obviously correct reference versions of the kernels.

Plain numpy and scipy.signal, sample loops where that is clearest. The tests
compare the numba kernels to these (the habit of stumpy's tests/naive.py).
"""

from itertools import pairwise

import numpy as np
from scipy import signal

from emgspasm.engine.dsp import _mains_track

FLAG_NONFINITE, FLAG_CLIPPED, FLAG_FLAT = 1, 2, 4


def repair_and_flag(x, clip_level, clip_run, flat_run):
    """Hold the last finite sample over NaN/Inf and compute quality flags."""
    n_ch, n = x.shape
    out = np.zeros((n_ch, n))
    flags = np.zeros((n_ch, n), dtype=np.uint8)
    for c in range(n_ch):
        hold, last, run, maxabs = 0.0, 0.0, 0, 0.0
        for i in range(n):
            v = x[c, i]
            if not np.isfinite(v):
                flags[c, i] |= FLAG_NONFINITE
                v, run = hold, 0
            else:
                run = run + 1 if (run > 0 and v == last) else 1
                last = hold = v
                maxabs = max(maxabs, abs(v))
                if clip_level > 0 and abs(v) >= clip_level:
                    flags[c, i] |= FLAG_CLIPPED
                elif run >= clip_run and abs(v) > 0 and abs(v) >= maxabs:
                    flags[c, i] |= FLAG_CLIPPED
                if run >= flat_run:
                    flags[c, i] |= FLAG_FLAT
            out[c, i] = v
    return out, flags


def cascade(sos_segments, x, track=None):
    """Filter with scipy, seeding at steady state from the first sample.

    ``sos_segments`` is a list of ``(sos_all, enabled_mask, n_samples)``:
    the cascade in force for consecutive stretches (the auto notch switches
    once). The state of every section carries across stretches.

    ``track`` is None or ``(start, sfreq, mains_hz, bandwidth_hz, band_hz,
    harmonics)``: from sample ``start`` on, the mains tracker mixes the
    band-passed signal (the rows before the first with a harmonic number)
    down by ``mains_hz``, measures the line's offset every ``RETUNE_S``
    (when the line stands out of the broadband power), follows it with an
    alpha-beta filter and redesigns the rows with a harmonic number ``k``
    (``harmonics``, one per row, 0 for none) with ``scipy.signal.iirnotch``
    at ``k (mains_hz + offset)``.
    """
    sos_all = np.array(sos_segments[0][0])
    z = signal.sosfilt_zi(sos_all)[:, :, None] * x[:, 0][None, None, :]
    out = np.empty_like(x)
    n_ch, n = x.shape
    ends, start = [], 0
    for _, enabled, count in sos_segments:
        start += count
        ends.append(start)
    cuts = set(ends)
    if track is not None:
        t0, fs, f0, bw_hz, band_hz, harmonics = track
        mt = _mains_track
        harmonics = np.asarray(harmonics)
        every = max(1, round(mt.RETUNE_S * fs))
        dt = every / fs
        cuts |= set(range(t0, n, every))
        first_notch = int(np.flatnonzero(harmonics)[0])
        a = 1.0 - np.exp(-2.0 * np.pi * mt.LOWPASS_HZ / fs)
        theta = np.exp(-dt / mt.TRACK_S)
        alpha, beta = 1 - theta ** 2, (1 - theta) ** 2
        share = min(1.0, 0.5 * np.pi * mt.LOWPASS_HZ / band_hz)
        p1 = np.zeros(n_ch, complex)
        p = np.zeros(n_ch, complex)
        power = np.zeros(n_ch)
        prev = np.zeros(n_ch, complex)
        offset = rate = 0.0
    cuts = sorted(c for c in cuts | {0} if c <= n)
    for first, stop in pairwise(cuts):
        enabled = next(en for (_, en, _), end in zip(sos_segments, ends) if first < end)
        y = x[:, first:stop]
        rows = np.flatnonzero(enabled)
        tracking = track is not None and first >= t0
        split = first_notch if tracking else len(sos_all)
        for s in rows[rows < split]:
            y, z[s] = _section(sos_all[s], y, z[s])
        if tracking:
            for i in range(stop - first):
                lo = np.exp(-2j * np.pi * f0 * (first + i - t0) / fs)
                p1 += a * (y[:, i] * lo - p1)
                p += a * (p1 - p)
                power += a * (y[:, i] ** 2 - power)
        for s in rows[rows >= split]:
            y, z[s] = _section(sos_all[s], y, z[s])
        out[:, first:stop] = y
        if tracking and (stop - t0) % every == 0:
            line = np.abs(p) ** 2
            clean = line > mt.LINE_SNR * share * np.maximum(0.0, power - 2 * line)
            acc = np.sum((p * np.conj(prev))[clean])
            prev = p.copy()
            if acc != 0:
                measured = np.angle(acc) / (2 * np.pi * dt) + rate / (np.pi * mt.LOWPASS_HZ)
                offset += rate * dt
                offset, rate = offset + alpha * (measured - offset), \
                    rate + beta * (measured - offset) / dt
            rate = float(np.clip(rate, -mt.MAX_RATE_HZ_S, mt.MAX_RATE_HZ_S))
            offset = float(np.clip(offset, -mt.MAX_OFFSET_HZ, mt.MAX_OFFSET_HZ))
            for s in np.flatnonzero(harmonics):
                f = harmonics[s] * (f0 + offset)
                b, a_den = signal.iirnotch(f, f / bw_hz, fs=fs)
                sos_all[s] = np.concatenate([b, a_den])
    return out


def _section(row, y, z):
    y, zf = signal.sosfilt(row[None], y, axis=-1, zi=z.T[None])
    return y, zf[0].T


def artifact_band(x, decim, lb_sos):
    """Boxcar-average groups of ``decim`` samples, filter, hold each output."""
    n_ch, n = x.shape
    groups = n // decim
    means = x[:, :groups * decim].reshape(n_ch, groups, decim).mean(axis=-1)
    z = signal.sosfilt_zi(lb_sos)[:, :, None] * x[:, 0][None, None, :]
    y, _ = signal.sosfilt(lb_sos, means, axis=-1, zi=z.transpose(0, 2, 1))
    out = np.zeros_like(x)
    for i in range(n):
        done = (i + 1) // decim
        if done:
            out[:, i] = y[:, done - 1]
    return out


def moving_rms(y, window):
    """RMS over the last ``window`` samples, zeros before the stream."""
    sq = np.concatenate([np.zeros((y.shape[0], window - 1)), y ** 2], axis=1)
    csum = np.cumsum(sq, axis=1)
    total = csum[:, window - 1:] - np.concatenate(
        [np.zeros((y.shape[0], 1)), csum[:, :-window]], axis=1)
    return np.sqrt(np.maximum(total, 0) / window)


def tkeo(y):
    """Teager-Kaiser energy, one sample late: y[n-1]^2 - y[n-2] y[n]."""
    padded = np.concatenate([np.zeros((y.shape[0], 2)), y], axis=1)
    return padded[:, 1:-1] ** 2 - padded[:, :-2] * padded[:, 2:]


def burst_records(y, lowband, tkeo, flags, p, mod_sos):
    """The detector kernel's records for one channel, the plain way.

    The detection envelope is a moving mean of squares computed with a
    cumulative sum, the 3-8 Hz band by scipy, and the burst state machine is
    written out sample by sample as the kernel's docstring describes it.

    Parameters
    ----------
    y, lowband, tkeo : ndarray, shape (n,)
    flags : ndarray of uint8, shape (n,)
    p : a PARAMS row (with ``ring_decay`` and ``ring_mean_frac2`` set)
    mod_sos : ndarray, shape (1, 6)

    Returns
    -------
    records : list of dict
        In the order the kernel writes them.
    """
    n = len(y)
    window, short = int(p["window"]), int(p["short"])
    sq = np.concatenate([np.zeros(window), y ** 2])
    csum = np.cumsum(sq)
    e2 = np.maximum((csum[window:] - csum[:-window]), 0.0) / window
    e_short_sum = csum[window:] - csum[window - short:-short]
    env = np.sqrt(e2)
    bp = signal.sosfilt(mod_sos, env)
    warm_end = 10.0 * p["warm_n"]
    noise_q, nupd, ring, ring_mean, hi = 0.0, 0.0, 0.0, 0.0, 0.0
    lo_bg, lo_n, lo_ref = 0.0, 0.0, 0.0
    sus_active = np.zeros(n, bool)  # the sustained-activity window's samples
    counted = np.zeros(n, bool)  # ... the power test counts
    by_share, by_power, burst_ms = False, False, 0.0
    active, rise, last, quiet, ended, long_ = False, -1, -(1 << 40), 0, False, False
    burst = {}
    seg = dict(mod_bp2=0.0, mod_env=0.0, mod_n=0)
    bad = None
    records = []

    def record(kind, t, onset, offset, **extra):
        rec = dict(kind=kind, t=t, onset=onset, offset=offset, noise=noise_q,
                   active=int(active), lo_bg=lo_ref, **seg)
        rec.update(burst if burst else dict(peak=0.0, peak_t=0, ehi=0.0, elo=0.0, etk=0.0,
                                            n=0, nflag=0, peak_e2=0.0))
        rec.update(extra)
        records.append(rec)

    for t in range(n):
        seg["mod_bp2"] += bp[t] ** 2
        seg["mod_env"] += env[t]
        seg["mod_n"] += 1
        flag = int(flags[t])
        if flag:
            if bad is None:
                bad = [t, t, 0]
            bad[1] = t
            bad[2] |= flag
        elif bad is not None and t - bad[1] > p["bad_merge"]:
            records.append(dict(kind=5, t=t, onset=bad[0], offset=bad[1], bits=bad[2],
                                noise=noise_q, lo_bg=0.0))
            bad = None
        if nupd == 0.0:
            if t + 1 >= window and flag == 0 and e2[t] > 0.0:
                noise_q, hi, nupd = e2[t], e2[t], 1.0
        else:
            noise2 = noise_q / p["qcorr"]
            ring = max(ring * p["ring_decay"], e2[t])
            ring_mean += (1.0 - p["ring_decay"]) * (e2[t] - ring_mean)
            floor2 = max(p["ring_frac2"] * ring, p["ring_mean_frac2"] * ring_mean)
            off_level = max(p["off2"] * noise2, floor2)
            above_off = e2[t] > off_level
            burst_ms *= p["pow_decay"]
            sus_active[t] = flag == 0 and e2[t] > max(hi, floor2)
            counted[t] = flag == 0 and not active and floor2 <= hi
            in_window = slice(max(0, t - p["sus_len"] + 1), t + 1)
            count = sus_active[in_window].sum()
            changed = count >= p["sus_on"] if not by_share else count <= p["sus_off"]
            by_share ^= changed
            quiet_e2 = e2[in_window][counted[in_window]]
            if len(quiet_e2) >= p["pow_min"] and flag == 0:
                level = p["pow_off"] if by_power else p["pow_on"]
                ref = max(noise2, p["pow_rel"] * burst_ms)
                powered = quiet_e2.mean() > level * ref
                changed |= powered != by_power
                by_power = powered
            if changed:
                records.append(dict(kind=7, t=t, onset=t - p["sus_len"] + 1, offset=t,
                                    noise=noise_q, active=int(by_share), bits=int(by_power),
                                    lo_bg=0.0, peak=0.0, peak_t=0, ehi=0.0, elo=0.0,
                                    etk=0.0, n=0, nflag=0, peak_e2=0.0, mod_bp2=0.0,
                                    mod_env=0.0, mod_n=0))
            if not active and not above_off:
                rise = -1
            else:
                if not active and rise < 0:
                    rise, last, ended, long_ = t, t, False, False
                    lo_ref = lo_bg
                    burst = dict(peak=0.0, peak_t=0, ehi=0.0, elo=0.0, etk=0.0, n=0,
                                 nflag=0, peak_e2=0.0)
                if abs(y[t]) > burst["peak"]:
                    burst["peak"], burst["peak_t"] = abs(y[t]), t
                burst["peak_e2"] = max(burst["peak_e2"], e2[t])
                burst["ehi"] += y[t] ** 2
                burst["elo"] += lowband[t] ** 2
                burst["etk"] += tkeo[t]
                burst["n"] += 1
                burst["nflag"] += flag != 0
                if above_off:
                    last, quiet = t, 0
                else:
                    quiet += 1
                offset = last - (window - 1)
                if not active:
                    if e2[t] > max(p["on2"] * noise2, floor2):
                        active, quiet = True, 0
                        record(1, t, rise, offset)
                else:
                    if not long_ and above_off and offset - rise + 1 > p["fasc_max"]:
                        long_ = True
                        record(2, t, rise, offset)
                    strong_end = (burst["peak_e2"] > 4.0 * p["on2"] * noise2
                                  and e_short_sum[t] < short * off_level)
                    if not long_ and not ended and (quiet == 1 or strong_end):
                        ended = True
                        record(6, t, rise, offset if quiet == 1 else t - short)
                    elif not long_ and not ended and t - rise + 1 == p["due"]:
                        record(8, t, rise, offset)
                    if quiet >= p["hangover"]:
                        active = False
                        burst_ms = max(burst_ms, burst["ehi"] / burst["n"])
                        record(4, t, rise, offset)
                        rise = -1
            if flag == 0:
                busy = active or rise >= 0
                rate = p["eta_up"]
                if nupd < warm_end:
                    rate *= 1.0 + p["warm_gain"] * np.exp(-nupd / p["warm_n"])
                if busy:
                    rate *= p["active_rate"]
                step = rate if e2[t] > noise_q else -rate * p["down_ratio"]
                noise_q *= np.exp(step)
                if (by_share or by_power) and not busy:
                    rate *= p["active_rate"]
                hi *= np.exp(rate * p["hi_up"] if e2[t] > hi else -rate)
                nupd += 1.0
                if not busy:  # the 2-20 Hz background: median of its square
                    lb2 = lowband[t] ** 2
                    if lo_n == 0.0:
                        if lb2 > 0.0:
                            lo_bg, lo_n = lb2, 1.0
                    else:
                        lo_n += 1.0
                        step = max(1.0 / lo_n, 4.0 / p["lo_span"])
                        lo_bg *= np.exp(step if lb2 > lo_bg else -step)
        if (t + 1) % p["segment"] == 0:
            if active or by_share or by_power or (t - last <= p["recent"] and nupd > 0):
                record(3, t, rise, last - (window - 1))
            seg = dict(mod_bp2=0.0, mod_env=0.0, mod_n=0)
    return records
