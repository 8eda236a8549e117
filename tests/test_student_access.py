"""The student page for every student: a screen reader (one live region, focus, names,
titles), a small phone (help one tap away at 360x640), large text (320 px at 200%),
forced colours, and no JavaScript (nothing reloads while a student is answering). In a
real Chromium against a real ``toolkit serve``; screenshots land in test-artifacts/.
"""

import copy
import re
import time

import pytest

from support.browser import PHONE, RECORDER, SMALL_PHONE, advance_to, axe_clean, wait_for
from support.server import start_server
from toolkit.content import Programme
from toolkit.server import screens
from toolkit.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(150)]

LONG = "Someone at a helpline, or a youth worker you already know and trust, whoever you feel safest with"
UNBROKEN = "Superlongwordthatwillnotfitonanarrowphonescreenatall"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("access"))
    yield server
    server.stop()


@pytest.fixture
def live(served, programme):
    store = Store(served.db_url)
    session = store.start_session(programme)
    yield served, store, session
    store.close()


def long_labels(programme):
    """The plan with a multiple-choice poll whose labels are long (one a single long word)."""
    snap = copy.deepcopy(programme.snapshot())
    question = next(q for q in snap["polls"]["questions"] if q["id"] == "who-help")
    question["options"] = [{"id": "childline", "label": "Childline"}, {"id": "adult", "label": LONG},
                           {"id": "nobody", "label": UNBROKEN}]
    question["answer"] = ["childline", "adult"]
    return Programme.from_snapshot(snap)


def join(browser, served, session, **options):
    from playwright.sync_api import expect
    context = browser.new_context(**{**PHONE, **options})
    context.add_init_script(RECORDER)
    page = context.new_page()
    page.goto(f"{served.lines['Students join at']}?code={session.code}")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("main")).to_have_attribute("data-screen", "lobby")
    return context, page


def said(page) -> str:
    return " | ".join(page.evaluate("window.__said"))


def focused(page) -> str:
    return page.evaluate("document.activeElement && (document.activeElement.id || document.activeElement.tagName)")


def test_a_screen_reader_hears_every_change_in_one_lasting_live_region(live, browser):
    from playwright.sync_api import expect
    served, store, session = live
    context, page = join(browser, served, session)
    region = page.locator("#live")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_attribute("role", "status")
    assert page.get_by_role("status").count() == 1  # one live region, nothing else that talks
    first = page.evaluate_handle("document.getElementById('live')")

    session.next()
    expect(page.get_by_role("heading", name="Ground rules")).to_be_focused()  # a new screen: focus on its heading
    expect(page).to_have_title("Slide: Ground rules - Mini plan")
    session.next()
    expect(page.get_by_role("heading", name=re.compile("How confident"))).to_be_focused()
    expect(page).to_have_title("Question: Before we start - Mini plan")
    session.open_voting()
    wait_for(lambda: "Voting is open. You can answer now." in said(page), what="voting opened, said")

    # The scale's buttons carry their meaning, grouped with their question.
    group = page.get_by_role("group", name=re.compile("How confident are you"))
    expect(group.get_by_role("button")).to_have_count(5)
    expect(group.get_by_role("button", name="1, Not at all")).to_be_visible()
    expect(group.get_by_role("button", name="5, Very")).to_be_visible()
    four = group.get_by_role("button", name="4", exact=True)
    four.focus()
    page.keyboard.press("Enter")
    expect(page.locator("main .status")).to_have_text(screens.RECEIVED)
    expect(four).to_be_focused()  # after answering, focus stays on the pressed choice
    expect(four).to_have_attribute("aria-pressed", "true")
    wait_for(lambda: "Answer received." in said(page), what="the answer, said")
    page.keyboard.press("Shift+Tab")  # the choices are still in their order
    assert focused(page) == "o2"

    session.close_voting()
    wait_for(lambda: "Voting has closed." in said(page), what="voting closed, said")
    session.reveal()
    expect(page.get_by_role("heading", name="How the class answered")).to_be_visible()
    wait_for(lambda: "The answers are showing" in said(page), what="the reveal, said")
    expect(page).to_have_title("Answers: Before we start - Mini plan")
    session.next()
    wait_for(lambda: said(page).endswith("New question."), what="the next question, said")

    # The same element all along, still in the page, and nothing else announced.
    assert page.evaluate("el => el === document.getElementById('live') && el.isConnected && el === window.__live",
                         first)
    assert page.get_by_role("status").count() == 1
    context.close()


