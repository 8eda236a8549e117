"""Chromium through Playwright, as the machine has it (no browser download)."""

import os
import shutil
from pathlib import Path

import pytest

from .waiting import wait_for  # noqa: F401 (what the student page's tests wait with)

CHROMIUM = os.environ.get("TOOLKIT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium; skipped with the reason on a machine without one, failed in CI.

    One per test module, not per session: while Playwright's sync API runs, its event loop
    is the thread's running loop, and pytest-jupyter's async tests in later modules would
    find it there and fail ("This event loop is already running")."""
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def artifacts() -> Path:
    """Where tests save screenshots to look at (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# -- a student's phone -------------------------------------------------------------------------

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 640}}


def axe_clean(page, name):
    """axe-core's default rules (WCAG A/AA and best practice) find nothing on the page."""
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def advance_to(session, activity_id):
    """The facilitator moves to an activity (Next, as often as it takes) and opens voting."""
    session.refresh()
    while session.current_activity is None or session.current_activity.id != activity_id:
        session.next()
    if session.current_activity.kind != "slide":
        session.open_voting()


# Added to a page before its first byte: everything its live region says (window.__said),
# the live region element first seen (window.__live), and every moment the words "Answer
# received" are anywhere on the page (window.__received).
RECORDER = """
window.__said = []; window.__received = [];
new MutationObserver(function () {
  var live = document.getElementById("live");
  if (live && !window.__live) window.__live = live;
  var said = live && live.textContent;
  if (said && said !== window.__said[window.__said.length - 1]) window.__said.push(said);
  if (document.body && document.body.textContent.indexOf("Answer received") >= 0) window.__received.push(Date.now());
}).observe(document, {subtree: true, childList: true, characterData: true});
"""
