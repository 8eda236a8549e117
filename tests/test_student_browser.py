"""A student on a 360 px phone, in a real Chromium, against a real ``toolkit serve``.

The facilitator's side is driven through the store on the server's database, as the
dashboard would; the page must follow live. Screenshots land in test-artifacts/.
"""

import json
import re

import pytest

from support.browser import PHONE, advance_to, axe_clean, wait_for
from support.server import start_server
from toolkit.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(120)]

RECEIVED = "Answer received. You can change it until voting closes."
LIMIT_BYTES, LIMIT_REQUESTS = 60 * 1024, 5


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One real ``toolkit serve`` for this module's students (each test runs its own session)."""
    server = start_server(tmp_path_factory.mktemp("served"))
    yield server
    server.stop()


@pytest.fixture
def live(served, programme):
    store = Store(served.db_url)
    session = store.start_session(programme)
    yield served, store, session
    store.close()


def screen(page, name, artifacts, suffix=""):
    from playwright.sync_api import expect
    expect(page.locator("main")).to_have_attribute("data-screen", name)
    page.screenshot(path=str(artifacts / f"student-{name}{suffix}.png"), full_page=True)


class Traffic:
    """Requests a page makes and the bytes they move, per screen."""

    def __init__(self, page):
        self.requests = []
        self.finished = {}
        page.on("request", lambda request: self.requests.append(request))
        page.on("requestfinished", self._finished)

    def _finished(self, request):
        sizes = request.sizes()
        self.finished[id(request)] = sum(sizes[k] for k in ("responseBodySize", "responseHeadersSize",
                                                              "requestHeadersSize", "requestBodySize"))

    def mark(self):
        return len(self.requests)

    def since(self, mark):
        reqs = self.requests[mark:]
        # The event stream never finishes: it counts as a request; its bytes are the state it carries.
        return {"requests": len(reqs), "bytes": sum(self.finished.get(id(r), 0) for r in reqs),
                "urls": [re.sub(r"https?://[^/]+", "", r.url) for r in reqs]}


def test_a_student_follows_a_whole_session_live(live, browser, artifacts):
    from playwright.sync_api import expect
    served, store, session = live
    join_url = served.lines["Students join at"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    traffic = Traffic(page)
    weights = {}

    mark = traffic.mark()
    page.goto(f"{join_url}?code={session.code}")
    expect(page.locator("#code")).to_have_value(session.code)
    screen(page, "enter", artifacts)
    weights["enter"] = traffic.since(mark)
    axe_clean(page, "enter")

    mark = traffic.mark()
    page.get_by_role("button", name="Join").click()
    screen(page, "lobby", artifacts)
    expect(page.get_by_role("heading", name="Need help?")).to_be_visible()
    wait_for(lambda: any("/events" in r.url for r in traffic.requests[mark:]), what="the event stream")
    weights["lobby (join, first load)"] = traffic.since(mark)
    axe_clean(page, "lobby")
    assert session.refresh().respondents == 1

    session.next()
    expect(page.get_by_role("heading", name="Ground rules")).to_be_visible()
    screen(page, "slide", artifacts)
    axe_clean(page, "slide")

    advance_to(session, "baseline-confidence")
    expect(page.get_by_role("heading", name=re.compile("How confident"))).to_be_visible()
    page.get_by_role("button", name="4", exact=True).click()
    expect(page.locator("main .status")).to_have_text(RECEIVED)
    page.get_by_role("button", name="2", exact=True).click()
    expect(page.get_by_role("button", name="2", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("main .status")).to_have_text(RECEIVED)
    wait_for(lambda: list(store.responses(session.code)["value"]) == ["2"], what="the changed answer in the store")
    screen(page, "vote", artifacts, "-scale")
    axe_clean(page, "vote")

    advance_to(session, "card-ana-bus")
    expect(page.get_by_role("heading", name=re.compile("her boyfriend Leo"))).to_be_visible()
    page.get_by_role("button", name="Warning signs").click()
    expect(page.locator("main .status")).to_have_text(RECEIVED)
    screen(page, "vote", artifacts, "-card")
    session.reveal()
    expect(page.get_by_text("The answer:")).to_be_visible()
    expect(page.locator(".expected")).to_contain_text("Healthy")
    expect(page.locator(".bars li")).to_have_count(4)
    expect(page.get_by_text("Warning signs (you)")).to_be_visible()
    screen(page, "reveal", artifacts)
    axe_clean(page, "reveal")

    advance_to(session, "poll-who-help")
    page.get_by_label("Childline").check()
    page.get_by_label("A trusted adult").check()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("main .status")).to_have_text(RECEIVED)
    screen(page, "vote", artifacts, "-multiple")
    axe_clean(page, "multiple choice")

    advance_to(session, "sort")
    expect(page.get_by_text("1 of 3")).to_be_visible()
    screen(page, "sort", artifacts)
    axe_clean(page, "sort")
    page.get_by_role("button", name="Healthy").click()
    expect(page.get_by_text("2 of 3")).to_be_visible()
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_text("1 of 3")).to_be_visible()
    expect(page.get_by_role("button", name="Healthy")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("link", name="Next").click()
    page.get_by_role("button", name="Exploitative").click()
    expect(page.get_by_text("3 of 3")).to_be_visible()
    page.get_by_role("button", name="Warning signs").click()
    expect(page.get_by_role("heading", name="All sorted")).to_be_visible()
    expect(page.get_by_text("You sorted 3 of 3 cards")).to_be_visible()
    page.screenshot(path=str(artifacts / "student-sort-done.png"), full_page=True)
    axe_clean(page, "sort done")
    wait_for(lambda: len(store.responses(session.code).query("activity_id == 'sort'")) == 3,
             what="three sorted cards in the store")

    page.get_by_role("link", name="Ask a question without giving your name").click()
    screen(page, "ask", artifacts)
    axe_clean(page, "ask")
    page.get_by_label(re.compile("Your question")).fill("What should I do if a friend is being pressured?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Only the workshop leader will see it.")).to_be_visible()
    screen(page, "sent", artifacts)
    axe_clean(page, "sent")
    assert [q["text"] for q in session.questions()] == ["What should I do if a friend is being pressured?"]
    page.get_by_role("link", name="Back to the workshop").click()
    screen(page, "sort", artifacts, "-after-question")

    session.end()
    expect(page.get_by_role("heading", name="The workshop has ended")).to_be_visible()
    screen(page, "ended", artifacts)
    axe_clean(page, "ended")
    expect(page.get_by_text("Childline")).to_be_visible()

    for name, weight in weights.items():
        assert weight["bytes"] <= LIMIT_BYTES and weight["requests"] <= LIMIT_REQUESTS, (name, weight)
        assert all(u.startswith("/") for u in weight["urls"]), weight  # nothing from elsewhere
    (artifacts / "student-page-weight-js.json").write_text(json.dumps(weights, indent=1))
    context.close()


