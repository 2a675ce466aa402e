"""What every sensor decoder shares: its counters, its format, its timeline.

A decoder turns bytes, as they arrive, into what happened on the link, in
stream order: :class:`~emgspasm.engine.block.Block` objects of samples and
:class:`~.events.LinkEvent` objects (a rejected frame, a device restart).
Two rules keep a live stream honest.

**No single frame decides the format.** The first frames of a connection
may be odd (a line cut by the join, a device still booting, one corrupt
frame that passed its CRC). :class:`FormatLock` settles a stream's format
(channels, rate) once :data:`CONFIRM_UNITS` consecutive frames agree,
holding them until then and dropping the ones the next frames contradict;
once settled, a frame of another format is dropped, counted and reported.
A rate outside :data:`RATE_RANGE_HZ` is never plausible.

**Time comes from the frame counter, bounded by the host clock.** A counter
that wraps (16 bits for the emgspasm protocol, 8 for a Cyton) says how many
frames were lost *modulo* its period; the host clock says how long it
really was between two frames. :func:`missing_frames` takes the counter's
word when it fits the clock, adds whole periods when the silence was longer
than the counter can count, and calls a jump the clock cannot explain a
*restart* (a device reset: the counter started again), which becomes a
segment boundary with a gap of the silence the host clock measured, never
the 65,535 frames the counter's arithmetic would claim. A decoder that
continues another after a reconnection (:meth:`Decoder.continue_from`)
keeps its counter and clock, so an outage is sized the same way.
"""

import math
import time
from collections import deque

from ...engine.block import Block
from .events import DEVICE_RESTART, REJECTED, LinkEvent
from .stats import DecoderStats

#: Sampling rates the engine accepts (Hz); a frame announcing another rate
#: is implausible.
RATE_RANGE_HZ = (100.0, 100_000.0)
#: Consecutive frames (or lines) that must agree before a format is settled.
CONFIRM_UNITS = 3
#: Frames of no known format held at most while a format settles (leads-off
#: lines before the first sample).
MAX_HELD = 4096
#: A device's clock may run this much faster than the host's.
CLOCK_TOLERANCE = 0.01
#: Frames bunch up on the way (USB latency, a busy host, an emulator faster
#: than real time): a counter jump up to this many seconds beyond the host
#: clock is still believed.
SLACK_S = 2.0
#: A silence adds whole counter periods to a jump only when it exceeds the
#: jump by more than ``1 - WRAP_MARGIN`` periods (so a stall a little
#: shorter than a period is not taken for a period of lost frames).
WRAP_MARGIN = 0.1


def rate_problem(rate):
    """Why ``rate`` (Hz) is not a plausible sampling rate, or None when it is."""
    low, high = RATE_RANGE_HZ
    if low <= rate <= high:
        return None
    return f"{rate:g} Hz, but allowed rates are {low:g} to {high:g} Hz"


def missing_frames(jump, period, elapsed_s, frame_s):
    """Frames missing before a frame, from a wrapping counter and the host clock.

    Parameters
    ----------
    jump : int
        Counter difference from the expected value, modulo ``period``
        (0 <= jump < period).
    period : int
        Counter period in frames (65536, 256).
    elapsed_s : float
        Host time between the arrival of the previous frame and this one.
    frame_s : float
        Duration of one frame (s).

    Returns
    -------
    frames : int | None
        ``jump`` plus the whole periods the host clock says went by
        uncounted, or None when ``jump`` is more than the host clock allows
        (``jump * frame_s > elapsed_s * (1 + CLOCK_TOLERANCE) + SLACK_S``):
        the counter restarted.
    """
    if jump * frame_s > elapsed_s * (1 + CLOCK_TOLERANCE) + SLACK_S:
        return None
    on_clock = elapsed_s / frame_s - 1
    wraps = math.floor((on_clock - jump) / period + WRAP_MARGIN)
    return jump + period * max(0, wraps)


