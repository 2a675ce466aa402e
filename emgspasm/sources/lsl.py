"""An LSL stream as a live source (``emgspasm monitor --lsl NAME``).

:class:`LslSource` finds a stream by name, type or source id, reads it with
an :class:`mne_lsl.lsl.StreamInlet` in a background thread and hands over
its EMG channels in volts:

* the channels typed ``emg`` in the stream's description are read (all of
  them when none is typed, or when the stream itself is of type EMG), or
  those named in ``picks``;
* each channel's unit comes from the description (``microvolts``, ``uV``,
  ``mV``, ``V``, or mne-lsl's powers of ten such as ``-6``); a stream that
  does not state it, or states something else, is refused unless ``units``
  is given;
* time is the stream's own: the samples' LSL timestamps, plus the inlet's
  estimate of the offset between the sender's clock and this host's
  (:meth:`~mne_lsl.lsl.StreamInlet.time_correction`, refreshed every
  :data:`CORRECTION_EVERY_S`). A jump between consecutive timestamps beyond
  the nominal period plus ``jitter_s`` means samples were lost on the way (a
  dropped chunk): it becomes a ``samples_lost`` link event and a gap of NaN
  samples of the length the timestamps tell;
* a stream that stops sending for ``lost_after_s`` is reported lost, and
  restored (with the outage) when samples come again;
* irregular-rate and string (marker) streams are refused.

``mne-lsl`` (``pip install 'emgspasm[lsl]'``) carries liblsl in its wheels.
"""

import itertools
import time

import numpy as np

from .._check import check_number, check_option
from ..engine.block import Block
from ..errors import ConfigError, DeviceError, InputDataError
from .files.recording import UNIT_SCALE, unit_key
from .live import LSL_CLOCK, LiveSource
from .serial.events import LOST, RESTORED, SAMPLES_LOST, LinkEvent

#: Volts per unit, for the units a stream may state (as :func:`unit_key` gives
#: them): those of recorded files, spelt out, and mne-lsl's powers of ten.
UNIT_SCALES = {
    **UNIT_SCALE,
    "volt": 1.0, "volts": 1.0, "millivolt": 1e-3, "millivolts": 1e-3,
    "microvolt": 1e-6, "microvolts": 1e-6, "nanovolt": 1e-9, "nanovolts": 1e-9,
    "0": 1.0, "-3": 1e-3, "-6": 1e-6, "-9": 1e-9,
}
#: The units ``units`` (``--units``) takes.
UNITS = ("V", "mV", "uV")
#: How long the reader waits when nothing is waiting (s).
POLL_S = 0.005
#: How often the clock offset to the sender is asked again (s); liblsl keeps
#: it up to date in the background.
CORRECTION_EVERY_S = 5.0


def require_mne_lsl(what):
    """Import :mod:`mne_lsl.lsl`, or say how to install it."""
    try:
        import mne_lsl.lsl
    except ImportError:
        raise ConfigError(f"{what} needs the mne-lsl package, which is not installed; "
                          "install it with: pip install 'emgspasm[lsl]'") from None
    return mne_lsl.lsl


def describe_stream(info):
    """One line about a stream, for listings."""
    return (f"name={info.name!r} type={info.stype!r} source_id={info.source_id!r} "
            f"({info.n_channels} ch at {info.sfreq:g} Hz on {info.hostname})")


