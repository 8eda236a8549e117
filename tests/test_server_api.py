"""The student JSON API on a real Jupyter Server (pytest-jupyter), base URL ``/a%40b/``.

Each test opens a session through the store, as the facilitator's dashboard would, and
talks to the server as a phone: no token, its own cookies, the page's XSRF token.
"""

import asyncio
import copy
import json
import time

import pytest

from support.server import Phone, toolkit_server_config
from support.server_app import jp_server_config, session, store  # noqa: F401 (fixtures)
from toolkit.content import Programme

pytestmark = pytest.mark.timeout(60)


def at(session, kind):
    """Move a session to its first activity of ``kind`` and open voting there."""
    session.refresh()
    while session.current_activity is None or session.current_activity.kind != kind:
        session.next()
    session.open_voting()
    return session.current_activity


@pytest.fixture
def server_url(jp_fetch, jp_http_port, jp_base_url):
    """The test server's URL for clients other than jp_fetch (jp_fetch's fixtures start it listening)."""
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}"


def phone(jp_fetch):
    return Phone(jp_fetch)


def api(code, *rest):
    return "/".join(["toolkit/api/sessions", code, *rest])


def assert_error(response, status, kind=None):
    assert response.code == status, response.body
    body = json.loads(response.body)
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if kind:
        assert body["error"]["kind"] == kind
    return body["error"]


# -- who may see what -------------------------------------------------------------------

async def test_student_routes_are_public_and_staff_routes_need_the_token(jp_fetch, session):
    page = await jp_fetch("toolkit", "join", headers={"Authorization": ""})
    assert page.code == 200
    assert "_xsrf=" in page.headers.get("Set-Cookie", "")  # the page's own posts send it back
    p = phone(jp_fetch)
    assert (await p.get(api(session.code))).code == 200

    kernels = await p.get("api/kernels")
    assert kernels.code == 403
    dashboard = await p.get("voila/render/facilitator.ipynb")
    assert dashboard.code in (302, 403)
    if dashboard.code == 302:
        assert "login" in dashboard.headers["Location"]
    tree = await p.get("voila/tree")
    assert tree.code in (302, 403)

    with_token = await jp_fetch("api", "kernels")
    assert with_token.code == 200


async def test_public_state_never_shows_answers_or_notes_before_reveal(jp_fetch, store, session):
    p = phone(jp_fetch)
    lobby = Phone.json(await p.get(api(session.code)))
    assert lobby["status"] == "lobby" and lobby["activity"] is None and lobby["mine"] == {}
    assert lobby["help"]["resources"]

    at(session, "card")
    shown = Phone.json(await p.get(api(session.code.lower())))  # codes are case-insensitive
    assert shown["activity"]["kind"] == "card" and shown["voting_open"] is True
    text = json.dumps(shown)
    for secret in ('"expected"', '"note"', '"prompts"', "never Ben's fault", "same age"):
        assert secret not in text
    assert shown["results"] is None

    session.reveal()
    revealed = Phone.json(await p.get(api(session.code)))
    assert revealed["activity"]["reveal"]["expected"] == "healthy"
    assert '"note"' not in json.dumps(revealed["activity"]["reveal"])
    assert revealed["results"] == {}


# -- joining ------------------------------------------------------------------------------

async def test_join_registers_the_device_once_with_a_private_cookie(jp_fetch, session, jp_base_url):
    p = phone(jp_fetch)
    first = await p.post(api(session.code, "join"))
    assert first.code == 201
    cookie = next(c for c in first.headers.get_list("Set-Cookie") if c.startswith("toolkit_device="))
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=strict"
    assert attributes["path"] == f"Path={jp_base_url}toolkit/"
    assert len(p.device) >= 32  # 192 random bits, URL-safe
    state = Phone.json(first)
    assert state["code"] == session.code and state["mine"] == {}

    again = await p.post(api(session.code, "join"), json={})
    assert again.code == 200
    assert not any(c.startswith("toolkit_device=") for c in again.headers.get_list("Set-Cookie"))
    assert session.refresh().respondents == 1

    other = phone(jp_fetch)
    assert (await other.post(api(session.code, "join"))).code == 201
    assert session.refresh().respondents == 2


