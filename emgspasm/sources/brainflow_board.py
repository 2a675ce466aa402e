"""A BrainFlow board as a live source (``emgspasm monitor --board NAME``).

:class:`BrainFlowSource` opens a board through :class:`brainflow.board_shim.BoardShim`
and reads it in a background thread. The EMG rows and the sampling rate come
from BrainFlow's description of the board (for the ``playback_file`` and
``streaming`` boards: of the board given as ``master_board``); BrainFlow
gives EMG in microvolts, the source hands over volts. Boards are named as
in :class:`brainflow.board_shim.BoardIds`, lower case and without the
``_BOARD`` suffix (``synthetic``, ``cyton``, ``playback_file``), or by id;
``board_args`` set the fields of :class:`brainflow.board_shim.BrainFlowInputParams`
(``serial_port=/dev/ttyUSB0``, ``file=session.csv``, ``master_board=synthetic``).

BrainFlow's own log goes to a file in the temporary folder (not the
terminal); when a board cannot be opened, its last errors are quoted in the
message. Samples are timed by their arrival (host clock). The project's own
serial decoders stay the way to read the emgspasm protocol and ASCII sensors
(``--port``).

``brainflow`` is an optional dependency: ``pip install 'emgspasm[brainflow]'``.
"""

import os
import tempfile
from pathlib import Path

import numpy as np

from .._check import invalid
from ..engine.block import Block
from ..errors import ConfigError, DeviceError
from .live import LiveSource

#: How often the reader asks the board for new samples (s).
POLL_S = 0.01
#: Boards that replay or relay another board, named by ``master_board``.
RELAY_BOARDS = ("playback_file", "streaming")


def require_brainflow():
    """Import :mod:`brainflow.board_shim`, or say how to install it."""
    try:
        import brainflow.board_shim
    except ImportError:
        raise ConfigError("Reading a BrainFlow board needs the brainflow package, which "
                          "is not installed; install it with: "
                          "pip install 'emgspasm[brainflow]'") from None
    return brainflow.board_shim


def board_names():
    """Board name → BrainFlow board id, for every board BrainFlow knows."""
    shim = require_brainflow()
    return {b.name.lower().removesuffix("_board"): b.value for b in shim.BoardIds
            if b.name != "NO_BOARD"}


def board_id(board, parameter="--board"):
    """The BrainFlow id of ``board`` (a name such as ``"synthetic"``, or an id).

    Raises
    ------
    ConfigError
        Naming ``parameter`` and the boards BrainFlow knows.
    """
    names = board_names()
    text = str(board).strip().lower()
    key = text.removesuffix("_board")
    if key in names:
        return names[key]
    if text.lstrip("-").isdigit() and int(text) in names.values():
        return int(text)
    raise invalid(parameter, f"BrainFlow's board names ({', '.join(names)}) and their "
                  "ids", board)


def input_params(board_args):
    """:class:`~brainflow.board_shim.BrainFlowInputParams` from ``key=value`` settings.

    Parameters
    ----------
    board_args : dict | list of str | None
        ``{"serial_port": "/dev/ttyUSB0"}`` or ``["serial_port=/dev/ttyUSB0"]``.

    Returns
    -------
    params : BrainFlowInputParams

    Raises
    ------
    ConfigError
        For a setting that is not ``key=value``, a key that is not a field
        (the message lists them) or a value of the wrong kind.
    """
    shim = require_brainflow()
    params = shim.BrainFlowInputParams()
    fields = vars(params)
    items = board_args.items() if isinstance(board_args, dict) else \
        [_split(arg) for arg in board_args or ()]
    for key, value in items:
        if key not in fields:
            raise invalid("--board-arg", f"KEY=VALUE with KEY one of BrainFlowInputParams' "
                          f"fields: {', '.join(fields)}", f"{key}={value}")
        setattr(params, key, _field_value(shim, key, value, fields[key]))
    return params


def _split(arg):
    key, sep, value = str(arg).partition("=")
    if not sep or not key.strip():
        raise invalid("--board-arg", "KEY=VALUE, e.g. serial_port=/dev/ttyUSB0", arg)
    return key.strip(), value.strip()


