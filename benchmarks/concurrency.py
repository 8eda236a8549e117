"""Concurrency: 500 phones x 200 answers each against one real ``toolkit serve``, on SQLite
and on PostgreSQL; every acknowledged answer must be in the database exactly once.

Run (``pip install -e '.[bench]'`` first)::

    python benchmarks/concurrency.py                  # 500 x 200 on SQLite, then PostgreSQL
    python benchmarks/concurrency.py --quick          # 100 x 20: a smoke test in well under a minute
    python benchmarks/concurrency.py --phones 500 --answers 200 --db sqlite

What it does, per database, on a fresh store and a fresh ``toolkit serve`` on 127.0.0.1:

* A session of ``lesson-50`` whose self-paced sort holds the whole deck (30 cards), voting open.
* N phones, each its own connection and cookies (aiohttp), GET the join page (the ``_xsrf``
  cookie), POST ``join``, then send ``--answers`` answers as fast as they are acknowledged:
  every card once, then changes to cards at random. 429 and 503 are sent again after a
  pause, as the page does. The per-device limit (20 answers a second) is lifted: the
  point is the most the server takes at once, not how a phone is paced.
* Then the database is read: one row per phone and card, none twice, each holding the last
  value the phone was told was recorded, and one respondent per phone.

Reported: answers per second (whole run), acknowledgement latency percentiles, retries, the
server's peak RSS and CPU, and the check's verdict. Results go to
``benchmarks/results/concurrency-*.json``. The in-suite version (500 phones x 4 answers,
in-process) is ``tests/test_concurrency_http.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

PLAN = "lesson-50"
RETRIED = (429, 503)


def whole_deck_sort(store):
    """``lesson-50`` with its sort widened to every card of the deck (30 items per phone)."""
    from toolkit.content import Library, Programme, resolve_plan
    programme = resolve_plan(PLAN, Library())
    snap = copy.deepcopy(programme.snapshot())
    for activity in snap["plan"]["activities"]:
        if activity["kind"] == "sort":
            activity.pop("cards", None)
    return Programme.from_snapshot(snap)


async def phone(i: int, base: str, code: str, sort: dict, answers: int, out: dict, start: asyncio.Event):
    import aiohttp
    from yarl import URL
    rng = random.Random(i)
    options = [o["id"] for o in sort["options"]]
    latencies, final = out["latency"], {}
    connector = aiohttp.TCPConnector(limit=1, local_addr=(common.phone_address(i), 0))
    # unsafe=True: aiohttp keeps no cookies from an IP address (127.0.0.1) otherwise.
    async with aiohttp.ClientSession(base_url=base, connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     timeout=aiohttp.ClientTimeout(total=120)) as http:
        await start.wait()
        async with http.get("toolkit/join") as page:
            await page.read()
        xsrf = http.cookie_jar.filter_cookies(URL(base)).get("_xsrf").value
        headers = {"X-XSRFToken": xsrf}

        async def post(path: str, body: dict) -> int:
            for attempt in range(50):
                sent = time.perf_counter()
                async with http.post(f"toolkit/api/sessions/{code}/{path}", json=body, headers=headers) as r:
                    await r.read()
                    status = r.status
                if status not in RETRIED:
                    latencies.append(time.perf_counter() - sent)
                    return status
                out["retried"] += 1
                await asyncio.sleep(min(2.0, 0.05 * 2 ** attempt) * rng.random())
            raise RuntimeError(f"phone {i}: no acknowledgement for {body}")

        joined = await post("join", {})
        out["statuses"][("join", joined)] = out["statuses"].get(("join", joined), 0) + 1
        # The device cookie's path is toolkit/: ask for the cookies the API is sent.
        device = http.cookie_jar.filter_cookies(URL(f"{base}toolkit/api/")).get("toolkit_device").value
        cards = list(sort["items"])
        for n in range(answers):
            card = cards[n] if n < len(cards) else rng.choice(cards)
            value = rng.choice(options)
            status = await post("responses", {"activity": sort["id"], "item": card, "value": value})
            out["statuses"][("answer", status)] = out["statuses"].get(("answer", status), 0) + 1
            if status in (200, 201):
                final[card] = value
        out["final"][device] = final


def check(store, session, finals: dict) -> dict:
    """Compare the database with what the phones were told: lost, doubled, wrong values."""
    from sqlalchemy import select

    from toolkit.store.answers import token_hash
    from toolkit.store.engine import reading
    from toolkit.store.schema import devices, responses
    with reading(store.engine) as conn:
        rows = conn.execute(select(responses.c.item_id, responses.c.respondent, responses.c.value)
                            .where(responses.c.session_id == session.id)).all()
        respondent = dict(conn.execute(select(devices.c.token_hash, devices.c.respondent)
                                       .where(devices.c.session_id == session.id)).all())
    stored: dict[tuple, list] = {}
    for item, number, value in rows:
        stored.setdefault((item, number), []).append(value)
    expected = {(card, respondent.get(token_hash(session.id, device))): value
                for device, final in finals.items() for card, value in final.items()}
    lost = [key for key in expected if key not in stored]
    doubled = [key for key, values in stored.items() if len(values) > 1]
    wrong = [key for key, value in expected.items() if key in stored and stored[key][-1] != value]
    invented = [key for key in stored if key not in expected]
    return {"rows": len(rows), "expected": len(expected), "lost": len(lost), "doubled": len(doubled),
            "wrong_value": len(wrong), "invented": len(invented), "respondents": session.refresh().respondents,
            "ok": not (lost or doubled or wrong or invented) and len(respondent) == len(finals)}


async def drive(base: str, code: str, sort: dict, phones: int, answers: int) -> dict:
    out = {"latency": [], "retried": 0, "statuses": {}, "final": {}}
    start = asyncio.Event()
    tasks = [asyncio.ensure_future(phone(i, base, code, sort, answers, out, start)) for i in range(phones)]
    began = time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    out["seconds"] = time.perf_counter() - began
    out["errors"] = [repr(r) for r in results if isinstance(r, BaseException)]
    return out


def run_one(kind: str, phones: int, answers: int, workdir: Path) -> dict:
    from toolkit.store import Store
    if kind == "sqlite":
        url, schema = f"sqlite:///{workdir / 'concurrency.db'}", None
    else:
        import psycopg
        schema = "bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect(common.PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    try:
        store = Store(url)
        session = store.start_session(whole_deck_sort(store))
        activity = next(a for a in session.activities if a.kind == "sort")
        session.go_to(activity.index)
        session.open_voting()
        sort = {"id": activity.id, "items": list(activity.items), "options": session.programme.options(activity)}
        server = common.start_server(workdir / kind, url, args=["--ToolkitApp.answers_per_second=100000"])
        sampler = common.ProcessSampler(server.process.pid).start()
        cpu_before = sampler.own_cpu()
        try:
            print(f"{kind}: {phones} phones x {answers} answers ({len(sort['items'])} cards each) ...", flush=True)
            out = asyncio.run(drive(server.base_url, session.code, sort, phones, answers))
            served = {"cpu_seconds": sampler.own_cpu() - cpu_before, **sampler.peak()}
        finally:
            sampler.stop()
            server.stop()
        verdict = check(store, session, out["final"])
        acknowledged = sum(n for (what, status), n in out["statuses"].items() if what == "answer"
                           and status in (200, 201))
        result = {"db": kind, "phones": phones, "answers_each": answers, "cards": len(sort["items"]),
                  "seconds": out["seconds"], "answers_acknowledged": acknowledged,
                  "answers_per_second": acknowledged / out["seconds"], "retried": out["retried"],
                  "statuses": {f"{w} {s}": n for (w, s), n in sorted(out["statuses"].items())},
                  "latency_ms": common.summary([x * 1000 for x in out["latency"]]), "errors": out["errors"][:5],
                  "error_count": len(out["errors"]), "check": verdict, "server": served}
        session.end()
        store.close()
        return result
    finally:
        if schema:
            import psycopg
            with psycopg.connect(common.PG_URL, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="100 phones x 20 answers")
    args = parser.parse_args()
    if args.quick:
        args.phones, args.answers = 100, 20
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = {"machine": common.machine(), "runs": []}
    with tempfile.TemporaryDirectory(prefix="concurrency-") as tmp:
        for kind in kinds:
            result = run_one(kind, args.phones, args.answers, Path(tmp))
            results["runs"].append(result)
            if not result["latency_ms"]["n"]:
                print(f"{kind}: no answer was acknowledged:", *result["errors"], sep="\n  ")
                continue
            v = result["check"]
            lat = result["latency_ms"]
            print(f"{kind}: {result['answers_acknowledged']:,} answers acknowledged in {result['seconds']:.0f} s "
                  f"({result['answers_per_second']:,.0f}/s), latency p50 {lat['p50']:.0f} ms p95 {lat['p95']:.0f} ms "
                  f"p99 {lat['p99']:.0f} ms, {result['retried']:,} retried, {result['error_count']} phones failed; "
                  f"database: {v['rows']:,} rows, {v['lost']} lost, {v['doubled']} doubled, "
                  f"{v['wrong_value']} wrong, {v['invented']} invented, {v['respondents']} respondents -> "
                  f"{'OK' if v['ok'] else 'FAILED'}", flush=True)
        if result["errors"]:
            print("first errors:", *result["errors"], sep="\n  ")
    path = common.save("concurrency", results)
    print(f"results: {path}")
    if not all(r["check"]["ok"] and not r["error_count"] for r in results["runs"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
