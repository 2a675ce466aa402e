"""The clinician's report: one self-contained HTML page (no network).

An overview of the whole session with events marked, zoomed examples of each
event class, a spasm-duration histogram, the fasciculation rate over time,
and the per-channel summary table. Figures are PNGs embedded as data URIs.
"""

import base64
import html
import io

import numpy as np

from .. import __version__
from ..engine.dsp.chain import DSPChain
from ..engine.vocabulary import ARTIFACT_LABELS, BAD_PREFIX, BURST, FASCICULATION, SPASM
from ._atomic import write_text

_COLORS = {SPASM: "#d62728", FASCICULATION: "#1f77b4", BURST: "#ff7f0e",
           **{label: "#7f7f7f" for label in ARTIFACT_LABELS}}
_EXAMPLES = 3
#: Signal fed to the chain before an example, so its notches have settled.
SETTLE_S = 1.0


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _overview(rec, events, overview):
    import matplotlib.pyplot as plt
    n_ch = len(rec.ch_names)
    fig, axes = plt.subplots(n_ch, 1, figsize=(12, 1.6 * n_ch + 0.6), sharex=True,
                             squeeze=False)
    t = np.linspace(0, rec.duration_s, overview.shape[1], endpoint=False) / 60
    for ax, name, env in zip(axes[:, 0], rec.ch_names, overview):
        ax.plot(t, env * 1e6, color="0.3", lw=0.6)
        for ev in events:
            if ev.channel != name:
                continue
            if ev.label == SPASM:
                ax.axvspan(ev.onset / 60, ev.offset / 60, color=_COLORS[SPASM], alpha=0.25)
            elif ev.label == FASCICULATION:
                ax.axvline(ev.onset / 60, color=_COLORS[FASCICULATION], lw=0.4, alpha=0.6)
            elif ev.label == BURST:
                ax.axvline(ev.onset / 60, color=_COLORS[BURST], lw=0.8)
            elif ev.label.startswith(BAD_PREFIX):
                ax.axvspan(ev.onset / 60, ev.offset / 60, color="k", alpha=0.15)
        ax.set_ylabel(f"{name}\nRMS (µV)")
    axes[-1, 0].set_xlabel("time (min)  —  red: spasms, blue: fasciculations, "
                           "orange: bursts, grey: unusable signal")
    return _png(fig)


def _filtered(rec, channel, a, b, config, mains):
    """Samples ``a:b`` of ``channel`` through the engine's own chain (V).

    The chain starts ``SETTLE_S`` earlier so its notches have settled, and
    notches what the analysis decided.
    """
    lead = min(a, int(SETTLE_S * rec.sfreq))
    raw = rec.read(a - lead, b)[rec.ch_names.index(channel)][None, :]
    chain = DSPChain(rec.sfreq, [channel], config,
                     mains=mains if config.filters.notch == "auto" else None)
    return chain.process(raw).filtered[0, lead:]


def _examples(rec, events, config, mains):
    import matplotlib.pyplot as plt
    out = {}
    for label in (SPASM, FASCICULATION, BURST) + ARTIFACT_LABELS:
        chosen = sorted((e for e in events if e.label == label),
                        key=lambda e: -(e.confidence or 0))[:_EXAMPLES]
        if not chosen:
            continue
        fig, axes = plt.subplots(1, len(chosen), figsize=(4 * len(chosen), 2.4),
                                 squeeze=False)
        for ax, ev in zip(axes[0], chosen):
            pad = 0.3 if label in (FASCICULATION,) + ARTIFACT_LABELS else 1.0
            start = ev.onset - pad
            stop = min(ev.offset, ev.onset + 10) + pad
            a, b = int(max(0, start) * rec.sfreq), int(stop * rec.sfreq)
            data = _filtered(rec, ev.channel, a, b, config, mains)
            tt = (a + np.arange(len(data))) / rec.sfreq
            ax.plot(tt, data * 1e6, color="0.2", lw=0.6)
            ax.axvspan(ev.onset, ev.offset, color=_COLORS[label], alpha=0.2)
            title = f"{ev.channel} @ {ev.onset:.2f} s"
            if ev.subtype:
                title += f" ({ev.subtype})"
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("s")
        axes[0, 0].set_ylabel("µV (filtered)")
        out[label] = _png(fig)
    return out