def _field_value(shim, key, value, default):
    if key == "master_board":
        return board_id(value, "--board-arg master_board")
    if key == "ip_protocol" and str(value).strip().upper() in ("TCP", "UDP", "NONE"):
        name = str(value).strip().upper()
        return shim.IpProtocolTypes["NO_IP_PROTOCOL" if name == "NONE" else name].value
    if isinstance(default, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            allowed = "an integer" + (", TCP, UDP or NONE" if key == "ip_protocol" else "")
            raise invalid(f"--board-arg {key}", allowed, value) from None
    return str(value)


class BrainFlowSource(LiveSource):
    """Read the EMG rows of a BrainFlow board in a background thread.

    Parameters
    ----------
    board : str | int
        A board name (``synthetic``, ``playback_file``, ``cyton`` ...) or id.
    board_args : dict | list of str | None
        Fields of ``BrainFlowInputParams`` (see :func:`input_params`).

    Notes
    -----
    The board is opened in :meth:`start`, which raises a
    :class:`~emgspasm.errors.DeviceError` with BrainFlow's reason when it
    cannot be.
    """

    def __init__(self, board, board_args=None):
        self.board_id = board_id(board)
        self.params = input_params(board_args)
        self._defaults = vars(require_brainflow().BrainFlowInputParams())
        names = {v: k for k, v in board_names().items()}
        self.board_name = names[self.board_id]
        self.master_id = self.board_id
        if self.board_name in RELAY_BOARDS:
            if self.params.master_board == self._defaults["master_board"]:
                raise ConfigError(
                    f"The {self.board_name} board replays another board's samples: say "
                    "which with --board-arg master_board=NAME (e.g. "
                    "master_board=synthetic).")
            self.master_id = self.params.master_board
        if self.board_name == "playback_file" and not Path(self.params.file).is_file():
            raise ConfigError(f"The playback_file board needs the file to replay: "
                              f"--board-arg file=PATH, but got {self.params.file!r}, "
                              "which is not a file.")
        super().__init__(f"brainflow:{self.board_name}")
        self.master_name = names[self.master_id]
        self._board = None
        self._rows = None
        self._log = Path(tempfile.gettempdir()) / f"emgspasm-brainflow-{os.getpid()}.log"

    def describe(self):
        """The board, the board whose format it has, rate and EMG rows."""
        return {"source": "brainflow", "board": self.board_name,
                "master_board": self.master_name, "sfreq": self.sfreq,
                "emg_rows": None if self._rows is None else self._rows.tolist(),
                "board_args": {k: v for k, v in vars(self.params).items()
                               if v != self._defaults[k]}}

    def _connect(self):
        shim = require_brainflow()
        descr = shim.BoardShim.get_board_descr(self.master_id)
        rows = descr.get("emg_channels")
        if not rows:
            raise DeviceError(f"BrainFlow's {self.master_name} board has no EMG channels "
                              "(its description lists none); emgspasm reads EMG.")
        self._rows = np.asarray(rows)
        self.sfreq = float(descr["sampling_rate"])
        names = descr.get("emg_names")
        self.ch_names = names.split(",") if names else None
        shim.BoardShim.set_log_file(str(self._log))
        start = self._log.stat().st_size if self._log.exists() else 0
        board = shim.BoardShim(self.board_id, self.params)
        try:
            board.prepare_session()
            board.start_stream()
        except shim.BrainFlowError as err:
            if board.is_prepared():
                board.release_session()
            raise DeviceError(f"Cannot open BrainFlow's {self.board_name} board: {err}"
                              f"{self._log_errors(start)}. Check the --board-arg "
                              "settings (serial_port, mac_address, ip_address, file ...) "
                              "and that the board is on.") from None
        self._board = board
        return (f"reading BrainFlow's {self.board_name} board"
                + (f" ({self.master_name} format)" if self.master_id != self.board_id
                   else "")
                + f" at {self.sfreq:g} Hz: {len(rows)} EMG rows {rows}")

    def _log_errors(self, start):
        """BrainFlow's error lines logged since ``start`` (bytes), quoted."""
        try:
            with open(self._log, "rb") as log:
                log.seek(start)
                lines = log.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        errors = [line.split("[error]", 1)[1].strip() for line in lines if "[error]" in line]
        return f" ({'; '.join(errors[-3:])})" if errors else ""

    def _read_until_stopped(self):
        while not self._stop.wait(POLL_S):
            data = self._board.get_board_data()
            if data.shape[1]:
                self._put(Block(data[self._rows] * 1e-6))

    def _close(self):
        board, self._board = self._board, None
        if board is None:
            return
        shim = require_brainflow()
        try:
            board.stop_stream()
        except shim.BrainFlowError:
            pass  # not streaming (any more)
        try:
            board.release_session()
        except shim.BrainFlowError:
            pass
