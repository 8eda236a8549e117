"""Hostile content renders as text: script and HTML in a deck's cards, a plan's titles,
poll options, help, group labels and students' questions, shown by the student page
(with and without JavaScript), the facilitator's dashboard and the exported HTML report,
each in a real Chromium.

Every payload tries to set ``window.__pwned``; on every screen it must stay unset, the
payload must be readable as the text it is, no element may carry an event handler or a
``javascript:`` link, and the page may run no script but its own. The content goes in as
a session snapshot, past the content checks, as a tampered file or database would.
"""

from __future__ import annotations

import copy
import re

import pytest

from support.server import start_server
from toolkit.content import Programme
from toolkit.dashboards.console.report import html_report
from toolkit.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(240)]

IMG = "<img src=x onerror=window.__pwned=1>"
SCRIPT = "<script>window.__pwned=1</script>"
SVG = '"><svg onload=window.__pwned=1>'
JS_URL = "javascript:window.__pwned=1"
LINK = '<a href="javascript:window.__pwned=1">tap</a>'
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}

INERT = """() => ({
  pwned: window.__pwned,
  handlers: [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
      .filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name)),
  jsLinks: [...document.querySelectorAll('[href], [src], [action], [formaction], [xlink\\\\:href]')]
      .map(el => el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action')
                 || el.getAttribute('formaction') || el.getAttribute('xlink:href') || '')
      .filter(v => /^\\s*javascript:/i.test(v)),
  injected: document.querySelectorAll('img[src="x"], svg[onload], a[href^="javascript"]').length
      + [...document.scripts].filter(s => s.text.trim() === 'window.__pwned=1').length,
  text: document.body.innerText,
})"""


def hostile(programme: Programme) -> Programme:
    """The mini plan with a payload in every piece of text a screen shows."""
    snap = copy.deepcopy(programme.snapshot())
    plan, deck, polls, help_ = snap["plan"], snap["deck"], snap["polls"], snap["help"]
    plan["title"] = f"Plan {SCRIPT} {IMG}"
    for activity in plan["activities"]:
        if activity["kind"] == "slide":
            activity["title"] = f"Rules {SVG}"
            activity["body"] = f"Be kind {IMG}\nLink {LINK} {JS_URL}"
        if activity["kind"] == "sort":
            activity["title"] = f"Sort {SCRIPT}"
    for card in deck["cards"]:
        card["character"] = f"Ana {SVG}"
        card["text"] = f"Card {card['id']} {IMG} {SCRIPT} {LINK}"
        card["note"] = f"Note {IMG} {SCRIPT}"
        card["prompts"] = [f"Prompt {SVG}"]
    for category in deck.get("categories") or []:
        category["label"] = f"{category['label']} {IMG}"
    for question in polls["questions"]:
        question["text"] = f"Question {question['id']} {SCRIPT} {SVG}"
        for option in question.get("options") or []:
            option["label"] = f"{option['label']} {IMG}"
        if question.get("note") is not None:
            question["note"] = f"Poll note {LINK}"
    help_["intro"] = f"Help is anonymous {IMG}"
    help_["resources"][0]["name"] = f"Childline {SVG}"
    help_["resources"][0]["detail"] = f"Free {LINK}"
    help_["resources"][0]["url"] = JS_URL
    return Programme.from_snapshot(snap)


LABELS = {"organisation": f"School {IMG}", "group": f"Year 9 {SCRIPT}", "setting": f"Hall {SVG}",
          "facilitator": f"Sam {LINK}"}


def assert_inert(page, where: str, *visible: str) -> None:
    found = page.evaluate(INERT)
    assert found["pwned"] is None, f"{where}: a payload ran"
    assert found["handlers"] == [], f"{where}: event handlers {found['handlers']}"
    assert found["jsLinks"] == [], f"{where}: javascript: links {found['jsLinks']}"
    assert found["injected"] == 0, f"{where}: an injected element"
    text = " ".join(found["text"].split())
    for payload in visible:
        assert payload in text, f"{where}: {payload!r} is not shown as text"


def only_local(context, base_url: str) -> None:
    """Refuse every request that does not go to the server under test (or a local file)."""
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith((base_url, "file:"))
                  else route.abort())


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("hostile"))
    yield server
    server.stop()


@pytest.fixture
def live(served, programme):
    store = Store(served.db_url)
    session = store.start_session(hostile(programme), **LABELS)
    yield store, session
    store.close()


