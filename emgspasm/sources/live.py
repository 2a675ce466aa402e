"""What a live source is: the seam between a sensor and the live session.

A live source reads samples in a background thread and hands them over on
a queue, in stream order, as :class:`~emgspasm.engine.block.Block` objects
(volts, NaN gap blocks where samples were lost) between
:class:`~emgspasm.sources.serial.events.LinkEvent` objects (connected, lost,
restored, samples lost, closed ...). Three implement it: a sensor on a
serial port (:class:`~emgspasm.sources.serial.link.SerialLink`), an LSL
stream (:class:`~emgspasm.sources.lsl.LslSource`) and a BrainFlow board
(:class:`~emgspasm.sources.brainflow_board.BrainFlowSource`).

Every source derives from :class:`LiveSource`, which holds what they share:
the queue, the reader thread's frame (its last item is always a
``link_closed`` event, whether the source was stopped or ended by an
error), the stamping of link events with their place in the stream, and the
clock of the samples (:meth:`LiveSource.sample_time`), so that a notice can
be put on the LSL timeline (:meth:`LiveSource.lsl_time`) for the marker
outlet.
"""

import bisect
import queue
import threading
import time
from dataclasses import replace

from ..errors import DeviceError
from .serial.events import CLOSED, CONNECTED, LinkEvent

#: The clock of a source whose samples are timed on arrival: the host's
#: monotonic clock (:func:`time.monotonic`).
HOST_CLOCK = "host"
#: The clock of a source whose samples carry LSL timestamps
#: (:func:`mne_lsl.lsl.local_clock`, time-corrected for a remote outlet).
LSL_CLOCK = "lsl"


class SampleClock:
    """When each sample was taken, on a source's clock.

    The source adds an anchor (a sample index and its time) as samples come,
    at the first sample of each block; the time of any sample is then read
    off the last anchor at or before it at the nominal rate, so it never
    changes once the sample's block has come (a marker sent with it stays
    where a later query puts it). An anchor that the previous one predicts
    to within ``tolerance_s`` is not kept, so a steady stream needs few; at
    most ``max_anchors`` are kept (the newest). Safe to add from one thread and
    read from another.

    Parameters
    ----------
    tolerance_s : float
    max_anchors : int
    """

    def __init__(self, tolerance_s=2e-4, max_anchors=4096):
        self.tolerance_s = tolerance_s
        self.max_anchors = max_anchors
        self._index = []
        self._time = []
        self._lock = threading.Lock()

    def add(self, index, at, sfreq):
        """Sample ``index`` was taken at ``at`` (s); ``sfreq`` is the nominal rate."""
        with self._lock:
            if self._index and abs(self._predict(-1, index, sfreq) - at) <= self.tolerance_s:
                return
            self._index.append(index)
            self._time.append(at)
            if len(self._index) > 2 * self.max_anchors:
                del self._index[:-self.max_anchors], self._time[:-self.max_anchors]

    def time_of(self, index, sfreq):
        """The time of sample ``index`` (s), or None before the first anchor."""
        with self._lock:
            if not self._index:
                return None
            at_or_before = max(0, bisect.bisect_right(self._index, index) - 1)
            return self._predict(at_or_before, index, sfreq)

    def _predict(self, k, index, sfreq):
        return self._time[k] + (index - self._index[k]) / sfreq


