"""A real ``toolkit serve`` in a subprocess on a free port, as a facilitator runs it: for the
tests (through ``support.server``) and the benchmarks alike. Needs nothing but the toolkit."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

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
    lines: dict  # "Facilitator dashboard", "Trends dashboard", "Content editor", "Students join at" -> URL
    log_path: Path
    env: dict | None = None  # the environment it was started with
    stop_wait: float = field(default=20.0, repr=False)  # seconds to wait for a clean exit before killing

    def url(self, path: str, auth: bool = False) -> str:
        sep = "&" if "?" in path else "?"
        return self.base_url + path.lstrip("/") + (f"{sep}token={self.token}" if auth else "")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, kill: bool = False) -> None:
        if self.process.poll() is None:
            (self.process.kill if kill else self.process.terminate)()
            try:
                self.process.wait(self.stop_wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(tmp_path: Path, db_url: str | None = None, env: dict | None = None, args=(),
                 timeout: float = 90, port: int | None = None, token: str | None = None,
                 host: str = "127.0.0.1", db_option: bool | None = None, open_files: int | None = None,
                 tree: Path | None = None, stop_wait: float = 20.0) -> Served:
    """Start ``toolkit serve --db URL`` and wait until it prints its URLs.

    ``port`` and ``token``: those of a server started before, to start it again (after a
    crash) where its students' pages are; each start keeps a log of its own. ``env`` with a
    ``TOOLKIT_DB_URL`` names the store that way instead of ``--db``; ``db_option=False``
    leaves ``--db`` out for a store named in Jupyter's configuration (``args``). ``open_files``:
    start it on a system that allows only so many open files (``ulimit -n``). ``host``: what
    ``--host`` says; the URLs used here stay on 127.0.0.1. ``tree``: serve the toolkit of
    another checkout (a before/after on the same machine)."""
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
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
    root = Path(tree).resolve() if tree else ROOT
    if tree:
        full_env["PYTHONPATH"] = str(root)
    if db_option is None:
        db_option = "TOOLKIT_DB_URL" not in (env or {})
    store = ["--db", db_url] if db_option else []
    log = open(log_path, "wb")
    process = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "serve", "--host", host,
                                "--port", str(port), "--no-browser", *store, *fixed, *args],
                               stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=root,
                               preexec_fn=_open_files(open_files) if open_files else None)
    served = Served(process, f"http://127.0.0.1:{port}/", token, db_url, {}, log_path, full_env, stop_wait)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = served.log()
        served.lines = dict(re.findall(r"^(Facilitator dashboard|Trends dashboard|Content editor|Students join at): (\S+)",
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
