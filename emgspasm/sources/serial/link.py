"""A serial sensor link: reader thread, decoding, reconnection.

Shaped like pyserial's ``serial.threaded.ReaderThread``:

* the link takes a decoder *factory*: fresh parser state per connection,
  which continues the previous decoder's counters, format and timeline
  (:meth:`~emgspasm.sources.serial.decoding.Decoder.continue_from`);
* I/O errors are kept apart from errors in the decoder. A port that fails
  (unplugged, out of range) is reported (``link_lost``), reopened with
  backoff (``reconnecting`` before each attempt) and reported again when
  back (``link_restored``, with the outage); the outage becomes a gap sized
  by the frame counter and the host clock. A decoder that raises is reported
  (``decoder_error``) and replaced; after :data:`MAX_DECODER_ERRORS` in a
  row the link ends;
* the last item on the queue is always a ``link_closed`` event, whether the
  link was stopped or ended by an error (then :attr:`SerialLink.error`
  holds it);
* writes and the reader's replacing of the port are under one lock.

It is one of the live sources (:class:`~emgspasm.sources.live.LiveSource`):
its samples are timed by their arrival on the host clock.

It differs where pyserial's Packetizer is weak: decoding is vectorised and
buffers are bounded.
"""

import threading
import time

from ...errors import DeviceError, FrameError
from ..live import LiveSource, drain  # noqa: F401 - drain: imported from here too
from .events import DECODER_ERROR, LOST, RECONNECTING, RESTORED, LinkEvent

#: Backoff between reconnection attempts (s): doubles up to the maximum.
BACKOFF_START_S, BACKOFF_MAX_S = 0.2, 5.0
#: Decoder errors in a row (no good read between them) that end the link.
MAX_DECODER_ERRORS = 3


def available_ports():
    """Names of the serial ports the system lists."""
    from serial.tools import list_ports
    return sorted(p.device for p in list_ports.comports())


def open_port(port, baudrate, timeout=0.05):
    """Open ``port`` or raise a :class:`DeviceError` that says what to do."""
    import serial
    try:
        return serial.Serial(port, baudrate, timeout=timeout, exclusive=True)
    except (serial.SerialException, OSError, ValueError) as err:
        text = str(err)
        ports = available_ports()
        listing = ("Ports found: " + ", ".join(ports) + ".") if ports else \
            "No serial ports are listed; is the sensor plugged in and powered?"
        if "lock" in text.lower() or "busy" in text.lower():
            reason = "it is in use by another program; close that program"
        elif "No such file" in text or "could not open" in text.lower():
            reason = "it does not exist"
        else:
            reason = text
        raise DeviceError(f"Cannot open serial port {port!r}: {reason}. "
                          f"{listing}") from None