def test_the_student_page_shows_hostile_content_as_text(served, live, browser, artifacts):
    from playwright.sync_api import expect
    store, session = live
    context = browser.new_context(**PHONE)
    only_local(context, served.base_url)
    page = context.new_page()
    page.goto(f"{served.lines['Students join at']}?code={session.code}")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("main")).to_have_attribute("data-screen", "lobby")
    assert_inert(page, "lobby", f"Plan {SCRIPT} {IMG}", f"Childline {SVG}", f"Free {LINK}")
    assert page.evaluate("document.scripts.length") == 2, "the boot data and join.js, nothing else"

    screens = {"slide": (f"Rules {SVG}", f"Be kind {IMG}", f"Link {LINK} {JS_URL}"),
               "poll": (SCRIPT, SVG), "card": (f"{IMG} {SCRIPT} {LINK}",), "sort": (f"Sort {SCRIPT}",)}
    for activity in session.activities:
        session.go_to(activity.index)
        if activity.votes:
            session.open_voting()
        screen = "slide" if activity.kind == "slide" else "sort" if activity.kind == "sort" else "vote"
        expect(page.locator("main")).to_have_attribute("data-screen", screen)
        expect(page.locator("main")).to_contain_text(screens[activity.kind][0])
        assert_inert(page, activity.id, *screens[activity.kind])
        if activity.kind == "card":
            option = page.locator("main .choices button").first
            assert IMG in option.inner_text()
            option.click()
            session.reveal()
            expect(page.locator("main")).to_have_attribute("data-screen", "reveal")
            assert_inert(page, f"{activity.id} revealed", IMG)
            page.screenshot(path=str(artifacts / "hostile-student-reveal.png"), full_page=True)

    page.get_by_role("link", name="Ask a question without giving your name").click()
    page.get_by_label("Your question (up to 280 characters)").fill(f"Why {IMG} {SCRIPT}?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("main")).to_have_attribute("data-screen", "sent")
    assert_inert(page, "question sent")
    assert [q["text"] for q in session.questions()] == [f"Why {IMG} {SCRIPT}?"]

    # Without JavaScript the server's own rendering of the same content.
    plain = browser.new_context(**PHONE, java_script_enabled=False)
    only_local(plain, served.base_url)
    page_nojs = plain.new_page()
    page_nojs.goto(f"{served.lines['Students join at']}?code={session.code}")
    page_nojs.get_by_role("button", name="Join").click()
    expect(page_nojs.locator("main")).to_have_attribute("data-screen", "vote")  # the last poll, still open
    assert_inert(page_nojs, "without JavaScript", f"{SCRIPT} {SVG}", f"Childline {SVG}", f"Free {LINK}")
    plain.close()
    context.close()


def test_the_html_report_shows_hostile_content_as_text(served, live, browser, tmp_path):
    import httpx
    store, session = live
    card = next(a for a in session.activities if a.kind == "card")
    session.go_to(card.index)
    session.open_voting()
    with httpx.Client(base_url=served.base_url, timeout=20) as phone:
        phone.cookies.set("_xsrf", "hostile")
        headers = {"X-XSRFToken": "hostile"}
        assert phone.post(f"toolkit/api/sessions/{session.code}/responses", headers=headers,
                          json={"activity": card.id, "value": "warning"}).status_code == 201
        assert phone.post(f"toolkit/api/sessions/{session.code}/questions", headers=headers,
                          json={"text": f"Is {SVG} ok?"}).status_code == 201
    question = session.questions()[0]
    store.set_question_status(question["id"], "approved")
    session.reveal()
    session.end()
    report = tmp_path / "report.html"
    report.write_text(html_report(session.refresh(), questions=session.questions()))
    context = browser.new_context()
    only_local(context, served.base_url)
    page = context.new_page()
    page.goto(report.as_uri())
    page.wait_for_selector(".js-plotly-plot")
    assert_inert(page, "the report", f"Plan {SCRIPT} {IMG}", f"School {IMG}", f"Is {SVG} ok?")
    context.close()


def test_the_facilitator_dashboard_shows_hostile_content_as_text(served, live, browser, artifacts):
    from playwright.sync_api import expect
    store, session = live
    card = next(a for a in session.activities if a.kind == "card")
    session.go_to(card.index)
    session.open_voting()
    import httpx
    with httpx.Client(base_url=served.base_url, timeout=20) as phone:
        phone.cookies.set("_xsrf", "hostile")
        headers = {"X-XSRFToken": "hostile"}
        phone.post(f"toolkit/api/sessions/{session.code}/responses", headers=headers,
                   json={"activity": card.id, "value": "healthy"})
        for text in (f"Pending {IMG}", f"Approved {SCRIPT}"):
            assert phone.post(f"toolkit/api/sessions/{session.code}/questions", headers=headers,
                              json={"text": text}).status_code == 201
    store.set_question_status(session.questions()[1]["id"], "approved")
    session.reveal()

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    only_local(context, served.base_url)
    page = context.new_page()
    page.goto(served.url(f"voila/render/facilitator.ipynb?session={session.code}", auth=True))
    expect(page.locator("body")).to_contain_text(f"Plan {SCRIPT} {IMG}", timeout=120_000)
    # The console's keys work once its key widget is drawn, which on a busy machine can be a
    # while after the first text shows: a press before that goes nowhere.
    page.wait_for_selector("html[data-tk-keys]", state="attached", timeout=60_000)
    page.locator("body").press("p")  # the facilitator opens their notes: the note and questions show
    expect(page.locator("body")).to_contain_text(f"Note {IMG} {SCRIPT}", timeout=20_000)
    expect(page.locator("body")).to_contain_text(f"Pending {IMG}", timeout=20_000)
    page.screenshot(path=str(artifacts / "hostile-facilitator.png"))
    found = page.evaluate(INERT)
    assert found["pwned"] is None, "a payload ran in the dashboard"
    assert found["jsLinks"] == []
    assert found["injected"] == 0
    text = " ".join(found["text"].split())
    for payload in (f"Card {card.items[0]} {IMG} {SCRIPT} {LINK}", f"Approved {SCRIPT}", f"Sam {LINK}"):
        assert payload in text, payload
    # Voila's and the widgets' own markup carries no handlers from the content either.
    assert not [h for h in found["handlers"] if re.search(r"onerror|onload", h, re.I)], found["handlers"]
    context.close()
