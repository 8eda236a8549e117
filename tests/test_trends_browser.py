"""The programme lead's trends page: in the kernel, then for real in Chromium through
``toolkit serve`` on a store filled by ``toolkit demo``."""

import base64
import time
from datetime import date

import pandas as pd
import pytest
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.dashboards.trends import TrendsDashboard
from toolkit.store import Store

ORG = "Riverside Youth Club"




@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('trends') / 'demo.db'}"
    result = CliRunner().invoke(main, ["demo", "--db", url, "--sessions", "40", "--seed", "4"])
    assert result.exit_code == 0, result.output
    store = Store(url)
    yield store
    store.close()


def test_filters_change_every_table_and_redraw_fast(demo_store):
    page = TrendsDashboard(demo_store)
    assert page.tables.headline["sessions"].iloc[0] == 40
    assert "Demo data: 40 simulated sessions" in page.heading.value
    before = page.panels["cards"].chart.version
    page.set_filters(organisation=ORG)
    org_sessions = (demo_store.sessions()["organisation"] == ORG).sum()
    assert page.tables.headline["sessions"].iloc[0] == org_sessions < 40
    assert page.panels["cards"].chart.version == before + 1
    assert page.last_seconds < 2
    # Group choices narrow to the organisation's own groups.
    groups = {v for _, v in page.choices["group"].options} - {"All"}
    sessions = demo_store.sessions()
    assert groups == set(sessions.loc[sessions["organisation"] == ORG, "group"]) and groups < set(sessions["group"])
    page.set_filters(since=date(2030, 1, 1))
    assert "No sessions match these filters" in page.note.value
    assert page.tables.headline["sessions"].iloc[0] == 0
    page.clear()
    assert page.tables.headline["sessions"].iloc[0] == 40


def test_date_presets_and_reversed_dates(demo_store):
    from toolkit.analysis.compare import term_of
    page = TrendsDashboard(demo_store)
    page.period.value = "This term"
    start, end, _ = term_of(date.today())
    assert (page.since.value, page.until.value) == (start.date(), (end - pd.Timedelta(days=1)).date())
    this_term = page.tables.headline["sessions"].iloc[0]
    page.period.value = "This school year"
    assert page.tables.headline["sessions"].iloc[0] >= this_term
    page.set_filters(since=date(2026, 6, 1), until=date(2026, 5, 1))
    assert page.period.value == "Dates chosen below"
    assert "The From date is after the To date" in page.note.value
    page.clear()
    assert page.period.value == "Any time" and page.since.value is None


def test_with_too_few_respondents_everything_says_hidden(demo_store):
    page = TrendsDashboard(demo_store, min_group_size=10_000)
    assert "hidden: fewer than 10000" in page.headline.value
    for name in ("months", "card_months", "misjudged", "models", "change_months"):
        assert getattr(page.tables, name)["suppressed"].all(), name
    assert page.comparison.change["suppressed"].all()
    assert "hidden: fewer than 10000 respondents" in page.panels["cards"].chart.spec


def test_tables_offered_for_download_are_the_suppressed_ones(demo_store):
    page = TrendsDashboard(demo_store, min_group_size=25)
    page.set_filters(organisation=ORG)
    cards = page.tables.card_months
    assert cards["suppressed"].any()
    link = page.panels["cards"].download.value
    csv = base64.b64decode(link.split("base64,")[1].split("'")[0]).decode()
    assert csv.splitlines()[0].startswith("deck_id,item_id,month,expected,respondents")
    hidden = cards[cards["suppressed"]].iloc[0]
    row = next(line for line in csv.splitlines()
               if line.startswith(f"{hidden['deck_id']},{hidden['item_id']},{hidden['month']},"))
    assert row.endswith(",,,,True")  # no figure for a hidden cell, in the file either
    assert "respondent," not in csv


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_lead_filters_compares_and_downloads_the_report_in_chromium(served, browser, artifacts, tmp_path):
    result = CliRunner().invoke(main, ["demo", "--db", served.db_url, "--sessions", "40", "--seed", "4"])
    assert result.exit_code == 0, result.output
    store = Store(served.db_url)
    org_sessions = int((store.sessions()["organisation"] == ORG).sum())

    # A lead in the UK: dates show as dd/mm/yyyy.
    page = browser.new_page(viewport={"width": 1280, "height": 800}, accept_downloads=True, locale="en-GB")
    page.goto(served.lines["Trends dashboard"], timeout=90_000)
    sessions_tile = page.locator(".tk-tile-sessions .tk-number")
    sessions_tile.wait_for(timeout=90_000)
    assert sessions_tile.inner_text() == "40"
    page.locator(".tk-panel-comparison .tk-chart[data-version='1'] .main-svg").first.wait_for()
    page.locator(".tk-panel-change-by-month .tk-chart .main-svg").first.wait_for()
    # Charts fill their boxes on first load (none drawn at the hidden page's width and left so).
    page.wait_for_function("""() => [...document.querySelectorAll('.tk-chart')].every(box => {
        const svg = box.querySelector('.main-svg');
        return svg && Math.abs(svg.getBoundingClientRect().width - box.getBoundingClientRect().width) < 4; })""",
                           timeout=15_000)
    page.screenshot(path=str(artifacts / "trends-all.png"))
    # The comparison sits at the top, with its reading in words.
    assert page.locator(".tk-filter-compare select").is_visible()
    assert "paired answers" in page.locator(".tk-panel-comparison details.tk-readings").inner_text()

    started = time.monotonic()
    page.locator(".tk-filter-organisation select").select_option(ORG)
    page.wait_for_function(f"() => document.querySelector('.tk-tile-sessions .tk-number').innerText === "
                           f"'{org_sessions}'", timeout=15_000)
    page.locator(".tk-panel-comparison .tk-chart[data-version='2'] .main-svg").first.wait_for()
    page.wait_for_function("() => document.querySelector('.tk-status').innerText.startsWith('Updated in')")
    redraw = time.monotonic() - started
    assert redraw < 5, f"the page took {redraw:.1f} s to redraw"
    page.screenshot(path=str(artifacts / "trends-filtered.png"))

    # The group list now holds only that organisation's groups.
    groups = [g.replace("\xa0", " ") for g in page.locator(".tk-filter-group select option").all_inner_texts()]
    sessions = store.sessions()
    assert set(groups) == {"All", *sessions.loc[sessions["organisation"] == ORG, "group"]}
    link = page.locator(".tk-panel-misjudged-cards a.tk-download")
    assert link.get_attribute("href").startswith("data:text/csv")
    assert link.get_attribute("download") == "misjudged-cards.csv"
    csv = base64.b64decode(link.get_attribute("href").split("base64,")[1]).decode()
    assert "match_low,match_high" in csv.splitlines()[0]
    page.locator(".tk-panel-cards-by-month").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "trends-cards-filtered.png"))

    page.locator(".tk-filter-organisation select").select_option("All")
    page.locator(".tk-filter-compare select").select_option(f"{ORG} against all others")
    page.locator(".tk-panel-comparison .tk-chart[data-version='4'] .main-svg").first.wait_for(timeout=15_000)
    assert f"{ORG} against all others" in page.locator(".tk-panel-comparison details.tk-readings").inner_text()
    page.locator(".tk-panel-comparison").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "trends-comparison.png"))

    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download report").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("programme-report-") and saved.stat().st_size < 8_000_000
    assert "Traceback" not in page.content()
    page.close()
    check_report_offline(browser, saved, artifacts, "report-from-page")


