"""The unit every source hands the engine: samples with their link flags."""

from dataclasses import dataclass

import numpy as np

from .vocabulary import FLAG_GAP


@dataclass
class Block:
    """Consecutive samples of every channel.

    Attributes
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Volts (or integer ADC counts, for an engine built with ``adc_scale``);
        NaN where nothing was received.
    flags : ndarray of uint8, same shape, or None
        Flags set by the source (see :mod:`emgspasm.engine.vocabulary`):
        saturation (``FLAG_CLIPPED``), leads-off, gaps. None: no flags.
    """

    data: np.ndarray
    flags: np.ndarray | None = None

    @classmethod
    def gap(cls, n_samples, n_channels):
        """Samples that were lost on the way: NaN, flagged as a gap."""
        return cls(np.full((n_channels, n_samples), np.nan),
                   np.full((n_channels, n_samples), FLAG_GAP, dtype=np.uint8))

    @classmethod
    def empty(cls, n_channels):
        """No samples."""
        return cls(np.zeros((n_channels, 0)), np.zeros((n_channels, 0), np.uint8))

    @classmethod
    def concatenate(cls, blocks):
        """Consecutive blocks of the same channels as one block."""
        if len(blocks) == 1:
            return blocks[0]
        data = np.concatenate([b.data for b in blocks], axis=1)
        if all(b.flags is None for b in blocks):
            return cls(data)
        flags = [np.zeros(b.data.shape, np.uint8) if b.flags is None else b.flags
                 for b in blocks]
        return cls(data, np.concatenate(flags, axis=1))

    @property
    def n_samples(self):
        """Samples per channel in the block."""
        return self.data.shape[1]
