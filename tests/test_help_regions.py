"""Help that is right wherever the class is.

A session's help region is chosen when it starts (the console's start form, or
``store.start_session(..., help_region=)``), defaulting to the region the plan pins, else
the configured one. Every student screen of every shipped plan, run for each shipped
region, shows that region's help and no other region's numbers; the session keeps its
help when the files change.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from support.content import fixture_dirs
from toolkit.content import Library, resolve_plan
from toolkit.dashboards.console import FacilitatorDashboard
from toolkit.dashboards.console.joining import JoinPage
from toolkit.errors import NotFound
from toolkit.store import Store

ROOT = Path(__file__).resolve().parents[1]
HELP = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "data/help").glob("*.yaml"))}
PLANS = sorted(p.stem for p in (ROOT / "sessions/plans").glob("*.yaml"))


def _phones(region: str) -> set[str]:
    return {r["phone"] for r in HELP[region]["resources"] if r.get("phone")}


def _foreign(region: str) -> set[str]:
    """Numbers other regions' help files give that this region's file never mentions
    (Ireland's says 999 also works there, so 999 is not foreign to it)."""
    own = json.dumps(HELP[region], ensure_ascii=False)
    return {p for r in HELP if r != region for p in _phones(r) if p not in own}


def _words(value) -> str:
    """Every piece of text in a public state (not its numbers: a version may be 112)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_words(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_words(v) for v in value)
    return ""


def _shows(text: str, number: str) -> bool:
    return re.search(rf"(?<!\d){re.escape(number)}(?!\d)", text) is not None


@pytest.fixture
def store(sqlite_url):
    s = Store(sqlite_url)
    yield s
    s.close()


def _screens(store, session) -> list[dict]:
    """Every public state a phone sees through the session: lobby, each activity before and
    after reveal, the summary and the end."""
    states = [store.public_state(session.code)]
    for _ in session.activities:
        session.next()
        states.append(store.public_state(session.code))
        if session.current_activity.votes:
            session.open_voting().close_voting().reveal()
            states.append(store.public_state(session.code))
    session.next()
    states.append(store.public_state(session.code))
    return states


@pytest.mark.parametrize("region", sorted(HELP))
@pytest.mark.parametrize("plan", PLANS)
def test_every_student_screen_shows_the_sessions_region_and_no_other(store, plan, region):
    session = store.start_session(plan, help_region=region)
    assert session.programme.help_region == region
    childline = next(r for r in HELP[region]["resources"] if r["id"] == "childline")["phone"]
    foreign = _foreign(region)
    screens = _screens(store, session)
    assert len(screens) >= len(session.activities) + 2
    for state in screens:
        shown = _words(state)
        assert state["help"]["id"] == region
        assert childline in [r.get("phone") for r in state["help"]["resources"]], "the help panel names Childline"
        for number in foreign:
            assert not _shows(shown, number), f"{plan} for {region} shows {number}: {shown[:300]}"
        assert "{help" not in shown, "a placeholder reached a student screen"
    slides = [s["activity"] for s in screens if s["activity"] and s["activity"]["kind"] == "slide"]
    help_slide = next(s for s in slides if s["id"] == "where-to-get-help")
    for resource in HELP[region]["resources"]:
        assert resource["name"] in help_slide["body"], "the help slide lists every resource of the region"


def test_run_for_ireland_childline_ireland_is_on_every_screen_and_no_uk_number_anywhere(store):
    uk_only = {"0800 1111", "0808 800 5000", "101", "080 880 23456"}
    for plan in PLANS:
        session = store.start_session(plan, help_region="ie")
        for state in _screens(store, session):
            shown = _words(state)
            assert "1800 66 66 66" in shown
            for number in uk_only:
                assert not _shows(shown, number), (plan, number)
            assert "NSPCC" not in shown and "CEOP" not in shown


def test_the_region_defaults_to_the_plans_pin_then_the_configured_one(store, monkeypatch, tmp_path):
    assert store.start_session("lesson-50").programme.help_region == "uk"
    monkeypatch.setenv("TOOLKIT_HELP_REGION", "wales")
    assert store.start_session("lesson-50").programme.help_region == "wales"
    plan = yaml.safe_load((ROOT / "sessions/plans/short-25.yaml").read_text(encoding="utf-8"))
    plan["settings"]["help_region"] = "scotland"
    pinned = tmp_path / "pinned.yaml"
    pinned.write_text(yaml.safe_dump(plan, sort_keys=False))
    assert store.start_session(pinned).programme.help_region == "scotland"
    assert store.start_session(pinned, help_region="ie").programme.help_region == "ie"
    # A resolved programme keeps its help unless a region is given.
    programme = resolve_plan("short-25", help_region="northern-ireland")
    assert store.start_session(programme).programme.help_region == "northern-ireland"
    assert store.start_session(programme, help_region="ie").programme.help_region == "ie"


def test_an_unknown_region_is_refused_by_name_and_nothing_is_started(store):
    with pytest.raises(NotFound, match=r"no help file for region 'mars' \(have: ie, northern-ireland, scotland, uk, wales\)"):
        store.start_session("lesson-50", help_region="mars")
    assert store.live_sessions() == []


def test_a_session_keeps_its_help_when_the_files_change(store, tmp_path, monkeypatch):
    home = tmp_path / "home"
    for sub in ("data/decks", "data/polls", "data/help", "sessions/plans"):
        (home / sub).mkdir(parents=True)
        for f in (ROOT / sub).glob("*.yaml"):
            (home / sub / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("TOOLKIT_HOME", str(home))
    session = store.start_session("lesson-50", help_region="ie")
    ie = home / "data/help/ie.yaml"
    ie.write_text(ie.read_text(encoding="utf-8").replace("1800 66 66 66", "1800 00 00 00"), encoding="utf-8")
    again = store.find_session(session.code)
    again.next()
    state = store.public_state(session.code)
    assert "1800 66 66 66" in json.dumps(state) and "1800 00 00 00" not in json.dumps(state)
    assert store.start_session("lesson-50", help_region="ie").programme.help["resources"][0]["phone"] == "1800 00 00 00"


def test_the_console_start_form_chooses_the_region(store):
    library = Library()
    dash = FacilitatorDashboard(store, library, JoinPage("http://192.168.4.20:8866/toolkit/join"))
    form = dash.start
    labels = dict(form.region.options)
    assert labels["Ireland"] == "ie" and labels["United Kingdom"] == "uk" and labels["Wales"] == "wales"
    form.plan.value = "images-50"
    assert form.region.value == "uk", "the configured region by default"
    form.region.value = "ie"
    form.start_button.click()
    session = dash.session
    assert session is not None and session.programme.help_region == "ie"
    slide = next(a for a in session.activities if a.id == "what-to-do")
    assert "Hotline.ie" in slide.body and "Report Remove" not in slide.body


def test_fixture_library_plans_still_run_with_the_old_single_help_file(store):
    programme = resolve_plan("mini-plan", Library(fixture_dirs()))
    assert programme.help_region == "uk"
    assert store.start_session(programme).programme.help["resources"][0]["phone"] == "0800 1111"
