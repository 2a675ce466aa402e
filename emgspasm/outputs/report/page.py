"""The clinician's report: one self-contained HTML page that works offline.

The page carries its data (:mod:`.payload`) as JSON and draws it in the
browser with the vendored uPlot and :file:`page.js`: the overview of the
whole session per channel (zoomable, events and artefacts marked), spasms
per hour and fasciculations per minute over time, the spasm-duration
histogram, examples of each class, the summary table, and every event in a
sortable, filterable table whose rows open their stretch of signal. Text a
reader needs first (warnings, what the detector assumes, the recording) is
plain HTML at the top.
"""

import html
import json
from importlib import resources

from ... import __version__
from ...engine.config import describe
from ...engine.vocabulary import ARTIFACT_LABELS, BAD_PREFIX
from .._atomic import write_text
from ..vendor import asset
from .payload import build

ASSUMPTIONS = (
    "What the detector assumes: a muscle at rest, so that what it finds is "
    "involuntary activity (spasms, fasciculations, short bursts). Voluntary "
    "movement is not what it is made for: walking, exercise or a held posture "
    "make bursts that it counts as spasms. Artefacts (electrode pops, motion, "
    "ECG) are rejected and marked, and stretches of unusable signal are left "
    "out of every rate.")


def _own(name):
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _esc(value):
    return html.escape(str(value))


def _clock(rec):
    if rec.meas_date is None:
        return "start time not recorded in the file (times are seconds from its start)"
    return f"started {rec.meas_date.strftime('%Y-%m-%d %H:%M:%S')} UTC"


