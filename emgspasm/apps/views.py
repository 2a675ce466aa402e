"""How a live session is shown: a terminal dashboard, JSON lines, or a text feed.

A view has two methods: ``run(session, done)`` polls the session and shows
what happens until ``done()`` is true, and ``close(session, tail, files)``
shows the last notices and the session summary. :func:`~emgspasm.apps.monitor.monitor`
takes any of them. Every view shows the link's events too (a lost port, the
reconnection attempts, its return with the outage, a device restart).
"""

import json
import math
import sys
import time

import numpy as np

from ..outputs.notices import format_notice, notice_to_json
from ..sources.serial.protocols.emgspasm import STATUS_BATTERY_LOW


class _LineView:
    """Lines printed as things happen (see :meth:`_show`), then the summary
    on :attr:`summary_out`."""

    summary_out = None

    def run(self, session, done):
        while not done():
            self._show(session, session.poll())

    def close(self, session, tail, files):
        self._show(session, tail)
        print_summary(session, files, self.summary_out)


class JsonLinesView(_LineView):
    """Every notice and link event as one JSON line on ``out`` (for other
    programs); the summary goes to ``err`` so ``out`` stays machine-readable.

    A link event's line has ``kind`` (``link_lost``, ``reconnecting``,
    ``link_restored``, ``device_restart``, ... see
    :mod:`emgspasm.sources.serial.events`), ``at`` (stream seconds),
    ``sample``, ``message`` and, for outages, ``outage_s``.
    """

    def __init__(self, out=sys.stdout, err=sys.stderr):
        self.out = out
        self.summary_out = err

    def _show(self, session, notices):
        for record in session.take_link_events():
            print(json.dumps(record), file=self.out, flush=True)
        for notice in notices:
            print(notice_to_json(notice), file=self.out, flush=True)


class TextFeedView(_LineView):
    """Muscle notices and link events as lines of text on ``out`` (artefacts
    and bad stretches are left out), then the summary."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.summary_out = out

    def _show(self, session, notices):
        for record in session.take_link_events():
            print(f"[link] {record['message']}", file=self.out, flush=True)
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
                session.take_link_events()  # the link line shows the latest
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
        head += "\n" + link_counters(session)
    head += "\n" + link_line(session)
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


def link_counters(session):
    """The link's counters in one line of text."""
    link = session.link
    stats = link.decoder.stats
    sfreq = getattr(link.decoder, "sfreq", None)
    gaps = f"  gaps {stats.gap_samples / sfreq:.1f} s" if sfreq else ""
    return (f"frames {stats.frames}  bad {stats.bad_frames}  rejected {stats.rejected}  "
            f"lost {stats.lost_frames}  device restarts {stats.restarts}  reconnects "
            f"{stats.reconnects} ({link.outage_s:.1f} s without the port){gaps}")


def link_line(session):
    """What the link is doing, as ``rich`` markup: lost (for how long), or
    its latest event."""
    from rich.markup import escape
    latest = escape(session.link_log[-1].message) if session.link_log else "-"
    if session.link.lost_at is None:
        return f"link: {latest}"
    lost_s = time.monotonic() - session.link.lost_at
    return f"link: [b red]LOST for {lost_s:.1f} s, reconnecting[/b red] ({latest})"


def print_summary(session, files, out):
    """The end-of-session summary: per channel counts, the link, the files."""
    summary = session.summary()
    if summary is None:
        print(f"no samples received from {session.port}", file=out)
    else:
        print(f"session: {summary['duration_s']:.1f} s", file=out)
        for name, ch in summary["channels"].items():
            rate = ch["fasciculation_rate_per_min"] or 0.0
            print(f"  {name}: {ch['spasms']} spasms ({ch['spasm_total_s']:.1f} s), "
                  f"{ch['fasciculations']} fasciculations ({rate:.0f}/min), "
                  f"{ch['bursts']} bursts, {ch['bad_percent']:.1f}% unusable", file=out)
    print(f"  link: {link_counters(session)}", file=out)
    if session.link.error is not None:
        print(f"  link ended: {session.link.error}", file=out)
    if files:
        print(f"  recording: {files['fif']} and {files['events']}", file=out)
