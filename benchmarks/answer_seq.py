"""What numbering answers costs the write path: ``Store.record_response`` changing an answer
with ``seq`` (the page's tap number: a conditional update) against without it (the plain
update a form without JavaScript uses), in the same run.

Run::

    python benchmarks/answer_seq.py                 # SQLite, 5 rounds of 2 x 500 changes
    python benchmarks/answer_seq.py --db postgresql://postgres@127.0.0.1:5432/test   # an EMPTY database
    python benchmarks/answer_seq.py --quick         # 2 rounds of 2 x 100

In-process, one thread, one device changing one answer over and over: the CPU of the
calls themselves (``time.process_time``), no HTTP. Rounds alternate the two kinds so both
see the same machine. Results go to ``benchmarks/results/answer_seq-*.json``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a store URL (default: a new SQLite file)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.changes = 2, 100
    import toolkit
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='seq-')) / 'seq.db'}"
    store = toolkit.open_store(url)
    session, activity, options = common.voting_session(store)
    token, seq = "b" * 32, 0
    store.record_response(session.code, token, activity.id, options[0])
    per = {"plain": [], "numbered": []}
    for _ in range(args.rounds):
        for kind in ("plain", "numbered"):
            t0 = time.process_time()
            for i in range(args.changes):
                seq += 1
                store.record_response(session.code, token, activity.id, options[i % len(options)],
                                      seq=seq if kind == "numbered" else None)
            per[kind].append(1000 * (time.process_time() - t0) / args.changes)
    store.close()
    plain, numbered = common.spread(per["plain"]), common.spread(per["numbered"])
    ratio = numbered["median"] / plain["median"]
    table = ("| store | plain change, CPU ms | numbered change (seq), CPU ms | ratio |\n| --- | --- | --- | --- |\n"
             f"| {url.split(':')[0]} | {common.fmt_spread(plain, ' ms', 2)} | {common.fmt_spread(numbered, ' ms', 2)} "
             f"| {ratio:.2f} |")
    path = common.save("answer_seq", {"machine": common.machine(), "args": vars(args), "per_call_ms": per,
                                      "table": table})
    print(table)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
