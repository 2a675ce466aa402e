"""Ground-truth simulator of surface EMG with spasms, fasciculations and nuisances."""

from .scenario import Scenario, SimulatedRecording, simulate

__all__ = ["Scenario", "SimulatedRecording", "simulate"]
