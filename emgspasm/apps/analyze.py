"""Batch analysis of recordings: a replay of the streaming engine.

:func:`analyze_file` streams one recording from disk in blocks through the
same :class:`~emgspasm.engine.streaming.Engine` loop that live monitoring
uses, so a file gives exactly the events a live stream of it would, and
writes the results. :func:`analyze_many` runs many files on Dask, or one
after another where Dask is not installed.

The output folder and each input are checked before anything is read, and
every result file is written whole or not at all.
"""

import json
import logging
import tempfile
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..engine.config import Config
from ..engine.streaming import Engine
from ..errors import ConfigError, EmgSpasmError, OutputFileError
from ..outputs._atomic import write_text
from ..outputs.events_table import json_default, write_events_sidecar, write_events_tsv
from ..outputs.summary import summarize
from ..sources.files import open_recording

BLOCK_S = 10.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadOptions:
    """How to read recordings whose files leave something out (see
    :func:`~emgspasm.sources.files.open_recording`)."""

    picks: tuple | None = None
    units: str | None = None
    sfreq: float | None = None
    adc_scale: float | None = None


@dataclass
class FileResult:
    """Outcome of analysing one recording.

    Attributes
    ----------
    path : str
    ok : bool
    message : str
        One line for the end-of-run summary (or the error).
    outputs : dict of str to str
        Paths written, by kind.
    counts : dict of str to int
        Events per label.
    duration_s : float
    notes : list of str
    """

    path: str
    ok: bool
    message: str
    outputs: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    duration_s: float = 0.0
    notes: list = field(default_factory=list)


def replay(recording, config=None, progress=None, *, report=False):
    """Stream a recording through a new engine.

    Parameters
    ----------
    recording : Recording
    config : Config | None
    progress : callable | None
        Called with the fraction done after every block.
    report : bool
        Also gather what the HTML report draws, in the same pass.

    Returns
    -------
    events : list of Event
    engine : Engine
    collected : ReportCollector | None
        The report's data (see :mod:`emgspasm.outputs.report`), when ``report``.
    """
    engine = Engine(recording.sfreq, recording.ch_names, config)
    collector = None
    if report:
        from ..outputs.report import ReportCollector
        collector = ReportCollector(recording.sfreq, recording.ch_names,
                                    recording.n_samples)
    for step in engine.steps(recording.blocks(BLOCK_S)):
        if collector is not None:
            collector.add(step)
        if progress and step.output.n_samples:
            progress(min(1.0, engine.chain.samples_seen / recording.n_samples))
    return engine.events, engine, collector


