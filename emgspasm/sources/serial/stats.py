"""The counters every sensor decoder keeps."""

from dataclasses import dataclass


@dataclass
class DecoderStats:
    """Link counters, kept across reconnections.

    Attributes
    ----------
    bytes : int
        Bytes fed in.
    frames : int
        Good data frames (or lines) decoded.
    bad_frames : int
        Frames that do not decode: CRC failure, bad header or footer, a
        stretch of bytes that is no packet, a malformed line.
    rejected : int
        Frames (or lines) that decoded but were implausible: a rate outside
        what the engine accepts, a channel count or rate that differs from
        the stream's, samples that are not finite.
    lost_frames : int
        Frames missing according to the frame counter and the host clock.
    restarts : int
        Times the device's frame counter started again (a reset): segment
        boundaries, not gaps.
    gap_samples : int
        Samples (per channel) kept as gaps: lost frames, the silence of a
        restart, an outage.
    discarded_bytes : int
        Bytes dropped without a frame: over-long lines, the first (maybe
        cut) line of an ASCII connection, bytes between packets.
    decoder_errors : int
        Times the decoder raised and was replaced.
    reconnects : int
        Times the port was lost and opened again.
    outage_s : float
        Seconds the port was gone, over the finished outages (host clock).
    """

    bytes: int = 0
    frames: int = 0
    bad_frames: int = 0
    rejected: int = 0
    lost_frames: int = 0
    restarts: int = 0
    gap_samples: int = 0
    discarded_bytes: int = 0
    decoder_errors: int = 0
    reconnects: int = 0
    outage_s: float = 0.0
