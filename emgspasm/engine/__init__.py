"""The streaming engine: configuration, DSP chain, detector and events."""
