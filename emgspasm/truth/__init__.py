"""Ground truth: simulators, the scorer and the evaluation of the detector."""
