"""What the report needs, gathered during the one replay of a recording.

:class:`ReportCollector` is fed every engine :class:`~emgspasm.engine.streaming.Step`
and keeps, within a fixed memory budget whatever the recording's length:

- the RMS envelope's minimum and maximum per overview bin, per channel;
- a coarse min/max trace of the filtered signal (single samples for
  recordings up to a few minutes, bins of a fraction of a second for a day);
- a ring of the last ``RING_S`` seconds of the filtered signal at full rate;
- for every event the engine reports, a compact stretch of its filtered
  signal (the event with some signal either side), cut once the stream has
  passed it: from the ring where it is still there, from the coarse trace
  otherwise (a spasm of many minutes); and
- the best examples of each class at finer resolution.

The traces are the engine's own filtered output (the configured band-pass
and the mains notches it ran), not a second filter.
"""

import numpy as np

from ..._check import check_number, invalid
from ...engine.vocabulary import SPASM
from .traces import decimate

#: Overview bins per channel: enough for a wide screen, small for a day.
OVERVIEW_POINTS = 3000
#: Float32 values (min and max, all channels) the coarse trace may hold:
#: 32 MB; 8 channels of a 24-hour recording get 0.2 s bins.
COARSE_VALUES = 4_000_000
#: Seconds of full-rate filtered signal kept for cutting event stretches.
RING_S = 60.0
#: Float32 values the ring may hold (32 MB); many fast channels get less time.
RING_VALUES = 8_000_000
#: Values of one event's stretch in the events table (a fasciculation with
#: its surroundings sample by sample at 1 kHz; longer events as min/max).
SNIPPET_VALUES = 400
#: Snippets a class keeps while collecting; beyond it every 2nd, then 4th,
#: ... is kept, evenly in time (a day of heartbeats picked up on 8 channels
#: is ~700 000 artefacts). The page keeps fewer still (see ``payload``).
MAX_SNIPPETS_PER_CLASS = 20_000
#: Values of one example trace (a 36 s spasm at 2 kHz as 2000 min/max bins).
EXAMPLE_VALUES = 4000
#: Examples kept per class.
EXAMPLES = 3
#: The first seconds of the stream, where the filters' notches are still
#: settling; examples are chosen after them where there are any.
SETTLE_S = 1.0


def window(event):
    """Seconds of signal shown around ``event``: ``(start, stop)``.

    A quarter of a second either side of short events, more for long ones
    (a quarter of their length, at most 2 s).
    """
    pad = min(2.0, max(0.25, 0.25 * event.duration))
    return max(0.0, event.onset - pad), event.offset + pad


def _key(event):
    return (event.channel, event.onset, event.label)


