"""How a live session is shown: a terminal dashboard, JSON lines, or a text feed.

A view has two methods: ``run(session, done)`` polls the session and shows
what happens until ``done()`` is true, and ``close(session, tail, files)``
shows the last notices and the session summary. :func:`~emgspasm.apps.monitor.monitor`
takes any of them.
"""

import math
import sys

import numpy as np

from ..outputs.notices import format_notice, notice_to_json
from ..sources.serial.protocols.emgspasm import STATUS_BATTERY_LOW


class JsonLinesView:
    """Every notice as one JSON line on ``out`` (for other programs); the
    summary goes to ``err`` so ``out`` stays machine-readable."""

    def __init__(self, out=sys.stdout, err=sys.stderr):
        self.out = out
        self.err = err

    def run(self, session, done):
        while not done():
            self._show(session.poll())

    def close(self, session, tail, files):
        self._show(tail)
        print_summary(session, files, self.err)

    def _show(self, notices):
        for notice in notices:
            print(notice_to_json(notice), file=self.out, flush=True)


class TextFeedView:
    """Muscle notices as lines of text on ``out`` (artefacts and bad stretches
    are left out), then the summary."""

    def __init__(self, out=sys.stdout):
        self.out = out

    def run(self, session, done):
        while not done():
            self._show(session.poll())

    def close(self, session, tail, files):
        self._show(tail)
        print_summary(session, files, self.out)

    def _show(self, notices):
        for notice in notices:
            if notice.event is None or notice.event.is_muscle:
                print(format_notice(notice), file=self.out, flush=True)


class DashboardView:
    """The terminal dashboard (``rich``), redrawn eight times a second."""

    def __init__(self, out=sys.stdout):
        self.out = out

    def run(self, session, done):
        from rich.live import Live
        with Live(dashboard(session), refresh_per_second=8, screen=False) as live:
            while not done():
                session.poll()
                live.update(dashboard(session))

    def close(self, session, tail, files):
        print_summary(session, files, self.out)


def dashboard(session):
    """The dashboard of ``session`` as a ``rich`` renderable."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    engine = session.engine
    decoder = session.link.decoder
    stats = decoder.stats if decoder else None
    head = f"[b]emgspasm monitor[/b]  {session.port}  ({session.protocol.name})"
    if engine is not None:
        head += (f"  {engine.sfreq:g} Hz x {len(engine.ch_names)} ch  "
                 f"stream {engine.stream_time:7.1f} s")
    if getattr(decoder, "ident", None):
        head += f"\ndevice: {decoder.ident.get('name', '?')} fw {decoder.ident.get('fw', '?')}"
    if getattr(decoder, "status", 0) & STATUS_BATTERY_LOW:
        head += "  [b red]BATTERY LOW[/b red]"
    if stats:
        head += (f"\nframes {stats.frames}  bad {stats.bad_frames}  lost "
                 f"{stats.lost_frames}  reconnects {stats.reconnects}")
        if session.link.lost_samples and engine is not None:
            head += f"  ({session.link.lost_samples / engine.sfreq:.1f} s lost to disconnects)"
    if session.link_log:
        head += f"\nlink: {session.link_log[-1].message}"
    parts = [head]
    if engine is not None:
        table = Table(expand=True)
        for col in ("channel", "level", "µV RMS", "quality", "fasciculations",
                    "spasms", "bursts", "now"):
            table.add_column(col)
        summary = session.summary()
        levels = session.levels_uv if session.levels_uv is not None else \
            np.zeros(len(engine.ch_names))
        for c, name in enumerate(engine.ch_names):
            ch = summary["channels"][name]
            level = float(levels[c])
            bar = "█" * int(min(20, max(0, 4 * math.log10(max(level, 1.0)))))
            quality = f"{ch['bad_percent']:.0f}% bad"
            for kind, secs in ch["bad_s_by_kind"].items():
                quality += f", {kind} {secs:.1f}s"
            running = session.running_spasms.get(name)
            now = f"SPASM {engine.stream_time - running:.1f} s" if running is not None else ""
            rate = ch["fasciculation_rate_per_min"]
            fasc = f"{ch['fasciculations']}" + ("" if rate is None else f" ({rate:.0f}/min)")
            table.add_row(name, bar, f"{level:.1f}", quality, fasc, str(ch["spasms"]),
                          str(ch["bursts"]), now)
        parts.append(table)
        parts.append(engine.chain.mains.describe())
    if session.alerts:
        parts.append(Panel("\n".join(session.alerts.values()), title="ALERT",
                           style="bold red"))
    parts.append(Panel("\n".join(format_notice(n) for n in session.feed) or "…",
                       title="events"))
    return Group(*parts)


def print_summary(session, files, out):
    """The end-of-session summary: per channel counts, the link, the files."""
    summary = session.summary()
    if summary is None:
        print("no samples received", file=out)
        return
    print(f"session: {summary['duration_s']:.1f} s", file=out)
    for name, ch in summary["channels"].items():
        rate = ch["fasciculation_rate_per_min"] or 0.0
        print(f"  {name}: {ch['spasms']} spasms ({ch['spasm_total_s']:.1f} s), "
              f"{ch['fasciculations']} fasciculations ({rate:.0f}/min), "
              f"{ch['bursts']} bursts, {ch['bad_percent']:.1f}% unusable", file=out)
    stats = session.link.decoder.stats
    lost_s = session.link.lost_samples / session.engine.sfreq
    print(f"  link: {stats.frames} frames, {stats.bad_frames} bad, {stats.lost_frames} "
          f"lost, {stats.reconnects} reconnects ({lost_s:.1f} s lost to disconnects)",
          file=out)
    if files:
        print(f"  recording: {files['fif']} and {files['events']}", file=out)
