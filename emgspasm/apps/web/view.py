"""The live view in a browser: a monitor view that serves a page.

:class:`WebView` is a view for :func:`~emgspasm.apps.monitor.monitor`. It
serves the page (see :mod:`emgspasm.apps.web.server`) and, as the session
runs, keeps the last ``window_s`` of band-passed signal and envelope,
folds the notices into marks (see :mod:`emgspasm.apps.web.marks`), and
publishes frames to the pages at up to ``max_fps``. It runs alone, or
around another view (the terminal dashboard, JSON lines) that keeps
showing the session as it would without it.
"""

import sys
import time

import numpy as np

from ..._check import check_number
from ...engine.vocabulary import FLAG_NAMES
from ...outputs.notices import format_notice
from .marks import Marks
from .ring import SignalRing
from .server import WebServer

#: Seconds between updates of the channels' quality (share of flagged samples
#: in the window), which the frames carry.
QUALITY_EVERY_S = 0.5


class WebView:
    """Show a live session in a browser.

    Parameters
    ----------
    inner : view | None
        Another view to run alongside (it polls the session; every poll also
        updates the page). None: the page is the only view.
    host : str
        Address to serve on: ``127.0.0.1`` (this machine only) unless told
        otherwise.
    port : int
        TCP port; 0 picks a free one.
    window_s : float
        Seconds of signal on screen.
    max_fps : float
        Frames sent per second at most.
    out : file
        Where the page's address is printed.

    Notes
    -----
    The server binds its port here, so a port in use fails before the
    session starts; it serves from :meth:`run` until :meth:`close`.
    Each frame carries ``arrival_ms``: the wall-clock time at which the
    engine handed over the newest sample in it (the link's queue and the
    engine's processing, under a millisecond, come before it). The page
    measures from it to the moment the sample is drawn.
    """

    def __init__(self, inner=None, host="127.0.0.1", port=0, window_s=10.0,
                 max_fps=30.0, out=sys.stderr):
        self.inner = inner
        self.window_s = check_number("web_window", window_s, 0.5, 600)
        self.max_fps = check_number("max_fps", max_fps, 1, 240)
        self.out = out
        self.server = WebServer(host, port)
        self.ring = None
        self.marks = None
        self.frames = 0
        self._next_publish = -np.inf
        self._unshown = False  # something came that no frame has shown yet
        self._quality = None
        self._quality_due = -np.inf
        self._arrival_ms = None

    @property
    def url(self):
        """The page's address."""
        return self.server.url

    def run(self, session, done):
        """Serve the page and poll ``session`` until ``done()``."""
        self.server.start()
        print(f"emgspasm web view: {self.url}", file=self.out, flush=True)
        if self.server.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"emgspasm web view: served on {self.server.host}: whoever reaches "
                  "this address sees the session", file=self.out, flush=True)
        tap = _Tap(session, self.update)
        if self.inner is not None:
            self.inner.run(tap, done)
            return
        while not done():
            tap.poll()

    def close(self, session, tail, files):
        """Show the last notices, tell the pages the session ended, stop serving."""
        try:
            if self.ring is not None:
                for notice in tail:
                    self.marks.apply(notice)
                self._publish(session)
                self.server.end()
            if self.inner is not None:
                self.inner.close(session, tail, files)
        finally:
            self.server.stop()

    def update(self, session, notices):
        """Take in what one poll of ``session`` brought (its last step and
        ``notices``) and publish a frame when one is due."""
        engine = session.engine
        if engine is None:
            return
        if self.ring is None:
            self._begin(engine)
        step = session.last_step
        fresh = step is not None and step.output.n_samples > 0 and (
            step.output.start + step.output.n_samples > self.ring.end)
        if fresh:
            self.ring.append(step.output)
            self._arrival_ms = time.time() * 1e3
        for notice in notices:
            self.marks.apply(notice)
        self._unshown |= fresh or bool(notices) or self.server.take_news()
        now = time.monotonic()
        if self._unshown and now >= self._next_publish:
            # on a steady schedule, so polls that come at their own pace still
            # give max_fps on average
            self._next_publish = max(self._next_publish + 1.0 / self.max_fps, now)
            self._publish(session)

    def _begin(self, engine):
        self.ring = SignalRing(engine.sfreq, len(engine.ch_names), self.window_s)
        self.marks = Marks(engine.ch_names, self.window_s)
        self.server.hello({"ch_names": list(engine.ch_names), "sfreq": engine.sfreq,
                           "window_s": self.window_s,
                           "on_snr": engine.config.detector.on_snr})

    def _publish(self, session):
        engine = session.engine
        now = self.ring.end / engine.sfreq
        if time.monotonic() >= self._quality_due:  # over the whole window: no hurry
            self._quality_due = time.monotonic() + QUALITY_EVERY_S
            bad, bits = self.ring.quality()
            self._quality = [{"bad_percent": 100.0 * float(b),
                              "causes": [name for bit, name in FLAG_NAMES if int(k) & bit]}
                             for b, k in zip(bad, bits)]
        levels = session.levels_uv
        link = session.link_log[-1].message if session.link_log else ""
        if session.link.lost_at is not None:
            link = f"LOST for {time.monotonic() - session.link.lost_at:.1f} s: {link}"
        header = {
            "type": "frame", "seq": self.frames, "end": self.ring.end, "now": now,
            "arrival_ms": self._arrival_ms,
            "threshold_uv": _json_floats(engine.detector.on_threshold_uv),
            "levels_uv": _json_floats(levels if levels is not None
                                      else np.full(self.ring.n_channels, np.nan)),
            "quality": self._quality,
            "marks": self.marks.visible(now - self.window_s, now),
            "feed": [format_notice(n) for n in session.feed],
            "alerts": list(session.alerts.values()),
            "link": link,
        }
        self.server.publish(header, self.ring.decimate)
        self.frames += 1
        self._unshown = False


class _Tap:
    """The session as an inner view sees it: each poll also updates the page."""

    def __init__(self, session, update):
        self._session = session
        self._update = update

    def poll(self, timeout=0.05):
        notices = self._session.poll(timeout)
        self._update(self._session, notices)
        return notices

    def __getattr__(self, name):
        return getattr(self._session, name)


def _json_floats(values):
    """Floats for JSON: a value that is not a number becomes None."""
    return [float(v) if np.isfinite(v) else None for v in values]
