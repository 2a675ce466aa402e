"""The ``emgspasm`` command line.

Each subcommand lives in its own small function; heavy modules are imported
inside them, so ``emgspasm --help`` stays fast.
"""

import argparse
import sys

from .. import __version__
from ..errors import EmgSpasmError
from ..outputs.recorder import SYNC_INTERVAL_S
from .web.cli_options import add_web_options


def _add_config_options(parser):
    parser.add_argument("--config", metavar="TOML",
                        help="configuration file ([filters], [envelope], "
                             "[quality], [detector] tables)")
    parser.add_argument("--set", metavar="SECTION.KEY=VALUE", action="append",
                        default=[], dest="overrides",
                        help="override one parameter, e.g. --set filters.notch=50 "
                             "(repeatable; see 'emgspasm config')")


def _add_old_name(parser, old, dest, **kwargs):
    """Accept ``old``, an earlier name of the option stored in ``dest``,
    without showing it in the help, so scripts that use it keep working."""
    parser.add_argument(old, dest=dest, help=argparse.SUPPRESS,
                        default=argparse.SUPPRESS, **kwargs)


def load_config(args):
    """Build the :class:`~emgspasm.config.Config` a subcommand asked for."""
    from ..engine.config import Config
    cfg = Config.from_toml(args.config) if args.config else Config()
    return cfg.with_overrides(args.overrides) if args.overrides else cfg


def _cmd_config(args):
    import json

    from ..engine.config import describe
    cfg = load_config(args)
    if args.json:
        print(json.dumps(cfg.to_dict(), indent=2))
        return 0
    current = cfg.to_dict()
    width = max(len(name) for name, _, _ in describe())
    for name, default, doc in describe():
        section, key = name.split(".")
        value = current[section][key]
        mark = "" if value == default else f"   (default {default!r})"
        print(f"{name:<{width}}  {value!r:<8}  {doc}{mark}")
    return 0


def _add_protocol_option(parser):
    from ..sources.serial.protocols import NAMES
    parser.add_argument("--protocol", choices=NAMES, default="emgspasm",
                        help="sensor protocol (default: emgspasm; see "
                             "firmware_interface/PROTOCOL.md)")


def _add_provisional_option(parser):
    parser.add_argument("--provisional", action="store_true",
                        help="also list provisional and withdrawn notices in the "
                             "dashboard's event feed, greyed (default: what stands)")


def _add_read_options(parser):
    g = parser.add_argument_group("reading recordings")
    g.add_argument("--picks", nargs="+", metavar="CH",
                   help="channels to analyse (default: EMG channels, or every "
                        "channel in volts)")
    g.add_argument("--units", choices=["V", "mV", "uV"],
                   help="unit of the stored numbers, for files that do not "
                        "state it (text, .npy) or state it wrongly")
    g.add_argument("--sfreq", type=float, metavar="HZ",
                   help="sampling rate, for files that do not state it")
    g.add_argument("--adc-scale", type=float, metavar="V_PER_COUNT",
                   help="volts per count, for integer .npy recordings")


def _read_options(args):
    from .analyze import ReadOptions
    return ReadOptions(tuple(args.picks) if args.picks else None, args.units,
                       args.sfreq, args.adc_scale)


def _cmd_analyze(args):
    from pathlib import Path

    from .analyze import analyze_file, analyze_many
    from .progress import Progress
    config = load_config(args)
    read = _read_options(args)
    paths = [Path(p) for p in args.paths]
    bids = _bids_target(args, paths)
    if len(paths) == 1 and not args.scheduler and not args.workers:
        with Progress(f"{paths[0].name}") as bar:
            results = [analyze_file(paths[0], args.out, config, read,
                                    report=not args.no_report,
                                    annotate=args.annotate, progress=bar.update,
                                    bids=bids)]
    else:
        with Progress(f"{len(paths)} recordings", total=len(paths)) as bar:
            results = analyze_many(paths, args.out, config, read,
                                   report=not args.no_report, annotate=args.annotate,
                                   workers=args.workers, scheduler=args.scheduler,
                                   on_result=lambda r: bar.step(), bids=bids)
    failed = 0
    for r in results:
        mark = "ok  " if r.ok else "FAIL"
        print(f"{mark} {r.message}")
        for note in r.notes:
            print(f"     note: {note}")
        failed += not r.ok
    print(f"{len(results) - failed} of {len(results)} recording(s) analysed; "
          f"results in {args.out}")
    return 1 if failed else 0


