"""Student workers: ``toolkit serve`` shares phones' connections between itself and worker
processes, one process per core in all, so a hall of students uses every core; the staff
side stays in the server process.

One port, one printed ``Students join at`` URL. Each address belongs to one of the
processes (a hash of it), so the per-address limits count as in one process. The server
accepts every connection; one whose address belongs to a worker has the first line of its
request read (not taken): a student route goes to the worker with the connection itself
(its file descriptor, over a socket pair), and the worker serves everything else that phone
sends on it; anything else stays here. Workers start when the first phone connects (a lead
reading trends starts none), and one that dies is started again; until a worker is ready,
this process serves its phones.

Not with TLS (``certfile``): the request line cannot be read before the handshake, so one
process serves students, as it does with ``student_workers`` = 1.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import zlib

from tornado.ioloop import IOLoop

from .staff import StudentRoutes

log = logging.getLogger("toolkit.workers")

PEEK = 2048  # a request line longer than this is not one of the student routes
MOST = 8  # a laptop's cores; past this a worker adds memory, not speed
LAPTOP = ("127.0.0.1", "::1", "::ffff:127.0.0.1")  # the server's own machine: never a phone
RESTART_AFTER = 1.0  # seconds before a worker that died is started again
# Web settings of the server process the student handlers read (Host, origin and XSRF checks,
# headers); copied to each worker.
WEB_SETTINGS = ("allow_remote_access", "local_hostnames", "allow_origin", "allow_origin_pat", "allow_credentials",
                "headers", "xsrf_cookie_kwargs", "disable_check_xsrf")


def count(setting: int, cores: int | None = None) -> int:
    """How many processes serve students, the server process among them: the setting, or
    with 0 one per core (at most ``MOST``). 1 means the server process alone."""
    if setting:
        return setting
    if cores is None:
        try:
            cores = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cores = os.cpu_count() or 1
    return max(1, min(MOST, cores))


def web_settings(settings: dict) -> dict:
    """The server's web settings a worker needs, as JSON (a compiled pattern as its text)."""
    out = {}
    for name in WEB_SETTINGS:
        if name in settings:
            value = settings[name]
            out[name] = getattr(value, "pattern", value)
    return out


class Worker:
    """One worker process and the server's end of its socket pair."""

    def __init__(self, index: int, spec: dict):
        self.index = index
        self.born = time.monotonic()
        self.ready = False
        self.control, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            # Its own session: a Ctrl-C in the facilitator's terminal is for the server process,
            # which stops the workers itself.
            self.process = subprocess.Popen([sys.executable, "-m", "toolkit.server.worker", str(child.fileno())],
                                            pass_fds=[child.fileno()], start_new_session=True)
        finally:
            child.close()
        self.control.send(json.dumps(spec).encode())
        self.control.setblocking(False)

    def hand(self, connection: socket.socket, address) -> bool:
        """Give the worker this connection; False when it cannot take it now."""
        try:
            socket.send_fds(self.control, [json.dumps(address).encode()], [connection.fileno()])
        except OSError:  # its queue is full, or it has just died
            return False
        return True

    def close(self) -> None:
        self.ready = False
        try:
            self.control.close()
        except OSError:
            pass


