"""The ``emgspasm`` command line.

Each subcommand lives in its own small function; heavy modules are imported
inside them, so ``emgspasm --help`` stays fast.
"""

import argparse
import sys

from . import __version__
from .errors import EmgSpasmError


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
    from .config import Config
    cfg = Config.from_toml(args.config) if args.config else Config()
    return cfg.with_overrides(args.overrides) if args.overrides else cfg


def _cmd_config(args):
    import json

    from .config import describe
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
