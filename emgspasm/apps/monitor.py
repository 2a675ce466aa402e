"""Live monitoring of a connected sensor.

:class:`LiveSession` is the loop: live source → engine → recorder (and an
LSL marker stream, when asked), driven by the engine's own
:meth:`~emgspasm.engine.streaming.Engine.steps`. The source is a sensor on
a serial port (the session builds its :class:`~emgspasm.sources.serial.link.SerialLink`
from a port and a protocol), or any other
:class:`~emgspasm.sources.live.LiveSource`: an LSL stream
(:class:`~emgspasm.sources.lsl.LslSource`), a BrainFlow board
(:class:`~emgspasm.sources.brainflow_board.BrainFlowSource`).
:func:`monitor` runs a session and shows it through a view (see
:mod:`emgspasm.apps.views`): the terminal dashboard, JSON lines for other
tools, or a plain text feed. Ctrl-C (or ``until``, e.g. on SIGTERM) ends
cleanly with a summary; so does a link that ends by itself (its error is kept
in ``session.link.error``).

Link events (a lost port, a reconnection, a device restart, a rejected
frame) are shown by the view and, when recording, appended as JSON lines to
the session's ``link.jsonl`` (fsync'd as they come), each with its place in
the recording (``sample``, ``at``).
"""

import itertools
import json
import time
from collections import deque
from pathlib import Path

import numpy as np

from ..engine.block import Block
from ..engine.streaming import Engine
from ..errors import ConfigError
from ..outputs.recorder import LineLog, SessionRecorder
from ..outputs.summary import summarize
from ..sources.live import drain
from ..sources.serial import protocols
from ..sources.serial.events import CLOSED
from ..sources.serial.link import SerialLink

FEED_LINES = 12
LINK_LOG = "link.jsonl"


