"""A student worker: a process of its own that serves phones' connections handed to it by
``toolkit serve`` (``workers.StudentWorkers``), so that students use every core.

It answers the student routes only, with the same handlers, limits and private logging as
the server process, on the same store: live events reach its phones through its own
watcher, which reads the store's versions as every server process does. Anything else asked
on one of its connections (a staff page, the favicon) is sent back to the same address on a
new connection, which the server process keeps.

Started as ``python -m toolkit.server.worker FD`` with one end of a socket pair: the first
message on it is the worker's settings (JSON; the store's address never appears on a
command line), every later one a connection with its peer's address. The worker says
``ready`` once it listens, and exits when the server process closes its end or dies.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys

from jupyter_server.utils import url_path_join
from tornado import web
from tornado.ioloop import IOLoop
from jupyter_server.auth.identity import IdentityProvider
from jupyter_server.log import log_request
from tornado.log import LogFormatter, access_log, app_log, gen_log

from . import connections, routes
from .base import error_for_status
from .quietlog import keep_addresses_out_of, private_log_function

MESSAGE = 4096  # a hand-over message: the peer's address as JSON
SPEC = 64 * 1024  # the settings message


class ElsewhereOnThisServer(web.RequestHandler):
    """Anything but a student route, asked on a connection the worker holds: the same
    address again on a new connection (``Connection: close``), which the server process
    takes. A browser that opened the join page and then a staff page at the same address
    can reuse its connection; the answer costs it one round trip."""

    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

    def check_xsrf_cookie(self) -> None:
        pass  # nothing is done here; the server process checks the request it is sent again

    def _request_summary(self) -> str:
        return f"{self.request.method} {self.request.path}"

    def initialize(self, prefix: str) -> None:
        self.prefix = prefix

    def prepare(self):
        if self.request.path.startswith(self.prefix):
            # Under the student side's own prefix nothing is staff's: there is nothing here.
            self.set_status(404)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(error_for_status(404, "there is nothing at this address")))
            return
        # No host or origin check: nothing is answered here but where to ask again.
        self.set_status(307)
        self.set_header("Location", self.request.uri)
        self.set_header("Connection", "close")
        self.set_header("Cache-Control", "no-store")
        self.finish()


def application(ctx, spec: dict) -> web.Application:
    """The student routes under the server's base URL, with the web settings the server
    process gave its own handlers (Host and origin checks, XSRF cookie, headers)."""
    base_url = spec["base_url"]
    handlers = [(url_path_join(base_url, pattern.lstrip("/")), handler, kwargs)
                for pattern, handler, kwargs in routes.handlers(ctx)]
    handlers.append((r".*", ElsewhereOnThisServer, {"prefix": ctx.prefix}))
    # Nobody logs in on a worker: an identity provider without a token, for Jupyter's origin check.
    settings = dict(spec["web"], base_url=base_url, xsrf_cookies=True, serverapp=None,
                    identity_provider=IdentityProvider(token=""),
                    log_function=private_log_function(log_request, ctx.prefix))
    return web.Application(handlers, **settings)


def context(spec: dict, open_files: int):
    from ..store import Store
    from .context import Context
    store = Store(spec["db_url"], check=False)
    settings = dict(spec["context"])
    settings["max_streams"] = settings["max_streams"] or connections.stream_cap(open_files)
    ctx = Context(store, spec["base_url"], **settings)
    ctx.join_url = spec.get("join_url")
    return ctx


def _logging(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogFormatter(fmt="%(color)s[%(levelname)1.1s %(asctime)s.%(msecs).03d %(name)s "
                                          f"worker {os.getpid()}]%(end_color)s %(message)s",
                                      datefmt="%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    keep_addresses_out_of(app_log, gen_log, access_log)


class Worker:
    """Takes connections from the control socket and serves them on the student routes."""

    def __init__(self, control: socket.socket, spec: dict):
        self.control = control
        open_files = connections.raise_open_file_limit()
        self.ctx = context(spec, open_files)
        self.server = connections.GuardedHTTPServer(
            application(self.ctx, spec), xheaders=spec["xheaders"], max_body_size=spec["max_body_size"],
            max_buffer_size=spec["max_buffer_size"], header_timeout=spec["header_timeout"],
            max_connections=connections.connection_cap(open_files))
        self.done = asyncio.Event()

    def start(self) -> None:
        self.control.setblocking(False)
        IOLoop.current().add_handler(self.control, self._receive, IOLoop.READ)
        self.control.send(b"ready")

    def _receive(self, fd, events) -> None:
        for _ in range(64):
            try:
                message, fds, _, _ = socket.recv_fds(self.control, MESSAGE, 1)
            except BlockingIOError:
                return
            except OSError:
                message, fds = b"", []
            if not message:  # the server process closed its end, or died
                for fd_ in fds:
                    os.close(fd_)
                IOLoop.current().remove_handler(self.control)
                self.done.set()
                return
            for i, fd_ in enumerate(fds):
                connection = socket.socket(fileno=fd_)
                if i:
                    connection.close()  # one connection per message; never more
                    continue
                connection.setblocking(False)
                address = json.loads(message)
                self.server._handle_connection(connection, tuple(address))

    async def close(self) -> None:
        self.server.stop()
        await self.ctx.close()
        self.ctx.store.close()


async def main(fd: int) -> None:
    control = socket.socket(fileno=fd)
    control.setblocking(True)
    try:
        spec = control.recv(SPEC)
    except OSError:
        spec = b""
    if not spec:
        return  # the server stopped before this worker started: nothing to serve
    spec = json.loads(spec)
    _logging(spec.get("log_level", logging.INFO))
    worker = Worker(control, spec)
    try:
        worker.start()
    except OSError:  # the server stopped while this worker started
        worker.done.set()
    await worker.done.wait()
    await worker.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