def test_a_student_without_javascript(live, browser, artifacts):
    from playwright.sync_api import expect
    served, store, session = live
    join_url = served.lines["Students join at"]
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    traffic = Traffic(page)
    weights = {}
    # axe needs script: it checks the same server-rendered screens with the page's own script blocked.
    checker = browser.new_context(**PHONE)
    checker.route(re.compile(r".*/join\.js.*"), lambda route: route.abort())
    checker_page = checker.new_page()

    def check(name):
        checker.clear_cookies()
        checker.add_cookies(context.cookies())
        checker_page.goto(page.url)
        expect(checker_page.locator("main")).to_have_attribute("data-screen", page.locator("main")
                                                                .get_attribute("data-screen"))
        axe_clean(checker_page, f"{name} (no JavaScript)")

    def load(name, action):
        mark = traffic.mark()
        action()
        screen(page, name.split(" ")[0], artifacts, "-nojs")
        weights[name] = traffic.since(mark)

    load("enter", lambda: page.goto(f"{join_url}?code={session.code}"))
    expect(page.locator("#code")).to_have_value(session.code)
    check("enter")
    load("lobby (join)", lambda: page.get_by_role("button", name="Join").click())
    check("lobby")

    session.next()
    load("slide", page.reload)
    expect(page.get_by_role("heading", name="Ground rules")).to_be_visible()

    advance_to(session, "card-ana-bus")
    load("vote", page.reload)
    load("vote (answer)", lambda: page.get_by_role("button", name="Exploitative").click())
    expect(page.locator("main .status")).to_have_text(RECEIVED)
    load("vote (change)", lambda: page.get_by_role("button", name="Healthy").click())
    expect(page.get_by_role("button", name="Healthy")).to_have_attribute("aria-pressed", "true")
    check("vote")
    frame = store.responses(session.code)
    assert list(frame["value"]) == ["healthy"]

    session.next()  # the next card arrives: without script, on the page's next reload
    session.open_voting()
    load("vote (next card)", page.reload)
    expect(page.get_by_role("heading", name=re.compile("free lifts and vapes"))).to_be_visible()
    page.get_by_role("button", name="Not sure").click()
    session.reveal()
    load("reveal", page.reload)
    expect(page.locator(".expected")).to_contain_text("Exploitative")
    check("reveal")

    advance_to(session, "sort")
    load("sort", page.reload)
    expect(page.get_by_text("1 of 3")).to_be_visible()
    page.get_by_role("button", name="Healthy").click()
    expect(page.get_by_text("2 of 3")).to_be_visible()
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("button", name="Healthy")).to_have_attribute("aria-pressed", "true")
    check("sort")

    load("ask", lambda: page.get_by_role("link", name="Ask a question without giving your name").click())
    page.get_by_label(re.compile("Your question")).fill("Who can I talk to?")
    load("sent", lambda: page.get_by_role("button", name="Send").click())
    expect(page.get_by_text("Only the workshop leader will see it.")).to_be_visible()
    check("sent")

    session.end()
    load("ended", page.reload)
    expect(page.get_by_role("heading", name="The workshop has ended")).to_be_visible()
    check("ended")

    for name, weight in weights.items():
        assert weight["bytes"] <= LIMIT_BYTES and weight["requests"] <= LIMIT_REQUESTS, (name, weight)
        assert not any("join.js" in u for u in weight["urls"])
    (artifacts / "student-page-weight-nojs.json").write_text(json.dumps(weights, indent=1))
    checker.close()
    context.close()


