"""``raw.bin``: the recorded samples, indexed chunk by chunk (each CRC
checked) rather than loaded; damaged stretches are skipped and kept as a
``LINK_gap``."""

import logging
import zlib
from pathlib import Path

import numpy as np

from ...engine.vocabulary import FLAG_GAP, LINK_ANNOTATIONS
from ...errors import InputFileError
from ._format import BYTES_PER_VALUE, CHUNK, CRC, HEAD, MAGIC, PIECE

log = logging.getLogger(__name__)

class SampleIndex:
    """Where the intact chunks of a session's ``raw.bin`` lie; samples and
    flags are read from them on demand (memory-mapped chunk by chunk).

    Attributes
    ----------
    path : Path
    n_channels : int
    n_samples : int
        Up to the end of the last intact chunk.
    notes : list of str
        The stretches skipped, one line each.
    """

    def __init__(self, path, n_channels, chunks, link_runs, notes):
        self.path = Path(path)
        self.n_channels = n_channels
        table = np.array(chunks, dtype=np.int64).reshape(-1, 3)
        self._starts, self._counts, self._offsets = table.T
        self.n_samples = int(self._starts[-1] + self._counts[-1]) if len(table) else 0
        self._links = link_runs
        self.notes = notes

    @classmethod
    def scan(cls, path, ch_names, sfreq):
        """Index ``raw.bin`` (a missing file holds no samples), checking every
        chunk's CRC and reading its link flags."""
        scanner = _Scanner(Path(path), len(ch_names), sfreq)
        try:
            scanner.run()
        except FileNotFoundError:
            return cls(path, len(ch_names), [], _LinkRuns(), [])
        except OSError as err:
            raise InputFileError(f"{path}: cannot read it ({err.strerror}).") from None
        return cls(path, len(ch_names), scanner.chunks, scanner.links, scanner.notes)

    def read(self, start, stop):
        """Samples ``start:stop`` (volts), NaN where samples were lost."""
        return self._gather(start, stop, "<f8", np.nan, 0)

    def read_flags(self, start, stop):
        """Link flags of samples ``start:stop``; ``FLAG_GAP`` where samples were lost."""
        return self._gather(start, stop, np.uint8, FLAG_GAP, 8 * self.n_channels)

    def link_annotations(self, sfreq, ch_names):
        """``(onsets, durations, descriptions, channels)`` of the ``LINK_*``
        annotations: one per run of a link flag on a channel."""
        return self._links.annotations(sfreq, ch_names)

    def _gather(self, start, stop, dtype, fill, skip_per_sample):
        out = np.full((self.n_channels, stop - start), fill, dtype)
        first = max(0, int(np.searchsorted(self._starts, start, "right")) - 1)
        for c0, n, offset in zip(self._starts[first:], self._counts[first:],
                                 self._offsets[first:]):
            if c0 >= stop:
                break
            a, b = max(start, c0), min(stop, c0 + n)
            if a < b:
                chunk = np.memmap(self.path, dtype, "r", shape=(self.n_channels, int(n)),
                                  offset=int(offset + skip_per_sample * n))
                out[:, a - start:b - start] = chunk[:, a - c0:b - c0]
        return out


