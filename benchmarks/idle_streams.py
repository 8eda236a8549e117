"""What keeping a hall's event streams alive costs: N phones holding the live stream open
while nothing changes, against a real ``toolkit serve``.

Run (``pip install -e '.[bench]'`` first)::

    python benchmarks/idle_streams.py                          # 1,000 streams, 60 s, 3 runs
    python benchmarks/idle_streams.py --baseline /work/main    # and the same against another checkout
    python benchmarks/idle_streams.py --quick                  # 200 streams, 20 s, 1 run: a smoke test

Each run starts a fresh server on a fresh SQLite file, opens one session, connects N
streams (raw sockets, as light a client as can be), lets them settle, then for ``--seconds``
counts the server's CPU (user + system), the keep-alive messages and the bytes the phones
receive. The same is measured with no stream open (the server idling), and, with
``--baseline``, for another checkout's server in the same run (``git worktree add`` an
older commit), so the two are compared on the same busy machine.

Results go to ``benchmarks/results/idle_streams-*.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


async def hold(host: str, port: int, path: str, counts: dict, ready: asyncio.Event, stop: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    first = True
    try:
        while not stop.is_set():
            try:
                chunk = await asyncio.wait_for(reader.read(65536), 0.5)
            except asyncio.TimeoutError:
                continue
            if not chunk:
                break
            if counts["on"]:
                counts["bytes"] += len(chunk)
                counts["pings"] += chunk.count(b"event: ping") + chunk.count(b": keep-alive")
            if first and b"data: {" in chunk:
                first = False
                counts["connected"] += 1
                if counts["connected"] == counts["wanted"]:
                    ready.set()
    finally:
        writer.close()


async def measure(server: common.Server, code: str, streams: int, seconds: float) -> dict:
    import psutil
    from urllib.parse import urlparse
    url = urlparse(server.base_url)
    proc = psutil.Process(server.process.pid)

    def cpu():
        t = proc.cpu_times()
        return t.user + t.system

    counts = {"bytes": 0, "pings": 0, "connected": 0, "wanted": streams, "on": False}
    ready, stop = asyncio.Event(), asyncio.Event()
    if streams:
        path = f"{url.path}toolkit/api/sessions/{code}/events"
        tasks = []
        for i in range(streams):
            tasks.append(asyncio.create_task(hold(url.hostname, url.port, path, counts, ready, stop)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)
        await asyncio.wait_for(ready.wait(), 120)
    await asyncio.sleep(3)  # let the last connections settle
    counts["on"] = True
    c0, t0 = cpu(), time.monotonic()
    await asyncio.sleep(seconds)
    c1, t1 = cpu(), time.monotonic()
    counts["on"] = False
    stop.set()
    if streams:
        await asyncio.gather(*tasks, return_exceptions=True)
    wall = t1 - t0
    return {"streams": streams, "wall_s": wall, "cpu_s": c1 - c0, "core_pct": 100 * (c1 - c0) / wall,
            "pings": counts["pings"], "bytes": counts["bytes"],
            "bytes_per_phone_per_min": counts["bytes"] / max(1, streams) * 60 / wall}


def one(tree: Path | None, streams: int, seconds: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="idle-"))
    db_url = f"sqlite:///{work / 'idle.db'}"
    # The session is started by the checkout being measured: each writes its own schema.
    root = Path(tree).resolve() if tree else common.ROOT
    code = subprocess.run([sys.executable, "-c", "import sys, toolkit; print(toolkit.open_store(sys.argv[1])"
                           ".start_session('short-25', organisation='Benchmark').code)", db_url],
                          env={**os.environ, "PYTHONPATH": str(root)}, cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()
    # One address holds every stream here; a server without the setting ignores it.
    server = common.start_server(work, db_url, args=["--ToolkitApp.streams_per_address=0"], tree=tree)
    try:
        quiet = asyncio.run(measure(server, code, 0, seconds / 2))
        held = asyncio.run(measure(server, code, streams, seconds))
    finally:
        server.stop()
    extra = held["cpu_s"] - quiet["cpu_s"] * held["wall_s"] / quiet["wall_s"]
    held["extra_cpu_s"] = extra
    held["us_per_ping"] = 1e6 * extra / held["pings"] if held["pings"] else None
    return {"quiet": quiet, "held": held}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout to measure the same way")
    parser.add_argument("--quick", action="store_true", help="200 streams, 20 s, 1 run")
    args = parser.parse_args(argv)
    if args.quick:
        args.streams, args.seconds, args.runs = 200, 20, 1
    trees = [("this", None)] + ([("baseline", args.baseline)] if args.baseline else [])
    results = {name: [] for name, _ in trees}
    for run in range(args.runs):
        for name, tree in trees:  # interleaved, so both see the same machine
            r = one(tree, args.streams, args.seconds)
            results[name].append(r)
            h = r["held"]
            print(f"run {run + 1} {name:8s}: {h['streams']} streams, {h['core_pct']:.1f}% of a core "
                  f"(idle server {r['quiet']['core_pct']:.1f}%), {h['pings']} keep-alives, "
                  f"{h['us_per_ping'] or 0:.0f} us CPU each, {h['bytes_per_phone_per_min']:.0f} B/phone/min",
                  flush=True)
    lines = ["| server | streams | server CPU, % of one core, median (min-max) | idle server | keep-alives/s | "
             "CPU per keep-alive | bytes per phone per minute |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, _ in trees:
        rows = results[name]
        core = common.spread([r["held"]["core_pct"] for r in rows])
        quiet = common.pct([r["quiet"]["core_pct"] for r in rows], 50)
        rate = common.pct([r["held"]["pings"] / r["held"]["wall_s"] for r in rows], 50)
        per = common.pct([r["held"]["us_per_ping"] or 0 for r in rows], 50)
        b = common.pct([r["held"]["bytes_per_phone_per_min"] for r in rows], 50)
        lines.append(f"| {name} | {args.streams} | {common.fmt_spread(core, '%', 1)} | {quiet:.1f}% | {rate:.0f} | "
                     f"{per:.0f} us | {b:.0f} |")
    table = "\n".join(lines)
    path = common.save("idle_streams", {"machine": common.machine(), "args": {k: str(v) for k, v in vars(args).items()},
                                        "results": results, "table": table})
    print(table)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