class SerialLink(LiveSource):
    """Read a sensor on a serial port in a background thread.

    Parameters
    ----------
    port : str
    decoder_factory : callable
        Returns a fresh decoder (``feed(bytes) -> list of Block and
        LinkEvent``, ``continue_from(previous)``, ``stats``, ``sfreq``,
        ``n_channels``) per connection.
    baudrate : int
    start_command : bytes | None
        Sent after every (re)connection (``b"b"`` for a Cyton, a START frame
        for the emgspasm protocol).
    reconnect : bool
        Reopen a lost port with backoff. Without it a lost port ends the link.

    Attributes
    ----------
    queue : queue.Queue
        Decoded :class:`~emgspasm.engine.block.Block` objects and
        :class:`~emgspasm.sources.serial.events.LinkEvent` objects, in
        stream order; the last one is a ``link_closed`` event.
    decoder : object
        The current decoder (its ``stats`` cover the whole link).
    sfreq : float | None
        The decoder's sampling rate, once it knows it.
    ch_names : None
        A serial sensor does not name its channels.
    error : Exception | None
        What ended the link, when it ended by itself.
    closed : threading.Event
        Set once the reader has ended and queued its last event.
    lost_at : float | None
        Host time the port was lost, while it is.

    Notes
    -----
    The first open happens in :meth:`start`, so a wrong port fails there
    with a clear :class:`DeviceError`.
    """

    def __init__(self, port, decoder_factory, baudrate=115200, start_command=None,
                 reconnect=True):
        super().__init__(port)
        self.port = port
        self.baudrate = baudrate
        self.decoder_factory = decoder_factory
        self.start_command = start_command
        self.reconnect = reconnect
        self._lock = threading.Lock()  # the port, between writes and reopening
        self._serial = None
        self._failures = 0

    @property
    def outage_s(self):
        """Seconds without the port so far (an outage going on included)."""
        ongoing = 0.0 if self.lost_at is None else time.monotonic() - self.lost_at
        return self.decoder.stats.outage_s + ongoing

    def describe(self):
        """The port and its baud rate, as a JSON-ready dict."""
        return {"source": "serial", "port": self.port, "baudrate": self.baudrate}

    def write(self, data):
        """Send bytes to the sensor (commands).

        Raises
        ------
        DeviceError
            When the port is not open (lost, reconnecting or stopped) or the
            write fails.
        """
        import serial
        with self._lock:
            if self._serial is None:
                raise DeviceError(f"Cannot write to serial port {self.port!r}: it is "
                                  "not connected (lost, reconnecting or stopped).")
            try:
                self._serial.write(data)
            except (serial.SerialException, OSError) as err:
                raise DeviceError(f"Cannot write to serial port {self.port!r}: "
                                  f"{err}.") from None

    # -- the reader thread ---------------------------------------------------

    def _connect(self):
        self._open()
        self._new_decoder()
        return f"reading at {self.baudrate} baud"

    def _read_until_stopped(self):
        import serial
        while not self._stop.is_set():
            try:
                data = self._serial.read(self._serial.in_waiting or 1)
            except (serial.SerialException, OSError) as err:
                if self._stop.is_set() or not self._port_failed(err):
                    return
                continue
            if data:
                self._decode(data)

    def _decode(self, data):
        try:
            items = self.decoder.feed(data)
        except Exception as err:  # noqa: BLE001 - a decoder error, not a port error
            self._decoder_failed(err, len(data))
            return
        self._failures = 0
        for item in items:
            self._put(item)

    def _decoder_failed(self, err, n_bytes):
        self._failures += 1
        self.decoder.stats.decoder_errors += 1
        text = f"{type(err).__name__}: {err}"
        if self._failures >= MAX_DECODER_ERRORS:
            raise FrameError(f"The decoder of serial port {self.port!r} failed "
                             f"{self._failures} times in a row; the last error was "
                             f"{text}") from err
        self._put(LinkEvent(DECODER_ERROR, f"decoder error ({text}); {n_bytes} bytes "
                            "dropped, decoding goes on with a fresh decoder",
                            time.monotonic()))
        self._new_decoder()

    def _port_failed(self, err):
        """Report a failed port and reopen it; False when the link should end."""
        self.lost_at = time.monotonic()
        self._put(LinkEvent(LOST, f"lost ({err})", self.lost_at))
        self._close()
        if not self.reconnect:
            raise DeviceError(f"Serial port {self.port!r} failed: {err}.") from err
        return self._reopen()

    def _reopen(self):
        """Try the port with backoff until it opens (True) or the link stops."""
        delay, attempt, why = BACKOFF_START_S, 1, ""
        while True:
            outage = time.monotonic() - self.lost_at
            self._put(LinkEvent(RECONNECTING, f"{why}Trying again in {delay:.1f} s "
                                f"(attempt {attempt}, {outage:.1f} s without the port)",
                                time.monotonic(), outage_s=outage))
            if self._stop.wait(delay):
                return False
            try:
                self._open()
            except DeviceError as err:
                delay, attempt, why = min(BACKOFF_MAX_S, delay * 2), attempt + 1, f"{err} "
                continue
            self._restored()
            return True

    def _restored(self):
        outage = time.monotonic() - self.lost_at
        self._new_decoder()
        stats = self.decoder.stats
        stats.reconnects += 1
        stats.outage_s += outage
        self.lost_at = None
        self._put(LinkEvent(RESTORED, f"restored after {outage:.1f} s without the port",
                            time.monotonic(), outage_s=outage))

    # -- helpers ---------------------------------------------------------------

    def _open(self):
        """Open the port and send the start command (DeviceError when either fails)."""
        import serial
        port = open_port(self.port, self.baudrate)
        try:
            if self.start_command:
                port.write(self.start_command)
        except (serial.SerialException, OSError) as err:
            port.close()
            raise DeviceError(f"Cannot start the sensor on serial port {self.port!r}: "
                              f"{err}.") from None
        with self._lock:
            self._serial = port

    def _close(self):
        with self._lock:
            port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except OSError:
                pass

    def _new_decoder(self):
        """A fresh decoder that continues the current one's stream."""
        fresh = self.decoder_factory()
        if self.decoder is not None:
            fresh.continue_from(self.decoder)
        self.decoder = fresh

    def _put(self, item, last_at=None):
        """Queue ``item`` (see :meth:`LiveSource._put`), once the decoder's
        rate is known to time it."""
        self.sfreq = getattr(self.decoder, "sfreq", None)
        super()._put(item, last_at)
