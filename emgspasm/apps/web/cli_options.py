"""The web view's command-line options, and the view they ask for."""

import argparse

#: Highest TCP port number.
MAX_PORT = 65535


def _port(text):
    """argparse type of ``--web-port``: a TCP port number, 0 for a free one."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"invalid port {text!r}: allowed are whole numbers from 0 to {MAX_PORT} "
            "(0 picks a free port)")
    return port


def _seconds(text):
    """argparse type of ``--web-window``: seconds on screen."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0.5 <= value <= 600:
        raise argparse.ArgumentTypeError(
            f"invalid window {text!r}: allowed are 0.5 to 600 seconds")
    return value


def add_web_options(parser):
    """Add ``--web``, ``--web-host``, ``--web-port`` and ``--web-window`` to
    ``parser`` (the ``monitor`` subcommand's)."""
    g = parser.add_argument_group("live view in a browser")
    g.add_argument("--web", action="store_true",
                   help="also serve the live view as a web page (its address is printed)")
    g.add_argument("--web-host", default="127.0.0.1", metavar="ADDRESS",
                   help="address to serve on (default 127.0.0.1: this machine only; "
                        "0.0.0.0 shows the session to the whole network)")
    g.add_argument("--web-port", type=_port, default=8765, metavar="PORT",
                   help="TCP port (default 8765; 0 picks a free one)")
    g.add_argument("--web-window", type=_seconds, default=10.0, metavar="S",
                   help="seconds of signal on screen (default 10)")
    return parser


def web_view(args, inner_view):
    """The view that ``args`` ask for: ``inner_view`` alone, or with ``--web``
    a :class:`~emgspasm.apps.web.view.WebView` running alongside it."""
    if not args.web:
        return inner_view
    from .view import WebView
    return WebView(inner_view, host=args.web_host, port=args.web_port,
                   window_s=args.web_window)
