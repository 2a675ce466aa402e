"""Recovering session folders: damaged or hand-edited folders, memory, and
writes that are interrupted (kill -9, a full disk) leave no empty or
destroyed file."""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time

import mne
import numpy as np
import pytest

from emgspasm.apps.analyze import ReadOptions, analyze_file
from emgspasm.engine.events import Event, Notice
from emgspasm.engine.vocabulary import FLAG_CLIPPED, FLAG_GAP, FLAG_LEADS_OFF
from emgspasm.outputs.recorder import SessionRecorder, recover

SFREQ = 1000.0
SPASM = Event(1.0, 0.6, "spasm", "EMG1", "tonic", 120.0, 0.6, 1.4, 12.0)
FASC = Event(2.5, 0.01, "fasciculation", "EMG2", "single", 80.0, 0.5, 2.52, 8.0)


def record(folder, data, flags=None, block=250, events=(SPASM, FASC)):
    """A session folder as a clean stop leaves it (FIF and events.tsv written)."""
    n_ch, n = data.shape
    flags = np.zeros(data.shape, np.uint8) if flags is None else flags
    rec = SessionRecorder(folder, SFREQ, [f"EMG{i + 1}" for i in range(n_ch)])
    for a in range(0, n, block):
        rec.append(data[:, a:a + block], flags[:, a:a + block])
    for ev in events:
        rec.notice(Notice("event", ev.channel, ev.detected_at, ev.onset, ev))
    rec.close(list(events))
    return folder


def cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "emgspasm", *args], capture_output=True,
                          text=True, timeout=timeout)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def session(tmp_path):
    data = np.random.default_rng(0).standard_normal((2, 4000)) * 20e-6
    return record(tmp_path / "session", data), data


def edit_json(path, **changes):
    meta = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            del meta[key]
        else:
            meta[key] = value
    path.write_text(json.dumps(meta))


# -- case 8: damaged folders end in one line, never a traceback --------------

FATAL = {
    "rate 0": (lambda f: edit_json(f / "session.json", sfreq=0),
               r"session.json: invalid value for the 'sfreq' field\. Allowed values are "
               r"a number > 0 \(Hz\), but got 0 instead\."),
    "rate as text": (lambda f: edit_json(f / "session.json", sfreq="1 kHz"),
                     r"'sfreq' field\. .* but got '1 kHz' instead"),
    "no channel names": (lambda f: edit_json(f / "session.json", ch_names=None),
                         r"session.json: the 'ch_names' field is missing\."),
    "empty channel names": (lambda f: edit_json(f / "session.json", ch_names=[]),
                            r"session.json: invalid value for the 'ch_names' field"),
    "session.json a list": (lambda f: (f / "session.json").write_text("[1000.0]"),
                            r"session.json: holds a JSON list, not an object"),
    "session.json cut": (lambda f: (f / "session.json").write_text('{"sfreq": 10'),
                         r"session.json: not valid JSON"),
    "no session.json": (lambda f: (f / "session.json").unlink(),
                        r"not an emgspasm session folder \(no session.json\)"),
    "no raw.bin": (lambda f: (f / "raw.bin").unlink(),
                   r"raw.bin: no intact chunk of samples; nothing to recover"),
    "three channels named, two recorded": (
        lambda f: edit_json(f / "session.json", ch_names=["A", "B", "C"]),
        r"raw.bin: no intact chunk of samples"),
}


@pytest.mark.parametrize("damage", FATAL)
def test_damaged_session_json_is_one_line_naming_file_and_field(session, damage):
    folder, _ = session
    edit, message = FATAL[damage]
    edit(folder)
    run = cli("recover", str(folder))
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    error = [line for line in run.stderr.splitlines() if "error:" in line]
    assert len(error) == 1, run.stderr
    assert error[0].startswith("emgspasm recover: error: ")
    assert re.search(message, error[0]), error[0]


