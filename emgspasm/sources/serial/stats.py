"""The counters every sensor decoder keeps."""

from dataclasses import dataclass


@dataclass
class DecoderStats:
    """Link counters.

    Attributes
    ----------
    bytes : int
        Bytes fed in.
    frames : int
        Good data frames (or lines) decoded.
    bad_frames : int
        Frames rejected: CRC failure, bad header or footer, malformed line.
    lost_frames : int
        Frames missing according to the sequence numbers.
    reconnects : int
        Times the port was lost and opened again.
    """

    bytes: int = 0
    frames: int = 0
    bad_frames: int = 0
    lost_frames: int = 0
    reconnects: int = 0
