"""Hall load: a hall of students on phones against one real ``toolkit serve``.

Run (``pip install -e '.[bench]'`` first)::

    python benchmarks/hall.py                    # 2,000 students, 500 answers/s, 3 runs, + the Voila side-by-side
    python benchmarks/hall.py --quick            # 200 students, 1 run, 5 Voila pages: a smoke test in ~1 min
    python benchmarks/hall.py --students 1000 --rate 250 --runs 1 --no-voila
    python benchmarks/hall.py --db postgresql://postgres@127.0.0.1:5432/test   # an EMPTY database: it is filled
    python benchmarks/hall.py --students 2000 --rate 500 --no-voila --workers 1   # students in one process

What it measures, per run, on a fresh store and a fresh ``toolkit serve`` on 127.0.0.1:

* N simulated students join over ten seconds, each as its phone does: GET the join page
  (which sets the ``_xsrf`` cookie), POST ``join``, then hold the live SSE stream open.
  **join** = from the page request until the first state arrives over SSE.
* A driver paces the ``short-25`` plan (ten activities that take answers, one of them a
  five-card sort) through the Python API, as the facilitator's console does:
  ``open_store(url).find_session(code)`` then ``next`` / ``open_voting`` / ``close_voting``.
  Students answer what they see over SSE, with think times spread so answers arrive at
  ``--rate`` per second. **answer** = POST to acknowledgement, at the rate achieved.
* **notify** = from the facilitator's call until a student's SSE stream carries the new
  version: per student, and per change until the LAST student has it.
* **chart** = from an answer's acknowledgement until the facilitator's read shows it:
  a separate process (standing in for the facilitator's kernel) calls the console's own
  ``dashboards.console.live.look`` in a loop, and times ``session.responses()`` (what the
  console re-reads when the fingerprint moves) once a second.
* **server** RSS (peak) and CPU, its student workers included (``--workers N`` sets how many
  processes serve students; by default ``toolkit serve``'s own, one per core; they are started
  before the measurement, as a first phone would), and the load generator's own CPU: it shares the two
  cores with the server, so every latency here includes its queueing too.
* The load generator's own stalls: its event loop is watched, and the answer p99 is given
  twice, over all answers and over those not timed across a stall of over 50 ms (one process
  plays every phone; real phones stall apart). Every answer and change is kept in the
  results file (``timeline``), to see where in the lesson a tail falls.
* Side by side (``--voila N``, default 30): N students joining a second session at the same
  instant, against N views of a one-widget notebook in Voila on the same server (plain
  HTTP: the time until the rendered page, which Voila sends only after it has started a
  kernel and run the notebook, has arrived with the widget's view in it; a browser then
  still loads ~100 requests of JavaScript before the widget shows, so this is a lower bound).

Results go to ``benchmarks/results/hall-*.json``; the summary printed at the end is what
BENCHMARKS.md quotes (median and min-max over runs).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import cpu_seconds, sse_events  # noqa: E402

PLAN = "short-25"
JOIN_WINDOW = 10.0
GENERATOR_GC = (50_000, 20, 10)  # the load generator's collection thresholds while phones answer
mono = time.monotonic


def plan(live_results: bool = False):
    """The hall's plan; with ``live_results``, as if its settings said ``show_results_live``
    (every answer then reaches the phones' result view, not only at the reveal)."""
    if not live_results:
        return PLAN
    from toolkit.content import Library, Programme, resolve_plan
    snapshot = resolve_plan(PLAN, Library()).snapshot()
    snapshot["plan"] = {**snapshot["plan"], "settings": {**snapshot["plan"].get("settings", {}),
                                                         "show_results_live": True}}
    return Programme.from_snapshot(snapshot)


# -- the facilitator's reader (a separate process, like the facilitator's kernel) -----------
def facilitator_reader(db_url: str, code: str, out: str, interval: float) -> None:
    """Poll the console's own read until stdin closes; write the samples as JSON to ``out``."""
    import toolkit
    from toolkit.dashboards.console import live
    store = toolkit.open_store(db_url)
    session = store.find_session(code)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    polls, reads = [], []
    last_read = 0.0
    while not stop.is_set():
        t0 = mono()
        snapshot = live.look(store, session)  # the console's read on each timer tick
        t1 = mono()
        act = session.current_activity
        polls.append((t0, t1, act.id if act is not None else None, sum(snapshot.counts.values())))
        if t1 - last_read >= 1.0 and act is not None and act.votes:
            last_read = t1
            frame = snapshot.responses  # what a redraw reads when the fingerprint moved
            reads.append((t1, mono() - t1, len(frame)))
        stop.wait(interval)
    store.close()
    Path(out).write_text(json.dumps({"polls": polls, "reads": reads}))


# -- one student -------------------------------------------------------------------------
class Student:
    def __init__(self, hall: "Hall", number: int):
        self.hall = hall
        self.number = number
        self.cookies: dict[str, str] = {}
        self.http = None  # the phone's own client, while it runs
        self.join: dict = {}
        self.seen: dict[int, float] = {}  # version -> when first received
        self.answered: set[str] = set()
        self.tasks: list[asyncio.Task] = []
        self.error: str | None = None

    def _cookie_header(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _keep(self, response) -> None:
        for name, morsel in response.cookies.items():
            self.cookies[name] = morsel.value

    async def run(self, start_at: float) -> None:
        import aiohttp
        h = self.hall
        await asyncio.sleep(max(0.0, start_at - mono()))
        # Each phone its own connections from its own address, as on the school's Wi-Fi.
        connector = aiohttp.TCPConnector(limit=0, local_addr=(common.phone_address(self.number), 0))
        async with aiohttp.ClientSession(connector=connector, timeout=h.http.timeout,
                                         cookie_jar=aiohttp.DummyCookieJar()) as self.http:
            await self._run()

    async def _run(self) -> None:
        h = self.hall
        t0 = mono()
        try:
            async with self.http.get(h.url(f"toolkit/join?code={h.code}")) as r:
                await r.read()
                self._keep(r)
                if r.status != 200:
                    raise RuntimeError(f"join page {r.status}")
            t_page = mono()
            headers = {**self._cookie_header(), "X-XSRFToken": self.cookies.get("_xsrf", ""),
                       "Content-Type": "application/json"}
            async with self.http.post(h.url(f"toolkit/api/sessions/{h.code}/join"), data=b"{}", headers=headers) as r:
                await r.read()
                self._keep(r)
                if r.status not in (200, 201):
                    raise RuntimeError(f"join {r.status}")
            t_join = mono()
            await self.listen(t0, t_page, t_join)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # counted and reported, never silently dropped
            self.error = f"{type(exc).__name__}: {exc}"

    async def listen(self, t0, t_page, t_join) -> None:
        h = self.hall
        async with self.http.get(h.url(f"toolkit/api/sessions/{h.code}/events"), headers=self._cookie_header()) as r:
            if r.status != 200:
                raise RuntimeError(f"events {r.status}")
            async for kind, data in sse_events(r.content):
                now = mono()
                if kind is not None:  # "ping": only the version, on an idle stream
                    continue
                state = h.state(data)
                if not self.join:
                    self.join = {"total": now - t0, "page": t_page - t0, "post": t_join - t_page,
                                 "first_event": now - t_join}
                    h.joined += 1
                self.seen.setdefault(state["version"], now)
                self.react(state)

    def react(self, state: dict) -> None:
        act = state.get("activity")
        if not state.get("voting_open") or act is None or act["id"] in self.answered:
            return
        self.answered.add(act["id"])
        items = [c["id"] for c in act.get("cards") or []] or [None]
        for item in items:
            self.tasks.append(asyncio.ensure_future(self.answer(act, item)))

    async def answer(self, act: dict, item: str | None) -> None:
        h = self.hall
        # Think times spread over a window sized so the hall's answers arrive at the target rate.
        await asyncio.sleep(0.3 + random.random() * h.window(act))
        options = act.get("options") or act.get("categories") or []
        ids = [o["id"] if isinstance(o, dict) else o for o in options]
        if act.get("type") == "multiple":
            value = random.sample(ids, k=min(2, len(ids)))
        else:
            value = random.choice(ids) if ids else "1"
        body = {"activity": act["id"], "value": value}
        if item is not None:
            body["item"] = item
        headers = {**self._cookie_header(), "X-XSRFToken": self.cookies.get("_xsrf", ""),
                   "Content-Type": "application/json"}
        t0 = mono()
        try:
            async with self.http.post(h.url(f"toolkit/api/sessions/{h.code}/responses"), data=json.dumps(body),
                                   headers=headers) as r:
                text = await r.read()
                status = r.status
        except Exception as exc:
            status, text = 0, str(exc).encode()
        t1 = mono()
        h.acks.append((act["id"], t0, t1, status))
        if status not in (200, 201) and len(h.failures) < 20:
            h.failures.append(f"{status} {text[:200]!r}")


# -- the hall ----------------------------------------------------------------------------
class Hall:
    def __init__(self, server: common.Server, code: str, students: int, rate: float):
        self.server = server
        self.code = code
        self.n = students
        self.rate = rate
        self.http = None
        self.joined = 0
        self.acks: list[tuple[str, float, float, int]] = []
        self.failures: list[str] = []
        self.students: list[Student] = []
        self._states: dict[str, dict] = {}

    def state(self, data: str) -> dict:
        """An event's state, parsed once for the whole hall: every phone is sent the same
        text, and parsing it 2,000 times over stalled this one process for a good part of a
        second at every change, timing answers in flight as slow (phones parse their own)."""
        state = self._states.get(data)
        if state is None:
            if len(self._states) > 64:
                self._states.clear()
            state = self._states[data] = json.loads(data)
        return state

    def url(self, path: str) -> str:
        return self.server.url(path)

    def window(self, act: dict) -> float:
        items = max(1, len(act.get("cards") or []))
        return self.n * items / self.rate


async def drive(db_url: str, code: str, hall: Hall, changes: list, log) -> None:
    """The facilitator: pace every activity of the plan through the Python API."""
    import toolkit
    store = await asyncio.to_thread(toolkit.open_store, db_url)
    session = await asyncio.to_thread(store.find_session, code)

    async def move(verb: str, what: str):
        t0 = mono()
        await asyncio.to_thread(getattr(session, verb))
        changes.append({"what": what, "verb": verb, "version": session.version, "t_call": t0, "t_done": mono()})

    for activity in session.activities:
        await move("next", f"next -> {activity.id}")
        await asyncio.sleep(1.0)
        if not activity.votes:
            continue
        await move("open_voting", f"open {activity.id}")
        expected = hall.joined * len(activity.items)
        deadline = mono() + hall.n * len(activity.items) / hall.rate + 20
        while mono() < deadline and sum(1 for a in hall.acks if a[0] == activity.id) < expected:
            await asyncio.sleep(0.1)
        got = sum(1 for a in hall.acks if a[0] == activity.id)
        log(f"  {activity.id}: {got}/{expected} answers acknowledged")
        await asyncio.sleep(1.5)  # let the facilitator's reader catch up before voting closes
        await move("close_voting", f"close {activity.id}")
        await asyncio.sleep(1.0)
    await move("next", "next -> summary")
    await asyncio.sleep(1.0)
    await asyncio.to_thread(store.close)


def chart_latencies(acks, polls) -> list[float]:
    """For each answer, from its acknowledgement until the reader's count included it.

    Answers to one activity are ranked by acknowledgement: the k-th one is visible once a
    read finishing after its acknowledgement counts at least k answers.
    """
    out = []
    by_act: dict[str, list] = {}
    for act, _, t1, status in acks:
        if status in (200, 201):
            by_act.setdefault(act, []).append(t1)
    for act, times in by_act.items():
        times.sort()
        mine = [(t_end, total) for _, t_end, a, total in polls if a == act]
        j = 0
        for k, t_ack in enumerate(times, start=1):
            while j < len(mine) and (mine[j][0] < t_ack or mine[j][1] < k):
                j += 1
            if j == len(mine):
                break
            out.append(mine[j][0] - t_ack)
    return out


STALL = 0.05  # s: a stall of the load generator's loop long enough to matter to an answer's time


def stalled(stalls: list, t0: float, t1: float) -> bool:
    """Whether an answer sent at t0 and acknowledged at t1 (seconds from the start) was timed
    across one of the generator's stalls longer than ``STALL``."""
    return any(late > STALL and t0 < at + late + 0.01 and at < t1 for at, late in stalls)


async def loop_stalls(out: list, t_start: float, every: float = 0.01, over: float = 0.02) -> None:
    """The load generator's own event-loop stalls longer than ``over`` seconds, as (seconds
    from the start, length): a slow answer timed across one of them is the generator's."""
    while True:
        t = mono()
        await asyncio.sleep(every)
        late = mono() - t - every
        if late > over:
            out.append((round(t - t_start, 3), round(late, 3)))


async def hall_run(args, server: common.Server, db_url: str, sampler: common.ProcessSampler, log) -> dict:
    import aiohttp
    import psutil
    import toolkit
    store = toolkit.open_store(db_url)
    session = store.start_session(plan(args.live_results), organisation="Benchmark")
    code = session.code
    store.close()
    hall = Hall(server, code, args.students, args.rate)
    me = psutil.Process()
    out_path = tempfile.mktemp(suffix=".json", prefix="reader-")
    reader = subprocess.Popen([sys.executable, __file__, "--facilitator-reader", db_url, code, out_path],
                              stdin=subprocess.PIPE, cwd=common.ROOT)
    reader_ps = psutil.Process(reader.pid)
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=None, connect=60, sock_read=None)
    changes: list[dict] = []
    marks = {}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) \
            as http:
        hall.http = http
        busy0 = psutil.cpu_times()
        cpu0, my0, t_start = sampler.cpu(), sum(me.cpu_times()[:2]), mono()
        hall.students = [Student(hall, i) for i in range(args.students)]
        stalls: list = []
        watch_stalls = asyncio.ensure_future(loop_stalls(stalls, t_start))
        tasks = [asyncio.ensure_future(s.run(t_start + JOIN_WINDOW * i / args.students))
                 for i, s in enumerate(hall.students)]
        deadline = t_start + JOIN_WINDOW + 60
        while hall.joined < args.students and mono() < deadline:
            await asyncio.sleep(0.1)
            if all(t.done() for t in tasks):
                break
        marks["joined"] = (mono(), sampler.cpu(), sum(me.cpu_times()[:2]))
        # The hall's phones, connections and streams live to the end: the generator's full
        # collections need not walk them again (each one a stall timed into answers in flight).
        gc.collect()
        gc.freeze()
        # And each phone's kept-alive connection makes objects that live until its next answer,
        # seconds: collected young less often, they are freed before they reach the oldest
        # generation, whose full collections stalled the generator (as toolkit/server/heap.py).
        thresholds = gc.get_threshold()
        gc.set_threshold(*GENERATOR_GC)
        log(f"  joined: {hall.joined}/{args.students} in {mono() - t_start:.1f} s "
            f"({sum(1 for s in hall.students if s.error)} errors)")
        await drive(db_url, code, hall, changes, log)
        marks["done"] = (mono(), sampler.cpu(), sum(me.cpu_times()[:2]))
        watch_stalls.cancel()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        busy1 = psutil.cpu_times()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for s in hall.students:
            for t in s.tasks:
                t.cancel()
    reader.stdin.close()
    try:
        reader_cpu = sum(reader_ps.cpu_times()[:2])
    except psutil.Error:
        reader_cpu = None
    reader.wait(60)
    try:
        samples = json.loads(Path(out_path).read_text())
        os.unlink(out_path)
    except OSError:  # the reader failed: the rest of the run still counts
        log(f"  the facilitator's reader wrote nothing (exit {reader.returncode})")
        samples = {"polls": [], "reads": []}

    # -- what the run measured --
    joins = [s.join for s in hall.students if s.join]
    errors = [s.error for s in hall.students if s.error]
    ok = [a for a in hall.acks if a[3] in (200, 201)]
    lat = [1000 * (t1 - t0) for _, t0, t1, _ in ok]
    statuses: dict[str, int] = {}
    for a in hall.acks:
        statuses[str(a[3])] = statuses.get(str(a[3]), 0) + 1
    rates = []
    for act in {a[0] for a in ok}:
        t = sorted(a[2] for a in ok if a[0] == act)
        if len(t) > 10:
            lo, hi = common.pct(t, 5), common.pct(t, 95)  # the steady middle, not the ramp
            if hi > lo:
                rates.append(0.9 * len(t) / (hi - lo))
    per_second: dict[int, int] = {}
    for a in ok:
        per_second[int(a[2])] = per_second.get(int(a[2]), 0) + 1
    notify_each, notify_all, missed = [], [], 0
    listening = [s for s in hall.students if s.join]
    for ch in changes:
        got = []
        for s in listening:
            when = min((t for v, t in s.seen.items() if v >= ch["version"]), default=None)
            if when is None:
                missed += 1
            else:
                got.append(when - ch["t_call"])
        notify_each += [1000 * g for g in got]
        if got:
            notify_all.append(1000 * max(got))
    chart = [1000 * x for x in chart_latencies(hall.acks, samples["polls"])]
    t_join, cpu_join, my_join = marks["joined"]
    t_done, cpu_done, my_done = marks["done"]
    return {
        "students": args.students, "joined": len(joins), "join_errors": len(errors), "join_error_examples": errors[:5],
        "join_ms": common.summary([1000 * j["total"] for j in joins]),
        "join_parts_ms": {k: common.summary([1000 * j[k] for j in joins], (50, 95)) for k in
                          ("page", "post", "first_event")},
        "answers": {"sent": len(hall.acks), "statuses": statuses, "failures": hall.failures[:10],
                    "target_rate": args.rate, "achieved_rate_median": common.pct(rates, 50),
                    "peak_1s": max(per_second.values(), default=0)},
        "answer_ms": common.summary(lat),
        # The same, leaving out answers timed across one of the generator's own stalls (over
        # 50 ms): what a hall of real phones, each with its own processor, would have timed.
        "answer_clear_ms": common.summary([1000 * (t1 - t0) for _, t0, t1, _ in ok
                                           if not stalled(stalls, t0 - t_start, t1 - t_start)]),
        "generator_stalls": {"over_50ms": sum(1 for _, late in stalls if late > STALL),
                             "seconds": round(sum(late for _, late in stalls if late > STALL), 2),
                             "longest_ms": 1000 * max((late for _, late in stalls), default=0)},
        "notify_each_ms": common.summary(notify_each),
        "notify_all_ms": common.summary(notify_all, (50, 95)),
        "notify_missed": missed, "changes": len(changes),
        # Every answer (activity, sent, acknowledged, status) and change, in seconds from the
        # start: where in the lesson a tail of slow answers falls.
        "timeline": {"answers": [(a, round(t0 - t_start, 4), round(t1 - t_start, 4), st)
                                 for a, t0, t1, st in hall.acks],
                     "changes": [(c["what"], round(c["t_call"] - t_start, 4), round(c["t_done"] - t_start, 4))
                                 for c in changes],
                     "generator_stalls": stalls,
                     # The monotonic clock at 0, to line a server's own log up with this one.
                     "t_start": t_start},
        "chart_visible_ms": common.summary(chart, (50, 95)),
        "chart_fingerprint_ms": common.summary([1000 * (p[1] - p[0]) for p in samples["polls"]], (50, 95)),
        "chart_responses_read_ms": common.summary([1000 * r[1] for r in samples["reads"]], (50, 95)),
        "chart_responses_rows_max": max((r[2] for r in samples["reads"]), default=0),
        # CPU per operation holds still when the shared machine does not: what capacity needs.
        "server_cpu_ms_per_join": 1000 * (cpu_join - cpu0) / max(len(joins), 1),
        "server_cpu_ms_per_answer": 1000 * (cpu_done - cpu_join) / max(len(ok), 1),
        "loadgen_cpu_ms_per_answer": 1000 * (my_done - my_join) / max(len(ok), 1),
        "server": {**sampler.peak(t_start, t_done), "cpu_s": cpu_done - cpu0,
                   "cpu_pct_join": 100 * (cpu_join - cpu0) / (t_join - t_start),
                   "cpu_pct_session": 100 * (cpu_done - cpu_join) / (t_done - t_join),
                   "rss_end_mb": sampler.rss()[0] / 2**20},
        "loadgen": {"cpu_s": my_done - my0, "cpu_pct_join": 100 * (my_join - my0) / (t_join - t_start),
                    "cpu_pct_session": 100 * (my_done - my_join) / (t_done - t_join)},
        "reader_cpu_s": reader_cpu, "wall_s": t_done - t_start,
        # The machine is shared: how busy it was in all, and with how much not ours.
        "machine": common.machine_busy(busy0, busy1, t_done - t_start,
                                       cpu_done - cpu0 + my_done - my0 + (reader_cpu or 0)),
    }


