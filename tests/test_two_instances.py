"""Past one machine: two ``toolkit serve`` on one PostgreSQL, as behind a reverse proxy
(docs/deploy.md). Half the class on each; the facilitator drives through the Python API
on its own connection. Every change reaches every phone over its own server's event
stream, every answer is counted once, and a phone whose requests land on either server
(a proxy without sticky sessions) stays one respondent.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from support.phones import choice, items_of, phone_async_http, states, to_answer
from support.server import start_server
from support.waiting import wait_for
from toolkit.store import Store

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(180)]

PHONES = 20  # ten on each server
ACTIVITIES = ("baseline-confidence", "card-ana-bus", "poll-who-help", "sort")


async def phone(i: int, home: str, other: str, code: str, seen: dict, log: dict, done: Counter,
                stop: asyncio.Event) -> None:
    """Follows the session on its own server's stream; answers there. Phone 0 sends every other
    request to the other server, as a proxy without sticky sessions would."""
    async with phone_async_http(timeout=30) as client:  # its own address, on either server
        xsrf = f"two-instances-{i}"
        client.cookies.set("_xsrf", xsrf)
        turn = 0

        async def post(path: str, body: dict) -> int:
            nonlocal turn
            base = other if i == 0 and turn % 2 else home
            turn += 1
            for _ in range(20):
                response = await client.post(f"{base}toolkit/api/sessions/{code}/{path}", json=body,
                                             headers={"X-XSRFToken": xsrf})
                if response.status_code not in (429, 503):
                    log.setdefault(i, []).append((path, response.status_code))
                    return response.status_code
                await asyncio.sleep(0.1)
            raise AssertionError(f"phone {i}: no acknowledgement for {body}")

        await post("join", {})
        answered = set()
        async with client.stream("GET", f"{home}toolkit/api/sessions/{code}/events") as stream:
            async for state in states(stream, stop):
                seen[i] = max(seen.get(i, 0), state["version"])
                if state["status"] == "ended":
                    return
                activity = to_answer(state, answered)
                if activity is None:
                    continue
                for item in items_of(activity):
                    body = {"activity": activity["id"], "value": choice(i, activity, item)}
                    if item:
                        body["item"] = item
                    if i == 0:  # first a different answer, then the real one: a change, across servers
                        first = next(o["id"] for o in activity["options"] if [o["id"]] != body["value"]
                                     and o["id"] != body["value"])
                        await post("responses", {**body, "value": [first] if isinstance(body["value"], list)
                                                 else first})
                    await post("responses", body)
                done[activity["id"]] += 1


def test_two_servers_on_one_postgresql_count_every_answer_and_reach_every_phone(tmp_path_factory, pg_url,
                                                                                programme):
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda name: start_server(tmp_path_factory.mktemp(name), db_url=pg_url,
                                                  args=["--db", pg_url]), ("a", "b"))
    facilitator = Store(pg_url)
    session = facilitator.start_session(programme)
    seen, log, done = {}, {}, Counter()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def everyone():
        await asyncio.gather(*(phone(i, a.base_url if i % 2 == 0 else b.base_url,
                                     b.base_url if i % 2 == 0 else a.base_url, session.code, seen, log, done, stop)
                               for i in range(PHONES)))

    failure = {}

    def run():
        try:
            loop.run_until_complete(everyone())
        except BaseException as exc:  # surfaced below
            failure["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: session.refresh().respondents == PHONES and len(seen) == PHONES, what="everyone joined")

        def everyone_sees(version: int, what: str) -> None:
            wait_for(lambda: "error" not in failure and all(seen.get(i, 0) >= version for i in range(PHONES)),
                     timeout=20, what=f"{what} (version {version}) on every phone, on both servers")

        for activity_id in ACTIVITIES:
            while session.current_activity is None or session.current_activity.id != activity_id:
                session.next()
                everyone_sees(session.version, f"moving to {session.current_activity}")
            activity = session.open_voting().current_activity
            everyone_sees(session.version, f"voting open on {activity_id}")
            per_phone = len(activity.items) if activity.kind == "sort" else 1
            # Every phone has had its last answer acknowledged (phone 0 changes its answers, so
            # counting rows would close voting on its change).
            wait_for(lambda: done[activity_id] == PHONES, timeout=30, what=f"every phone to answer {activity_id}")
            assert sum(session.counts(activity_id).values()) == PHONES * per_phone
            session.close_voting()
            everyone_sees(session.version, f"voting closed on {activity_id}")
            session.reveal()
            everyone_sees(session.version, f"the reveal of {activity_id}")
        session.end()
        everyone_sees(session.version, "the end")
        thread.join(30)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        if not thread.is_alive():
            loop.run_until_complete(loop.shutdown_asyncgens())  # the streams the phones left
            loop.close()
        a.stop()
        b.stop()
    assert "error" not in failure, failure.get("error")

    frame = facilitator.responses(session.code)
    assert frame["respondent"].nunique() == PHONES
    for activity_id in ACTIVITIES:
        rows = frame[frame["activity_id"] == activity_id]
        public = programme.public_activity(programme.activity(activity_id), revealed=False)
        items = [c["id"] for c in public["cards"]] if public["kind"] == "sort" else [None]
        expected = Counter()
        for i in range(PHONES):
            for item in items:
                value = choice(i, public, item)
                expected[(item, ",".join(value) if isinstance(value, list) else value)] += 1
        got = Counter(zip(rows["item_id"] if public["kind"] == "sort" else [None] * len(rows), rows["value"]))
        assert got == expected, activity_id
    statuses = Counter(status for entries in log.values() for _, status in entries)
    assert set(statuses) <= {200, 201}, statuses
    changes = [status for path, status in log[0] if path == "responses"]
    assert changes.count(200) == changes.count(201), "phone 0's changes, sent to the other server, were changes"
    for server in (a, b):
        assert "Traceback" not in server.log()
    facilitator.close()
