"""Every simulator family under one name, to score a detector world by world.

============ =================================================================
``muap``     :mod:`.scenario`: Hermite-Rodriguez motor-unit potentials, the
             world the detector was tuned on.
``volume``   :mod:`.volume`: potentials from a volume-conductor model of
             fibres under a bipolar surface electrode, and its own nuisances.
``measured`` :mod:`.measured`: real noise, real motor-unit potentials and
             real contact transients cut from public recordings, with its
             own artefacts, mains and a dynamical-model ECG.
============ =================================================================

All take a :class:`~.scenario.Scenario` and return a
:class:`~.scenario.SimulatedRecording` with the same truth labels.
"""

from ..._check import check_option
from . import measured, volume
from .scenario import simulate as simulate_muap

FAMILIES = {"muap": simulate_muap, "volume": volume.simulate, "measured": measured.simulate}


def simulate_family(name, scenario=None, **changes):
    """Simulate one recording with the family ``name``.

    Parameters
    ----------
    name : str
        ``"muap"``, ``"volume"`` or ``"measured"``.
    scenario : Scenario | None
        The recording to make; None means the defaults.
    **changes
        Fields of :class:`~.scenario.Scenario` to change.

    Returns
    -------
    recording : SimulatedRecording

    Raises
    ------
    ConfigError
        For an unknown family, naming the ones there are.
    """
    check_option("family", name, tuple(FAMILIES))
    return FAMILIES[name](scenario, **changes)