def _histogram(events):
    import matplotlib.pyplot as plt
    durations = [e.duration for e in events if e.label == SPASM]
    if not durations:
        return None
    fig, ax = plt.subplots(figsize=(5, 2.8))
    bins = np.logspace(np.log10(0.4), np.log10(max(durations) * 1.2 + 0.5), 20)
    ax.hist(durations, bins=bins, color=_COLORS[SPASM])
    ax.set_xscale("log")
    ax.set_xlabel("spasm duration (s)")
    ax.set_ylabel("count")
    return _png(fig)


def _rate(rec, events):
    import matplotlib.pyplot as plt
    fasc = [e for e in events if e.label == FASCICULATION]
    if not fasc:
        return None
    minutes = max(1, int(np.ceil(rec.duration_s / 60)))
    fig, ax = plt.subplots(figsize=(7, 2.8))
    edges = np.arange(minutes + 1)
    for name in rec.ch_names:
        counts, _ = np.histogram([e.onset / 60 for e in fasc if e.channel == name], edges)
        ax.step(edges[:-1], counts, where="post", label=name)
    ax.set_xlabel("time (min)")
    ax.set_ylabel("fasciculations / min")
    ax.legend(fontsize=8)
    return _png(fig)


def _table(summary):
    cols = [("fasciculations", "fasciculations"),
            ("fasciculation_rate_per_min", "fasc / min"), ("spasms", "spasms"),
            ("spasm_total_s", "spasm total (s)"), ("spasm_longest_s", "longest (s)"),
            ("spasm_episodes", "episodes"), ("bursts", "bursts"),
            ("bad_percent", "unusable (%)")]
    head = "".join(f"<th>{html.escape(t)}</th>" for _, t in cols)
    rows = []
    for name, ch in summary["channels"].items():
        cells = []
        for key, _ in cols:
            v = ch[key]
            cells.append(f"<td>{'n/a' if v is None else (f'{v:.1f}' if isinstance(v, float) else v)}</td>")
        sub = ", ".join(f"{k} {v}" for k, v in ch["spasm_subtypes"].items() if v)
        rows.append(f"<tr><th>{html.escape(name)}</th>{''.join(cells)}"
                    f"<td>{html.escape(sub)}</td></tr>")
    return (f"<table><tr><th>channel</th>{head}<th>spasm subtypes</th></tr>"
            + "".join(rows) + "</table>")


def write_report(path, rec, events, summary, overview, config, mains):
    """Write the HTML report.

    Parameters
    ----------
    path : Path
    rec : Recording
    events : list of Event
    summary : dict
        From :func:`~emgspasm.summary.summarize`.
    overview : ndarray
        Per-channel envelope maxima over time bins (V).
    config : Config
    mains : MainsDecision
        What the analysis notched; the example traces are filtered by the
        same chain with the same notches.
    """
    import matplotlib
    matplotlib.use("Agg")
    parts = [f"<h1>emgspasm report: {html.escape(rec.path.name)}</h1>",
             f"<p>{rec.duration_s / 60:.1f} min, {len(rec.ch_names)} channel(s) at "
             f"{rec.sfreq:g} Hz; {html.escape(mains.describe())}. "
             f"emgspasm {__version__}.</p>",
             "<h2>Summary</h2>", _table(summary),
             "<h2>Whole session</h2>", f"<img src='{_overview(rec, events, overview)}'>"]
    for label, uri in _examples(rec, events, config, mains).items():
        kind = "rejected, not muscle" if label in ARTIFACT_LABELS else "detected"
        parts += [f"<h2>Examples: {label} ({kind})</h2>", f"<img src='{uri}'>"]
    hist = _histogram(events)
    if hist:
        parts += ["<h2>Spasm durations</h2>", f"<img src='{hist}'>"]
    rate = _rate(rec, events)
    if rate:
        parts += ["<h2>Fasciculation rate</h2>", f"<img src='{rate}'>"]
    if rec.notes:
        parts += ["<h2>Notes</h2><ul>"] + [f"<li>{html.escape(n)}</li>" for n in rec.notes] + ["</ul>"]
    style = ("body{font-family:sans-serif;max-width:1200px;margin:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}"
             "img{max-width:100%}")
    write_text(path, f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
               f"emgspasm report</title><style>{style}</style></head><body>"
               + "\n".join(parts) + "</body></html>")
