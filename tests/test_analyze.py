"""Batch analysis: outputs, equivalence with the live engine, Dask, CLI."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emgspasm.apps.analyze import ReadOptions, analyze_file, analyze_many
from emgspasm.engine.streaming import run
from emgspasm.outputs.events_table import read_events_tsv
from emgspasm.truth.sim.files import write_simulation
from emgspasm.truth.sim import simulate


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recs")
    sims = {}
    for i in range(3):
        sim = simulate(duration_s=25, n_channels=2, sfreq=1000.0, seed=20 + i,
                       spasms_per_min=6, fasciculations_per_min=30)
        path = folder / f"rec{i}.fif"
        write_simulation(sim, path)
        sims[path] = sim
    return sims


def test_outputs_and_their_content(recordings, tmp_path):
    path, sim = next(iter(recordings.items()))
    result = analyze_file(path, tmp_path, annotate="fif")
    assert result.ok, result.message
    for kind in ("events", "sidecar", "summary", "report", "annotated"):
        assert (tmp_path / result.outputs[kind].split("/")[-1]).exists(), kind
    events = read_events_tsv(result.outputs["events"])
    live, _ = run(sim.data, sim.sfreq, sim.ch_names)
    key = lambda e: (round(e.onset, 4), e.channel, e.label)  # noqa: E731
    assert sorted(map(key, events)) == sorted(map(key, live))
    header = Path(result.outputs["events"]).read_text().splitlines()[0].split("\t")
    assert header[:3] == ["onset", "duration", "trial_type"]
    sidecar = json.loads(Path(result.outputs["sidecar"]).read_text())
    assert sidecar["Software"]["Name"] == "emgspasm"
    assert sidecar["Configuration"]["detector"]["min_spasm_s"] == 0.5
    assert set(header) <= set(sidecar)
    summary = json.loads(Path(result.outputs["summary"]).read_text())
    ch = summary["channels"]["EMG1"]
    assert ch["spasms"] == sum(e.label == "spasm" and e.channel == "EMG1" for e in events)
    assert summary["recording"]["mains"]["mains_hz"] == 50.0
    html = Path(result.outputs["report"]).read_text()
    # self-contained: its data and drawing code inside, nothing loaded from elsewhere
    assert "id='report-data'" in html and "uPlot" in html
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:)?//""", html)


def test_events_tsv_reads_in_mne(recordings, tmp_path):
    import mne
    path = next(iter(recordings))
    result = analyze_file(path, tmp_path, report=False, annotate="fif")
    raw = mne.io.read_raw(result.outputs["annotated"], verbose="error")
    descriptions = set(raw.annotations.description)
    assert any(d.startswith("spasm") for d in descriptions)
    assert "fasciculation/single" in descriptions


def test_one_bad_file_does_not_stop_the_batch(recordings, tmp_path):
    bad = tmp_path / "broken.edf"
    bad.write_bytes(b"not an edf at all" * 20)
    paths = list(recordings) + [bad]
    results = analyze_many(paths, tmp_path / "out", report=False, workers=2)
    assert [r.ok for r in results] == [True, True, True, False]
    assert "broken.edf" in results[-1].message
    serial = [analyze_file(p, tmp_path / "serial", report=False) for p in recordings]
    for par, ser in zip(results, serial):
        a = Path(par.outputs["events"]).read_text()
        b = Path(ser.outputs["events"]).read_text()
        assert a == b


def test_cli_analyze_exit_codes(recordings, tmp_path):
    path = str(next(iter(recordings)))
    ok = subprocess.run([sys.executable, "-m", "emgspasm", "analyze", path, "--out",
                         str(tmp_path), "--no-report"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "1 of 1 recording(s) analysed" in ok.stdout
    missing = subprocess.run([sys.executable, "-m", "emgspasm", "analyze",
                              str(tmp_path / "nope.edf"), "--out", str(tmp_path)],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "no such file" in missing.stdout
    assert "Traceback" not in missing.stdout + missing.stderr


def test_cli_help_and_bad_config(tmp_path):
    out = subprocess.run([sys.executable, "-m", "emgspasm", "--help"],
                         capture_output=True, text=True)
    for word in ("demo", "analyze", "evaluate", "simulate", "config"):
        assert word in out.stdout
    bad = subprocess.run([sys.executable, "-m", "emgspasm", "config", "--set",
                          "detector.on_snr=-2"], capture_output=True, text=True)
    assert bad.returncode == 2 and "'detector.on_snr'" in bad.stderr


def analyze_array(data, folder):
    """Save ``data`` (volts, 1 kHz) as .npy and analyse it: (result, events)."""
    path = folder / "array.npy"
    np.save(path, data)
    result = analyze_file(path, folder, read=ReadOptions(sfreq=1000.0, units="V"),
                          report=False)
    assert result.ok, result.message
    return result, read_events_tsv(result.outputs["events"])


def test_nan_stretch_is_reported_not_lost(tmp_path):
    sim = simulate(duration_s=20, n_channels=1, sfreq=1000.0, seed=9)
    data = sim.data.copy()
    data[0, 5000:6000] = np.nan
    _, events = analyze_array(data, tmp_path)
    bad = [e for e in events if e.label == "BAD_nonfinite"]
    assert len(bad) == 1 and bad[0].onset == pytest.approx(5.0)
    assert bad[0].duration == pytest.approx(1.0)
    # the spasm that began inside the gap is still found once samples return
    assert any(e.label == "spasm" and 6.0 <= e.onset < 7.0 for e in events)


def test_real_recordings_analyse_with_plausible_counts(real_data, tmp_path):
    healthy = analyze_file(real_data / "physionet-emgdb" / "emg_healthy.hea", tmp_path,
                           report=False)
    assert healthy.ok, healthy.message
    gait = analyze_file(real_data / "uci-lower-limb" / "3Amar.txt", tmp_path,
                        read=ReadOptions(sfreq=1000.0), report=False)
    assert gait.ok, gait.message
    # 44 s of walking: rhythmic activity on every step, far from one per sample
    assert 10 <= gait.counts.get("spasm", 0) + gait.counts.get("burst", 0) <= 200


def test_existing_dask_scheduler(recordings, tmp_path):
    from dask.distributed import LocalCluster
    # free ports only: dashboard_address=None still serves HTTP on 8787
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      scheduler_port=0, dashboard_address="127.0.0.1:0") as cluster:
        results = analyze_many(list(recordings)[:2], tmp_path, report=False,
                               scheduler=cluster.scheduler_address)
    assert all(r.ok for r in results)


def test_empty_channel_is_reported_with_its_span(tmp_path):
    sim = simulate(duration_s=15, n_channels=2, sfreq=1000.0, seed=12)
    data = sim.data.copy()
    data[1] = 0.0  # a dead channel
    result, events = analyze_array(data, tmp_path)
    flat = [e for e in events if e.channel == "ch1" and e.label == "BAD_flat"]
    assert flat and flat[0].onset < 0.2 and flat[0].offset > 14.8
    assert not [e for e in events if e.channel == "ch1" and e.is_muscle]
    summary = json.loads(Path(result.outputs["summary"]).read_text())
    assert summary["channels"]["ch1"]["bad_percent"] > 98
