"""A class at once: 40 simulated phones and one real browser on a real ``toolkit serve``.

Each phone does what the page does: joins, follows the session over Server-Sent Events,
answers when voting opens, sometimes changes its mind, sometimes sends the same answer
twice (an acknowledgement lost on bad Wi-Fi). Every answer must land exactly once.
"""

import asyncio
import threading
from collections import Counter

import pytest

from support.phones import choice as final_choice
from support.phones import items_of, phone_async_http, states, to_answer
from support.waiting import wait_for
from toolkit.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(120)]

PHONES = 40
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
ACTIVITIES = ("baseline-confidence", "card-ana-bus", "poll-who-help", "sort")


async def phone(i: int, base: str, code: str, report: dict, stop: asyncio.Event):
    statuses = report.setdefault(i, [])
    # Each phone from an address of its own, as on the laptop's Wi-Fi.
    async with phone_async_http(base, timeout=30) as client:
        await client.get("toolkit/join")  # the page sets the _xsrf cookie its posts send back
        headers = {"X-XSRFToken": client.cookies["_xsrf"]}
        joined = await client.post(f"toolkit/api/sessions/{code}/join", headers=headers)
        statuses.append(("join", joined.status_code))

        async def answer(activity, value, item=None):
            body = {"activity": activity["id"], "value": value, **({"item": item} if item else {})}
            for attempt in range(20):  # retried until acknowledged, as the page does
                response = await client.post(f"toolkit/api/sessions/{code}/responses", json=body, headers=headers)
                if response.status_code not in (429, 500, 502, 503):
                    statuses.append((activity["id"], response.status_code))
                    return response.status_code
                await asyncio.sleep(0.05 * 2 ** min(attempt, 5))
            raise AssertionError(f"phone {i}: no acknowledgement for {body}")

        answered = set()
        async with client.stream("GET", f"toolkit/api/sessions/{code}/events") as stream:
            async for state in states(stream, stop):
                if state["status"] == "ended":
                    return
                activity = to_answer(state, answered)
                if activity is None:
                    continue
                for item in items_of(activity):
                    final = final_choice(i, activity, item)
                    if i % 4 == 0:  # changes its mind: first another option, then the final one
                        other = next(o["id"] for o in activity["options"] if o["id"] != final and [o["id"]] != final)
                        await answer(activity, [other] if isinstance(final, list) else other, item)
                    await answer(activity, final, item)
                    if i % 7 == 0:  # the acknowledgement was lost: the same answer again
                        await answer(activity, final, item)
                with report["lock"]:
                    report["done"][activity["id"]] += 1


def run_phones(base: str, code: str, report: dict):
    """The phones on an event loop of their own, in a thread beside the browser."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main():
        await asyncio.gather(*(phone(i, base, code, report, stop) for i in range(PHONES)))

    def run():
        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # surfaced by the test after join()
            report["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, lambda: loop.call_soon_threadsafe(stop.set)


def test_forty_phones_and_a_browser_every_answer_lands_exactly_once(served, browser, programme):
    from playwright.sync_api import expect
    store = Store(served.db_url)
    session = store.start_session(programme)
    report: dict = {"lock": threading.Lock(), "done": Counter()}
    thread, stop = run_phones(served.base_url, session.code, report)

    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{served.lines['Students join at']}?code={session.code}")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("main")).to_have_attribute("data-screen", "lobby")
    wait_for(lambda: session.refresh().respondents == PHONES + 1, what="everyone to join")

    browser_answers = {"baseline-confidence": "3", "card-ana-bus": "exploitative"}
    for activity_id in ACTIVITIES:
        session.refresh()
        while session.current_activity is None or session.current_activity.id != activity_id:
            session.next()
        session.open_voting()
        activity = session.current_activity
        expect(page.locator("main")).to_have_attribute("data-screen", "sort" if activity.kind == "sort" else "vote")
        if activity.kind == "sort":
            for label in ("Healthy", "Exploitative", "Warning signs"):
                page.get_by_role("button", name=label).click()
            expect(page.get_by_role("heading", name="All sorted")).to_be_visible()
        elif activity.id == "poll-who-help":
            page.get_by_label("Childline").check()
            page.get_by_role("button", name="Send").click()
        else:
            label = {"3": "3", "exploitative": "Exploitative"}[browser_answers[activity_id]]
            page.get_by_role("button", name=label, exact=True).click()
        if activity.kind != "sort":
            expect(page.locator("main .status")).to_have_text(
                "Answer received. You can change it until voting closes.")
        per_student = len(activity.items) if activity.kind == "sort" else 1
        wait_for(lambda: report["done"][activity_id] == PHONES, what=f"every phone to finish {activity_id}")
        wait_for(lambda: sum(session.counts(activity_id).values()) == (PHONES + 1) * per_student,
                 what=f"every answer to {activity_id}")
        session.close_voting()

    session.end()
    thread.join(30)
    stop()
    assert "error" not in report, report.get("error")

    frame = store.responses(session.code)
    for activity_id in ACTIVITIES:
        rows = frame[frame["activity_id"] == activity_id]
        per_student = 3 if activity_id == "sort" else 1
        assert len(rows) == (PHONES + 1) * per_student, activity_id
        assert rows.groupby("item_id")["respondent"].nunique().eq(PHONES + 1).all(), activity_id
        state_activity = programme.public_activity(programme.activity(activity_id), revealed=False)
        expected = Counter()
        for i in range(PHONES):
            items = [c["id"] for c in state_activity["cards"]] if activity_id == "sort" else [None]
            for item in items:
                value = final_choice(i, state_activity, item)
                expected[(item or programme.activity(activity_id).items[0],
                          ",".join(value) if isinstance(value, list) else value)] += 1
        got = Counter(zip(rows["item_id"], rows["value"]))
        assert not expected - got, (activity_id, expected - got)  # each phone's last word stands
        browser_rows = got - expected
        assert sum(browser_rows.values()) == per_student, (activity_id, browser_rows)

    statuses = Counter(code for i in range(PHONES) for _, code in report[i])
    assert set(statuses) <= {200, 201}, statuses
    store.close()