async def test_join_refusals(jp_fetch, session):
    p = phone(jp_fetch)
    assert_error(await p.post(api("ZZZZZZZ", "join")), 404, "not_found")
    assert_error(await p.post(api(session.code, "join"), json={"name": "Sam"}), 400, "bad_request")
    assert_error(await p.post(api(session.code, "join"), xsrf=False), 403, "forbidden")
    session.end()
    assert_error(await p.post(api(session.code, "join")), 409, "conflict")


# -- answering ----------------------------------------------------------------------------

async def test_answer_then_change_it_while_voting_is_open(jp_fetch, store, session):
    card = at(session, "card")
    p = phone(jp_fetch)
    await p.post(api(session.code, "join"))
    first = await p.post(api(session.code, "responses"), json={"activity": card.id, "value": "warning"})
    assert first.code == 201
    assert Phone.json(first) == {"activity": card.id, "item": None, "value": "warning", "changed": False}
    changed = await p.post(api(session.code, "responses"), json={"activity": card.id, "value": "healthy"})
    assert changed.code == 200 and Phone.json(changed)["changed"] is True

    state = Phone.json(await p.get(api(session.code)))
    assert state["mine"] == {"ana-bus": "healthy"}
    frame = store.responses(session.code)
    assert len(frame) == 1 and frame.iloc[0]["value"] == "healthy"


async def test_numbered_answers_let_the_last_tap_win(jp_fetch, store, session):
    """Two taps that cross on their way in: the one numbered lower changes nothing, and the
    refusal says which number is stored so the page can number its next tap above it."""
    card = at(session, "card")
    p = phone(jp_fetch)
    url = api(session.code, "responses")
    first = await p.post(url, json={"activity": card.id, "value": "warning", "seq": 5})
    assert first.code == 201 and Phone.json(first)["seq"] == 5
    late = await p.post(url, json={"activity": card.id, "value": "healthy", "seq": 4})
    error = assert_error(late, 409, "stale")
    assert error["seq"] == 5
    assert list(store.responses(session.code)["value"]) == ["warning"]
    again = await p.post(url, json={"activity": card.id, "value": "warning", "seq": 5})  # the same tap, resent
    assert again.code == 200
    later = await p.post(url, json={"activity": card.id, "value": "exploitative", "seq": 6})
    assert later.code == 200 and list(store.responses(session.code)["value"]) == ["exploitative"]
    # Without a number (a page without JavaScript) the answer always replaces.
    plain = await p.post(url, json={"activity": card.id, "value": "not_sure"})
    assert plain.code == 200 and "seq" not in Phone.json(plain)
    assert list(store.responses(session.code)["value"]) == ["not_sure"]
    assert_error(await p.post(url, json={"activity": card.id, "value": "healthy", "seq": 5}), 409, "stale")
    for bad in (-1, 2**31, 1.5, "7", True):
        assert_error(await p.post(url, json={"activity": card.id, "value": "healthy", "seq": bad}), 400,
                     "bad_request")
    sort = at(session, "sort")
    item = sort.items[0]
    assert (await p.post(url, json={"activity": sort.id, "item": item, "value": "healthy", "seq": 9})).code == 201
    assert_error(await p.post(url, json={"activity": sort.id, "item": item, "value": "warning", "seq": 8}), 409,
                 "stale")
    other = await p.post(url, json={"activity": sort.id, "item": sort.items[1], "value": "warning", "seq": 1})
    assert other.code == 201  # numbers are per card: another card starts afresh


async def test_a_page_can_ask_what_it_answered_to_an_earlier_activity(jp_fetch, store, session):
    card = at(session, "card")
    p = phone(jp_fetch)
    await p.post(api(session.code, "responses"), json={"activity": card.id, "value": "warning", "seq": 1})
    session.close_voting()
    session.next()
    state = Phone.json(await p.get(api(session.code), params={"activity": card.id}))
    assert state["activity"]["id"] != card.id and state["mine"] == {"ana-bus": "warning"}
    assert Phone.json(await p.get(api(session.code)))["mine"] == {}
    assert Phone.json(await phone(jp_fetch).get(api(session.code), params={"activity": card.id}))["mine"] == {}
    assert Phone.json(await p.get(api(session.code), params={"activity": "no-such-thing"}))["mine"] == {}
    assert_error(await p.get(api(session.code), params={"activity": "x" * 81}), 400, "bad_request")