def _length(seconds):
    h, rest = divmod(round(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min {s:02d} s" if h else (f"{m} min {s:02d} s" if m
                                                      else f"{seconds:.1f} s")


def _warnings(summary, data):
    items = list(summary.get("warnings", []))
    thinned = data["thinned"]
    if thinned["rows"]:
        left = ", ".join(f"{n} {lab}" for lab, n in sorted(thinned["rows"].items()))
        items.append(f"The events table lists a thinned selection: {left} events are "
                     "not listed here (all are in the events file and the counts).")
    if not items:
        return ""
    return ("<div class='warnings' id='warnings'><h2>Read this first</h2><ul>"
            + "".join(f"<li>{_esc(w)}</li>" for w in items) + "</ul></div>")


def _summary_table(summary):
    cols = [("fasciculations", "fasciculations"),
            ("fasciculation_rate_per_min", "fasc / min"), ("spasms", "spasms"),
            ("spasm_total_s", "spasm total (s)"), ("spasm_longest_s", "longest (s)"),
            ("spasm_episodes", "episodes"), ("bursts", "bursts"),
            ("bad_percent", "unusable (%)")]
    head = "".join(f"<th>{_esc(t)}</th>" for _, t in cols)
    rows = []
    for name, ch in summary["channels"].items():
        cells = []
        for key, _ in cols:
            v = ch[key]
            text = "n/a" if v is None else (f"{v:.1f}" if isinstance(v, float) else v)
            cells.append(f"<td>{text}</td>")
        sub = ", ".join(f"{k} {v}" for k, v in ch["spasm_subtypes"].items() if v)
        artefacts = ", ".join(f"{k.removeprefix('artifact_')} {v}"
                              for k, v in ch["artifacts"].items() if v)
        active = ch["activity"]["active_percent"]
        rows.append(f"<tr><th>{_esc(name)}</th>{''.join(cells)}<td>{_esc(sub)}</td>"
                    f"<td>{'n/a' if active is None else f'{active:.0f}'}</td>"
                    f"<td>{_esc(artefacts)}</td></tr>")
    return ("<table class='summary'><tr><th>channel</th>" + head
            + "<th>spasm subtypes</th><th>active (%)</th><th>artefacts rejected</th></tr>"
            + "".join(rows) + "</table>")


def _config_table(config):
    values = config.to_dict()
    rows = []
    for dotted, default, doc in describe():
        section, key = dotted.split(".", 1)
        value = values[section][key]
        changed = " class='changed'" if value != default else ""
        rows.append(f"<tr{changed}><td>{_esc(dotted)}</td><td>{_esc(value)}</td>"
                    f"<td>{_esc(default)}</td><td>{_esc(doc)}</td></tr>")
    return ("<details id='config'><summary>Configuration (values that differ from the "
            "defaults are highlighted)</summary><table><tr><th>parameter</th>"
            "<th>value</th><th>default</th><th>meaning</th></tr>" + "".join(rows)
            + "</table></details>")


def _example_sections(data):
    out = []
    for label in data["examples"]:
        kind = ("rejected, not muscle" if label in ARTIFACT_LABELS
                else "unusable signal" if label.startswith(BAD_PREFIX) else "detected")
        out.append(f"<h3>{_esc(label)} ({kind})</h3>"
                   f"<div class='examples' data-label='{_esc(label)}'></div>")
    return "".join(out)


def render(rec, events, summary, collector, config, mains):
    """The report page as a string (see :func:`write_report`)."""
    data = build(rec, events, collector)
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    unit = data["meta"]["unit"]
    thinned = data["thinned"]["snippets"]
    thin_note = ""
    if thinned:
        left = ", ".join(f"{n} {lab}" for lab, n in sorted(thinned.items()))
        thin_note = (f"<p class='note' id='thinned'>To keep this page small, the signal "
                     f"of some events is not stored ({left}); their rows say so.</p>")
    notes = ""
    if rec.notes:
        notes = ("<h2>Notes on the file</h2><ul>"
                 + "".join(f"<li>{_esc(n)}</li>" for n in rec.notes) + "</ul>")
    body = f"""
<h1>emgspasm report: {_esc(rec.path.name)}</h1>
{_warnings(summary, data)}
<p id='recording'>{_esc(_length(rec.duration_s))} ({rec.duration_s:.1f} s),
{len(rec.ch_names)} channel(s) at {rec.sfreq:g} Hz, {_esc(_clock(rec))};
{_esc(mains.describe())}. emgspasm {_esc(__version__)}.</p>
<p id='assumptions' class='assumptions'>{_esc(ASSUMPTIONS)}</p>
<h2>Summary</h2>
{_summary_table(summary)}
<h2>Whole session</h2>
<p class='legend'>RMS envelope per channel: the band is its minimum to maximum in each
time bin (µV). Marks: <span class='key spasm'>spasm</span>
<span class='key fasciculation'>fasciculation</span> <span class='key burst'>burst</span>
<span class='key artifact'>artefact (rejected)</span>
<span class='key bad'>unusable signal</span>. Drag to zoom in time, double-click
to zoom out. Time in {_esc(unit)}.</p>
<div id='overview'></div>
<h2>Over time</h2>
<p class='legend'>Counts per bin divided by the usable signal of each bin; the last bin
runs to the end of the recording.</p>
<div class='row'><div id='rate-spasm'></div><div id='rate-fasciculation'></div></div>
<h2>Spasm durations</h2>
<div id='histogram'></div>
<h2>Examples</h2>
<p class='legend'>The filtered signal the detector worked on (band-pass and mains
notches as configured), the event shaded. Long events are shown whole as the
minimum and maximum of short bins.</p>
{_example_sections(data)}
<h2>Every event</h2>
{thin_note}
<div id='filters'></div>
<div id='viewer'><p class='hint'>Click an event to see its signal.</p></div>
<div id='events'></div>
{notes}
<h2>Configuration</h2>
{_config_table(config)}
"""
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            "<link rel='icon' href='data:,'>"
            f"<title>emgspasm report: {_esc(rec.path.name)}</title>"
            f"<style>{asset('uplot/uPlot.min.css')}\n{_own('page.css')}</style></head>"
            f"<body>{body}"
            f"<script type='application/json' id='report-data'>{payload}</script>"
            f"<script>{asset('uplot/uPlot.iife.min.js')}</script>"
            f"<script>{_own('page.js')}</script></body></html>")


def write_report(path, rec, events, summary, collector, config, mains):
    """Write the HTML report.

    Parameters
    ----------
    path : Path
    rec : Recording
        Its ``meas_date``, when known, puts clock times beside stream times.
    events : list of Event
    summary : dict
        From :func:`~emgspasm.outputs.summary.summarize` (its ``warnings``
        open the page).
    collector : ReportCollector
        Fed with every step of the replay that found ``events``.
    config : Config
    mains : MainsDecision
        What the analysis notched (said in the header).
    """
    collector.close()
    write_text(path, render(rec, events, summary, collector, config, mains))
