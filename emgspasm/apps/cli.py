"""The ``emgspasm`` command line.

Each subcommand lives in its own small function; heavy modules are imported
inside them, so ``emgspasm --help`` stays fast.
"""

import argparse
import sys

from .. import __version__
from ..errors import EmgSpasmError
from ..outputs.recorder import SYNC_INTERVAL_S


def _add_config_options(parser):
    parser.add_argument("--config", metavar="TOML",
                        help="configuration file ([filters], [envelope], "
                             "[quality], [detector] tables)")
    parser.add_argument("--set", metavar="SECTION.KEY=VALUE", action="append",
                        default=[], dest="overrides",
                        help="override one parameter, e.g. --set filters.notch=50 "
                             "(repeatable; see 'emgspasm config')")


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
    if len(paths) == 1 and not args.scheduler and not args.workers:
        with Progress(f"{paths[0].name}") as bar:
            results = [analyze_file(paths[0], args.out, config, read,
                                    report=not args.no_report,
                                    annotate=args.annotate, progress=bar.update)]
    else:
        with Progress(f"{len(paths)} recordings", total=len(paths)) as bar:
            results = analyze_many(paths, args.out, config, read,
                                   report=not args.no_report, annotate=args.annotate,
                                   workers=args.workers, scheduler=args.scheduler,
                                   on_result=lambda r: bar.step())
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


def _cmd_evaluate(args):
    import json

    from ..truth.evaluate import benchmark_set, evaluate, format_report, target_results
    config = load_config(args)
    families = args.families.split(",") if args.families else None
    cases = benchmark_set(quick=args.quick, seed=args.seed, families=families)
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
    rec = simulate(Scenario(duration_s=args.duration, sfreq=args.rate,
                            n_channels=args.channels, noise_uv=args.noise_uv,
                            mains_hz=args.mains, ecg_channels=args.ecg_channels,
                            seed=args.seed))
    paths = write_simulation(rec, args.output)
    print(f"wrote {', '.join(paths)}: {rec.duration_s:.0f} s, "
          f"{len(rec.ch_names)} ch, {sum(e.is_muscle for e in rec.events)} true muscle events")
    return 0