class _Scanner:
    """One pass over ``raw.bin``: intact chunks, link-flag runs, skipped stretches."""

    def __init__(self, path, n_channels, sfreq):
        self.path, self.n_channels, self.sfreq = path, n_channels, sfreq
        self.chunks, self.links, self.notes = [], _LinkRuns(), []
        self._next_sample = 0

    def run(self):
        size = self.path.stat().st_size
        pos, bad_from, reason = 0, None, None
        with open(self.path, "rb") as fh:
            while pos < size:
                found = _chunk_at(fh, pos, size, self.n_channels)
                if not isinstance(found, str):
                    found = self._fits(found, pos, bad_from)
                if isinstance(found, str):
                    if bad_from is None:
                        bad_from, reason = pos, found
                    pos = _next_marker(fh, pos + 1, size)
                    continue
                if bad_from is not None:
                    self._skipped(bad_from, pos, reason, found[0])
                    bad_from = None
                self._accept(fh, *found)
                pos = found[3]
        if bad_from is not None:
            self._skipped(bad_from, size, reason, None)

    def _fits(self, chunk, pos, bad_from):
        """The chunk, or why it cannot follow the samples kept so far: a gap
        is allowed only where skipped bytes could have held the samples."""
        start = chunk[0]
        room = 0 if bad_from is None else (pos - bad_from) // (
            BYTES_PER_VALUE * self.n_channels)
        if self._next_sample <= start <= self._next_sample + room:
            return chunk
        return (f"a chunk that starts at sample {start} where sample "
                f"{self._next_sample} was due")

    def _accept(self, fh, start, n, data_offset, end):
        if start > self._next_sample:
            self.links.add_gap(self._next_sample, start, self.n_channels)
        fh.seek(data_offset + 8 * n * self.n_channels)
        flags = np.frombuffer(fh.read(n * self.n_channels), np.uint8)
        self.links.add_block(flags.reshape(self.n_channels, n), start)
        self.chunks.append((start, n, data_offset))
        self._next_sample = start + n

    def _skipped(self, a, b, reason, resumed_at):
        where = f"{self.path}: bytes {a}-{b}"
        if resumed_at is None:
            self.notes.append(f"{where} (the end) skipped: {reason} (the session did "
                              "not stop cleanly, or the file is damaged).")
            return
        text = f"{where} skipped: {reason}"
        if resumed_at > self._next_sample:
            lost = (self._next_sample, resumed_at)
            text += (f"; samples {lost[0]}-{lost[1]} ({lost[0] / self.sfreq:.3f}-"
                     f"{lost[1] / self.sfreq:.3f} s) kept as a gap (NaN, LINK_gap)")
        self.notes.append(text + ".")


def _chunk_at(fh, pos, size, n_channels):
    """``(start, samples, data offset, end)`` of the intact chunk at ``pos``,
    or why there is none."""
    fh.seek(pos)
    head = fh.read(HEAD)
    if len(head) < HEAD:
        return "an incomplete chunk header"
    if head[:len(MAGIC)] != MAGIC:
        return "no chunk marker"
    start, n, chans = CHUNK.unpack_from(head, len(MAGIC))
    if chans != n_channels:
        return (f"a chunk of {chans} channel(s) where session.json 'ch_names' "
                f"names {n_channels}")
    body = n * chans * BYTES_PER_VALUE
    end = pos + HEAD + body + CRC.size
    if end > size:
        return "an incomplete chunk"
    crc = zlib.crc32(head[len(MAGIC):])
    while body > 0:
        piece = fh.read(min(body, PIECE))
        if not piece:  # the file shrank under us
            return "an incomplete chunk"
        crc = zlib.crc32(piece, crc)
        body -= len(piece)
    if CRC.unpack(fh.read(CRC.size))[0] != crc:
        return "a chunk whose CRC does not match"
    return start, n, pos + HEAD, end


def _next_marker(fh, pos, size):
    """Position of the next chunk marker at or after ``pos`` (``size`` if none)."""
    while pos < size:
        fh.seek(pos)
        piece = fh.read(PIECE)
        found = piece.find(MAGIC)
        if found >= 0:
            return pos + found
        pos += max(1, len(piece) - len(MAGIC) + 1)
    return size


class _LinkRuns:
    """Runs of each link flag on each channel, gathered chunk by chunk."""

    def __init__(self):
        self._runs = {}  # (channel, bit) -> [[start, stop], ...]

    def add_block(self, flags, start):
        """Add the runs in ``flags`` (channels x samples) beginning at ``start``."""
        for bit, _ in LINK_ANNOTATIONS:
            on = (flags & bit) > 0
            for c in np.flatnonzero(on.any(axis=1)):
                padded = np.concatenate([[0], on[c].view(np.int8), [0]])
                edges = np.flatnonzero(np.diff(padded))
                for a, b in zip(edges[::2], edges[1::2]):
                    self._add(c, bit, start + a, start + b)

    def add_gap(self, start, stop, n_channels):
        """Samples ``start:stop`` were lost on every channel."""
        for c in range(n_channels):
            self._add(c, FLAG_GAP, start, stop)

    def _add(self, channel, bit, start, stop):
        runs = self._runs.setdefault((int(channel), bit), [])
        if runs and runs[-1][1] == start:
            runs[-1][1] = int(stop)
        else:
            runs.append([int(start), int(stop)])

    def annotations(self, sfreq, ch_names):
        """``(onsets, durations, descriptions, channels)`` in seconds."""
        labels = dict(LINK_ANNOTATIONS)
        rows = [(a / sfreq, (b - a) / sfreq, labels[bit], [ch_names[c]])
                for (c, bit), runs in sorted(self._runs.items()) for a, b in runs]
        return tuple(map(list, zip(*rows))) if rows else ([], [], [], [])


