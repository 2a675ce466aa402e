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

from ..engine.vocabulary import FASCICULATION
from ..outputs.notices import format_notice, notice_to_json
from ..sources.serial.protocols.emgspasm import STATUS_BATTERY_LOW

#: Seconds between two redraws of the dashboard.
REDRAW_S = 0.125
#: Rows the event feed keeps, however many channels there are.
MIN_FEED_ROWS = 6
#: The level bar spans 1 µV to 10 mV RMS, four cells per decade, log scale.
BAR_DECADES = 4
BAR_CELLS = 4
BAR_SCALE = "1   10  100 1k  "
#: A rate per minute means something once a minute has passed.
RATE_AFTER_S = 60.0
#: Notices looked back over to build the feed.
FEED_SCAN = 600


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
    Both default to the streams of the moment the view is made.

    A link event's line has ``kind`` (``link_lost``, ``reconnecting``,
    ``link_restored``, ``device_restart``, ... see
    :mod:`emgspasm.sources.serial.events`), ``at`` (stream seconds),
    ``sample``, ``message`` and, for outages, ``outage_s``.
    """

    def __init__(self, out=None, err=None):
        self.out = out or sys.stdout
        self.summary_out = err or sys.stderr

    def _show(self, session, notices):
        for record in session.take_link_events():
            print(json.dumps(record), file=self.out, flush=True)
        for notice in notices:
            print(notice_to_json(notice), file=self.out, flush=True)


class TextFeedView(_LineView):
    """Muscle notices and link events as lines of text on ``out`` (artefacts
    and bad stretches are left out), then the summary."""

    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.summary_out = self.out

    def _show(self, session, notices):
        for record in session.take_link_events():
            print(f"[link] {record['message']}", file=self.out, flush=True)
        for notice in notices:
            if notice.event is None or notice.event.is_muscle:
                print(format_notice(notice), file=self.out, flush=True)


class DashboardView:
    """The terminal dashboard (``rich``), redrawn eight times a second.

    Parameters
    ----------
    out : file | None
        Default: ``sys.stdout`` when the view is made.
    provisional : bool
        Also list provisional notices (activity rising) and what was
        withdrawn, greyed; by default the feed shows what stands.
    """

    def __init__(self, out=None, provisional=False):
        self.out = out or sys.stdout
        self.provisional = provisional

    def run(self, session, done):
        from rich.console import Console
        from rich.live import Live
        console = Console(file=self.out)
        shown = 0.0
        with Live(dashboard(session, provisional=self.provisional), console=console,
                  auto_refresh=False) as live:
            while not done():
                session.poll()
                session.take_link_events()  # the link line shows the latest
                if time.monotonic() - shown >= REDRAW_S:
                    shown = time.monotonic()
                    live.update(dashboard(session, provisional=self.provisional),
                                refresh=True)

    def close(self, session, tail, files):
        print_summary(session, files, self.out)


def dashboard(session, *, provisional=False):
    """The dashboard of ``session`` now, as a ``rich`` renderable.

    The session is read when this is called (so the renderable can be drawn
    from another thread); the layout is chosen when it is printed, for the
    console's width and height: every line fits the width, and with more
    channels than fit, the most active ones are listed and the others
    summed up in one line, so the event feed always keeps its rows.

    Parameters
    ----------
    session : LiveSession
    provisional : bool
        Also list provisional and withdrawn notices, greyed.

    Returns
    -------
    dashboard : Dashboard
    """
    return Dashboard(session, provisional)


class Dashboard:
    """One moment of a session, laid out when printed (see :func:`dashboard`)."""

    def __init__(self, session, provisional=False):
        from rich.text import Text
        engine = session.engine
        started = getattr(session, "started", None)
        wall_start = (None if started is None
                      else time.time() - (time.monotonic() - started))
        self._top = _header(session, engine)
        self._alerts = [Text(a, style="bold red") for a in session.alerts.values()]
        self._stream_s = 0.0 if engine is None else engine.stream_time
        self._channels = [] if engine is None else _channel_rows(session, engine)
        self._name_w = min(10, max([7] + [len(r["name"]) for r in self._channels]))
        self._feed = feed_rows(session.notices[-FEED_SCAN:], provisional)
        self._wall_start = wall_start
        self._provisional = provisional
        self._waiting = engine is None

    def __rich_console__(self, console, options):
        width = options.max_width
        height = options.height or options.max_height
        for line in self.lines(width, height):
            line.no_wrap = True
            line.overflow = "ellipsis"
            line.truncate(width, overflow="ellipsis")
            yield line

    def lines(self, width, height):
        """The dashboard as at most ``height`` lines of ``rich`` text."""
        from rich.text import Text
        top = list(self._top) + self._alerts[:3]
        table = []
        if self._waiting:
            table.append(Text("waiting for the first samples...", style="yellow"))
        else:
            head = [Text("level: µV RMS (50 ms), log scale; ┃ where a burst starts",
                         style="dim"), self._column_header()]
            room = height - len(top) - 1 - MIN_FEED_ROWS - len(head)
            if room < min(3, len(self._channels)):
                head, room = head[1:], room + 1
            table = head + self._table(max(room, 1))
        feed_room = max(0, height - len(top) - len(table) - 1)
        title = ("events (provisional and withdrawn greyed)" if self._provisional
                 else "events")
        feed = [Text(f"── {title} " + "─" * max(0, width - len(title) - 4), style="dim")]
        rows = self._feed[-feed_room:] if feed_room else []
        feed += [self._feed_line(row) for row in rows] or [Text("(none yet)", style="dim")]
        return (top + table + feed)[:height]

    def _column_header(self):
        from rich.text import Text
        return Text(f"{'channel':<{self._name_w}} {BAR_SCALE} {'µV':>6} {'bad':>4} "
                    f"{'fasc':>5} {'/min':>5} {'spasm':>5} {'burst':>5}  now", style="bold")

    def _table(self, room):
        from rich.text import Text
        rows = self._channels
        if len(rows) <= room:
            return [self._channel_line(r) for r in rows]
        shown = sorted(sorted(rows, key=_interest, reverse=True)[:room - 1],
                       key=lambda r: r["index"])
        hidden = [r for r in rows if r not in shown]
        above = sum(r["level"] > r["threshold"] for r in hidden)
        line = (f"+{len(hidden)} more channels: {above} above threshold, "
                f"{sum(r['running'] is not None for r in hidden)} in spasm; "
                f"{sum(r['fasciculations'] for r in hidden)} fasc, "
                f"{sum(r['spasms'] for r in hidden)} spasms, "
                f"{sum(r['bursts'] for r in hidden)} bursts")
        return [self._channel_line(r) for r in shown] + [Text(line, style="dim")]

    def _channel_line(self, row):
        from rich.text import Text
        rate = ""
        if self._stream_s >= RATE_AFTER_S:
            rate = "-" if row["rate"] is None else f"{row['rate']:5.1f}"
        level = row["level"]
        line = Text(f"{row['name'][:self._name_w]:<{self._name_w}} ")
        line.append_text(level_bar(level, row["threshold"]))
        line.append(f" {level:6.1f} " if level < 1e4 else f" {level:6.0f} ")
        line.append(f"{row['bad_percent']:3.0f}% {row['fasciculations']:>5} {rate:>5} "
                    f"{row['spasms']:>5} {row['bursts']:>5}  ")
        if row["running"] is not None:
            line.append(f"SPASM {row['running']:5.1f} s", style="bold red")
        return line

    def _feed_line(self, row):
        from rich.text import Text
        clock = ("--:--:--" if self._wall_start is None else
                 time.strftime("%H:%M:%S", time.localtime(self._wall_start + row["at"])))
        return Text(f"{clock} {row['at']:8.1f} s  {row['channel']:<{self._name_w}} "
                    f"{row['text']}", style=row["style"])


def _header(session, engine):
    """The lines above the channels: source, stream, link, mains."""
    from rich.text import Text
    decoder = getattr(session.link, "decoder", None)
    protocol = getattr(session, "protocol", None)
    title = "emgspasm monitor" + (f"  ({protocol.name})" if protocol else "")
    if engine is not None:
        title += f"  {engine.sfreq:g} Hz x {len(engine.ch_names)} ch"
    title += f"  {session.port}"  # last: a long name is cut, not the rest
    lines = [Text(title, style="bold")]
    status = Text(time.strftime("%H:%M:%S") + "  ")
    status.append("waiting for samples" if engine is None
                  else f"stream {engine.stream_time:8.1f} s")
    ident = getattr(decoder, "ident", None)
    if ident:
        status.append(f"  device: {ident.get('name', '?')} fw {ident.get('fw', '?')}")
    if getattr(decoder, "status", 0) & STATUS_BATTERY_LOW:
        status.append("  BATTERY LOW", style="bold red")
    lines.append(status)
    lines.append(Text(_short_counters(session)))
    lines.append(Text.from_markup(link_line(session)))
    mains = ("waiting for the first samples" if engine is None
             else engine.chain.mains.describe())
    lines.append(Text(f"mains: {mains}"))
    return lines


def _short_counters(session):
    """The link's counters that fit one dashboard line."""
    if session.link.decoder is None:  # not a serial link: no frames to count
        return session.link.counters()
    stats = session.link.decoder.stats
    sfreq = getattr(session.link.decoder, "sfreq", None)
    text = (f"frames {stats.frames}  bad {stats.bad_frames}  rejected {stats.rejected}  "
            f"lost {stats.lost_frames}  restarts {stats.restarts}  "
            f"reconnects {stats.reconnects}")
    if sfreq and stats.gap_samples:
        text += f"  gaps {stats.gap_samples / sfreq:.1f} s"
    return text