def test_help_is_one_tap_from_the_top_of_every_screen_on_a_small_phone(live, browser, artifacts):
    """At 360x640 a "Need help?" link is on screen at the top of every screen and brings the
    first helpline into view, however long the screen (the sort's reveal is the longest)."""
    from playwright.sync_api import expect
    served, store, session = live
    context = browser.new_context(**SMALL_PHONE)
    page = context.new_page()
    checked = []

    def check(name, suffix="", ready=None):
        expect(page.locator("main")).to_have_attribute("data-screen", name)
        if ready is not None:  # the screen as it settles (voting open), not on its way there
            expect(ready).to_be_visible()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts / f"student-360x640-{name}{suffix}.png"))
        link = page.get_by_role("link", name="Need help?")
        box = link.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 640, (name, box)
        assert box["height"] >= 44 and box["width"] >= 44, (name, box)  # a target a thumb can hit
        link.click()
        first = page.locator("#help li a").first
        expect(first).to_be_in_viewport()
        expect(page.locator("#help h2")).to_be_in_viewport()
        if name in ("sort", "reveal"):
            page.screenshot(path=str(artifacts / f"student-360x640-{name}{suffix}-help.png"))
        axe_clean(page, name + suffix)
        checked.append(name + suffix)

    page.goto(f"{served.lines['Students join at']}?code={session.code}")
    check("enter")
    page.get_by_role("button", name="Join").click()
    check("lobby")
    session.next()
    check("slide")
    advance_to(session, "baseline-confidence")
    check("vote", "-scale", page.get_by_role("button", name="5, Very"))
    advance_to(session, "card-ana-bus")
    check("vote", "-card", page.get_by_role("button", name="Exploitative"))
    page.get_by_role("button", name="Exploitative").click()
    # Revealed once the tap is stored, as in a class: a tap still on its way when voting
    # closes is refused, and the reveal then has no "(you)" to show.
    expect(page.locator("#live")).to_contain_text("Answer received")
    session.reveal()
    check("reveal", "-card", page.get_by_text("Exploitative (you)"))
    advance_to(session, "poll-who-help")
    check("vote", "-multiple", page.get_by_role("button", name="Send"))
    advance_to(session, "sort")
    check("sort", "", page.get_by_text("1 of 3"))
    for label in ("Healthy", "Exploitative", "Warning signs"):
        page.get_by_role("button", name=label).click()
    expect(page.get_by_role("heading", name="All sorted")).to_be_visible()
    check("sort", "-done")
    session.close_voting()
    session.reveal()
    check("reveal", "-sort", page.get_by_role("heading", name="The answers"))
    page.get_by_role("link", name="Ask a question without giving your name").click()
    check("ask")
    page.get_by_label(re.compile("Your question")).fill("Who can I talk to about a friend?")
    page.get_by_role("button", name="Send").click()
    check("sent", "", page.get_by_role("heading", name="Sent"))
    page.get_by_role("link", name="Back to the workshop").click()
    while session.refresh().status != "summary":
        session.next()
    check("summary")
    session.end()
    check("ended")
    assert len(checked) == 14
    context.close()


def test_forced_colours_keep_the_bars(live, browser, artifacts):
    from playwright.sync_api import expect
    served, store, session = live
    context, page = join(browser, served, session)
    page.emulate_media(forced_colors="active")
    advance_to(session, "card-ana-bus")
    page.get_by_role("button", name="Healthy").click()
    expect(page.locator("main .status")).to_have_text(screens.RECEIVED)
    session.reveal()
    expect(page.locator(".bars li")).to_have_count(4)
    page.screenshot(path=str(artifacts / "student-reveal-forced-colours.png"), full_page=True)
    look = page.evaluate("""() => {
        const t = getComputedStyle(document.querySelector('.bars .bar')),
              fill = document.querySelector('.bars .fill.cat-healthy'), f = getComputedStyle(fill);
        return {fill: f.backgroundColor, track: t.backgroundColor, border: t.borderTopStyle,
                width: fill.getBoundingClientRect().width};
    }""")
    assert look["fill"] != look["track"] and look["border"] == "solid" and look["width"] > 0, look
    context.close()


