"""The live view in a browser (``emgspasm monitor --web``).

:class:`~emgspasm.apps.web.view.WebView` serves a page showing, per channel,
the scrolling band-passed trace (min/max per pixel), the envelope, the
detection threshold and the events as they are confirmed, with levels,
quality and the event feed. The modules, each with one job:

* ``ring``: the last seconds of signal, decimated to a plot's pixels;
* ``marks``: the notices folded into what is drawn over the traces;
* ``frames``: the bytes of one websocket frame;
* ``server``: the page, the vendored uPlot and the websocket (starlette and
  uvicorn on a background thread; the ``web`` extra);
* ``view``: the monitor view that ties them together;
* ``cli_options``: ``--web``, ``--web-host``, ``--web-port``, ``--web-window``.
"""

from .cli_options import add_web_options, web_view

__all__ = ["WebView", "add_web_options", "web_view"]


def __getattr__(name):
    if name == "WebView":
        from .view import WebView
        return WebView
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
