"""Two processes answering into one SQLite file, as ``toolkit serve`` and its student worker
do: how long an answer waits for its commit when the other process holds the write lock.

SQLite's own busy handler retries after sleeps that grow to 100 ms; the store's writer now
retries ``BEGIN IMMEDIATE`` every 0.5-2 ms instead (``toolkit.store.engine._begin_immediate``).
Each round runs both ways, in alternation, on the same machine and file.

Run::

    python benchmarks/two_writers.py            # 4 rounds of 2 x 3,000 answers at 250/s each
    python benchmarks/two_writers.py --quick    # 2 rounds of 2 x 600

In-process per writer, no HTTP: each process queues answers by group commit
(``Store.queue_response``) at a steady rate, from its own devices, and times each one from
queueing to its commit. Results go to ``benchmarks/results/two_writers-*.json``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

KINDS = ("SQLite's busy handler", "short retries (shipped)")


def writer(url: str, code: str, activity: str, options: list, tag: str, answers: int, rate: float,
           kind: str, start_at: float, out) -> None:
    from toolkit.store import engine
    if kind == KINDS[0]:
        engine._begin_immediate = lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE")
    import toolkit
    store = toolkit.open_store(url)
    waits, lock = [], threading.Lock()
    left = threading.Semaphore(0)

    def done_at(t0):
        def done(first, error):
            with lock:
                waits.append(None if error is not None else time.monotonic() - t0)
            left.release()
        return done
    time.sleep(max(0.0, start_at - time.time()))
    t_start = time.monotonic()
    for i in range(answers):
        time.sleep(max(0.0, t_start + i / rate - time.monotonic()))
        store.queue_response(code, f"{tag}{i:031d}"[:40], activity, options[i % len(options)],
                             done=done_at(time.monotonic()))
    for _ in range(answers):
        left.acquire()
    store.close()
    out.put(waits)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--answers", type=int, default=3000, help="per process per round")
    parser.add_argument("--rate", type=float, default=250, help="answers per second per process")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.answers = 2, 600
    import toolkit
    ctx = multiprocessing.get_context("spawn")
    per = {kind: [] for kind in KINDS}
    for r in range(args.rounds):
        for kind in KINDS:
            url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='writers-')) / 'two.db'}"
            store = toolkit.open_store(url)
            session, activity, options = common.voting_session(store)
            code, activity = session.code, activity.id
            store.close()
            out = ctx.Queue()
            start_at = time.time() + 3  # both processes imported and connected
            procs = [ctx.Process(target=writer, args=(url, code, activity, options, f"r{r}p{p}", args.answers,
                                                      args.rate, kind, start_at, out)) for p in range(2)]
            for p in procs:
                p.start()
            waits = [w for _ in procs for w in out.get()]
            for p in procs:
                p.join()
            ok = [1000 * w for w in waits if w is not None]
            per[kind].append({"answers": len(waits), "failed": len(waits) - len(ok),
                              **common.summary(ok, (50, 95, 99))})
            print(f"round {r + 1}, {kind}: {per[kind][-1]}", flush=True)
    rows = ["| two writer processes, one SQLite file | " + " | ".join(KINDS) + " |",
            "| --- | --- | --- |"]
    for key, label in (("p50", "answer to commit p50"), ("p95", "p95"), ("p99", "p99"), ("max", "max")):
        rows.append(f"| {label} | " + " | ".join(common.fmt_spread(common.spread([x[key] for x in per[k]]), " ms", 1)
                                                for k in KINDS) + " |")
    rows.append("| answers refused | " + " | ".join(str(sum(x["failed"] for x in per[k])) for k in KINDS) + " |")
    table = "\n".join(rows)
    path = common.save("two_writers", {"machine": common.machine(), "args": vars(args), "rounds": per,
                                       "table": table})
    print(table)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
