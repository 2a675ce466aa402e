"""Notices as an LSL marker stream (``emgspasm monitor --lsl-markers``).

Every notice the live session announces (``burst_start``, ``spasm_start``,
``event``, ``event_retract`` ...) is pushed on a string-marker outlet (type
``Markers``, irregular rate, one channel) as the JSON of
:func:`~emgspasm.outputs.notices.notice_to_json`, timestamped with the LSL
time of the sample at which it was announced (its ``at``): an LSL source's
own (time-corrected) clock, or for a serial or BrainFlow source the LSL
clock at the samples' arrival. LabRecorder then stores the markers aligned
with the EMG stream. The onset of the activity a notice is about is
``timestamp - (at - onset)``.
"""

import os
import time

from ..errors import ConfigError
from .notices import notice_to_json

#: The marker stream's name when none is given.
DEFAULT_NAME = "emgspasm-markers"
#: How long :meth:`LslMarkerOutlet.close` keeps a stream that has listeners,
#: so the last markers reach them before the outlet goes (s).
LINGER_S = 0.5


class LslMarkerOutlet:
    """An LSL outlet of notices.

    Parameters
    ----------
    name : str
        Stream name (what LabRecorder lists).
    source_id : str | None
        Default: unique to this name and process.

    Attributes
    ----------
    pushed : int
        Notices pushed so far.
    """

    def __init__(self, name=DEFAULT_NAME, source_id=None):
        try:
            from mne_lsl import lsl
        except ImportError:
            raise ConfigError("An LSL marker stream (--lsl-markers) needs the mne-lsl "
                              "package, which is not installed; install it with: "
                              "pip install 'emgspasm[lsl]'") from None
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"Invalid value for the 'lsl-markers' parameter: a stream "
                              f"name is a non-empty string, but got {name!r} instead.")
        self.name = name
        info = lsl.StreamInfo(name, "Markers", 1, 0.0, "string",
                              source_id or f"emgspasm-{name}-{os.getpid()}")
        info.set_channel_names(["notice"])
        self._clock = lsl.local_clock
        self._outlet = lsl.StreamOutlet(info, chunk_size=1)
        self.pushed = 0

    def push(self, notice, timestamp=None):
        """Push one notice.

        Parameters
        ----------
        notice : Notice
        timestamp : float | None
            LSL time of the notice's sample (None: now).
        """
        stamp = self._clock() if timestamp is None else float(timestamp)
        self._outlet.push_sample([notice_to_json(notice)], stamp)
        self.pushed += 1

    def close(self):
        """Take the stream off the network, after :data:`LINGER_S` when it has
        listeners: liblsl sends in the background, and what is still on its
        way when the outlet goes is lost."""
        if self._outlet is not None and self._outlet.has_consumers:
            time.sleep(LINGER_S)
        self._outlet = None