class StudentWorkers:
    """The server process's side: starts the workers and routes each new connection.
    ``processes`` serve students: this one and ``processes - 1`` workers."""

    def __init__(self, processes: int, spec: dict, base_url: str, header_timeout: float,
                 logger: logging.Logger = log):
        self.log = logger
        self.processes = processes
        self.how_many = processes - 1
        self.spec = spec
        self.students = StudentRoutes(base_url)
        self.header_timeout = header_timeout
        self.workers: list[Worker | None] = [None] * self.how_many
        self.pending = 0  # connections whose first line has not come yet
        self.handed = 0
        self.started = False
        self._stopping = False

    # -- workers -------------------------------------------------------------------------
    def start(self) -> None:
        self.started = True
        for i in range(self.how_many):
            self._spawn(i)

    def _spawn(self, index: int) -> None:
        if self._stopping:
            return
        worker = Worker(index, self.spec)
        self.workers[index] = worker
        IOLoop.current().add_handler(worker.control, lambda fd, events: self._heard(worker), IOLoop.READ)

    def _heard(self, worker: Worker) -> None:
        """``ready`` from a worker, or the end of its socket: it has stopped."""
        try:
            message = worker.control.recv(64)
        except BlockingIOError:
            return
        except OSError:
            message = b""
        if message == b"ready":
            worker.ready = True
            self.log.info("toolkit: student worker %d of %d ready", worker.index + 1, self.how_many)
            return
        IOLoop.current().remove_handler(worker.control)
        worker.close()
        if self.workers[worker.index] is worker:
            self.workers[worker.index] = None
        if self._stopping:
            return
        code = worker.process.poll()
        self.log.warning("toolkit: a student worker stopped (%s); its phones reconnect and are served by the "
                         "server process until it has started again",
                         f"exit code {code}" if code is not None else "its socket closed")
        if code is None:
            worker.process.kill()
        # One that dies as it starts is not started in a tight loop.
        lived = time.monotonic() - worker.born
        IOLoop.current().call_later(RESTART_AFTER if lived > 10 else 10.0, self._respawn, worker)

    def _respawn(self, old: Worker) -> None:
        old.process.poll()  # reaped, not left a zombie
        if not self._stopping and self.workers[old.index] is None:
            self._spawn(old.index)

    def stop(self, wait: float = 5.0) -> None:
        """Close every worker's socket (each exits on its own), then make sure they have."""
        self._stopping = True
        running = [w for w in self.workers if w is not None]
        for worker in running:
            try:
                IOLoop.current().remove_handler(worker.control)
            except (KeyError, ValueError):
                pass
            worker.close()
        deadline = time.monotonic() + wait
        for worker in running:
            try:
                worker.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait(5)
        self.workers = [None] * self.how_many

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers if w is not None and w.ready]

    # -- connections ---------------------------------------------------------------------
    def hand_over(self, connection: socket.socket, address, here) -> None:
        """Route a connection just accepted: to its address's worker once its first request
        line says it is a student's, else ``here(connection, address)`` (the server process)."""
        host = str(address[0])
        if host in LAPTOP:  # the facilitator's own browser: staff pages, or a look at the join page
            here(connection, address)
            return
        slot = zlib.crc32(host.encode()) % self.processes
        worker = self.workers[slot - 1] if slot else None  # slot 0: this process's own addresses
        if not self.started:
            # Nothing starts until a phone asks for a student route.
            _FirstLine(self, worker, connection, address, here).wait()
        elif worker is None or not worker.ready:
            here(connection, address)
        else:
            _FirstLine(self, worker, connection, address, here).wait()


class _FirstLine:
    """Waits, without reading anything away, for the first line of a connection's request."""

    def __init__(self, workers: StudentWorkers, worker: Worker | None, connection: socket.socket, address, here):
        self.workers, self.worker, self.connection, self.address, self.here = workers, worker, connection, address, here
        self.loop = IOLoop.current()
        self.timeout = None
        self.listening = False
        self.finished = False

    def wait(self) -> None:
        self.connection.setblocking(False)
        self.workers.pending += 1
        # A phone sends its request as soon as it has connected: it is often here already.
        if self._look():
            return
        # A client that connects and says nothing is closed as tornado would close it.
        self.timeout = self.loop.call_later(self.workers.header_timeout, self._give_up)
        self._listen()

    def _listen(self) -> None:
        if self.finished:
            return
        self.listening = True
        self.loop.add_handler(self.connection, self._readable, IOLoop.READ)

    def _readable(self, fd, events) -> None:
        if self._look() is None:
            # The line is still arriving. The socket stays readable (nothing was taken), so look
            # again shortly rather than at once.
            self.loop.remove_handler(self.connection)
            self.listening = False
            self.loop.call_later(0.01, self._listen)

    def _look(self) -> bool | None:
        """Route the connection if its first line is here (True); False when nothing has
        arrived yet, None when part of the line has."""
        try:
            data = self.connection.recv(PEEK, socket.MSG_PEEK)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data:  # closed before it asked anything
            self._done()
            self.connection.close()
            return True
        end = data.find(b"\r\n")
        if end < 0 and len(data) < PEEK:
            return None
        self._done()
        student = self._is_student(data[:end] if end >= 0 else b"")
        if student and not self.workers.started:
            self.workers.start()  # the first phone: it is served here while they start
        if student and self.worker is not None and self.worker.ready and \
                self.worker.hand(self.connection, self.address):
            self.workers.handed += 1
            self.connection.close()  # the worker holds its own descriptor of the connection
        else:
            self.here(self.connection, self.address)
        return True

    def _is_student(self, line: bytes) -> bool:
        parts = line.split(b" ")
        if len(parts) != 3 or not parts[1].startswith(b"/"):
            return False
        path = parts[1].split(b"?", 1)[0].decode("latin-1")
        return path in self.workers.students

    def _done(self) -> None:
        self.finished = True
        self.workers.pending -= 1
        if self.listening:
            self.loop.remove_handler(self.connection)
            self.listening = False
        if self.timeout is not None:
            self.loop.remove_timeout(self.timeout)
            self.timeout = None

    def _give_up(self) -> None:
        self.timeout = None
        self._done()
        self.connection.close()