def _bids_target(args, paths):
    """The BIDS dataset ``--bids-root`` names, or None."""
    from ..errors import ConfigError
    from ..outputs.bids import BidsTarget
    given = [f"--bids-{k}" for k in ("subject", "session", "run")
             if getattr(args, f"bids_{k}")]
    if not args.bids_root:
        if given:
            raise ConfigError(f"{', '.join(given)} name(s) where to put a recording in a "
                              "BIDS dataset: give the dataset with --bids-root DIR.")
        return None
    if args.bids_subject and len(paths) > 1:
        raise ConfigError(f"--bids-subject writes one recording into the dataset, but "
                          f"{len(paths)} were given: analyse them one at a time, each "
                          "with its own --bids-subject/--bids-session/--bids-run.")
    return BidsTarget(args.bids_root, args.bids_subject, args.bids_session,
                      args.bids_task, args.bids_run)


def _cmd_evaluate(args):
    import json

    from ..truth.evaluate import benchmark_set, evaluate, format_report, target_results
    config = load_config(args)
    families = args.families.split(",") if args.families else None
    cases = benchmark_set(quick=args.quick, seed=args.seed, families=families,
                          seeds=args.seeds)
    scores = evaluate(cases, config, progress=lambda line: print(line, flush=True))
    print()
    print(format_report(scores))
    record = {"scores": {f"{family}/{group}": sc.as_dict()
                         for (family, group), sc in scores.items()},
              "targets": target_results(scores)}
    if args.grid:
        from ..truth.tuning import format_held_out, held_out, parse_grid
        print("\n## Held out: thresholds chosen on one family, scored on every family\n")
        result = held_out(cases, parse_grid(args.grid), config,
                          progress=lambda line: print(line, flush=True))
        print(format_held_out(result))
        record["held_out"] = {"picks": result.picks,
                              "table": {f"{a}->{b}": v for (a, b), v in result.table.items()}}
    if args.json:
        from ..outputs.events_table import json_default
        with open(args.json, "w") as fh:
            json.dump(record, fh, indent=2, default=json_default)
    return 0


def _cmd_simulate(args):
    from ..truth.sim.files import write_simulation
    from ..truth.sim import Scenario, simulate
    rec = simulate(Scenario(duration_s=args.duration, sfreq=args.sfreq,
                            n_channels=args.channels, noise_uv=args.noise_uv,
                            mains_hz=args.mains, ecg_channels=args.ecg_channels,
                            seed=args.seed))
    paths = write_simulation(rec, args.output)
    print(f"wrote {', '.join(paths)}: {rec.duration_s:.0f} s, "
          f"{len(rec.ch_names)} ch, {sum(e.is_muscle for e in rec.events)} true muscle events")
    return 0


def _cmd_demo(args):
    from .demo import run_demo
    return run_demo(seconds=args.duration, speed=args.speed, seed=args.seed,
                    config=load_config(args), provisional=args.provisional)