class FormatLock:
    """Settle a stream's format on agreement, then hold to it.

    Parameters
    ----------
    fields : tuple of str
        Names of the parts of a format (``("channels", "rate")``), for
        messages.
    settled : tuple | None
        A format already known (a reconnection continues the stream).
    confirm : int
        Consecutive units that must agree to settle the format.
    """

    def __init__(self, fields, settled=None, confirm=CONFIRM_UNITS):
        self.fields = tuple(fields)
        self.settled = settled
        self.confirm = confirm
        self._candidate = None
        self._held = deque(maxlen=MAX_HELD)

    @property
    def expected(self):
        """The settled format, else the one being confirmed, else None."""
        return self.settled if self.settled is not None else self._candidate

    def offer(self, fmt, item):
        """Offer the next unit of the stream.

        Parameters
        ----------
        fmt : tuple | None
            The unit's format; None for a unit that fits any (a leads-off
            line).
        item : object
            The unit, handed back when accepted.

        Returns
        -------
        accepted : list
            Items to use now, in stream order (held ones on settling).
        rejections : list of (str, str)
            One ``(field, why)`` per dropped unit.
        """
        if self.settled is not None:
            if fmt is None or fmt == self.settled:
                return [item], []
            return [], [self._differs(fmt, self.settled, "the stream has")]
        rejections = []
        if fmt is not None and fmt != self._candidate:
            if self._candidate is not None:
                dropped = sum(f is not None for f, _ in self._held)
                rejections = [self._differs(self._candidate, fmt, "the next one has")] * dropped
                self._held = deque(((f, i) for f, i in self._held if f is None),
                                   maxlen=MAX_HELD)
            self._candidate = fmt
        self._held.append((fmt, item))
        if sum(f is not None for f, _ in self._held) < self.confirm:
            return [], rejections
        self.settled = self._candidate
        accepted = [i for _, i in self._held]
        self._held.clear()
        return accepted, rejections

    def _differs(self, fmt, reference, where):
        i = next(k for k, (a, b) in enumerate(zip(fmt, reference)) if a != b)
        return self.fields[i], f"its {self.fields[i]!r} is {fmt[i]:g}, but {where} {reference[i]:g}"


class Decoder:
    """Counters, format and timeline shared by every sensor decoder.

    Parameters
    ----------
    sfreq : float | None
        Sampling rate, when the protocol or the user fixes it.
    n_channels : int | None
        Channels, when fixed.
    clock : callable
        Host monotonic clock (s): tells a restart from a loss and sizes the
        gaps a frame counter cannot.

    Attributes
    ----------
    stats : DecoderStats
    sfreq : float | None
        Known once the stream's format is settled.
    n_channels : int | None
    """

    #: What the device is called in messages.
    device = "sensor"

    def __init__(self, sfreq=None, n_channels=None, clock=time.monotonic):
        self.stats = DecoderStats()
        self.sfreq = sfreq
        self.n_channels = n_channels
        self._clock = clock
        self._last_arrival = None
        self._reported = set()

    def continue_from(self, previous):
        """Continue the stream of ``previous`` (a reconnection, a decoder
        error): counters, format and timeline carry over, bytes do not."""
        self.stats = previous.stats
        self.sfreq, self.n_channels = previous.sfreq, previous.n_channels
        self._last_arrival = previous._last_arrival
        self._reported = previous._reported

    def _event(self, kind, message, at, outage_s=None):
        return LinkEvent(kind, f"{self.device}: {message}", at, outage_s=outage_s)

    def _reject(self, field, message, at):
        """Count a rejected unit; a link event the first time ``field`` is why."""
        self.stats.rejected += 1
        if field in self._reported:
            return []
        self._reported.add(field)
        return [self._event(REJECTED, message, at)]

    def _gap(self, n_samples):
        """A block of ``n_samples`` lost samples (none when not positive)."""
        if n_samples <= 0:
            return []
        self.stats.gap_samples += n_samples
        return [Block.gap(n_samples, self.n_channels)]

    def _since_last(self, jump, period, frame_samples, now):
        """What stands for the frames missing before one that arrived at
        ``now``: a gap, or a restart boundary and the silence before it."""
        elapsed = now - self._last_arrival
        frame_s = frame_samples / self.sfreq
        lost = missing_frames(jump, period, elapsed, frame_s)
        if lost is not None:
            self.stats.lost_frames += lost
            return self._gap(lost * frame_samples)
        self.stats.restarts += 1
        silence = round(max(0.0, elapsed - frame_s) * self.sfreq)
        message = (f"frame counter jumped {jump} frames ahead in {elapsed:.2f} s "
                   f"(host clock): the device restarted; a new segment begins after "
                   f"{silence / self.sfreq:.2f} s without samples")
        return ([self._event(DEVICE_RESTART, message, now, silence / self.sfreq)]
                + self._gap(silence))
