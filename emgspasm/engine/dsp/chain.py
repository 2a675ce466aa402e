"""The configured, stateful DSP chain."""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..._check import check_number, invalid
from ..config import Config
from ...errors import ConfigError, InputDataError
from . import _design, _kernels, _mains, _mains_track

MIN_SFREQ = 100.0
MAX_SFREQ = 100_000.0
MAX_CHANNELS = 256


class SampleMajor(NamedTuple):
    """The chain's outputs as the kernels write them: one row per sample.

    Every array has shape (n_samples, n_channels); see :class:`ChainOutput`
    for what each holds.
    """

    filtered: np.ndarray
    lowband: np.ndarray
    rms: np.ndarray
    tkeo: np.ndarray
    flags: np.ndarray


@dataclass(frozen=True)
class ChainOutput:
    """What :meth:`DSPChain.process` returns for one chunk.

    The arrays are stored as the kernels write them (:attr:`by_sample`, one
    row per sample, which is what the detector reads); the properties show
    them one row per channel, shaped like the chunk that went in.

    Attributes
    ----------
    start : int
        Index of the chunk's first sample in the stream.
    by_sample : SampleMajor
        The outputs, shape (n_samples, n_channels) each.
    ring_times : tuple of (int, float)
        ``(stream_index, seconds)``: the amplitude time constant of the
        chain's slowest ring-down (see :attr:`DSPChain.ring_time_s`) from
        that sample on. One entry, at ``start``, unless the ``"auto"`` notch
        decided inside the chunk; then a second entry marks the sample from
        which the decided notches run.
    """

    start: int
    by_sample: SampleMajor
    ring_times: tuple

    @property
    def n_samples(self):
        """Number of samples in the chunk."""
        return self.by_sample.filtered.shape[0]

    @property
    def filtered(self):
        """Band-passed and notched signal (V), (n_channels, n_samples)."""
        return self.by_sample.filtered.T

    @property
    def lowband(self):
        """Raw signal in the 2-20 Hz artefact band (V), (n_channels, n_samples).

        Pops, motion and ECG show there and muscle hardly does. Above 1 kHz
        it is computed on boxcar averages of ``D`` samples at ``sfreq / D``
        (500-1000 Hz) and each value is held for ``D`` samples (see
        :func:`emgspasm.engine.dsp._design.artifact_band_decimation`).
        """
        return self.by_sample.lowband.T

    @property
    def rms(self):
        """Moving RMS over ``envelope.rms_window_s`` (V), (n_channels, n_samples)."""
        return self.by_sample.rms.T

    @property
    def tkeo(self):
        """Teager-Kaiser energy of the filtered signal (V^2), one sample late:
        column ``n`` holds ``y[n-1]**2 - y[n-2] * y[n]``."""
        return self.by_sample.tkeo.T

    @property
    def flags(self):
        """Quality bits (uint8), (n_channels, n_samples): see
        :mod:`emgspasm.engine.vocabulary` (``FLAG_*``); the chain sets
        non-finite (replaced by the last finite sample), clipped and flat,
        and merges the sensor link's leads-off, saturation and gap bits."""
        return self.by_sample.flags.T