def _channel_rows(session, engine):
    """What the table shows of every channel, read from the session now."""
    summary = session.summary()
    n = len(engine.ch_names)
    levels = session.levels_uv if session.levels_uv is not None else np.zeros(n)
    thresholds = getattr(engine.detector, "on_threshold_uv", np.full(n, np.nan))
    rows = []
    for c, name in enumerate(engine.ch_names):
        ch = summary["channels"][name]
        running = session.running_spasms.get(name)
        rows.append({
            "index": c, "name": name, "level": float(levels[c]),
            "threshold": float(thresholds[c]), "bad_percent": ch["bad_percent"],
            "fasciculations": ch["fasciculations"],
            "rate": ch["fasciculation_rate_per_min"], "spasms": ch["spasms"],
            "bursts": ch["bursts"],
            "running": None if running is None else engine.stream_time - running})
    return rows


def _interest(row):
    """How much a channel asks to be seen: a running spasm, then its level
    over its threshold, then what it did."""
    thr = row["threshold"]
    ratio = row["level"] / thr if thr > 0 else 0.0
    return (row["running"] is not None, ratio,
            row["spasms"] + row["bursts"] + row["fasciculations"])


def level_bar(level_uv, threshold_uv):
    """A level as a bar of ``BAR_DECADES * BAR_CELLS`` cells on a log scale
    from 1 µV (see :data:`BAR_SCALE`), with ``┃`` at the threshold.

    Parameters
    ----------
    level_uv : float
    threshold_uv : float
        NaN draws no threshold mark.

    Returns
    -------
    bar : rich.text.Text
    """
    from rich.text import Text
    n = BAR_DECADES * BAR_CELLS

    def cell(uv):
        return int(min(n, max(0.0, BAR_CELLS * math.log10(max(uv, 1.0)))))

    filled = cell(level_uv)
    mark = min(n - 1, cell(threshold_uv)) if math.isfinite(threshold_uv) else None
    loud = mark is not None and level_uv > threshold_uv
    bar = Text()
    for i in range(n):
        if i == mark:
            bar.append("┃", style="bold yellow")
        elif i < filled:
            bar.append("█", style="red" if loud else "green")
        else:
            bar.append("·", style="dim")
    return bar


