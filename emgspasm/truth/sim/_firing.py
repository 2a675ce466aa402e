"""Who fires when: recruitment, rate coding and clonic volleys.

Used by the ``volume`` and ``measured`` families (the ``muap`` family has
its own, in ``_muscle.py``). Every value is drawn per channel:

* Recruitment by size (Henneman, Somjen & Carpenter 1965, J Neurophysiol
  28:560): thresholds grow as a power (1.5-3) of the rank, the last unit
  recruited at 50-85 % of the excitation range.
* Rate coding in "onion skins" (De Luca & Hostage 2010, J Neurophysiol
  104:1034): every unit starts at 6-10 pps and gains 25-60 pps per unit of
  excitation above its threshold, up to a peak rate that falls from 30-45
  pps for the first unit to 15-25 pps for the last.
* Discharges are a renewal process with gamma-distributed intervals of CV
  0.1-0.3 (Clamann 1969, Biophys J 9:1233), drawn by time rescaling of the
  rate, so a whole spasm is vectorised per unit.
* Clonus: every unit whose threshold is below the cycle's excitation fires
  once per cycle around the cycle's time, dispersed by the spasm's
  dispersion; 0-40 % (per channel) fire a second discharge 5-25 ms later
  (Wallace, Ross & Thomas 2005, J Appl Physiol 99:2166: motor units fire
  about once per clonic cycle). Cycles follow a drifting frequency with a
  slow wobble (up to 0.4 Hz, 1-4 s), within 3-8 Hz, and 3 % cycle-to-cycle
  jitter.
"""

import numpy as np

#: Time step (s) of excitation profiles and discharge-rate integration.
GRID_S = 0.001


class FiringPool:
    """Recruitment and rate coding of the motor units of one channel.

    Parameters
    ----------
    n_units : int
        Units, in recruitment order (smallest first).
    rng : numpy.random.Generator
    """

    def __init__(self, n_units, rng):
        rank = np.arange(1, n_units + 1) / n_units
        self.thresholds = rng.uniform(0.5, 0.85) * rank ** rng.uniform(1.5, 3.0)
        self.min_rate = rng.uniform(6.0, 10.0)
        self.gain = rng.uniform(25.0, 60.0)
        self.peak_rates = np.linspace(rng.uniform(30.0, 45.0), rng.uniform(15.0, 25.0),
                                      n_units)
        self.isi_cv = rng.uniform(0.1, 0.3)
        self.repeat_p = rng.uniform(0.0, 0.4)

    def tonic(self, excitation, rng):
        """Rate-coded discharges for an excitation profile.

        Parameters
        ----------
        excitation : ndarray
            Excitation (0-1) every ``GRID_S`` from the profile's start.
        rng : numpy.random.Generator

        Returns
        -------
        times : list of ndarray
            Discharge times (s from the profile's start), per unit.
        """
        shape = 1.0 / self.isi_cv ** 2
        out = []
        for threshold, peak in zip(self.thresholds, self.peak_rates):
            drive = excitation - threshold
            rate = np.where(drive > 0, np.minimum(self.min_rate + self.gain * drive, peak),
                            0.0)
            phase = np.concatenate([[0.0], np.cumsum(rate) * GRID_S])
            total = phase[-1]
            count = int(total + 6 * np.sqrt(total) + 10)
            targets = rng.uniform() + np.concatenate(
                [[0.0], np.cumsum(rng.gamma(shape, 1.0 / shape, count - 1))])
            targets = targets[targets < total]
            k = np.searchsorted(phase, targets)
            frac = (targets - phase[k - 1]) / (phase[k] - phase[k - 1])
            out.append((k - 1 + frac) * GRID_S)
        return out

    def volleys(self, cycle_times, levels, dispersion_s, rng):
        """Clonic volleys: one discharge per recruited unit per cycle.

        Parameters
        ----------
        cycle_times : ndarray
            Time (s) of each cycle's volley.
        levels : ndarray
            Excitation (0-1) of each cycle: units below it fire.
        dispersion_s : float
            Standard deviation of the discharge times around the cycle's.
        rng : numpy.random.Generator

        Returns
        -------
        times : list of ndarray
            Discharge times (s), per unit.
        """
        out = []
        for threshold in self.thresholds:
            t = cycle_times[levels > threshold]
            t = t + rng.normal(0.0, dispersion_s, len(t))
            again = rng.random(len(t)) < self.repeat_p
            second = t[again] + rng.uniform(0.005, 0.025, int(again.sum()))
            out.append(np.sort(np.concatenate([t, second])))
        return out


def clonus_cycles(length_s, start_hz, end_hz, rng):
    """Volley times of a clonus whose frequency drifts from ``start_hz`` to ``end_hz``.

    Returns
    -------
    times : ndarray
        Cycle times (s from the clonus's start), within ``0..length_s``.
    """
    t = np.arange(0.0, length_s, GRID_S)
    wobble = rng.uniform(0.0, 0.4) * np.sin(2 * np.pi * t / rng.uniform(1.0, 4.0)
                                            + rng.uniform(0, 2 * np.pi))
    freq = np.clip(start_hz + (end_hz - start_hz) * t / length_s + wobble, 3.0, 8.0)
    phase = rng.uniform(0.1, 0.6) + np.cumsum(freq) * GRID_S
    cycles = t[np.flatnonzero(np.diff(np.floor(phase)) > 0) + 1]
    jitter = rng.normal(0.0, 0.03, len(cycles)) / np.interp(cycles, t, freq)
    return np.clip(cycles + jitter, 0.0, length_s)
