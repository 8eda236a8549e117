"""A student on a bad connection: a real TCP proxy between Chromium and a real ``toolkit
serve`` stalls and resets the connection mid-vote. The page must notice within seconds,
say so, hold answers back until it has caught up, never say "Answer received" for an
answer the server does not have, and say in plain words what happened to one it could not
save. The facilitator's side is driven through the store, as the dashboard would.
"""

import re
import time

import pytest

from support.browser import PHONE, RECORDER, advance_to, axe_clean, wait_for
from support.proxy import Proxy
from support.server import start_server
from toolkit.server import screens
from toolkit.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(150)]

RECEIVED = screens.RECEIVED
LOST = "Connection lost. Reconnecting\u2026"
MISSED = "Your answer to the last question was not saved: voting closed before it could be sent."
CLOSED = "Your answer was not saved: voting had closed."
OFFLINE = "Not sent yet: there's no connection. Trying again\u2026"
SENDING = "Sending your answer\u2026"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("dropouts"))
    yield server
    server.stop()


@pytest.fixture
def live(served, programme):
    store = Store(served.db_url)
    session = store.start_session(programme)
    proxy = Proxy(int(served.base_url.rsplit(":", 1)[1].strip("/")))
    yield served, store, session, proxy
    proxy.close()
    store.close()


def joined(browser, served, session, proxy):
    """A phone that joined through the proxy, with the recorder running."""
    from playwright.sync_api import expect
    context = browser.new_context(**PHONE)
    context.add_init_script(RECORDER)
    page = context.new_page()
    page.goto(proxy.url(served.lines["Students join at"]) + f"?code={session.code}")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("main")).to_have_attribute("data-screen", "lobby")
    return context, page


def answers(store, session, activity_id):
    frame = store.responses(session.code)
    return list(frame[frame["activity_id"] == activity_id]["value"])


def received_shown(page) -> int:
    return page.evaluate("window.__received.length")


def test_a_stall_mid_vote_is_noticed_and_a_tap_the_server_never_got_is_said_not_saved(live, browser, artifacts):
    from playwright.sync_api import expect
    served, store, session, proxy = live
    context, page = joined(browser, served, session, proxy)
    advance_to(session, "card-ana-bus")
    expect(page.get_by_role("heading", name=re.compile("her boyfriend Leo"))).to_be_visible()

    proxy.stall()  # the Wi-Fi drops: nothing arrives, nothing fails
    stalled_at = time.monotonic()
    healthy = page.get_by_role("button", name="Healthy")
    healthy.click()
    # Tapped, not saved: it looks pending (dashed, no tick), never like a saved answer.
    expect(healthy).to_have_class(re.compile(r"\bpending\b"))
    expect(healthy).not_to_have_class(re.compile(r"\bchosen\b"))
    expect(page.locator("main .status")).to_have_text(SENDING)
    page.screenshot(path=str(artifacts / "student-vote-pending.png"))

    banner = page.locator("#conn")
    expect(banner).to_have_text(LOST, timeout=15_000)
    noticed = time.monotonic() - stalled_at
    assert noticed < 11, f"a dead stream was noticed only after {noticed:.1f} s"
    expect(banner).to_be_visible()
    for name in ("Healthy", "Warning signs", "Exploitative", "Not sure"):
        expect(page.get_by_role("button", name=name)).to_have_attribute("aria-disabled", "true")
    expect(page.locator("main .status")).to_have_text(OFFLINE, timeout=10_000)  # the send gave up: said so
    page.get_by_role("button", name="Exploitative").click(force=True)  # a tap while lost does nothing
    expect(healthy).to_have_class(re.compile(r"\bpending\b"))
    page.screenshot(path=str(artifacts / "student-vote-connection-lost.png"))
    axe_clean(page, "connection lost")
    assert answers(store, session, "card-ana-bus") == []

    # The facilitator closes voting and moves on while the phone is cut off; then the
    # access point drops every connection and the Wi-Fi comes back.
    session.close_voting()
    session.next()
    session.open_voting()
    proxy.reset()
    proxy.resume()
    back_at = time.monotonic()
    expect(page.get_by_role("heading", name=re.compile("free lifts and vapes"))).to_be_visible(timeout=15_000)
    expect(banner).to_be_hidden()
    caught_up = time.monotonic() - back_at
    # The honest message, on the screen the student is now looking at.
    expect(page.locator("main .alert")).to_have_text(MISSED, timeout=10_000)
    expect(page.get_by_role("button", name="Healthy")).to_have_attribute("aria-pressed", "false")
    page.screenshot(path=str(artifacts / "student-vote-answer-missed.png"))
    axe_clean(page, "answer missed")
    assert answers(store, session, "card-ana-bus") == []
    assert received_shown(page) == 0, "the page said 'Answer received' for an answer the server never got"
    said = " | ".join(page.evaluate("window.__said"))
    for words in (LOST, OFFLINE, "Connected again.", "New question.", MISSED):
        assert words in said, (words, said)
    assert said.index(LOST) < said.index("Connected again.") < said.index(MISSED), said

    page.get_by_role("button", name="Not sure").click()
    expect(page.locator("main .status")).to_have_text(RECEIVED)
    assert answers(store, session, "card-ben-lifts") == ["not_sure"]  # acknowledged means stored
    (artifacts / "student-dropout-timings.txt").write_text(
        f"stall noticed after {noticed:.1f} s; caught up {caught_up:.1f} s after the connection came back\n")
    context.close()


