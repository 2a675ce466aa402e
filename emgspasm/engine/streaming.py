"""One streaming engine for live monitoring, batch analysis and benchmarks.

:class:`Engine` owns a :class:`~emgspasm.engine.dsp.chain.DSPChain` and a
:class:`~emgspasm.engine.detect.detector.Detector`. A live sensor, a file
replay, the evaluation and a benchmark all drive it through one loop,
:meth:`Engine.steps` (or :meth:`Engine.replay`, which collects what the
steps announce), so a file and a live stream of it give the same events.
"""

from dataclasses import dataclass

import numpy as np

from .block import Block
from .config import Config
from .detect.detector import Detector
from .dsp.chain import ChainOutput, DSPChain


@dataclass(frozen=True)
class Step:
    """What one :meth:`Engine.process` call returns.

    Attributes
    ----------
    output : ChainOutput
        Filtered signal, envelope, TKEO and quality flags of the chunk.
    notices : list of Notice
        Announcements that became due during the chunk, in stream order.
    """

    output: ChainOutput
    notices: list


class Engine:
    """Filter and detect, chunk by chunk.

    Parameters
    ----------
    sfreq : float
        Sampling rate (Hz).
    ch_names : list of str
    config : Config | None
    adc_scale : float | None
        Volts per count when chunks are integer ADC counts.

    Examples
    --------
    >>> from emgspasm.engine.streaming import Engine
    >>> from emgspasm.truth.sim import simulate
    >>> rec = simulate(duration_s=20, n_channels=1, seed=1)
    >>> engine = Engine(rec.sfreq, rec.ch_names)
    >>> events, notices = engine.replay([rec.data])
    >>> labels = {e.label for e in events}
    """

    def __init__(self, sfreq, ch_names, config=None, *, adc_scale=None):
        self.config = config or Config()
        self.chain = DSPChain(sfreq, ch_names, self.config, adc_scale=adc_scale)
        self.detector = Detector(self.chain.sfreq, self.chain.ch_names, self.config,
                                 (self.config.filters.bandpass_low_hz,
                                  self.chain.bandpass_high_hz))
        self._finished = False

    @property
    def sfreq(self):
        """Sampling rate (Hz)."""
        return self.chain.sfreq

    @property
    def ch_names(self):
        """Channel names."""
        return self.chain.ch_names

    @property
    def events(self):
        """Final events found so far, in the order they were committed.

        Events committed at the same sample are ordered by channel, onset
        and label, so the order never depends on how the stream was cut.
        """
        order = {name: i for i, name in enumerate(self.ch_names)}
        return sorted(self.detector.events,
                      key=lambda e: (e.detected_at, order[e.channel], e.onset, e.label))

    @property
    def stream_time(self):
        """Seconds of signal processed."""
        return self.chain.samples_seen / self.chain.sfreq

    def process(self, chunk, flags=None):
        """Filter one chunk and run the detector over it.

        Parameters
        ----------
        chunk : ndarray, shape (n_channels, n_samples)
        flags : ndarray of uint8, optional
            Link flags for the same samples (see :meth:`DSPChain.process`).

        Returns
        -------
        step : Step
        """
        out = self.chain.process(chunk, flags)
        return Step(out, self.detector.process(out))

    def finish(self):
        """Close the stream: end open bursts and spasms at the last sample.

        Returns
        -------
        notices : list of Notice
            Empty when the stream was already finished.
        """
        if self._finished:
            return []
        self._finished = True
        return self.detector.finish()

    def steps(self, blocks):
        """The driver loop: process every block, then finish the stream.

        Parameters
        ----------
        blocks : iterable of Block or ndarray
            Chunks in stream order, (n_channels, n_samples) each; a
            :class:`~emgspasm.engine.block.Block` also carries link flags.
            The iterable may wait for its next block (a live sensor).

        Yields
        ------
        step : Step
            One per block, and a last one with no samples whose notices close
            what was still open at the end of the stream.
        """
        for block in blocks:
            if isinstance(block, Block):
                yield self.process(block.data, block.flags)
            else:
                yield self.process(block)
        yield Step(self.chain.process(np.zeros((len(self.ch_names), 0))), self.finish())

    def replay(self, blocks):
        """Run :meth:`steps` to the end.

        Returns
        -------
        events : list of Event
            The final events (see :attr:`events`).
        notices : list of Notice
            Everything announced, in stream order.
        """
        notices = []
        for step in self.steps(blocks):
            notices += step.notices
        return self.events, notices

    def reset(self):
        """Start a new stream with the same configuration."""
        self.chain.reset()
        self.detector.reset()
        self._finished = False


def run(data, sfreq, ch_names, config=None, *, chunk_samples=None, adc_scale=None):
    """Replay a whole array through a new engine.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
    sfreq : float
    ch_names : list of str
    config : Config | None
    chunk_samples : int | None
        Feed in chunks of this size (None: one pass). The events are the same
        either way.
    adc_scale : float | None

    Returns
    -------
    events : list of Event
    notices : list of Notice
    """
    step = data.shape[1] if not chunk_samples else int(chunk_samples)
    chunks = (data[:, start:start + step]
              for start in range(0, max(data.shape[1], 1), max(step, 1)))
    return Engine(sfreq, ch_names, config, adc_scale=adc_scale).replay(chunks)
