"""BrainFlow boards as a live source: BrainFlow's own synthetic and playback-file boards."""

import json
import time
import uuid

import numpy as np
import pytest
from conftest import run_until

from emgspasm.apps.cli import main
from emgspasm.apps.monitor import LiveSession
from emgspasm.engine.streaming import Engine
from emgspasm.errors import ConfigError, DeviceError
from emgspasm.outputs.lsl_markers import LslMarkerOutlet
from emgspasm.outputs.recorder import read_session
from emgspasm.sources.brainflow_board import BrainFlowSource, input_params
from emgspasm.truth.sim import simulate

board_shim = pytest.importorskip("brainflow.board_shim",
                                 reason="boards need brainflow: pip install 'emgspasm[brainflow]'")
data_filter = pytest.importorskip("brainflow.data_filter", reason="boards need brainflow")

BoardShim, BoardIds = board_shim.BoardShim, board_shim.BoardIds
SYNTHETIC = BoardIds.SYNTHETIC_BOARD.value


def test_synthetic_board_gives_its_emg_channels_at_its_rate_in_volts(tmp_path):
    session = LiveSession(source=BrainFlowSource("synthetic"),
                          record_dir=tmp_path / "s").start()
    run_until(session, 250)
    rows = BoardShim.get_emg_channels(SYNTHETIC)
    assert session.engine.sfreq == BoardShim.get_sampling_rate(SYNTHETIC) == 250
    assert len(session.engine.ch_names) == len(rows)
    meta, data, _, _, _ = read_session(tmp_path / "s")
    assert meta["info"]["board"] == "synthetic" and meta["info"]["emg_rows"] == rows
    # BrainFlow's synthetic EMG is tens of microvolts: volts, not microvolts
    spread = np.std(data, axis=1)
    assert data.shape[1] >= 250 and np.all((spread > 1e-6) & (spread < 1e-3))


def playback_file(tmp_path, seconds=3):
    """A file in BrainFlow's format (the synthetic board's rows, microvolts)
    holding a simulated session, paced in real time; returns its path and its
    EMG in volts as BrainFlow reads it back."""
    sfreq = BoardShim.get_sampling_rate(SYNTHETIC)
    rows = BoardShim.get_emg_channels(SYNTHETIC)
    sim = simulate(duration_s=seconds, n_channels=len(rows), sfreq=sfreq, seed=11,
                   spasms_per_min=20, fasciculations_per_min=30)
    table = np.zeros((BoardShim.get_num_rows(SYNTHETIC), sim.data.shape[1]))
    table[BoardShim.get_package_num_channel(SYNTHETIC)] = np.arange(table.shape[1]) % 256
    table[rows] = sim.data * 1e6
    # the board paces its replay by the file's timestamps: real time
    table[BoardShim.get_timestamp_channel(SYNTHETIC)] = 1.7e9 + np.arange(table.shape[1]) / sfreq
    path = tmp_path / "session.csv"
    data_filter.DataFilter.write_file(table, str(path), "w")
    return path, data_filter.DataFilter.read_file(str(path))[rows] * 1e-6


def test_playback_file_board_replays_a_session_to_the_events_of_its_content(tmp_path):
    path, content = playback_file(tmp_path)
    source = BrainFlowSource("playback_file", [f"file={path}", "master_board=synthetic"])
    session = LiveSession(source=source).start()
    run_until(session, content.shape[1])
    sfreq = BoardShim.get_sampling_rate(SYNTHETIC)
    events, _ = Engine(sfreq, session.engine.ch_names).replay([content])
    assert any(e.label == "spasm" for e in events)
    assert session.engine.sfreq == sfreq and session.engine.events == events