# -- side by side: N students vs N Voila views, all at once -------------------------------
TINY = {"cells": [{"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {}, "outputs": [],
                   "source": "import ipywidgets as W\nW.Button(description='Healthy')"}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}
VIEW_MIME = "application/vnd.jupyter.widget-view+json"


async def side_by_side(args, server: common.Server, db_url: str, sampler: common.ProcessSampler, log) -> dict:
    import aiohttp
    import toolkit
    n = args.voila
    store = toolkit.open_store(db_url)
    code = store.start_session(PLAN, organisation="Benchmark side by side").code
    store.close()
    connector = aiohttp.TCPConnector(limit=0)
    # A kernel that dies starting (ports race when thirty start at once) leaves its view
    # waiting for ever: give up after three minutes and count it as failed.
    timeout = aiohttp.ClientTimeout(total=180)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) \
            as http:
        hall = Hall(server, code, n, args.rate)
        hall.http = http
        students = [Student(hall, i) for i in range(n)]
        t0 = mono()
        tasks = [asyncio.ensure_future(s.run(t0)) for s in students]
        while hall.joined < n and mono() < t0 + 120 and not all(t.done() for t in tasks):
            await asyncio.sleep(0.02)
        rss_students = sampler.rss()[0] / 2**20
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        join_ms = [1000 * s.join["total"] for s in students if s.join]
        log(f"  {len(join_ms)}/{n} students had their first state; median {common.pct(join_ms, 50):.0f} ms")

        await asyncio.sleep(1.0)
        before = sampler.rss()
        cpu0 = sampler.cpu()
        page = server.url(f"voila/render/bench-tiny.ipynb?token={server.token}")

        async def view():
            t = mono()
            async with http.get(page) as r:
                first = None
                body = b""
                async for chunk in r.content.iter_any():
                    first = first or mono()
                    body += chunk
                return {"status": r.status, "ms": 1000 * (mono() - t), "ttfb_ms": 1000 * ((first or mono()) - t),
                        "widget": VIEW_MIME in body.decode(errors="replace"), "bytes": len(body)}

        t1 = mono()
        views = await asyncio.gather(*[view() for _ in range(n)], return_exceptions=True)
        t2 = mono()
        await asyncio.sleep(1.0)
        peak = sampler.peak(t1, mono())
        cpu_voila = sampler.cpu() - cpu0
        good = [v for v in views if isinstance(v, dict) and v["status"] == 200 and v["widget"]]
        log(f"  {len(good)}/{n} Voila views rendered with their widget; median "
            f"{common.pct([v['ms'] for v in good], 50) or 0:.0f} ms")
        # Voila keeps each view's kernel until its page goes away: shut them down.
        async with http.get(server.url(f"api/kernels?token={server.token}")) as r:
            kernels = await r.json() if r.status == 200 else []
        for k in kernels:
            async with http.delete(server.url(f"api/kernels/{k['id']}?token={server.token}")) as r:
                await r.read()
    return {
        "n": n,
        "students_ms": common.summary(join_ms, (50, 95)), "students_server_rss_mb": rss_students,
        "voila_ms": common.summary([v["ms"] for v in good], (50, 95)),
        "voila_ttfb_ms": common.summary([v["ttfb_ms"] for v in good], (50, 95)),
        "voila_ok": len(good), "voila_errors": [repr(v)[:200] for v in views if v not in good][:5],
        "voila_page_bytes": common.pct([v["bytes"] for v in good], 50),
        "voila_wall_s": t2 - t1, "voila_cpu_s": cpu_voila, "kernels": len(kernels),
        "server_rss_before_mb": before[0] / 2**20, "voila_peak": peak,
        "voila_rss_per_view_mb": ((peak.get("total_rss_mb") or 0) - (before[0] + before[1]) / 2**20) / max(n, 1),
    }


