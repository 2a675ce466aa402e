"""Surface EMG of one muscle built from motor-unit action potentials.

Every muscle signal here is a sum of motor-unit action potential (MUAP)
trains: no shaped noise. The parameters and where they come from:

* MUAP shape: a mix of the first two Hermite-Rodriguez functions, the usual
  analytic model of surface MUAPs (Lo Conte, Merletti & Sandri 1994, IEEE
  Trans Biomed Eng 41:1257). Width parameter 1.2-3 ms gives 6-15 ms
  potentials with spectral peaks at 75-190 Hz, as measured at the skin.
* Pool: 120 units whose recruitment thresholds and amplitudes grow
  exponentially across the pool (Fuglevand, Winter & Patla 1993,
  J Neurophysiol 70:2470: recruitment range 30x, most units low-threshold,
  last unit recruited at ~60 % of maximal excitation).
* Rate coding: 8 pps at recruitment, +40 pps per unit of excitation above
  threshold, 35 pps at most, inter-spike-interval CV 0.2 (Fuglevand 1993).
* Clonus: every recruited unit fires about once per cycle (a synchronous
  volley, jitter 8 ms; 30 % fire a second spike 8-20 ms later), at 3-8 Hz;
  after spinal cord injury clonus runs at about 4.7-7 Hz (Beres-Jones et
  al. 2003, Exp Brain Res 149:222; Wallace et al. 2005, J Neurophysiol).
* Fasciculations: one discharge (or a doublet 5-15 ms apart) of a single,
  usually large unit; surface fasciculation potentials are of the order of
  0.1-1 mV (Mills 2010, Brain 133:3458).
"""

import numpy as np

N_UNITS = 120
RECRUITMENT_RANGE = 30.0
LAST_RECRUITED = 0.6
MIN_RATE, RATE_GAIN, PEAK_RATE, ISI_CV = 8.0, 40.0, 35.0, 0.2


def muap(sfreq, width_s, mix):
    """One MUAP waveform with unit peak magnitude.

    Parameters
    ----------
    sfreq : float
    width_s : float
        Hermite-Rodriguez width parameter (s).
    mix : float
        Angle (rad) mixing the first (biphasic) and second (triphasic)
        Hermite-Rodriguez functions.

    Returns
    -------
    wave : ndarray
        Samples spanning +/- 3 widths.
    """
    half = max(2, int(np.ceil(3 * width_s * sfreq)))
    t = np.arange(-half, half + 1) / sfreq / width_s
    gauss = np.exp(-t ** 2)
    hr1 = t * gauss / 0.4289  # peak magnitudes of the two functions
    hr2 = (1 - 2 * t ** 2) * gauss
    wave = np.cos(mix) * hr1 + np.sin(mix) * hr2
    return wave / np.max(np.abs(wave))


def active_extent(wave, fraction=0.1):
    """First and last sample where ``|wave|`` exceeds ``fraction`` of its peak."""
    idx = np.flatnonzero(np.abs(wave) >= fraction * np.max(np.abs(wave)))
    return idx[0], idx[-1]


class MotorUnitPool:
    """The motor units under one electrode pair.

    Parameters
    ----------
    sfreq : float
    rng : numpy.random.Generator
    """

    def __init__(self, sfreq, rng):
        self.sfreq = sfreq
        i = np.arange(N_UNITS)
        growth = np.exp(np.log(RECRUITMENT_RANGE) * i / (N_UNITS - 1))
        self.thresholds = (growth - 1) / (RECRUITMENT_RANGE - 1) * LAST_RECRUITED
        self.amplitudes = growth / RECRUITMENT_RANGE
        widths = rng.uniform(1.2e-3, 2.2e-3, N_UNITS) + 0.8e-3 * i / N_UNITS
        self.waves = [muap(sfreq, w, rng.uniform(0, np.pi / 2))
                      * rng.choice([-1.0, 1.0]) for w in widths]

    def render(self, spikes, n):
        """Sum the MUAP trains of ``spikes`` (list of sample-index arrays)."""
        out = np.zeros(n)
        for unit, idx in enumerate(spikes):
            if len(idx) == 0:
                continue
            train = np.zeros(n)
            np.add.at(train, idx[(idx >= 0) & (idx < n)], 1.0)
            wave = self.waves[unit] * self.amplitudes[unit]
            half = len(wave) // 2
            out += np.convolve(train, wave)[half:half + n]
        return out

    def tonic_spikes(self, excitation, rng):
        """Rate-coded discharges for an excitation profile (0-1 per sample).

        Returns
        -------
        spikes : list of ndarray
            Discharge sample indices per unit.
        """
        n = len(excitation)
        spikes = []
        for thr in self.thresholds:
            above = excitation > thr
            if not above.any():
                spikes.append(np.empty(0, dtype=int))
                continue
            times = []
            t = int(np.flatnonzero(above)[0]) + int(rng.integers(0, 0.05 * self.sfreq))
            while t < n:
                if excitation[t] > thr:
                    rate = min(PEAK_RATE, MIN_RATE + RATE_GAIN * (excitation[t] - thr))
                    times.append(t)
                    isi = rng.normal(1.0 / rate, ISI_CV / rate)
                    t += max(int(0.5 / PEAK_RATE * self.sfreq), int(isi * self.sfreq))
                else:
                    t += max(1, int(0.005 * self.sfreq))
            spikes.append(np.array(times, dtype=int))
        return spikes

    def clonic_spikes(self, cycle_times, levels, rng):
        """Synchronous volleys, one per clonus cycle.

        Parameters
        ----------
        cycle_times : ndarray
            Sample index of each cycle's volley.
        levels : ndarray
            Excitation (0-1) of each cycle: units below it fire.
        """
        spikes = [[] for _ in range(N_UNITS)]
        jitter = 0.008 * self.sfreq
        for t0, level in zip(cycle_times, levels):
            for unit in np.flatnonzero(self.thresholds < level):
                t = t0 + rng.normal(0, jitter)
                spikes[unit].append(int(t))
                if rng.random() < 0.3:
                    spikes[unit].append(int(t + rng.uniform(0.008, 0.02) * self.sfreq))
        return [np.array(s, dtype=int) for s in spikes]


def spasm_excitation(n, sfreq, level, rng):
    """Excitation of a tonic spasm: rise, a fluctuating plateau, decay."""
    t = np.arange(n) / sfreq
    rise = rng.uniform(0.05, 0.25)
    fall = rng.uniform(0.1, 0.4)
    dur = n / sfreq
    shape = np.clip(t / rise, 0, 1) * np.clip((dur - t) / fall, 0, 1)
    wobble = 1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.2, 1.0) * t
                               + rng.uniform(0, 2 * np.pi))
    return level * shape * wobble