class LslSource(LiveSource):
    """Read the EMG channels of an LSL stream in a background thread.

    Parameters
    ----------
    name, stype, source_id : str | None
        What the stream must match (at least one).
    picks : list of str | None
        Channels to read, by name (default: the EMG channels, see the module).
    units : str | None
        ``"V"``, ``"mV"`` or ``"uV"``: the unit of the samples, for a stream
        that does not state it (or states it wrongly); overrides the stream's.
    resolve_timeout : float
        How long to look for streams (s).
    jitter_s : float
        Timestamps may come this much later than the nominal period before
        samples count as lost.
    lost_after_s : float
        Seconds without samples before the stream is reported lost.

    Attributes
    ----------
    info : mne_lsl.lsl.StreamInfo | None
        The stream, with its description, once opened.
    gaps, gap_samples : int
        Jumps in the timestamps so far, and the samples they lost.

    Notes
    -----
    The stream is found and opened in :meth:`start`, which raises a
    :class:`~emgspasm.errors.DeviceError` listing the streams found when none
    or several match.
    """

    clock = LSL_CLOCK

    def __init__(self, name=None, stype=None, source_id=None, *, picks=None, units=None,
                 resolve_timeout=1.0, jitter_s=0.05, lost_after_s=2.0):
        wanted = {"name": name, "type": stype, "source_id": source_id}
        self.wanted = {k: v for k, v in wanted.items() if v is not None}
        if not self.wanted:
            raise ConfigError("An LSL stream is chosen by its name (--lsl), type "
                              "(--lsl-type) or source id (--lsl-source-id), but none "
                              "was given.")
        if units is not None:
            check_option("units", units, UNITS)
        check_number("resolve_timeout", resolve_timeout, 0, low_open=True)
        check_number("jitter_s", jitter_s, 0)
        check_number("lost_after_s", lost_after_s, 0, low_open=True)
        super().__init__("lsl:" + ",".join(f"{k}={v}" for k, v in self.wanted.items()))
        self.picks = list(picks) if picks else None
        self.units = units
        self.resolve_timeout = resolve_timeout
        self.jitter_s = jitter_s
        self.lost_after_s = lost_after_s
        self.info = None
        self.gaps = 0
        self.gap_samples = 0
        self._inlet = None
        self._channels = None
        self._scale = None
        self._last_stamp = None
        self._last_arrival = None
        self._offset = 0.0
        self._offset_at = None

    def describe(self):
        """The stream (name, type, source id, host, rate) and what is read of it."""
        info = self.info
        record = {"source": "lsl", "wanted": self.wanted}
        if info is not None:
            record.update(name=info.name, type=info.stype, source_id=info.source_id,
                          hostname=info.hostname, uid=info.uid, sfreq=info.sfreq,
                          channels=self.ch_names, volts_per_unit=self._scale.tolist())
        return record

    def counters(self):
        """Samples read and samples lost (the gaps), in one line."""
        lost = f"{self.gaps} gaps ({self.gap_samples} samples lost"
        if self.sfreq:
            lost += f", {self.gap_samples / self.sfreq:.1f} s"
        return f"{super().counters()}  {lost})"

    # -- opening -------------------------------------------------------------

    def _connect(self):
        lsl = require_mne_lsl("Reading an LSL stream")
        info = self._resolve(lsl)
        try:
            # no "clocksync" post-processing: it waits without end for the
            # sender's clock while a stream is lost, and so would the reader
            inlet = lsl.StreamInlet(info)
            inlet.open_stream(timeout=max(self.resolve_timeout, 1.0))
            info = inlet.get_sinfo(timeout=max(self.resolve_timeout, 1.0))
            self._offset = inlet.time_correction(timeout=max(self.resolve_timeout, 1.0))
            self._offset_at = time.monotonic()
        except Exception as err:  # noqa: BLE001 - liblsl's errors, as one DeviceError
            raise DeviceError(f"Cannot open the LSL stream {describe_stream(info)}: "
                              f"{err}.") from None
        self._check_format(info)
        self._channels, names = self._pick(info)
        self._scale = self._volts_per_unit(info, names)
        self.info, self._inlet = info, inlet
        self.sfreq = float(info.sfreq)
        self.ch_names = names
        units = sorted({f"{s:g} V" for s in self._scale})
        return (f"reading LSL stream {describe_stream(info)}: {len(names)} channel(s) "
                f"{', '.join(names)}; one unit = {', '.join(units)}")

    def _resolve(self, lsl):
        found = lsl.resolve_streams(timeout=self.resolve_timeout)
        attrs = {"name": "name", "type": "stype", "source_id": "source_id"}
        matches = [s for s in found
                   if all(getattr(s, attrs[k]) == v for k, v in self.wanted.items())]
        listing = ("Streams found: " + "; ".join(describe_stream(s) for s in found) + "."
                   if found else "No LSL stream was found on the network; is the "
                   "sender running, and on this network (or on this computer)?")
        wanted = ", ".join(f"{k}={v!r}" for k, v in self.wanted.items())
        if not matches:
            raise DeviceError(f"No LSL stream with {wanted} was found within "
                              f"{self.resolve_timeout:g} s. {listing}")
        if len(matches) > 1:
            raise DeviceError(
                f"{len(matches)} LSL streams match {wanted}: "
                + "; ".join(describe_stream(s) for s in matches)
                + ". Choose one with --lsl-source-id (or give the senders distinct "
                "names).")
        return matches[0]

    def _check_format(self, info):
        if info.dtype == "string":
            raise DeviceError(f"The LSL stream {describe_stream(info)} carries strings "
                              "(markers), not samples; choose a stream of EMG samples.")
        if not info.sfreq > 0:
            raise DeviceError(f"The LSL stream {describe_stream(info)} has an irregular "
                              "sampling rate; emgspasm needs a stream with a nominal "
                              "(regular) rate.")

    def _pick(self, info):
        """The channels to read (indices) and their names."""
        n = info.n_channels
        names = info.get_channel_names()
        names = [nm or f"EMG{i + 1}" for i, nm in enumerate(names or [None] * n)]
        if self.picks is not None:
            missing = [p for p in self.picks if p not in names]
            if missing:
                raise ConfigError(f"Invalid value for the 'picks' parameter: the LSL "
                                  f"stream {info.name!r} has no channel {missing}. "
                                  f"Allowed values are {names}.")
            index = [names.index(p) for p in self.picks]
        else:
            types = [(t or "").strip().lower() for t in (info.get_channel_types() or [])]
            index = [i for i, t in enumerate(types) if t == "emg"]
            if not index:
                if any(types) and info.stype.strip().lower() != "emg":
                    found = ", ".join(sorted({t or "none" for t in types}))
                    raise DeviceError(
                        f"The LSL stream {describe_stream(info)} has no channel of type "
                        f"'emg' (types: {found}); name the channels to read with "
                        "--picks.")
                index = list(range(n))
        return np.array(index), [names[i] for i in index]

    def _volts_per_unit(self, info, names):
        """Volts per stream unit, per channel read."""
        if self.units is not None:
            return np.full(len(names), UNIT_SCALES[unit_key(self.units)])
        stated = info.get_channel_units() or [None] * info.n_channels
        stated = [stated[i] for i in self._channels]
        unclear = [(nm, u) for nm, u in zip(names, stated, strict=True)
                   if unit_key(u) not in UNIT_SCALES]
        if unclear:
            shown = ", ".join(f"{nm}: {u!r}" for nm, u in unclear[:8])
            raise InputDataError(
                f"The LSL stream {info.name!r} does not state the unit of its samples "
                f"in a way emgspasm understands ({shown}); units it reads are V, mV, "
                "uV (or volts, millivolts, microvolts). Give the unit with --units V, "
                "mV or uV.")
        return np.array([UNIT_SCALES[unit_key(u)] for u in stated])

    # -- reading -------------------------------------------------------------

    def _read_until_stopped(self):
        max_samples = max(1024, int(self.sfreq))
        while not self._stop.is_set():
            # a pull waits while liblsl recovers a lost stream: pull only what
            # is there, so a lost stream is reported and stopping never waits
            waiting = self._inlet.samples_available
            if waiting:
                data, stamps = self._inlet.pull_chunk(
                    timeout=0.0, max_samples=min(waiting, max_samples))
                if len(stamps):
                    self._receive(np.asarray(data), np.asarray(stamps, dtype=float))
                self._refresh_offset()
            else:
                self._idle()
                self._stop.wait(POLL_S)

    def _refresh_offset(self):
        """Ask liblsl for its latest estimate of the clock offset to the sender."""
        if time.monotonic() - self._offset_at < CORRECTION_EVERY_S:
            return
        try:
            offset = self._inlet.time_correction(timeout=0.1)
        except Exception:  # noqa: BLE001 - no new estimate (a stream being lost)
            offset = self._offset  # keep the last
        self._offset, self._offset_at = offset, time.monotonic()

    def _receive(self, data, stamps):
        """Queue a chunk, with a gap wherever its timestamps jump (on the
        sender's clock; its anchors on this host's)."""
        now = time.monotonic()
        if self.lost_at is not None:
            outage = now - self.lost_at
            self.lost_at = None
            self._put(LinkEvent(RESTORED, f"samples again after {outage:.1f} s",
                                now, outage_s=outage))
        self._last_arrival = now
        x = data[:, self._channels].T.astype(np.float64) * self._scale[:, None]
        period = 1.0 / self.sfreq
        times = stamps if self._last_stamp is None else np.r_[self._last_stamp, stamps]
        first = 0 if self._last_stamp is None else 1
        steps = np.diff(times)
        cuts = set((np.flatnonzero(steps > period + self.jitter_s) + 1 - first).tolist())
        for start, end in itertools.pairwise(sorted(cuts | {0, len(stamps)})):
            if start in cuts:
                self._lost(stamps[start] - times[start - 1 + first], stamps[start])
            self._put(Block(x[:, start:end]), stamps[end - 1] + self._offset)
        self._last_stamp = stamps[-1]

    def _lost(self, step, next_stamp):
        """Samples between two timestamps ``step`` apart did not come: a gap."""
        missing = int(np.rint(step * self.sfreq)) - 1
        if missing < 1:
            return
        self.gaps += 1
        self.gap_samples += missing
        seconds = missing / self.sfreq
        self._put(LinkEvent(SAMPLES_LOST, f"{missing} samples ({seconds:.3f} s) lost on "
                            "the way (a jump in the stream's timestamps)",
                            time.monotonic(), outage_s=seconds))
        self._put(Block.gap(missing, len(self.ch_names)),
                  next_stamp + self._offset - 1.0 / self.sfreq)

    def _idle(self):
        """Report the stream lost once nothing came for ``lost_after_s``."""
        now = time.monotonic()
        if self._last_arrival is None:
            self._last_arrival = now
        silent = now - self._last_arrival
        if self.lost_at is None and silent >= self.lost_after_s:
            self.lost_at = self._last_arrival
            self._put(LinkEvent(LOST, f"no samples for {silent:.1f} s (the sender "
                                "stopped, or the network is down); waiting for them",
                                now, outage_s=silent))

    def _close(self):
        self._inlet = None
