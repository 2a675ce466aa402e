"""One streaming engine for live monitoring, batch analysis and benchmarks.

:class:`Engine` owns a :class:`~emgspasm.dsp.chain.DSPChain` and a
:class:`~emgspasm.detect.detector.Detector`. A live sensor, a file replay
and a benchmark all feed it chunks through :meth:`Engine.process`, so a
file and a live stream of it give the same events.
"""

from dataclasses import dataclass

import numpy as np

from .config import Config
from .detect.detector import Detector
from .dsp.chain import ChainOutput, DSPChain


@dataclass(frozen=True)
class Step:
    """What one :meth:`Engine.process` call returns.

    Attributes
    ----------
    output : ChainOutput
        Filtered signal, envelopes, TKEO and quality flags of the chunk.
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
    >>> from emgspasm.engine import Engine
    >>> from emgspasm.truth.sim import simulate
    >>> rec = simulate(duration_s=20, n_channels=1, seed=1)
    >>> engine = Engine(rec.sfreq, rec.ch_names)
    >>> step = engine.process(rec.data)
    >>> tail = engine.finish()
    >>> labels = {e.label for e in engine.events}
    """

    def __init__(self, sfreq, ch_names, config=None, *, adc_scale=None):
        self.config = config or Config()
        self.chain = DSPChain(sfreq, ch_names, self.config, adc_scale=adc_scale)
        self.detector = Detector(self.chain.sfreq, self.chain.ch_names, self.config,
                                 (self.config.filters.bandpass_low_hz,
                                  self.chain.bandpass_high_hz),
                                 self.chain.ring_time_s)
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
        chunk = np.asarray(chunk)
        split = self.chain.samples_to_decision
        if chunk.ndim == 2 and 0 < split < chunk.shape[1]:
            # the auto notch decides inside this chunk: the detector learns the
            # chain's new ring-down at that very sample, however the stream is cut
            first = self.process(chunk[:, :split],
                                 None if flags is None else flags[:, :split])
            rest = self.process(chunk[:, split:],
                                None if flags is None else flags[:, split:])
            return Step(first.output.join(rest.output), first.notices + rest.notices)
        out = self.chain.process(chunk, flags)
        notices = self.detector.process(out)
        if split and not self.chain.samples_to_decision:
            self.detector.set_ring_time(self.chain.ring_time_s)
        return Step(out, notices)

    def finish(self):
        """Close the stream: end open bursts and spasms at the last sample.

        Returns
        -------
        notices : list of Notice
        """
        if self._finished:
            return []
        self._finished = True
        return self.detector.finish()

    def reset(self):
        """Start a new stream with the same configuration."""
        self.chain.reset()
        self.detector.reset()
        self.detector.set_ring_time(self.chain.ring_time_s)
        self._finished = False


def run(data, sfreq, ch_names, config=None, *, chunk_samples=None, adc_scale=None):
    """Replay a whole array through the engine.

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
    engine = Engine(sfreq, ch_names, config, adc_scale=adc_scale)
    notices = []
    n = data.shape[1]
    step = n if not chunk_samples else int(chunk_samples)
    for start in range(0, max(n, 1), max(step, 1)):
        notices += engine.process(data[:, start:start + step]).notices
    notices += engine.finish()
    return list(engine.events), notices