def analyze_file(path, out_dir, config=None, read=ReadOptions(), *, report=True,
                 annotate=None, progress=None, bids=None):
    """Analyse one recording and write its results to ``out_dir``.

    Writes ``<name>_events.tsv``, ``<name>_events.json`` (column sidecar,
    configuration, software version), ``<name>_summary.json``, and unless
    ``report`` is False ``<name>_report.html``; with ``annotate`` (``"fif"``
    or ``"edf"``) also the recording with its events as annotations; with
    ``bids`` also the events in a BIDS derivatives dataset.

    Parameters
    ----------
    path : str or Path
    out_dir : str or Path
    config : Config | None
    read : ReadOptions
    report : bool
    annotate : str | None
    progress : callable | None
        Called with the fraction done.
    bids : BidsTarget | None
        The BIDS dataset for the events (see :mod:`emgspasm.outputs.bids`).

    Returns
    -------
    result : FileResult
        Errors are caught and returned (``ok=False``), never raised, so one
        bad file does not stop a batch. A RuntimeWarning met on the way (a
        numerical problem) becomes a note instead of console output.
    """
    path = Path(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        result = _analyze_or_fail(path, Path(out_dir), config or Config(), read, report,
                                  annotate, progress, bids)
    numerical = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    for w in caught:
        if w not in numerical:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    result.notes += sorted({f"{w.category.__name__} ({Path(w.filename).name} line "
                            f"{w.lineno}): {w.message}" for w in numerical})
    return result


def _analyze_or_fail(path, *args):
    try:
        return _analyze(path, *args)
    except EmgSpasmError as err:
        return FileResult(str(path), False, str(err))
    except Exception as err:  # an unexpected failure still names the file
        detail = traceback.format_exception_only(type(err), err)[-1].strip()
        return FileResult(str(path), False, f"{path.name}: unexpected error: {detail}")


def _analyze(path, out_dir, config, read, report, annotate, progress, bids):
    check_output_folder(out_dir)
    bids_path = bids.locate(path) if bids else None
    rec = open_recording(path, picks=read.picks, units=read.units,
                         sfreq=read.sfreq, adc_scale=read.adc_scale)
    events, engine, collected = replay(rec, config, progress, report=report)
    stem = _stem(path)
    outputs = {"events": out_dir / f"{stem}_events.tsv",
               "sidecar": out_dir / f"{stem}_events.json",
               "summary": out_dir / f"{stem}_summary.json"}
    write_events_tsv(events, outputs["events"])
    mains = engine.chain.mains
    info = {"file": str(path), "reader": rec.source,
            "meas_date": rec.meas_date.isoformat() if rec.meas_date else None,
            "sfreq": rec.sfreq,
            "channels": rec.ch_names, "duration_s": rec.duration_s,
            "mains": asdict(mains), "notched_hz": engine.chain.notch_frequencies,
            "bandpass_hz": [config.filters.bandpass_low_hz,
                            engine.chain.bandpass_high_hz],
            "notes": rec.notes}
    write_events_sidecar(outputs["sidecar"], config, info)
    summary = summarize(events, rec.duration_s, rec.ch_names,
                        config.detector.episode_gap_s)
    summary["recording"] = info
    write_text(outputs["summary"], json.dumps(summary, indent=2, default=json_default))
    if report:
        from ..outputs.report import write_report
        outputs["report"] = out_dir / f"{stem}_report.html"
        write_report(outputs["report"], rec, events, summary, collected, config, mains)
    if annotate:
        from ..outputs.annotations import write_annotated
        outputs["annotated"] = write_annotated(rec, events, out_dir / stem, annotate)
    if bids:
        outputs.update(bids.write(bids_path, rec, events, config, info, mains.mains_hz))
    counts = {}
    for ev in events:
        counts[ev.label] = counts.get(ev.label, 0) + 1
    muscle = ", ".join(f"{counts.get(k, 0)} {k}s" for k in
                       ("spasm", "fasciculation", "burst"))
    message = (f"{path.name}: {rec.duration_s / 60:.1f} min, {len(rec.ch_names)} ch: "
               f"{muscle}")
    return FileResult(str(path), True, message, {k: str(v) for k, v in outputs.items()},
                      counts, rec.duration_s, summary["warnings"] + rec.notes)


def check_output_folder(out_dir):
    """Make sure results can be written in ``out_dir`` (created if missing)
    before any recording is read.

    Raises
    ------
    OutputFileError
        When ``out_dir`` is a file, cannot be created, or is not writable.
    """
    out_dir = Path(out_dir)
    where = f"output folder {out_dir} (--out)"
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputFileError(f"{where}: exists and is not a folder.")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputFileError(f"{where}: cannot be created ({err.strerror}).") from None
    try:
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except OSError as err:
        raise OutputFileError(f"{where}: cannot write in it ({err.strerror}).") from None


def _stem(path):
    name = path.name
    for suffix in (".fif.gz", ".hea", ".dat") + tuple(path.suffixes[-1:]):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def analyze_many(paths, out_dir, config=None, read=ReadOptions(), *, report=True,
                 annotate=None, workers=None, scheduler=None, on_result=None, bids=None):
    """Analyse many recordings in parallel on Dask, or one after another
    when Dask is not installed (with a logged note naming the extra).

    Parameters
    ----------
    paths : list of str or Path
    out_dir : str or Path
    config, read, report, annotate, bids
        As for :func:`analyze_file`.
    workers : int | None
        Local worker processes (one thread each) when no ``scheduler`` is
        given; default: one per core, at most one per file.
    scheduler : str | None
        Address of an existing ``dask.distributed`` scheduler.
    on_result : callable | None
        Called with each :class:`FileResult` as it completes.

    Returns
    -------
    results : list of FileResult
        In the order of ``paths``.

    Raises
    ------
    OutputFileError
        When ``out_dir`` cannot take the results (checked before any file
        is read).
    ConfigError
        When ``scheduler`` is given and Dask is not installed.
    """
    check_output_folder(out_dir)
    paths = [str(p) for p in paths]
    options = dict(config=config, read=read, report=report, annotate=annotate, bids=bids)
    try:
        import dask.distributed  # noqa: F401
    except ImportError as err:
        if scheduler:
            raise ConfigError(f"--scheduler {scheduler} needs Dask, which cannot be "
                              f"imported ({err}): pip install 'emgspasm[dask]'.") from None
        log.warning("Dask cannot be imported (%s): analysing the %d recordings one "
                    "after another; pip install 'emgspasm[dask]' to run them in "
                    "parallel.", err, len(paths))
        return _analyze_in_turn(paths, out_dir, options, on_result)
    return _analyze_on_dask(paths, out_dir, options, workers, scheduler, on_result)


def _analyze_in_turn(paths, out_dir, options, on_result):
    results = []
    for path in paths:
        results.append(analyze_file(path, out_dir, **options))
        if on_result:
            on_result(results[-1])
    return results


def _analyze_on_dask(paths, out_dir, options, workers, scheduler, on_result):
    import os

    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler:
        client = Client(scheduler)
        cluster = None
    else:
        n = workers or max(1, min(os.cpu_count() or 1, len(paths)))
        # any free local ports: None would still serve HTTP on 8787, and warn
        # (or fail) when another cluster holds it
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               scheduler_port=0, dashboard_address="127.0.0.1:0")
        client = Client(cluster)
    try:
        futures = {client.submit(analyze_file, p, str(out_dir), pure=False, **options): i
                   for i, p in enumerate(paths)}
        results = [None] * len(paths)
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except Exception as err:  # a worker died: still report the file
                results[i] = FileResult(paths[i], False,
                                        f"{Path(paths[i]).name}: worker failed: {err}")
            if on_result:
                on_result(results[i])
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
