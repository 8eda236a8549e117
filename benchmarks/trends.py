"""Trends at scale: thousands of sessions through ``toolkit demo``, then the trends page's
refresh on a filter change, on SQLite and on PostgreSQL.

Run (PostgreSQL at postgresql://postgres@127.0.0.1:5432, trust auth; this script drops and
re-creates its own database ``toolkit_bench_trends`` there, never touching ``test``)::

    python benchmarks/trends.py                       # 5,750 sessions (~2.5M answers), both backends, 3 passes
    python benchmarks/trends.py --quick               # 300 sessions, both backends, 1 pass
    python benchmarks/trends.py --backend sqlite --sessions 5000 --keep /tmp/trends.db   # reuse the demo store
    python benchmarks/trends.py --backend sqlite --reuse /tmp/trends.db                 # skip the demo step
    python benchmarks/trends.py --profile             # also a pyinstrument profile of one filter change

What it measures, per backend:

* **demo**: ``toolkit demo --sessions N --seed 7`` into an empty store, as a subprocess
  (wall time, and the answers it wrote).
* **open**: ``TrendsDashboard(store)``: reading the store into the page's frame
  (``Store.trends_frame``) and the first refresh, as when a lead opens the page.
* **filter changes**: the page's own handler for a changed filter
  (``TrendsDashboard.set_filters`` = ``_set_options`` + ``refresh``: ``filter_responses``,
  every table of ``compute``, every chart, every table's HTML), for a sequence a lead might
  click through, each timed. Target: at most 2 s each.
* **reload check**: ``Store.trends_stamp`` (what "Reload data" asks before re-reading).
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "toolkit_bench_trends"
LIMIT_S = 2.0


def fresh_pg(name: str) -> str:
    """An empty PostgreSQL database of this benchmark's own; returns its URL."""
    from sqlalchemy import create_engine, text
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def run_demo(db_url: str, sessions: int) -> dict:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "toolkit.cli", "demo", "--db", db_url, "--sessions", str(sessions),
                           "--seed", "7"], cwd=common.ROOT, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"toolkit demo failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    print(f"  demo: {proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ''} ({wall:.1f} s wall)",
          flush=True)
    return {"wall_s": wall, "output": proc.stdout.strip().splitlines()[-1:]}


def counts(store) -> dict:
    from sqlalchemy import func, select

    from toolkit.store.engine import reading
    from toolkit.store.schema import responses, sessions
    with reading(store.engine) as conn:
        return {"sessions": conn.execute(select(func.count()).select_from(sessions)).scalar_one(),
                "responses": conn.execute(select(func.count()).select_from(responses)).scalar_one()}


def filter_steps(dash) -> list[tuple[str, dict]]:
    """A lead's clicks, each a filter change the page handles on its own."""
    sessions = dash.loaded.sessions
    org = sessions["organisation"].value_counts().index[0]
    band = sessions.loc[sessions["organisation"] == org, "age_band"].value_counts().index[0]
    plan = sessions["plan_id"].value_counts().index[0]
    newest = sessions["created_at"].max().date()
    return [
        ("organisation", {"organisation": org}),
        ("+ age band", {"age_band": band}),
        ("+ since 6 months", {"since": newest - timedelta(days=182)}),
        ("+ plan", {"plan_id": plan}),
        ("compare by organisation", {"compare": "Organisations"}),
        ("clear all", {"clear": True}),
        ("plan only", {"plan_id": plan}),
        ("until 3 months ago", {"plan_id": None, "until": newest - timedelta(days=91)}),
    ]


def apply(dash, change: dict) -> None:
    if change.get("clear"):
        dash.clear()
    elif "compare" in change:
        dash.compare.value = change["compare"]  # observed: the page's own handler runs
    else:
        dash.set_filters(**change)


