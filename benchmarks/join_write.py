"""What registering a joining phone costs the store: ``Store.enrol`` (a transaction of its own
per phone) against ``Store.queue_join`` (group commit) with batches of 1, 5 and 20 phones,
in one session that fills up as the rounds go, in the same run.

Run::

    python benchmarks/join_write.py                 # SQLite, 3 rounds of 500 joins of each kind
    python benchmarks/join_write.py --db postgresql://postgres@127.0.0.1:5432/test   # an EMPTY database
    python benchmarks/join_write.py --quick         # 2 rounds of 100
    python benchmarks/join_write.py --enrol-only    # only Store.enrol: a checkout before queue_join,
                                                    # its toolkit imported first (see BENCHMARKS.md)

In-process, no HTTP: the CPU of the calls and of the store's writer thread together
(``time.process_time`` counts every thread of the process). Rounds alternate the kinds so
all see the same machine and a session of about the same size. Results go to
``benchmarks/results/join_write-*.json``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

KINDS = ("one transaction each", "batches of 1", "batches of 5", "batches of 20")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a store URL (default: a new SQLite file)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--joins", type=int, default=500)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--enrol-only", action="store_true", help="only a transaction per join")
    args = parser.parse_args(argv)
    kinds = KINDS[:1] if args.enrol_only else KINDS
    if args.quick:
        args.rounds, args.joins = 2, 100
    import toolkit
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='joins-')) / 'joins.db'}"
    store = toolkit.open_store(url)
    code = store.start_session("short-25", organisation="Benchmark").code
    per = {kind: [] for kind in kinds}

    def batched(size: int, tag: str) -> None:
        for start in range(0, args.joins, size):
            left = threading.Semaphore(0)
            errors = []

            def done(result, error):
                if error is not None:
                    errors.append(error)
                left.release()
            for i in range(size):
                store.queue_join(code, f"{tag}-{start + i}", done=done)
            for _ in range(size):
                left.acquire()
            if errors:
                raise errors[0]

    for rnd in range(args.rounds):
        for kind in kinds:
            tag = f"r{rnd}-{kind.split()[-1]}"
            t0 = time.process_time()
            if kind == KINDS[0]:
                for i in range(args.joins):
                    store.enrol(code, f"{tag}-{i}")
            else:
                batched(int(kind.split()[-1]), tag)
            per[kind].append(1000 * (time.process_time() - t0) / args.joins)
    devices = store.find_session(code).respondents
    store.close()
    rows = [f"| {kind} | {common.fmt_spread(common.spread(per[kind]), ' ms', 2)} |" for kind in kinds]
    table = (f"| {url.split(':')[0]}, {devices:,} devices at the end: a join | CPU per join |\n| --- | --- |\n"
             + "\n".join(rows))
    path = common.save("join_write", {"machine": common.machine(), "args": vars(args), "per_join_ms": per,
                                      "table": table})
    print(table)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