async def test_answer_without_joining_first_registers_the_device(jp_fetch, session):
    card = at(session, "card")
    p = phone(jp_fetch)
    response = await p.post(api(session.code, "responses"), json={"activity": card.id, "value": "healthy"})
    assert response.code == 201 and p.device


async def test_answer_refusals(jp_fetch, store, session):
    card = at(session, "card")
    p = phone(jp_fetch)
    await p.post(api(session.code, "join"))
    url = api(session.code, "responses")
    good = {"activity": card.id, "value": "healthy"}

    assert_error(await p.post(api("ZZZZZZZ", "responses"), json=good), 404, "not_found")
    assert_error(await p.post(url, json={**good, "value": "purple"}), 422, "invalid")
    assert_error(await p.post(url, json={**good, "activity": "no-such-thing"}), 422, "invalid")
    assert_error(await p.post(url, body="{not json", headers={"Content-Type": "application/json"}), 400)
    assert_error(await p.post(url, body=b'{"activity": "\xff\xfe"}', headers={"Content-Type": "application/json"}),
                 400)
    deep = '{"activity": "x", "value": ' + "[" * 50 + "]" * 50 + "}"
    assert "deep" in assert_error(await p.post(url, body=deep, headers={"Content-Type": "application/json"}),
                                  400)["message"]
    very_deep = "[" * 5000 + "]" * 5000
    assert_error(await p.post(url, body=very_deep, headers={"Content-Type": "application/json"}), 400)
    assert_error(await p.post(url, body=json.dumps(["a"]), headers={"Content-Type": "application/json"}), 400)
    assert_error(await p.post(url, body=json.dumps({"activity": "x", "value": "\ud800"}),
                              headers={"Content-Type": "application/json"}), 400)
    assert_error(await p.post(url, json={"activity": card.id}), 400)
    assert_error(await p.post(url, json={**good, "value": True}), 400)
    assert_error(await p.post(url, json={**good, "value": {"a": 1}}), 400)
    assert_error(await p.post(url, json={**good, "colour": "red"}), 400)
    assert_error(await p.post(url), 400)
    assert_error(await p.post(url, body=json.dumps(good), headers={"Content-Type": "text/plain"}), 415,
                 "unsupported_media_type")
    big = json.dumps({**good, "value": "x" * 20_000})
    assert_error(await p.post(url, body=big, headers={"Content-Type": "application/json"}), 413, "too_large")
    assert_error(await p.post(url, json=good, xsrf=False), 403, "forbidden")
    forged = await p.post(url, json=good, headers={"X-XSRFToken": "not-the-cookie"})
    assert_error(forged, 403, "forbidden")

    session.close_voting()
    assert_error(await p.post(url, json=good), 409, "conflict")
    session.next()
    session.open_voting()
    assert_error(await p.post(url, json=good), 409, "conflict")  # that card is not on screen any more
    assert len(store.responses(session.code)) == 0


async def test_multiple_choice_and_scale_answers(jp_fetch, store, session):
    p = phone(jp_fetch)
    scale = at(session, "poll")
    assert (await p.post(api(session.code, "responses"), json={"activity": scale.id, "value": 4})).code == 201
    session.next()
    while session.current_activity.id != "poll-who-help":
        session.next()
    session.open_voting()
    url = api(session.code, "responses")
    assert (await p.post(url, json={"activity": "poll-who-help", "value": ["adult", "childline"]})).code == 201
    assert_error(await p.post(url, json={"activity": "poll-who-help", "value": []}), 422)
    assert_error(await p.post(url, json={"activity": "poll-who-help", "value": [1]}), 400)
    mine = Phone.json(await p.get(api(session.code)))["mine"]
    assert mine == {"who-help": "childline,adult"}


