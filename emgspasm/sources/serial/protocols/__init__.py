"""Sensor protocols, one module each, found by name.

Each module defines ``PROTOCOL``, a :class:`Protocol`: how to decode the
sensor's bytes, the baud rate, what the host sends to start and to stop the
stream, and the device side the emulator uses to speak it. Adding a sensor
means adding one module here and its name to :data:`NAMES`.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ...._check import check_option

#: Protocols there is a module for.
NAMES = ("emgspasm", "cyton", "ascii")


@dataclass(frozen=True)
class Protocol:
    """What the host needs to know to talk to one kind of sensor.

    Attributes
    ----------
    name : str
    summary : str
        One line for help texts.
    baudrate : int
        Default baud rate.
    start_command, stop_command : bytes or None
        Sent after every (re)connection and before letting go of the port.
    identify_command : bytes or None
        Asks the device to describe itself (the decoder keeps the answer in
        its ``ident``); sent once after connecting.
    make_decoder : callable
        ``make_decoder(scale=None, sfreq=None)`` returns a fresh
        :class:`~emgspasm.sources.serial.decoding.Decoder` (``feed(bytes)``
        returns Blocks and LinkEvents in stream order; ``continue_from``,
        ``stats``, ``sfreq``, ``n_channels``); ``scale`` (volts per count)
        and ``sfreq`` are for sensors that do not state them. Raises
        ``ConfigError`` when the protocol needs one that is missing or gets
        one out of range.
    make_device : callable
        ``make_device(n_channels, sfreq, frame_samples)`` returns the device
        side for the emulator (``encode``, ``skip``, ``restart``, ``answer``;
        see :class:`~emgspasm.sources.serial.emulator.Emulator`).
    """

    name: str
    summary: str
    baudrate: int
    start_command: bytes | None
    stop_command: bytes | None
    identify_command: bytes | None
    make_decoder: Callable
    make_device: Callable


def get(name):
    """The :class:`Protocol` called ``name`` (one of :data:`NAMES`)."""
    check_option("protocol", name, NAMES)
    return importlib.import_module(f"{__name__}.{name}").PROTOCOL


def make_decoder(protocol, *, scale=None, sfreq=None):
    """A fresh decoder for ``protocol`` (see :attr:`Protocol.make_decoder`)."""
    return get(protocol).make_decoder(scale=scale, sfreq=sfreq)