def _cmd_demo(args):
    from .demo import run_demo
    return run_demo(seconds=args.seconds, speed=args.speed, seed=args.seed,
                    config=load_config(args))


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
        sim = simulate(Scenario(duration_s=args.duration, sfreq=args.rate,
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


def _cmd_monitor(args):
    import signal
    import threading

    from .monitor import LiveSession, monitor, recording_folder
    from .views import DashboardView, JsonLinesView
    record = None if args.no_record else recording_folder(args.record)
    # SIGTERM (a service manager, `kill`) stops as cleanly as Ctrl-C
    terminate = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: terminate.set())
    try:
        session = LiveSession(args.port, args.protocol, load_config(args), record,
                              args.baud, args.adc_scale, args.rate,
                              args.alert_spasm).start()
        monitor(session, JsonLinesView() if args.headless else DashboardView(),
                duration_s=args.duration, until=terminate.is_set)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if session.link.error is not None:
        print(f"emgspasm monitor: error: the link ended: {session.link.error}",
              file=sys.stderr)
        return 1
    return 0


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
    p.add_argument("--seconds", type=float, default=30.0, help="length (default 30)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="playback speed, 1 = real time (default), 0 = as fast as the link allows")
    p.add_argument("--seed", type=int, default=1)
    _add_config_options(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "monitor", help="live dashboard of a sensor on a serial port",
        description="Read a sensor on a serial port, detect live, show a dashboard "
                    "(or JSON lines with --headless, link events included), and "
                    "record the session so a crash loses at most "
                    f"{SYNC_INTERVAL_S:g} s of samples and no shown event. Ctrl-C "
                    "or SIGTERM stops cleanly.")
    p.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
    _add_protocol_option(p)
    p.add_argument("--baud", type=int, help="baud rate (default: the protocol's)")
    p.add_argument("--rate", type=float, metavar="HZ",
                   help="sampling rate of an ASCII sensor (default: estimated)")
    p.add_argument("--adc-scale", type=float, metavar="V_PER_COUNT",
                   help="volts per printed count (ASCII sensors)")
    p.add_argument("--headless", action="store_true",
                   help="print notices as JSON lines instead of the dashboard")
    p.add_argument("--record", default="emgspasm-sessions", metavar="DIR",
                   help="where session recordings go (default: emgspasm-sessions)")
    p.add_argument("--no-record", action="store_true", help="do not record")
    p.add_argument("--alert-spasm", type=float, default=30.0, metavar="S",
                   help="alert when a spasm runs longer than this (default 30 s)")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
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
    p.add_argument("--duration", type=float, default=600.0, metavar="S")
    p.add_argument("--rate", type=float, default=2000.0, metavar="HZ")
    p.add_argument("--channels", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--speed", type=float, default=1.0, help="1 = real time")
    p.add_argument("--truth", metavar="PATH", help="write the true events here")
    p.add_argument("--sfreq", type=float, help="for --file recordings that lack it")
    p.add_argument("--units", choices=["V", "mV", "uV"], help="for --file recordings")
    f = p.add_argument_group("faults")
    f.add_argument("--corrupt-rate", type=float, default=0.0, metavar="P",
                   help="probability a frame gets a flipped byte")
    f.add_argument("--drop-rate", type=float, default=0.0, metavar="P",
                   help="probability a frame is not sent")
    f.add_argument("--pause-at", type=float, default=-1.0, metavar="S")
    f.add_argument("--pause", type=float, default=0.0, metavar="S",
                   help="stall this long at --pause-at")
    f.add_argument("--disconnect-at", type=float, default=-1.0, metavar="S")
    f.add_argument("--disconnect", type=float, default=0.0, metavar="S",
                   help="remove the port this long at --disconnect-at")
    f.add_argument("--reboot-at", type=float, default=-1.0, metavar="S")
    f.add_argument("--reboot", type=float, default=0.0, metavar="S",
                   help="the device resets at --reboot-at: silent this long, then "
                        "its frame counter starts again at 0")
    p.set_defaults(func=_cmd_emulate)

    p = sub.add_parser(
        "recover", help="rebuild a session recording after a crash",
        description="Read a session folder left by 'monitor' (after a crash or "
                    "kill) and write recording_raw.fif and events.tsv.")
    p.add_argument("folder", metavar="DIR")
    p.set_defaults(func=_cmd_recover)

    p = sub.add_parser(
        "analyze", help="analyse recordings: events, summary and report per file",
        description="Analyse recorded sessions (EDF/BDF/FIF/BrainVision and what "
                    "else MNE reads, WFDB, CSV/TSV/TXT, .npy). Writes "
                    "<name>_events.tsv/.json, <name>_summary.json and "
                    "<name>_report.html per file. Several files run in parallel "
                    "on Dask.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--out", default="emgspasm-results", metavar="DIR",
                   help="output folder (default: emgspasm-results)")
    p.add_argument("--no-report", action="store_true", help="skip the HTML report")
    p.add_argument("--annotate", choices=["fif", "edf"],
                   help="also write the recording with the events as annotations")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local Dask worker processes (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="use an existing dask.distributed scheduler")
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
    p.add_argument("output", metavar="PATH")
    p.add_argument("--duration", type=float, default=120.0, metavar="S")
    p.add_argument("--rate", type=float, default=2000.0, metavar="HZ")
    p.add_argument("--channels", type=int, default=2)
    p.add_argument("--noise-uv", type=float, default=8.0)
    p.add_argument("--mains", type=float, default=50.0, choices=[50.0, 60.0])
    p.add_argument("--ecg-channels", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
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