async def test_self_paced_sort_answers_each_card(jp_fetch, store, session):
    sort = at(session, "sort")
    p = phone(jp_fetch)
    url = api(session.code, "responses")
    for card, value in zip(sort.items, ("healthy", "exploitative", "warning")):
        assert (await p.post(url, json={"activity": sort.id, "item": card, "value": value})).code == 201
    assert (await p.post(url, json={"activity": sort.id, "item": "ana-bus", "value": "not_sure"})).code == 200
    assert_error(await p.post(url, json={"activity": sort.id, "value": "healthy"}), 422)
    assert_error(await p.post(url, json={"activity": sort.id, "item": "zed", "value": "healthy"}), 422)
    mine = Phone.json(await p.get(api(session.code)))["mine"]
    assert mine == {"ana-bus": "not_sure", "ben-lifts": "exploitative", "cal-gifts": "warning"}


# -- questions box ------------------------------------------------------------------------

async def test_questions_box(jp_fetch, store, session):
    p = phone(jp_fetch)
    url = api(session.code, "questions")
    sent = await p.post(url, json={"text": "  Why   do people keep it secret?  "})
    assert sent.code == 201 and Phone.json(sent) == {"received": True}
    assert [q["text"] for q in session.questions()] == ["Why do people keep it secret?"]
    assert_error(await p.post(url, json={"text": "x" * 281}), 422, "invalid")
    assert_error(await p.post(url, json={"text": "   "}), 422, "invalid")
    assert_error(await p.post(url, json={"text": 5}), 400)
    assert_error(await p.post(url, json={}), 400)
    assert_error(await p.post(api("ZZZZZZZ", "questions"), json={"text": "hi"}), 404)


async def test_questions_box_text_loses_invisible_characters_and_the_flag_sees_through_them(jp_fetch, store,
                                                                                            session):
    """A right-to-left override, zero-width spaces and a NUL: stored without them, and the
    words they were meant to hide from the safeguarding flag still raise it."""
    p = phone(jp_fetch)
    sent = await p.post(api(session.code, "questions"),
                        json={"text": "he s\u200bent my n\u200bu\u200bdes\u0000 to \u202eeveryone"})
    assert sent.code == 201
    (question,) = session.questions()
    assert question["text"] == "he sent my nudes to everyone"
    assert question["flagged"] is True
    assert_error(await p.post(api(session.code, "questions"), json={"text": "\u200b\u202e\u0000"}), 422, "invalid")


async def test_questions_box_closed_when_the_plan_has_none(jp_fetch, store, programme):
    snap = copy.deepcopy(programme.snapshot())
    snap["plan"]["settings"]["questions_box"] = False
    session = store.start_session(Programme.from_snapshot(snap))
    p = phone(jp_fetch)
    assert Phone.json(await p.get(api(session.code)))["questions_box"] is False
    assert_error(await p.post(api(session.code, "questions"), json={"text": "hello"}), 409, "conflict")


# -- rate limits -------------------------------------------------------------------------

async def test_a_device_answering_too_fast_is_told_to_wait(jp_fetch, session):
    card = at(session, "card")
    p = phone(jp_fetch)
    await p.post(api(session.code, "join"))
    url = api(session.code, "responses")
    replies = await asyncio.gather(*[p.post(url, json={"activity": card.id, "value": "healthy"})
                                     for _ in range(30)])
    codes = sorted(r.code for r in replies)
    assert codes.count(201) == 1 and 429 in codes
    limited = next(r for r in replies if r.code == 429)
    assert "wait" in assert_error(limited, 429, "too_many_requests")["message"]


class TestWrongCodes:
    """Only wrong codes count, 120 a minute here (a turn every half second once spent)."""

    @pytest.fixture
    def jp_server_config(self, sqlite_url):
        return toolkit_server_config(sqlite_url, wrong_codes_per_minute=120)

    async def test_wrong_codes_slow_the_address_down_but_never_keep_out_a_code_that_exists(self, jp_fetch,
                                                                                          session):
        p = phone(jp_fetch)
        wrong = (f"ZZZZ{a}{b}{c}" for a in "ABCDEFGH" for b in "ABCDEFGH" for c in "ABCDEFGH")
        for _ in range(120):
            assert (await p.get(api(next(wrong)))).code == 404
        # Spent. The right code is not refused: at most it waits its turn (half a second), then gets in.
        started = time.monotonic()
        assert (await p.get(api(session.code))).code == 200
        assert time.monotonic() - started < 3
        # A burst of new wrong codes: beyond the few misses the last seconds refilled, five may
        # wait their turn, the rest are told to wait at once, and the code this address has found
        # is never held back meanwhile.
        burst = [asyncio.ensure_future(p.get(api(next(wrong)))) for _ in range(10)]
        started = time.monotonic()
        for _ in range(3):
            assert (await p.get(api(session.code))).code == 200
        assert time.monotonic() - started < 0.4, "the known code went straight through"
        done = await asyncio.gather(*burst)
        codes = sorted(r.code for r in done)  # (the few misses the last seconds refilled go at once)
        assert set(codes) == {404, 429} and 5 <= codes.count(404) <= 9, codes
        limited = next(r for r in done if r.code == 429)
        assert "wait a minute" in assert_error(limited, 429, "too_many_requests")["message"]
        # Another phone (another address) was never slowed.
        other = phone(jp_fetch)
        started = time.monotonic()
        assert (await other.get(api(next(wrong)))).code == 404
        assert (await other.post(api(session.code, "join"))).code == 201
        assert time.monotonic() - started < 0.4
        assert (await p.get("toolkit/join", params={"code": session.code})).code == 200  # no cookie: no look-up