def check_report_offline(browser, path, artifacts, name):
    """The report opens from a file with every other host refused, draws its charts, and
    prints to A4 pages."""
    asked, errors = [], []
    page = browser.new_page(viewport={"width": 1000, "height": 900})

    def route(request_route):
        if request_route.request.url.startswith("file://"):
            request_route.continue_()
        else:
            asked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.locator(".main-svg").first.wait_for(timeout=20_000)
    assert asked == [] and errors == []
    assert page.locator("text=Demonstration data.").is_visible()
    assert page.locator("text=Sessions held").is_visible()
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    page.emulate_media(media="print")
    # A4's printable width (210 mm less two 12 mm margins, at 96 px an inch): nothing is wider.
    page.set_viewport_size({"width": 703, "height": 1000})
    widest = page.evaluate("() => Math.max(document.documentElement.scrollWidth, ...[...document.querySelectorAll("
                           "'.main-svg, table')].map(e => e.getBoundingClientRect().right))")
    assert widest <= 703, widest
    pdf = page.pdf(path=str(artifacts / f"{name}.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 2
    page.close()


def test_reload_reads_sessions_added_since_the_page_opened(sqlite_url, programme):
    from toolkit import demo
    store = Store(sqlite_url)
    demo.simulate(store, sessions=3, programmes=[programme], seed=2)
    page = TrendsDashboard(store)
    assert page.tables.headline["sessions"].iloc[0] == 3
    demo.simulate(store, sessions=2, programmes=[programme], seed=3, append=True)
    page.reload()
    assert page.tables.headline["sessions"].iloc[0] == 5
    assert "Demo data: 5 simulated sessions" in page.heading.value


def test_a_store_that_cannot_be_opened_is_said_in_words(tmp_path, monkeypatch, capsys):
    from toolkit.dashboards.trends import show
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    monkeypatch.setenv("TOOLKIT_DB_URL", f"sqlite:///{junk}")
    assert show() is None
    assert "cannot open the store" in capsys.readouterr().out


def test_a_page_kept_warm_catches_up_with_sessions_added_before_it_was_opened(sqlite_url, programme):
    from toolkit import demo
    from toolkit.dashboards.widgets.browser import Drawn

    def drawn(page):  # what the page says once it has painted its first screen
        next(w for w in page.widget.children if isinstance(w, Drawn))._message(None, {"event": "drawn"}, [])

    store = Store(sqlite_url)
    demo.simulate(store, sessions=3, programmes=[programme], seed=2)
    warm = TrendsDashboard(store)  # a kernel kept warm reads the store before anyone opens the page
    current = TrendsDashboard(store)
    drawn(current)  # a page open already
    demo.simulate(store, sessions=2, programmes=[programme], seed=3, append=True)
    drawn(warm)
    assert warm.tables.headline["sessions"].iloc[0] == 5
    fresh = TrendsDashboard(store)
    version = fresh.panels["cards"].chart.version
    drawn(fresh)  # nothing added since it read the store: nothing drawn again
    assert fresh.panels["cards"].chart.version == version
    assert current.tables.headline["sessions"].iloc[0] == 3  # a page already open waits for "Reload data"
