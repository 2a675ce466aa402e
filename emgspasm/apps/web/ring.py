"""The last seconds of a live session's signal, and their min/max per pixel.

:class:`SignalRing` keeps the band-passed signal, the RMS envelope and the
quality flags of the last ``seconds`` of the stream (sample-major, as the
engine's chain writes them) and decimates them to a plot's pixel width:
per pixel the smallest and largest filtered sample and the largest envelope
value. Pixels are aligned to absolute stream samples (pixel ``k`` holds
samples ``k * spp`` to ``(k + 1) * spp - 1``), so a trace scrolls without
its shape flickering from one frame to the next.
"""

from dataclasses import dataclass

import numpy as np

from ..._check import check_number


@dataclass(frozen=True)
class Decimated:
    """A window of the signal at one value triple per pixel.

    Attributes
    ----------
    first_bin : int
        Index of the first pixel; it starts at stream sample ``first_bin * spp``.
    spp : int
        Samples per pixel.
    low, high : ndarray, shape (n_channels, n_bins), float32
        Smallest and largest band-passed sample in each pixel (V).
    envelope : ndarray, shape (n_channels, n_bins), float32
        Largest RMS envelope value in each pixel (V).
    """

    first_bin: int
    spp: int
    low: np.ndarray
    high: np.ndarray
    envelope: np.ndarray

    @property
    def n_bins(self):
        """Number of pixels holding samples."""
        return self.low.shape[1]


class SignalRing:
    """The last ``seconds`` of filtered signal, envelope and flags.

    Parameters
    ----------
    sfreq : float
    n_channels : int
    seconds : float
        How much of the stream to keep (the web view's time window).
    """

    def __init__(self, sfreq, n_channels, seconds):
        self.sfreq = check_number("sfreq", sfreq, 0, None, low_open=True)
        self.seconds = check_number("window_s", seconds, 0.5, 600)
        self.capacity = int(np.ceil(self.seconds * self.sfreq))
        self._filtered = np.zeros((self.capacity, n_channels), np.float32)
        self._envelope = np.zeros((self.capacity, n_channels), np.float32)
        self._flags = np.zeros((self.capacity, n_channels), np.uint8)
        self.end = 0  # stream index one past the newest sample held
        self._start = 0  # the oldest sample held

    @property
    def n_channels(self):
        """Number of channels."""
        return self._filtered.shape[1]

    @property
    def start(self):
        """Stream index of the oldest sample held."""
        return self._start

    def append(self, output):
        """Keep a chunk of the chain's output.

        Parameters
        ----------
        output : ChainOutput
            The engine's output for the next samples of the stream; a chunk
            that starts after :attr:`end` leaves the samples between unknown
            (they are forgotten, as if never held).
        """
        n = output.n_samples
        if n == 0:
            return
        data = output.by_sample
        first = output.start
        if first != self.end:
            self._start = first
        keep = min(n, self.capacity)
        index = np.arange(first + n - keep, first + n) % self.capacity
        self._filtered[index] = data.filtered[n - keep:]
        self._envelope[index] = data.rms[n - keep:]
        self._flags[index] = data.flags[n - keep:]
        self.end = first + n
        self._start = max(self._start, self.end - self.capacity)

    def _take(self, first, stop, array):
        """Samples ``first`` to ``stop - 1`` (all held), sample-major."""
        a, b = first % self.capacity, stop % self.capacity
        if a < b or stop == first:
            return array[a:b] if a < b else array[:0]
        return np.concatenate([array[a:], array[:b]])

    def decimate(self, width):
        """The window at ``width`` pixels: min, max and envelope per pixel.

        Parameters
        ----------
        width : int
            Pixels across the plot; the window of ``seconds`` is spread over them.

        Returns
        -------
        window : Decimated
            Only pixels whose every sample is held, except the newest, which
            may be partly filled.
        """
        width = int(check_number("width", width, 1, 100_000, integer=True))
        spp = max(1, int(np.ceil(self.capacity / width)))
        n_ch = self.n_channels
        last_bin = (self.end - 1) // spp
        first_bin = max(last_bin - width + 1, -(-self._start // spp))
        first = first_bin * spp
        if first >= self.end:  # nothing held, or too little to fill a pixel's start
            empty = np.zeros((n_ch, 0), np.float32)
            return Decimated(first_bin, spp, empty, empty, empty)
        filtered = self._take(first, self.end, self._filtered)
        envelope = self._take(first, self.end, self._envelope)
        starts = np.arange(0, self.end - first, spp)  # the last pixel may be partial
        low = np.minimum.reduceat(filtered, starts, axis=0)
        high = np.maximum.reduceat(filtered, starts, axis=0)
        env = np.maximum.reduceat(envelope, starts, axis=0)
        return Decimated(first_bin, spp, low.T, high.T, env.T)

    def quality(self):
        """Per channel, the share of held samples that are flagged, and the
        flag bits seen (or-ed).

        Returns
        -------
        bad_fraction : ndarray, shape (n_channels,)
        bits : ndarray of int, shape (n_channels,)
        """
        n = self.end - self._start
        if n == 0:
            return np.zeros(self.n_channels), np.zeros(self.n_channels, int)
        flags = self._take(self._start, self.end, self._flags)
        bad = (flags != 0).mean(axis=0)
        bits = np.bitwise_or.reduce(flags, axis=0).astype(int)
        return bad, bits