class LiveSource:
    """A live source of samples (base class).

    Subclasses implement ``_connect`` (open the device or stream, raising
    :class:`~emgspasm.errors.DeviceError` with what to do; return the
    message of the ``link_connected`` event), ``_read_until_stopped`` (the
    reader thread's loop, which ends when :attr:`_stop` is set) and
    ``_close``, and set :attr:`sfreq` and :attr:`ch_names` when they know
    them.

    Parameters
    ----------
    label : str
        Names the source in messages (a port, ``lsl:NAME``, ``brainflow:BOARD``).

    Attributes
    ----------
    queue : queue.Queue
        :class:`~emgspasm.engine.block.Block` objects (volts, shape
        (n_channels, n_samples)) and
        :class:`~emgspasm.sources.serial.events.LinkEvent` objects, in stream
        order; the last one is a ``link_closed`` event.
    sfreq : float | None
        Sampling rate (Hz), None until known.
    ch_names : list of str | None
        Channel names, None when the source does not name them (the session
        then calls them EMG1, EMG2, ...).
    error : Exception | None
        What ended the source, when it ended by itself.
    closed : threading.Event
        Set once the reader has ended and queued its last event.
    lost_at : float | None
        Host monotonic time the samples stopped coming, while they do not.
    decoder : None
        A serial link's decoder (with its frame counters); other sources
        have none.
    clock : str
        The clock of :meth:`sample_time`: :data:`HOST_CLOCK` (samples timed
        on arrival) or :data:`LSL_CLOCK`.
    """

    clock = HOST_CLOCK

    def __init__(self, label):
        self.label = label
        self.queue = queue.Queue()
        self.sfreq = None
        self.ch_names = None
        self.error = None
        self.closed = threading.Event()
        self.lost_at = None
        self.decoder = None
        self._stop = threading.Event()
        self._thread = None
        self._samples = 0
        self._times = SampleClock()
        self._lsl_offset = None

    def start(self):
        """Open the source and start reading; returns ``self``.

        Raises
        ------
        DeviceError
            When the device or stream cannot be opened (the message says why
            and what to do).
        """
        message = self._connect()
        self._put(LinkEvent(CONNECTED, message, time.monotonic()))
        self._thread = threading.Thread(target=self._run, name="emgspasm-source",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=2.0):
        """Stop reading and close the source."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        self._close()

    def write(self, data):
        """Send a command to the device; only a serial link takes commands.

        Raises
        ------
        DeviceError
            Always, for a source that takes no commands.
        """
        raise DeviceError(f"{self.label} takes no commands; cannot send {data!r}.")

    def describe(self):
        """What the source is, as a JSON-ready dict (kept in ``session.json``)."""
        return {"source": type(self).__name__, "label": self.label}

    def counters(self):
        """The source's counters in one line of text (for the views)."""
        sfreq = self.sfreq or 0.0
        return (f"{self.label}: {self._samples} samples"
                + (f" ({self._samples / sfreq:.1f} s)" if sfreq else ""))

    def sample_time(self, index):
        """When sample ``index`` (0 = the first the source queued, gap samples
        counted) was taken, on the source's :attr:`clock` (s); None before any
        sample came.

        The samples of a host-clock source are timed by their arrival: its
        time is that of the source's buffer reaching the host, not of the
        acquisition, and is late by the device's and the link's latency.
        """
        return self._times.time_of(index, self.sfreq) if self.sfreq else None

    def lsl_time(self, index):
        """:meth:`sample_time` on the LSL clock (:func:`mne_lsl.lsl.local_clock`),
        for markers that LabRecorder stores aligned with the samples."""
        at = self.sample_time(index)
        if at is None or self.clock == LSL_CLOCK:
            return at
        if self._lsl_offset is None:
            self._lsl_offset = host_to_lsl_offset()
        return at + self._lsl_offset

    # -- the reader thread ---------------------------------------------------

    def _run(self):
        try:
            self._read_until_stopped()
        except Exception as err:  # noqa: BLE001 - whatever ends the reader is its last word
            self.error = err
        finally:
            self._close()
            message = "stopped" if self.error is None else str(self.error)
            self._put(LinkEvent(CLOSED, message, time.monotonic()))
            self.closed.set()

    def _connect(self):
        raise NotImplementedError

    def _read_until_stopped(self):
        raise NotImplementedError

    def _close(self):
        raise NotImplementedError

    def _put(self, item, last_at=None):
        """Queue ``item``; an event is stamped with its place in the stream.

        ``last_at`` is the time of a block's last sample on the source's
        clock (default: now, on the host clock).
        """
        if isinstance(item, LinkEvent):
            item = replace(item, sample=self._samples,
                           message=f"{self.label}: {item.message}")
        elif item.n_samples:
            first = self._samples
            self._samples += item.n_samples
            if self.sfreq:
                last_at = time.monotonic() if last_at is None else last_at
                self._times.add(first, last_at - (item.n_samples - 1) / self.sfreq,
                                self.sfreq)
        self.queue.put(item)


def host_to_lsl_offset(pairs=5):
    """What to add to a host monotonic time to put it on the LSL clock (s):
    the closest of a few back-to-back readings of both clocks."""
    from mne_lsl.lsl import local_clock
    best = None
    for _ in range(pairs):
        before = time.monotonic()
        lsl = local_clock()
        after = time.monotonic()
        if best is None or after - before < best[0]:
            best = (after - before, lsl - (before + after) / 2)
    return best[1]


def drain(source, timeout):
    """Items waiting on the source's queue, waiting up to ``timeout`` for the first."""
    items = []
    try:
        items.append(source.queue.get(timeout=timeout))
        while True:
            items.append(source.queue.get_nowait())
    except queue.Empty:
        return items
