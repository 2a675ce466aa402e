"""emgspasm: real-time detection of spasms and fasciculations in surface EMG.

The code follows the data: ``sources`` (recorded files, sensors on a serial
port) feed the ``engine`` (configuration, DSP chain, detector, events), whose
results go to ``outputs`` (event tables, session recordings, annotations,
summaries, reports); ``apps`` are the command line, batch analysis, live
monitoring and the demo; ``truth`` holds the simulators and the scorer.

Importing the package is cheap: numba kernels, scipy, MNE, pyserial and
matplotlib load only when the code that needs them runs. The public names
below are resolved on first use.

In a notebook::

    import emgspasm
    events = emgspasm.detect(raw)                 # an mne.io.Raw, or an array and sfreq
    raw.set_annotations(events.to_annotations())  # the events as MNE annotations
    emgspasm.plot_events(raw, events)
"""

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    # the notebook and batch entry points
    "detect": "emgspasm.apps.notebook",
    "plot_events": "emgspasm.apps.notebook",
    "analyze_file": "emgspasm.apps.analyze",
    "analyze_many": "emgspasm.apps.analyze",
    "open_recording": "emgspasm.sources.files",
    "Recording": "emgspasm.sources.files",
    "simulate": "emgspasm.truth.sim",
    "simulate_family": "emgspasm.truth.sim",
    "Scenario": "emgspasm.truth.sim",
    "read_events_tsv": "emgspasm.outputs.events_table",
    # the engine
    "Config": "emgspasm.engine.config",
    "Engine": "emgspasm.engine.streaming",
    "Step": "emgspasm.engine.streaming",
    "Block": "emgspasm.engine.block",
    "Event": "emgspasm.engine.events",
    "Notice": "emgspasm.engine.events",
    "DSPChain": "emgspasm.engine.dsp.chain",
    "ChainOutput": "emgspasm.engine.dsp.chain",
    "EmgSpasmError": "emgspasm.errors",
    "ConfigError": "emgspasm.errors",
    "InputDataError": "emgspasm.errors",
    "InputFileError": "emgspasm.errors",
    "DeviceError": "emgspasm.errors",
    "FrameError": "emgspasm.errors",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'emgspasm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