# -- live state ----------------------------------------------------------------------------

async def read_events(response_lines, count, timeout=10):
    events = []

    async def collect():
        data = []
        async for line in response_lines:
            if line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                events.append(json.loads("\n".join(data)))
                data = []
                if len(events) >= count:
                    return

    await asyncio.wait_for(collect(), timeout)
    return events


async def test_events_stream_the_state_as_it_changes(server_url, session, store):
    import httpx
    url = f"{server_url}toolkit/api/sessions/{session.code}/events"
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("GET", url) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            [first] = await read_events(lines, 1)
            assert first["status"] == "lobby"
            session.next()
            [second] = await read_events(lines, 1)
            assert second["status"] == "running" and second["activity"]["kind"] == "slide"
            session.next()
            session.open_voting()
            [third] = await read_events(lines, 1)
            assert third["activity"]["kind"] == "poll"
            if not third["voting_open"]:
                [third] = await read_events(lines, 1)
            assert third["voting_open"] is True
            assert "mine" not in third
            await lines.aclose()


async def test_live_results_reach_the_phones_streams_as_answers_arrive(jp_fetch, server_url, store, programme):
    """With ``show_results_live`` an answer moves the session's version (group commit does it,
    at most twice a second), so a phone holding its stream sees the counts change without a
    poll; without it, answers send nothing."""
    import httpx
    snapshot = copy.deepcopy(programme.snapshot())
    snapshot["plan"]["settings"]["show_results_live"] = True
    for live in (True, False):
        session = store.start_session(Programme.from_snapshot(snapshot) if live else programme)
        card = at(session, "card")
        url = f"{server_url}toolkit/api/sessions/{session.code}/events"
        async with httpx.AsyncClient(timeout=10) as client:
            async with client.stream("GET", url) as response:
                lines = response.aiter_lines()
                [first] = await read_events(lines, 1)
                assert first["results"] == ({} if live else None)
                for value in ("healthy", "warning", "warning"):
                    answer = {"activity": card.id, "value": value}
                    assert (await phone(jp_fetch).post(api(session.code, "responses"), json=answer)).code == 201
                if live:
                    seen = first
                    while seen["results"] != {"healthy": 1, "warning": 2}:
                        [seen] = await read_events(lines, 1, timeout=5)
                    assert seen["version"] > first["version"]
                else:
                    with pytest.raises(asyncio.TimeoutError):
                        await read_events(lines, 1, timeout=1.5)  # nothing but pings, which carry no data
                    assert session.refresh().version == first["version"]
                await lines.aclose()


async def test_events_for_an_unknown_code_are_refused(jp_fetch):
    assert_error(await phone(jp_fetch).get(api("ZZZZZZZ", "events")), 404, "not_found")


