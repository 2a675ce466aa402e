"""A serial sensor link: reader thread, decoding, reconnection.

Shaped like pyserial's ``serial.threaded.ReaderThread``: the link takes a
decoder *factory* (fresh parser state per connection), keeps I/O errors apart
from errors in the caller's code, and always reports a lost connection. It
differs where pyserial's Packetizer is weak: decoding is vectorised, and an
unplugged sensor is reopened with backoff while the outage is kept as a gap
of the right length in time.
"""

import queue
import threading
import time
from dataclasses import dataclass

from ...engine.block import Block
from ...errors import DeviceError

#: Backoff between reconnection attempts (s): doubles up to the maximum.
BACKOFF_START_S, BACKOFF_MAX_S = 0.2, 5.0


@dataclass
class LinkEvent:
    """Something that happened on the link (for the dashboard and the log).

    Attributes
    ----------
    kind : str
        ``connected``, ``lost`` or ``error``.
    message : str
    at : float
        Monotonic time.
    """

    kind: str
    message: str
    at: float


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


class SerialLink:
    """Read a sensor on a serial port in a background thread.

    Parameters
    ----------
    port : str
    decoder_factory : callable
        Returns a fresh decoder (``feed(bytes) -> list of Block``) per
        connection.
    baudrate : int
    start_command : bytes | None
        Sent after every (re)connection (``b"b"`` for a Cyton, a START frame
        for the emgspasm protocol).
    reconnect : bool
        Reopen a lost port with backoff, keeping the outage as a gap.

    Notes
    -----
    Decoded blocks and :class:`LinkEvent` objects arrive on :attr:`queue`;
    the first open happens in :meth:`start`, so a wrong port fails there
    with a clear :class:`DeviceError`.
    """

    def __init__(self, port, decoder_factory, baudrate=115200, start_command=None,
                 reconnect=True):
        self.port = port
        self.baudrate = baudrate
        self.decoder_factory = decoder_factory
        self.start_command = start_command
        self.reconnect = reconnect
        self.queue = queue.Queue()
        self.decoder = None
        self.lost_samples = 0
        self._stop = threading.Event()
        self._thread = None
        self._serial = None

    def start(self):
        """Open the port and start reading."""
        self._serial = open_port(self.port, self.baudrate)
        self._connected()
        self._thread = threading.Thread(target=self._run, name="emgspasm-link",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=2.0):
        """Stop reading and close the port."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        if self._serial is not None:
            try:
                self._serial.close()
            except OSError:
                pass

    def write(self, data):
        """Send bytes to the sensor (commands)."""
        if self._serial is not None:
            self._serial.write(data)

    def _connected(self):
        previous = self.decoder
        self.decoder = self.decoder_factory()
        if previous is not None:
            self.decoder.stats = previous.stats
            for attr in ("sfreq", "n_channels"):
                if getattr(self.decoder, attr, None) is None:
                    setattr(self.decoder, attr, getattr(previous, attr, None))
        if self.start_command:
            self._serial.write(self.start_command)
        self.queue.put(LinkEvent("connected", f"reading {self.port}", time.monotonic()))

    def _run(self):
        import serial
        while not self._stop.is_set():
            try:
                waiting = self._serial.in_waiting
                data = self._serial.read(waiting or 1)
            except (serial.SerialException, OSError, TypeError) as err:
                lost_at = time.monotonic()
                self.queue.put(LinkEvent("lost", f"{self.port}: {err}", lost_at))
                if not (self.reconnect and self._reopen(lost_at)):
                    return
                continue
            if data:
                for block in self.decoder.feed(data):
                    self.queue.put(block)

    def _reopen(self, lost_at):
        try:
            self._serial.close()
        except OSError:
            pass
        delay = BACKOFF_START_S
        while not self._stop.wait(delay):
            try:
                self._serial = open_port(self.port, self.baudrate)
            except DeviceError as err:
                self.queue.put(LinkEvent("error", str(err), time.monotonic()))
                delay = min(BACKOFF_MAX_S, delay * 2)
                continue
            self.decoder.stats.reconnects += 1
            sfreq = getattr(self.decoder, "sfreq", None)
            n_ch = getattr(self.decoder, "n_channels", None)
            if sfreq and n_ch:
                missing = int(round((time.monotonic() - lost_at) * sfreq))
                self.lost_samples += missing
                self.queue.put(Block.gap(missing, n_ch))
            self._connected()
            return True
        return False


def drain(link, timeout):
    """Items waiting on the link's queue, waiting up to ``timeout`` for the first."""
    items = []
    try:
        items.append(link.queue.get(timeout=timeout))
        while True:
            items.append(link.queue.get_nowait())
    except queue.Empty:
        return items
