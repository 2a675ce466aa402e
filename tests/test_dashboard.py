"""The live dashboard as a person sees it in an 80x24 terminal.

Real sessions: the device emulator streams a simulated recording over a
pseudo-terminal and a :class:`LiveSession` reads it through pyserial; the
dashboard is printed on a ``rich`` console of 80 columns and 24 lines and
the text it shows is read back.
"""

import io
import os
import re
import time

import pytest

from emgspasm.apps.monitor import LiveSession
from emgspasm.apps.views import BAR_SCALE, dashboard, feed_rows, level_bar
from emgspasm.engine.streaming import Engine
from emgspasm.sources.serial.emulator import Emulator
from emgspasm.truth.sim import simulate

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")
pytest.importorskip("rich", reason="the dashboard needs rich: pip install 'emgspasm[monitor]'")

WIDTH, HEIGHT = 80, 24


def screen(session, provisional=False):
    """The dashboard printed on an 80x24 console, as text lines."""
    from rich.console import Console
    console = Console(width=WIDTH, height=HEIGHT, record=True, file=io.StringIO())
    console.print(dashboard(session, provisional=provisional))
    return console.export_text().rstrip("\n").split("\n")


def run_session(n_channels, sfreq, duration_s, seed):
    """Stream a simulated session to a live session; the screens after its
    first samples and at the end (twice, once with provisional notices) and
    the feed's rows then, and the session."""
    sim = simulate(duration_s=duration_s, n_channels=n_channels, sfreq=sfreq,
                   spasms_per_min=12, fasciculations_per_min=60, seed=seed)
    emulator = Emulator(sim.data, sim.sfreq, "emgspasm", speed=4.0).start()
    session = LiveSession(emulator.port, "emgspasm").start()
    screens = {}
    try:
        deadline = time.monotonic() + 120
        while session.engine is None:
            session.poll(0.05)
            assert time.monotonic() < deadline
        screens["early"] = screen(session)
        screens["early_s"] = session.engine.stream_time
        while session.engine.stream_time < duration_s - 0.05:
            session.poll(0.1)
            assert time.monotonic() < deadline
        screens["end"] = screen(session)
        screens["provisional"] = screen(session, provisional=True)
        screens["end_rows"] = feed_rows(session.notices)
        screens["provisional_rows"] = feed_rows(session.notices, provisional=True)
    finally:
        session.stop()
        emulator.stop()
    return screens, session


@pytest.fixture(scope="module")
def eight():
    return run_session(8, 1000.0, 6.0, seed=9)


@pytest.fixture(scope="module")
def sixty_four():
    return run_session(64, 500.0, 1.5, seed=9)


def feed_of(lines):
    """The event feed's lines: those under its title."""
    title = next(i for i, line in enumerate(lines) if line.startswith("── events"))
    return lines[title + 1:]


def channel_lines(lines):
    return [line for line in lines if re.match(r"EMG\d+ ", line)]


def assert_row(line, row):
    """``line`` shows the feed ``row``: clock, stream seconds, channel and
    text (a long text cut at the edge with an ellipsis)."""
    assert re.match(r"\d\d:\d\d:\d\d +\d+\.\d s  ", line)
    assert float(line[9:17]) == pytest.approx(row["at"], abs=0.051)
    shown, expected = line[21:], f"{row['channel']:<7} {row['text']}"
    assert shown == expected or (shown.endswith("…") and expected.startswith(shown[:-1]))


def assert_fits(lines):
    assert len(lines) <= HEIGHT, "\n".join(lines)
    assert max(map(len, lines)) <= WIDTH


def test_eight_channels_fit_80x24_with_every_channel_mains_and_the_feed(eight):
    screens, session = eight
    lines = screens["end"]
    assert_fits(lines)
    assert [line.split()[0] for line in channel_lines(lines)] == session.engine.ch_names
    mains = next(line for line in lines if line.startswith("mains: "))
    assert "Hz mains notched" in mains and not mains.endswith("…")
    feed = feed_of(lines)
    assert len(feed) >= 6
    shown = screens["end_rows"]
    # the feed's rows are the newest events, whole (nothing cut to "...")
    for line, row in zip(feed, shown[-len(feed):]):
        assert line.endswith(f"{row['channel']:<7} {row['text']}")
        assert_row(line, row)


def test_sixty_four_channels_fit_80x24_with_the_busiest_and_a_sum_of_the_rest(sixty_four):
    screens, session = sixty_four
    lines = screens["end"]
    assert_fits(lines)
    listed = channel_lines(lines)
    assert 5 <= len(listed) < 64
    more = next(line for line in lines if line.startswith("+"))
    assert more.startswith(f"+{64 - len(listed)} more channels: ")
    # a channel in a spasm is listed before a quiet one
    running = set(session.running_spasms)
    names = {line.split()[0] for line in listed}
    assert running <= names or names <= running
    assert len(feed_of(lines)) >= 6


def test_the_first_seconds_say_deciding_mains_and_show_no_rate(eight):
    screens, _ = eight
    early, end = screens["early"], screens["end"]
    assert screens["early_s"] < 1.0  # the 'auto' notch decides after 2 s
    assert "mains: deciding mains..." in early
    header = next(line for line in end if line.startswith("channel"))
    rate = header.index("/min")
    for line in channel_lines(early) + channel_lines(end):  # under a minute
        assert line[rate - 1:rate + 4].strip() == ""
        assert line[rate - 7:rate - 2].strip().isdigit()  # the count is there


