"""The console as a teacher meets it in a classroom, in Chromium at 1280x800 through
``toolkit serve``: one laptop screen mirrored to the projector, twelve phones, the
questions box, and a laptop that must not fill with kernels. One server for the module.

What the class could read is checked on the page itself: nothing private is visible
unless the facilitator opened it. Screenshots of every screen land in test-artifacts/.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from support.browser import PHONE
from support.phones import ApiPhone
from support.server import start_server
from support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]

SCREEN = {"width": 1280, "height": 800}
KERNEL_START = 120_000  # ms: a Voilà page waits for its kernel to run the notebook
UPDATE = 20_000  # ms: a change in the store reaches the page on the next refresh
# What the class must never read unless the facilitator opened it: the private panel and
# a sort's private preview.
PRIVATE = ".tk-private, .tk-sort-preview"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("classroom"))
    yield server
    server.stop()


def kernels(served) -> int:
    with urllib.request.urlopen(served.url("api/kernels", auth=True), timeout=10) as response:
        return len(json.load(response))


def shot(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"console-{name}.png"))


def nothing_private(page):
    """Nothing private is visible anywhere on the page."""
    for element in page.locator(PRIVATE).all():
        expect(element).to_be_hidden()
    expect(page.locator(".tk-note:visible, .tk-safeguarding:visible, .tk-question:visible")).to_have_count(0)
    expect(page.locator("[data-mode='class']")).to_be_visible()


def test_a_lesson_on_one_mirrored_screen_shows_nothing_private_unless_opened(served, browser, artifacts):
    context = browser.new_context(viewport=SCREEN, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served.lines["Facilitator dashboard"])

    # The start screen: the full lesson offered first, the upload button without a count,
    # the group boxes whole at 1280 px, and the teaching notes to print before the lesson.
    start = page.get_by_role("button", name="Start session")
    start.wait_for(timeout=KERNEL_START)
    plans = page.get_by_label("Plan")
    assert "50-minute lesson" in plans.locator("option:checked").inner_text().replace("\xa0", " ")
    upload = page.locator(".tk-upload")
    # ipywidgets writes "(0)" after the label; the stylesheet shows the label alone. Read in one
    # go once the button is drawn: on a busy machine the start screen arrives piece by piece and
    # can be drawn anew between two reads.
    expect(upload).to_be_visible(timeout=UPDATE)
    page.wait_for_function("() => { const e = document.querySelector('.tk-upload');"
                           " return e && getComputedStyle(e).fontSize === '0px'"
                           " && getComputedStyle(e, '::before').content.includes('Upload a plan'); }",
                           timeout=UPDATE)
    labels = page.locator(".tk-labels")
    labels.wait_for(timeout=UPDATE)  # the button can be drawn before the boxes beside it

    def measured(label):  # both together, again if the start screen was drawn anew between them
        grid, box = labels.bounding_box(), page.get_by_label(label).bounding_box()
        return (grid, box) if grid and box else None

    for label in ("Group", "Setting", "Organisation", "Facilitator"):
        expect(page.get_by_label(label)).to_be_visible(timeout=UPDATE)
        grid, box = wait_for(lambda: measured(label), UPDATE / 1000, f"the {label} box and its grid drawn")
        assert box["x"] + box["width"] <= grid["x"] + grid["width"] + 0.5 and box["width"] > 150, label
    with page.expect_download() as notes:
        page.get_by_role("button", name="Teaching notes (HTML)").click()
    notes_text = open(notes.value.path(), encoding="utf-8").read()
    assert "Teaching note:" in notes_text and "Keep it off the projector" in notes_text
    page.get_by_label("Group").fill("Year 9, class B")
    shot(page, artifacts, "1-start")
    start.click()

    # The lobby: the class view, the address warning in words, and a QR code that joins at once.
    expect(page.locator(".tk-code")).to_be_visible(timeout=UPDATE)
    code = page.locator(".tk-code").inner_text().replace("-", "").strip()
    nothing_private(page)
    warning = page.locator(".tk-warning").first.inner_text()
    assert "Phones cannot reach this address" in warning and "--host" not in warning and "`" not in warning
    qr_url = page.locator(".tk-qr div[title]").get_attribute("title")
    assert f"code={code}" in qr_url and "join=1" in qr_url
    phone_page = browser.new_context(**PHONE).new_page()
    phone_page.goto(qr_url)
    expect(phone_page.locator("h1")).to_have_text("You're in", timeout=UPDATE)  # no tap
    phones = [ApiPhone(served) for _ in range(11)]
    for phone in phones:
        phone.post(code, "join", {})
    expect(page.locator(".tk-lobby [data-joined]")).to_have_attribute("data-joined", "12", timeout=UPDATE)
    shot(page, artifacts, "2-lobby")

    # Activity 11, a card, far down a long list: it is highlighted and in view, the next one
    # is named, and the control and mode bars stay on screen however far the page scrolls.
    page.locator(".tk-step", has_text="11.").click()
    expect(page.locator(".tk-kicker", has_text="11 of")).to_be_visible(timeout=UPDATE)
    current = page.locator(".tk-step.tk-current")
    expect(current).to_contain_text("11.")
    page.wait_for_function("""() => { const c = document.querySelector('.tk-step.tk-current');
        const l = c && c.parentElement.getBoundingClientRect(), r = c && c.getBoundingClientRect();
        return c && r.top >= l.top && r.bottom <= l.bottom; }""", timeout=UPDATE)
    expect(page.locator(".tk-upnext")).to_contain_text("Next: 12.")
    nothing_private(page)

    # Reveal before anyone answered asks first; "Keep going" leaves it as it was.
    page.get_by_role("button", name="Reveal").click()
    expect(page.get_by_role("button", name="Reveal anyway")).to_be_visible(timeout=UPDATE)
    expect(page.locator(".tk-row.tk-card")).to_contain_text("before anyone has answered")
    shot(page, artifacts, "3-reveal-asks")
    page.get_by_role("button", name="Keep going").click()
    expect(page.locator(".tk-status")).to_contain_text("Voting not open yet", timeout=UPDATE)

    # Voting, with the planned minutes counting down once started.
    expect(page.locator("[data-timer='stopped']")).to_be_visible()
    page.locator(".tk-timer").get_by_role("button", name="Start", exact=True).click()
    expect(page.locator("[data-timer='running']")).to_be_visible(timeout=UPDATE)
    page.get_by_role("button", name="Open voting").click()
    expect(page.locator(".tk-status.tk-open")).to_be_visible(timeout=UPDATE)
    activity = phones[0].state(code)["activity"]
    for i, phone in enumerate(phones):
        phone.post(code, "responses", {"activity": activity["id"], "value": "exploitative" if i < 7 else "warning"})
    expect(page.locator(".tk-status [data-answered]")).to_have_attribute("data-answered", "11", timeout=UPDATE)
    nothing_private(page)
    shot(page, artifacts, "4-voting")
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator(".tk-expected")).to_be_visible(timeout=UPDATE)
    expect(page.locator(".tk-stage .js-plotly-plot text.bartext", has_text="7  (64%)")).to_be_visible(timeout=UPDATE)
    nothing_private(page)
    shot(page, artifacts, "5-revealed-class-view")

    # Previous then Next: the revealed card comes back revealed, not "voting closed".
    page.get_by_role("button", name="Previous").click()
    expect(page.locator(".tk-kicker", has_text="10 of")).to_be_visible(timeout=UPDATE)
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator(".tk-kicker", has_text="11 of")).to_be_visible(timeout=UPDATE)
    expect(page.locator(".tk-status")).to_contain_text("Revealed", timeout=UPDATE)
    expect(page.locator(".tk-expected")).to_be_visible()
    assert phones[0].state(code)["revealed"] is True

    # The notes open only on P, with the mode bar and frame saying so; P closes them.
    page.locator("body").press("p")
    expect(page.locator("[data-mode='notes']")).to_be_visible(timeout=UPDATE)
    expect(page.locator(".tk-private .tk-note").first).to_be_visible()
    expect(page.locator(".tk-root.tk-notes-open")).to_have_count(1)
    shot(page, artifacts, "6-notes-open")
    page.locator("body").press("p")
    expect(page.locator("[data-mode='class']")).to_be_visible(timeout=UPDATE)
    nothing_private(page)

    # Questions: one plain, one that may be a disclosure. The class view says only that
    # questions are waiting.
    phones[1].post(code, "questions", {"text": "Is it still exploitation if they are the same age?"})
    phones[2].post(code, "questions", {"text": "My older boyfriend keeps asking me for pictures"})
    expect(page.locator("[data-waiting='2']")).to_be_visible(timeout=UPDATE)
    assert "pictures" not in page.locator(".tk-top").inner_text()
    nothing_private(page)
    page.locator("body").press("p")
    flagged = page.locator(".tk-question-flagged").first
    expect(flagged).to_contain_text("Flagged.", timeout=UPDATE)
    shot(page, artifacts, "7-questions")
    # Showing the flagged one asks first and names the risk; keeping it private changes nothing.
    flagged.get_by_role("button", name="Show on screen…").click()
    expect(page.get_by_text("may point to who wrote it")).to_be_visible(timeout=UPDATE)
    shot(page, artifacts, "8-flagged-confirm")
    page.get_by_role("button", name="Keep it private").click()
    expect(page.get_by_text("may point to who wrote it")).to_be_hidden(timeout=UPDATE)
    flagged.get_by_role("button", name="Hide").click()
    page.locator(".tk-question", has_text="same age").get_by_role("button", name="Show on screen").click()
    expect(page.locator(".tk-approved")).to_contain_text("same age", timeout=UPDATE)
    # Hidden is not lost: the private list holds it, and it can come back.
    page.get_by_role("button", name=re.compile(r"All questions \(2\)")).click()
    listed = page.locator("[data-listed]", has_text="pictures")
    expect(listed).to_be_visible(timeout=UPDATE)
    shot(page, artifacts, "9-all-questions")
    with page.expect_download() as record:
        page.get_by_role("button", name="For the safeguarding lead (HTML)").click()
    text = open(record.value.path(), encoding="utf-8").read()
    assert "“My older boyfriend keeps asking me for pictures”" in text
    assert re.search(r"\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d<", text)  # the time, to the minute
    assert f"11. Card: {activity['title']}" in text or "11. Card:" in text
    assert record.value.suggested_filename.startswith("for-the-safeguarding-lead-")
    page.locator("body").press("p")
    nothing_private(page)
    expect(page.locator(".tk-approved")).to_contain_text("same age")

    # Moving on takes the approved question off the class's screen.
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator(".tk-kicker", has_text="12 of")).to_be_visible(timeout=UPDATE)
    expect(page.locator(".tk-approved")).to_be_hidden(timeout=UPDATE)

    # The summary is a long page: scrolled to its end, the bars are still at the top.
    page.locator(".tk-step").last.click()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator(".tk-kicker", has_text="Summary")).to_be_visible(timeout=UPDATE)
    page.mouse.wheel(0, 5000)
    page.wait_for_function("() => window.scrollY > 200 || document.scrollingElement.scrollTop > 200 || "
                           "[...document.querySelectorAll('*')].some(e => e.scrollTop > 200)", timeout=UPDATE)
    top = page.locator(".tk-top").bounding_box()
    assert top["y"] >= -1 and top["y"] < 5
    nothing_private(page)
    shot(page, artifacts, "10-summary-scrolled")

    # The report for the class never holds the hidden question.
    with page.expect_download(timeout=60_000) as report:
        page.get_by_role("button", name="Download report (HTML)").click()
    report_text = open(report.value.path(), encoding="utf-8").read()
    assert "same age" in report_text.split("Questions shown to the class")[-1]
    assert "My older boyfriend" not in report_text
    assert not errors, errors
    page.close(run_before_unload=True)  # as a closed tab: its kernel stops
    context.close()


def test_opening_and_closing_the_console_five_times_leaves_no_kernels(served, browser, artifacts):
    """Every opening takes a kernel; closing or reloading the tab stops it. What stays is
    one warm kernel for each of the console and the trends page, ready for the next opening."""
    context = browser.new_context(viewport=SCREEN)
    warm = 2
    wait_for(lambda: kernels(served) <= warm, timeout=60, what="only the warm kernels before the first opening")
    code = None
    for i in range(5):
        page = context.new_page()
        page.goto(served.lines["Facilitator dashboard"] + (f"&session={code}" if code else ""))
        if code is None:
            page.get_by_role("button", name="Start session").click(timeout=KERNEL_START)
            expect(page.locator(".tk-code")).to_be_visible(timeout=UPDATE)
            code = page.locator(".tk-code").inner_text().replace("-", "").strip()
        else:
            # The running session is picked up again from the address.
            expect(page.locator(".tk-code")).to_have_text(re.compile(code[:3]), timeout=KERNEL_START)
        if i == 4:
            page.reload()  # a reload releases its kernel too and comes back to the session
            expect(page.locator(".tk-code")).to_be_visible(timeout=KERNEL_START)
            shot(page, artifacts, "11-reloaded")
        page.close(run_before_unload=True)
        wait_for(lambda: kernels(served) <= warm, timeout=60, what=f"the kernel of opening {i + 1} to stop")
    assert kernels(served) <= warm
    context.close()
