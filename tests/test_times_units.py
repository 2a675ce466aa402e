"""Times and units: the recording's start (meas_date) survives every file
emgspasm writes, one annotation scheme serves FIF and EDF (artefacts and
unusable stretches BAD_, EDF channels typed EMG), and units that contradict
a file's header, or levels implausible for EMG, are not accepted silently."""

import datetime as dt
import json
from pathlib import Path

import mne
import numpy as np
import pytest

from emgspasm.apps.analyze import ReadOptions, analyze_file
from emgspasm.engine.events import Event
from emgspasm.errors import InputDataError
from emgspasm.outputs.annotations import write_annotated
from emgspasm.outputs.recorder import SessionRecorder, recover
from emgspasm.sources.files import open_raw, open_recording

SFREQ = 1000.0
START = dt.datetime(2024, 5, 17, 9, 30, 12, tzinfo=dt.UTC)
EVENTS = [Event(0.5, 0.8, "spasm", "EMG1", "tonic", 150.0, 0.7, 0.9, 14.0),
          Event(1.6, 0.01, "fasciculation", "EMG2", "single", 90.0, 0.5, 1.62, 9.0),
          Event(2.0, 0.2, "burst", "EMG1", None, 60.0, 0.3, 2.2, 6.0),
          Event(2.5, 0.05, "artifact_pop", "EMG2", None, 900.0, 0.9, 2.56, 40.0),
          Event(3.0, 0.5, "BAD_flat", "EMG1", "flat")]
EXPECTED = [("spasm/tonic", ("EMG1",)), ("fasciculation/single", ("EMG2",)),
            ("burst", ("EMG1",)), ("BAD_artifact_pop", ("EMG2",)), ("BAD_flat", ("EMG1",))]


def noise(n_ch=2, seconds=4.0, seed=0):
    return np.random.default_rng(seed).standard_normal((n_ch, int(seconds * SFREQ))) * 20e-6


@pytest.fixture
def dated_fif(tmp_path):
    raw = mne.io.RawArray(noise(), mne.create_info(["EMG1", "EMG2"], SFREQ, "emg"),
                          verbose="error")
    raw.set_meas_date(START)
    path = tmp_path / "dated_raw.fif"
    raw.save(path, verbose="error")
    return path


def annotations_of(raw):
    return [(a["description"], tuple(a["ch_names"]), round(a["onset"] * SFREQ),
             round(a["duration"] * SFREQ)) for a in raw.annotations]


def test_meas_date_and_one_scheme_in_annotated_fif_and_edf(dated_fif, tmp_path):
    rec = open_recording(dated_fif)
    assert rec.meas_date == START
    fif = mne.io.read_raw_fif(write_annotated(rec, EVENTS, tmp_path / "a", "fif"),
                              verbose="error")
    edf = mne.io.read_raw_edf(write_annotated(rec, EVENTS, tmp_path / "a", "edf"),
                              infer_types=True, verbose="error")
    for raw in (fif, edf):
        assert raw.info["meas_date"] == START
        assert [(d, c) for d, c, _, _ in annotations_of(raw)] == EXPECTED
    assert annotations_of(fif) == annotations_of(edf)
    # MNE reads emgspasm's EDF channels as EMG, under their own names
    assert edf.ch_names == ["EMG1", "EMG2"]
    assert edf.get_channel_types() == ["emg", "emg"]
    # and so does emgspasm, dated
    again = open_recording(tmp_path / "a_annotated.edf")
    assert again.ch_names == ["EMG1", "EMG2"] and again.meas_date == START
    assert not [n for n in again.notes if "analysed as EMG" in n]


def test_artefacts_and_unusable_stretches_are_rejected_by_annotation(dated_fif, tmp_path):
    rec = open_recording(dated_fif)
    raw = mne.io.read_raw_fif(write_annotated(rec, EVENTS, tmp_path / "a", "fif"),
                              verbose="error")
    kept = raw.get_data(reject_by_annotation="omit", verbose="error").shape[1]
    assert kept == raw.n_times - round(0.05 * SFREQ) - round(0.5 * SFREQ)


def test_analyze_keeps_the_date_in_sidecar_and_summary(dated_fif, tmp_path):
    result = analyze_file(dated_fif, tmp_path, report=False)
    assert result.ok, result.message
    for kind, key in (("sidecar", "Recording"), ("summary", "recording")):
        info = json.loads(Path(result.outputs[kind]).read_text())[key]
        assert dt.datetime.fromisoformat(info["meas_date"]) == START


