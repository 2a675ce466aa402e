"""The command line: help on every option, one name per idea, old names still
accepted, and a monitor that hears nothing says what to check."""

import argparse
import os

import pytest

from emgspasm.apps.cli import build_parser, main

#: Names that mean one thing; the command line may use one of each group.
SYNONYMS = (
    {"--sfreq", "--rate", "--fs", "--srate", "--sampling-rate", "--sample-rate"},
    {"--duration", "--seconds", "--secs", "--length", "--time"},
    {"--baud", "--baudrate", "--baud-rate"},
    {"--channels", "--n-channels", "--nch"},
    {"--seed", "--random-seed"},
)


def subcommands():
    """(name, parser) of every subcommand."""
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(action.choices.items())


def visible(parser):
    """The arguments a user sees in ``--help`` (not -h itself)."""
    return [a for a in parser._actions if a.help is not argparse.SUPPRESS
            and not isinstance(a, argparse._HelpAction)]


def test_every_option_and_argument_has_help():
    missing = [f"{name} {a.option_strings or a.dest}" for name, parser in subcommands()
               for a in visible(parser) if not (a.help or "").strip()]
    assert not missing


def test_one_name_per_idea():
    spelled = {}  # dest -> the option strings shown for it, over all subcommands
    for name, parser in subcommands():
        dests = [a.dest for a in visible(parser) if a.option_strings]
        assert len(dests) == len(set(dests)), f"{name}: two options set one value"
        for a in visible(parser):
            if a.option_strings:
                spelled.setdefault(a.dest, set()).add(tuple(a.option_strings))
    shown = {s for strings in spelled.values() for option in strings for s in option}
    for group in SYNONYMS:
        assert len(group & shown) <= 1, f"one idea, several names: {sorted(group & shown)}"
    for dest, strings in spelled.items():
        assert len(strings) == 1, f"{dest} is spelled {sorted(strings)}"
    assert {"--sfreq", "--duration"} <= shown


@pytest.mark.parametrize("argv, dest, value", [
    (["simulate", "x.edf", "--rate", "500"], "sfreq", 500.0),
    (["emulate", "--rate", "250"], "sfreq", 250.0),
    (["monitor", "--port", "/dev/null", "--rate", "300"], "sfreq", 300.0),
    (["demo", "--seconds", "5"], "duration", 5.0),
])
def test_old_names_still_work_and_are_not_shown(argv, dest, value):
    parser = build_parser()
    args = parser.parse_args(argv)
    assert getattr(args, dest) == value
    old = next(a for a in argv if a in ("--rate", "--seconds"))
    sub = dict(subcommands())[argv[0]]
    assert old not in sub.format_help()
    # and the new name gives the same
    new = {"--rate": "--sfreq", "--seconds": "--duration"}[old]
    assert getattr(parser.parse_args([new if a == old else a for a in argv]), dest) == value


def test_defaults_are_kept_with_the_hidden_names():
    parser = build_parser()
    assert parser.parse_args(["simulate", "x.edf"]).sfreq == 2000.0
    assert parser.parse_args(["demo"]).duration == 30.0
    assert parser.parse_args(["emulate"]).sfreq is None  # 2000 Hz for a simulation


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")
def test_wrong_protocol_names_port_protocol_and_baud(capsys):
    from emgspasm.sources.serial.emulator import Emulator
    from emgspasm.truth.sim import simulate
    sim = simulate(duration_s=3, n_channels=2, sfreq=1000.0, seed=1)
    emulator = Emulator(sim.data, sim.sfreq, "emgspasm", speed=1.0).start()
    try:
        code = main(["monitor", "--port", emulator.port, "--protocol", "cyton",
                     "--duration", "1.5", "--headless", "--no-record"])
    finally:
        emulator.stop()
    _, err = capsys.readouterr()
    assert code == 1
    assert err.startswith("emgspasm monitor: loading kernels (compiled on the first run")
    assert "ready in " in err.splitlines()[0]
    message = next(line for line in err.splitlines() if line.startswith("no samples"))
    assert f"from {emulator.port} (protocol cyton at 115200 baud)" in message
    assert "--protocol" in message and "--baud" in message
    assert "Traceback" not in err