def test_forced_colours_keep_the_progress_bar(live, browser, artifacts):
    from playwright.sync_api import expect
    served, store, session = live
    context, page = join(browser, served, session)
    page.emulate_media(forced_colors="active")
    advance_to(session, "sort")
    page.get_by_role("button", name="Healthy").click()
    expect(page.get_by_text("2 of 3")).to_be_visible()
    page.screenshot(path=str(artifacts / "student-sort-forced-colours.png"))
    look = page.evaluate("""() => {
        const t = getComputedStyle(document.querySelector('.progress')),
              f = getComputedStyle(document.querySelector('.progress .fill'));
        return {fill: f.backgroundColor, track: t.backgroundColor, border: t.borderTopStyle};
    }""")
    assert look["fill"] != look["track"] and look["border"] == "solid", look
    context.close()


def test_large_text_on_a_narrow_phone_overflows_nothing_and_tick_boxes_keep_one_size(served, browser, programme,
                                                                                      artifacts):
    """320 px wide with the text at 200% (the browser's text size doubled): the header's code
    and the tick labels wrap instead of running off the screen; every tick box is the same size
    however long its label."""
    from playwright.sync_api import expect
    store = Store(served.db_url)
    sizes = {}
    for name, options in (("normal", PHONE), ("large", {**PHONE, "viewport": {"width": 320, "height": 640},
                                                         "bypass_csp": True})):
        session = store.start_session(long_labels(programme))
        context = browser.new_context(**options)
        page = context.new_page()
        if name == "large":  # what a browser's text size setting does: the root font size, doubled
            context.add_init_script("document.addEventListener('DOMContentLoaded', () => {"
                                    "const s = document.createElement('style');"
                                    "s.textContent = 'html{font-size:200%}'; document.head.appendChild(s); });")
        page.goto(f"{served.lines['Students join at']}?code={session.code}")
        page.get_by_role("button", name="Join").click()
        expect(page.locator("main")).to_have_attribute("data-screen", "lobby")
        advance_to(session, "poll-who-help")
        expect(page.get_by_role("checkbox")).to_have_count(3)
        page.screenshot(path=str(artifacts / f"student-vote-multiple-long-labels-{name}.png"), full_page=True)
        overflow = page.evaluate("""() => {
            const width = document.documentElement.clientWidth, out = [];
            for (const el of document.querySelectorAll('header *, main *, aside *')) {
                if (el.classList.contains('vh')) continue;  // the live region: visually hidden
                const r = el.getBoundingClientRect();
                if (r.width && (r.right > width + 0.5 || r.left < -0.5)) {
                    out.push(el.tagName + '.' + el.className + ' ' + r.right);
                }
            }
            return {out, scroll: document.documentElement.scrollWidth, width};
        }""")
        assert not overflow["out"] and overflow["scroll"] <= overflow["width"], (name, overflow)
        boxes = [page.get_by_role("checkbox").nth(i).bounding_box() for i in range(3)]
        sizes[name] = {(round(b["width"], 1), round(b["height"], 1)) for b in boxes}
        assert len(sizes[name]) == 1, (name, boxes)
        page.get_by_role("checkbox", name=UNBROKEN).check()
        page.get_by_role("button", name="Send").click()
        expect(page.locator("main .status")).to_have_text(screens.RECEIVED)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts / f"student-vote-multiple-long-labels-{name}-top.png"))
        context.close()
    (w, h), = sizes["large"]
    assert w > 2 * 16 and h > 2 * 16, sizes  # they grew with the text
    store.close()


