"""Connections for ``toolkit serve``: as many open files as the system allows, a cap below
that, slow or silent clients closed early, and a flood of connections logged once, not
once per connection.

A hall of phones each holds an event stream (one open file) for the whole lesson, and a
joker on the same Wi-Fi can open connections and never finish a request. Without these,
tornado keeps a connection that never sends its headers for an hour, and once the process
runs out of files its accept loop raises on every turn of the event loop, writing a
traceback each time until the disk fills.
"""

from __future__ import annotations

import errno
import logging
import resource
import time

from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop

log = logging.getLogger("toolkit.connections")

# Files the process needs besides its connections: kernels' sockets, the database, templates.
RESERVE = 256
STREAMS_AT_MOST = 10_000
_OUT_OF_FILES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


def raise_open_file_limit() -> int:
    """Raise this process's open-file limit to the hard limit (or the kernel's ceiling);
    returns the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    targets = [hard] if hard != resource.RLIM_INFINITY else []
    try:
        with open("/proc/sys/fs/nr_open") as f:
            targets.append(int(f.read()))
    except (OSError, ValueError):
        pass
    targets.append(65536)
    for target in targets:
        if target <= soft:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        except (ValueError, OSError):
            continue
    return soft


def open_file_limit() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def connection_cap(limit: int) -> int:
    """Connections held at once: the open-file limit less what the process needs besides."""
    return max(32, limit - min(RESERVE, limit // 4))


def stream_cap(limit: int) -> int:
    """Event streams held at once: most of the connections, leaving room for other requests."""
    return max(16, min(STREAMS_AT_MOST, connection_cap(limit) * 3 // 4))


class OnceAMinute:
    """Logs a repeated condition once a minute, with how often it happened meanwhile."""

    def __init__(self, message: str, every: float = 60.0, clock=time.monotonic):
        self.message = message
        self.every = every
        self.clock = clock
        self.count = 0
        self._last: float | None = None

    def __call__(self, *args) -> None:
        self.count += 1
        now = self.clock()
        if self._last is None or now - self._last >= self.every:
            log.warning(self.message + " (%d times since the last message)", *args, self.count)
            self._last = now
            self.count = 0


class GuardedHTTPServer(HTTPServer):
    """tornado's HTTP server with a cap on connections, a header timeout and a quiet accept loop."""

    def initialize(self, *args, max_connections: int = 1024, header_timeout: float = 5.0, **kwargs):
        super().initialize(*args, **kwargs)
        # tornado waits this long for each request's headers (and between requests on a kept-alive
        # connection): a client that connects and says nothing, or sends half a request, is closed.
        self.conn_params.header_timeout = header_timeout
        self.max_connections = max_connections
        # Student workers (``workers.StudentWorkers``), when the server has them: each new
        # connection goes through ``handoff.hand_over(connection, address, serve_here)``.
        self.handoff = None
        self._over_cap = OnceAMinute("toolkit: %d connections open, the most this server holds: refusing new ones")
        self._out_of_files = OnceAMinute("toolkit: out of open files (%s): pausing new connections briefly")

    def handle_stream(self, stream, address) -> None:
        if len(self._connections) >= self.max_connections:
            self._over_cap(len(self._connections))
            stream.close()
            return
        super().handle_stream(stream, address)

    def add_sockets(self, sockets) -> None:
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = self._accept_quietly(sock)

    def _accept_quietly(self, sock):
        """tornado's accept loop, except that running out of files pauses accepting for a
        moment with one line in the log, instead of raising on every turn of the loop."""
        io_loop = IOLoop.current()
        state = {"removed": False, "paused": None}

        def accept(fd, events) -> None:
            for _ in range(128):
                if state["removed"]:
                    return
                try:
                    connection, address = sock.accept()
                except BlockingIOError:
                    return
                except ConnectionAbortedError:
                    continue
                except OSError as exc:
                    if exc.errno not in _OUT_OF_FILES:
                        raise
                    self._out_of_files(errno.errorcode.get(exc.errno, str(exc.errno)))
                    io_loop.remove_handler(sock)
                    state["paused"] = io_loop.call_later(0.5, resume)
                    return
                if self.handoff is not None:
                    if len(self._connections) + self.handoff.pending >= self.max_connections:
                        self._over_cap(len(self._connections) + self.handoff.pending)
                        connection.close()
                        continue
                    self.handoff.hand_over(connection, address, self._handle_connection)
                else:
                    self._handle_connection(connection, address)

        def resume() -> None:
            state["paused"] = None
            if not state["removed"]:
                io_loop.add_handler(sock, accept, IOLoop.READ)

        def remove() -> None:
            if state["paused"] is not None:
                io_loop.remove_timeout(state["paused"])
            else:
                io_loop.remove_handler(sock)
            state["removed"] = True

        io_loop.add_handler(sock, accept, IOLoop.READ)
        return remove


def guard_http_server(serverapp, *, header_timeout: float, max_connections: int) -> GuardedHTTPServer:
    """Replace the server ``serverapp.initialize()`` made, before it listens, with a guarded
    one on the same settings (TLS, forwarded headers, body and buffer limits)."""
    server = GuardedHTTPServer(serverapp.web_app, ssl_options=serverapp.ssl_options,
                               xheaders=serverapp.trust_xheaders, max_body_size=serverapp.max_body_size,
                               max_buffer_size=serverapp.max_buffer_size, max_connections=max_connections,
                               header_timeout=header_timeout)
    serverapp._http_server = server
    return server