def feed_rows(notices, provisional=False):
    """The event feed's rows from notices in stream order.

    An updated fasciculation is shown as it now stands, in its place; a
    withdrawn event and a withdrawn spasm disappear with the line that
    announced them, and provisional notices are left out, unless
    ``provisional``: then they stay, greyed, and say what became of them.
    Artefacts and bad stretches are not muscle events and are not listed.

    Parameters
    ----------
    notices : list of Notice
    provisional : bool

    Returns
    -------
    rows : list of dict
        ``at`` (stream s), ``channel``, ``text`` and ``style`` (``rich``).
    """
    rows, open_rows = [], {}
    for notice in notices:
        ev = notice.event
        if ev is not None and not ev.is_muscle:
            continue
        kind = notice.kind
        row = {"at": notice.at, "channel": notice.channel, "style": "",
               "shown": True}
        if kind == "event":
            row["text"] = _event_text(ev)
            open_rows[("event", notice.channel, ev.onset, ev.label)] = row
        elif kind == "event_update":
            old = open_rows.get(("event", notice.channel, ev.onset, ev.label))
            if old is not None:
                old["text"] = _event_text(ev)
                continue
            row["text"] = _event_text(ev)
        elif kind == "spasm_start":
            row.update(text="SPASM started", style="bold red")
            open_rows[("spasm", notice.channel, notice.onset)] = row
        elif kind == "spasm_end":
            row["text"] = (f"spasm ended: {ev.subtype}, {ev.duration:.2f} s, "
                           f"peak {ev.peak_uv:.0f} µV")
        elif kind == "burst_start":
            row.update(text="activity rising (provisional)", style="dim",
                       shown=provisional)
            open_rows[("burst", notice.channel, notice.onset)] = row
        else:
            if kind == "event_retract":
                key = ("event", notice.channel, ev.onset, ev.label)
            else:
                key = ("spasm" if kind == "spasm_retract" else "burst", notice.channel,
                       notice.onset)
            old = open_rows.pop(key, None)
            if old is not None:
                old.update(shown=provisional, style="dim",
                           text=_WITHDRAWN[kind] + old["text"])
            continue
        rows.append(row)
    return [{k: r[k] for k in ("at", "channel", "text", "style")}
            for r in rows if r["shown"]]


