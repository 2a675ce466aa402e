"""The ``volume`` family: motor-unit potentials from a volume-conductor model.

Ground truth from a world the detector was not tuned on. Muscle signal is
the sum of motor-unit potentials computed from the physics of fibres in a
volume conductor seen by a bipolar surface electrode
(:mod:`._volume_conductor`: 50-100 units per channel at 2-15 mm depth,
potentials 5-25 ms wide, smaller and wider with depth); the sensor's noise,
mains, wander, pops, motion, ECG and leads-off are the family's own
(:mod:`._volume_nuisance`); events are scheduled and fired as in
:mod:`._schedule` and :mod:`._firing`. No waveform is shared with the
``muap`` family (:mod:`.scenario`) or the ``measured`` one.
"""

from . import _volume_conductor, _volume_nuisance
from ._compose import FamilySimulator, Kit

#: Mixed into the seed, so that families differ for the same seed.
FAMILY_KEY = 1

KIT = Kit(motor_units=_volume_conductor.motor_units,
          noise_floor=_volume_nuisance.noise_floor,
          grid=_volume_nuisance.grid, mains=_volume_nuisance.mains,
          wander=_volume_nuisance.wander, pop=_volume_nuisance.pop,
          motion=_volume_nuisance.motion, ecg=_volume_nuisance.ecg,
          leads_off=_volume_nuisance.leads_off)


#: ``simulate(scenario=None, **changes)``: one recording of the ``volume`` family.
simulate = FamilySimulator("volume", KIT, FAMILY_KEY)