# -- the floor: one burst of answers against toolkit serve and a bare tornado app ---------
class BurstPhone:
    """A phone of the burst: page, join, event stream held open; then one answer on cue."""

    def __init__(self, n: int, base_url: str, code: str):
        self.n, self.base_url, self.code = n, base_url, code
        self.cookies: dict[str, str] = {}
        self.state: dict | None = None
        self.joined = asyncio.get_event_loop().create_future()
        self.ack: tuple[float, float, int] | None = None
        self.http = None

    def _headers(self, post: bool = False) -> dict:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if post:
            headers.update({"X-XSRFToken": self.cookies.get("_xsrf", ""), "Content-Type": "application/json"})
        return headers

    def _keep(self, response) -> None:
        for name, morsel in response.cookies.items():
            self.cookies[name] = morsel.value

    async def run(self, start_at: float, fire: asyncio.Future) -> None:
        import aiohttp
        await asyncio.sleep(max(0.0, start_at - mono()))
        connector = aiohttp.TCPConnector(limit=0, local_addr=(common.phone_address(self.n), 0))
        timeout = aiohttp.ClientTimeout(total=None, connect=60, sock_read=None)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                         cookie_jar=aiohttp.DummyCookieJar()) as self.http:
            try:
                async with self.http.get(f"{self.base_url}toolkit/join?code={self.code}") as r:
                    await r.read()
                    self._keep(r)
                async with self.http.post(f"{self.base_url}toolkit/api/sessions/{self.code}/join", data=b"{}",
                                          headers=self._headers(post=True)) as r:
                    await r.read()
                    self._keep(r)
                    if r.status not in (200, 201):
                        raise RuntimeError(f"join {r.status}")
                stream = asyncio.ensure_future(self.listen())
                await self.joined
                await fire
                await self.answer(fire.result())
                stream.cancel()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not self.joined.done():
                    self.joined.set_exception(exc)

    async def listen(self) -> None:
        async with self.http.get(f"{self.base_url}toolkit/api/sessions/{self.code}/events",
                                 headers=self._headers()) as r:
            async for kind, data in sse_events(r.content):
                if kind is None:  # a state; a "ping" carries only the version
                    self.state = json.loads(data)
                    if not self.joined.done():
                        self.joined.set_result(mono())

    async def answer(self, at: float) -> None:
        await asyncio.sleep(max(0.0, at - mono()))
        act = self.state["activity"]
        body = json.dumps({"activity": act["id"], "value": act["options"][self.n % len(act["options"])]["id"],
                           "seq": 1})
        import aiohttp
        t0 = mono()
        status = 0
        # Once more on a fresh connection if the kept-alive one was closed under it (the server
        # closes connections idle for header_timeout): what a browser does for a reused one.
        for attempt in range(2):
            try:
                async with self.http.post(f"{self.base_url}toolkit/api/sessions/{self.code}/responses", data=body,
                                          headers=self._headers(post=True)) as r:
                    await r.read()
                    status = r.status
                break
            except aiohttp.ServerDisconnectedError:
                continue
            except Exception:
                break
        self.ack = (t0, mono(), status)


