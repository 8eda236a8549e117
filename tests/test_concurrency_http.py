"""A hall at once through the real HTTP handlers: 500 phones, each sorting the deck's cards
and changing one answer (four answers), all in flight together against one server
(pytest-jupyter, in-process), on a SQLite file and on PostgreSQL. Every answer a phone was
told was recorded is in the database exactly once, with the value it last sent.

The full-size run (500 phones x 200 answers against ``toolkit serve``) is
``benchmarks/concurrency.py``.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import secrets

import pytest
from sqlalchemy import select
from tornado.simple_httpclient import SimpleAsyncHTTPClient

from support.server import phone_address, toolkit_server_config
from toolkit.store import Store
from toolkit.store.answers import token_hash
from toolkit.store.engine import reading
from toolkit.store.schema import devices, responses

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

PHONES = 500
RETRIED = (429, 503)  # the page sends these again, after a pause


@pytest.fixture
def jp_server_config(store_url):
    # Limits as served: each phone stays within its own answer rate.
    return toolkit_server_config(store_url)


async def phone(client, base: str, code: str, sort, final: dict, report: dict, start: asyncio.Event) -> None:
    """Sort every card, then change one: what a student changing their mind does."""
    xsrf = secrets.token_hex(16)
    cookies = {"_xsrf": xsrf}
    address = phone_address()  # each phone from an address of its own, as on the laptop's Wi-Fi

    async def post(path: str, body: dict) -> int:
        for attempt in range(30):
            response = await client.fetch(
                f"{base}toolkit/api/sessions/{code}/{path}", method="POST", body=json.dumps(body),
                raise_error=False, network_interface=address,
                headers={"X-XSRFToken": xsrf, "Content-Type": "application/json",
                         "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
            for header in response.headers.get_list("Set-Cookie"):
                name, _, rest = header.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]
            if response.code not in RETRIED:
                return response.code
            report["retried"] += 1
            await asyncio.sleep(0.05 * (attempt + 1) * random.random())
        raise AssertionError(f"no answer after 30 tries: {path} {body}")

    await start.wait()
    # No join first: the first answer registers the device, hundreds of them at once.
    options = [o["id"] for o in sort["options"]]
    first = {card: random.choice(options) for card in sort["items"]}
    for card, value in first.items():
        report["answer"][await post("responses", {"activity": sort["id"], "item": card, "value": value})] += 1
    final.update({(cookies["toolkit_device"], card): value for card, value in first.items()})
    card = random.choice(sort["items"])  # changes one answer: four answers in all
    changed = random.choice([o for o in options if o != first[card]])
    report["change"][await post("responses", {"activity": sort["id"], "item": card, "value": changed})] += 1
    final[(cookies["toolkit_device"], card)] = changed


async def test_five_hundred_phones_at_once_every_answer_once(jp_fetch, jp_http_port, jp_base_url, store_url,
                                                             programme):
    # jp_fetch: its fixtures start the in-process server listening on jp_http_port.
    store = Store(store_url)
    session = store.start_session(programme)
    activity = next(a for a in session.activities if a.kind == "sort")
    session.go_to(activity.index)
    session.open_voting()
    sort = {"id": activity.id, "items": list(activity.items),
            "options": session.programme.options(activity)}
    base = f"http://127.0.0.1:{jp_http_port}{jp_base_url}"
    report = {"answer": collections.Counter(), "change": collections.Counter(),
              "retried": 0}
    final: dict[tuple[str, str], str] = {}
    start = asyncio.Event()
    # 500 phones in flight, 100 requests on the wire at a time: one event loop runs the server
    # and every phone, and 500 connects at once overflow its listen backlog (the benchmark,
    # with the server in its own process, opens 500).
    client = SimpleAsyncHTTPClient(force_instance=True, max_clients=100, defaults={"request_timeout": 60})
    tasks = [asyncio.ensure_future(phone(client, base, session.code, sort, final, report, start))
             for _ in range(PHONES)]
    start.set()
    await asyncio.gather(*tasks)
    client.close()

    cards = len(sort["items"])
    assert report["answer"] == {201: PHONES * cards}, report
    assert report["change"] == {200: PHONES}, report
    with reading(store.engine) as conn:
        rows = conn.execute(select(responses.c.item_id, responses.c.respondent, responses.c.value)
                            .where(responses.c.session_id == session.id)).all()
        respondent = dict(conn.execute(select(devices.c.token_hash, devices.c.respondent)
                                       .where(devices.c.session_id == session.id)).all())
    assert len(rows) == PHONES * cards, "none lost"
    stored = {(item, number): value for item, number, value in rows}
    assert len(stored) == len(rows), "none twice"
    assert session.refresh().respondents == len(respondent) == PHONES, "each phone one respondent"
    for (device, card), value in final.items():
        assert stored[(card, respondent[token_hash(session.id, device)])] == value, "each phone's last answer"
    session.end()
    store.close()
