"""The project's exception tree.

Every error that emgspasm raises on purpose derives from
:class:`EmgSpasmError`, so a caller can catch the whole family in one place
while still telling a bad configuration from a bad file or a dead sensor.
"""


class EmgSpasmError(Exception):
    """Base class of every error raised on purpose by emgspasm."""


class ConfigError(EmgSpasmError, ValueError):
    """A parameter has a value that is not allowed."""


class InputDataError(EmgSpasmError, ValueError):
    """Samples handed to the engine have the wrong shape, type or units."""


class InputFileError(EmgSpasmError, OSError):
    """A recording on disk cannot be read, or reads as implausible."""


class DeviceError(EmgSpasmError, OSError):
    """A sensor or serial port cannot be opened, or stopped answering."""


class FrameError(EmgSpasmError):
    """Bytes from a sensor do not decode into valid frames."""
