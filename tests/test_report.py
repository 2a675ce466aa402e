"""The HTML report, opened in real headless Chromium.

Reports are made from recordings written to disk (FIF through MNE) and
analysed by the real pipeline, then read back through the page's DOM and
its drawn canvases: example traces carry no mains, long spasms are shown
whole, rate plots span the whole recording, artefacts are marked, the
events table sorts, filters and opens each event's own signal, clock times
and the configuration are shown, nothing is fetched from the network and
nothing is logged as an error. The size cap of a day-long report and the
recording-level check for voluntary activity are tested without a browser.
"""

import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from emgspasm.apps.analyze import analyze_file, replay
from emgspasm.engine.config import Config
from emgspasm.engine.dsp.chain import ChainOutput, SampleMajor
from emgspasm.engine.events import Event, Notice
from emgspasm.engine.streaming import Engine, Step
from emgspasm.outputs.events_table import read_events_tsv
from emgspasm.outputs.report import ReportCollector, write_report
from emgspasm.outputs.report.collect import window
from emgspasm.outputs.report.payload import thin_snippets
from emgspasm.outputs.report.timeline import bin_edges, rates, time_unit
from emgspasm.outputs.summary import channel_activity, summarize
from emgspasm.sources.files import open_recording
from emgspasm.truth.sim import _muscle, simulate

MAINS_UV = 150.0
MUSCLE = ("spasm", "fasciculation", "burst")


# -- recordings ---------------------------------------------------------------

def write_fif(path, data, sfreq, names, meas_date=None):
    """Write ``data`` (volts) as a FIF file through MNE."""
    import mne
    raw = mne.io.RawArray(data, mne.create_info(names, sfreq, "emg"), verbose="error")
    if meas_date is not None:
        raw.set_meas_date(meas_date)
    raw.save(path, overwrite=True, verbose="error")
    return path


def with_bursts(duration_s, bursts, seed=0, sfreq=1000.0, **changes):
    """A simulated recording (noise, 50 Hz mains, wander, fasciculations) with
    tonic muscle activity of 200 µV RMS at ``bursts`` ((onset, length) in s)
    on its first channel."""
    scenario = {"spasms_per_min": 0, "bursts_per_min": 0, "fasciculations_per_min": 20,
                "pops_per_min": 0, "motion_per_min": 0, "mains_uv": MAINS_UV}
    rec = simulate(duration_s=duration_s, n_channels=1, sfreq=sfreq, seed=seed,
                   **{**scenario, **changes})
    rng = np.random.default_rng(seed + 100)
    pool = _muscle.MotorUnitPool(sfreq, rng)
    for onset, length in bursts:
        n = int(length * sfreq)
        excitation = _muscle.spasm_excitation(n, sfreq, 0.6, rng)
        sig = pool.render(pool.tonic_spikes(excitation, rng), n)
        sig *= 200e-6 / np.sqrt(np.mean(sig ** 2))
        i0 = int(onset * sfreq)
        rec.data[0, i0:i0 + n] += sig[:rec.data.shape[1] - i0]
    return rec


def report_of(path, out, meas_date=None, config=None):
    """Analyse ``path`` as ``analyze`` does, with ``meas_date`` set on the
    recording where given; return (report path, recording, events, engine)."""
    config = config or Config()
    rec = open_recording(path)
    if meas_date is not None:
        rec.meas_date = meas_date
    events, engine, collected = replay(rec, config, report=True)
    summary = summarize(events, rec.duration_s, rec.ch_names)
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"{Path(path).stem}_report.html"
    write_report(page, rec, events, summary, collected, config, engine.chain.mains)
    return page, rec, events, engine


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """12 s, 2 channels, 1 kHz, 150 µV of 50 Hz mains, spasms, fasciculations,
    pops, and a NaN stretch on the second channel, analysed by ``analyze``."""
    folder = tmp_path_factory.mktemp("session")
    sim = simulate(duration_s=12, n_channels=2, sfreq=1000.0, seed=5, spasms_per_min=12,
                   bursts_per_min=5, fasciculations_per_min=60, pops_per_min=10,
                   motion_per_min=5, mains_uv=MAINS_UV)
    data = sim.data.copy()
    data[1, 8000:8600] = np.nan
    path = write_fif(folder / "session_raw.fif", data, sim.sfreq, sim.ch_names)
    result = analyze_file(path, folder / "out")
    assert result.ok, result.message
    events = read_events_tsv(result.outputs["events"])
    labels = {e.label for e in events}
    assert {"spasm", "fasciculation", "artifact_pop", "BAD_nonfinite"} <= labels, labels
    return {"path": path, "page": Path(result.outputs["report"]), "events": events,
            "result": result, "raw": open_recording(path).read(0, data.shape[1]),
            "folder": folder}


