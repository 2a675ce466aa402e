"""Bad input met before or while reading: no Dask, special files, output
folders, EDF headers, permissions, channel types, low rates, numerical
warnings."""

import os
import shutil
import stat
import subprocess
import sys

import mne
import numpy as np
import pytest

from emgspasm.apps.analyze import ReadOptions, analyze_file, analyze_many
from emgspasm.errors import FileFieldError, InputFileError, OutputFileError
from emgspasm.sources.files import open_recording
from emgspasm.truth.sim import simulate
from emgspasm.truth.sim.files import write_simulation


def cli(*args, env=None, timeout=120, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-m", "emgspasm", *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


def npy(path, seconds=5.0, seed=0, n_channels=1):
    data = np.random.default_rng(seed).standard_normal(
        (n_channels, int(seconds * 1000))) * 20e-6
    np.save(path, data)
    return path


NPY_OPTIONS = ("--sfreq", "1000", "--units", "V", "--no-report")


def without_dac_override():
    """A command prefix under which even root obeys file permissions."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return ("setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search")


# -- case 11: several files without Dask ------------------------------------

def test_several_files_without_dask_run_one_after_another(tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import sys\nsys.modules['dask'] = None\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(shim)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    paths = [str(npy(tmp_path / f"rec{i}.npy", seed=i)) for i in range(2)]
    run = cli("analyze", *paths, "--out", str(tmp_path / "out"), *NPY_OPTIONS, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "2 of 2 recording(s) analysed" in run.stdout
    assert "pip install 'emgspasm[dask]' to run them in parallel" in run.stderr
    assert (tmp_path / "out" / "rec1_events.tsv").exists()
    cluster = cli("analyze", *paths, "--scheduler", "tcp://127.0.0.1:8786", "--out",
                  str(tmp_path / "out"), *NPY_OPTIONS, env=env)
    assert cluster.returncode == 2 and "Traceback" not in cluster.stderr
    assert "--scheduler tcp://127.0.0.1:8786 needs Dask" in cluster.stderr
    assert "pip install 'emgspasm[dask]'" in cluster.stderr


# -- case 13: special files and output folders, checked up front -------------

def test_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "live.csv"  # reading it would wait for a writer for ever
    os.mkfifo(fifo)
    run = cli("analyze", str(fifo), "--out", str(tmp_path / "out"), timeout=30)
    assert run.returncode == 1
    assert f"{fifo}: not a regular file but a FIFO (named pipe)" in run.stdout
    assert f"{tmp_path}: a folder, not a recording." in analyze_file(
        tmp_path, tmp_path / "out").message


def test_output_folder_that_is_a_file_is_refused_before_reading(tmp_path):
    path = npy(tmp_path / "rec.npy")
    out = tmp_path / "results.txt"
    out.write_text("not a folder")
    fractions = []
    result = analyze_file(path, out, read=ReadOptions(sfreq=1000.0, units="V"),
                          progress=fractions.append)
    assert not result.ok and not fractions  # nothing was analysed
    assert result.message == f"output folder {out} (--out): exists and is not a folder."
    with pytest.raises(OutputFileError, match="exists and is not a folder"):
        analyze_many([path, path], out, read=ReadOptions(sfreq=1000.0, units="V"))


def test_output_folder_without_write_permission(tmp_path):
    prefix = without_dac_override()
    path = npy(tmp_path / "rec.npy")
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        run = cli("analyze", str(path), "--out", str(out), *NPY_OPTIONS, prefix=prefix)
    finally:
        out.chmod(stat.S_IRWXU)
    assert run.returncode == 1, run.stderr
    assert (f"FAIL output folder {out} (--out): cannot write in it (Permission denied)."
            in run.stdout)


# -- case 14: EDF headers, permissions, channel types, rates, warnings --------

@pytest.fixture(scope="module")
def edf_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("edf") / "good.edf"
    write_simulation(simulate(duration_s=4, n_channels=2, sfreq=1000.0, seed=5), path)
    return path.read_bytes()


def field(data, offset, width, text):
    data = bytearray(data)
    data[offset:offset + width] = str(text).ljust(width).encode()
    return bytes(data)


# signals: EMG1, EMG2 and the EDF+ annotations (ns = 3)
EDF_DAMAGE = {
    "version": (0, 8, "1", "version", "'0'"),
    "header length": (184, 8, "999", "number of bytes in header", "1024"),
    "number of records": (236, 8, "many", "number of data records", "an integer >= -1"),
    "record duration 0": (244, 8, "0", "duration of a data record", "a number > 0"),
    "rate 0 (no samples per record)": (256 + 216 * 3, 8, "0",
                                       "samples per data record (EMG1)", "an integer > 0"),
    "digital range empty": (256 + 128 * 3 + 8, 8, None, "digital maximum (EMG2)",
                            "a number other than the digital minimum"),
}


@pytest.mark.parametrize("damage", EDF_DAMAGE)
def test_edf_header_errors_name_the_field(tmp_path, edf_bytes, damage):
    offset, width, text, name, allowed = EDF_DAMAGE[damage]
    if text is None:  # the digital minimum of the same signal
        text = edf_bytes[offset - 8 * 3:offset - 8 * 3 + width].decode().strip()
    path = tmp_path / "bad.edf"
    path.write_bytes(field(edf_bytes, offset, width, text))
    with pytest.raises(FileFieldError) as err:
        open_recording(path)
    message = str(err.value)
    assert message.startswith(f"bad.edf (EDF header, bytes {offset}-{offset + width - 1})"
                              f": invalid value for the '{name}' field. Allowed values "
                              f"are {allowed}")
    assert message.endswith(f"but got '{text}' instead.")
    assert "MNE" not in message and "truncated" not in message


def test_cut_edf_header_says_so(tmp_path, edf_bytes):
    path = tmp_path / "cut.edf"
    path.write_bytes(edf_bytes[:600])
    with pytest.raises(InputFileError, match=r"^cut.edf: the EDF header is cut: the file "
                                             r"holds 600 bytes, the header of 3 signals "
                                             r"takes 1024\.$"):
        open_recording(path)


def test_unreadable_file_says_permission_denied(tmp_path, edf_bytes):
    prefix = without_dac_override()
    path = tmp_path / "locked.edf"
    path.write_bytes(edf_bytes)
    path.chmod(0)
    run = cli("analyze", str(path), "--out", str(tmp_path / "out"), "--no-report",
              prefix=prefix)
    assert run.returncode == 1
    assert f"FAIL {path}: permission denied (this user may not read it)." in run.stdout


def test_channels_not_typed_emg_and_low_rates_get_notes(tmp_path):
    data = np.random.default_rng(6).standard_normal((4, 2000)) * 20e-6
    info = mne.create_info(["EMG1", "ECG", "HEOG", "Fpz"], 1000.0,
                           ["emg", "ecg", "eog", "eeg"])
    path = tmp_path / "mixed_raw.fif"
    mne.io.RawArray(data, info, verbose="error").save(path, verbose="error")
    default = open_recording(path)
    assert default.ch_names == ["EMG1"]
    assert not [n for n in default.notes if "analysed as EMG" in n]
    picked = open_recording(path, picks=["EMG1", "ECG", "HEOG", "Fpz"])
    for kind, name in (("ECG", "ECG"), ("EOG", "HEOG"), ("EEG", "Fpz")):
        assert (f"analysed as EMG although typed {kind}: {name}; choose channels with "
                "--picks") in picked.notes
    edf = tmp_path / "psg.edf"
    mne.export.export_raw(edf, mne.io.RawArray(data, mne.create_info(
        ["EMG chin", "ECG", "EOG L", "C3"], 1000.0, "eeg"), verbose="error"),
        verbose="error")
    psg = open_recording(edf)
    # EDF+ types a signal by its label's first word: "EMG chin" is EMG channel "chin"
    assert psg.ch_names == ["chin"]
    assert any("EEG (EDF and BDF type a channel only by a prefix of its label, such as "
               "'EMG chin'; without one MNE types it EEG): ECG" in n
               for n in open_recording(edf, picks=["ECG"]).notes)
    slow = open_recording(npy(tmp_path / "slow.npy"), sfreq=100.0, units="V")
    assert ("sampling rate 100 Hz is below the supported 250 Hz: most of the EMG band "
            "(20-450 Hz) lies above its Nyquist frequency (50 Hz), so detection is "
            "unreliable") in slow.notes
    assert not [n for n in open_recording(npy(tmp_path / "ok.npy"), sfreq=250.0,
                                          units="V").notes if "sampling rate" in n]


def test_no_runtime_warning_reaches_the_console(tmp_path):
    # the suite turns warnings into errors: any RuntimeWarning fails the analysis
    data = np.random.default_rng(7).standard_normal((3, 12000)) * 20e-6
    data[1] = np.nan  # a channel that never delivered
    data[2, 3000:] = np.inf
    path = tmp_path / "odd.npy"
    np.save(path, data)
    for annotate in ("edf", "fif"):
        result = analyze_file(path, tmp_path / "out", read=ReadOptions(sfreq=1000.0,
                              units="V"), annotate=annotate)
        assert result.ok, result.message
        assert not [n for n in result.notes if "Warning" in n], result.notes
