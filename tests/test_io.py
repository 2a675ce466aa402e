"""Reading recordings: formats, units, channel picks, malformed input."""

import numpy as np
import pytest

from emgspasm.errors import InputFileError
from emgspasm.sources.files import open_recording
from emgspasm.truth.sim.files import write_simulation
from emgspasm.truth.sim import simulate


@pytest.fixture(scope="module")
def sim():
    return simulate(duration_s=20, n_channels=2, sfreq=1000.0, seed=4)


@pytest.mark.parametrize("suffix", [".edf", ".fif", ".npy"])
def test_written_recordings_read_back_in_volts(sim, tmp_path, suffix):
    path = tmp_path / f"rec{suffix}"
    write_simulation(sim, path)
    kwargs = {"sfreq": 1000.0, "units": "V"} if suffix == ".npy" else {}
    rec = open_recording(path, **kwargs)
    assert rec.sfreq == 1000.0 and rec.n_samples == sim.data.shape[1]
    data = rec.read(0, rec.n_samples)
    tol = 1e-6 if suffix == ".edf" else 1e-12  # EDF: 16-bit samples
    np.testing.assert_allclose(data, sim.data, atol=tol)
    assert (tmp_path / "rec_truth.tsv").exists()


def test_blocks_cover_the_recording(sim, tmp_path):
    path = tmp_path / "rec.fif"
    write_simulation(sim, path)
    rec = open_recording(path)
    pieces = [b.data for b in rec.blocks(3.3)]
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), sim.data, atol=1e-12)


def test_text_with_header_units_and_time(tmp_path):
    t = np.arange(2000) / 500.0
    rng = np.random.default_rng(0)
    emg = rng.standard_normal(2000) * 20.0  # uV
    path = tmp_path / "rec.csv"
    lines = ["time,EMG1 (uV),angle (deg)"] + [f"{a},{b},{c}" for a, b, c in
                                               zip(t, emg, 10 * np.sin(t))]
    lines[300] = "garbage,row,x"  # the row of sample 299 (line 301) is unreadable
    path.write_text("\n".join(lines))
    rec = open_recording(path)
    assert rec.sfreq == pytest.approx(500.0) and rec.ch_names == ["EMG1"]
    assert any("angle" in n for n in rec.notes)
    assert any("1 malformed" in n and "line 301" in n for n in rec.notes)
    expected = emg * 1e-6
    expected[299] = np.nan  # a gap at its time; every later sample keeps its time
    np.testing.assert_allclose(rec.read(0, rec.n_samples)[0], expected)


def test_unreadable_text_rows_stay_gaps(tmp_path):
    # 400 bad rows at 1 kHz used to close up time: every later sample 0.4 s early
    uv = np.random.default_rng(3).standard_normal(6000) * 20.0
    rows = [f"{v:.6f}" for v in uv]
    rows[2000:2400] = ["ERR"] * 400
    path = tmp_path / "plain.txt"
    path.write_text("EMG[uV]\n" + "\n".join(rows))
    rec = open_recording(path, sfreq=1000.0)
    data = rec.read(0, rec.n_samples)[0]
    expected = uv * 1e-6
    expected[2000:2400] = np.nan
    assert rec.n_samples == 6000
    np.testing.assert_allclose(data, expected, atol=1e-12)
    assert any("400 malformed (not numbers: lines 2002, 2003" in n for n in rec.notes)
    assert any("400 unread row(s) kept as gaps (NaN)" in n for n in rec.notes)


