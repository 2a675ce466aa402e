"""The web view's server: the page, the vendored uPlot, and one websocket.

A starlette app served by uvicorn on its own thread and event loop. The
session's thread hands frames over with :meth:`WebServer.publish`, which
never waits: each client has a mailbox of one frame, a frame that arrives
while the previous one is still waiting replaces it (counted as dropped for
that client), and each client is sent to by its own task, so a slow client
or one that vanished holds up nobody but itself.

The websocket (``/ws``) first sends a ``hello`` text message (channels,
sampling rate, time window, the detector's ``on_snr``) once the session knows them, then
binary frames (see :mod:`emgspasm.apps.web.frames`), and an ``end`` text
message when the session ends. The page sends ``{"width": pixels}``, the
pixel width of its plots, and again whenever it changes.
"""

import asyncio
import contextlib
import json
import math
import socket
import threading
import time
from collections import deque
from importlib import resources

from ..._check import check_number, invalid
from ...errors import ConfigError
from ...outputs.vendor import asset
from . import frames
from .cli_options import MAX_PORT

#: Pixel width assumed for a client until it tells its own.
DEFAULT_WIDTH = 1000
#: A client's pixel width is taken within these bounds.
MIN_WIDTH, MAX_WIDTH = 50, 8000
#: Kernel send buffer of each connection (Linux doubles it): frames a slow
#: page cannot take are dropped here instead of queueing up as latency.
SEND_BUFFER_BYTES = 256 * 1024
#: Seconds to wait for the server's thread to start, for pages to be closed
#: (a page that stopped reading is cut off after it), and for the thread to end.
START_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 1.0
STOP_TIMEOUT_S = 5.0

_PAGE = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/app.css": ("app.css", "text/css; charset=utf-8"),
}
_VENDOR = {
    "/vendor/uPlot.iife.min.js": ("uplot/uPlot.iife.min.js", "text/javascript; charset=utf-8"),
    "/vendor/uPlot.min.css": ("uplot/uPlot.min.css", "text/css; charset=utf-8"),
}


