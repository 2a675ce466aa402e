"""A sensor without hardware: a pseudo-terminal that streams like a device.

The emulator opens a pseudo-terminal, points a stable symlink at its slave
end (the "port"), and writes frames at real-time pace in one of the three
protocols, from any array of samples (a simulation or a recorded file).
It answers commands (emgspasm IDENTIFY/START/STOP, Cyton ``b``/``s``) and
injects faults on request: corrupted bytes, dropped frames, a pause, a
disconnect (the pseudo-terminal goes away and comes back under the same
port name), and a reboot (the device falls silent and starts its frame
counter again).
"""

import os
import select
import threading
import time
import tty
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import protocols


@dataclass(frozen=True)
class Faults:
    """Faults to inject.

    Attributes
    ----------
    corrupt_rate : float
        Probability that a frame has one byte flipped.
    drop_rate : float
        Probability that a frame is not sent at all.
    pause_at_s, pause_s : float
        Stop writing for ``pause_s`` seconds at ``pause_at_s`` (the device
        stalls; the samples arrive late, none are lost).
    disconnect_at_s, disconnect_s : float
        Remove the port at ``disconnect_at_s`` for ``disconnect_s`` seconds
        (the samples of that time are lost; the device's frame counter runs
        on, as a wireless sensor's does).
    reboot_at_s, reboot_s : float
        Reset the device at ``reboot_at_s``: silent for ``reboot_s`` seconds
        (the samples of that time are lost), then streaming again with its
        frame counter started again at 0; the port stays.
    """

    corrupt_rate: float = 0.0
    drop_rate: float = 0.0
    pause_at_s: float = -1.0
    pause_s: float = 0.0
    disconnect_at_s: float = -1.0
    disconnect_s: float = 0.0
    reboot_at_s: float = -1.0
    reboot_s: float = 0.0


class Emulator:
    """Stream samples over a pseudo-terminal like a sensor.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Volts.
    sfreq : float
    protocol : str
        One of :data:`~emgspasm.sources.serial.protocols.NAMES`; the
        protocol's device side encodes the frames and answers commands.
    port : str | Path | None
        Path of the symlink to create (default: a temporary name).
    frame_samples : int
        Samples per frame, for protocols that frame several (emgspasm).
    faults : Faults
    speed : float
        1 = real time.
    seed : int
        For the fault draws.
    on_write : callable | None
        Called as ``on_write(first_sample, n_samples, t_written)`` after each
        frame is written (latency benchmarks).
    """

    def __init__(self, data, sfreq, protocol="emgspasm", port=None, frame_samples=10,
                 faults=Faults(), speed=1.0, seed=0, on_write=None):
        self.data = np.asarray(data, dtype=np.float64)
        self.sfreq = float(sfreq)
        self.protocol = protocol
        self.port = str(port or Path(os.environ.get("TMPDIR", "/tmp")) /
                        f"emgspasm-emulator-{os.getpid()}-{id(self):x}")
        self.device = protocols.get(protocol).make_device(
            self.data.shape[0], self.sfreq, frame_samples)
        self.faults = faults
        self.speed = speed
        self.on_write = on_write
        self.sent_frames = 0
        self.dropped_frames = 0
        self.corrupted_frames = 0
        # an emgspasm device waits for START, a Cyton for "b"; a sketch just prints
        self.streaming = self.device.streams_on_open
        self._rng = np.random.default_rng(seed)
        self._stop = threading.Event()
        self.done = threading.Event()
        self._thread = None
        self._master = self._slave = None

    # -- the pseudo-terminal ----------------------------------------------

    def _open_pty(self):
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        tmp = self.port + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.ttyname(self._slave), tmp)
        os.replace(tmp, self.port)

    def _close_pty(self):
        for fd in (self._master, self._slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = None

    def _unplug(self):
        """The port goes away, name and all: left behind, the name would point
        at a pseudo-terminal number the system may give to someone else."""
        self._close_pty()
        if os.path.lexists(self.port):
            os.unlink(self.port)

    def start(self):
        """Create the port and start streaming; returns ``self``."""
        self._open_pty()
        self._thread = threading.Thread(target=self._run, name="emgspasm-emulator",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop streaming and remove the port."""
        self._stop.set()
        if self._thread:
            self._thread.join(2.0)
        self._unplug()

    # -- streaming ----------------------------------------------------------

    def _commands(self):
        try:
            ready, _, _ = select.select([self._master], [], [], 0)
            if not ready:
                return
            data = os.read(self._master, 4096)
        except OSError:
            return
        streaming, reply = self.device.answer(data)
        if streaming is not None:
            self.streaming = streaming
        if reply:
            self._write(reply)

    def _write(self, payload):
        view = memoryview(payload)
        deadline = time.monotonic() + 1.0
        while view and not self._stop.is_set():
            _, ready, _ = select.select([], [self._master], [], 0.05)
            if not ready:
                if time.monotonic() > deadline:
                    return False  # the host is not reading: the device drops it
                continue
            written = os.write(self._master, view)
            view = view[written:]
        return True

    def _run(self):
        n = self.data.shape[1]
        step = self.device.frame_samples
        f = self.faults
        t0 = None  # set when streaming (re)starts
        paused = 0.0
        start = 0
        try:
            while start < n and not self._stop.is_set():
                stream_t = start / self.sfreq
                if 0 <= f.disconnect_at_s <= stream_t and f.disconnect_s > 0:
                    self._unplug()
                    self._stop.wait(f.disconnect_s / max(self.speed, 1e-9))
                    self._open_pty()
                    start += int(f.disconnect_s * self.sfreq)
                    self.device.skip(int(f.disconnect_s * self.sfreq) // step)
                    f = replace(f, disconnect_at_s=-1.0, disconnect_s=0.0)
                    continue
                if 0 <= f.reboot_at_s <= stream_t and f.reboot_s > 0:
                    self._stop.wait(f.reboot_s / max(self.speed, 1e-9))
                    start += int(f.reboot_s * self.sfreq)
                    self.device.restart()
                    f = replace(f, reboot_at_s=-1.0, reboot_s=0.0)
                    continue
                if 0 <= f.pause_at_s <= stream_t and f.pause_s > 0:
                    self._stop.wait(f.pause_s / max(self.speed, 1e-9))
                    paused += f.pause_s
                    f = replace(f, pause_at_s=-1.0, pause_s=0.0)
                self._commands()
                if not self.streaming:
                    t0 = None
                    self._stop.wait(0.005)
                    continue
                if t0 is None:
                    t0 = time.monotonic() - start / self.sfreq / max(self.speed, 1e-9)
                    paused = 0.0
                if self.speed > 0:
                    due = t0 + (start / self.sfreq) / self.speed + paused / self.speed
                    delay = due - time.monotonic()
                    if delay > 0:
                        self._stop.wait(delay)
                stop = min(n, start + step)
                payload = self.device.encode(self.data[:, start:stop].T)
                if self._rng.random() < f.drop_rate:
                    self.dropped_frames += 1
                else:
                    if self._rng.random() < f.corrupt_rate:
                        corrupt = bytearray(payload)
                        corrupt[int(self._rng.integers(len(corrupt)))] ^= 0x5A
                        payload = bytes(corrupt)
                        self.corrupted_frames += 1
                    if self._write(payload):
                        self.sent_frames += 1
                        if self.on_write:
                            self.on_write(start, stop - start, time.monotonic())
                start = stop
        finally:
            self.done.set()
