"""What a 200 MB POST to the login page costs ``toolkit serve``: its memory and its time.

Compared in the same run with Jupyter's own limits (512 MB body and buffer), which the
server had before, passed as ``--ServerApp.*`` options. Each case starts a fresh server,
sends the body once declared with Content-Length and once chunked, and records how much
the server's resident memory grew at its peak (sampled every 20 ms) and how many megabytes
it took before refusing.

    python benchmarks/big_bodies.py [--runs 3]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time
from pathlib import Path

import psutil

import common

MB = 1024 * 1024
JUPYTER_DEFAULTS = ["--ServerApp.max_body_size=536870912", "--ServerApp.max_buffer_size=536870912"]


def post(port: int, chunked: bool, size_mb: int = 200) -> int:
    """Send a ``size_mb`` MB form to /login; how many MB went out before the server refused."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    head += b"Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size_mb * MB}\r\n\r\n".encode()
    sock.sendall(head)
    block = b"x" * MB
    sent = 0
    try:
        for _ in range(size_mb):
            sock.sendall(b"100000\r\n" + block + b"\r\n" if chunked else block)
            sent += 1
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        sock.settimeout(60)
        sock.recv(1024)
    except OSError:
        pass
    finally:
        sock.close()
    return sent


def one_case(args: list[str], chunked: bool) -> dict:
    with tempfile.TemporaryDirectory() as work:
        server = common.start_server(Path(work), f"sqlite:///{work}/b.db", args=args)
        try:
            process = psutil.Process(server.process.pid)
            time.sleep(1)
            before = process.memory_info().rss
            cpu_before = sum(process.cpu_times()[:2])
            sampler = common.ProcessSampler(server.process.pid, interval=0.02).start()
            started = time.perf_counter()
            sent = post(int(server.base_url.rsplit(":", 1)[1].strip("/")), chunked)
            seconds = time.perf_counter() - started
            time.sleep(0.5)
            sampler.stop()
            peak = max([before] + [rss for _, rss, _, _ in sampler.samples])
            return {"grew_mb": (peak - before) / MB, "sent_mb": sent, "seconds": seconds,
                    "cpu_s": sum(process.cpu_times()[:2]) - cpu_before}
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    for label, args in (("Jupyter's limits (512 MB)", JUPYTER_DEFAULTS), ("toolkit serve as shipped", [])):
        for chunked in (False, True):
            results = [one_case(args, chunked) for _ in range(runs)]
            med = {k: statistics.median(r[k] for r in results) for k in results[0]}
            print(f"{label:27} {'chunked' if chunked else 'declared':8}: server peak +{med['grew_mb']:4.0f} MB, "
                  f"took {med['sent_mb']:4.0f} MB before refusing, {med['seconds']:5.2f} s, "
                  f"{med['cpu_s']:5.2f} CPU-s (median of {runs})", flush=True)


if __name__ == "__main__":
    main()
