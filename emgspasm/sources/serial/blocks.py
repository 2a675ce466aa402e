"""What every sensor decoder returns, and the counters it keeps."""

from dataclasses import dataclass

import numpy as np

from ...engine.dsp._kernels import FLAG_GAP


@dataclass
class Block:
    """Decoded samples.

    Attributes
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Volts; NaN where nothing was received.
    flags : ndarray of uint8, same shape
        Link flags: 2 saturation, 8 leads-off, 16 gap (lost frames).
    """

    data: np.ndarray
    flags: np.ndarray

    @classmethod
    def gap(cls, n_samples, n_channels):
        """Samples that were lost on the link: NaN, flagged as a gap."""
        return cls(np.full((n_channels, n_samples), np.nan),
                   np.full((n_channels, n_samples), FLAG_GAP, dtype=np.uint8))

    @property
    def n_samples(self):
        """Samples per channel in the block."""
        return self.data.shape[1]


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
