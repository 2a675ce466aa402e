"""Live monitoring of a connected sensor.

:class:`LiveSession` is the loop: serial link → decoder → engine → recorder,
with the notices it makes. :func:`monitor` runs it with a terminal dashboard
(``rich``) or, with ``headless``, prints notices as JSON lines for other
tools. Ctrl-C ends cleanly with a summary.
"""

import json
import math
import sys
import time
from collections import deque
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..engine.streaming import Engine
from ..outputs.summary import summarize
from ..sources.serial.protocols import emgspasm as P
from ..sources.serial.protocols.ascii import make_decoder
from ..sources.serial.protocols.cyton import BAUD as CYTON_BAUD
from ..sources.serial.protocols.cyton import START as CYTON_START
from ..sources.serial.protocols.cyton import STOP as CYTON_STOP
from ..sources.serial.blocks import Block
from ..sources.serial.link import LinkEvent, SerialLink, drain, merge_blocks
from ..outputs.recorder import SessionRecorder

FEED_LINES = 12


def start_command(protocol):
    """What the host sends after connecting, per protocol."""
    return {"emgspasm": P.encode_command(P.T_START), "cyton": CYTON_START}.get(protocol)


def stop_command(protocol):
    """What the host sends before it lets go of the sensor, per protocol."""
    return {"emgspasm": P.encode_command(P.T_STOP), "cyton": CYTON_STOP}.get(protocol)


class LiveSession:
    """One monitoring session.

    Parameters
    ----------
    port : str
    protocol : {"emgspasm", "cyton", "ascii"}
    config : Config | None
    record_dir : str | Path | None
        Folder for the crash-safe recording; None records nothing.
    baudrate : int | None
    adc_scale, sfreq : float | None
        For ASCII sensors.
    alert_spasm_s : float
        Raise an alert when a spasm runs longer than this.
    """

    def __init__(self, port, protocol="emgspasm", config=None, record_dir=None,
                 baudrate=None, adc_scale=None, sfreq=None, alert_spasm_s=30.0):
        make_decoder(protocol, scale=adc_scale, sfreq=sfreq)  # validate now
        self.port = port
        self.protocol = protocol
        self.config = config
        self.record_dir = record_dir
        self.alert_spasm_s = alert_spasm_s
        self.link = SerialLink(
            port, lambda: make_decoder(protocol, scale=adc_scale, sfreq=sfreq),
            baudrate or (CYTON_BAUD if protocol == "cyton" else 115200),
            start_command(protocol))
        self.engine = None
        self.recorder = None
        self.notices = []
        self.feed = deque(maxlen=FEED_LINES)
        self.link_log = deque(maxlen=4)
        self.alerts = {}
        self.running_spasms = {}
        self.levels_uv = None
        self.started = None

    def start(self):
        """Open the port (raises :class:`~emgspasm.errors.DeviceError`).

        The numba kernels are loaded first, on a few samples of silence, so the
        first real samples do not wait for them.
        """
        Engine(1000.0, ["warm-up"], self.config).process(np.zeros((1, 256)))
        self.link.start()
        if self.protocol == "emgspasm":
            self.link.identify()
        self.started = time.monotonic()
        return self

    def poll(self, timeout=0.05):
        """Process whatever arrived; return the new notices."""
        items = drain(self.link, timeout)
        new, blocks = [], []
        for item in items + [None]:
            if isinstance(item, Block):
                blocks.append(item)
                continue
            if blocks:
                new += self._process(merge_blocks(blocks))
                blocks = []
            if isinstance(item, LinkEvent):
                self.link_log.append(item)
        return new

    def _process(self, block):
        if self.engine is None:
            dec = self.link.decoder
            names = [f"EMG{i + 1}" for i in range(block.data.shape[0])]
            self.engine = Engine(dec.sfreq, names, self.config)
            if self.record_dir:
                self.recorder = SessionRecorder(
                    self.record_dir, dec.sfreq, names,
                    {"port": self.port, "protocol": self.protocol,
                     "config": self.engine.config.to_dict()})
        step = self.engine.process(block.data, block.flags)
        if self.recorder:
            self.recorder.append(block.data, block.flags)
        last = step.output.rms[:, -1] if step.output.n_samples else None
        if last is not None:
            self.levels_uv = last * 1e6
        return self._announce(step.notices)

    def _announce(self, notices):
        for notice in notices:
            self.notices.append(notice)
            if self.recorder:
                self.recorder.notice(notice)
            if notice.kind == "spasm_start":
                self.running_spasms[notice.channel] = notice.onset
            elif notice.kind in ("spasm_end", "spasm_retract"):
                self.running_spasms.pop(notice.channel, None)
                self.alerts.pop(notice.channel, None)
            if notice.event is None or notice.event.is_muscle:
                self.feed.append(notice)
        now = self.engine.stream_time if self.engine else 0.0
        for ch, onset in self.running_spasms.items():
            if now - onset > self.alert_spasm_s:
                self.alerts[ch] = f"{ch}: spasm running {now - onset:.0f} s"
        return notices

    def stop(self):
        """End the session: close open events, stop the link, write files.

        Returns
        -------
        notices : list of Notice
            The last ones (events closed at the end of the stream).
        files : dict | None
            What the recorder wrote.
        """
        command = stop_command(self.protocol)
        if command:
            try:
                self.link.write(command)  # a sensor stops streaming when we leave
            except OSError:
                pass
        self.link.stop()
        tail = []
        for item in drain(self.link, 0.0):
            if isinstance(item, Block):
                tail += self._process(item)  # recorded like every other block
        files = None
        if self.engine is not None:
            tail += self._announce(self.engine.finish())
            if self.recorder:
                files = self.recorder.close(list(self.engine.events))
        return tail, files

    def summary(self):
        """Per-channel session summary (see :func:`~emgspasm.summary.summarize`)."""
        if self.engine is None:
            return None
        return summarize(self.engine.events, self.engine.stream_time,
                         self.engine.ch_names)


