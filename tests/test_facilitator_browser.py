"""The facilitator's console in a real Chromium at projector size, through ``toolkit serve``.

Students answer over HTTP like phones do. Every request to anywhere but the server is
refused, as on a school network without internet: the console must work and look right
regardless. Screenshots land in test-artifacts/.
"""

import csv
import io

import pytest
from playwright.sync_api import expect

from support.phones import ApiPhone

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

PROJECTOR = {"width": 1280, "height": 720}
KERNEL_START = 120_000  # ms: a Voila page waits for its kernel to run the notebook
UPDATE = 20_000  # ms: a change in the store reaches the page on the next refresh


def offline(context, base_url):
    """Refuse every request that does not go to the server under test."""
    refused = []

    def route(r):
        if r.request.url.startswith(base_url):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return refused


FITTED = """() => [...document.querySelectorAll('.tk-root .js-plotly-plot')]
  .filter(plot => plot.offsetParent !== null)
  .every(plot => {
    const svg = plot.querySelector('.main-svg');
    if (!svg) return false;
    const a = svg.getBoundingClientRect(), b = plot.getBoundingClientRect();
    return Math.abs(a.width - b.width) < 2 && Math.abs(a.height - b.height) < 2 && b.width > 100;
  })"""


SIZES = """() => [...document.querySelectorAll('.tk-root .js-plotly-plot')]
  .filter(plot => plot.offsetParent !== null)
  .map(plot => { const svg = plot.querySelector('.main-svg'); const b = plot.getBoundingClientRect();
                 return [svg && svg.getBoundingClientRect().width, b.width, svg && svg.getBoundingClientRect().height,
                         b.height]; })"""


def fitted(page, artifacts):
    """Wait until every chart on screen is drawn at the size of its box (none overflows)."""
    try:
        page.wait_for_function(FITTED, timeout=UPDATE)
    except Exception:
        page.screenshot(path=str(artifacts / "facilitator-not-fitted.png"))
        raise AssertionError(f"charts not fitted to their boxes: {page.evaluate(SIZES)}") from None


def shot(page, artifacts, name):
    path = artifacts / f"facilitator-{name}.png"
    page.screenshot(path=str(path))
    return path


