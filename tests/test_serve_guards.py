"""``toolkit serve`` in the hall and against the joker: the join address it is told, the token
out of the address bar, event streams capped, silent connections closed, huge bodies never
held, and a flood of connections that neither stops the server nor fills its log.

Each runs against a real ``toolkit serve`` started as the README says, and talks to it over
real sockets.
"""

from __future__ import annotations

import socket
import threading
import time

import httpx
import psutil
import pytest

from support.server import start_server
from toolkit.server.qr import join_qr_svg
from toolkit.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

PUBLIC_JOIN = "https://workshop.example.org/year9/toolkit/join"
MAX_STREAMS = 60


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Behind a proxy that publishes the join page at PUBLIC_JOIN (README: TOOLKIT_JOIN_URL),
    with the total of event streams set low enough to reach."""
    server = start_server(tmp_path_factory.mktemp("guards"), env={"TOOLKIT_JOIN_URL": PUBLIC_JOIN},
                          args=[f"--ToolkitApp.max_streams={MAX_STREAMS}"])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def code(served):
    store = Store(served.db_url)
    session = store.start_session("short-25")
    yield session.code
    store.close()


def connect(served, source: str = "127.0.0.1") -> socket.socket:
    port = httpx.URL(served.base_url).port
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    return sock


def open_stream(served, code: str, source: str = "127.0.0.1") -> tuple[socket.socket, int, str]:
    """An event stream held open from ``source``: (the socket, the status it was answered
    with, and the answer's start)."""
    sock = connect(served, source)
    sock.sendall(f"GET /toolkit/api/sessions/{code}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    status = int(head.split()[1])
    if status != 200:
        sock.settimeout(5)
        while b"}}" not in head and (chunk := sock.recv(4096)):  # the error's JSON, however it arrives
            head += chunk
    return sock, status, head.decode(errors="replace")


def closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


# -- item 2: the join address the server is told ------------------------------------------

def test_the_printed_join_line_and_the_qr_code_show_the_join_url(served, code):
    assert served.lines["Students join at"] == PUBLIC_JOIN
    svg = httpx.get(served.url(f"toolkit/qr.svg?code={code}"), timeout=10)
    assert svg.status_code == 200
    assert svg.text == join_qr_svg(f"{PUBLIC_JOIN}?code={code}")
    assert svg.text != join_qr_svg(f"{served.base_url}toolkit/join?code={code}")


# -- item 3: the token leaves the address bar ----------------------------------------------

def test_a_token_in_the_address_is_traded_for_the_login_cookie_and_a_clean_address(served):
    with httpx.Client(base_url=served.base_url, timeout=20, follow_redirects=False) as browser:
        opened = browser.get("voila/tree", params={"theme": "dark", "token": served.token, "reset": ""})
        assert opened.status_code == 303
        assert opened.headers["Location"] == "/voila/tree?theme=dark&reset="
        assert opened.headers["Cache-Control"] == "no-store" and "token" not in opened.headers["Location"]
        assert browser.cookies, "the login cookie is set"
        listing = browser.get("voila/tree?theme=dark&reset=")
        assert listing.status_code == 200 and "Voilà Home" in listing.text, "the clean address opens"
        assert browser.get("api/kernels").status_code == 200

    with httpx.Client(base_url=served.base_url, timeout=20, follow_redirects=False) as stranger:
        wrong = stranger.get("voila/render/facilitator.ipynb", params={"token": "not-the-token"})
        assert wrong.status_code == 303 and wrong.headers["Location"] == "/voila/render/facilitator.ipynb"
        assert not stranger.cookies.get("username-127-0-0-1-" + str(httpx.URL(served.base_url).port))
        then = stranger.get(wrong.headers["Location"])
        assert then.status_code == 302 and "/login" in then.headers["Location"]

    # Scripts that pass the token to Jupyter's API keep working, without a redirect.
    assert httpx.get(served.url("api/status", auth=True), timeout=10).status_code == 200


# -- item 6: event streams, silent connections, floods --------------------------------------

def test_event_streams_are_capped_per_address_and_in_total(served, code):
    held = []
    try:
        for _ in range(50):  # the default per address: a class behind one NAT still streams
            sock, status, head = open_stream(served, code)
            assert status == 200
            held.append(sock)
        sock, status, head = open_stream(served, code)
        assert status == 429
        assert '"kind": "too_many_requests"' in head and "live connections from this network" in head
        sock.close()
        # Another address still gets its streams, up to the total.
        for i in range(MAX_STREAMS - 50):
            sock, status, head = open_stream(served, code, source="127.0.0.2")
            assert status == 200, i
            held.append(sock)
        sock, status, head = open_stream(served, code, source="127.0.0.3")
        assert status == 503
        sock.close()
        # A stream that closes gives its slot back.
        held.pop().close()
        deadline = time.monotonic() + 10
        while True:
            sock, status, head = open_stream(served, code, source="127.0.0.3")
            if status == 200 or time.monotonic() > deadline:
                break
            sock.close()
            time.sleep(0.2)
        assert status == 200
        held.append(sock)
        # The page itself still answers: a refused stream means polling, not a broken lesson.
        assert httpx.get(served.url(f"toolkit/api/sessions/{code}"), timeout=10).status_code == 200
    finally:
        for sock in held:
            sock.close()


def test_connections_that_do_not_finish_their_headers_are_closed_within_seconds(served):
    half = []
    for i in range(40):
        sock = connect(served)
        sock.sendall(b"GET /toolkit/join HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * i)
        half.append(sock)
    silent = [connect(served) for _ in range(10)]
    started = time.monotonic()
    assert all(closed_by_server(sock, within=15) for sock in half + silent)
    assert time.monotonic() - started < 12, "closed within a few seconds (the default header timeout is 5 s)"
    for sock in half + silent:
        sock.close()
    assert httpx.get(served.url("toolkit/join"), timeout=10).status_code == 200


# -- item 7: body and buffer limits -----------------------------------------------------------

def test_a_200_mb_post_to_the_login_page_is_never_read_into_memory(served):
    process = psutil.Process(served.process.pid)
    before = process.memory_info().rss
    peak = [before]
    sampling = threading.Event()

    def sample():  # the peak, not what is left afterwards: a body read whole is freed at the end
        while not sampling.is_set():
            peak.append(process.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    mb = b"x" * (1024 * 1024)

    # Declared: refused on its headers.
    sock = connect(served)
    sock.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: " + str(200 * len(mb)).encode() + b"\r\n\r\n")
    sent = 0
    try:
        for _ in range(200):
            sock.sendall(mb)
            sent += 1
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.close()
    assert sent < 50, f"{sent} MB were taken before the server refused"

    # Chunked, no length given: read up to the limit, then refused.
    sock = connect(served)
    sock.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    sent = 0
    try:
        for _ in range(200):
            sock.sendall(b"100000\r\n" + mb + b"\r\n")
            sent += 1
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.close()
    assert sent < 60, f"{sent} MB were taken before the server refused"

    time.sleep(0.5)
    sampling.set()
    sampler.join(5)
    grown = (max(peak) - before) / 1024 / 1024
    assert grown < 40, f"the server grew by {grown:.0f} MB at its peak"
    assert httpx.get(served.url("login"), timeout=10).status_code == 200


def test_a_flood_of_connections_neither_stops_the_server_nor_fills_its_log(tmp_path):
    """On a system that allows 256 open files: the server holds what it can, drops the rest,
    writes a line or two about it, and answers again once the flood's connections time out."""
    served = start_server(tmp_path, open_files=256)
    flood = []
    try:
        lines_before = len(served.log().splitlines())
        for _ in range(600):
            try:
                flood.append(connect(served))
            except OSError:
                break
        time.sleep(1)
        # Closed by the server: the ones over its cap at once, the silent rest after the header timeout.
        assert all(closed_by_server(sock, within=15) for sock in flood)
        page = httpx.get(served.url("toolkit/join"), timeout=10)
        assert page.status_code == 200
        added = served.log().splitlines()[lines_before:]
        assert len(added) < 15, "\n".join(added[:40])
        assert any("connections open, the most this server holds" in line for line in added), added
        assert served.process.poll() is None
    finally:
        for sock in flood:
            sock.close()
        served.stop()


SMALL_SERVER = """
import logging, resource, sys
from tornado import web, ioloop
from toolkit.server.connections import GuardedHTTPServer
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

class Hello(web.RequestHandler):
    def get(self):
        self.write("hello")

async def main():
    # A cap above what the files allow: the accept loop itself meets "too many open files".
    server = GuardedHTTPServer(web.Application([("/", Hello)]), max_connections=10_000, header_timeout=3)
    server.listen(0, "127.0.0.1")
    print(next(iter(server._sockets.values())).getsockname()[1], flush=True)
    await __import__("asyncio").Event().wait()

ioloop.IOLoop.current().run_sync(main)
"""


def test_running_out_of_open_files_pauses_accepting_with_one_line_in_the_log(tmp_path):
    import subprocess
    import sys
    log = tmp_path / "small.log"
    with open(log, "wb") as err:
        process = subprocess.Popen([sys.executable, "-c", SMALL_SERVER], stdout=subprocess.PIPE, stderr=err)
    flood = []
    try:
        port = int(process.stdout.readline())
        for _ in range(300):
            flood.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        time.sleep(2)
        assert process.poll() is None
        lines = log.read_text().splitlines()
        assert len(lines) < 5, lines[:20]
        assert any("out of open files (EMFILE)" in line for line in lines), lines
        for sock in flood:
            sock.close()
        flood = []
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=3).text == "hello":
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server answers again once files are free"
            time.sleep(0.2)
        assert len(log.read_text().splitlines()) < 6
    finally:
        for sock in flood:
            sock.close()
        process.kill()
        process.wait(10)


def test_remote_staff_without_a_password_is_refused_at_start(tmp_path):
    """The only key left would be the token the laptop prints and projects."""
    import os
    import subprocess
    import sys

    from support.server import ROOT, free_port
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOOLKIT_")}
    env.update({"TOOLKIT_REMOTE_STAFF": "1", "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
                "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")})
    command = [sys.executable, "-m", "toolkit.cli", "serve", "--host", "127.0.0.1", "--port", str(free_port()),
               "--no-browser", "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: remote_staff is on but staff have no password") and "jupyter server password" \
        in last
    assert "Traceback" not in result.stderr
