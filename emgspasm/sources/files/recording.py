"""A recording opened for reading: what every reader returns, and what they share."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...engine.block import Block
from ...errors import InputFileError

UNIT_SCALE = {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "µv": 1e-6, "μv": 1e-6, "nv": 1e-9}
#: Surface EMG above this RMS is not plausible (V): a units mistake.
MAX_PLAUSIBLE_RMS_V = 0.05
#: Below this RMS (V) a non-constant signal is implausibly small.
MIN_PLAUSIBLE_RMS_V = 1e-8
#: The lowest sampling rate the detector is built and evaluated for (Hz).
MIN_SUPPORTED_SFREQ = 250.0


@dataclass
class Recording:
    """A readable recording.

    Attributes
    ----------
    path : Path
    sfreq : float
    ch_names : list of str
        The channels that will be analysed.
    n_samples : int
    source : str
        Which reader opened it.
    notes : list of str
        Warnings met while opening (dropped channels, assumed units, ...).
    meas_date : datetime | None
        When the recording started (timezone-aware, UTC), where the file says.
    conflicts : list of str
        Notes (also in ``notes``) where an option given contradicts what
        the file states (``--units mV`` on a file whose header says uV).
    """

    path: Path
    sfreq: float
    ch_names: list
    n_samples: int
    source: str
    notes: list = field(default_factory=list)
    _read: object = None
    link_flags: list = field(default_factory=list)
    meas_date: object = None
    conflicts: list = field(default_factory=list)

    @property
    def duration_s(self):
        """Length of the recording (s)."""
        return self.n_samples / self.sfreq

    def read(self, start, stop):
        """Samples ``start:stop`` of the analysed channels, in volts.

        Returns
        -------
        data : ndarray, shape (n_channels, stop - start)
        """
        start, stop = max(0, int(start)), min(self.n_samples, int(stop))
        if stop <= start:
            return np.zeros((len(self.ch_names), 0))
        try:
            return np.asarray(self._read(start, stop), dtype=np.float64)
        except InputFileError:
            raise
        except Exception as err:  # a reader failing mid-file: say where
            raise InputFileError(
                f"{self.path.name}: reading samples {start}-{stop} "
                f"({start / self.sfreq:.1f}-{stop / self.sfreq:.1f} s) failed: "
                f"{err}. The file may be truncated or corrupt.") from err

    def read_flags(self, start, stop):
        """Link flags recorded with the samples (``LINK_*`` annotations of a
        recorded live session), or None when the file has none."""
        if not self.link_flags:
            return None
        start, stop = max(0, int(start)), min(self.n_samples, int(stop))
        flags = np.zeros((len(self.ch_names), max(0, stop - start)), dtype=np.uint8)
        for c, a, b, bit in self.link_flags:
            lo, hi = max(a, start), min(b, stop)
            if lo < hi:
                flags[c, lo - start:hi - start] |= bit
        return flags

    def blocks(self, block_s=10.0):
        """Yield consecutive :class:`~emgspasm.engine.block.Block` objects
        of ``block_s`` seconds covering the recording, with its link flags."""
        step = max(1, int(round(block_s * self.sfreq)))
        for start in range(0, self.n_samples, step):
            yield Block(self.read(start, start + step),
                        self.read_flags(start, start + step))


def unit_key(unit):
    """A unit as a key of :data:`UNIT_SCALE` (``"µV"`` -> ``"uv"``); ``""`` for None."""
    return str(unit or "").strip().lower().replace("μ", "u").replace("µ", "u")


def unit_scale(unit, path, flag="--units"):
    key = unit_key(unit)
    if key not in UNIT_SCALE:
        raise InputFileError(
            f"{path.name}: unknown unit {unit!r}. Give the unit of the stored "
            f"numbers with {flag} V, mV or uV.")
    return UNIT_SCALE[key]


def header_conflict(path, channel, stated, given, flag="--units"):
    """The note for an option that contradicts the unit a file states."""
    stated = {"uv": "uV", "mv": "mV", "v": "V", "nv": "nV"}.get(stated, stated)
    return (f"{option(flag, given)} contradicts {path.name}, whose header says {stated} "
            f"for channel {channel!r}: the samples are read as {given}, as asked; leave "
            f"{flag.rstrip('=')} out to trust the file")


def option(flag, value):
    """``--units uV`` for the command line, ``units='uV'`` for a parameter."""
    return f"{flag}{value!r}" if flag.endswith("=") else f"{flag} {value}"


def choose(names, picks, path, default):
    if picks is None:
        return default
    chosen = []
    for p in picks:
        p = str(p)
        if p in names:
            chosen.append(names.index(p))
        elif p.isdigit() and int(p) < len(names):
            chosen.append(int(p))
        else:
            raise InputFileError(
                f"{path.name}: channel {p!r} not found. Channels: "
                f"{', '.join(names)}.")
    return chosen