def test_live_recording_is_dated_from_the_session_start(tmp_path):
    folder = tmp_path / "session"
    before = dt.datetime.now(dt.UTC)
    rec = SessionRecorder(folder, SFREQ, ["EMG1", "EMG2"])
    rec.append(noise(seconds=1.0), None)
    files = rec.close([])
    started = dt.datetime.fromisoformat(json.loads((folder / "session.json").read_text())
                                        ["started"])
    assert before <= started <= dt.datetime.now(dt.UTC)
    assert mne.io.read_raw_fif(files["fif"], verbose="error").info["meas_date"] == started
    # recover dates it the same way; a session.json without a start says so
    (folder / "recording_raw.fif").unlink()
    assert mne.io.read_raw_fif(recover(folder)["fif"],
                               verbose="error").info["meas_date"] == started
    meta = json.loads((folder / "session.json").read_text())
    del meta["started"]
    (folder / "session.json").write_text(json.dumps(meta))
    files = recover(folder)
    assert mne.io.read_raw_fif(files["fif"], verbose="error").info["meas_date"] is None
    assert any("'started' field is missing" in n for n in files["notes"])


def test_wfdb_base_date_is_the_meas_date(tmp_path):
    wfdb = pytest.importorskip("wfdb", reason="WFDB records need the 'wfdb' package")
    signal = noise(seconds=2.0).T * 1e3  # mV
    wfdb.wrsamp("rec", fs=SFREQ, units=["mV", "mV"], sig_name=["EMG1", "EMG2"],
                p_signal=signal, fmt=["16", "16"], write_dir=str(tmp_path),
                base_date=START.date(), base_time=START.time().replace(tzinfo=None))
    assert open_recording(tmp_path / "rec.hea").meas_date == START


def test_units_that_contradict_the_header_are_noted(tmp_path):
    # a text file whose header says mV; numbers of 20 uV RMS stay plausible as V
    path = tmp_path / "rec.csv"
    rows = "\n".join(f"{i / SFREQ:.3f},{v:.6f}" for i, v in enumerate(noise(1)[0] * 1e3))
    path.write_text("time,EMG1 (mV)\n" + rows)
    assert not open_recording(path).conflicts
    rec = open_recording(path, units="V")
    expected = ("--units V contradicts rec.csv, whose header says mV for channel 'EMG1': "
                "the samples are read as V, as asked; leave --units out to trust the file")
    assert rec.conflicts == [expected] and expected in rec.notes
    # the same through MNE: an EDF in uV given --units mV
    raw = mne.io.RawArray(noise(), mne.create_info(["EMG1", "EMG2"], SFREQ, "emg"),
                          verbose="error")
    edf = tmp_path / "rec.edf"
    mne.export.export_raw(edf, raw, verbose="error")
    result = analyze_file(edf, tmp_path / "out", read=ReadOptions(units="mV"),
                          report=False)
    assert result.ok, result.message
    assert any("--units mV contradicts rec.edf, whose header says uV for channel 'EMG1'"
               in n for n in result.notes)
    # and in the Python API it is a warning
    from emgspasm.apps.notebook import detect
    with pytest.warns(UserWarning, match="units='mV' contradicts rec.edf"):
        events = detect(mne.io.read_raw_edf(edf, verbose="error"), units="mV")
    assert any("units='mV' contradicts" in n for n in events.attrs["notes"])
    # the numbers the header calls uV are read as mV: a thousand times larger
    stored = mne.io.read_raw_edf(edf, verbose="error")
    rec = open_raw(stored, units="mV")
    np.testing.assert_allclose(rec.read(0, 100), stored.get_data(stop=100) * 1e3)


def test_microvolts_passed_as_volts_are_refused(tmp_path):
    from emgspasm.apps.notebook import detect
    uv = noise() * 1e6
    with pytest.raises(InputDataError, match=r"channel 'EMG1' has an RMS of (19|20)\S* V .*"
                                             r"look like uV; state it with units='uV'"):
        detect(uv, SFREQ)
    raw = mne.io.RawArray(uv, mne.create_info(["EMG1", "EMG2"], SFREQ, "emg"),
                          verbose="error")
    with pytest.raises(InputDataError, match="units='uV'"):
        detect(raw)


def test_edf_placeholder_date_is_no_date():
    """01.01.85 00.00.00 is what EDF writers put when they know no date: the
    report and dashboard must not show it as a clock time."""
    from emgspasm.sources.files import open_recording
    rec = open_recording(Path(__file__).resolve().parents[1] / "examples" /
                         "example_session.edf")
    assert rec.meas_date is None
    assert any("placeholder for an unknown date" in note for note in rec.notes)