def database_cpu() -> float:
    """CPU seconds of the PostgreSQL server's processes so far (the server's connections are
    pooled, so their backends live through a burst; other users of the same PostgreSQL count
    too, so this is an upper bound)."""
    import psutil
    return cpu_seconds(p for p in psutil.process_iter(["name"]) if p.info["name"] in ("postgres", "postmaster"))


async def burst_phones(base_url, code: str, n: int, sampler, log, db: bool = False) -> dict:
    """``n`` phones join over ``n / 100`` seconds (at least 5) and hold their streams; then all
    answer at the same instant. Answers per second, latency, server CPU per join and answer
    (and with ``db``, PostgreSQL's). ``base_url``: one server, or a list of servers on one
    store that the phones are shared between in turn."""
    bases = [base_url] if isinstance(base_url, str) else list(base_url)
    import psutil
    me = psutil.Process()
    db0 = database_cpu() if db else None
    busy0 = psutil.cpu_times()
    fire = asyncio.get_running_loop().create_future()
    phones = [BurstPhone(i, bases[i % len(bases)], code) for i in range(n)]
    t0 = mono()
    cpu0, my0 = sampler.cpu(), sum(me.cpu_times()[:2])
    window = max(5.0, n / 100)
    tasks = [asyncio.ensure_future(p.run(t0 + window * i / n, fire)) for i, p in enumerate(phones)]
    done, _ = await asyncio.wait([p.joined for p in phones], timeout=window + 120)
    joined = [p for p in phones if p.joined.done() and p.joined.exception() is None]
    cpu1 = sampler.cpu()
    db1 = database_cpu() if db else None
    await asyncio.sleep(1.0)
    t_fire = mono() + 0.5
    cpu2, my2 = sampler.cpu(), sum(me.cpu_times()[:2])
    db2 = database_cpu() if db else None
    fire.set_result(t_fire)
    deadline = mono() + 120
    while mono() < deadline and any(p.ack is None for p in joined):
        await asyncio.sleep(0.05)
    t3 = mono()
    cpu3, my3 = sampler.cpu(), sum(me.cpu_times()[:2])
    db3 = database_cpu() if db else None
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    busy1 = psutil.cpu_times()
    acks = [p.ack for p in joined if p.ack is not None]
    ok = [a for a in acks if a[2] in (200, 201)]
    last = max((a[1] for a in ok), default=t_fire)
    statuses: dict[str, int] = {}
    for a in acks:
        statuses[str(a[2])] = statuses.get(str(a[2]), 0) + 1
    joins = [p.joined.result() - (t0 + window * p.n / n) for p in joined]
    log(f"    {len(joined)}/{n} joined; {len(ok)} answers in {last - t_fire:.2f} s; statuses {statuses}")
    return {
        "phones": n, "joined": len(joined), "statuses": statuses,
        "join_ms": common.summary([1000 * j for j in joins]),
        "answers_per_s": len(ok) / (last - t_fire) if ok and last > t_fire else None,
        "answer_ms": common.summary([1000 * (a[1] - a[0]) for a in ok]),
        "server_cpu_ms_per_join": 1000 * (cpu1 - cpu0) / max(len(joined), 1),
        "server_cpu_ms_per_answer": 1000 * (cpu3 - cpu2) / max(len(ok), 1),
        "loadgen_cpu_ms_per_answer": 1000 * (my3 - my2) / max(len(ok), 1),
        "database_cpu_ms_per_join": 1000 * (db1 - db0) / max(len(joined), 1) if db else None,
        "database_cpu_ms_per_answer": 1000 * (db3 - db2) / max(len(ok), 1) if db else None,
        "machine": common.machine_busy(busy0, busy1, t3 - t0, (cpu3 - cpu0) + (my3 - my0) + ((db3 - db0) if db else 0)),
    }