class ReportCollector:
    """Gather the report's data from the steps of one replay.

    Parameters
    ----------
    sfreq : float
    ch_names : list of str
    n_samples : int
        Length of the recording (samples): sets the bin sizes. Samples
        beyond it are not kept.

    Raises
    ------
    ConfigError
        When ``sfreq`` is not positive, ``ch_names`` is empty or
        ``n_samples`` is not a count.

    Examples
    --------
    >>> from emgspasm.engine.streaming import Engine
    >>> from emgspasm.truth.sim import simulate
    >>> rec = simulate(duration_s=5, n_channels=1, seed=1)
    >>> engine = Engine(rec.sfreq, rec.ch_names)
    >>> collector = ReportCollector(rec.sfreq, rec.ch_names, rec.data.shape[1])
    >>> for step in engine.steps([rec.data]):
    ...     collector.add(step)
    >>> collector.close()
    """

    def __init__(self, sfreq, ch_names, n_samples):
        self.sfreq = check_number("sfreq", sfreq, 0, None, low_open=True)
        if isinstance(ch_names, str) or not ch_names:
            raise invalid("ch_names", "a non-empty list of channel names", ch_names)
        self.ch_names = [str(name) for name in ch_names]
        self.n_samples = max(1, check_number("n_samples", n_samples, 0, None, integer=True))
        n_ch = len(self.ch_names)
        self._index = {name: i for i, name in enumerate(self.ch_names)}
        self.overview_per_bin = int(np.ceil(self.n_samples / OVERVIEW_POINTS))
        n_ov = int(np.ceil(self.n_samples / self.overview_per_bin))
        self._env_lo = np.full((n_ov, n_ch), np.inf, dtype=np.float32)
        self._env_hi = np.full((n_ov, n_ch), -np.inf, dtype=np.float32)
        self.coarse_per_bin = max(1, int(np.ceil(self.n_samples * n_ch * 2 / COARSE_VALUES)))
        n_coarse = int(np.ceil(self.n_samples / self.coarse_per_bin))
        self._lo = np.zeros((n_coarse, n_ch), dtype=np.float32)
        self._hi = self._lo if self.coarse_per_bin == 1 else np.zeros_like(self._lo)
        self._ring_n = max(1, min(int(RING_S * self.sfreq), RING_VALUES // n_ch))
        self._ring = np.zeros((self._ring_n, n_ch), dtype=np.float32)
        self._seen = 0
        self._pending = {}
        self._snippets = {}
        self._examples = {}
        self._longest = {}
        self._counts, self._strides, self._kept = {}, {}, {}

    def add(self, step):
        """Take in one engine step: its chain output and its notices."""
        out = step.output
        if out.n_samples:
            self._add_output(out.start, out.by_sample.filtered, out.by_sample.rms)
        for notice in step.notices:
            event = notice.event
            if event is None:
                continue
            if notice.kind == "event_retract":
                for store in (self._pending, self._snippets):
                    store.pop(_key(event), None)
                self._drop_example(event)
            elif notice.kind in ("event", "spasm_end", "event_update"):
                self._pending[_key(event)] = event
        self._cut(final=False)

    def close(self):
        """Cut whatever is still pending from the signal there is (the end of
        the stream cuts short the stretch after the last events)."""
        self._cut(final=True)

    def overview(self):
        """The RMS envelope per overview bin.

        Returns
        -------
        t0 : ndarray, shape (n_bins,)
            Start of each bin (s).
        lo, hi : ndarray, shape (n_channels, n_bins)
            Minimum and maximum of the envelope in each bin (V); NaN where
            no signal came.
        """
        lo, hi = self._env_lo.T.astype(np.float64), self._env_hi.T.astype(np.float64)
        empty = ~np.isfinite(lo)
        lo[empty], hi[empty] = np.nan, np.nan
        t0 = np.arange(lo.shape[1]) * self.overview_per_bin / self.sfreq
        return t0, lo, hi

    def snippet(self, event):
        """The stretch of filtered signal cut for ``event``, or None."""
        return self._snippets.get(_key(event))

    def examples(self, events):
        """The examples kept for each class, among ``events``.

        Returns
        -------
        examples : dict of str to list of (Event, Trace)
            Per label, best first: events after the filters settled before
            those in the first ``SETTLE_S``, then by confidence; for spasms
            the longest is always among them.
        """
        standing = {_key(e): e for e in events}
        out = {}
        for label, kept in self._examples.items():
            chosen = [(standing[_key(ev)], tr) for _, ev, tr in kept
                      if _key(ev) in standing]
            longest = self._longest.get(label)
            if (longest and _key(longest[1]) in standing
                    and all(_key(ev) != _key(longest[1]) for ev, _ in chosen)):
                chosen = chosen[:EXAMPLES - 1] + [(standing[_key(longest[1])],
                                                   longest[2])]
            if chosen:
                out[label] = chosen
        return out

    # -- internals ---------------------------------------------------------

    def _add_output(self, start, filtered, rms):
        room = self.n_samples - start  # a reader may deliver more than it announced
        if room <= 0:
            return
        filtered, rms = filtered[:room], rms[:room]
        n = len(filtered)
        per = self.overview_per_bin
        first = start // per
        edges = np.arange(first * per, start + n, per)
        at = np.clip(edges - start, 0, None)
        rows = slice(first, first + len(at))
        self._env_lo[rows] = np.minimum(self._env_lo[rows], np.minimum.reduceat(rms, at))
        self._env_hi[rows] = np.maximum(self._env_hi[rows], np.maximum.reduceat(rms, at))
        per = self.coarse_per_bin
        if per == 1:
            self._lo[start:start + n] = filtered
        else:
            first = start // per
            edges = np.arange(first * per, start + n, per)
            at = np.clip(edges - start, 0, None)
            lo, hi = np.minimum.reduceat(filtered, at), np.maximum.reduceat(filtered, at)
            if start % per:  # the first bin began in the previous chunk
                lo[0] = np.minimum(lo[0], self._lo[first])
                hi[0] = np.maximum(hi[0], self._hi[first])
            self._lo[first:first + len(at)] = lo
            self._hi[first:first + len(at)] = hi
        ring = self._ring_n
        tail = filtered[-ring:]
        pos = (start + n - len(tail)) % ring
        cut = min(len(tail), ring - pos)
        self._ring[pos:pos + cut] = tail[:cut]
        self._ring[:len(tail) - cut] = tail[cut:]
        self._seen = start + n

    def _cut(self, final):
        for key, event in list(self._pending.items()):
            a, b = window(event)
            if not final and b * self.sfreq > self._seen:
                continue
            del self._pending[key]
            self._take(key, event, a, b)

    def _take(self, key, event, a, b):
        ch = self._index.get(event.channel)
        if ch is None:
            return
        a = max(0, int(np.floor(a * self.sfreq)))
        b = min(self._seen, int(np.ceil(b * self.sfreq)))
        if b <= a:
            return
        if a >= self._seen - self._ring_n:
            rows = np.arange(a, b) % self._ring_n
            x = self._ring[rows, ch]
            lo, hi, t0, dt = x, x, a / self.sfreq, 1.0 / self.sfreq
        else:
            per = self.coarse_per_bin
            i, j = a // per, -(-b // per)
            lo, hi = self._lo[i:j, ch], self._hi[i:j, ch]
            t0, dt = i * per / self.sfreq, per / self.sfreq
        if self._sample(event.label, key):
            self._snippets[key] = decimate(t0, dt, lo, hi, SNIPPET_VALUES)
        self._offer_example(event, (t0, dt, lo, hi))

    def _sample(self, label, key):
        """Whether ``key``'s snippet is kept: every one of a class until it has
        ``MAX_SNIPPETS_PER_CLASS``, then every 2nd, 4th, ... (evenly in time)."""
        count = self._counts.get(label, 0)
        self._counts[label] = count + 1
        stride = self._strides.get(label, 1)
        if count % stride:
            return False
        kept = self._kept.setdefault(label, [])
        kept.append((count, key))
        if len(kept) > MAX_SNIPPETS_PER_CLASS:
            stride *= 2
            self._strides[label] = stride
            for ordinal, old in kept:
                if ordinal % stride:
                    self._snippets.pop(old, None)
            kept[:] = [(o, k) for o, k in kept if o % stride == 0]
        return count % stride == 0

    def _offer_example(self, event, source):
        kept = self._examples.setdefault(event.label, [])
        kept[:] = [k for k in kept if _key(k[1]) != _key(event)]
        score = (window(event)[0] >= SETTLE_S, event.confidence or 0.0, event.duration)
        longest = self._longest.get(event.label)
        is_longest = event.label == SPASM and (
            longest is None or _key(longest[1]) == _key(event) or event.duration > longest[0])
        if len(kept) >= EXAMPLES and score <= kept[-1][0] and not is_longest:
            return
        trace = decimate(*source, EXAMPLE_VALUES)
        kept.append((score, event, trace))
        kept.sort(key=lambda k: k[0], reverse=True)
        del kept[EXAMPLES:]
        if is_longest:
            self._longest[SPASM] = (event.duration, event, trace)

    def _drop_example(self, event):
        kept = self._examples.get(event.label, [])
        kept[:] = [k for k in kept if _key(k[1]) != _key(event)]
        longest = self._longest.get(event.label)
        if longest and _key(longest[1]) == _key(event):
            del self._longest[event.label]
