"""Following the mains frequency, so the notches stay on its lines.

The grid's frequency wanders: by a few hundredths of a hertz from minute to
minute, by up to 0.2 Hz under load, and a harmonic k wanders k times as
far. A notch of the fundamental's bandwidth (1.7 Hz at Q 30) passes about a
quarter of a line 0.2 Hz off its centre, and almost all of a 7th harmonic
1.4 Hz off: on a wearable picking up 200 µV of mains that is tens of µV,
several times the sensor noise, swelling and fading as the grid drifts.

So after the decision the chain measures the offset and moves the notches
to ``k (f0 + offset)``:

* the band-passed signal (before the notches) of every channel is mixed down
  by the nominal fundamental ``f0`` and low-passed (two one-pole stages at
  ``LOWPASS_HZ``): what remains is the line's phasor, turning at the offset;
* every ``RETUNE_S`` the phasors' turn since the last retune, summed over
  channels (so the channels with the most mains weigh most), measures the
  offset as it was a low-pass delay ago;
* an alpha-beta tracker (offset and its rate of change, ``TRACK_S``) follows
  those measurements, so a steady drift is followed without lag; while
  broadband activity (a spasm) swamps a channel's line in the low-pass's
  band (line under ``LINE_SNR`` times it) that channel is left out, and
  when every channel is, the notches stay where they are;
* the notch sections are redesigned there (same bandwidth, new centre).

Retunes fall on fixed stream samples (every ``RETUNE_S`` from the decision),
and the chain cuts its blocks there, so any split of a stream still gives
identical output.
"""

import math

import numpy as np

from ..._numba import jit

#: The phasor's low-pass: it passes offsets of a few tenths of a hertz and
#: keeps out most muscle and noise, baseline wander (at ``f0`` after
#: mixing) and the other harmonics (at multiples of ``f0``).
LOWPASS_HZ = 2.0
#: Notches are redesigned this often; the phase turn over it measures the offset.
RETUNE_S = 0.05
#: Response time of the alpha-beta tracker (critically damped): the grid
#: drifts over seconds, and the phase of a line under noise jitters.
TRACK_S = 0.3
#: The line's phasor power must exceed this many times the broadband power
#: in the low-pass's band for its phase to be trusted (20 dB: a phase error
#: of about 0.1 rad).
LINE_SNR = 100.0
#: Grid frequencies stay within 0.5 Hz of nominal outside emergencies
#: (ENTSO-E and NERC operating limits are tighter still), and change by
#: well under 1 Hz/s.
MAX_OFFSET_HZ, MAX_RATE_HZ_S = 0.5, 1.0

# Entries of the tracker's parameter vector.
P_F0 = 0        # nominal mains frequency (Hz); 0: no tracking
P_FS = 1        # sampling rate (Hz)
P_LOWPASS = 2   # one-pole coefficient of each low-pass stage
P_ALPHA = 3     # alpha-beta tracker's gains
P_BETA = 4
P_BANDWIDTH = 5  # notch bandwidth (Hz)
P_EVERY = 6     # samples between retunes
P_FIRST_NOTCH = 7  # first cascade row after the band-pass
P_NOISE_SHARE = 8  # share of the band's broadband power that the low-pass passes
N_PARAMS = 9

# Entries of the tracker's global state.
S_COS = 0       # mixing oscillator, cos and sin of the phase
S_SIN = 1
S_OFFSET = 2    # tracked offset (Hz)
S_RATE = 3      # its rate of change (Hz/s)
N_STATE = 4

# Rows of its per-channel state.
C_RE1, C_IM1, C_RE, C_IM, C_PREV_RE, C_PREV_IM, C_POWER = range(7)
N_CHANNEL_STATE = 7


def params(sfreq, mains_hz, bandwidth_hz, first_notch_row, band_hz):
    """The parameter vector; ``mains_hz`` None or 0 turns tracking off.

    ``band_hz`` is the width of the band-pass (Hz): broadband power spreads
    over it, and the phasor's low-pass (complex, so both sides of the line,
    about ``1.6 x LOWPASS_HZ`` for two one-pole stages) takes its share.
    """
    p = np.zeros(N_PARAMS)
    p[P_F0] = mains_hz or 0.0
    p[P_FS] = sfreq
    p[P_LOWPASS] = 1.0 - math.exp(-2.0 * math.pi * LOWPASS_HZ / sfreq)
    every = max(1, round(RETUNE_S * sfreq))
    theta = math.exp(-every / (TRACK_S * sfreq))
    p[P_ALPHA] = 1.0 - theta ** 2
    p[P_BETA] = (1.0 - theta) ** 2
    p[P_BANDWIDTH] = bandwidth_hz
    p[P_EVERY] = every
    p[P_FIRST_NOTCH] = first_notch_row
    p[P_NOISE_SHARE] = min(1.0, 0.5 * math.pi * LOWPASS_HZ / band_hz)
    return p