def measure(db_url: str, passes: int, profile: bool) -> dict:
    import toolkit
    from toolkit.dashboards.trends import TrendsDashboard
    store = toolkit.open_store(db_url)
    out = {"counts": counts(store)}
    print(f"  store: {out['counts']['sessions']:,} sessions, {out['counts']['responses']:,} answers", flush=True)
    gc.collect()
    t0 = time.monotonic()
    loaded = store.trends_frame()
    out["load_s"] = time.monotonic() - t0
    out["frame_mb"] = loaded.responses.memory_usage(deep=True).sum() / 2**20
    del loaded
    gc.collect()
    t0 = time.monotonic()
    dash = TrendsDashboard(store)
    out["open_s"] = time.monotonic() - t0
    out["first_refresh_s"] = dash.last_seconds
    print(f"  load {out['load_s']:.2f} s; page open {out['open_s']:.2f} s (first refresh {dash.last_seconds:.2f} s); "
          f"frame {out['frame_mb']:.0f} MB", flush=True)
    t0 = time.monotonic()
    store.trends_stamp()
    out["stamp_s"] = time.monotonic() - t0
    steps: dict[str, list[float]] = {}
    for _ in range(passes):
        dash.clear()
        for name, change in filter_steps(dash):
            t0 = time.monotonic()
            apply(dash, change)
            steps.setdefault(name, []).append(time.monotonic() - t0)
        dash.compare.value = "This term against last"
    out["steps"] = steps
    worst = max(max(v) for v in steps.values())
    print("  filter changes: " + ", ".join(f"{k} {common.pct(v, 50):.2f} s" for k, v in steps.items())
          + f"; worst {worst:.2f} s", flush=True)
    if profile:
        from pyinstrument import Profiler
        dash.clear()
        profiler = Profiler()
        profiler.start()
        dash.set_filters(organisation=filter_steps(dash)[0][1]["organisation"])
        profiler.stop()
        out["profile"] = profiler.output_text(unicode=False, color=False, show_all=False)
        print(out["profile"][:6000])
    store.close()
    return out


def report(results: dict) -> str:
    lines = ["| measure | " + " | ".join(results) + " |", "| --- |" + " --- |" * len(results)]

    def row(label, fn):
        cells = []
        for r in results.values():
            try:
                cells.append(fn(r))
            except (KeyError, TypeError, ValueError):
                cells.append("n/a")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("sessions / answers", lambda r: f"{r['counts']['sessions']:,} / {r['counts']['responses']:,}")
    row("`toolkit demo` wall time", lambda r: f"{r['demo']['wall_s']:.0f} s")
    row("read the store into the page's frame", lambda r: f"{r['load_s']:.1f} s ({r['frame_mb']:.0f} MB)")
    row("open the page (read + first refresh)", lambda r: f"{r['open_s']:.1f} s")
    row("reload check (`stamp`)", lambda r: f"{1000 * r['stamp_s']:.0f} ms")
    names = list(next(iter(results.values()))["steps"])
    for name in names:
        row(f"filter change: {name}", lambda r, n=name: common.fmt_spread(common.spread(r["steps"][n]), " s", 2))
    row(f"worst filter change (target <= {LIMIT_S:.0f} s)",
        lambda r: (lambda w: f"{w:.2f} s " + ("met" if w <= LIMIT_S else "**missed**"))(
            max(common.pct(v, 50) for v in r["steps"].values())))
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=5750,
                        help="sessions to simulate (5,750 make about 2.5 million answers)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--passes", type=int, default=3, help="times through the sequence of filter changes")
    parser.add_argument("--keep", default=None, help="SQLite: write the demo store here (kept afterwards)")
    parser.add_argument("--reuse", default=None, help="SQLite: use this existing demo store; skip the demo step")
    parser.add_argument("--reuse-pg", action="store_true", help="PostgreSQL: reuse the benchmark database")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of one filter change")
    parser.add_argument("--quick", action="store_true", help="300 sessions, one pass")
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.passes = min(args.sessions, 300), 1
    info = common.machine()
    results = {}
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        print(f"{backend}:", flush=True)
        if backend == "sqlite":
            if args.reuse:
                db_url, demo = f"sqlite:///{Path(args.reuse).resolve()}", {"wall_s": None}
            else:
                path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="trends-")) / "trends.db"
                for suffix in ("", "-wal", "-shm"):
                    if Path(str(path) + suffix).exists():
                        os.unlink(str(path) + suffix)
                db_url = f"sqlite:///{path.resolve()}"
                demo = run_demo(db_url, args.sessions)
        else:
            if args.reuse_pg:
                db_url, demo = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}", {"wall_s": None}
            else:
                db_url = fresh_pg(PG_DB)
                demo = run_demo(db_url, args.sessions)
        results[backend] = {"db_url": db_url, "demo": demo, **measure(db_url, args.passes, args.profile)}
    table = report(results)
    path = common.save("trends", {"machine": info, "args": vars(args), "results": results, "table": table})
    print(table)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