def test_damaged_events_and_samples_are_recovered_as_far_as_they_go(session):
    folder, data = session
    lines = (folder / "events.jsonl").read_text().splitlines()
    spasm, fasc = (json.loads(x) for x in lines)
    spasm["event"]["colour"] = "red"  # hand-edited: an unknown field
    bad_onset = json.loads(json.dumps(fasc))
    bad_onset["event"]["onset"] = "soon"
    elsewhere = json.loads(json.dumps(fasc))
    elsewhere["event"]["channel"] = "EMG7"
    (folder / "events.jsonl").write_text("\n".join(
        [json.dumps(spasm), "[1, 2, 3]", json.dumps(bad_onset), json.dumps(elsewhere),
         json.dumps(fasc), '{"kind": "ev']))  # the last line cut by a crash
    raw = bytearray((folder / "raw.bin").read_bytes())
    chunk = len(raw) // 16  # 16 chunks of 250 samples
    raw[5 * chunk + 100] ^= 0xFF  # chunk 5 (samples 1250-1500) fails its CRC
    (folder / "raw.bin").write_bytes(bytes(raw))
    run = cli("recover", str(folder))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    jsonl = str(folder / "events.jsonl")
    for expected in (
            f"{jsonl} line 2: a JSON list where a notice object belongs; skipped.",
            f"{jsonl} line 3: invalid value for the 'event.onset' field. Allowed values "
            "are a number >= 0 (s), but got 'soon' instead; skipped.",
            f"{jsonl} line 4: invalid value for the 'event.channel' field. Allowed "
            "values are one of the session's channels (EMG1, EMG2), but got 'EMG7' "
            "instead; skipped.",
            f"{jsonl} line 6: cut short (the session did not stop cleanly); skipped.",
            f"{jsonl} line 1: unknown field 'event.colour'; ignored.",
            "skipped: a chunk whose CRC does not match; samples 1250-1500 "
            "(1.250-1.500 s) kept as a gap (NaN, LINK_gap)."):
        assert expected in run.stderr, run.stderr
    raw = mne.io.read_raw(folder / "recording_raw.fif", verbose="error")
    got = raw.get_data()
    assert np.isnan(got[:, 1250:1500]).all()
    kept = np.r_[0:1250, 1500:4000]
    np.testing.assert_array_equal(got[:, kept], data[:, kept])
    gaps = [a for a in raw.annotations if a["description"] == "LINK_gap"]
    assert [(a["onset"], a["ch_names"]) for a in gaps] == [(1.25, ("EMG1",)),
                                                           (1.25, ("EMG2",))]
    events = (folder / "events.tsv").read_text().splitlines()[1:]
    assert [e.split("\t")[2] for e in events] == ["spasm", "fasciculation"]


# -- case 9: exported block by block, exactly -------------------------------

def test_fif_holds_the_samples_exactly_with_link_flags(tmp_path):
    rng = np.random.default_rng(1)
    data = rng.standard_normal((3, 7001)) * 30e-6
    data[1, 3000:3100] = np.nan  # lost on the link
    flags = np.zeros(data.shape, np.uint8)
    flags[1, 3000:3100] = FLAG_GAP
    flags[0, 6990:] = FLAG_LEADS_OFF  # to the very end, across chunks
    flags[2, 100:101] = FLAG_CLIPPED
    folder = record(tmp_path / "s", data, flags, block=333, events=[SPASM])
    (folder / "recording_raw.fif").unlink()
    files = recover(folder)
    assert files["samples"] == 7001 and not files["damaged"]
    raw = mne.io.read_raw(files["fif"], verbose="error")
    assert raw.orig_format == "double"
    np.testing.assert_array_equal(raw.get_data(), data)
    found = sorted((a["description"], a["ch_names"], round(a["onset"] * SFREQ),
                    round(a["duration"] * SFREQ)) for a in raw.annotations)
    assert found == [("LINK_gap", ("EMG2",), 3000, 100),
                     ("LINK_leads_off", ("EMG1",), 6990, 11),
                     ("LINK_saturation", ("EMG3",), 100, 1),
                     ("spasm/tonic", ("EMG1",), 1000, 600)]