def test_ragged_rows_are_reported_as_ragged(tmp_path):
    # a ragged first row used to set the width: "no time column"
    uv = np.random.default_rng(4).standard_normal(1000) * 20.0
    lines = ["time,EMG1 (uV)"] + [f"{i / 1000:.3f},{v:.6f}" for i, v in enumerate(uv)]
    lines[1] += ",7"  # sample 0
    lines[500] += ",1,2"  # sample 499
    del lines[700]  # sample 699 is absent: the time column skips it
    path = tmp_path / "rec.csv"
    path.write_text("\n".join(lines))
    rec = open_recording(path)
    assert rec.sfreq == pytest.approx(1000.0) and rec.n_samples == 1000
    expected = uv * 1e-6
    expected[[0, 499, 699]] = np.nan
    np.testing.assert_allclose(rec.read(0, 1000)[0], expected, atol=1e-12)
    assert any("2 ragged (not 2 fields like the others: lines 2, 501)" in n
               for n in rec.notes)
    assert any("3 sample(s) missing from the time column" in n for n in rec.notes)
    short = tmp_path / "short.csv"
    short.write_text("time,EMG1 (uV),angle (deg)\n" + "\n".join(lines[1:]))
    with pytest.raises(InputFileError, match="header line 'time,EMG1 .* has 3 fields "
                                             "but the rows have 2"):
        open_recording(short)


def test_text_without_rate_or_units_names_the_flags(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("\n".join(str(v) for v in np.random.default_rng(1).standard_normal(100)))
    with pytest.raises(InputFileError, match="--sfreq"):
        open_recording(path)
    with pytest.raises(InputFileError, match="--units"):
        open_recording(path, sfreq=1000.0)
    rec = open_recording(path, sfreq=1000.0, units="mV")
    assert rec.n_samples == 100


def test_implausible_units_are_refused(tmp_path):
    path = tmp_path / "big.npy"
    np.save(path, np.random.default_rng(2).standard_normal((1, 5000)) * 50.0)
    with pytest.raises(InputFileError, match=r"RMS of .* V .*--units"):
        open_recording(path, sfreq=1000.0, units="V")
    assert open_recording(path, sfreq=1000.0, units="uV").n_samples == 5000


def test_malformed_files(tmp_path, sim):
    empty = tmp_path / "empty.edf"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        open_recording(empty)
    with pytest.raises(InputFileError, match="no such file"):
        open_recording(tmp_path / "missing.edf")
    bad = tmp_path / "bad.edf"
    bad.write_bytes(b"0       this is not an EDF header" * 10)
    with pytest.raises(InputFileError, match=r"bytes 252-255\): invalid value for the "
                                             "'number of signals' field"):
        open_recording(bad)
    with pytest.raises(InputFileError, match="unknown file type"):
        open_recording(__file__)
    good = tmp_path / "good.edf"
    write_simulation(sim, good)
    truncated = tmp_path / "truncated.edf"
    raw = good.read_bytes()
    truncated.write_bytes(raw[: len(raw) // 2])
    rec = open_recording(truncated)
    assert any("truncated" in n for n in rec.notes)
    assert rec.n_samples < sim.data.shape[1]
    np.testing.assert_allclose(rec.read(0, rec.n_samples), sim.data[:, :rec.n_samples],
                               atol=1e-6)


def test_picks_by_name_and_unknown_pick(sim, tmp_path):
    path = tmp_path / "rec.fif"
    write_simulation(sim, path)
    assert open_recording(path, picks=["EMG2"]).ch_names == ["EMG2"]
    with pytest.raises(InputFileError, match="not found. Channels: EMG1, EMG2"):
        open_recording(path, picks=["EMG9"])


def test_real_wfdb_record(real_data):
    rec = open_recording(real_data / "physionet-emgdb" / "emg_healthy.hea")
    assert rec.sfreq == 4000.0 and rec.ch_names == ["EMG"]
    rms = np.std(rec.read(0, 4000))
    assert 1e-6 < rms < 5e-3  # needle EMG in volts, not mV


def test_real_text_recording(real_data):
    rec = open_recording(real_data / "uci-lower-limb" / "5Nsen.txt", sfreq=1000.0)
    assert len(rec.ch_names) == 4 and "Flexo-Extension" not in rec.ch_names
    assert 1e-7 < np.std(rec.read(0, 5000)) < 5e-3
