"""What the benchmarks share: starting a real ``toolkit serve`` (the tests' own way),
percentiles, process statistics and a description of the machine the numbers came from.

Not a benchmark itself; ``hall.py``, ``page_weight.py`` and ``trends.py`` import it.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sqlite3
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as scripts, the benchmarks would otherwise import whatever ``toolkit`` the environment
# resolves (a stale editable install can give an empty namespace package): use this checkout.
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))
RESULTS = Path(__file__).resolve().parent / "results"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


# -- numbers -------------------------------------------------------------------------
def pct(values, p: float) -> float | None:
    """The ``p``-th percentile (0-100) with linear interpolation; None for no values."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return float(data[0])
    rank = (len(data) - 1) * p / 100
    lo = int(rank)
    hi = min(lo + 1, len(data) - 1)
    return float(data[lo] + (data[hi] - data[lo]) * (rank - lo))


def summary(values, ps=(50, 95, 99)) -> dict:
    """count, the given percentiles and the max, in the values' own unit."""
    values = list(values)
    out = {"n": len(values)}
    for p in ps:
        out[f"p{p}"] = pct(values, p)
    out["max"] = max(values) if values else None
    return out


def spread(values) -> dict:
    """median, min and max of repeated measurements (what BENCHMARKS.md reports)."""
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None, "runs": 0}
    return {"median": pct(values, 50), "min": min(values), "max": max(values), "runs": len(values)}


def fmt_spread(s: dict, unit: str = "", digits: int = 0) -> str:
    if s.get("median") is None:
        return "n/a"
    f = f"{{:,.{digits}f}}"
    if s["runs"] == 1:
        return f.format(s["median"]) + unit
    return f"{f.format(s['median'])}{unit} ({f.format(s['min'])}-{f.format(s['max'])})"