# -- the browser --------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from emgspasm._chromium import headless_chromium, missing
    if missing():
        pytest.skip(missing())
    driver = headless_chromium(tmp_path_factory.mktemp("chromium"), (1300, 1000), logs=True)
    yield driver
    driver.quit()


class Page:
    """A report opened in the browser, once its script has drawn everything."""

    def __init__(self, driver, path):
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait
        self.driver = driver
        driver.get_log("browser")
        driver.get_log("performance")
        driver.get(Path(path).as_uri())
        try:
            WebDriverWait(driver, 60).until(lambda d: d.execute_script(
                "return !!(window.emgspasmReport && window.emgspasmReport.ready)"))
        except TimeoutException:
            pytest.fail(f"the page never finished drawing: {driver.get_log('browser')}")
        self.meta = self.js("return R.data.meta")

    def js(self, script, *args):
        return self.driver.execute_script("const R = window.emgspasmReport;\n" + script,
                                          *args)

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def errors(self):
        return [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def requests(self):
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def pixel(self, plot, t, share):
        """RGB of ``plot``'s canvas, over the page's white, at time ``t`` (in
        the page's unit) and ``share`` of the plotting area's height from its top."""
        rgba = np.array(self.js("""const u = eval(arguments[0]);
            const x = Math.round(u.valToPos(arguments[1], 'x', true));
            const y = Math.round(u.bbox.top + arguments[2] * u.bbox.height);
            return Array.from(u.ctx.getImageData(x, y, 1, 1).data);""", plot, t, share))
        alpha = rgba[3] / 255
        return rgba[:3] * alpha + 255 * (1 - alpha)

    def rows(self):
        """The table's visible rows: (index, {column: text})."""
        keys, rows = self.js("""return [
            Array.from(document.querySelectorAll('#events thead th'), th => th.dataset.key),
            Array.from(document.querySelectorAll('#events tbody tr'), tr =>
                [Number(tr.dataset.index), Array.from(tr.cells, td => td.innerText)])];""")
        return [(index, dict(zip(keys, cells))) for index, cells in rows]


@pytest.fixture(scope="module")
def page(browser, session):
    return Page(browser, session["page"])


def engine_trace(filtered, snippet, sfreq):
    """What a stored snippet should hold: ``filtered`` sample by sample, or
    the (min, max) of each of its bins (the last, which may be short, left out)."""
    first = round(snippet["t0"] * sfreq)
    n = len(snippet["d"]) * 3 // 4 // 2 - (len(snippet["d"]) - len(snippet["d"].rstrip("="))) // 2
    if not snippet["mm"]:
        return filtered[first:first + n]
    per = round(snippet["dt"] * sfreq)
    bins = [filtered[first + k * per:first + (k + 1) * per] for k in range(n // 2 - 1)]
    return np.ravel([(b.min(), b.max()) for b in bins])


def mains_amplitude(t, y, freq=50.0):
    """Amplitude of the ``freq`` sinusoid that best fits ``y(t)``."""
    basis = np.column_stack([np.cos(2 * np.pi * freq * t), np.sin(2 * np.pi * freq * t),
                             np.ones_like(t)])
    coef = np.linalg.lstsq(basis, y, rcond=None)[0]
    return float(np.hypot(coef[0], coef[1]))


# -- what the page shows --------------------------------------------------------

def test_page_is_offline_error_free_and_drawn(browser, session):
    page = Page(browser, session["page"])
    assert page.errors() == []
    requests = page.requests()
    assert session["page"].as_uri() in requests  # the log does see the page's requests
    external = [u for u in requests if u.split(":")[0] in ("http", "https", "ws", "wss", "ftp")]
    assert external == []
    text = session["page"].read_text()
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:)?//""", text)
    # every plot has drawn something besides its background
    counts = page.js("""const plots = [...R.plots.overview, ...Object.values(R.plots.rate),
                                       ...Object.values(R.plots.examples).flat().map(p => p.u)];
        return plots.map(u => {
            const d = u.ctx.getImageData(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height).data;
            let ink = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] < 200) ink++;
            return ink; });""")
    assert len(counts) >= 2 + 2 + 4 and min(counts) > 50, counts
    # and the screenshot shows them: the overview's area is far from blank
    image = pytest.importorskip("PIL.Image", reason="Pillow not installed")
    overview = page.find("#overview")[0]
    shot = np.asarray(image.open(io.BytesIO(overview.screenshot_as_png)).convert("L"))
    assert shot.shape[0] > 200 and (shot < 128).mean() > 0.01


def test_example_traces_carry_no_mains(page, session):
    examples = page.js("""const out = [];
        for (const [label, list] of Object.entries(R.plots.examples))
            for (const p of list) out.push({label: label, x: p.x, y: p.y, ex: p.example});
        return out;""")
    raw = session["raw"] * 1e6
    checked = 0
    for ex in examples:
        if ex["label"] not in MUSCLE or ex["ex"]["trace"]["mm"]:
            continue
        t = np.array(ex["x"]) + ex["ex"]["onset"]
        shown = mains_amplitude(t, np.array(ex["y"]))
        channel = page.meta["channels"].index(ex["ex"]["channel"])
        recorded = mains_amplitude(t, raw[channel, np.round(t * 1000).astype(int)])
        assert recorded > 0.6 * MAINS_UV  # the recording does carry the hum there
        assert shown < 0.1 * recorded and shown < 15.0, (ex["label"], shown, recorded)
        checked += 1
    assert checked >= 3


def test_header_says_what_was_notched_assumed_and_configured(page, session):
    header = page.find("#recording")[0].text
    assert "50 Hz mains notched" in header and "None" not in header
    assert "start time not recorded" in header
    assumptions = page.find("#assumptions")[0].text
    assert "muscle at rest" in assumptions and "Voluntary movement" in assumptions
    details = page.find("details#config")[0]
    assert details.get_attribute("open") is None  # collapsed until asked for
    details.find_element("css selector", "summary").click()
    assert "detector.min_spasm_s" in details.text and "0.5" in details.text
    assert page.find("#warnings") == []  # nothing voluntary about this session


def test_rate_plots_cover_the_whole_recording_in_its_unit(page, session):
    duration = page.meta["duration_s"]
    assert page.meta["unit"] == "s" and page.meta["unit_s"] == 1.0
    for key in ("spasm_per_h", "fasciculation_per_min"):
        x = page.js(f"const u = R.plots.rate['{key}']; return [u.data[0], u.scales.x.min,"
                    f" u.scales.x.max, u.axes[0].label]")
        edges, lo, hi, label = x
        assert edges[0] == 0 and edges[-1] == pytest.approx(duration)
        assert lo == pytest.approx(0) and hi == pytest.approx(duration)
        assert label == "time (s)"
    x = page.js("const u = R.plots.overview[0]; return [u.scales.x.min, u.scales.x.max]")
    assert x == pytest.approx([0, duration])
    # every fasciculation is counted once, the last (short) bin included
    rates_ = page.js("return [R.plots.rate.fasciculation_per_min.data, R.data.rates.edges]")
    series, edges = rates_[0], np.array(rates_[1], dtype=float)
    for c, name in enumerate(page.meta["channels"]):
        usable = np.diff(edges)
        bad = [e for e in session["events"] if e.channel == name and e.label.startswith("BAD_")]
        for e in bad:
            usable -= np.clip(np.minimum(edges[1:], e.offset)
                              - np.maximum(edges[:-1], e.onset), 0, None)
        per_bin = np.array([0 if r is None else r for r in series[c + 1][:-1]])
        counted = np.sum(per_bin * usable / 60.0)
        true = sum(e.label == "fasciculation" and e.channel == name for e in session["events"])
        assert counted == pytest.approx(true, abs=1e-2)


def test_artefacts_spasms_and_unusable_signal_are_marked(page, session):
    unit = page.meta["unit_s"]
    events = session["events"]
    names = page.meta["channels"]

    def quiet_time(channel):
        busy = [(e.onset - 0.5, e.offset + 0.5) for e in events if e.channel == channel]
        for t in np.arange(1.0, 11.0, 0.05):
            if not any(a <= t <= b for a, b in busy):
                return t
        pytest.fail(f"no quiet time on {channel}")

    def probe(e, share):
        plot = f"R.plots.overview[{names.index(e.channel)}]"
        mid = (e.onset + e.duration / 2) / unit
        return page.pixel(plot, mid, share), page.pixel(plot, quiet_time(e.channel) / unit, share)

    pop = next(e for e in events if e.label == "artifact_pop")
    marked, quiet = probe(pop, 0.19)
    assert np.ptp(marked) < 12 and 100 < marked.mean() < 150, marked  # grey mark
    assert quiet.mean() > 225, quiet  # nothing drawn there (a grid line at most)
    spasm = next(e for e in events if e.label == "spasm")
    marked, quiet = probe(spasm, 0.5)
    assert marked[0] > marked[1] + 40, marked  # red shading
    assert quiet.mean() > 225, quiet
    bad = next(e for e in events if e.label == "BAD_nonfinite")
    marked, _ = probe(bad, 0.5)
    assert np.ptp(marked) < 12 and marked.mean() < 225, marked  # grey shading


def test_table_sorts_filters_and_opens_each_events_signal(page, session, browser):
    from selenium.webdriver.support.ui import Select
    events = session["events"]
    rows = page.rows()
    assert page.js("return R.data.events.onset.length") == len(events)
    onsets = [float(r["onset"]) for _, r in rows]
    assert onsets == sorted(onsets) and len(rows) == min(100, len(events))
    header = page.find("#events thead th[data-key='duration']")[0]
    header.click()
    durations = [float(r["duration"]) for _, r in page.rows()]
    assert durations == sorted(durations)
    page.find("#events thead th[data-key='duration']")[0].click()
    durations = [float(r["duration"]) for _, r in page.rows()]
    assert durations == sorted(durations, reverse=True) and durations[0] > durations[-1]
    Select(page.find("#filter-label")[0]).select_by_value("fasciculation")
    shown = page.rows()
    assert {r["label"] for _, r in shown} == {"fasciculation"}
    assert len(shown) == sum(e.label == "fasciculation" for e in events)
    Select(page.find("#filter-label")[0]).select_by_value("")
    page.find("#filter-text")[0].send_keys("EMG2")
    shown = page.rows()
    assert {r["channel"] for _, r in shown} == {"EMG2"}
    assert len(shown) == sum(e.channel == "EMG2" for e in events)
    # click the third row shown: the viewer shows that event's own signal
    chain = Engine(1000.0, page.meta["channels"]).chain
    filtered = chain.process(session["raw"]).filtered * 1e6
    for n in (2, 0):
        index, cells = page.rows()[n]
        page.find("#events tbody tr")[n].click()
        shown = page.js("const s = R.shown; return [s.index, s.start, s.stop, s.y,"
                        " R.data.snippets[s.snippet]]")
        assert shown[0] == index
        event = next(e for e in events if f"{e.onset:.3f}" == cells["onset"]
                     and e.label == cells["label"] and e.channel == cells["channel"])
        assert shown[1] <= event.onset and shown[2] >= min(event.offset, 12.0 - 1e-3)
        assert cells["onset"] in page.find("#viewer .caption")[0].text
        channel = page.meta["channels"].index(event.channel)
        expected = engine_trace(filtered[channel], shown[4], 1000.0)
        drawn = np.array(shown[3][:len(expected)])
        assert len(expected) > 50
        assert np.max(np.abs(drawn - expected)) < 0.01 * np.max(np.abs(expected))
        assert page.find("#events tbody tr.selected")[0].get_attribute("data-index") == str(index)
    page.find("#filter-text")[0].clear()


def test_clock_times_when_the_start_is_known(browser, session, tmp_path):
    start = datetime(2024, 3, 1, 22, 15, 0, tzinfo=UTC)
    path, *_ = report_of(session["path"], tmp_path, meas_date=start)
    page = Page(browser, path)
    assert "started 2024-03-01 22:15:00 UTC" in page.find("#recording")[0].text
    for _, cells in page.rows()[:20]:
        clock = start + timedelta(seconds=float(cells["onset"]))
        assert cells["clock"] == clock.strftime("%H:%M:%S.%f")[:10] + " UTC"
    assert page.errors() == []
    # and none without it
    assert {r["clock"] for _, r in Page(browser, session["page"]).rows()} == {"n/a"}


def test_thinned_signal_is_said_on_the_page(browser, session, tmp_path, monkeypatch):
    from emgspasm.outputs.report import payload
    monkeypatch.setattr(payload, "PAGE_BUDGET", 0)  # no room for any event's signal
    path, *_ = report_of(session["path"], tmp_path)
    page = Page(browser, path)
    assert "signal of some events is not stored" in page.find("#thinned")[0].text
    page.find("#events tbody tr")[0].click()
    assert "not stored in the page" in page.find("#viewer")[0].text
    assert page.js("return R.shown.snippet") == -1 and page.errors() == []


def test_collector_refuses_what_it_cannot_use():
    from emgspasm.errors import ConfigError
    with pytest.raises(ConfigError, match="'sfreq'.*got 0"):
        ReportCollector(0, ["EMG1"], 100)
    with pytest.raises(ConfigError, match="'ch_names'.*non-empty"):
        ReportCollector(1000.0, [], 100)
    with pytest.raises(ConfigError, match="'n_samples'.*got 2.5"):
        ReportCollector(1000.0, ["EMG1"], 2.5)


def test_changed_configuration_is_highlighted(browser, session, tmp_path):
    config = Config().with_overrides({"detector.min_spasm_s": 0.7})
    path, *_ = report_of(session["path"], tmp_path, config=config)
    page = Page(browser, path)
    changed = page.js("return Array.from(document.querySelectorAll('#config tr.changed'),"
                      " tr => tr.cells[0].textContent + '=' + tr.cells[1].textContent)")
    assert changed == ["detector.min_spasm_s=0.7"]


def test_no_mains_is_said_plainly(browser, tmp_path):
    sim = simulate(duration_s=6, n_channels=1, sfreq=1000.0, seed=2, mains_uv=0.0)
    path = write_fif(tmp_path / "quiet_raw.fif", sim.data, sim.sfreq, sim.ch_names)
    result = analyze_file(path, tmp_path)
    page = Page(browser, result.outputs["report"])
    header = page.find("#recording")[0].text
    assert "no mains found, nothing notched" in header and "None" not in header
    assert page.errors() == []


@pytest.mark.slow
def test_long_spasm_example_is_shown_whole(browser, tmp_path):
    rec = with_bursts(48, [(6.0, 36.0)])
    path = write_fif(tmp_path / "long_raw.fif", rec.data, rec.sfreq, rec.ch_names)
    result = analyze_file(path, tmp_path)
    spasm = max((e for e in read_events_tsv(result.outputs["events"]) if e.label == "spasm"),
                key=lambda e: e.duration)
    assert spasm.duration > 30
    page = Page(browser, result.outputs["report"])
    examples = page.js("return R.plots.examples.spasm.map(p => [p.example.onset, p.x, p.y])")
    _, x, y = next(ex for ex in examples if ex[0] == pytest.approx(spasm.onset, abs=1e-3))
    x, y = np.array(x), np.abs(np.array(y))
    assert x[0] <= 0 and x[-1] >= spasm.duration
    before = np.median(y[x < -0.2])
    for a, b in ((0.0, 0.1), (0.45, 0.55), (0.9, 1.0)):  # active from start to end
        inside = (x > a * spasm.duration) & (x < b * spasm.duration)
        assert np.median(y[inside]) > 5 * before, (a, b)


@pytest.mark.slow
@pytest.mark.parametrize("duration, unit", [(40.0, "s"), (120.0, "min")])
def test_rate_plot_spans_longer_files(browser, tmp_path, duration, unit):
    sim = simulate(duration_s=duration, n_channels=1, sfreq=1000.0, seed=3,
                   fasciculations_per_min=60)
    path = write_fif(tmp_path / "rec_raw.fif", sim.data, sim.sfreq, sim.ch_names)
    result = analyze_file(path, tmp_path)
    page = Page(browser, result.outputs["report"])
    assert page.meta["unit"] == unit
    unit_s = page.meta["unit_s"]
    for key in ("spasm_per_h", "fasciculation_per_min"):
        edges, lo, hi, label = page.js(
            f"const u = R.plots.rate['{key}']; return [u.data[0], u.scales.x.min, "
            "u.scales.x.max, u.axes[0].label]")
        assert edges[-1] * unit_s == pytest.approx(duration)
        assert (lo, hi) == pytest.approx((0, duration / unit_s))
        assert label == f"time ({unit})"
    series = page.js("return R.plots.rate.fasciculation_per_min.data[1]")
    assert series[-2] is not None and series[-1] == series[-2]  # the last bin drawn
    assert page.errors() == []


# -- voluntary activity -------------------------------------------------------------

@pytest.mark.slow
def test_rhythmic_bursts_are_flagged_as_voluntary(browser, tmp_path):
    rng = np.random.default_rng(5)
    strides = [(1.0 + k + rng.uniform(-0.05, 0.05), rng.uniform(0.3, 0.5)) for k in range(60)]
    rec = with_bursts(62, strides)
    path = write_fif(tmp_path / "walk_raw.fif", rec.data, rec.sfreq, rec.ch_names)
    result = analyze_file(path, tmp_path)
    assert result.ok
    summary = json.loads(Path(result.outputs["summary"]).read_text())
    assert summary["activity"]["probably_voluntary"]
    assert summary["activity"]["rhythmic_channels"] == ["EMG1"]
    assert any(n.startswith("Probably voluntary") for n in result.notes)  # printed by analyze
    page = Page(browser, result.outputs["report"])
    first = page.js("return document.querySelector('h1').nextElementSibling.id")
    assert first == "warnings"
    assert "Probably voluntary" in page.find("#warnings")[0].text


def test_spasm_sessions_are_not_flagged(session):
    summary = json.loads(Path(session["result"].outputs["summary"]).read_text())
    assert not summary["activity"]["probably_voluntary"] and summary["warnings"] == []
    # the simulator's own sessions, 10 min each, by their truth: at the default
    # spasm rate, and at four times it
    for seed, spasms_per_min in ((0, 1.5), (1, 1.5), (2, 1.5), (3, 6.0), (4, 6.0)):
        sim = simulate(duration_s=600, n_channels=1, sfreq=100.0, seed=seed,
                       spasms_per_min=spasms_per_min, fasciculations_per_min=0)
        summary = summarize(sim.events, sim.duration_s, sim.ch_names)
        assert not summary["activity"]["probably_voluntary"], (seed, summary["warnings"])
        assert summary["warnings"] == []


def test_activity_check_on_onset_patterns():
    def events(onsets, length=0.4):
        return [Event(t, length, "burst", "EMG1") for t in onsets]

    rng = np.random.default_rng(0)
    steady = np.arange(60) * 1.1 + rng.normal(0, 0.05, 60)
    assert channel_activity(events(steady), 66.0)["rhythmic"]
    irregular = np.sort(rng.uniform(0, 66.0, 60))  # as many onsets, at random
    assert not channel_activity(events(irregular), 66.0)["rhythmic"]
    slow = np.arange(8) * 7.0  # steady but few and slow
    assert not channel_activity(events(slow), 60.0)["rhythmic"]
    held = channel_activity([Event(1.0, 280.0, "spasm", "EMG1")], 300.0)
    assert held["sustained"] and not held["rhythmic"] and held["active_percent"] > 90


@pytest.mark.slow
def test_real_walking_is_flagged(real_data, tmp_path):
    from emgspasm.apps.analyze import ReadOptions
    gait = analyze_file(real_data / "uci-lower-limb" / "3Amar.txt", tmp_path,
                        read=ReadOptions(sfreq=1000.0), report=False)
    assert gait.ok, gait.message
    summary = json.loads(Path(gait.outputs["summary"]).read_text())
    assert summary["activity"]["probably_voluntary"], summary["channels"]


# -- rates, units and size ------------------------------------------------------------

def test_time_unit_and_bins_follow_the_length():
    assert [time_unit(d)[1] for d in (13, 119, 120, 7199, 86400)] == [
        "s", "s", "min", "min", "h"]
    for duration in (13.0, 40.0, 120.0, 86400.0, 3.0):
        edges = bin_edges(duration)
        assert edges[0] == 0 and edges[-1] == duration and np.all(np.diff(edges) > 0)
        assert len(edges) - 1 <= 48


def test_rates_count_the_last_bin_and_leave_out_unusable_time():
    edges = bin_edges(122.0)  # 5 s bins, the last 2 s long
    assert edges[-1] - edges[-2] == pytest.approx(2.0)
    events = [Event(121.0, 0.01, "fasciculation", "A"), Event(121.5, 0.01, "fasciculation", "A"),
              Event(10.0, 2.5, "BAD_flat", "A"), Event(11.0, 0.01, "fasciculation", "A")]
    per_min = rates(events, "fasciculation", "A", edges, 60.0)
    assert per_min[-1] == pytest.approx(2 / 2.0 * 60)  # 2 in the last 2 s
    assert per_min[2] == pytest.approx(1 / 2.5 * 60)  # 1 in the 2.5 usable s of 10-15 s
    assert per_min[0] == 0.0


def test_thinning_keeps_the_telling_classes_evenly_in_time():
    events = ([Event(float(t), 0.01, "fasciculation", "A") for t in range(5000)]
              + [Event(t + 0.5, 3.0, "spasm", "A") for t in range(0, 5000, 50)])
    sizes = {i: 1000 for i in range(len(events))}
    kept = thin_snippets(range(len(events)), events, sizes, budget=1_000_000)
    spasms = [i for i in kept if events[i].label == "spasm"]
    fasc = sorted(events[i].onset for i in kept if events[i].label == "fasciculation")
    assert len(spasms) == 100 and len(kept) == 1000
    assert fasc[0] == 0 and fasc[-1] == 4999 and np.ptp(np.diff(fasc)) <= 1


def fake_step(start, n, sfreq, n_ch, noise, notices):
    """An engine step with ``n`` samples of filtered signal and envelope from
    ``start``, carrying ``notices``: what the collector takes in."""
    x = noise[:n, :n_ch]
    out = ChainOutput(start, SampleMajor(x, x, np.abs(x), x, np.zeros(x.shape, np.uint8)),
                      ((start, 0.1),))
    return Step(out, notices)


def day_of_events(rng, n_ch=8, hours=24.0):
    """A day of events on ``n_ch`` channels: thousands of fasciculations,
    hundreds of spasms (some of minutes), bursts, artefacts, unusable stretches."""
    names = [f"EMG{i + 1}" for i in range(n_ch)]
    total = hours * 3600
    events = []
    for name in names:
        for t in np.sort(rng.uniform(0, total - 700, 1500)):
            events.append(Event(float(t), 0.01, "fasciculation", name, "single", 300.0,
                                0.8, None, 12.0))
        for t in np.sort(rng.uniform(0, total - 700, 60)):
            length = float(np.exp(rng.uniform(np.log(0.7), np.log(60.0))))
            events.append(Event(float(t), length, "spasm", name, "tonic", 900.0, 0.9,
                                None, 40.0))
        events.append(Event(float(rng.uniform(0, total - 700)), 400.0, "spasm", name,
                            "tonic", 900.0, 0.9, None, 40.0))
        for label, count, length in (("burst", 40, 0.2), ("artifact_pop", 300, 0.05),
                                     ("artifact_motion", 60, 0.5), ("BAD_leads_off", 5, 30.0)):
            for t in rng.uniform(0, total - 700, count):
                events.append(Event(float(t), length, label, name, None, 500.0, 0.5))
    return names, sorted(events, key=lambda e: e.onset)


def feed_events(collector, events, sfreq, n_ch, noise):
    """Feed the collector a step around each event, in time order."""
    seen = 0
    for e in events:
        start, stop = window(e)
        a = max(seen, int(start * sfreq))
        b = max(a, int(np.ceil(stop * sfreq)) + 1)
        notice = Notice("spasm_end" if e.label == "spasm" else "event", e.channel,
                        e.offset, e.onset, e)
        while a < b:
            n = min(b - a, len(noise))
            collector.add(fake_step(a, n, sfreq, n_ch, noise, []))
            a += n
        collector.add(fake_step(b, 0, sfreq, n_ch, noise, [notice]))
        seen = max(seen, b)


def test_a_day_of_eight_channels_stays_under_20_mb(tmp_path):
    from emgspasm.engine.dsp._mains import MainsDecision
    from emgspasm.sources.files.recording import Recording
    rng = np.random.default_rng(1)
    sfreq, hours = 2000.0, 24.0
    names, events = day_of_events(rng, hours=hours)
    n_samples = int(hours * 3600 * sfreq)
    collector = ReportCollector(sfreq, names, n_samples)
    noise = (rng.standard_normal((60 * int(sfreq), len(names))) * 20e-6).astype(np.float32)
    feed_events(collector, events, sfreq, len(names), noise)
    rec = Recording(tmp_path / "day.edf", sfreq, names, n_samples, "test",
                    meas_date=datetime(2024, 3, 1, 8, 0, tzinfo=UTC))
    summary = summarize(events, rec.duration_s, names)
    path = tmp_path / "day_report.html"
    write_report(path, rec, events, summary, collector, Config(),
                 MainsDecision("auto", 50.0, (1,)))
    size = path.stat().st_size
    assert 5_000_000 < size < 20_000_000, size
    text = path.read_text()
    data = json.loads(re.search(r"id='report-data'>(.*?)</script>", text).group(1)
                      .replace("<\\/", "</"))
    assert len(data["events"]["onset"]) == len(events)
    assert data["meta"]["unit"] == "h"
    kept = np.array(data["events"]["snippet"]) >= 0
    labels = np.array([data["labels"][i] for i in data["events"]["label"]])
    assert kept[labels == "spasm"].all()  # every spasm keeps its signal
    assert kept.sum() == len(data["snippets"]) >= 5000
    if not kept.all():
        assert "id='thinned'" in text
    long = max((i for i, lab in enumerate(labels) if lab == "spasm"),
               key=lambda i: data["events"]["duration"][i])
    snippet = data["snippets"][data["events"]["snippet"][long]]
    onset, duration = data["events"]["onset"][long], data["events"]["duration"][long]
    bins = len(snippet["d"]) * 3 // 8 // 2  # base64 of int16 (min, max) pairs
    assert snippet["mm"] == 1 and snippet["t0"] <= onset
    assert snippet["t0"] + bins * snippet["dt"] >= onset + duration
