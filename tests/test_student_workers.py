"""Student workers: ``toolkit serve`` on a laptop of several cores hands phones' connections to
processes of their own on the same port and store (``toolkit/server/workers.py``).

As the README starts it: one printed ``Students join at`` URL; phones from many addresses
end up on every worker; a change reaches phones on every worker; a worker killed outright
mid-answer loses and doubles nothing, is started again, and its phones carry on; anything
but a student route asked on a phone's connection is sent back to the server process; the
workers stop with the server, however it stops.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
import time
import zlib
from urllib.parse import urlparse

import httpx
import psutil
import pytest

from support.phones import phone_address, phone_http
from support.server import start_server
from support.waiting import wait_for
from toolkit.server import workers as student_workers
from toolkit.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PHONES = 12


def default_env() -> dict:
    """Nothing, as the README starts it, on a laptop of two cores or more; on one core the
    default is the server process alone, so ask for two processes."""
    return {} if student_workers.count(0) >= 2 else {"TOOLKIT_STUDENT_WORKERS": "2"}


def expected_workers(env: dict) -> int:
    """Worker processes besides the server process, which serves its share of phones too."""
    return int(env.get("TOOLKIT_STUDENT_WORKERS") or student_workers.count(0)) - 1


def worker_processes(served) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(served.process.pid).children():
        try:
            if "toolkit.server.worker" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


def wake(served, how_many: int) -> None:
    """The workers start with the first phone's connection; wait until all say they are ready."""
    with phone_http(served.base_url, timeout=20) as client:
        assert client.get("toolkit/join").status_code == 200
    wait_for(lambda: served.log().count("student worker") >= how_many and
             all(f"student worker {i} of {how_many} ready" in served.log() for i in range(1, how_many + 1)),
             what=f"{how_many} student workers ready")


def worker_address() -> str:
    """A phone's address that belongs to a worker, not to the server process (as the server
    shares addresses out: ``workers.StudentWorkers.hand_over``)."""
    processes = expected_workers(default_env()) + 1
    while True:
        address = phone_address()
        if zlib.crc32(address.encode()) % processes:
            return address


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def phones_held(proc: psutil.Process, port: int) -> int:
    """Connections to the server's port this process holds open."""
    try:
        return sum(1 for c in proc.net_connections("tcp") if c.status == psutil.CONN_ESTABLISHED and
                   c.laddr and c.laddr.port == port)
    except psutil.Error:
        return 0


