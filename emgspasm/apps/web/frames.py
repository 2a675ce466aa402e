"""The bytes of one websocket frame of the web view.

A frame is a JSON header followed by the decimated signal::

    uint32 little-endian  L, the header's length in bytes (a multiple of 4)
    L bytes               the header, UTF-8 JSON padded with spaces
    float32 little-endian for each channel: low[n_bins], high[n_bins],
                          envelope[n_bins], in µV

The header says where the pixels sit in the stream (``first_bin``, ``spp``,
``n_bins``), when the newest sample arrived (``arrival_ms``, Unix epoch
milliseconds, so the page can measure sample-to-screen latency), and what
goes around the traces (thresholds, levels, quality, marks, feed).
"""

import json
import struct

import numpy as np


def payload(window):
    """The signal part of a frame.

    Parameters
    ----------
    window : Decimated

    Returns
    -------
    placement : dict
        ``first_bin``, ``spp`` and ``n_bins``, for the header.
    data : bytes
    """
    stacked = np.stack([window.low, window.high, window.envelope], axis=1)
    data = (stacked * 1e6).astype("<f4").tobytes()
    return {"first_bin": window.first_bin, "spp": window.spp,
            "n_bins": window.n_bins}, data


def frame(header, data):
    """Header and signal as one binary websocket message."""
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    return struct.pack("<I", len(text)) + text + data


def decode(message, n_channels):
    """The header and signal arrays of a frame (the page's reading, in Python).

    Returns
    -------
    header : dict
    signal : ndarray, shape (n_channels, 3, n_bins), float32
        Low, high and envelope per channel (µV).
    """
    (size,) = struct.unpack_from("<I", message)
    header = json.loads(message[4:4 + size])
    signal = np.frombuffer(message, "<f4", offset=4 + size)
    return header, signal.reshape(n_channels, 3, header["n_bins"])
