"""``toolkit report``: the programme report as one HTML file, from the command line."""

import re

import pytest
from click.testing import CliRunner

from toolkit import demo
from toolkit.cli import main
from toolkit.dashboards.trends import report
from toolkit.store import Store


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'demo.db'}"
    result = CliRunner().invoke(main, ["demo", "--db", url, "--sessions", "30", "--seed", "7"])
    assert result.exit_code == 0, result.output
    return url


def test_the_report_holds_what_a_commissioner_reads_and_nothing_from_elsewhere(demo_url, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--db", demo_url, "--organisation", "Northfield Academy",
                                       "--since", "01/01/2026", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"to {out}" in result.output
    html = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 8_000_000
    for words in ("Programme report", "Demonstration data.", "30 sessions in this store were simulated",
                  "Organisation: Northfield Academy", "From: 01/01/2026", "Sessions held", "95% CI",
                  "paired answers", "Most misjudged cards", "no figure in this report rests on fewer than 5 students",
                  "Data quality", "Wilson", "Northfield Academy against all others", "All others"):
        assert words in html, words
    # Nothing is loaded from another host: no external script, stylesheet, image or font.
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", html)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html.split("<script>")[0])
    charts = html.count('class="plotly-graph-div"')
    assert charts == 2 and html.count("<script") == 1 + charts  # plotly.js once, then one script per chart


def test_dates_are_checked_and_say_how_to_write_them(demo_url, tmp_path):
    out = tmp_path / "r.html"
    bad = CliRunner().invoke(main, ["report", "--db", demo_url, "--since", "31/02/2026", "-o", str(out)])
    assert bad.exit_code == 2 and "write it as dd/mm/yyyy" in bad.output
    reversed_ = CliRunner().invoke(main, ["report", "--db", demo_url, "--since", "01/06/2026", "--until",
                                          "01/05/2026", "-o", str(out)])
    assert reversed_.exit_code == 2 and "before --since" in reversed_.output
    assert not out.exists()


def test_small_sessions_are_left_out_and_said_so(sqlite_url, programme):
    store = Store(sqlite_url)
    demo.simulate(store, sessions=3, programmes=[programme], seed=5)
    loaded = store.trends_frame()
    sizes = loaded.responses.groupby("session_id", observed=True)["respondent"].nunique()
    k = int(sizes.max())  # every session but the largest is too small
    html = report.build(loaded, {}, demo=3, min_group_size=k)
    small = int((sizes < k).sum())
    assert small and f"{small} session{'s' if small > 1 else ''} left out: fewer than {k} students" in html
