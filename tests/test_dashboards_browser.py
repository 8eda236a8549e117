"""Both staff dashboards in Chromium through ``toolkit serve``, as on a school network that
lets nothing out: every request the pages make goes to the laptop (anything else is
recorded and refused), and axe finds nothing critical or serious on any screen."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from support.server import start_server
from support.waiting import wait_for
from toolkit import demo
from toolkit.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

SCREEN = {"width": 1280, "height": 800}
KERNEL_START = 120_000  # ms: a Voila page waits for its kernel to run the notebook
UPDATE = 20_000  # ms: a change reaches the page on the next refresh


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``toolkit serve`` over a store of simulated sessions, for the trends page."""
    server = start_server(tmp_path_factory.mktemp("dashboards"))
    store = Store(server.db_url)
    demo.simulate(store, sessions=12, seed=8, now=datetime(2026, 7, 1, 12, tzinfo=timezone.utc))
    store.close()
    yield server
    server.stop()


class Sealed:
    """A browser context where only the server under test answers: every request to another
    host is recorded and refused (none is sent), and so is every websocket to one."""

    def __init__(self, browser, served):
        self.host = urlsplit(served.base_url).netloc
        self.context = browser.new_context(viewport=SCREEN)
        self.elsewhere: list[str] = []
        self.requests: list[str] = []
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if urlsplit(url).netloc == self.host or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort()

    def page(self):
        page = self.context.new_page()
        page.on("websocket", lambda ws: None if urlsplit(ws.url).netloc == self.host else self.elsewhere.append(ws.url))
        return page


def serious(page) -> list[str]:
    """What axe finds critical or serious on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return [f"[{v['impact']}] {v['id']}: {v['help']} ({[n['target'] for n in v['nodes'][:3]]})"
            for v in results.response["violations"] if v["impact"] in ("critical", "serious")]


def test_the_console_asks_no_other_host_and_axe_finds_nothing_serious(served, browser, artifacts):
    sealed = Sealed(browser, served)
    page = sealed.page()
    found = {}
    page.goto(served.lines["Facilitator dashboard"])
    start = page.get_by_role("button", name="Start session")
    start.wait_for(timeout=KERNEL_START)
    expect(page.get_by_role("main")).to_be_visible()
    found["start"] = serious(page)
    start.click()
    expect(page.locator(".tk-code")).to_be_visible(timeout=UPDATE)
    found["lobby"] = serious(page)
    page.locator(".tk-step", has_text="Card:").first.click()
    expect(page.locator(".tk-kicker", has_text="Card")).to_be_visible(timeout=UPDATE)
    page.get_by_role("button", name="Open voting").click()
    expect(page.locator(".tk-status.tk-open")).to_be_visible(timeout=UPDATE)
    page.get_by_role("button", name="Reveal").click()
    page.get_by_role("button", name="Reveal anyway").click()  # nobody answered: it asks first
    expect(page.locator(".tk-expected")).to_be_visible(timeout=UPDATE)
    found["revealed"] = serious(page)
    page.locator("body").press("p")  # the facilitator's notes open
    expect(page.locator("[data-mode='notes']")).to_be_visible(timeout=UPDATE)
    found["notes open"] = serious(page)
    page.locator("body").press("p")
    page.locator(".tk-step").last.click()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator(".tk-kicker", has_text="Summary")).to_be_visible(timeout=UPDATE)
    found["summary"] = serious(page)
    page.screenshot(path=str(artifacts / "dashboards-console-summary.png"))
    with sealed.context.expect_page() as opened:
        page.get_by_role("link", name="Open the projector view").click()
    projector = opened.value
    expect(projector.locator(".tk-kicker", has_text="Summary")).to_be_visible(timeout=KERNEL_START)
    found["projector"] = serious(projector)

    assert sealed.elsewhere == [], f"the console asked other hosts: {sealed.elsewhere}"
    assert any("/voila/render/facilitator.ipynb" in url for url in sealed.requests)
    assert {screen: problems for screen, problems in found.items() if problems} == {}
    sealed.context.close()


def test_the_trends_page_asks_no_other_host_and_axe_finds_nothing_serious(served, browser, artifacts):
    sealed = Sealed(browser, served)
    page = sealed.page()
    page.goto(served.lines["Trends dashboard"], timeout=KERNEL_START)
    # Drawn at any version: a warm kernel's page may catch up (version 2) before version 1 is seen.
    page.wait_for_function("() => { const c = document.querySelector('.tk-panel-comparison .tk-chart');"
                           " return c && Number(c.dataset.version) >= 1 && c.querySelector('.main-svg'); }",
                           timeout=KERNEL_START)
    expect(page.get_by_role("main")).to_be_visible()
    # Every filter is named by its label, as a screen reader announces it.
    for label in ("Dates", "From", "To", "Organisation", "Group", "Age band", "Setting", "Facilitator", "Plan", "Deck",
                  "Compare"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    problems = serious(page)
    # A kernel kept warm read the store before the console test above added its session: once
    # drawn, the page catches up (one redraw). Count from where it has settled.
    chart = page.locator(".tk-panel-comparison .tk-chart").first
    settled = wait_for(lambda: _steady(chart), timeout=UPDATE / 1000, what="the trends page settled")
    page.get_by_label("Organisation", exact=True).select_option(index=1)
    page.wait_for_function("v => Number(document.querySelector('.tk-panel-comparison .tk-chart')"
                           ".dataset.version) > v", arg=settled, timeout=UPDATE)
    chart.locator(".main-svg").first.wait_for(timeout=UPDATE)
    problems += serious(page)
    page.screenshot(path=str(artifacts / "dashboards-trends-filtered.png"))

    assert sealed.elsewhere == [], f"the trends page asked other hosts: {sealed.elsewhere}"
    assert any("/voila/render/trends.ipynb" in url for url in sealed.requests)
    assert problems == []
    sealed.context.close()


def _steady(chart) -> int | None:
    """The chart's version once it has not moved for a second (None while it moves)."""
    version = chart.get_attribute("data-version")
    time.sleep(1.0)
    return int(version) if version == chart.get_attribute("data-version") else None


def test_the_dashboards_pages_name_nothing_on_another_host(served):
    """The pages as served, before any script runs: no stylesheet, script, font or link
    from elsewhere (Voila's own lab page links two CDNs)."""
    import httpx
    for name in ("Facilitator dashboard", "Trends dashboard", "Content editor"):
        with httpx.Client(timeout=KERNEL_START / 1000, follow_redirects=True) as client:
            page = client.get(served.lines[name]).text
        assert "voila-style.js" in page  # Font Awesome, served by this server
        outside = [u for u in re.findall(r"""(?:src|href)=["']?(https?://[^"' >]+)""", page)
                   if urlsplit(u).netloc != urlsplit(served.base_url).netloc]
        assert outside == [], (name, outside)
        assert "cdn" not in page.lower() and '"fullMathjaxUrl": "null"' in page, name
