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
                 timeout: float = 90) -> Served:
    """Start ``toolkit serve`` and wait until it prints its URLs."""
    port = free_port()
    token = secrets.token_hex(16)
    db_url = db_url or f"sqlite:///{tmp_path / 'served.db'}"
    log_path = tmp_path / f"serve-{port}.log"
    full_env = {**os.environ, "JUPYTER_TOKEN": token, "TOOLKIT_DB_URL": db_url, "PYTHONUNBUFFERED": "1",
                "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
                "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"), **(env or {})}
    log = open(log_path, "wb")
    process = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--no-browser", *args],
                               stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT)
    served = Served(process, f"http://127.0.0.1:{port}/", token, db_url, {}, log_path)
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


@pytest.fixture
def served(tmp_path):
    """``toolkit serve`` on a SQLite file of its own; stopped after the test."""
    s = start_server(tmp_path)
    yield s
    s.stop()