def test_columns_stay_put_between_redraws(eight, sixty_four):
    for screens, _ in (eight, sixty_four):
        early, end = screens["early"], screens["end"]
        assert [line for line in early if line.startswith("channel")] == \
            [line for line in end if line.startswith("channel")]
        for line in channel_lines(early) + channel_lines(end):
            assert line.index("%") == channel_lines(end)[0].index("%")
        feed = [line for line in feed_of(early) + feed_of(end) if "EMG" in line]
        assert len({line.index("EMG") for line in feed}) == 1


def test_level_bar_has_a_scale_and_the_threshold(eight):
    screens, session = eight
    lines = screens["end"]
    header = next(line for line in lines if line.startswith("channel"))
    assert BAR_SCALE.strip() in header and "┃ where a burst starts" in "\n".join(lines)
    thresholds = session.engine.detector.on_threshold_uv
    for line, thr in zip(channel_lines(lines), thresholds):
        assert line.count("┃") == 1
        # the mark sits in the cell of the threshold's decade quarter
        cell = line.index("┃") - header.index(BAR_SCALE.strip())
        assert 10 ** (cell / 4) <= max(thr, 1.0) < 10 ** ((cell + 1) / 4) or cell == 15


def test_level_bar_cells():
    assert level_bar(0.5, float("nan")).plain == "·" * 16
    assert level_bar(10.0, 100.0).plain == "████····┃·······"
    assert level_bar(1e6, 100.0).plain == "████████┃███████"


def test_withdrawn_and_provisional_notices_are_hidden_unless_asked(eight):
    screens, _ = eight
    hidden = len(screens["provisional_rows"]) - len(screens["end_rows"])
    assert hidden > 0  # the session had provisional or withdrawn notices
    assert not any("withdrawn" in line or "provisional" in line
                   for line in feed_of(screens["end"]))
    assert any(line.startswith("── events (provisional and withdrawn greyed)")
               for line in screens["provisional"])
    asked = feed_of(screens["provisional"])
    for line, row in zip(asked, screens["provisional_rows"][-len(asked):]):
        assert_row(line, row)


def test_rate_per_minute_appears_after_a_minute():
    sim = simulate(duration_s=61, n_channels=1, sfreq=500.0, fasciculations_per_min=30,
                   seed=4)
    emulator = Emulator(sim.data, sim.sfreq, "emgspasm", speed=0).start()
    session = LiveSession(emulator.port, "emgspasm").start()
    try:
        deadline = time.monotonic() + 120
        while session.engine is None or session.engine.stream_time < 60.5:
            session.poll(0.1)
            assert time.monotonic() < deadline
        lines = screen(session)
        rate = session.summary()["channels"]["EMG1"]["fasciculation_rate_per_min"]
    finally:
        session.stop()
        emulator.stop()
    header = next(line for line in lines if line.startswith("channel"))
    column = header.index("/min")
    assert channel_lines(lines)[0][column - 1:column + 4].strip() == f"{rate:5.1f}".strip()


def test_dashboard_view_draws_the_session_and_ends_with_the_summary():
    from emgspasm.apps.monitor import monitor
    from emgspasm.apps.views import DashboardView
    sim = simulate(duration_s=2, n_channels=2, sfreq=1000.0, seed=3)
    emulator = Emulator(sim.data, sim.sfreq, "emgspasm", speed=2.0).start()
    session = LiveSession(emulator.port, "emgspasm").start()
    out = io.StringIO()
    try:
        monitor(session, DashboardView(out), until=emulator.done.is_set)
    finally:
        emulator.stop()
    text = out.getvalue()
    assert "emgspasm monitor  (emgspasm)  1000 Hz x 2 ch" in text
    assert "── events" in text and "session: " in text and "EMG2: " in text


def test_feed_folds_what_the_engine_refines_and_withdraws():
    # a real engine over a simulated session that reports, refines and
    # withdraws fasciculations
    sim = simulate(duration_s=4, n_channels=2, sfreq=1000.0, spasms_per_min=12,
                   fasciculations_per_min=60, seed=21)
    engine = Engine(sim.sfreq, sim.ch_names)
    notices = []
    for start in range(0, sim.data.shape[1], 100):
        notices += engine.process(sim.data[:, start:start + 100]).notices
    kinds = [n.kind for n in notices]
    assert {"event_retract", "event_update", "burst_start"} <= set(kinds)
    rows = feed_rows(notices)
    withdrawn = [n.event for n in notices if n.kind == "event_retract"]
    updated = [n.event for n in notices if n.kind == "event_update"]
    # what stands, once each: every final event, every spasm start and end
    gone = {(e.channel, e.onset, e.label) for e in withdrawn}
    standing = [n for n in notices if n.kind in ("spasm_start", "spasm_end") or (
        n.kind == "event" and (n.channel, n.event.onset, n.event.label) not in gone)]
    assert len(rows) == len(standing)
    assert not any("provisional" in r["text"] or "withdrawn" in r["text"] for r in rows)
    for ev in updated:  # shown as refined, in the place of the first report
        if (ev.channel, ev.onset, ev.label) in gone:
            continue  # refined, then withdrawn
        assert sum(r["text"].startswith(f"fasciculation {ev.subtype}, "
                                        f"{ev.duration * 1000:.0f} ms") for r in rows) >= 1
    greyed = feed_rows(notices, provisional=True)
    assert len(greyed) == len(rows) + len(withdrawn) + kinds.count("burst_start")
    assert sum(r["text"].startswith("withdrawn (the activity went on): ")
               for r in greyed) == len(withdrawn)
    assert all(r["style"] == "dim" for r in greyed
               if r["text"].startswith(("withdrawn", "activity rising")))