def notice_json(notice):
    """A notice as one JSON line."""
    record = {"kind": notice.kind, "channel": notice.channel, "at": notice.at,
              "onset": notice.onset}
    if notice.event is not None:
        record["event"] = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                           for k, v in asdict(notice.event).items()}
    return json.dumps(record)


def _dashboard(session):
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    from .demo import format_notice
    engine = session.engine
    stats = session.link.decoder.stats if session.link.decoder else None
    head = (f"[b]emgspasm monitor[/b]  {session.port}  ({session.protocol})")
    if engine is not None:
        head += (f"  {engine.sfreq:g} Hz x {len(engine.ch_names)} ch  "
                 f"stream {engine.stream_time:7.1f} s")
    decoder = session.link.decoder
    if getattr(decoder, "ident", None):
        head += f"\ndevice: {decoder.ident.get('name', '?')} fw {decoder.ident.get('fw', '?')}"
    if getattr(decoder, "status", 0) & P.STATUS_BATTERY_LOW:
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
        mains = engine.chain.mains
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
        parts.append(f"mains: {mains.mains_hz or 'none'} Hz ({mains.mode})"
                     + (f", {mains.level_uv:.0f} µV" if mains.level_uv else ""))
    if session.alerts:
        parts.append(Panel("\n".join(session.alerts.values()), title="ALERT",
                           style="bold red"))
    parts.append(Panel("\n".join(format_notice(n) for n in session.feed) or "…",
                       title="events"))
    return Group(*parts)


def monitor(port, protocol="emgspasm", config=None, *, headless=False, record_dir=None,
            baudrate=None, adc_scale=None, sfreq=None, alert_spasm_s=30.0,
            duration_s=None, until=None, out=sys.stdout, line=notice_json):
    """Run a monitoring session until Ctrl-C, ``duration_s`` or ``until()``.

    With ``headless`` every notice is printed with ``line`` (JSON by default)
    instead of drawing the dashboard.

    Returns
    -------
    code : int
    session : LiveSession
    """
    session = LiveSession(port, protocol, config, record_dir, baudrate, adc_scale,
                          sfreq, alert_spasm_s).start()

    def done():
        if until is not None and until():
            return True
        return duration_s is not None and time.monotonic() - session.started >= duration_s

    try:
        if headless:
            while not done():
                for notice in session.poll():
                    if line is not notice_json and notice.event is not None \
                            and not notice.event.is_muscle:
                        continue  # the text feed shows muscle only
                    print(line(notice), file=out, flush=True)
        else:
            from rich.live import Live
            with Live(_dashboard(session), refresh_per_second=8, screen=False) as live:
                while not done():
                    session.poll()
                    live.update(_dashboard(session))
    except KeyboardInterrupt:
        pass
    tail, files = session.stop()
    if headless:
        for notice in tail:
            if line is notice_json or notice.event is None or notice.event.is_muscle:
                print(line(notice), file=out, flush=True)
    _print_summary(session, files, sys.stderr if line is notice_json and headless else out)
    return 0, session


def _print_summary(session, files, out):
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


def recording_folder(base):
    """A new timestamped session folder under ``base``."""
    return Path(base) / time.strftime("session-%Y%m%d-%H%M%S")