def test_recover_memory_does_not_grow_with_the_recording(tmp_path):
    # 40 s of 64 channels at 4 kHz: 78 MiB of samples; loading them whole (as
    # recover once did) costs several times that
    sfreq, n_ch, seconds = 4000.0, 64, 40
    names = [f"EMG{i + 1}" for i in range(n_ch)]
    block = np.random.default_rng(2).standard_normal((n_ch, int(sfreq))) * 20e-6
    flags = np.zeros(block.shape, np.uint8)
    for folder, length in ((tmp_path / "small", 1), (tmp_path / "big", seconds)):
        rec = SessionRecorder(folder, sfreq, names)
        for _ in range(length):
            rec.append(block, flags)
        rec.close([])  # the clean stop exports too: streamed as well
    # the small one first: imports and compilation are not what is measured;
    # VmHWM is this process's own peak (ru_maxrss counts pytest's, from the fork)
    code = ("import re, sys\n"
            "from emgspasm.outputs.recorder import recover\n"
            "def peak():\n"
            "    status = open('/proc/self/status').read()\n"
            "    return int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) / 1024\n"
            "recover(sys.argv[1])\n"
            "before = peak()\n"
            "recover(sys.argv[2])\n"
            "print(peak() - before)\n")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "small"),
                          str(tmp_path / "big")], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    grew_mib = float(run.stdout.split()[-1])
    data_mib = n_ch * sfreq * seconds * 8 / 2**20
    assert grew_mib < 0.25 * data_mib, f"peak grew {grew_mib:.0f} MiB for {data_mib:.0f}"


# -- case 10: interrupted writes leave earlier files intact -----------------

def test_kill_during_recover_leaves_the_earlier_fif_intact(tmp_path):
    data = np.random.default_rng(3).standard_normal((64, 120000)) * 20e-6  # 61 MB
    folder = record(tmp_path / "s", data, block=2000)
    fif = folder / "recording_raw.fif"
    before, stat = digest(fif), fif.stat()
    proc = subprocess.Popen([sys.executable, "-m", "emgspasm", "recover", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        now = fif.stat()
        writing = [p for p in folder.rglob("*.fif") if p != fif and p.stat().st_size]
        if writing or (now.st_mtime_ns, now.st_size) != (stat.st_mtime_ns, stat.st_size):
            break  # a FIF is being written
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL, "recover ended before it could be killed"
    assert digest(fif) == before
    np.testing.assert_array_equal(mne.io.read_raw(fif, verbose="error").get_data(), data)
    assert cli("recover", str(folder)).returncode == 0  # and it still recovers


FULL_DISK = ("import resource, sys\n"
             "from emgspasm.apps.cli import main\n"
             "limit = int(sys.argv[1])\n"
             "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
             "sys.exit(main(sys.argv[2:]))\n")


def run_on_full_disk(limit_bytes, *args):
    """The CLI where no file may grow past ``limit_bytes`` (writes then fail
    with EFBIG, as they fail with ENOSPC on a full disk)."""
    return subprocess.run([sys.executable, "-c", FULL_DISK, str(limit_bytes), *args],
                          capture_output=True, text=True, timeout=120)


def test_full_disk_during_recover_leaves_the_earlier_fif(session):
    folder, _ = session
    files = {p: digest(p) for p in folder.iterdir()}
    run = run_on_full_disk(20_000, "recover", str(folder))
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert (f"{folder / 'recording_raw.fif'}: not written (File too large); an earlier "
            "recording_raw.fif, if any, is unchanged.") in run.stderr
    assert {p: digest(p) for p in folder.iterdir()} == files  # nothing left behind


def test_full_disk_during_analyze_leaves_no_empty_output(tmp_path):
    path = tmp_path / "rec.npy"
    np.save(path, np.random.default_rng(4).standard_normal((1, 5000)) * 20e-6)
    out = tmp_path / "out"
    assert analyze_file(path, out, read=ReadOptions(sfreq=1000.0, units="V")).ok
    report = out / "rec_report.html"
    before = digest(report)
    assert report.stat().st_size > 30_000
    run = run_on_full_disk(30_000, "analyze", str(path), "--out", str(out), "--sfreq",
                           "1000", "--units", "V")
    assert run.returncode == 1 and "Traceback" not in run.stdout + run.stderr
    assert f"FAIL {report}: not written (File too large)" in run.stdout
    assert digest(report) == before
    assert all(p.stat().st_size > 0 for p in out.iterdir())
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]
