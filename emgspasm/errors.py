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


class FileFieldError(InputFileError):
    """A field of a file (a header, a metadata file) holds a value that is not allowed."""

    @classmethod
    def invalid(cls, field, allowed, got, where=None):
        """Build the error in the project's style.

        Parameters
        ----------
        field : str
            The field, as the file names it.
        allowed : str
            What would have been accepted, in words.
        got : object
            The value found.
        where : str | None
            The file, and within it the place (``"a.edf"``,
            ``"session/session.json"``), put first.

        Returns
        -------
        exc : FileFieldError
        """
        return cls((f"{where}: " if where else "")
                   + f"invalid value for the {field!r} field. Allowed values are "
                   f"{allowed}, but got {got!r} instead.")


class OutputFileError(EmgSpasmError, OSError):
    """A result cannot be written (no space, no permission, not a folder)."""