_WITHDRAWN = {"event_retract": "withdrawn (the activity went on): ",
              "spasm_retract": "withdrawn (too short, a burst): ",
              "burst_cancel": "came to nothing: "}


def _event_text(ev):
    """A muscle event in a few words: label, subtype, length, peak."""
    text = ev.label
    if ev.subtype and ev.label == FASCICULATION:
        text += f" {ev.subtype}"
    text += f", {ev.duration * 1000:.0f} ms"
    if ev.peak_uv:
        text += f", peak {ev.peak_uv:.0f} µV"
    return text


def link_counters(session):
    """The link's counters in one line of text."""
    link = session.link
    if link.decoder is None:  # not a serial link: no frames to count
        return link.counters()
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
    latest = escape(session.link_log[-1].message if session.link_log
                    else f"{session.port}: opening")
    if session.link.lost_at is None:
        return f"link: {latest}"
    lost_s = time.monotonic() - session.link.lost_at
    return f"link: [b red]LOST for {lost_s:.1f} s, reconnecting[/b red] ({latest})"


def print_summary(session, files, out):
    """The end-of-session summary: per channel counts, the link, the files."""
    summary = session.summary()
    if summary is None:
        print(no_samples_message(session), file=out)
    else:
        print(f"session: {summary['duration_s']:.1f} s", file=out)
        for name, ch in summary["channels"].items():
            rate = ch["fasciculation_rate_per_min"]
            rate = ("" if rate is None or summary["duration_s"] < RATE_AFTER_S
                    else f" ({rate:.0f}/min)")
            print(f"  {name}: {ch['spasms']} spasms ({ch['spasm_total_s']:.1f} s), "
                  f"{ch['fasciculations']} fasciculations{rate}, "
                  f"{ch['bursts']} bursts, {ch['bad_percent']:.1f}% unusable", file=out)
    print(f"  link: {link_counters(session)}", file=out)
    if session.link.error is not None:
        print(f"  link ended: {session.link.error}", file=out)
    if files:
        print(f"  recording: {files['fif']} and {files['events']}", file=out)


def no_samples_message(session):
    """Why a session that received no samples may have failed, and what to check."""
    if session.protocol is None:  # not a serial port
        return f"no samples received from {session.port}; is the sender streaming?"
    protocol = session.protocol.name
    baud = getattr(session.link, "baudrate", None)
    used = f"protocol {protocol}" + (f" at {baud} baud" if baud else "")
    decoder = getattr(session.link, "decoder", None)
    stats = getattr(decoder, "stats", None)
    if stats is None or not stats.bytes:
        got = ("no bytes arrived: the device did not start streaming (each protocol "
               "sends its own start command) or the baud rate is wrong")
    else:
        got = (f"{stats.bytes} bytes arrived but none decoded as a {protocol} frame "
               f"({stats.bad_frames} bad frames)")
    return (f"no samples received from {session.port} ({used}); {got}. Check that "
            "--protocol names the sensor's protocol and --baud its baud rate.")