# -- the machine ---------------------------------------------------------------------
def machine() -> dict:
    """Cores, RAM, Python, SQLite and PostgreSQL versions, and the date: the numbers' context."""
    info = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        info["ram_gib"] = round(kb / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/cpuinfo") as f:
            found = re.search(r"model name\s*:\s*(.+)", f.read())
        if found:
            info["cpu"] = found.group(1).strip()
    except OSError:
        pass
    try:
        from sqlalchemy import create_engine, text
        engine = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            info["postgresql"] = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    except Exception:
        info["postgresql"] = None
    for name in ("jupyter_server", "voila", "tornado", "SQLAlchemy", "pandas", "aiohttp"):
        try:
            from importlib.metadata import version
            info[name] = version(name)
        except Exception:
            pass
    return info


def save(name: str, data: dict) -> Path:
    """Write a run's results as JSON under benchmarks/results/ (kept out of git)."""
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


def voting_session(store):
    """A ``short-25`` session on its first card or poll, voting open: (session, activity,
    the activity's option ids)."""
    session = store.start_session("short-25", organisation="Benchmark")
    session.next()
    while session.current_activity.kind not in ("card", "poll"):
        session.next()
    session.open_voting()
    options = [o["id"] for o in store.public_state(session.code)["activity"]["options"]]
    return session, session.current_activity, options


# -- a served toolkit ----------------------------------------------------------------
# The tests' own (tests/support/serve.py): one way to start toolkit serve, for both.
sys.path.insert(1, str(ROOT / "tests"))
from support.serve import Served as Server, free_port, start_server as _start_server  # noqa: E402,F401


async def sse_events(content):
    """The (kind, data) of each event on an aiohttp response's event stream: kind is None for
    a state, "ping" for a keep-alive that carries only the version."""
    data, kind = None, None
    async for raw in content:
        line = raw.decode().rstrip("\r\n")
        if line.startswith("data:"):
            data = line[5:].strip()
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif not line and data is not None:
            yield kind, data
            data, kind = None, None


def cpu_seconds(processes) -> float:
    """CPU seconds (user + system) of these psutil processes so far; one that has gone counts
    nothing."""
    import psutil
    total = 0.0
    for proc in processes:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def machine_busy(before, after, wall: float, ours: float) -> dict:
    """How busy the shared machine was between two ``psutil.cpu_times()`` over ``wall``
    seconds, and how much of it was not ``ours`` (CPU seconds of the benchmark's processes)."""
    idle = (after.idle + getattr(after, "iowait", 0)) - (before.idle + getattr(before, "iowait", 0))
    total = sum(after) - sum(before)
    cores = os.cpu_count() or 1
    busy_core_s = (total - idle) / total * wall * cores if total else 0.0
    return {"busy_pct_of_all_cores": 100 * (total - idle) / total if total else None,
            "others_cpu_pct_of_one_core": 100 * max(busy_core_s - ours, 0) / wall,
            "loadavg_1m_end": os.getloadavg()[0]}


def phone_address(n: int) -> str:
    """Phone ``n``'s own loopback address (all of 127.0.0.0/8 reaches this machine): on the
    laptop's Wi-Fi every phone has an address of its own, and the server limits new devices
    per address. 127.0.0.1 stays the laptop."""
    return f"127.78.{n // 250 % 250}.{n % 250 + 1}"


def start_server(workdir: Path, db_url: str, args=(), env: dict | None = None, timeout: float = 120,
                 tree: Path | None = None) -> Server:
    """``toolkit serve --db URL`` on 127.0.0.1 (never another address) and a free port, as the
    README starts it; returns once it has printed ``Students join at``. ``tree``: serve the
    toolkit of another checkout (e.g. a ``git worktree`` of an older commit, for a before/after
    on the same machine). Loaded servers get longer to start and to stop than the tests give theirs."""
    return _start_server(workdir, db_url, env=env, args=args, timeout=timeout, tree=tree, stop_wait=30)


def wake_workers(server: Server, timeout: float = 30) -> int:
    """Start a server's student workers before a measurement, as a first phone would (they
    start with the first student connection), and wait until they are idle: their start is
    not counted against the hall's joins. Returns how many there are."""
    import httpx
    import psutil
    transport = httpx.HTTPTransport(local_address=phone_address(249_999))
    with httpx.Client(transport=transport, timeout=30) as client:
        client.get(server.base_url + "toolkit/join")
    proc = psutil.Process(server.process.pid)
    deadline = time.monotonic() + timeout
    last, workers = None, []
    while time.monotonic() < deadline:
        time.sleep(0.5)
        workers = [p for p in proc.children() if "toolkit.server.worker" in " ".join(p.cmdline())]
        now = cpu_seconds(workers)
        if workers and last is not None and now - last < 0.01:
            break
        if not workers and time.monotonic() > deadline - timeout + 3:
            break  # a server with one process for students (student_workers = 1, or an older toolkit)
        last = now
    return len(workers)


class ProcessSampler:
    """Samples a server's RSS (its student workers included; its other children, the kernels,
    counted apart) and CPU in a thread."""

    def __init__(self, pid: int, interval: float = 0.25):
        import psutil
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int, int, int]] = []  # (t, rss, children rss, children)
        self._workers: dict[int, bool] = {}  # pid -> a student worker (toolkit.server.worker)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "ProcessSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def cpu(self) -> float:
        """CPU seconds (user + system) so far of the server: the process and its student
        workers (not the dashboards' kernels, which serve no phone)."""
        return cpu_seconds([self.proc] + [k for k in self._children() if self._is_worker(k)])

    def own_cpu(self) -> float:
        t = self.proc.cpu_times()
        return t.user + t.system

    def _children(self):
        import psutil
        try:
            return self.proc.children(recursive=True)
        except psutil.Error:
            return []

    def rss(self) -> tuple[int, int, int]:
        """(the server's RSS, its other children's, how many of those): the server is the
        process and its student workers; the other children are the dashboards' kernels."""
        import psutil
        try:
            own = self.proc.memory_info().rss
        except psutil.Error:
            return 0, 0, 0
        kids = self._children()
        total = n = 0
        for k in kids:
            try:
                rss = k.memory_info().rss
                if self._is_worker(k):
                    own += rss
                else:
                    total += rss
                    n += 1
            except psutil.Error:
                pass
        return own, total, n

    def _is_worker(self, proc) -> bool:
        known = self._workers.get(proc.pid)
        if known is None:
            known = self._workers[proc.pid] = "toolkit.server.worker" in " ".join(proc.cmdline())
        return known

    def _run(self) -> None:
        while not self._stop.is_set():
            own, kids, n = self.rss()
            self.samples.append((time.monotonic(), own, kids, n))
            self._stop.wait(self.interval)

    def peak(self, since: float = 0.0, until: float = float("inf")) -> dict:
        rows = [s for s in self.samples if since <= s[0] <= until]
        if not rows:
            return {"rss_mb": None, "children_rss_mb": None, "children": 0}
        return {"rss_mb": max(r[1] for r in rows) / 2**20, "children_rss_mb": max(r[2] for r in rows) / 2**20,
                "children": max(r[3] for r in rows), "total_rss_mb": max(r[1] + r[2] for r in rows) / 2**20}