class DSPChain:
    """Band-pass, mains notch, rectification, envelopes and TKEO, chunk by chunk.

    Parameters
    ----------
    sfreq : float
        Sampling rate (Hz).
    ch_names : list of str
        One unique name per channel.
    config : Config | None
        Engine configuration; the ``filters``, ``envelope`` and ``quality``
        sections are used. None means the defaults.
    adc_scale : float | None
        Volts per count, required when chunks are integer ADC counts.
    mains : MainsDecision | None
        With ``filters.notch = "auto"``: a decision already taken (by an
        earlier pass over the same recording, see :attr:`mains`), so the
        chain notches exactly what that pass notched from the first sample
        instead of deciding again.

    Notes
    -----
    All filters are designed here, once. :meth:`process` feeds any number of
    samples (0, 1, or many) and the output does not depend on how the stream
    was split. Filter states are seeded from the first sample at steady state,
    so the output does not start with a transient. NaN/Inf samples are
    replaced by the last finite value before filtering (and flagged), so a
    bad stretch never poisons the filter state.

    Examples
    --------
    >>> import numpy as np
    >>> from emgspasm.engine.dsp.chain import DSPChain
    >>> chain = DSPChain(2000.0, ["EMG1", "EMG2"])
    >>> out = chain.process(np.zeros((2, 200)))
    >>> out.rms.shape
    (2, 200)
    """

    def __init__(self, sfreq, ch_names, config=None, *, adc_scale=None, mains=None):
        self.sfreq = check_number("sfreq", sfreq, MIN_SFREQ, MAX_SFREQ)
        self.ch_names = _check_channels(ch_names)
        if config is None:
            config = Config()
        if not isinstance(config, Config):
            raise invalid("config", "an emgspasm.Config or None",
                          type(config).__name__)
        self.config = config
        self.adc_scale = None if adc_scale is None else check_number(
            "adc_scale", adc_scale, 0, None, low_open=True)
        filt = config.filters
        bp, self.bandpass_high_hz = _design.bandpass_sos(
            self.sfreq, filt.bandpass_low_hz, filt.bandpass_high_hz,
            filt.bandpass_order)
        banks = {}
        if filt.notch == "auto":
            candidates = _design.MAINS_CHOICES
        elif filt.notch == "off":
            candidates = ()
        else:
            candidates = (float(filt.notch),)
        for candidate in candidates:
            banks[candidate] = _design.notch_sos(self.sfreq, candidate, filt.notch_q,
                                                 filt.notch_harmonics)
        self._designed_sos = np.vstack([bp] + [sos for sos, _ in banks.values()])
        self._first_notch = len(bp)
        self._band_width_hz = self.bandpass_high_hz - filt.bandpass_low_hz
        self._bank_rows = {}
        row = len(bp)
        for candidate, (sos, freqs) in banks.items():
            self._bank_rows[candidate] = (row, row + len(sos), freqs)
            row += len(sos)
        self._zi_unit = _design.unit_state(self._designed_sos)
        self._lb_decim = _design.artifact_band_decimation(self.sfreq)
        self._lb_sos = _design.artifact_band_sos(self.sfreq)
        self._lb_on = np.ones(len(self._lb_sos), dtype=np.uint8)
        self._lb_zi = _design.unit_state(self._lb_sos)
        self._rms_window = max(1, round(config.envelope.rms_window_s * self.sfreq))
        self._flat_run = max(2, round(config.quality.flat_s * self.sfreq))
        if mains is not None and (filt.notch != "auto" or mains.mode != "auto"
                                  or mains.mains_hz not in (None, *_design.MAINS_CHOICES)):
            raise invalid("mains", "a decision of the 'auto' notch, with "
                          "filters.notch = 'auto'", mains)
        self._given_mains = mains
        if filt.notch == "auto":
            self._probe_total = max(16, round(filt.notch_auto_s * self.sfreq))
            self._probe_freqs, self._probe_groups = _mains.probe_frequencies(
                self.sfreq)
        self.reset()

    @property
    def n_channels(self):
        """Number of channels."""
        return len(self.ch_names)

    @property
    def ring_time_s(self):
        """Amplitude time constant (s) of the chain's slowest ring-down.

        A second-order notch of bandwidth B rings for 1 / (pi B); with no
        notch the band-pass's high-pass edge sets it. Before ``"auto"`` has
        decided, both candidates are notched and the 50 Hz one rings longest.
        """
        filt = self.config.filters
        if not self._decided:
            return filt.notch_q / (np.pi * 50.0)
        if self.mains.mains_hz is None:
            return 1.0 / (np.pi * filt.bandpass_low_hz)
        return filt.notch_q / (np.pi * self.mains.mains_hz)

    @property
    def samples_seen(self):
        """Samples processed since construction or the last :meth:`reset`."""
        return self._seen

    @property
    def notch_frequencies(self):
        """Frequencies (Hz) currently notched."""
        freqs = []
        for first, _, bank in self._bank_rows.values():
            freqs += [f for j, f in enumerate(bank) if self._enabled[first + j]]
        return sorted(freqs)

    def reset(self):
        """Forget the stream: the only place state is (re)initialised."""
        n_sec, n_ch = len(self._designed_sos), self.n_channels
        self._sos = self._designed_sos.copy()
        self._enabled = np.ones(n_sec, dtype=np.uint8)
        self._notch_k = np.zeros(n_sec, dtype=np.int64)
        self._track = _mains_track.params(self.sfreq, None, 0.0, self._first_notch,
                                          self._band_width_hz)
        self._track_state, self._track_chan = _mains_track.new_state(n_ch)
        if self.config.filters.notch == "auto":
            # until the decision, notch the first harmonics of both candidates
            for first, last, _ in self._bank_rows.values():
                self._enabled[first + _mains.PRESENCE_HARMONICS:last] = 0
        self._z = np.zeros((n_sec, 2, n_ch))
        self._lb_z = np.zeros((len(self._lb_sos), 2, n_ch))
        self._lb_dec = np.zeros((_kernels.MAX_BLOCK, n_ch))
        self._rms_buf = np.zeros((self._rms_window, n_ch))
        self._fstate = np.zeros((_kernels.N_FSTATE, n_ch))
        self._runs = np.zeros(n_ch, dtype=np.int64)
        self._gstate = np.zeros(_kernels.N_GSTATE, dtype=np.int64)
        self._seen = 0
        notch = self.config.filters.notch
        if self._given_mains is not None:
            self.mains = self._given_mains
            self._enable_decided()
        elif notch == "auto":
            self._decided = False
            self._probe_acc = np.zeros((len(self._probe_freqs), 2, n_ch))
            angle = 2 * np.pi * self._probe_freqs / self.sfreq
            self._probe_step = np.stack([np.cos(angle), np.sin(angle)], axis=1)
            self._probe_rot = np.zeros_like(self._probe_step)
            self._probe_rot[:, 0] = 1.0
            angle = 2 * np.pi / (self._probe_total - 1)
            self._probe_win_step = np.array([np.cos(angle), np.sin(angle)])
            self._probe_win_rot = np.array([1.0, 0.0])
            self.mains = _mains.MainsDecision("auto", None)
        elif notch == "off":
            self._decided = True
            self.mains = _mains.MainsDecision("off", None)
        else:
            self._decided = True
            mains = float(notch)
            self.mains = _mains.MainsDecision(
                "fixed", mains, tuple(range(1, len(self._bank_rows[mains][2]) + 1)))
            self._follow_mains()

    def process(self, chunk, flags=None):
        """Filter one chunk.

        Parameters
        ----------
        chunk : ndarray, shape (n_channels, n_samples)
            Float samples in volts, or integer ADC counts when ``adc_scale``
            was given. ``n_samples`` may be 0.
        flags : ndarray of uint8, same shape, optional
            Flags from the sensor link (8 leads-off, 16 gap, 2 saturation),
            merged into the output flags.

        Returns
        -------
        output : ChainOutput
        """
        x, scale = self._check_chunk(chunk)
        n = x.shape[1]
        shape = (n, self.n_channels)
        outs = [np.empty(shape) for _ in range(4)] + [
            np.empty(shape, dtype=np.uint8)]
        ring_times = [(self._seen, self.ring_time_s)]
        done = 0
        while not self._decided and done < n:
            used = _kernels.mains_probe_kernel(
                x[:, done:], scale, self._seen, self._probe_total,
                self._probe_rot, self._probe_step, self._probe_win_rot,
                self._probe_win_step, self._probe_acc)
            self._run(x[:, done:done + used], scale,
                      [o[done:done + used] for o in outs])
            done += used
            self._seen += used
            if self._seen >= self._probe_total:
                self._apply_decision()
                if done < n:
                    ring_times.append((self._seen, self.ring_time_s))
        if done < n:
            self._run(x[:, done:], scale, [o[done:] for o in outs])
            self._seen += n - done
        if flags is not None:
            link = np.asarray(flags, dtype=np.uint8)
            if link.shape != x.shape:
                raise InputDataError(
                    f"Invalid shape for the 'flags' parameter. Expected {x.shape} "
                    f"(the chunk's), got {link.shape}.")
            outs[-1] |= link.T
        return ChainOutput(self._seen - n, SampleMajor(*outs), tuple(ring_times))

    @property
    def mains_offset_hz(self):
        """How far (Hz) the mains fundamental is from nominal, as tracked now
        (0 when nothing is notched)."""
        return float(self._track_state[_mains_track.S_OFFSET])

    def state(self):
        """Return a copy of the complete filter state (for tests and checks)."""
        return {
            "z": self._z.copy(), "lb_z": self._lb_z.copy(), "sos": self._sos.copy(),
            "track_state": self._track_state.copy(),
            "track_chan": self._track_chan.copy(),
            "rms_buf": self._rms_buf.copy(), "fstate": self._fstate.copy(),
            "runs": self._runs.copy(), "gstate": self._gstate.copy(),
            "enabled": self._enabled.copy(), "seen": self._seen,
        }

    def _run(self, x, scale, outs):
        q = self.config.quality
        _kernels.chain_kernel(
            x, scale, self._sos, self._enabled, self._zi_unit, self._z, self._track,
            self._notch_k, self._track_state, self._track_chan,
            self._lb_decim, self._lb_sos, self._lb_on, self._lb_zi, self._lb_z,
            self._lb_dec, self._rms_buf, self._fstate, self._runs, self._gstate,
            q.clip_level_v, q.clip_run, self._flat_run, *outs)

    def _apply_decision(self):
        self.mains = _mains.decide(self._probe_acc, self._probe_groups,
                                   self._probe_total, self._seen / self.sfreq)
        self._enable_decided()

    def _enable_decided(self):
        """Notch what :attr:`mains` decided, nothing else."""
        for mains, (first, last, _) in self._bank_rows.items():
            self._enabled[first:last] = 0
            if mains == self.mains.mains_hz:
                for k in self.mains.harmonics:
                    if k <= last - first:
                        self._enabled[first + k - 1] = 1
        self._decided = True
        self._follow_mains()

    def _follow_mains(self):
        """Track the decided mains: its enabled notches follow the grid's drift."""
        if self.mains.mains_hz is None:
            return
        first, last, _ = self._bank_rows[self.mains.mains_hz]
        harmonic = np.arange(1, last - first + 1)
        self._notch_k[first:last] = np.where(self._enabled[first:last], harmonic, 0)
        self._track = _mains_track.params(
            self.sfreq, self.mains.mains_hz,
            self.mains.mains_hz / self.config.filters.notch_q, self._first_notch,
            self._band_width_hz)

    def _check_chunk(self, chunk):
        x = np.asarray(chunk)
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise InputDataError(
                f"Invalid shape for the 'chunk' parameter. Expected "
                f"(n_channels={self.n_channels}, n_samples), got {x.shape}.")
        kind = x.dtype.kind
        if kind == "f":
            return x, 1.0
        if kind in "iu":
            if self.adc_scale is None:
                raise InputDataError(
                    f"The chunk holds integer ADC counts ({x.dtype}) but the "
                    "chain has no 'adc_scale'. Pass adc_scale=<volts per "
                    "count> when building it, or convert the samples to volts.")
            return x, self.adc_scale
        raise invalid("chunk dtype", "float32, float64 (volts) or integer "
                      "ADC counts", str(x.dtype), InputDataError)


def _check_channels(ch_names):
    if isinstance(ch_names, str) or not hasattr(ch_names, "__len__"):
        raise invalid("ch_names", "a list of channel names", ch_names)
    names = [str(n) for n in ch_names]
    if not 1 <= len(names) <= MAX_CHANNELS:
        raise invalid("ch_names", f"1 to {MAX_CHANNELS} channels",
                      f"{len(names)} channels")
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ConfigError(f"Invalid value for the 'ch_names' parameter. "
                          f"Channel names must be unique, but {dup} repeat.")
    return names
