"""A real ``toolkit serve`` in a subprocess on a free port, as a facilitator runs it."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen
    base_url: str  # http://127.0.0.1:PORT/
    token: str
    db_url: str
    lines: dict  # "Facilitator dashboard", "Trends dashboard", "Students join at" -> URL
    log_path: Path
    env: dict | None = None  # the environment it was started with

    def url(self, path: str, auth: bool = False) -> str:
        sep = "&" if "?" in path else "?"
        return self.base_url + path.lstrip("/") + (f"{sep}token={self.token}" if auth else "")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, kill: bool = False) -> None:
        if self.process.poll() is None:
            (self.process.kill if kill else self.process.terminate)()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(tmp_path: Path, db_url: str | None = None, env: dict | None = None, args=(),
                 timeout: float = 90, port: int | None = None, token: str | None = None,
                 host: str = "127.0.0.1", db_option: bool | None = None, open_files: int | None = None) -> Served:
    """Start ``toolkit serve --db URL`` and wait until it prints its URLs.

    ``port`` and ``token``: those of a server started before, to start it again (after a
    crash) where its students' pages are; each start keeps a log of its own. ``env`` with a
    ``TOOLKIT_DB_URL`` names the store that way instead of ``--db``; ``db_option=False``
    leaves ``--db`` out for a store named in Jupyter's configuration (``args``). ``open_files``:
    start it on a system that allows only so many open files (``ulimit -n``). ``host``: what
    ``--host`` says; the URLs used here stay on 127.0.0.1."""
    # A given port must be the one served: Jupyter would otherwise move to the next free one.
    fixed = ["--ServerApp.port_retries=0"] if port else []
    port = port or free_port()
    token = token or secrets.token_hex(16)
    db_url = db_url or (env or {}).get("TOOLKIT_DB_URL") or f"sqlite:///{tmp_path / 'served.db'}"
    log_path = tmp_path / f"serve-{port}.log"
    again = 1
    while log_path.exists():
        again += 1
        log_path = tmp_path / f"serve-{port}-{again}.log"
    # As the README starts it: the store given with --db, nothing of the toolkit's in the
    # environment unless a test says so (a TOOLKIT_DB_URL here once hid a --db that never
    # reached the dashboards). JUPYTER_CONFIG_DIR and JUPYTER_RUNTIME_DIR keep this machine's
    # own Jupyter settings out of the test.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TOOLKIT_")}
    full_env = {**inherited, "JUPYTER_TOKEN": token, "PYTHONUNBUFFERED": "1",
                "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
                "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"), **(env or {})}
    if db_option is None:
        db_option = "TOOLKIT_DB_URL" not in (env or {})
    store = ["--db", db_url] if db_option else []
    log = open(log_path, "wb")
    process = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "serve", "--host", host,
                                "--port", str(port), "--no-browser", *store, *fixed, *args],
                               stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT,
                               preexec_fn=_open_files(open_files) if open_files else None)
    served = Served(process, f"http://127.0.0.1:{port}/", token, db_url, {}, log_path, full_env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = served.log()
        served.lines = dict(re.findall(r"^(Facilitator dashboard|Trends dashboard|Students join at): (\S+)",
                                       text, re.M))
        if "Students join at" in served.lines:
            return served
        if process.poll() is not None:
            raise RuntimeError(f"toolkit serve exited with {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.1)
    served.stop(kill=True)
    raise RuntimeError(f"toolkit serve did not get ready in {timeout}s:\n{served.log()[-3000:]}")


def _open_files(limit: int):
    def apply():
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    return apply


@pytest.fixture
def served(tmp_path):
    """``toolkit serve`` on a SQLite file of its own; stopped after the test."""
    s = start_server(tmp_path)
    yield s
    s.stop()


# -- the student side in-process, through pytest-jupyter's jp_fetch ------------------------

def toolkit_server_config(db_url: str, **toolkit):
    """``jp_server_config`` for a server with Voilà and the toolkit, as ``toolkit serve`` runs
    them: everything but the student routes needs the token."""
    from traitlets.config import Config
    return Config({
        "ServerApp": {"jpserver_extensions": {"toolkit": True, "voila.server_extension": True},
                      "allow_unauthenticated_access": False, "reraise_server_extension_failures": True},
        "ToolkitApp": {"db_url": db_url, "watch_interval": 0.05, **toolkit},
    })


class Phone:
    """One student's phone talking to a ``jp_serverapp``: no token, its own cookies, and the
    page's XSRF token sent back the way the join page sends it."""

    def __init__(self, jp_fetch, xsrf: str | None = None):
        self._fetch = jp_fetch
        self.cookies = {"_xsrf": xsrf or secrets.token_hex(16)}

    @property
    def device(self) -> str | None:
        return self.cookies.get("toolkit_device")

    async def request(self, method: str, path: str, *, json=None, body=None, headers=None, params=None,
                      xsrf: bool = True, auth: str = "", **extra):
        import json as _json
        sent = {"Authorization": auth, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if xsrf and method != "GET":
            sent["X-XSRFToken"] = self.cookies["_xsrf"]
        if json is not None:
            body = _json.dumps(json)
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        kwargs = {"body": body if body is not None else (b"" if method == "POST" else None)}
        if method == "GET":
            kwargs = {}
        kwargs.update(extra)
        response = await self._fetch(*path.split("/"), method=method, headers=sent, params=params, raise_error=False,
                                     follow_redirects=False, allow_nonstandard_methods=True, **kwargs)
        for header in response.headers.get_list("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    async def get(self, path: str, **kw):
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw):
        return await self.request("POST", path, **kw)

    @staticmethod
    def json(response):
        import json as _json
        return _json.loads(response.body)
