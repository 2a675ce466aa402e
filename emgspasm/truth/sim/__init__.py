"""Ground-truth simulators of surface EMG with spasms, fasciculations and nuisances.

Three families of independent material share one :class:`Scenario` and the
same truth labels (see :mod:`.families`): ``muap`` (:func:`simulate`, the
world the detector was tuned on), ``volume`` and ``measured``.
"""

from .families import FAMILIES, simulate_family
from .scenario import Scenario, SimulatedRecording, simulate

__all__ = ["FAMILIES", "Scenario", "SimulatedRecording", "simulate", "simulate_family"]