def test_a_board_sessions_markers_are_timed_on_the_lsl_clock_by_arrival(tmp_path):
    lsl = pytest.importorskip("mne_lsl.lsl", reason="markers need mne-lsl")
    path, content = playback_file(tmp_path, seconds=2)
    name = f"markers-{uuid.uuid4().hex[:8]}"
    markers = LslMarkerOutlet(name)
    [info] = [s for s in lsl.resolve_streams(timeout=0.3) if s.name == name]
    listener = lsl.StreamInlet(info)
    listener.open_stream(timeout=5)
    source = BrainFlowSource("playback_file", [f"file={path}", "master_board=synthetic"])
    session = LiveSession(source=source, markers=markers)
    began = lsl.local_clock()
    session.start()
    run_until(session, content.shape[1])
    ended = lsl.local_clock()
    notices = session.notices
    got, stamps = [], []
    deadline = time.monotonic() + 10
    while len(got) < len(notices) and time.monotonic() < deadline:
        chunk, ts = listener.pull_chunk(timeout=0.5)
        got += [json.loads(row[0])["kind"] for row in chunk]
        stamps += list(ts)
    assert notices and got == [n.kind for n in notices]
    # each is the LSL time its sample reached the host (the last ones close
    # the stream one sample after its last): within the session, and as far
    # apart as the samples (the board sends every few ms, read every 10 ms)
    sfreq = session.engine.sfreq
    assert all(began <= t <= ended + 1 / sfreq for t in stamps)
    assert np.ptp(np.array(stamps) - [n.at for n in notices]) < 0.1
    np.testing.assert_allclose(stamps, [session.notice_lsl_time(n) for n in notices],
                               rtol=0, atol=1e-6)


def test_board_args_become_input_params():
    params = input_params(["serial_port=/dev/ttyUSB0", "ip_port=6677", "ip_protocol=tcp",
                           "master_board=cyton"])
    assert (params.serial_port, params.ip_port, params.ip_protocol, params.master_board) \
        == ("/dev/ttyUSB0", 6677, board_shim.IpProtocolTypes.TCP.value,
            BoardIds.CYTON_BOARD.value)
    assert input_params({"timeout": "15"}).timeout == 15


@pytest.mark.parametrize("board, args, match", [
    ("nope", [], r"'--board' parameter.*playback_file, .*synthetic, .*got 'nope'"),
    ("synthetic", ["colour=red"], r"'--board-arg'.*serial_port, .*master_board.*colour=red"),
    ("synthetic", ["serial_port"], r"'--board-arg'.*KEY=VALUE.*'serial_port'"),
    ("synthetic", ["ip_port=six"], r"'--board-arg ip_port'.*an integer.*'six'"),
    ("playback_file", ["file=x.csv"], r"master_board=NAME"),
    ("playback_file", ["master_board=synthetic", "file=/no/such.csv"], r"not a file"),
])
def test_bad_board_or_board_arg_names_what_is_allowed(board, args, match):
    with pytest.raises(ConfigError, match=match):
        BrainFlowSource(board, args)


def test_a_board_that_cannot_open_says_why():
    with pytest.raises(DeviceError, match=r"cyton board.*serial port is empty.*--board-arg"):
        BrainFlowSource("cyton").start()


def test_monitor_command_board_options(capsys):
    assert main(["monitor", "--board", "nope", "--no-record"]) == 2
    assert "'--board' parameter" in capsys.readouterr().err
    assert main(["monitor", "--board", "synthetic", "--units", "uV", "--no-record"]) == 2
    assert "--units does not apply" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["monitor", "--port", "/dev/null", "--board", "synthetic"])
    assert "not allowed with argument --port" in capsys.readouterr().err


def test_monitor_command_reads_the_synthetic_board(capfd):
    assert main(["monitor", "--board", "synthetic", "--headless", "--duration", "1",
                 "--no-record"]) == 0
    out, err = capfd.readouterr()
    first = json.loads(out.splitlines()[0])
    assert first["kind"] == "link_connected" and "synthetic board at 250 Hz" in first["message"]
    assert "session: " in err and "EMG16:" in err  # the summary, per channel
