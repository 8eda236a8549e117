"""The laptop's server killed outright (SIGKILL: no shutdown, no flush) while a class is
answering, then started again on the same database and port.

Phones keep answering through it (each answer sent again until acknowledged, as the page
does); a real student page in Chromium stays open. Afterwards: every answer a phone was
told was recorded is there with its last value, the session is where the facilitator left
it, and the page and an event-stream client carry on by themselves: no reload, the next
change on their screens.
"""

from __future__ import annotations

import json
import re
import threading
import time
from urllib.parse import urlparse

import httpx
import pytest

from support.server import phone_http, start_server
from support.waiting import wait_for
from toolkit.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(180)]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
PHONES = 6


class Answerer(threading.Thread):
    """A phone sorting cards over and over; every answer is sent until acknowledged."""

    def __init__(self, n: int, base_url: str, code: str, sort: dict):
        super().__init__(daemon=True)
        self.n, self.base_url, self.code, self.sort = n, base_url, code, sort
        self.acked: list[tuple[str, str, float]] = []  # (card, value, when)
        self.failures = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.device: str | None = None

    def run(self) -> None:
        try:
            with phone_http(self.base_url, timeout=5) as client:
                xsrf = "crash-test-xsrf-%d" % self.n
                client.cookies.set("_xsrf", xsrf)
                i = 0
                while not self.stop.is_set():
                    card = self.sort["items"][i % len(self.sort["items"])]
                    value = self.sort["options"][(i + self.n) % len(self.sort["options"])]
                    self.send(client, xsrf, card, value)
                    i += 1
        except BaseException as exc:  # surfaced by the test
            self.error = exc

    def send(self, client, xsrf: str, card: str, value: str) -> None:
        body = {"activity": self.sort["id"], "item": card, "value": value}
        while True:
            try:
                response = client.post(f"toolkit/api/sessions/{self.code}/responses", json=body,
                                       headers={"X-XSRFToken": xsrf})
            except httpx.TransportError:
                self.failures += 1  # the server is down: the page keeps trying, so do we
                time.sleep(0.1)
                continue
            if response.status_code in (429, 503):
                time.sleep(0.1)
                continue
            assert response.status_code in (200, 201), response.text
            self.device = client.cookies.get("toolkit_device")
            self.acked.append((card, value, time.monotonic()))
            return


class Stream(threading.Thread):
    """An event-stream client doing what EventSource does: reconnect after ``retry`` ms."""

    def __init__(self, base_url: str, code: str):
        super().__init__(daemon=True)
        self.url = f"{base_url}toolkit/api/sessions/{code}/events"
        self.events: list[dict] = []
        self.connections = 0
        self.retry_ms = None
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with httpx.stream("GET", self.url, timeout=httpx.Timeout(5, read=20)) as response:
                    self.connections += 1
                    for line in response.iter_lines():
                        if line.startswith("retry: "):
                            self.retry_ms = int(line[7:])
                        elif line.startswith("data: "):
                            self.events.append(json.loads(line[6:]))
                        if self.stop.is_set():
                            return
            except httpx.HTTPError:
                pass
            self.stop.wait((self.retry_ms or 3000) / 1000)


@pytest.fixture
def servers():
    """Every server a test starts, stopped afterwards whatever happened."""
    started = []
    yield started
    for server in started:
        server.stop(kill=True)


def test_a_killed_server_loses_no_acknowledged_answer_and_its_students_carry_on(tmp_path, browser, programme,
                                                                                artifacts, servers):
    from playwright.sync_api import expect
    served = start_server(tmp_path)
    servers.append(served)
    store = Store(served.db_url)
    session = store.start_session(programme)
    activity = next(a for a in session.activities if a.kind == "sort")
    session.go_to(activity.index)
    session.open_voting()
    sort = {"id": activity.id, "items": list(activity.items),
            "options": [o["id"] for o in session.programme.options(activity)]}
    code = session.code

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{served.lines['Students join at']}?code={code}")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("main")).to_have_attribute("data-screen", "sort")
    page.evaluate("window.__sameDocument = true")

    phones = [Answerer(n, served.base_url, code, sort) for n in range(PHONES)]
    stream = Stream(served.base_url, code)
    for thread in (*phones, stream):
        thread.start()
    try:
        wait_for(lambda: all(len(p.acked) >= 10 for p in phones), what="answers from every phone before the crash")
        wait_for(lambda: stream.events, what="the stream's first event")
        before = session.refresh()
        served.stop(kill=True)  # SIGKILL, mid-answer
        killed_at = time.monotonic()

        # While it is down a student answers the first card on the page: it waits, then goes.
        page.locator("main .choices button").first.click()
        served = start_server(tmp_path, db_url=served.db_url, port=urlparse(served.base_url).port,
                              token=served.token)
        servers.append(served)
        restarted_at = time.monotonic()
        wait_for(lambda: all(sum(1 for *_, when in p.acked if when > restarted_at) >= 10 for p in phones),
                 timeout=60, what="answers after the restart")
    finally:
        for thread in phones:
            thread.stop.set()
        for thread in phones:
            thread.join(30)
    for p in phones:
        assert p.error is None, p.error
    assert any(p.failures for p in phones), "the phones were answering when the server died"
    assert all(any(when < killed_at for *_, when in p.acked) for p in phones)

    # Every acknowledged answer is there, with the last value each phone was told was recorded.
    for p in phones:
        last = {card: value for card, value, _ in p.acked}
        assert store.my_answers(code, p.device, sort["id"]) == last, f"phone {p.n}"
    token = next(c["value"] for c in context.cookies() if c["name"] == "toolkit_device")
    wait_for(lambda: store.my_answers(code, token, sort["id"]), what="the page's answer sent after the restart")
    assert len(store.responses(code)) == PHONES * len(sort["items"]) + 1, "nothing else was stored"

    # The session is where it was: same activity, voting open, same version.
    after = store.find_session(code)
    assert (after.status, after.current_index, after.voting_open, after.version) == \
        (before.status, before.current_index, before.voting_open, before.version)
    state = httpx.get(f"{served.base_url}toolkit/api/sessions/{code}").json()
    assert state["activity"]["id"] == sort["id"] and state["voting_open"] and state["version"] == before.version

    # Both clients pick up the next change by themselves.
    session.reveal()
    expect(page.locator("main")).to_have_attribute("data-screen", "reveal", timeout=20_000)
    assert page.evaluate("window.__sameDocument") is True, "the page was not reloaded"
    page.screenshot(path=str(artifacts / "student-after-crash.png"), full_page=True)
    wait_for(lambda: stream.events and stream.events[-1]["revealed"], what="the reveal on the stream")
    stream.stop.set()
    assert stream.connections >= 2 and stream.retry_ms == 3000
    assert re.search(r"^Students join at: ", served.log(), re.M)
    context.close()
    store.close()