def test_a_wrong_code_marks_the_field_and_an_ended_code_says_so(live, browser, programme, artifacts):
    from playwright.sync_api import expect
    served, store, session = live
    context = browser.new_context(**SMALL_PHONE)
    page = context.new_page()
    page.goto(served.lines["Students join at"])
    page.get_by_label("Join code").fill("ZZZZ-ZZZ")
    page.get_by_role("button", name="Join").click()
    field = page.get_by_label("Join code")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(screens.words("not_found"))
    page.screenshot(path=str(artifacts / "student-enter-wrong-code.png"))
    axe_clean(page, "wrong code")

    ended = store.start_session(programme)
    ended.end()
    field.fill(ended.code)
    page.get_by_role("button", name="Join").click()
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description("That workshop has ended. Check the code on the screen.")
    expect(page.get_by_text("Thank you")).to_have_count(0)
    page.screenshot(path=str(artifacts / "student-enter-ended-code.png"))
    context.close()


def test_a_refused_question_says_why_in_its_field(live, browser):
    from playwright.sync_api import expect
    served, store, session = live
    context, page = join(browser, served, session)
    page.route(re.compile(r".*/questions$"), lambda route: route.fulfill(
        status=429, content_type="application/json",
        body='{"error": {"status": 429, "kind": "too_many_requests", "message": "that is a lot of questions"}}'))
    page.get_by_role("link", name="Ask a question without giving your name").click()
    expect(page.get_by_role("heading", name="Ask a question")).to_be_focused()
    area = page.get_by_label(re.compile("Your question"))
    area.fill("Is it OK to say no to a friend?")
    page.get_by_role("button", name="Send").click()
    expect(area).to_be_focused()
    expect(area).to_have_attribute("aria-invalid", "true")
    expect(area).to_have_accessible_description(screens.words("questions"))
    expect(area).to_have_value("Is it OK to say no to a friend?")
    wait_for(lambda: screens.words("questions") in said(page), what="the refusal, said")
    context.close()


def test_without_javascript_ticks_survive_a_minute(live, browser, artifacts):
    """Without JavaScript, waiting screens reload themselves (meta refresh); an open vote must
    not. A minute is passed in the page's own clock (Chromium's virtual time, which drives the
    meta refresh too): first shown to reload a waiting screen, then to leave the ticks alone."""
    from playwright.sync_api import expect
    served, store, session = live
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.goto(f"{served.lines['Students join at']}?code={session.code}")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("main")).to_have_attribute("data-screen", "lobby")

    def a_minute_passes(page, budget=60_000) -> int:
        """Advance the page's clock by ``budget`` ms at once; how many times it loaded the page."""
        loads = []
        page.on("request", lambda r: loads.append(r.url) if "/toolkit/join" in r.url else None)
        cdp = context.new_cdp_session(page)
        expired = []
        cdp.on("Emulation.virtualTimeBudgetExpired", lambda _: expired.append(True))
        cdp.send("Emulation.setVirtualTimePolicy", {"policy": "advance", "budget": budget})
        deadline = time.monotonic() + 20
        while not expired and time.monotonic() < deadline:
            cdp.send("Browser.getVersion")  # lets Playwright deliver the event
            time.sleep(0.02)
        assert expired, "virtual time did not run out"
        # Out of budget the clock stays paused, and the page with it: let it run on its own again.
        cdp.send("Emulation.setVirtualTimePolicy", {"policy": "advance"})
        cdp.detach()
        return len(loads)

    # The control: the lobby, a waiting screen, reloads itself within the minute.
    assert a_minute_passes(page, 15_000) >= 1
    page.close()

    advance_to(session, "poll-who-help")
    page = context.new_page()
    page.goto(f"{served.lines['Students join at']}?code={session.code}")
    expect(page.get_by_role("checkbox")).to_have_count(3)
    page.get_by_label("Childline").check()
    page.get_by_label("A trusted adult").check()
    page.get_by_label("A trusted adult").focus()
    assert a_minute_passes(page) == 0
    expect(page.get_by_label("Childline")).to_be_checked()
    expect(page.get_by_label("A trusted adult")).to_be_checked()
    expect(page.get_by_label("A trusted adult")).to_be_focused()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("main .status")).to_have_text(screens.RECEIVED)
    frame = store.responses(session.code)
    assert list(frame[frame["activity_id"] == "poll-who-help"]["value"]) == ["childline,adult"]
    page.screenshot(path=str(artifacts / "student-vote-multiple-nojs-after-a-minute.png"), full_page=True)
    context.close()