def test_a_reset_mid_vote_retries_the_answer_and_says_received_only_once_it_is_stored(live, browser):
    from playwright.sync_api import expect
    served, store, session, proxy = live
    context, page = joined(browser, served, session, proxy)
    advance_to(session, "baseline-myth-girls")
    expect(page.get_by_role("heading", name="Only girls can be exploited.")).to_be_visible()

    proxy.stall()
    page.get_by_role("button", name="Myth").click()
    expect(page.locator("#conn")).to_have_text(LOST, timeout=15_000)
    proxy.reset()  # every connection cut; new ones go through
    proxy.resume()
    expect(page.locator("#conn")).to_be_hidden(timeout=15_000)
    expect(page.locator("main .status")).to_have_text(RECEIVED, timeout=15_000)
    assert answers(store, session, "baseline-myth-girls") == ["myth"]
    expect(page.get_by_role("button", name="Myth")).to_have_class(re.compile(r"\bchosen\b"))
    assert received_shown(page) > 0 and "Answer received." in " ".join(page.evaluate("window.__said"))
    context.close()


def test_a_tap_held_until_voting_closed_is_said_not_saved(live, browser):
    """The answer is on its way when the facilitator closes voting; the server refuses it."""
    from playwright.sync_api import expect
    served, store, session, proxy = live
    context, page = joined(browser, served, session, proxy)
    advance_to(session, "baseline-myth-girls")
    expect(page.get_by_role("heading", name="Only girls can be exploited.")).to_be_visible()
    held = []
    page.route(re.compile(r".*/responses$"), lambda route: held.append(route))
    page.get_by_role("button", name="Fact").click()
    wait_for(lambda: held, what="the answer on its way")
    session.close_voting()
    expect(page.locator("main .alert")).to_have_text(CLOSED, timeout=10_000)
    expect(page.get_by_text("Voting isn't open right now.")).to_be_visible()
    with page.expect_response(re.compile(r".*/responses$")) as refused:
        held[0].continue_()
    assert refused.value.status == 409
    expect(page.locator("main .alert")).to_have_text(CLOSED)
    assert answers(store, session, "baseline-myth-girls") == []
    assert received_shown(page) == 0
    context.close()


def test_a_busy_or_rate_limited_server_is_said_and_the_answer_tried_again(live, browser):
    from playwright.sync_api import expect
    served, store, session, proxy = live
    context, page = joined(browser, served, session, proxy)
    advance_to(session, "baseline-confidence")
    refusals = [(503, "busy", "Not sent yet: the workshop is very busy. Trying again\u2026"),
                (429, "too_many_requests", "Not sent yet: too many taps at once. Trying again in a moment\u2026")]
    seen = []

    def refuse(route):
        if len(seen) < len(refusals):
            status, kind, _ = refusals[len(seen)]
            seen.append(status)
            # As the server words them: precise, for developers; the page has its own words.
            message = {503: "the database is busy: please send that again",
                       429: "too many answers at once from this device: wait a moment and try again"}[status]
            return route.fulfill(status=status, content_type="application/json",
                                 body=f'{{"error": {{"status": {status}, "kind": "{kind}", "message": "{message}"}}}}')
        return route.continue_()

    page.route(re.compile(r".*/responses$"), refuse)
    page.get_by_role("button", name="3", exact=True).click()
    status = page.locator("main .status")
    expect(status).to_have_text(refusals[0][2])
    expect(page.get_by_role("button", name="3", exact=True)).to_have_class(re.compile(r"\bpending\b"))
    expect(status).to_have_text(refusals[1][2], timeout=10_000)
    expect(status).to_have_text(RECEIVED, timeout=15_000)
    assert seen == [503, 429] and answers(store, session, "baseline-confidence") == ["3"]
    assert "database" not in page.locator("body").inner_text()
    context.close()


def test_the_last_tap_wins_even_when_the_answers_cross(live, browser):
    """Two quick taps: the first is held on its way and arrives after the second. The
    server keeps the later tap (the answers are numbered), and so does the page."""
    from playwright.sync_api import expect
    served, store, session, proxy = live
    context, page = joined(browser, served, session, proxy)
    advance_to(session, "baseline-myth-girls")
    held = []

    def hold_first(route):
        if not held:
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/responses$"), hold_first)
    page.get_by_role("button", name="Myth").click()
    wait_for(lambda: held, what="the first tap on its way")
    page.get_by_role("button", name="Fact").click()
    expect(page.locator("main .status")).to_have_text(RECEIVED)
    assert answers(store, session, "baseline-myth-girls") == ["fact"]
    with page.expect_response(re.compile(r".*/responses$")) as late:
        held[0].continue_()
    assert late.value.status == 409 and late.value.json()["error"]["kind"] == "stale"
    assert answers(store, session, "baseline-myth-girls") == ["fact"], "a late tap overwrote the last one"
    expect(page.get_by_role("button", name="Fact")).to_have_class(re.compile(r"\bchosen\b"))
    expect(page.locator("main .status")).to_have_text(RECEIVED)

    # A reloaded page numbers its taps afresh: its first change still wins.
    page.unroute(re.compile(r".*/responses$"))
    page.reload()
    page.get_by_role("button", name="Not sure").click()
    expect(page.locator("main .status")).to_have_text(RECEIVED)
    assert answers(store, session, "baseline-myth-girls") == ["not_sure"]
    context.close()