async def test_one_watcher_query_per_round_for_all_students(jp_serverapp, server_url, store, programme):
    import httpx
    app = jp_serverapp.extension_manager.extension_apps["toolkit"]
    app = next(iter(app))
    watcher = app.context.watcher
    calls = {"versions": 0, "state": 0}
    real_versions, real_state = app.store.versions, app.store.public_state_of

    asked = []

    def versions(ids):
        calls["versions"] += 1
        asked.append(sorted(ids))
        return real_versions(ids)

    def public_state_of(row):
        calls["state"] += 1
        return real_state(row)

    app.store.versions, app.store.public_state_of = versions, public_state_of
    sessions = [store.start_session(programme) for _ in range(2)]
    base = f"{server_url}toolkit/api/sessions/"
    async with httpx.AsyncClient(timeout=10) as client:
        streams = []
        for s in sessions:
            for _ in range(6):
                cm = client.stream("GET", base + s.code + "/events")
                response = await cm.__aenter__()
                streams.append((cm, response.aiter_lines()))
        for _, lines in streams:
            await read_events(lines, 1)
        assert watcher.count() == 12
        state_builds_before = calls["state"]
        polls_before, versions_before = watcher.polls, calls["versions"]
        sessions[0].next()
        for _, lines in streams[:6]:
            [event] = await read_events(lines, 1)
            assert event["status"] == "running"
        polls = watcher.polls - polls_before
        # One query per round, whatever the crowd; a round already under way when the counts
        # were taken has had its query counted and not its round.
        assert polls <= calls["versions"] - versions_before <= polls + 1
        assert all(ids == sorted(s.id for s in sessions) for ids in asked)  # every session in one query
        assert calls["state"] - state_builds_before == 1  # built once, sent to six phones
        for cm, lines in streams:
            await lines.aclose()
            await cm.__aexit__(None, None, None)
    app.store.versions, app.store.public_state = real_versions, real_state


async def test_a_stream_to_a_watched_session_opens_without_a_store_read(jp_serverapp, server_url, store, session):
    """The first state of a stream to a session other phones are watching is the one they
    were last sent (no read); a change made meanwhile reaches it with the next poll, and an
    ended session is read from the store again."""
    import httpx
    app = next(iter(jp_serverapp.extension_manager.extension_apps["toolkit"]))
    reads = []
    real = app.store.state_row
    app.store.state_row = lambda code: reads.append(code) or real(code)
    url = f"{server_url}toolkit/api/sessions/{session.code}/events"
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            async with client.stream("GET", url) as response:
                held = response.aiter_lines()
                [first] = await read_events(held, 1)
                assert first["status"] == "lobby" and reads == [session.code], "the first stream reads"
                for _ in range(3):
                    async with client.stream("GET", url) as other:
                        assert (await read_events(other.aiter_lines(), 1)) == [first]
                assert reads == [session.code], "the others are sent the watched state"
                session.next()
                async with client.stream("GET", url) as late:
                    lines = late.aiter_lines()
                    [seen] = await read_events(lines, 1)
                    while seen["status"] != "running":  # sent before the watcher's poll: the next one
                        [seen] = await read_events(lines, 1)
                    assert seen["version"] == session.refresh().version
                [moved] = await read_events(held, 1)
                assert moved == seen
                session.end()
                assert (await read_events(held, 1))[0]["status"] == "ended"
            reads.clear()
            async with client.stream("GET", url) as response:
                assert (await read_events(response.aiter_lines(), 1))[0]["status"] == "ended"
            assert reads == [session.code], "an ended session is read again, not held"
    finally:
        app.store.state_row = real


async def test_openapi_document_is_served(jp_fetch, jp_base_url):
    response = await phone(jp_fetch).get("toolkit/api/openapi.json")
    doc = Phone.json(response)
    assert doc["openapi"].startswith("3.")
    assert doc["servers"] == [{"url": jp_base_url.rstrip("/")}]


async def test_idle_streams_get_ping_events_a_page_can_see(server_url, session, monkeypatch):
    """A comment would keep the connection open, but a page's EventSource never sees one: the
    keep-alive is an event named ``ping`` carrying the version last sent."""
    import httpx
    from toolkit.server import api as api_module
    monkeypatch.setattr(api_module, "KEEPALIVE_SECONDS", 0.1)
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("GET", f"{server_url}toolkit/api/sessions/{session.code}/events") as response:
            lines = response.aiter_lines()

            async def until_ping():
                seen = []
                async for line in lines:
                    seen.append(line)
                    if seen[-2:-1] == ["event: ping"]:
                        return seen[-2:]

            assert await asyncio.wait_for(until_ping(), 5) == ["event: ping", f"data: {session.refresh().version}"]
            await lines.aclose()