class Phone(threading.Thread):
    """A phone sorting cards over and over from an address of its own, each answer sent
    again until acknowledged (as the page does), and following its event stream."""

    def __init__(self, n: int, base_url: str, code: str, sort: dict):
        super().__init__(daemon=True)
        self.n, self.base_url, self.code, self.sort = n, base_url, code, sort
        self.address = phone_address()
        self.acked: list[tuple[str, str, float]] = []
        self.versions: list[int] = []
        self.stop = threading.Event()  # stops answering
        self.deaf = threading.Event()  # stops following the stream
        self.again = threading.Event()  # drops the stream and opens it again
        self.error: BaseException | None = None
        self.device: str | None = None

    def run(self) -> None:
        listener = threading.Thread(target=self.listen, daemon=True)
        listener.start()
        try:
            with phone_http(self.base_url, address=self.address, timeout=5) as client:
                xsrf = "workers-test-xsrf-%d" % self.n
                client.cookies.set("_xsrf", xsrf)
                i = 0
                while not self.stop.is_set():
                    card = self.sort["items"][i % len(self.sort["items"])]
                    value = self.sort["options"][(i + self.n) % len(self.sort["options"])]
                    self.send(client, xsrf, card, value)
                    i += 1
                    time.sleep(0.02)
        except BaseException as exc:  # surfaced by the test
            self.error = exc

    def send(self, client, xsrf: str, card: str, value: str) -> None:
        body = {"activity": self.sort["id"], "item": card, "value": value}
        while not self.stop.is_set():
            try:
                response = client.post(f"toolkit/api/sessions/{self.code}/responses", json=body,
                                       headers={"X-XSRFToken": xsrf})
            except httpx.TransportError:
                # Its connection went with the worker: the page sends it again.
                time.sleep(0.05)
                continue
            if response.status_code in (429, 503):
                time.sleep(0.1)
                continue
            assert response.status_code in (200, 201), response.text
            self.device = client.cookies.get("toolkit_device")
            self.acked.append((card, value, time.monotonic()))
            return

    def listen(self) -> None:
        """The event stream, reconnected after a drop as EventSource does."""
        url = f"toolkit/api/sessions/{self.code}/events"
        while not self.deaf.is_set():
            try:
                with phone_http(self.base_url, address=self.address, timeout=httpx.Timeout(5, read=20)) as client:
                    with client.stream("GET", url) as response:
                        for line in response.iter_lines():
                            if line.startswith("data: "):
                                data = json.loads(line[6:])  # a state, or a ping's version
                                self.versions.append(data["version"] if isinstance(data, dict) else data)
                            if self.deaf.is_set():
                                return
                            if self.again.is_set():
                                self.again.clear()
                                break
            except httpx.HTTPError:
                pass
            self.deaf.wait(0.2)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_killed_worker_loses_no_answer_and_every_worker_hears_every_change(backend, tmp_path, programme,
                                                                            request):
    db_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    env = default_env()
    how_many = expected_workers(env)
    served = start_server(tmp_path, db_url=db_url, env=env)
    try:
        port = urlparse(served.base_url).port
        assert list(served.lines).count("Students join at") == 1
        assert not worker_processes(served), "no worker before a phone connects"
        wake(served, how_many)
        assert len(worker_processes(served)) == how_many

        store = Store(served.db_url)
        session = store.start_session(programme)
        activity = next(a for a in session.activities if a.kind == "sort")
        session.go_to(activity.index)
        session.open_voting()
        sort = {"id": activity.id, "items": list(activity.items),
                "options": [o["id"] for o in session.programme.options(activity)]}
        phones = [Phone(n, served.base_url, session.code, sort) for n in range(PHONES)]
        for phone in phones:
            phone.start()
        try:
            wait_for(lambda: all(len(p.acked) >= 5 and p.versions for p in phones), timeout=60,
                     what="every phone answering and following its stream")
            # Phones from many addresses end up on every worker, and on the server process too.
            held = {w.pid: phones_held(w, port) for w in worker_processes(served)}
            held["server"] = phones_held(psutil.Process(served.process.pid), port)
            assert len(held) == how_many + 1 and all(held.values()), held

            # One worker killed outright, mid-answer.
            victim = max(worker_processes(served), key=lambda w: phones_held(w, port))
            on_victim = phones_held(victim, port)
            acked_before = sum(len(p.acked) for p in phones)
            victim.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            wait_for(lambda: "a student worker stopped" in served.log(), what="the server noticing")
            wait_for(lambda: len(worker_processes(served)) == how_many and
                     victim.pid not in [w.pid for w in worker_processes(served)] and
                     len(re.findall(r"student worker \d+ of \d+ ready", served.log())) > how_many,
                     timeout=60, what="the worker started again")
            after = lambda: [sum(1 for *_, when in p.acked if when > killed_at) for p in phones]  # noqa: E731
            try:
                wait_for(lambda: min(after()) >= 5, timeout=60, what="every phone answering after the kill")
            except AssertionError as exc:
                raise AssertionError(f"{exc}: answers since, by phone {after()}; "
                                     f"log {served.log()[-3000:]}") from None
            assert sum(len(p.acked) for p in phones) > acked_before
            for phone in phones:
                phone.stop.set()
            for phone in phones:
                phone.join(30)

            # A change made by the facilitator reaches the phones on every worker, the new one too
            # (the killed worker's phones were served by the server process meanwhile: a page
            # reloaded, or its stream dropped by the network, comes back to a worker).
            for phone in phones:
                phone.again.set()
            wait_for(lambda: all(phones_held(w, port) for w in worker_processes(served)), timeout=30,
                     what="phones' streams on every worker again")
            held = {w.pid: phones_held(w, port) for w in worker_processes(served)}
            assert len(held) == how_many and all(held.values()), held
            version = session.refresh().version
            session.reveal()
            wait_for(lambda: all(p.versions and max(p.versions) > version for p in phones), timeout=20,
                     what="the reveal on every phone's stream")
        finally:
            for phone in phones:
                phone.stop.set()
                phone.deaf.set()
            for phone in phones:
                phone.join(30)
        for p in phones:
            assert p.error is None, p.error
        # Whether a phone's request was in flight at the kill is chance (an idle kept-alive
        # connection found closed is replaced before the request is sent); that phones were
        # connected to the worker killed is not.
        assert on_victim, "some phones were on the killed worker"

        # Every acknowledged answer is there with its last value, and nothing twice.
        for p in phones:
            last = {card: value for card, value, _ in p.acked}
            assert store.my_answers(session.code, p.device, sort["id"]) == last, f"phone {p.n}"
        assert len(store.responses(session.code)) == PHONES * len(sort["items"])
        store.close()
        assert "Traceback" not in served.log()
        pids = [w.pid for w in worker_processes(served)]
    finally:
        served.stop()
    wait_for(lambda: not any(alive(pid) for pid in pids), what="the workers gone with the server")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    env = default_env()
    s = start_server(tmp_path_factory.mktemp("workers"), env=env)
    wake(s, expected_workers(env))
    yield s
    s.stop()