class LiveSession:
    """One monitoring session.

    Parameters
    ----------
    port : str | None
        A serial port to read (with ``protocol``); or give ``source``.
    protocol : str | None
        One of :data:`~emgspasm.sources.serial.protocols.NAMES` (default
        ``emgspasm``); for a serial port only.
    config : Config | None
    record_dir : str | Path | None
        Folder for the crash-safe recording; None records nothing.
    baudrate : int | None
        Default: the protocol's; for a serial port only.
    adc_scale, sfreq : float | None
        For serial sensors that do not state them (ASCII).
    alert_spasm_s : float
        Raise an alert when a spasm runs longer than this.
    source : LiveSource | None
        Any other live source (an LSL stream, a BrainFlow board), not started.
    markers : LslMarkerOutlet | None
        Push every notice there, timestamped with the LSL time of its sample
        (see :mod:`emgspasm.outputs.lsl_markers`).

    Attributes
    ----------
    link : LiveSource
        The source (a serial link, an LSL stream, a board).
    port : str
        The serial port, or the source's label.
    protocol : object | None
        The serial protocol; None for other sources.
    last_step : Step | None
        The engine's last step (its filtered signal, envelope and flags, and
        its notices): what a view draws.
    """

    def __init__(self, port=None, protocol=None, config=None, record_dir=None,
                 baudrate=None, adc_scale=None, sfreq=None, alert_spasm_s=30.0, *,
                 source=None, markers=None):
        if (port is None) == (source is None):
            raise ConfigError("A live session reads one source: give a serial port "
                              f"(port) or a source (source), but got port={port!r} and "
                              f"source={source!r}.")
        if source is not None:
            serial_only = {"protocol": protocol, "baudrate": baudrate,
                           "adc_scale": adc_scale, "sfreq": sfreq}
            given = [k for k, v in serial_only.items() if v is not None]
            if given:
                verb = "applies" if len(given) == 1 else "apply"
                raise ConfigError(f"{', '.join(given)} {verb} to a serial port only, not "
                                  f"to {source.label}; leave it out.")
            self.protocol, self.port, self.link = None, source.label, source
        else:
            self.protocol = protocols.get(protocol or "emgspasm")
            self.protocol.make_decoder(scale=adc_scale, sfreq=sfreq)  # validate now
            self.port = port
            self.link = SerialLink(
                port, lambda: self.protocol.make_decoder(scale=adc_scale, sfreq=sfreq),
                baudrate or self.protocol.baudrate, self.protocol.start_command)
        self.config = config
        self.record_dir = record_dir
        self.alert_spasm_s = alert_spasm_s
        self.markers = markers
        self.engine = None
        self.recorder = None
        self.notices = []
        self.feed = deque(maxlen=FEED_LINES)
        self.link_log = deque(maxlen=4)
        self._link_news = []
        self._link_file = None
        self._link_ended = False
        self.alerts = {}
        self.running_spasms = {}
        self.levels_uv = None
        self.last_step = None
        self.started = None
        self._steps = None
        self._wait_s = 0.05
        self._stopping = False

    def start(self):
        """Open the source (raises :class:`~emgspasm.errors.DeviceError`).

        The numba kernels are loaded first, on a few samples of silence, so the
        first real samples do not wait for them.
        """
        Engine(1000.0, ["warm-up"], self.config).process(np.zeros((1, 256)))
        self.link.start()
        if self.protocol and self.protocol.identify_command:
            self.link.write(self.protocol.identify_command)
        self.started = time.monotonic()
        return self

    @property
    def ended(self):
        """True once the link has ended by itself (see ``link.error``): there is
        nothing more to read."""
        return self._link_ended and not self._stopping

    def take_link_events(self):
        """The link events that arrived since the last call, oldest first, as
        JSON-ready dicts (see :meth:`~emgspasm.sources.serial.events.LinkEvent.to_dict`;
        ``at`` in stream seconds, None before the rate is known): what
        ``link.jsonl`` holds."""
        news, self._link_news = self._link_news, []
        return news

    def poll(self, timeout=0.05):
        """Process whatever arrived within ``timeout``; return the new notices."""
        self._wait_s = timeout
        if self._steps is None:
            first = self._next_block()
            if first is None:
                return []
            self._begin(first)
        step = next(self._steps, None)
        return [] if step is None else self._announce(step)

    def stop(self):
        """End the session: close open events, stop the link, write files.

        Returns
        -------
        notices : list of Notice
            The last ones (what arrived meanwhile, and events closed at the end
            of the stream).
        files : dict | None
            What the recorder wrote.
        """
        if self.protocol and self.protocol.stop_command:
            try:
                self.link.write(self.protocol.stop_command)  # a sensor stops when we leave
            except OSError:
                pass
        self.link.stop()
        self._stopping = True
        self._wait_s = 0.0
        tail = []
        if self._steps is None:
            first = self._next_block()
            if first is not None:
                self._begin(first)
        if self._steps is not None:
            for step in self._steps:
                tail += self._announce(step)
        files = None
        if self.recorder:
            files = self.recorder.close(list(self.engine.events))
        if self._link_file:
            self._link_file.close()
        return tail, files

    def summary(self):
        """Per-channel session summary (see :func:`~emgspasm.outputs.summary.summarize`)."""
        if self.engine is None:
            return None
        return summarize(self.engine.events, self.engine.stream_time,
                         self.engine.ch_names)

    def notice_lsl_time(self, notice):
        """The LSL time of the sample at which ``notice`` was announced (its
        ``at``), on the source's clock (see
        :meth:`~emgspasm.sources.live.LiveSource.lsl_time`)."""
        return self.link.lsl_time(round(notice.at * self.engine.sfreq))

    def _begin(self, first):
        """The first samples tell the channel count: build the engine and its loop."""
        sfreq = self.link.sfreq
        names = self.link.ch_names or [f"EMG{i + 1}" for i in range(first.data.shape[0])]
        self.engine = Engine(sfreq, names, self.config)
        if self.record_dir:
            info = self.link.describe()
            if self.protocol:
                info["protocol"] = self.protocol.name
            self.recorder = SessionRecorder(self.record_dir, sfreq, names,
                                            {**info, "config": self.engine.config.to_dict()})
        self._steps = self.engine.steps(self._blocks(first))

    def _blocks(self, first):
        """The blocks the engine runs on: recorded as they are fed, an empty
        block when nothing arrived in time, and no more once stopping."""
        for block in itertools.chain([first], iter(self._next_block, None)):
            if self.recorder:
                self.recorder.append(block.data, block.flags)
            yield block

    def _next_block(self):
        """What arrived within the wait, as one block; None once stopping and drained."""
        blocks = []
        for item in drain(self.link, self._wait_s):
            if isinstance(item, Block):
                blocks.append(item)
            else:
                self._link_event(item)
        if blocks:
            return Block.concatenate(blocks)
        if self._stopping or self.engine is None:
            return None
        return Block.empty(len(self.engine.ch_names))

    def _link_event(self, event):
        """Keep a link event for the view and the recording."""
        record = event.to_dict(self.link.sfreq)
        self.link_log.append(event)
        self._link_news.append(record)
        self._link_ended |= event.kind == CLOSED
        if self.record_dir:
            self._record_link(record)

    def _record_link(self, record):
        if self._link_file is None:
            Path(self.record_dir).mkdir(parents=True, exist_ok=True)
            self._link_file = LineLog(Path(self.record_dir) / LINK_LOG)
        self._link_file.write(json.dumps(record))

    def _announce(self, step):
        self.last_step = step
        if step.output.n_samples:
            self.levels_uv = step.output.rms[:, -1] * 1e6
        for notice in step.notices:
            self.notices.append(notice)
            if self.recorder:
                self.recorder.notice(notice)
            if self.markers:
                self.markers.push(notice, self.notice_lsl_time(notice))
            if notice.kind == "spasm_start":
                self.running_spasms[notice.channel] = notice.onset
            elif notice.kind in ("spasm_end", "spasm_retract"):
                self.running_spasms.pop(notice.channel, None)
                self.alerts.pop(notice.channel, None)
            if notice.event is None or notice.event.is_muscle:
                self.feed.append(notice)
        now = self.engine.stream_time
        for ch, onset in self.running_spasms.items():
            if now - onset > self.alert_spasm_s:
                self.alerts[ch] = f"{ch}: spasm running {now - onset:.0f} s"
        return step.notices


def monitor(session, view, *, duration_s=None, until=None):
    """Run a started session until Ctrl-C, ``duration_s``, ``until()`` or the
    end of its link.

    Parameters
    ----------
    session : LiveSession
        Already started (:meth:`LiveSession.start`).
    view : object
        Shows the session: ``run(session, done)`` polls the session until
        ``done()`` and ``close(session, tail, files)`` shows the end (see
        :mod:`emgspasm.apps.views`).
    duration_s : float | None
    until : callable | None

    Returns
    -------
    session : LiveSession
    """
    def done():
        if session.ended or (until is not None and until()):
            return True
        return duration_s is not None and time.monotonic() - session.started >= duration_s

    try:
        view.run(session, done)
    except KeyboardInterrupt:
        pass
    tail, files = session.stop()
    view.close(session, tail, files)
    return session


def recording_folder(base):
    """A new timestamped session folder under ``base``."""
    return Path(base) / time.strftime("session-%Y%m%d-%H%M%S")