def new_state(n_channels):
    """Global and per-channel state at the start of a stream."""
    state = np.zeros(N_STATE)
    state[S_COS] = 1.0
    return state, np.zeros((N_CHANNEL_STATE, n_channels))


@jit
def track_block(y, m, prm, state, chan):
    """Mix ``y[:m]`` (band-passed, samples x channels) down to the phasors."""
    a = prm[P_LOWPASS]
    w = 2.0 * math.pi * prm[P_F0] / prm[P_FS]
    step_c, step_s = math.cos(w), math.sin(w)
    lo_c, lo_s = state[S_COS], state[S_SIN]
    n_ch = y.shape[1]
    for i in range(m):
        row = y[i]
        for c in range(n_ch):
            v = row[c]
            re1 = chan[C_RE1, c] + a * (v * lo_c - chan[C_RE1, c])
            im1 = chan[C_IM1, c] + a * (-v * lo_s - chan[C_IM1, c])
            chan[C_RE1, c] = re1
            chan[C_IM1, c] = im1
            chan[C_RE, c] += a * (re1 - chan[C_RE, c])
            chan[C_IM, c] += a * (im1 - chan[C_IM, c])
            chan[C_POWER, c] += a * (v * v - chan[C_POWER, c])
        # turn the oscillator, holding it on the unit circle
        nc = lo_c * step_c - lo_s * step_s
        ns = lo_s * step_c + lo_c * step_s
        g = 1.5 - 0.5 * (nc * nc + ns * ns)
        lo_c = nc * g
        lo_s = ns * g
    state[S_COS] = lo_c
    state[S_SIN] = lo_s


@jit
def retune(sos, notch_k, prm, state, chan):
    """Measure the offset from the phasors' turn and move the notches."""
    acc_re = 0.0
    acc_im = 0.0
    share = LINE_SNR * prm[P_NOISE_SHARE]
    for c in range(chan.shape[1]):
        re, im = chan[C_RE, c], chan[C_IM, c]
        pre, pim = chan[C_PREV_RE, c], chan[C_PREV_IM, c]
        chan[C_PREV_RE, c] = re
        chan[C_PREV_IM, c] = im
        # a line of phasor P carries 2 |P|^2 of the channel's power; the
        # channel counts only while its line stands out of the rest
        phasor2 = re * re + im * im
        if phasor2 > share * max(0.0, chan[C_POWER, c] - 2.0 * phasor2):
            acc_re += re * pre + im * pim
            acc_im += im * pre - re * pim
    fs = prm[P_FS]
    dt = prm[P_EVERY] / fs
    offset = state[S_OFFSET]
    rate = state[S_RATE]
    if acc_re != 0.0 or acc_im != 0.0:
        # the turn shows the offset of a low-pass delay ago (two stages)
        delay = 1.0 / (math.pi * LOWPASS_HZ)
        measured = math.atan2(acc_im, acc_re) / (2.0 * math.pi * dt) + rate * delay
        offset += rate * dt
        residual = measured - offset
        offset += prm[P_ALPHA] * residual
        rate += prm[P_BETA] * residual / dt
    state[S_RATE] = min(MAX_RATE_HZ_S, max(-MAX_RATE_HZ_S, rate))
    state[S_OFFSET] = min(MAX_OFFSET_HZ, max(-MAX_OFFSET_HZ, offset))
    mains = prm[P_F0] + state[S_OFFSET]
    half_bw = math.pi * prm[P_BANDWIDTH] / fs
    gain = 1.0 / (1.0 + math.tan(half_bw))
    for s in range(sos.shape[0]):
        k = notch_k[s]
        if k > 0:
            # scipy.signal.iirnotch's design at the moved centre
            cw = math.cos(2.0 * math.pi * k * mains / fs)
            sos[s, 0] = gain
            sos[s, 1] = -2.0 * gain * cw
            sos[s, 2] = gain
            sos[s, 3] = 1.0
            sos[s, 4] = -2.0 * gain * cw
            sos[s, 5] = 2.0 * gain - 1.0
