"""The ``measured`` family: recordings built from pieces of real ones.

Ground truth from a world the detector was not tuned on. The noise floor
is real surface-EMG noise and the motor-unit potentials are real needle
potentials brought to a surface-like spectrum (:mod:`._measured_material`,
shipped in ``data/measured_material.npz``; sources and licences in
``data/LICENSES.md``); pops (five shapes, among them brief bipolar spikes
and real contact transients), motion, drifting mains with harmonics up to
the 7th, wander and leads-off are the family's own
(:mod:`._measured_nuisance`), and so is the ECG (McSharry's dynamical
model, :mod:`._ecgsyn`). Events are scheduled and fired as in
:mod:`._schedule` and :mod:`._firing`. No waveform is shared with the
``muap`` family (:mod:`.scenario`) or the ``volume`` one.
"""

from . import _ecgsyn, _measured_material, _measured_nuisance
from ._compose import FamilySimulator, Kit

#: Mixed into the seed, so that families differ for the same seed.
FAMILY_KEY = 2

KIT = Kit(motor_units=_measured_material.motor_units,
          noise_floor=_measured_material.noise_floor,
          grid=_measured_nuisance.grid, mains=_measured_nuisance.mains,
          wander=_measured_nuisance.wander, pop=_measured_nuisance.pop,
          motion=_measured_nuisance.motion, ecg=_ecgsyn.ecg,
          leads_off=_measured_nuisance.leads_off)


#: ``simulate(scenario=None, **changes)``: one recording of the ``measured`` family.
simulate = FamilySimulator("measured", KIT, FAMILY_KEY)