def test_a_whole_session_from_the_projected_console(served, browser, artifacts, tmp_path):
    context = browser.new_context(viewport=PROJECTOR, accept_downloads=True)
    refused = offline(context, served.base_url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served.lines["Facilitator dashboard"])

    # Start: a shipped plan and a group label.
    start = page.get_by_role("button", name="Start session")
    start.wait_for(timeout=KERNEL_START)
    plans = page.get_by_label("Plan")
    plans.select_option(label=next(t for t in plans.locator("option").all_inner_texts() if "25-minute" in t))
    page.get_by_label("Group").fill("Year 8, class C")
    shot(page, artifacts, "1-start")
    start.click()

    # The lobby: the code large, the address phones reach, a QR code and a live count.
    code_box = page.locator(".tk-code")
    expect(code_box).to_be_visible(timeout=UPDATE)
    code = code_box.inner_text().replace("-", "").strip()
    join_url = served.lines["Students join at"]
    expect(page.locator(".tk-url")).to_contain_text(join_url.split("://", 1)[1])
    expect(page.locator(".tk-qr svg")).to_be_visible()
    assert f"?code={code}" in page.locator(".tk-qr div[title]").get_attribute("title")
    phones = [ApiPhone(served) for _ in range(5)]
    for phone in phones:
        phone.join(code)
    expect(page.locator(".tk-lobby [data-joined]")).to_have_attribute("data-joined", "5", timeout=UPDATE)
    shot(page, artifacts, "2-lobby")

    # A card: open voting, five phones answer, the count follows live.
    page.locator(".tk-step", has_text="Card:").first.click()
    expect(page.locator(".tk-kicker", has_text="Card")).to_be_visible(timeout=UPDATE)
    page.get_by_role("button", name="Open voting").click()
    expect(page.locator(".tk-status.tk-open")).to_be_visible(timeout=UPDATE)
    activity = phones[0].state(code)["activity"]
    assert activity["kind"] == "card" and "reveal" not in activity
    for phone, value in zip(phones, ["warning", "warning", "warning", "exploitative", "not_sure"]):
        phone.answer(code, activity["id"], value)
    expect(page.locator(".tk-status [data-answered]")).to_have_attribute("data-answered", "5", timeout=UPDATE)
    expect(page.locator(".tk-stage .js-plotly-plot").first).to_be_hidden()  # until reveal
    shot(page, artifacts, "3-voting")

    # Reveal: the chart shows their counts in the deck's colours, the expected answer and signs.
    page.get_by_role("button", name="Reveal").click()
    bars = page.locator(".tk-stage .js-plotly-plot").first
    expect(bars).to_be_visible(timeout=UPDATE)
    expect(bars.locator("text.bartext", has_text="3  (60%)")).to_have_count(1, timeout=UPDATE)
    expect(bars.locator("text.bartext", has_text="1  (20%)")).to_have_count(2)
    expect(page.locator(".tk-expected")).to_contain_text("Expected: Warning signs")
    fitted(page, artifacts)
    plot_box = bars.bounding_box()
    card_box = page.locator(".tk-stage .tk-card").nth(1).bounding_box()
    assert plot_box["x"] + plot_box["width"] <= card_box["x"] + card_box["width"] + 1  # fits its panel
    assert card_box["y"] + card_box["height"] <= PROJECTOR["height"]  # the whole chart on the screen
    # The console opens in the class view: the teaching note and every private panel hidden.
    note = page.locator(".tk-private .tk-note").first
    expect(note).to_be_hidden()
    expect(page.locator(".tk-private")).to_be_hidden()
    shot(page, artifacts, "4-revealed")

    # Presentation mode off opens the notes beside a narrower chart; "P" hides them again.
    page.get_by_role("button", name="Presentation mode").click()
    expect(note).to_be_visible(timeout=UPDATE)
    expect(bars.locator("text.bartext", has_text="3  (60%)")).to_have_count(1)
    fitted(page, artifacts)  # and narrower now
    assert bars.bounding_box()["width"] < plot_box["width"] - 200
    shot(page, artifacts, "5-notes-open")
    page.locator("body").press("p")
    expect(note).to_be_hidden(timeout=UPDATE)

    # The projector view, opened from the mode bar: what the class sees, live.
    with context.expect_page() as opened:
        page.get_by_role("link", name="Open the projector view").click()
    projector = opened.value
    expect(projector.locator(".tk-expected")).to_contain_text("Expected: Warning signs", timeout=KERNEL_START)
    expect(projector.locator(".js-plotly-plot text.bartext", has_text="3  (60%)")).to_have_count(1, timeout=UPDATE)
    expect(projector.get_by_role("button", name="Open voting")).to_be_hidden()
    expect(projector.locator(".tk-private")).to_be_hidden()
    projector.set_viewport_size(PROJECTOR)
    fitted(projector, artifacts)
    shot(projector, artifacts, "5b-projector")

    # The keyboard drives the session: → is "Next"; the projector view follows.
    page.locator("body").press("ArrowRight")
    expect(page.locator(".tk-status")).to_contain_text("Voting not open yet", timeout=UPDATE)
    expect(projector.locator(".tk-kicker", has_text=f"{activity['index'] + 2} of {activity['total']}")).to_be_visible(timeout=UPDATE)
    projector.close()
    second_card = phones[0].state(code)["activity"]
    assert second_card["id"] != activity["id"]

    # A question that may be a disclosure is flagged on the private panel only, even with a
    # zero-width space hiding inside the word and a right-to-left override after it; the
    # panel shows the words as typed, without them.
    phones[0].post(code, "questions", {"text": "Someone older keeps asking me for pic\u200btures\u202e"})
    expect(page.locator("[data-waiting='1']")).to_be_visible(timeout=UPDATE)
    page.locator("body").press("p")  # the facilitator opens their notes to read it
    flag = page.locator(".tk-safeguarding")
    expect(flag).to_contain_text("designated safeguarding lead", timeout=UPDATE)
    expect(flag).to_contain_text("cannot tell you who wrote it")
    expect(page.locator("[data-question]").last).to_have_text("“Someone older keeps asking me for pictures”")
    shot(page, artifacts, "6-question")

    # A browser refresh picks the same session up again, where it was.
    page.reload()
    expect(page.locator(".tk-kicker", has_text="Card")).to_be_visible(timeout=KERNEL_START)
    expect(page.locator(".tk-text")).to_contain_text(second_card["text"][:30])

    # The summary, and both exports.
    page.locator(".tk-step").last.click()
    expect(page.locator(".tk-kicker", has_text=f"{activity['total']} of {activity['total']}")).to_be_visible(timeout=UPDATE)
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator(".tk-kicker", has_text="Summary")).to_be_visible(timeout=UPDATE)
    matrix = page.locator(".tk-summary .js-plotly-plot:not([data-version='0'])").first
    expect(matrix).to_be_visible(timeout=UPDATE)
    fitted(page, artifacts)
    shot(page, artifacts, "7-summary")
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download answers (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(csv_download.value.path(), encoding="utf-8").read())))
    assert len(rows) == 5 and {r["value"] for r in rows} == {"warning", "exploitative", "not_sure"}
    with page.expect_download(timeout=60_000) as report_download:
        page.get_by_role("button", name="Download report (HTML)").click()
    report = tmp_path / report_download.value.suggested_filename
    report_download.value.save_as(report)

    # End: the links between phones and answers go; the page says so.
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name="Yes, end the session").click()
    expect(page.locator(".tk-kicker", has_text="Session ended")).to_be_visible(timeout=UPDATE)
    assert phones[0].state(code)["status"] == "ended"
    shot(page, artifacts, "8-ended")
    assert not errors, errors
    assert all(not url.startswith(served.base_url) for url in refused)
    context.close()

    # The report opens with no network at all and draws its charts.
    sealed = browser.new_context(viewport=PROJECTOR)
    outside = []
    sealed.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                 else (outside.append(r.request.url), r.abort()))
    view = sealed.new_page()
    view.goto(report.as_uri())
    expect(view.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=30_000)
    expect(view.locator("h1")).to_contain_text("Healthy or exploitative?")
    assert view.locator(".js-plotly-plot").count() >= 5
    expect(view.locator("text.bartext", has_text="3  (60%)").first).to_be_visible()
    shot(view, artifacts, "9-report")
    assert outside == []
    sealed.close()


def test_the_console_says_when_phones_cannot_reach_the_address(served, browser):
    """Served on 127.0.0.1 (as the tests are), the lobby warns that phones cannot join there."""
    context = browser.new_context(viewport=PROJECTOR)
    offline(context, served.base_url)
    page = context.new_page()
    page.goto(served.lines["Facilitator dashboard"])
    page.get_by_role("button", name="Start session").wait_for(timeout=KERNEL_START)
    page.get_by_role("button", name="Start session").click()
    expect(page.locator(".tk-warning")).to_contain_text("Phones cannot reach this address", timeout=UPDATE)
    # Said in words on the projector; the command is in the facilitator's notes.
    assert "toolkit serve" not in page.locator(".tk-lobby .tk-warning").inner_text()
    context.close()