class _Client:
    """One connected page: its pixel width, its mailbox and its counters."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.width = DEFAULT_WIDTH
        self.outbox = deque()  # in order, never dropped: texts, and a frame a text followed
        self.pending = None  # the newest frame not yet sent
        self.ready = asyncio.Event()
        self.sent = 0
        self.dropped = 0

    def offer(self, message):
        """Put a frame (bytes) in the mailbox, or queue a text message (on the
        server's loop)."""
        if isinstance(message, str):
            if self.pending is not None:
                # the frame offered before a text goes before it (the last
                # frame before "end" must not arrive after it)
                self.outbox.append(self.pending)
                self.pending = None
            self.outbox.append(message)
        else:
            if self.pending is not None:
                self.dropped += 1
            self.pending = message
        self.ready.set()

    async def send_loop(self):
        while True:
            await self.ready.wait()
            self.ready.clear()
            while self.outbox:
                await self._send(self.outbox.popleft())
            message, self.pending = self.pending, None
            if message is not None:
                await self._send(message)

    async def _send(self, message):
        if isinstance(message, str):
            await self.websocket.send_text(message)
        else:
            await self.websocket.send_bytes(message)
            self.sent += 1

    def take_width(self, text):
        """Read a ``{"width": n}`` message from the page; anything else is ignored."""
        try:
            width = json.loads(text)["width"]
        except (ValueError, KeyError, TypeError):
            return
        if isinstance(width, (int, float)) and not isinstance(width, bool) \
                and not math.isnan(width):
            self.width = int(min(MAX_WIDTH, max(MIN_WIDTH, width)))


class WebServer:
    """Serve the live page on ``host:port`` from a background thread.

    Parameters
    ----------
    host : str
        Address to bind; ``127.0.0.1`` (this machine only) unless told otherwise.
    port : int
        TCP port; 0 picks a free one (see :attr:`port`).

    Raises
    ------
    ConfigError
        A port out of range, or an address that cannot be bound (in use,
        not this machine's), naming the option that fixes it.
    """

    def __init__(self, host="127.0.0.1", port=0):
        if not isinstance(host, str) or not host:
            raise invalid("web_host", "an IP address or host name of this machine", host)
        port = check_number("web_port", port, 0, MAX_PORT, integer=True)
        self.host = host
        try:
            self._socket = socket.create_server((host, port))
            # connections inherit it from the listening socket
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        except OSError as exc:
            raise ConfigError(
                f"Cannot serve the web view on {host}:{port}: {exc.strerror or exc}. "
                "Choose another --web-port (0 picks a free one) or a --web-host "
                "of this machine.") from exc
        self.port = self._socket.getsockname()[1]
        self._clients = {}
        self._lock = threading.Lock()
        self._hello = None
        self._loop = None
        self._server = None
        self._thread = None
        self._started = threading.Event()
        self._news = threading.Event()  # a page came, or changed its width
        self.gone_sent = 0
        self.gone_dropped = 0

    @property
    def url(self):
        """Where the page is."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def n_clients(self):
        """Pages connected now."""
        with self._lock:
            return len(self._clients)

    def counters(self):
        """Frames sent and dropped, per connected client and in total.

        Returns
        -------
        counters : dict
            ``clients`` (a list of ``{"width", "sent", "dropped"}``), ``sent``
            and ``dropped`` (every client's, including those that left).
        """
        with self._lock:
            clients = [{"width": c.width, "sent": c.sent, "dropped": c.dropped}
                       for c in self._clients.values()]
        return {"clients": clients,
                "sent": self.gone_sent + sum(c["sent"] for c in clients),
                "dropped": self.gone_dropped + sum(c["dropped"] for c in clients)}

    # -- the session's side -------------------------------------------------

    def start(self):
        """Start serving (returns once the server accepts connections)."""
        import uvicorn

        config = uvicorn.Config(self._app(), log_level="warning", lifespan="on",
                                ws="websockets-sansio",
                                timeout_graceful_shutdown=CLOSE_TIMEOUT_S)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]},
            name="emgspasm-web", daemon=True)
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S):
            raise RuntimeError(f"the web view's server did not start within "
                               f"{START_TIMEOUT_S:g} s")
        return self

    def take_news(self):
        """True once after a page connected or changed its width: it wants a
        frame even if the session has nothing new."""
        news = self._news.is_set()
        self._news.clear()
        return news

    def hello(self, info):
        """Tell every page (and every page that connects later) what the
        session is: a JSON-ready dict (channels, rate, window, ``on_snr``)."""
        self._hello = json.dumps({"type": "hello", **info})
        self._broadcast(lambda client: self._hello)

    def publish(self, header, decimate):
        """Send a frame to every page, at its own pixel width; never waits.

        Parameters
        ----------
        header : dict
            What every page gets (JSON-ready).
        decimate : callable
            ``decimate(width)``: the :class:`~emgspasm.apps.web.ring.Decimated`
            window at ``width`` pixels (called once per width in use).
        """
        by_width = {}

        def message(client):
            if client.width not in by_width:
                by_width[client.width] = frames.payload(decimate(client.width))
            placement, data = by_width[client.width]
            return frames.frame({**header, **placement, "dropped": client.dropped,
                                 "published_ms": time.time() * 1e3}, data)

        self._broadcast(message)

    def end(self):
        """Tell every page the session has ended."""
        self._broadcast(lambda client: json.dumps({"type": "end"}))

    def stop(self):
        """Stop serving: pages are disconnected, the port is freed."""
        if self._server is not None:
            done = asyncio.run_coroutine_threadsafe(self._disconnect(), self._loop)
            with contextlib.suppress(TimeoutError):
                done.result(STOP_TIMEOUT_S)
            self._server.should_exit = True
            self._thread.join(STOP_TIMEOUT_S)
        self._socket.close()

    async def _disconnect(self):
        """Close every connection: politely (a close frame after what was
        queued), and after :data:`CLOSE_TIMEOUT_S` cut off those that stopped
        reading (their frames can never be delivered)."""
        state = self._server.server_state
        for connection in list(state.connections):
            # a page whose own close frame came in is answered and closing
            # already: it leaves the list on its own (shutting it down again
            # would send a second close frame, which websockets refuses)
            if not connection.transport.is_closing():
                connection.shutdown()
        deadline = time.monotonic() + CLOSE_TIMEOUT_S
        while state.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for connection in list(state.connections):
            connection.transport.abort()

    def _broadcast(self, make):
        """Offer ``make(client)`` to every client: made here, on the caller's
        thread, and handed to the server's loop without waiting."""
        if self._loop is None:
            return
        with self._lock:
            clients = list(self._clients.values())
        for client in clients:
            self._loop.call_soon_threadsafe(client.offer, make(client))

    # -- the server's side --------------------------------------------------

    def _app(self):
        from starlette.applications import Starlette
        from starlette.responses import Response
        from starlette.routing import Route, WebSocketRoute

        page = resources.files(__package__).joinpath("page")
        files = {path: (page.joinpath(name).read_bytes(), kind)
                 for path, (name, kind) in _PAGE.items()}
        files.update({path: (asset(name).encode(), kind)
                      for path, (name, kind) in _VENDOR.items()})

        def static(path):
            content, kind = files[path]

            async def endpoint(request):
                return Response(content, media_type=kind,
                                headers={"Cache-Control": "no-store"})
            return Route(path, endpoint)

        @contextlib.asynccontextmanager
        async def lifespan(app):
            self._loop = asyncio.get_running_loop()
            self._started.set()
            yield

        routes = [static(path) for path in files]
        routes.append(WebSocketRoute("/ws", self._websocket))
        return Starlette(routes=routes, lifespan=lifespan)

    async def _websocket(self, websocket):
        await websocket.accept()
        client = _Client(websocket)
        with self._lock:
            self._clients[id(client)] = client
        if self._hello is not None:
            client.offer(self._hello)
        self._news.set()
        sender = asyncio.create_task(client.send_loop())
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("text"):
                    client.take_width(message["text"])
                    self._news.set()
        finally:
            sender.cancel()
            with self._lock:
                del self._clients[id(client)]
                self.gone_sent += client.sent
                self.gone_dropped += client.dropped
            # a send that failed because the page went away ends the sender too
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