def test_a_staff_request_on_a_phones_connection_is_sent_back_to_the_server_process(served):
    with phone_http(served.base_url, address=worker_address(), timeout=10) as client:
        assert client.get("toolkit/join").status_code == 200  # this connection now belongs to a worker
        again = client.get("api/status", follow_redirects=False)
        assert again.status_code == 307
        assert again.headers["location"] == "/api/status" and again.headers["connection"] == "close"
        # Asked again, on a new connection: the server process answers, and to a phone it is staff only.
        answer = client.get("api/status")
        assert answer.status_code == 403


def test_a_request_line_that_arrives_slowly_still_reaches_the_join_page(served):
    port = urlparse(served.base_url).port
    with socket.create_connection(("127.0.0.1", port), source_address=(worker_address(), 0), timeout=10) as s:
        for part in (b"GE", b"T /toolkit/jo", b"in HTTP/1.1\r\n", b"Host: 127.0.0.1:%d\r\n" % port,
                     b"Connection: close\r\n\r\n"):
            s.sendall(part)
            time.sleep(0.05)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200") and b"<form" in reply


def test_a_connection_that_says_nothing_is_closed(served):
    port = urlparse(served.base_url).port
    timeout = float(os.environ.get("TOOLKIT_HEADER_TIMEOUT") or 5.0)
    with socket.create_connection(("127.0.0.1", port), source_address=(worker_address(), 0)) as s:
        s.settimeout(timeout + 10)
        started = time.monotonic()
        assert s.recv(1) == b""
        assert time.monotonic() - started >= timeout - 0.5


def test_one_worker_is_the_server_process_itself(tmp_path, programme):
    served = start_server(tmp_path, env={"TOOLKIT_STUDENT_WORKERS": "1"})
    try:
        store = Store(served.db_url)
        session = store.start_session(programme)
        with phone_http(served.base_url, timeout=10) as client:
            client.cookies.set("_xsrf", "one-worker")
            joined = client.post(f"toolkit/api/sessions/{session.code}/join", json={},
                                 headers={"X-XSRFToken": "one-worker"})
            assert joined.status_code == 201
        # A worker starts as the first phone connects, before that phone is answered: none did.
        assert not worker_processes(served)
        assert session.refresh().respondents == 1
        store.close()
    finally:
        served.stop()


@pytest.mark.parametrize("how", ["terminate", "kill"])
def test_the_workers_stop_with_the_server(tmp_path, how):
    env = default_env()
    served = start_server(tmp_path, env=env)
    wake(served, expected_workers(env))
    pids = [w.pid for w in worker_processes(served)]
    assert pids
    served.stop(kill=how == "kill")
    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=20, what="the workers gone with the server")
    if how == "terminate":  # a clean stop, seconds after the start: nothing complained
        assert "Traceback" not in served.log() and "[E " not in served.log(), served.log()[-3000:]