def test_the_page_rides_out_a_bad_connection(live, browser, artifacts):
    """Server-Sent Events blocked: the page polls. Wi-Fi gone: the answer waits, "Sending...",
    and is sent when the connection is back. Events allowed again: the stream reconnects."""
    from playwright.sync_api import expect
    served, store, session = live
    context = browser.new_context(**PHONE)
    page = context.new_page()
    events = re.compile(r".*/events$")
    context.route(events, lambda route: route.abort())
    page.goto(f"{served.lines['Students join at']}?code={session.code}")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("main")).to_have_attribute("data-screen", "lobby")

    advance_to(session, "card-ana-bus")  # no stream: the page finds out by polling
    expect(page.get_by_role("heading", name=re.compile("her boyfriend Leo"))).to_be_visible(timeout=8000)

    context.set_offline(True)
    page.get_by_role("button", name="Healthy").click()
    expect(page.locator("main .status")).to_contain_text("Not sent yet")
    expect(page.get_by_role("button", name="Healthy")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=str(artifacts / "student-vote-sending.png"), full_page=True)
    assert len(store.responses(session.code)) == 0
    context.set_offline(False)
    expect(page.locator("main .status")).to_have_text(RECEIVED, timeout=10000)
    wait_for(lambda: list(store.responses(session.code)["value"]) == ["healthy"], what="the answer after Wi-Fi")

    context.unroute(events)
    with page.expect_response(lambda r: "/events" in r.url and r.status == 200, timeout=15000):
        pass  # the browser reconnects the stream by itself
    session.reveal()
    expect(page.locator("main")).to_have_attribute("data-screen", "reveal")
    context.close()


def test_a_device_one_too_many_for_its_network_is_told_so_not_sent_again(live, browser, artifacts):
    """An answer from a device new to the session, past its network's allowance of new devices
    (a cleared cookie, here, after three other phones on the same network joined): the page
    says why, as the join form would, and does not send it again and again."""
    import httpx
    from playwright.sync_api import expect
    served, store, session = live
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sent = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" and r.url.endswith("/responses") else None)
    page.goto(f"{served.lines['Students join at']}?code={session.code}")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("main")).to_have_attribute("data-screen", "lobby")
    for n in range(3):  # three more phones: the network's four new devices (the default) are spent
        with httpx.Client(base_url=served.base_url) as phone:
            xsrf = f"devices-{n}"
            phone.cookies.set("_xsrf", xsrf)
            r = phone.post(f"toolkit/api/sessions/{session.code}/join", json={}, headers={"X-XSRFToken": xsrf})
            assert r.status_code == 201, r.text
    advance_to(session, "card-ana-bus")
    expect(page.get_by_role("heading", name=re.compile("her boyfriend Leo"))).to_be_visible()
    context.add_cookies([{"name": "toolkit_device", "value": "a-cleared-cookie-made-this-device-new-0123",
                          "domain": "127.0.0.1", "path": "/toolkit/", "httpOnly": True, "sameSite": "Strict"}])
    page.get_by_role("button", name="Healthy").click()
    expect(page.locator("main .alert")).to_have_text("Too many phones have joined from this network. If you changed "
                                                     "browser, go back to the one you joined with.")
    page.screenshot(path=str(artifacts / "student-vote-too-many-devices.png"), full_page=True)
    page.wait_for_timeout(3000)  # the page's first retry would have gone within a second
    assert len(sent) == 1, [r.url for r in sent]
    assert len(store.responses(session.code)) == 0
    context.close()
