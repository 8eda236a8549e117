"""The per-address limits' share of an answer's CPU: what every answer pays for them.

Run::

    python benchmarks/limits.py            # 7 rounds of 200,000 answers each

Each round times, in one process, the limit work of an answer from a phone the server
has seen before (the answer path's common case) with ``time.process_time``:

* **before**: what the answer path did before the per-address limits: the device's own
  bucket and the address key (a salted HMAC) with the wrong-code budget's check;
* **after**: the device's bucket, the address the request is counted under (peer, trusted
  proxy check), the address key, the wrong-code guard (a code this address has found), the
  address's answer bucket for the session, and the found-code note.

Both run over 500 phones on their own addresses, answering in turn, so dictionary sizes are
those of a hall. A new device's admission (once per device, inside its join transaction) is
timed on its own. Reported: median CPU per answer of each, and the ratio, over the rounds.
"""

from __future__ import annotations

import socket
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tornado.httputil import HTTPHeaders  # noqa: E402

from toolkit.server.context import Context  # noqa: E402
from toolkit.server.limits import AddressKey, RateLimiter  # noqa: E402

PHONES = 500
ANSWERS = 200_000
ROUNDS = 7
CODE = "ABCDEFG"


def phones():
    out = []
    for n in range(PHONES):
        peer = f"192.168.{n // 250}.{n % 250 + 1}"
        context = SimpleNamespace(address=(peer, 40000 + n), address_family=socket.AF_INET)
        request = SimpleNamespace(connection=SimpleNamespace(context=context), headers=HTTPHeaders(),
                                  remote_ip=peer)
        out.append((request, f"device-token-{n:04d}-" + "x" * 20))
    return out


def before(requests) -> float:
    answer_limit = RateLimiter(1e9, 1)
    lookup_limit = RateLimiter(30, 60)
    address_key = AddressKey()
    started = time.process_time()
    for i in range(ANSWERS):
        request, token = requests[i % PHONES]
        answer_limit.hit(token)
        lookup_limit.allowed(address_key(request.remote_ip))
    return (time.process_time() - started) / ANSWERS


def after(requests) -> float:
    ctx = Context(store=None, base_url="/", answers_per_second=1e9)
    for request, _ in requests:  # every phone has found the session's code
        ctx.codes.found(ctx.address_key(ctx.client_address(request)), CODE, took=False)
    started = time.process_time()
    for i in range(ANSWERS):
        request, token = requests[i % PHONES]
        key = ctx.address_key(ctx.client_address(request))
        _, took = ctx.codes.turn(key, CODE)
        ctx.answer_limit.hit(token)
        ctx.address_answers.hit((key, CODE))
        ctx.codes.found(key, CODE, took)
    return (time.process_time() - started) / ANSWERS


def admission(requests) -> float:
    ctx = Context(store=None, base_url="/", devices_per_address=10**9)
    started = time.process_time()
    for i in range(ANSWERS):
        request, _ = requests[i % PHONES]
        ctx.address_devices.hit((ctx.address_key(ctx.client_address(request)), CODE))
    return (time.process_time() - started) / ANSWERS


def main() -> None:
    requests = phones()
    rows = []
    for round_ in range(ROUNDS):
        b, a, d = before(requests), after(requests), admission(requests)
        rows.append((b, a, d))
        print(f"round {round_ + 1}: before {b * 1e6:.2f} us, after {a * 1e6:.2f} us, "
              f"admission {d * 1e6:.2f} us", flush=True)
    b = statistics.median(r[0] for r in rows)
    a = statistics.median(r[1] for r in rows)
    d = statistics.median(r[2] for r in rows)
    ratios = sorted(r[1] / r[0] for r in rows)
    print(f"median CPU per answer: before {b * 1e6:.2f} us, after {a * 1e6:.2f} us "
          f"(ratio {statistics.median(ratios):.2f}, {ratios[0]:.2f}-{ratios[-1]:.2f}); "
          f"a new device's admission {d * 1e6:.2f} us")


if __name__ == "__main__":
    main()
