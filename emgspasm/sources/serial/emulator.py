"""A sensor without hardware: a pseudo-terminal that streams like a device.

The emulator opens a pseudo-terminal, points a stable symlink at its slave
end (the "port"), and writes frames at real-time pace in one of the three
protocols, from the simulator (true events logged) or from a recorded file.
It answers commands (emgspasm IDENTIFY/START/STOP, Cyton ``b``/``s``) and
injects faults on request: corrupted bytes, dropped frames, a pause, and a
disconnect (the pseudo-terminal goes away and comes back under the same
port name).
"""

import os
import select
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...engine.events import write_events_tsv
from .protocols import ascii as ascii_proto
from .protocols import cyton
from .protocols import emgspasm as P

#: Volts per count the emulator uses for each protocol.
SCALES = {"emgspasm": 2e-8, "ascii": 1e-6}


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
        (the samples of that time are lost).
    """

    corrupt_rate: float = 0.0
    drop_rate: float = 0.0
    pause_at_s: float = -1.0
    pause_s: float = 0.0
    disconnect_at_s: float = -1.0
    disconnect_s: float = 0.0


class Emulator:
    """Stream samples over a pseudo-terminal like a sensor.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Volts.
    sfreq : float
    protocol : {"emgspasm", "cyton", "ascii"}
    port : str | Path | None
        Path of the symlink to create (default: a temporary name).
    frame_samples : int
        Samples per frame (emgspasm protocol).
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
        self.frame_samples = 1 if protocol in ("cyton", "ascii") else int(frame_samples)
        if protocol == "cyton":
            self.data = self.data[:cyton.N_CHANNELS]
            if self.data.shape[0] < cyton.N_CHANNELS:
                pad = np.zeros((cyton.N_CHANNELS - self.data.shape[0], self.data.shape[1]))
                self.data = np.vstack([self.data, pad])
        self.faults = faults
        self.speed = speed
        self.on_write = on_write
        self.sent_frames = 0
        self.dropped_frames = 0
        self.corrupted_frames = 0
        # an emgspasm device waits for START, a Cyton for "b"; a sketch just prints
        self.streaming = protocol == "ascii"
        self._rng = np.random.default_rng(seed)
        self._stop = threading.Event()
        self.done = threading.Event()
        self._thread = None
        self._master = self._slave = None
        self._seq = 0

    @classmethod
    def from_simulation(cls, recording, protocol="emgspasm", truth_path=None, **kwargs):
        """An emulator streaming a :class:`~emgspasm.sim.SimulatedRecording`.

        ``truth_path`` receives the true events as ``events.tsv``.
        """
        if truth_path:
            write_events_tsv(recording.events, truth_path)
        return cls(recording.data, recording.sfreq, protocol, **kwargs)

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
        self._close_pty()
        if os.path.lexists(self.port):
            os.unlink(self.port)

    def wait(self, timeout=None):
        """Wait until everything was sent."""
        return self.done.wait(timeout)

    # -- streaming ----------------------------------------------------------

    def _encode(self, start, stop):
        block = self.data[:, start:stop].T
        if self.protocol == "emgspasm":
            counts = np.round(block / SCALES["emgspasm"])
            frame = P.encode_data(counts, self._seq, int(self.sfreq), P.FMT_INT24,
                                  SCALES["emgspasm"])
            self._seq = (self._seq + 1) & 0xFFFF
            return frame
        if self.protocol == "cyton":
            counts = np.round(block / cyton.volts_per_count(24))
            frame = cyton.encode(counts, self._seq)
            self._seq = (self._seq + 1) & 0xFF
            return frame
        counts = np.round(block / SCALES["ascii"])
        return ascii_proto.encode(counts, leads_off=np.isnan(block).any(axis=1))

    def _commands(self):
        try:
            ready, _, _ = select.select([self._master], [], [], 0)
            if not ready:
                return
            data = os.read(self._master, 4096)
        except OSError:
            return
        if self.protocol == "cyton":
            if b"b" in data:
                self.streaming = True
            if b"s" in data:
                self.streaming = False
            return
        frames, _, _ = P.parse_frames(bytearray(data))
        for ftype, _ in frames:
            if ftype == P.T_START:
                self.streaming = True
            elif ftype == P.T_STOP:
                self.streaming = False
            elif ftype == P.T_IDENTIFY:
                self._write(P.encode_ident(
                    f"name=emgspasm-emulator;fw=1;channels={self.data.shape[0]};"
                    f"rate={int(self.sfreq)};format=int24"))

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
        step = self.frame_samples
        f = self.faults
        t0 = None  # set when streaming (re)starts
        paused = 0.0
        start = 0
        try:
            while start < n and not self._stop.is_set():
                stream_t = start / self.sfreq
                if 0 <= f.disconnect_at_s <= stream_t and f.disconnect_s > 0:
                    self._close_pty()
                    self._stop.wait(f.disconnect_s / max(self.speed, 1e-9))
                    self._open_pty()
                    start += int(f.disconnect_s * self.sfreq)
                    self._seq = (self._seq + int(f.disconnect_s * self.sfreq) // step) & 0xFFFF
                    f = Faults(f.corrupt_rate, f.drop_rate, f.pause_at_s, f.pause_s)
                    continue
                if 0 <= f.pause_at_s <= stream_t and f.pause_s > 0:
                    self._stop.wait(f.pause_s / max(self.speed, 1e-9))
                    paused += f.pause_s
                    f = Faults(f.corrupt_rate, f.drop_rate, -1.0, 0.0,
                               f.disconnect_at_s, f.disconnect_s)
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
                payload = self._encode(start, stop)
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
