"""The notebook API: ``emgspasm.detect`` on an MNE Raw or an array gives the
engine's events as a DataFrame that becomes MNE annotations, and
``plot_events`` draws them (headless, Agg)."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import mne
import numpy as np
import pytest

pd = pytest.importorskip("pandas", reason="detect() needs pandas: pip install 'emgspasm[notebook]'")

import emgspasm
from emgspasm.engine.streaming import run
from emgspasm.errors import InputDataError
from emgspasm.outputs.annotations import event_description
from emgspasm.outputs.events_table import TSV_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2023, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def sim():
    return emgspasm.simulate(duration_s=4, n_channels=2, sfreq=1000.0, seed=3)


@pytest.fixture
def raw_file(sim, tmp_path):
    raw = mne.io.RawArray(sim.data, mne.create_info(sim.ch_names, sim.sfreq, "emg"),
                          verbose="error")
    raw.set_meas_date(START)
    path = tmp_path / "sim_raw.fif"
    raw.save(path, verbose="error")
    return path


def key(events):
    return sorted((round(e.onset, 6), e.channel, e.label, e.subtype) for e in events)


def test_detect_gives_the_engines_events_as_a_bids_table(sim):
    events = emgspasm.detect(sim.data, sim.sfreq, sim.ch_names)
    assert list(events.columns) == list(TSV_COLUMNS)
    assert type(events).__name__ == "EventsFrame" and isinstance(events, pd.DataFrame)
    expected, _ = run(sim.data, sim.sfreq, sim.ch_names)
    assert len(events) == len(expected) > 0
    assert key(events.to_events()) == key(expected)
    assert list(events.onset) == sorted(events.onset)
    assert events.attrs["sfreq"] == sim.sfreq and events.attrs["meas_date"] is None


def test_detect_on_a_raw_reads_it_like_a_file(sim, raw_file):
    raw = mne.io.read_raw_fif(raw_file, verbose="error")  # not preloaded
    events = emgspasm.detect(raw)
    assert key(events.to_events()) == key(emgspasm.detect(sim.data, sim.sfreq,
                                                          sim.ch_names).to_events())
    assert events.attrs["meas_date"] == START
    # a selection stays an EventsFrame, and becomes annotations MNE accepts
    muscle = events[events.trial_type.isin(["spasm", "fasciculation", "burst"])]
    assert type(muscle).__name__ == "EventsFrame"
    annotations = events.to_annotations()
    assert annotations.orig_time == START
    raw.set_annotations(annotations)
    assert list(raw.annotations.description) == [event_description(e)
                                                 for e in events.to_events()]
    assert [tuple(c) for c in raw.annotations.ch_names] == [(c,) for c in events.channel]
    np.testing.assert_allclose(raw.annotations.onset, events.onset)
    assert len(muscle.to_annotations()) == len(muscle)


def test_detect_picks_emg_channels_like_analyze(sim):
    data = np.vstack([sim.data, sim.data[:1] * 0.5])
    info = mne.create_info(sim.ch_names + ["ECG"], sim.sfreq, ["emg", "emg", "ecg"])
    raw = mne.io.RawArray(data, info, verbose="error")
    events = emgspasm.detect(raw)
    assert events.attrs["ch_names"] == sim.ch_names
    assert "left out (not EMG, or not picked): ECG" in events.attrs["notes"]
    one = emgspasm.detect(raw, picks=["EMG2"])
    assert set(one.channel) <= {"EMG2"}


@pytest.mark.parametrize("call, message", [
    (lambda d: emgspasm.detect(d), "Pass sfreq=HZ"),
    (lambda d: emgspasm.detect(d, 1000.0, ["EMG1"]),
     "1 name(s) for 2 channel(s) (data has shape (2, 4000)"),
    (lambda d: emgspasm.detect(d, 1000.0, units="volts"),
     ("Invalid value for the 'units' parameter. Allowed values are 'V', 'mV', 'uV' or "
      "None, but got 'volts' instead.")),
    (lambda d: emgspasm.detect(d, -5.0), "sfreq"),
    (lambda d: emgspasm.detect(np.zeros((2, 0)), 1000.0), "holds no samples"),
])
def test_bad_input_is_refused_naming_the_parameter(sim, call, message):
    with pytest.raises((InputDataError, emgspasm.ConfigError)) as err:
        call(sim.data)
    assert message in str(err.value)


def test_a_raw_brings_its_own_rate(raw_file):
    raw = mne.io.read_raw_fif(raw_file, verbose="error")
    with pytest.raises(InputDataError, match="an MNE Raw carries its own sfreq"):
        emgspasm.detect(raw, sfreq=1000.0)


def test_plot_events_draws_every_channel_and_event(raw_file):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    raw = mne.io.read_raw_fif(raw_file, verbose="error")
    events = emgspasm.detect(raw)
    fig = emgspasm.plot_events(raw, events)
    try:
        assert [ax.get_ylabel().split("\n")[0] for ax in fig.axes] == ["EMG1", "EMG2"]
        for ax, channel in zip(fig.axes, ["EMG1", "EMG2"]):  # one span per event
            assert len(ax.patches) == int((events.channel == channel).sum())
        assert fig.axes[-1].get_xlim() == (0.0, raw.n_times / raw.info["sfreq"])
    finally:
        plt.close(fig)
    with pytest.raises(InputDataError, match="'picks' parameter"):
        emgspasm.plot_events(raw, events, picks=["nope"])


def test_the_package_root_names_the_api():
    from emgspasm.apps import analyze, notebook
    from emgspasm.sources import files
    from emgspasm.truth import sim
    assert emgspasm.detect is notebook.detect
    assert emgspasm.plot_events is notebook.plot_events
    assert emgspasm.analyze_file is analyze.analyze_file
    assert emgspasm.simulate is sim.simulate
    assert emgspasm.open_recording is files.open_recording


@pytest.mark.slow
def test_the_notebook_example_runs():
    (ROOT / "examples" / "output").mkdir(exist_ok=True)
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    run_ = subprocess.run([sys.executable, str(ROOT / "examples" / "notebook_example.py")],
                          capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
                          env={**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": path})
    assert run_.returncode == 0, run_.stderr
    assert "fasciculations on EMG1" in run_.stdout
    assert "% of the samples are not marked BAD_" in run_.stdout
    assert (ROOT / "examples" / "output" / "notebook_example.png").exists()