def start_floor(work: Path) -> tuple[subprocess.Popen, str]:
    """The bare tornado app (``bare.py``) on a free port: (process, base URL)."""
    port = common.free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bare.py")), str(port)],
                            stdout=subprocess.PIPE, cwd=work)
    if proc.stdout.readline().strip() != b"ready":
        proc.kill()
        raise RuntimeError("the bare app did not start")
    return proc, f"http://127.0.0.1:{port}/"


def create_store(db_url: str) -> None:
    import toolkit
    toolkit.open_store(db_url).close()


def with_tree(tree, call: str, db_url: str) -> str:
    """``call(db_url)`` (a function of this module) run with the toolkit of ``tree`` when one
    is given, so the store has the schema of the toolkit served (a before/after across a
    schema change); its result as text."""
    if not tree:
        return globals()[call](db_url) or ""
    script = (f"import sys, toolkit; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
              f"import hall; print(hall.{call}(sys.argv[1]) or '')")
    env = {**os.environ, "PYTHONPATH": str(Path(tree).resolve())}
    out = subprocess.run([sys.executable, "-c", script, db_url], env=env, cwd=str(Path(tree).resolve()),
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def open_poll(db_url: str) -> str:
    """A session of the hall's plan on its first poll, voting open: its code."""
    import toolkit
    store = toolkit.open_store(db_url)
    session = store.start_session(PLAN, organisation="Benchmark burst")
    while True:
        session.next()
        act = session.current_activity
        if act.votes and act.kind != "sort":
            break
    session.open_voting()
    store.close()
    return session.code


class Samplers:
    """``ProcessSampler`` over several servers: CPU summed, RSS the largest one's."""

    def __init__(self, pids):
        self.each = [common.ProcessSampler(pid).start() for pid in pids]

    def cpu(self) -> float:
        return sum(s.cpu() for s in self.each)

    def peak(self) -> dict:
        return {"rss_mb": max((s.peak().get("rss_mb") or 0) for s in self.each)}

    def stop(self) -> None:
        for s in self.each:
            s.stop()


def settle(sampler, log, quiet: float = 0.03, longest: float = 120.0) -> float:
    """Wait until the server (with its children) uses under ``quiet`` of a core for a second:
    ``toolkit serve`` starts its warm kernels for the console and the trends page as it
    starts, several seconds of CPU that a hall, joining minutes later, never meets. The
    seconds waited."""
    t0 = mono()
    before = sampler.cpu()
    while mono() - t0 < longest:
        time.sleep(1.0)
        now = sampler.cpu()
        if now - before < quiet:
            break
        before = now
    waited = mono() - t0
    log(f"    server settled after {waited:.0f} s")
    return waited


def burst_pair(args, run: int, log) -> dict:
    """The burst against the floor and against toolkit serve, one after the other (the order
    alternating run by run, so neither always meets the quieter minute)."""
    out = {}
    order = ("floor", "toolkit") if run % 2 else ("toolkit", "floor")
    for target in order:
        work = Path(tempfile.mkdtemp(prefix="burst-"))
        if target == "floor":
            proc, base = start_floor(work)
            code, stop = "BARE42", proc.kill
            pid = proc.pid
        else:
            db_url = args.db or f"sqlite:///{work / 'burst.db'}"
            if args.db:
                common_check_empty(db_url)
            with_tree(args.tree, "create_store", db_url)
            servers = [common.start_server(work / f"instance-{k}", db_url, tree=args.tree,
                                           args=["--ToolkitApp.streams_per_address=0", *args.server_arg])
                       for k in range(args.instances)]
            for server in servers:
                common.wake_workers(server)
            code, base = with_tree(args.tree, "open_poll", db_url), [server.base_url for server in servers]
            pid = [server.process.pid for server in servers]

            def stop(servers=servers, db_url=db_url):
                for server in servers:
                    server.stop()
                if args.db:
                    reset_pg(db_url)
        sampler = Samplers(pid if isinstance(pid, list) else [pid])
        try:
            settle(sampler, log)
            log(f"  burst {run} against {target}: {args.burst} phones"
                + (f" over {args.instances} instances" if target == "toolkit" and args.instances > 1 else ""))
            out[target] = asyncio.run(burst_phones(base, code, args.burst, sampler, log,
                                                   db=bool(args.db) and target == "toolkit"))
            out[target]["rss_mb"] = sampler.peak().get("rss_mb")
        finally:
            sampler.stop()
            stop()
    f, t = out["floor"], out["toolkit"]
    if f["answers_per_s"] and t["answers_per_s"]:
        out["ratio_answers_per_s"] = t["answers_per_s"] / f["answers_per_s"]
    if f["answer_ms"]["p99"] and t["answer_ms"]["p99"]:
        out["ratio_answer_p99"] = t["answer_ms"]["p99"] / f["answer_ms"]["p99"]
    if f["server_cpu_ms_per_answer"] and t["server_cpu_ms_per_answer"]:
        out["ratio_cpu_per_answer"] = t["server_cpu_ms_per_answer"] / f["server_cpu_ms_per_answer"]
    return out


BURST_ROWS = [  # (label, path, unit, digits)
    ("phones joined (of the burst)", ("joined",), "", 0),
    ("answers/s in the burst", ("answers_per_s",), "", 0),
    ("answer p50", ("answer_ms", "p50"), " ms", 0),
    ("answer p99", ("answer_ms", "p99"), " ms", 0),
    ("server CPU per join (page + join + stream)", ("server_cpu_ms_per_join",), " ms", 2),
    ("server CPU per answer", ("server_cpu_ms_per_answer",), " ms", 2),
    ("server RSS peak (the largest instance)", ("rss_mb",), " MB", 0),
    ("PostgreSQL CPU per join (with --db)", ("database_cpu_ms_per_join",), " ms", 2),
    ("PostgreSQL CPU per answer (with --db)", ("database_cpu_ms_per_answer",), " ms", 2),
    ("others' CPU on the machine (% of one core)", ("machine", "others_cpu_pct_of_one_core"), " %", 0),
]


def burst_report(bursts: list[dict]) -> str:
    lines = ["| burst measure | bare tornado (floor) | toolkit serve | toolkit / floor |", "| --- | --- | --- | --- |"]
    ratios = {("answers_per_s",): "ratio_answers_per_s", ("answer_ms", "p99"): "ratio_answer_p99",
              ("server_cpu_ms_per_answer",): "ratio_cpu_per_answer"}
    for label, path, unit, digits in BURST_ROWS:
        cells = [common.fmt_spread(common.spread([dig(b.get(t), path) for b in bursts]), unit, digits)
                 for t in ("floor", "toolkit")]
        ratio = ratios.get(path)
        r = common.fmt_spread(common.spread([b.get(ratio) for b in bursts]), "x", 2) if ratio else ""
        lines.append(f"| {label} | {cells[0]} | {cells[1]} | {r} |")
    return "\n".join(lines)


# -- one run, and the whole benchmark ---------------------------------------------------
def one_run(args, run: int, log) -> dict:
    import toolkit
    work = Path(tempfile.mkdtemp(prefix="hall-"))
    if args.db:
        db_url = args.db
        common_check_empty(db_url)
    else:
        db_url = f"sqlite:///{work / 'hall.db'}"
    toolkit.open_store(db_url).close()
    notebooks = work / "notebooks"
    notebooks.mkdir()
    (notebooks / "bench-tiny.ipynb").write_text(json.dumps(TINY))
    # The whole simulated hall connects from this one address: lift the per-address cap on event
    # streams (a real hall's phones each have their own).
    extra = [f"--ServerApp.root_dir={notebooks}", "--ToolkitApp.streams_per_address=0", *args.server_arg]
    server = common.start_server(work, db_url, args=extra, tree=args.tree)
    workers = common.wake_workers(server)
    sampler = common.ProcessSampler(server.process.pid).start()
    try:
        log(f"run {run}: toolkit serve pid {server.process.pid} at {server.base_url} with {workers} student "
            f"worker(s), store {db_url}")
        result = {"hall": asyncio.run(hall_run(args, server, db_url, sampler, log))}
        if args.voila:
            result["side_by_side"] = asyncio.run(side_by_side(args, server, db_url, sampler, log))
        result["server_idle_rss_mb"] = sampler.samples[0][1] / 2**20 if sampler.samples else None
        return result
    finally:
        sampler.stop()
        server.stop()
        if args.db:
            reset_pg(db_url)


def common_check_empty(db_url: str) -> None:
    from sqlalchemy import create_engine, inspect
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    names = inspect(engine).get_table_names()
    engine.dispose()
    if names and "sessions" in names:
        reset_pg(db_url)


def reset_pg(db_url: str) -> None:
    """Drop the toolkit's tables from a benchmark database so each run starts empty."""
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        for table in ("questions", "responses", "devices", "sessions", "snapshots", "toolkit_meta"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()


TARGETS = [  # (label, path, limit, unit[, digits])
    ("students joined", ("hall", "joined"), None, ""),
    ("join to first state p50", ("hall", "join_ms", "p50"), None, " ms"),
    ("join to first state p95", ("hall", "join_ms", "p95"), 300, " ms"),
    ("answers/s achieved (median over activities)", ("hall", "answers", "achieved_rate_median"), None, ""),
    ("answer ack p50", ("hall", "answer_ms", "p50"), None, " ms"),
    ("answer ack p95", ("hall", "answer_ms", "p95"), None, " ms"),
    ("answer ack p99", ("hall", "answer_ms", "p99"), 200, " ms"),
    ("answer ack p99, answers not timed across a load generator stall", ("hall", "answer_clear_ms", "p99"), 200,
     " ms"),
    ("load generator stalls over 50 ms (their total, s)", ("hall", "generator_stalls", "seconds"), None, " s", 1),
    ("change -> a student notified p95", ("hall", "notify_each_ms", "p95"), None, " ms"),
    ("change -> every student notified p95 (over changes)", ("hall", "notify_all_ms", "p95"), 1000, " ms"),
    ("answer ack -> facilitator read shows it p50", ("hall", "chart_visible_ms", "p50"), None, " ms"),
    ("answer ack -> facilitator read shows it p95", ("hall", "chart_visible_ms", "p95"), None, " ms"),
    ("facilitator console read (dashboards.console.live.look) p95", ("hall", "chart_fingerprint_ms", "p95"), None, " ms"),
    ("facilitator session.responses() read p95", ("hall", "chart_responses_read_ms", "p95"), None, " ms"),
    ("server RSS peak", ("hall", "server", "rss_mb"), 300, " MB"),
    ("machine busy, all cores (shared: others' work included)", ("hall", "machine", "busy_pct_of_all_cores"),
     None, " %"),
    ("others' CPU on the machine (% of one core)", ("hall", "machine", "others_cpu_pct_of_one_core"), None, " %"),
    ("server CPU per join (page + join + SSE open)", ("hall", "server_cpu_ms_per_join"), None, " ms", 1),
    ("server CPU per answer (incl. the session's SSE fan-out)", ("hall", "server_cpu_ms_per_answer"), None, " ms", 1),
    ("server CPU while joining", ("hall", "server", "cpu_pct_join"), None, " %"),
    ("server CPU during the session", ("hall", "server", "cpu_pct_session"), None, " %"),
    ("load generator CPU while joining", ("hall", "loadgen", "cpu_pct_join"), None, " %"),
    ("load generator CPU during the session", ("hall", "loadgen", "cpu_pct_session"), None, " %"),
    ("side by side: students first state p50", ("side_by_side", "students_ms", "p50"), None, " ms"),
    ("side by side: students first state p95", ("side_by_side", "students_ms", "p95"), None, " ms"),
    ("side by side: Voila page with widget p50", ("side_by_side", "voila_ms", "p50"), None, " ms"),
    ("side by side: Voila page with widget p95", ("side_by_side", "voila_ms", "p95"), None, " ms"),
    ("side by side: Voila server+kernels RSS peak", ("side_by_side", "voila_peak", "total_rss_mb"), None, " MB"),
    ("side by side: Voila RSS per view", ("side_by_side", "voila_rss_per_view_mb"), None, " MB"),
]


def dig(data, path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def report(runs: list[dict]) -> str:
    lines = ["| measure | result: median (min-max) | target |", "| --- | --- | --- |"]
    for label, path, limit, unit, *digits in TARGETS:
        s = common.spread([dig(r, path) for r in runs])
        if s["median"] is None:
            continue
        verdict = ""
        if limit is not None:
            verdict = f"<= {limit:,}{unit}: " + ("met" if s["median"] <= limit else "**missed**")
        lines.append(f"| {label} | {common.fmt_spread(s, unit, *digits)} | {verdict} |")
    ratio = [dig(r, ("side_by_side", "voila_ms", "p50")) / dig(r, ("side_by_side", "students_ms", "p50"))
             for r in runs if dig(r, ("side_by_side", "voila_ms", "p50")) and dig(r, ("side_by_side", "students_ms",
                                                                                      "p50"))]
    if ratio:
        lines.append(f"| side by side: Voila / students, median time | {common.fmt_spread(common.spread(ratio), 'x')}"
                     " | |")
    return "\n".join(lines)


def main(argv=None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--facilitator-reader":
        return facilitator_reader(sys.argv[2], sys.argv[3], sys.argv[4], 0.05)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=500.0, help="target answers per second across the hall")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--voila", type=int, default=30, help="students and Voila views side by side (0: skip)")
    parser.add_argument("--no-voila", dest="voila", action="store_const", const=0)
    parser.add_argument("--db", default=None, help="an EMPTY PostgreSQL database URL (default: a fresh SQLite file)")
    parser.add_argument("--server-arg", action="append", default=[],
                        help="extra option for toolkit serve, e.g. --server-arg=--ToolkitApp.watch_interval=0.2")
    parser.add_argument("--workers", type=int, default=None,
                        help="student workers of toolkit serve (ToolkitApp.student_workers; default: its own, one per core)")
    parser.add_argument("--label", default="", help="a name for this run in the results file")
    parser.add_argument("--tree", default=None,
                        help="serve the toolkit of another checkout (a git worktree of an older commit) for a "
                             "before/after; students, driver and reader stay as they are")
    parser.add_argument("--burst", type=int, default=1000,
                        help="phones holding their streams that all answer at once, against toolkit serve and "
                             "a bare tornado app (bare.py) in the same run (0: skip)")
    parser.add_argument("--burst-only", action="store_true", help="only the burst and its floor, not the hall")
    parser.add_argument("--live-results", action="store_true",
                        help="the hall's plan with show_results_live on: answers reach the phones' result view")
    parser.add_argument("--instances", type=int, default=1,
                        help="the burst's phones shared between this many toolkit serve processes on one store "
                             "(as several servers on one PostgreSQL); CPU per answer is theirs together")
    parser.add_argument("--quick", action="store_true", help="200 students, 1 run, 5 Voila views, a burst of 200")
    args = parser.parse_args(argv)
    if args.workers is not None:
        args.server_arg.append(f"--ToolkitApp.student_workers={args.workers}")
    if args.quick:
        args.students, args.runs, args.voila = min(args.students, 200), 1, min(args.voila, 5)
        args.rate = min(args.rate, 100)
        args.burst = min(args.burst, 200)

    def log(msg):
        print(msg, flush=True)

    info = common.machine()
    log(f"hall: {args.students} students, {args.rate:.0f} answers/s, {args.runs} run(s); machine {info}")
    runs, bursts = [], []
    path = None
    for i in range(1, args.runs + 1):
        if args.burst:
            bursts.append(burst_pair(args, i, log))
        if not args.burst_only:
            runs.append(one_run(args, i, log))
        table = "\n\n".join(t for t in (report(runs) if runs else "", burst_report(bursts) if bursts else "") if t)
        # Saved after every run, so a long benchmark that fails late keeps what it measured.
        if path is not None:
            path.unlink()
        path = common.save("hall", {"label": args.label, "args": vars(args), "machine": info, "runs": runs,
                                    "bursts": bursts, "table": table})
        log(table)
    print(table)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
