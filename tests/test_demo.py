"""Simulated sessions for the trends page: plausible groups, dates, class sizes and answers."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from toolkit import demo
from toolkit.content import Library
from toolkit.analysis import trends as T
from toolkit.cli import main
from toolkit.store import trends as trends_data
from toolkit.store import Store

FIXTURE_PLAN = "tests/fixtures/content/plans/mini-plan.yaml"
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """Sixty sessions of the shipped plans, a fixed seed and a fixed "now"."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    now = datetime(2026, 7, 1, 12, tzinfo=timezone.utc)
    result = demo.simulate(store, sessions=60, seed=5, now=now)
    store.answers = store.responses()  # read once: the tests below only look
    yield store, result, now
    store.close()


def test_sessions_span_the_past_year_across_organisations(filled):
    store, result, now = filled
    sessions = store.sessions()
    assert len(sessions) == result.sessions == 60
    assert (sessions["status"] == "ended").all()
    assert sessions["created_at"].min() >= now - timedelta(days=366)
    assert sessions["created_at"].max() <= now
    assert sessions["created_at"].dt.strftime("%Y-%m").nunique() >= 8
    assert sessions["organisation"].nunique() >= 4
    assert set(sessions["organisation"]) <= {o.name for o in demo.ORGANISATIONS}
    assert sessions[["group", "age_band", "setting", "facilitator"]].notna().all().all()
    shipped = {p.id for p in Library().plans()}
    assert set(sessions["plan_id"]) <= shipped and sessions["plan_id"].nunique() >= 3
    assert sessions["respondents"].between(8, 32).all()
    assert (sessions["ended_at"] > sessions["created_at"]).all()
    assert demo.demo_sessions(store) == 60


def test_the_tricky_cards_are_shipped_cards_of_the_kind_they_claim():
    """The misjudged-card patterns name real cards: a missing id would quietly simulate nothing."""
    library = Library()
    cards = {card.id: card.expected for ident in library.ids("deck") for card in library.find("deck", ident).cards}
    assert {ident: cards.get(ident) for ident in demo.TRICKY} == dict.fromkeys(demo.TRICKY, "exploitative")
    assert {ident: cards.get(ident) for ident in demo.FRICTION} == dict.fromkeys(demo.FRICTION, "healthy")


def test_answers_look_like_classes(filled):
    store, result, _ = filled
    answers = store.answers
    assert len(answers) == result.responses
    per_session = answers.groupby("session_id")["respondent"].nunique()
    sizes = store.sessions().set_index("session_id")["respondents"]
    assert (per_session <= sizes.reindex(per_session.index)).all()  # nobody answers who never joined
    assert set(answers["activity_kind"]) == {"poll", "card", "sort"}
    assert answers["expected"].notna().sum() > 0.7 * len(answers)


def test_grey_cards_split_the_class_more_than_healthy_ones(filled):
    store, _, _ = filled
    cards = T.misjudged_cards(store.answers)
    healthy = cards[cards["expected"] == "healthy"]["match"].mean()
    grey = cards[cards["expected"] == "warning"]["match"].mean()
    assert healthy > 0.7 and grey < 0.65
    assert cards.iloc[0]["expected"] != "healthy"  # the most misjudged card is not a healthy one


def test_students_know_more_at_the_end(filled):
    store, _, _ = filled
    change = T.change_by(store.answers)
    assert (change["change"] > 0).all()
    confidence = change.set_index("item_id").loc["confidence-signs"]
    assert 0.4 < confidence["change"] < 1.5 and confidence["paired"] > 100


def test_exploitative_cards_are_taken_for_healthy_more_early_in_the_year(filled):
    store, _, now = filled
    answers = store.answers
    tricky = answers[answers["item_id"].isin(["jade-older-boyfriend", "jordan-stays-over", "leo-game-codes"])]
    early = tricky[tricky["session_date"] < now - timedelta(days=240)]
    late = tricky[tricky["session_date"] > now - timedelta(days=120)]
    assert (early["value"] == "healthy").mean() > (late["value"] == "healthy").mean()


def test_the_same_seed_gives_the_same_sessions(tmp_path, programme):
    runs = []
    for name in ("a", "b"):
        store = Store(f"sqlite:///{tmp_path / name}.db")
        demo.simulate(store, sessions=4, programmes=[programme], seed=9, now=datetime(2026, 5, 1, tzinfo=timezone.utc))
        runs.append(store.responses().drop(columns=["answered_at"]))
    pd.testing.assert_frame_equal(runs[0], runs[1])


def test_the_dashboard_reader_agrees_with_the_store(filled):
    store, _, _ = filled
    compact = trends_data.load(store).responses
    tidy = store.answers
    assert len(compact) == len(tidy)
    for name in ("headline", "card_match_by_month", "misjudged_cards", "accuracy_by_model", "change_by"):
        a, b = getattr(T, name)(tidy), getattr(T, name)(compact)
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                      check_categorical=False)


def test_the_cli_fills_an_empty_store_and_refuses_to_mix(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "--db", url, "--sessions", "3", "--plan", FIXTURE_PLAN, "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 sessions" in result.output
    assert set(Store(url).sessions()["plan_id"]) == {"mini-plan"}
    again = runner.invoke(main, ["demo", "--db", url, "--sessions", "3", "--plan", FIXTURE_PLAN])
    assert again.exit_code == 2 and "already holds 3 session(s)" in again.output
    more = runner.invoke(main, ["demo", "--db", url, "--sessions", "2", "--plan", FIXTURE_PLAN, "--append"])
    assert more.exit_code == 0 and len(Store(url).sessions()) == 5


@pytest.mark.parametrize("name", ["trends.ipynb", "explore.ipynb"])
def test_notebooks_are_committed_clean(name):
    notebook = json.loads((NOTEBOOKS / name).read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    if name == "trends.ipynb":
        assert len(code) == 1 and "from toolkit.dashboards.trends import show" in "".join(code[0]["source"])


def test_the_explore_notebook_runs_on_demo_data(filled, monkeypatch):
    import nbclient
    import nbformat
    store, _, _ = filled
    monkeypatch.setenv("TOOLKIT_DB_URL", store.url)
    notebook = nbformat.read(NOTEBOOKS / "explore.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    charts = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(charts) >= 4
    assert any("60 sessions" in o.get("text", "") for o in outputs)
    assert any("95% CI" in o.get("text", "") for o in outputs)  # the comparison read in words