def _cmd_emulate(args):
    import signal
    import threading

    from ..sources.serial.emulator import Emulator, Faults
    faults = Faults(corrupt_rate=args.corrupt_rate, drop_rate=args.drop_rate,
                    pause_at_s=args.pause_at, pause_s=args.pause,
                    disconnect_at_s=args.disconnect_at, disconnect_s=args.disconnect,
                    reboot_at_s=args.reboot_at, reboot_s=args.reboot)
    if args.file:
        from ..sources.files import open_recording
        rec = open_recording(args.file, sfreq=args.sfreq, units=args.units)
        emulator = Emulator(rec.read(0, rec.n_samples), rec.sfreq, args.protocol,
                            args.port, faults=faults, speed=args.speed)
        print(f"streaming {rec.path.name} ({rec.duration_s:.0f} s)")
    else:
        from ..truth.sim import Scenario, simulate
        sim = simulate(Scenario(duration_s=args.duration, sfreq=args.sfreq or 2000.0,
                                n_channels=args.channels, ecg_channels=min(1, args.channels),
                                seed=args.seed))
        emulator = Emulator(sim.data, sim.sfreq, args.protocol, args.port,
                            faults=faults, speed=args.speed)
        if args.truth:
            from ..outputs.events_table import write_events_tsv
            write_events_tsv(sim.events, args.truth)
            print(f"true events: {args.truth}")
    emulator.start()
    print(f"port: {emulator.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    try:
        while not (emulator.done.is_set() or stop.is_set()):
            stop.wait(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    print(f"sent {emulator.sent_frames} frames ({emulator.dropped_frames} dropped, "
          f"{emulator.corrupted_frames} corrupted on purpose)")
    return 0


def _add_live_source_options(parser):
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0")
    src.add_argument("--lsl", metavar="NAME",
                     help="read the LSL stream of this name (its EMG channels, on its "
                          "own clock; dropped chunks become gaps)")
    src.add_argument("--lsl-type", metavar="TYPE",
                     help="read the LSL stream of this type, e.g. EMG")
    src.add_argument("--lsl-source-id", metavar="ID",
                     help="read the LSL stream with this source id")
    src.add_argument("--board", metavar="NAME",
                     help="read a BrainFlow board, named as in BrainFlow's BoardIds: "
                          "synthetic, playback_file, cyton, ... (its EMG channels, in "
                          "volts)")
    g = parser.add_argument_group("LSL and BrainFlow")
    g.add_argument("--board-arg", metavar="KEY=VALUE", action="append", default=[],
                   dest="board_args",
                   help="a BrainFlowInputParams field for --board, e.g. "
                        "serial_port=/dev/ttyUSB0, file=session.csv, "
                        "master_board=synthetic (repeatable)")
    g.add_argument("--units", choices=["V", "mV", "uV"],
                   help="unit of an LSL stream's samples, when the stream does not "
                        "state it (or states it wrongly)")
    g.add_argument("--picks", nargs="+", metavar="CH",
                   help="channels of the LSL stream to read, by name (default: those "
                        "of type EMG, or all)")
    g.add_argument("--lsl-markers", nargs="?", const="emgspasm-markers", metavar="NAME",
                   help="publish every notice as an LSL marker stream (default name "
                        "emgspasm-markers), timestamped on the samples' LSL clock, so "
                        "LabRecorder stores them aligned")


def _monitor_source(args):
    """The live source ``monitor`` reads when it is not a serial port (else None)."""
    lsl = (args.lsl, args.lsl_type, args.lsl_source_id)
    given = {"--board-arg": args.board_args and args.board is None,
             "--units": args.units and not any(lsl), "--picks": args.picks and not any(lsl),
             "--baud": args.baud is not None and args.port is None,
             "--sfreq": args.sfreq is not None and args.port is None,
             "--adc-scale": args.adc_scale is not None and args.port is None}
    wrong = [option for option, bad in given.items() if bad]
    if wrong:
        from ..errors import ConfigError
        verb = "does" if len(wrong) == 1 else "do"
        raise ConfigError(f"{', '.join(wrong)} {verb} not apply to the source chosen; "
                          "--board-arg goes with --board, --units and --picks with the "
                          "--lsl options, --baud, --sfreq and --adc-scale with --port.")
    if any(lsl):
        from ..sources.lsl import LslSource
        return LslSource(*lsl, picks=args.picks, units=args.units)
    if args.board is not None:
        from ..sources.brainflow_board import BrainFlowSource
        return BrainFlowSource(args.board, args.board_args)
    return None


def _cmd_monitor(args):
    import signal
    import threading

    from .monitor import LiveSession, monitor, recording_folder
    from .progress import Startup
    from .views import DashboardView, JsonLinesView
    from .web import web_view
    record = None if args.no_record else recording_folder(args.record)
    source = _monitor_source(args)
    markers = None
    if args.lsl_markers:
        from ..outputs.lsl_markers import LslMarkerOutlet
        markers = LslMarkerOutlet(args.lsl_markers)
    # SIGTERM (a service manager, `kill`) and Ctrl-C stop at the next poll,
    # never in the middle of a step (a KeyboardInterrupt raised anywhere could
    # leave the recorder or the engine half way); a second Ctrl-C interrupts
    terminate = threading.Event()

    def interrupt(*_):
        terminate.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGTERM, lambda *_: terminate.set())
    previous_int = signal.signal(signal.SIGINT, interrupt)
    try:
        with Startup("emgspasm monitor"):
            if source is None:
                session = LiveSession(args.port, args.protocol, load_config(args), record,
                                      args.baud, args.adc_scale, args.sfreq,
                                      args.alert_spasm, markers=markers).start()
            else:
                session = LiveSession(config=load_config(args), record_dir=record,
                                      alert_spasm_s=args.alert_spasm, source=source,
                                      markers=markers).start()
        view = (JsonLinesView() if args.headless
                else DashboardView(provisional=args.provisional))
        monitor(session, web_view(args, view), duration_s=args.duration,
                until=terminate.is_set)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        if markers is not None:
            markers.close()
    if session.link.error is not None:
        print(f"emgspasm monitor: error: the link ended: {session.link.error}",
              file=sys.stderr)
        return 1
    return 0 if session.engine is not None else 1  # the summary said why


def _cmd_recover(args):
    from ..outputs.recorder import recover
    files = recover(args.folder)
    state = "damaged end (a crash) recovered" if files["damaged"] else "complete"
    print(f"{args.folder}: {files['samples']} samples, {state}; wrote {files['fif']} "
          f"and {files['events']}")
    return 0


def build_parser():
    """Return the argument parser (cheap: imports nothing heavy)."""
    parser = argparse.ArgumentParser(
        prog="emgspasm",
        description="Detect spasms and fasciculations in surface EMG, live "
                    "from a sensor or from recorded sessions.",
        epilog="Run 'emgspasm COMMAND --help' for the options of one command.")
    parser.add_argument("--version", action="version",
                        version=f"emgspasm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("config", help="show every parameter, its value and meaning",
                       description="Show the effective configuration.")
    _add_config_options(p)
    p.add_argument("--json", action="store_true", help="print it as JSON")
    p.set_defaults(func=_cmd_config)

    p = sub.add_parser(
        "demo", help="watch live detection on an emulated sensor (no hardware)",
        description="Start the device emulator on a pseudo-terminal and the live "
                    "monitor on it: a simulated wearable session, detected live.")
    p.add_argument("--duration", type=float, default=30.0, metavar="S",
                   help="length in seconds (default 30)")
    _add_old_name(p, "--seconds", "duration", type=float)
    p.add_argument("--speed", type=float, default=1.0,
                   help="playback speed, 1 = real time (default), 0 = as fast as the link allows")
    p.add_argument("--seed", type=int, default=1,
                   help="random seed of the simulated session (default 1)")
    _add_provisional_option(p)
    _add_config_options(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "monitor", help="live dashboard of a sensor (serial port, LSL stream, "
                        "BrainFlow board)",
        description="Read a sensor on a serial port (--port), an LSL stream (--lsl, "
                    "--lsl-type, --lsl-source-id) or a BrainFlow board (--board), "
                    "detect live, show a dashboard "
                    "(or JSON lines with --headless, link events included), and "
                    "record the session so a crash loses at most "
                    f"{SYNC_INTERVAL_S:g} s of samples and no shown event. Ctrl-C "
                    "or SIGTERM stops cleanly.")
    _add_live_source_options(p)
    _add_protocol_option(p)
    p.add_argument("--baud", type=int, help="baud rate (default: the protocol's)")
    p.add_argument("--sfreq", type=float, metavar="HZ",
                   help="sampling rate of an ASCII sensor (default: estimated)")
    _add_old_name(p, "--rate", "sfreq", type=float)
    p.add_argument("--adc-scale", type=float, metavar="V_PER_COUNT",
                   help="volts per printed count (ASCII sensors)")
    p.add_argument("--headless", action="store_true",
                   help="print notices as JSON lines instead of the dashboard")
    _add_provisional_option(p)
    p.add_argument("--record", default="emgspasm-sessions", metavar="DIR",
                   help="where session recordings go (default: emgspasm-sessions)")
    p.add_argument("--no-record", action="store_true", help="do not record")
    p.add_argument("--alert-spasm", type=float, default=30.0, metavar="S",
                   help="alert when a spasm runs longer than this (default 30 s)")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    add_web_options(p)
    _add_config_options(p)
    p.set_defaults(func=_cmd_monitor)

    p = sub.add_parser(
        "emulate", help="a sensor without hardware, on a pseudo-terminal",
        description="Open a pseudo-terminal and stream the simulator (true events "
                    "logged) or a recorded file at real-time pace in one of the "
                    "protocols; print the port to connect to. Faults on request.")
    _add_protocol_option(p)
    p.add_argument("--file", metavar="PATH", help="stream this recording instead")
    p.add_argument("--port", metavar="PATH", help="symlink to create (default: a temp name)")
    p.add_argument("--duration", type=float, default=600.0, metavar="S",
                   help="length in seconds of the simulated stream (default 600)")
    p.add_argument("--sfreq", type=float, metavar="HZ",
                   help="sampling rate: of the simulated stream (default 2000), or of "
                        "a --file recording that does not state it")
    _add_old_name(p, "--rate", "sfreq", type=float)
    p.add_argument("--channels", type=int, default=2, metavar="N",
                   help="number of simulated channels (default 2)")
    p.add_argument("--seed", type=int, default=0,
                   help="random seed of the simulated stream (default 0)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="playback speed, 1 = real time (default), 0 = as fast as the "
                        "link allows")
    p.add_argument("--truth", metavar="PATH", help="write the true events here")
    p.add_argument("--units", choices=["V", "mV", "uV"],
                   help="unit of a --file recording that does not state it")
    f = p.add_argument_group("faults")
    f.add_argument("--corrupt-rate", type=float, default=0.0, metavar="P",
                   help="probability a frame gets a flipped byte")
    f.add_argument("--drop-rate", type=float, default=0.0, metavar="P",
                   help="probability a frame is not sent")
    f.add_argument("--pause-at", type=float, default=-1.0, metavar="S",
                   help="stream second at which the device stalls (see --pause)")
    f.add_argument("--pause", type=float, default=0.0, metavar="S",
                   help="stall this long at --pause-at")
    f.add_argument("--disconnect-at", type=float, default=-1.0, metavar="S",
                   help="stream second at which the port disappears (see --disconnect)")
    f.add_argument("--disconnect", type=float, default=0.0, metavar="S",
                   help="remove the port this long at --disconnect-at")
    f.add_argument("--reboot-at", type=float, default=-1.0, metavar="S",
                   help="stream second at which the device resets (see --reboot)")
    f.add_argument("--reboot", type=float, default=0.0, metavar="S",
                   help="the device resets at --reboot-at: silent this long, then "
                        "its frame counter starts again at 0")
    p.set_defaults(func=_cmd_emulate)

    p = sub.add_parser(
        "recover", help="rebuild a session recording after a crash",
        description="Read a session folder left by 'monitor' (after a crash or "
                    "kill) and write recording_raw.fif and events.tsv.")
    p.add_argument("folder", metavar="DIR",
                   help="the session folder (under the monitor's --record folder)")
    p.set_defaults(func=_cmd_recover)

    p = sub.add_parser(
        "analyze", help="analyse recordings: events, summary and report per file",
        description="Analyse recorded sessions (EDF/BDF/FIF/BrainVision and what "
                    "else MNE reads, WFDB, CSV/TSV/TXT, .npy). Writes "
                    "<name>_events.tsv/.json, <name>_summary.json and "
                    "<name>_report.html per file. Several files run in parallel "
                    "on Dask.")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="recordings to analyse (one or more files)")
    p.add_argument("--out", default="emgspasm-results", metavar="DIR",
                   help="output folder (default: emgspasm-results)")
    p.add_argument("--no-report", action="store_true", help="skip the HTML report")
    p.add_argument("--annotate", choices=["fif", "edf"],
                   help="also write the recording with the events as annotations")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local Dask worker processes (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="use an existing dask.distributed scheduler")
    g = p.add_argument_group(
        "BIDS", "write the events into a BIDS dataset's derivatives/emgspasm/ as well; "
                "a recording outside the dataset is first written into it (EMG, EDF)")
    g.add_argument("--bids-root", metavar="DIR", help="the BIDS dataset")
    g.add_argument("--bids-subject", metavar="LABEL",
                   help="subject of a recording outside the dataset")
    g.add_argument("--bids-session", metavar="LABEL", help="its session (optional)")
    g.add_argument("--bids-task", metavar="LABEL", default="rest",
                   help="its task (default: rest)")
    g.add_argument("--bids-run", metavar="INDEX", help="its run (optional)")
    _add_read_options(p)
    _add_config_options(p)
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser(
        "evaluate", help="score the detector on every generator family",
        description="Simulate the benchmark set with every generator family (with "
                    "ground truth), run the detector and print, per family: the "
                    "targets and the worst family for each, precision, recall, F1, "
                    "timing errors, latency, false alarm rates, and fasciculation "
                    "recall per peak SNR and per sampling rate. With --grid, also "
                    "choose the grid's values on each family and score them on the "
                    "others.")
    p.add_argument("--quick", action="store_true",
                   help="shorter and fewer recordings (a first look in seconds)")
    p.add_argument("--seed", type=int, default=0, help="base seed of the recordings")
    p.add_argument("--seeds", type=int, default=1, metavar="N",
                   help="score together the sets of N consecutive base seeds from --seed "
                        "(default 1)")
    p.add_argument("--families", metavar="A,B",
                   help="generator families to use (default: all)")
    p.add_argument("--grid", metavar="SECTION.KEY=V1,V2", action="append", default=[],
                   help="values to choose from on each family (repeatable); prints the "
                        "held-out table")
    p.add_argument("--json", metavar="PATH", help="also write the scores as JSON")
    _add_config_options(p)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser(
        "simulate", help="write a simulated recording and its true events",
        description="Write a simulated surface-EMG recording (.edf, .fif or "
                    ".npy) and <name>_truth.tsv with its true events.")
    p.add_argument("output", metavar="PATH",
                   help="file to write; its extension (.edf, .fif, .npy) picks the format")
    p.add_argument("--duration", type=float, default=120.0, metavar="S",
                   help="length in seconds (default 120)")
    p.add_argument("--sfreq", type=float, default=2000.0, metavar="HZ",
                   help="sampling rate (default 2000)")
    _add_old_name(p, "--rate", "sfreq", type=float)
    p.add_argument("--channels", type=int, default=2, metavar="N",
                   help="number of EMG channels (default 2)")
    p.add_argument("--noise-uv", type=float, default=8.0, metavar="UV",
                   help="background noise, µV RMS (default 8)")
    p.add_argument("--mains", type=float, default=50.0, choices=[50.0, 60.0],
                   help="mains frequency of the added interference (default 50)")
    p.add_argument("--ecg-channels", type=int, default=0, metavar="N",
                   help="channels that also pick up the heart beat (default 0)")
    p.add_argument("--seed", type=int, default=0,
                   help="random seed: the same seed writes the same recording (default 0)")
    p.set_defaults(func=_cmd_simulate)
    return parser


def main(argv=None):
    """Entry point of the ``emgspasm`` console script.

    Returns
    -------
    code : int
        0 on success, 1 when some work failed, 2 on a usage error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except EmgSpasmError as err:
        print(f"emgspasm {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (``emgspasm config | head``): not an error
        sys.stdout = None
        return 0
