"""The facilitator's console without a browser: its widgets over a real store.

Each test drives the console the way a facilitator does (clicking its buttons, pressing
its keys) while students answer through the store, then reads what the widgets show.
The timer is not used: ``refresh()`` is what it calls.
"""

import asyncio
import io
import json
import re
from pathlib import Path

import ipywidgets as W
import pandas as pd
import plotly
import pytest
from plotly.offline import get_plotlyjs

from toolkit.analysis.session import EXPORT_COLUMNS
from toolkit.content import Programme
from toolkit.dashboards.console import FacilitatorDashboard
from toolkit.dashboards.console.joining import JoinPage, join_page
from toolkit.dashboards.console.live import Refresher
from toolkit.dashboards.widgets.browser import Drawn
from toolkit.dashboards.widgets.chart import PlotlyLoader
from toolkit.safeguarding import SAFEGUARDING_PROMPT
from toolkit.store import Store

JOIN = "http://192.168.4.20:8866/toolkit/join"


@pytest.fixture
def store(sqlite_url):
    s = Store(sqlite_url)
    yield s
    s.close()


@pytest.fixture
def dash(store, library):
    """A console with the facilitator's notes open (it opens in the class view)."""
    d = FacilitatorDashboard(store, library, JoinPage(JOIN))
    d.presentation.value = False
    return d


def start(dash, plan="mini-plan", **labels):
    dash.start.plan.value = plan
    for name, value in labels.items():
        dash.start.labels[name].value = value
    dash.start.start_button.click()
    return dash.session


def go_to_kind(dash, kind, phase=None):
    """Click through the activity list to the first activity of ``kind`` (and ``phase``)."""
    act = next(a for a in dash.session.activities if a.kind == kind and (phase is None or a.phase == phase))
    dash.activities.steps[act.index].click()
    return act


def answer(store, session, values, activity=None, item=None):
    """Students d0, d1, ... answer the activity on screen, one value each."""
    act = activity or session.refresh().current_activity
    for i, value in enumerate(values):
        store.record_response(session.code, f"d{i}", act.id, value, item=item)


def shown(widget) -> bool:
    return widget.layout.display != "none"


def button(dash, label):
    """A control by its label; on a sort, "Open voting" is the one that says "Open sorting"."""
    return next(b for b in [*dash.controls.steps, dash.controls.end]
                if b.description in (label, label.replace("voting", "sorting")))


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- starting ---------------------------------------------------------------------------

def test_start_lists_plans_and_opens_the_lobby_with_the_join_code(dash, store):
    assert ("Mini plan (20 min)", "mini-plan") in dash.start.plan.options
    assert shown(dash.start.widget) and not shown(dash.body)
    session = start(dash, group="Year 9 B", age_band="14-16")

    assert session.status == "lobby"
    assert store.find_session(session.code).labels["group"] == "Year 9 B"
    assert not shown(dash.start.widget) and shown(dash.body) and shown(dash.lobby.widget)
    code = f"{session.code[:3]}-{session.code[3:]}"
    assert code in dash.lobby.join.value
    assert "192.168.4.20:8866/toolkit/join" in dash.lobby.join.value
    assert f"{JOIN}?code={session.code}" in dash.lobby.qr.value and "<svg" in dash.lobby.qr.value
    assert "data-joined='0'" in dash.lobby.joined.value
    assert dash.address.value == session.code  # a browser refresh comes back to it


def test_lobby_counts_students_as_they_join_and_redraws_only_on_change(dash, store):
    session = start(dash)
    assert dash.refresh() is False
    for i in range(3):
        store.join(session.code, f"phone{i}")
    assert dash.refresh() is True
    assert "data-joined='3'" in dash.lobby.joined.value
    assert "3 students have joined" in text(dash.lobby.joined.value)
    assert dash.refresh() is False


def test_group_labels_refuse_too_long_text_in_the_page(dash):
    dash.start.labels["group"].value = "x" * 200
    dash.start.start_button.click()
    assert dash.session is None
    assert "at most 120 characters" in dash.start.message.value


# -- running ----------------------------------------------------------------------------

def test_buttons_are_labelled_and_enabled_for_what_can_be_done_now(dash):
    start(dash)
    labels = [b.description for b in dash.controls.steps] + [dash.controls.end.description]
    assert labels == ["Previous", "Open voting", "Close voting", "Reveal", "Next", "End session"]

    def enabled():
        return {b.description for b in [*dash.controls.steps, dash.controls.end] if not b.disabled}

    assert enabled() == {"Next", "End session"}  # the lobby
    button(dash, "Next").click()  # the ground-rules slide: nothing to vote on
    assert enabled() == {"Previous", "Next", "End session"}
    assert "Ground rules" in dash.stage.heading.value
    button(dash, "Next").click()  # a poll
    assert enabled() == {"Previous", "Open voting", "Reveal", "Next", "End session"}
    assert button(dash, "Open voting").button_style == "primary"
    button(dash, "Open voting").click()
    assert enabled() == {"Previous", "Close voting", "Reveal", "Next", "End session"}
    assert "Voting open" in dash.stage.status.value
    button(dash, "Close voting").click()
    assert "Voting not open yet" in dash.stage.status.value  # nobody answered
    button(dash, "Previous").click()
    assert dash.session.current_index == 0


def test_keyboard_shortcuts_press_only_enabled_buttons(dash):
    start(dash)
    dash.controls.press("o")  # nothing to open in the lobby
    assert dash.session.status == "lobby" and dash.message.value == ""
    dash.controls.press("ArrowRight")
    dash.controls.press("PageDown")  # a presentation remote's "next"
    assert dash.session.current_activity.kind == "poll"
    dash.controls.press("o")
    assert dash.session.voting_open
    dash.controls.press("r")  # nobody has answered: it asks first
    assert shown(dash.controls.confirm) and "before anyone has answered" in dash.controls.question.value
    assert not dash.session.revealed
    dash.controls.confirm_yes.click()
    assert dash.session.revealed and not dash.session.voting_open
    dash.controls.press("ArrowLeft")
    assert dash.session.current_index == 0
    dash.controls.press("e")  # asks first
    assert shown(dash.controls.confirm) and dash.session.status == "running"
    dash.controls.press("p")
    assert dash.presentation.value is True  # back to the class view


def test_live_count_while_voting_and_the_chart_only_after_reveal(dash, store):
    session = start(dash)
    go_to_kind(dash, "card")
    button(dash, "Open voting").click()
    answer(store, session, ["healthy", "healthy", "warning", "not_sure"])
    assert dash.refresh()
    assert "data-answered='4'" in dash.stage.status.value
    assert not shown(dash.stage.results) and dash.stage.distribution.figure is None
    assert "Teaching note" in dash.private.notes.value  # the facilitator can read ahead

    # A student changes an answer: same count, new split, still noticed.
    store.record_response(session.code, "d3", session.refresh().current_activity.id, "healthy")
    assert dash.refresh()

    button(dash, "Reveal").click()
    assert shown(dash.stage.results) and shown(dash.stage.distribution.widget)
    bars = dash.stage.distribution.figure.data[0]
    assert list(bars.y) == ["✔ Healthy", "Warning signs", "Exploitative", "Not sure"]
    assert list(bars.x) == [3, 1, 0, 0]
    assert list(bars.marker.color) == ["#2E7D32", "#E6A100", "#C62828", "#8A8F98"]  # the deck's colours
    assert "Expected: Healthy" in dash.stage.heading.value
    note = "Both are the same age and Ana&#x27;s no is respected."
    assert note in dash.private.notes.value
    assert note not in dash.stage.heading.value and "Nothing is given" not in dash.stage.heading.value
    assert "How does Leo show respect?" in dash.private.discuss.value  # what to discuss next


def test_a_plan_can_show_results_live(store, library, programme):
    snapshot = programme.snapshot()
    snapshot["plan"] = {**snapshot["plan"], "settings": {**snapshot["plan"]["settings"], "show_results_live": True}}
    dash = FacilitatorDashboard(store, library, JoinPage(JOIN))
    dash.start_session(Programme.from_snapshot(snapshot), {})
    go_to_kind(dash, "card")
    button(dash, "Open voting").click()
    answer(store, dash.session, ["warning", "warning"])
    dash.refresh()
    assert shown(dash.stage.distribution.widget)
    assert list(dash.stage.distribution.figure.data[0].x) == [0, 2, 0, 0]
    assert "✔" not in "".join(dash.stage.distribution.figure.data[0].y)  # no expected answer yet


def test_poll_answers_and_multiple_choice(dash, store):
    session = start(dash)
    act = go_to_kind(dash, "poll")
    assert act.phase == "baseline"
    assert "1 · Not at all" in dash.stage.heading.value
    button(dash, "Open voting").click()
    answer(store, session, ["2", "2", "5"])
    button(dash, "Reveal").click()
    assert list(dash.stage.distribution.figure.data[0].x) == [0, 2, 0, 0, 1]

    multiple = next(a for a in session.activities if a.kind == "poll" and a.items == ("who-help",))
    dash.activities.steps[multiple.index].click()
    assert "Choose all that apply" in dash.stage.heading.value
    button(dash, "Open voting").click()
    answer(store, session, [["childline", "adult"], ["adult"]])
    button(dash, "Reveal").click()
    assert list(dash.stage.distribution.figure.data[0].x) == [1, 2, 0]
    assert "Answer: Childline, A trusted adult" in dash.stage.heading.value


def test_activity_list_shows_progress_and_jumps(dash):
    start(dash)
    dash.activities.steps[4].click()
    assert dash.session.current_index == 4
    assert "tk-current" in dash.activities.steps[4]._dom_classes
    assert all("tk-done" in dash.activities.steps[i]._dom_classes for i in range(4))
    assert "Activity 5 of 9" in dash.activities.progress.value
    assert dash.activities.steps[3].description == "4. Card: Ana, 15"


# -- presentation mode ------------------------------------------------------------------

def test_presentation_mode_hides_every_private_panel(dash, store):
    session = start(dash)
    go_to_kind(dash, "card")
    store.submit_question(session.code, "What should Ana do?")
    dash.refresh()
    assert shown(dash.private.widget) and "Teaching note" in dash.private.notes.value

    dash.presentation.value = True
    assert not shown(dash.private.widget)  # notes, questions box and session details
    assert not any(note in dash.stage.heading.value for note in ("Teaching note", "Both are the same age"))
    dash.presentation.value = False
    assert shown(dash.private.widget)


def test_sort_matrix_fills_privately_then_is_revealed(dash, store):
    session = start(dash)
    sort = go_to_kind(dash, "sort")
    assert dash.controls.buttons["open_voting"].description == "Open sorting"  # the phones' word
    assert "Sorting not open yet" in dash.stage.status.value
    button(dash, "Open voting").click()
    assert "Sorting open" in dash.stage.status.value
    for i, values in enumerate([("healthy", "exploitative", "warning"), ("healthy", "warning", "healthy"),
                                ("warning", "warning", "healthy")]):
        for card, value in zip(sort.items, values):
            store.record_response(session.code, f"d{i}", sort.id, value, item=card)
    dash.refresh()
    assert "data-answered='3'" in dash.stage.status.value and "9 card answers" in dash.stage.status.value
    assert shown(dash.stage.results) and "tk-sort-preview" in dash.stage.results._dom_classes
    heat = dash.stage.matrix.figure.data[0]
    assert heat.text.tolist() == [[2, 1, 0, 0], [0, 2, 1, 0], [2, 1, 0, 0]]
    assert dash.stage.matrix.figure.layout.shapes == ()  # no expected answers before reveal
    assert "discuss" in dash.stage.table.value  # the most contested cards picked out

    dash.presentation.value = True
    assert not shown(dash.stage.results)  # private until revealed
    button(dash, "Reveal").click()
    assert shown(dash.stage.results) and "tk-sort-preview" not in dash.stage.results._dom_classes
    assert len(dash.stage.matrix.figure.layout.shapes) == 3  # the expected cell of each card


def test_change_before_and_after_is_paired_within_the_session(dash, store):
    session = start(dash)
    go_to_kind(dash, "poll", "baseline")
    button(dash, "Open voting").click()
    answer(store, session, ["1", "2", "3"])
    go_to_kind(dash, "poll", "endpoint")
    button(dash, "Open voting").click()
    answer(store, session, ["3", "4"])
    button(dash, "Reveal").click()
    assert shown(dash.stage.change.widget)
    before, after = dash.stage.change.chart.figure.data
    assert list(before.x) == [2.0] and list(after.x) == [3.5]
    assert "Among the 2 students who answered both times: +2.0 points" in dash.stage.change.note.value


# -- the questions box ------------------------------------------------------------------

def test_questions_are_private_until_approved_and_disclosures_are_flagged(dash, store):
    session = start(dash)
    dash.activities.steps[0].click()
    store.submit_question(session.code, "Is it still exploitation if they are the same age?")
    store.submit_question(session.code, "Someone older keeps asking me for <b>pics</b> <img src=x onerror=alert(1)>")
    dash.refresh()
    panel = dash.questions
    assert "2 waiting" in panel.header.value and "1 flagged" in panel.header.value
    flagged, plain = panel.pending.children  # flagged first
    flagged_html = flagged.children[0].value + flagged.children[1].value
    assert "&lt;img src=x onerror=alert(1)&gt;" in flagged_html and "<img" not in flagged_html
    assert SAFEGUARDING_PROMPT.replace("'", "&#x27;") in flagged.children[1].value
    assert dash.approved.value == ""  # nothing reaches the screen by itself

    show, hide = plain.children[-1].children
    assert show.description == "Show on screen"
    assert flagged.children[-1].children[0].description == "Show on screen…"  # a second thought first
    show.click()
    assert "Is it still exploitation" in dash.approved.value and shown(dash.approved)
    hide_flagged = dash.questions.pending.children[0].children[-1].children[1]
    hide_flagged.click()
    statuses = sorted(q["status"] for q in session.questions())
    assert statuses == ["approved", "hidden"]
    off = dash.questions.approved.children[1].children[-1].children[0]
    assert off.description == "Take off screen"
    off.click()
    assert dash.approved.value == "" and not shown(dash.approved)
    # Nothing is lost: both stay in the private list, and a hidden one can come back.
    assert sorted(q["status"] for q in session.questions()) == ["hidden", "shown"]
    dash.questions.all_button.value = True
    listed = [box.children[0].value for box in dash.questions.everything.children]
    assert len(listed) == 2 and "was on the screen" in listed[0] and "hidden" in listed[1]
    dash.questions.everything.children[1].children[-1].children[0].click()  # "Back to waiting"
    assert "1 waiting" in dash.questions.header.value


def test_a_flagged_question_reaches_the_screen_only_after_a_warning(dash, store):
    session = start(dash)
    dash.activities.steps[0].click()
    store.submit_question(session.code, "My older boyfriend asks me for pictures")
    dash.refresh()
    row = dash.questions.pending.children[0]
    assert "It mentions “older boyfriend”, “pictures”" in text(row.children[1].value)
    row.children[-1].children[0].click()  # "Show on screen…"
    row = dash.questions.pending.children[0]
    assert "may point to who wrote it" in row.children[-2].value and session.questions()[0]["status"] == "pending"
    keep = row.children[-1].children[1]
    assert keep.description == "Keep it private"
    keep.click()
    assert session.questions()[0]["status"] == "pending" and dash.approved.value == ""
    dash.questions.pending.children[0].children[-1].children[0].click()
    dash.questions.pending.children[0].children[-1].children[0].click()  # "Show it to the class anyway"
    assert session.questions()[0]["status"] == "approved" and "pictures" in dash.approved.value
    # The flag stays with it on the private panel, and moving on takes it off the screen.
    assert "Flagged" in dash.questions.approved.children[1].children[1].value
    button(dash, "Next").click()
    assert session.questions()[0]["status"] == "shown" and dash.approved.value == ""


def test_the_console_opens_in_the_class_view_with_nothing_private(store, library):
    console = FacilitatorDashboard(store, library, JoinPage(JOIN))
    session = start(console)
    store.submit_question(session.code, "Someone keeps asking me for pics")
    go_to_kind(console, "card")
    console.refresh()
    assert console.presentation.value is True and not shown(console.private.widget)
    assert "Class view" in console.mode.value and "1 new question in your notes" in text(console.mode.value)
    assert "pics" not in console.mode.value and "flagged" not in console.mode.value.lower()
    assert "tk-notes-open" not in console.widget._dom_classes
    console.controls.press("p")
    assert shown(console.private.widget) and "Teaching note" in console.private.notes.value
    assert "Your notes are open" in console.mode.value and "tk-notes-open" in console.widget._dom_classes


# -- the end, the summary and the exports ----------------------------------------------

def run_through(dash, store):
    """A whole mini session with three students."""
    session = dash.session
    for act in session.activities:
        button(dash, "Next").click()
        if not act.votes:
            continue
        button(dash, "Open voting").click()
        options = [o["id"] for o in session.programme.options(act)]
        for i in range(3):
            for item in act.items:
                store.record_response(session.code, f"d{i}", act.id, options[(i + len(item)) % len(options)],
                                      item=item if act.kind == "sort" else None)
        button(dash, "Reveal").click()
    button(dash, "Next").click()
    return session


def test_summary_then_end_destroys_device_links_but_keeps_answers(dash, store):
    session = start(dash)
    store.join(session.code, "d0")
    run_through(dash, store)
    assert dash.session.status == "summary"
    assert shown(dash.summary.widget) and not shown(dash.stage.widget)
    assert dash.summary.matrix.figure is not None and shown(dash.summary.cards)
    assert len(dash.summary.changes.children) == 3  # a heading and two questions
    assert "What to discuss next" in dash.private.discuss.value
    assert store.my_answers(session.code, "d0", session.activities[1].id)

    dash.controls.end.click()
    assert shown(dash.controls.confirm) and dash.session.status == "summary"
    dash.controls.confirm_no.click()
    assert not shown(dash.controls.confirm)
    dash.controls.end.click()
    dash.controls.confirm_yes.click()
    assert dash.session.status == "ended"
    assert store.my_answers(session.code, "d0", session.activities[1].id) == {}  # the link is gone
    assert len(session.responses()) > 0
    assert "Session ended" in dash.summary.banner.value
    assert all(b.disabled for b in [*dash.controls.steps, dash.controls.end])

    dash.summary.new_session.click()
    assert dash.session is None and shown(dash.start.widget) and dash.address.value == ""


def test_exports_csv_and_a_self_contained_html_report(dash, store):
    session = start(dash, organisation="Riverside <Academy>")
    run_through(dash, store)
    store.submit_question(session.code, "Shown <script>alert(1)</script> to all?")
    question = session.questions()[0]
    store.set_question_status(question["id"], "approved")

    name, mime, body = dash.csv_download.make()
    assert name.startswith(f"workshop-{session.code}-") and name.endswith(".csv") and mime == "text/csv"
    frame = pd.read_csv(io.BytesIO(body))
    assert list(frame.columns) == EXPORT_COLUMNS
    assert len(frame) == len(session.responses()) and set(frame["code"]) == {session.code}

    name, mime, body = dash.html_download.make()
    page = body.decode()
    assert name.endswith(".html") and mime == "text/html"
    assert "Riverside &lt;Academy&gt;" in page and "Riverside <Academy>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Plotly.newPlot" in page and page.count("Plotly.newPlot") >= 5
    assert get_plotlyjs() in page  # plotly.js inline: the browser test opens it offline
    assert not re.search(r"""(src|href)=["']https?:""", page.replace(get_plotlyjs(), ""))
    assert "Both are the same age" in page  # the teaching notes, for the staff who read it


def test_a_failed_download_is_shown_not_lost(dash):
    dash.csv_download.make = lambda: 1 / 0
    dash.csv_download._message(None, {"event": "download"}, [])
    assert "division by zero" in dash.message.value


# -- coming back ------------------------------------------------------------------------

def test_a_running_session_is_picked_up_again(store, library):
    first = FacilitatorDashboard(store, library, JoinPage(JOIN))
    session = start(first, group="9B")
    button(first, "Next").click()

    again = FacilitatorDashboard(store, library, JoinPage(JOIN))  # a browser refresh
    assert session.code[:3] in again.start.resume_list.children[0].children[0].value
    again.start.resume_list.children[0].children[1].click()
    assert again.session.id == session.id and "Ground rules" in again.stage.heading.value

    third = FacilitatorDashboard(store, library, JoinPage(JOIN))
    assert third.resume(session.code.lower()) and third.session.id == session.id
    assert not third.resume("ZZZZZZZ") and "no session" in third.message.value


def test_a_change_made_elsewhere_shows_on_the_next_refresh(dash, store):
    session = start(dash)
    button(dash, "Next").click()
    store.find_session(session.code).next()  # another console, or a restarted kernel
    assert dash.refresh()
    assert dash.session.current_index == 1
    store.find_session(session.code).end()
    button(dash, "Open voting").click()  # the button was still enabled on this screen
    assert "ended" in dash.message.value
    assert dash.session.status == "ended"


# -- uploads ----------------------------------------------------------------------------

PLAN = """kind: plan
id: my-plan
title: My own plan
deck: mini
polls: mini-polls
activities:
  - {kind: card, card: ana-bus}
"""


def test_an_uploaded_plan_is_checked_and_can_be_started(dash):
    assert dash.start.load_files([("my-plan.yaml", PLAN.encode())])
    assert dash.start.plan.value == "upload:my-plan"
    assert "Checked and ready: My own plan" in dash.start.upload_result.value
    dash.start.start_button.click()
    assert dash.session.title == "My own plan" and dash.session.plan_id == "my-plan"


def test_an_uploaded_plan_with_problems_shows_them_by_file_and_line(dash):
    bad = PLAN.replace("card: ana-bus", "card: nobody").replace("title: My own plan", "title: Bad")
    assert not dash.start.load_files([("bad-plan.yaml", bad.encode())])
    result = dash.start.upload_result.value
    assert "bad-plan.yaml" in result and "nobody" in result and "/tmp" not in result
    assert not dash.start.load_files([("notes.yaml", b"kind: [unclosed")])
    assert "notes.yaml" in dash.start.upload_result.value
    assert dash.start.plan.value == "mini-plan"  # the choice stays what it was


# -- where students join, and the timer -------------------------------------------------

def test_join_address_comes_from_serve_else_from_this_page():
    assert join_page({"TOOLKIT_JOIN_URL": JOIN}).url("ABCDEFG") == f"{JOIN}?code=ABCDEFG"
    page = join_page({"VOILA_REQUEST_URL": "http://10.0.0.5:8866/base/voila/render/facilitator.ipynb?token=secret",
                      "VOILA_BASE_URL": "/base/"})
    assert page.base == "http://10.0.0.5:8866/base/toolkit/join" and page.warning is None
    local = join_page({"VOILA_REQUEST_URL": "http://127.0.0.1:8866/voila/render/x.ipynb"})
    assert "Phones cannot reach this address" in local.warning
    assert join_page({}).base is None and join_page({}).url("ABCDEFG") is None


def test_the_refresher_keeps_calling_on_the_event_loop_even_after_an_error():
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("one bad read")

    async def run():
        refresher = Refresher(check, interval=0.01)
        refresher.start()
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        refresher.stop()
        return refresher.running

    assert asyncio.run(run()) is False and len(calls) >= 3


def test_the_projector_view_follows_the_console_with_nothing_private(store, library):
    console = FacilitatorDashboard(store, library, JoinPage(JOIN))
    session = start(console)
    button(console, "Next").click()
    assert f"?view=projector&amp;session={session.code}" in console.mode.value
    button(console, "Previous").click()
    projector = FacilitatorDashboard(store, library, JoinPage(JOIN), projector=True)
    assert shown(projector.waiting) and not shown(projector.start.widget)
    assert projector.resume(session.code)
    assert shown(projector.lobby.widget) and not shown(projector.activities.widget)
    assert not any(shown(b) for b in projector.controls.steps) and not shown(projector.presentation)
    assert projector.controls.keys not in projector.widget.children  # the keyboard drives the console only

    go_to_kind(console, "card")
    button(console, "Open voting").click()
    answer(store, session, ["healthy", "healthy"])
    button(console, "Reveal").click()
    assert projector.refresh()
    assert "Expected: Healthy" in projector.stage.heading.value
    assert list(projector.stage.distribution.figure.data[0].x) == [2, 0, 0, 0]
    assert not shown(projector.private.widget)


def test_a_redraw_that_fails_is_said_and_tried_again(dash, store, monkeypatch):
    session = start(dash)
    store.join(session.code, "phone")
    monkeypatch.setattr(dash.lobby, "update", lambda *a: 1 / 0)
    assert dash.refresh() is False
    assert "could not be redrawn" in dash.message.value
    monkeypatch.undo()
    assert dash.refresh() is True  # the same change, drawn this time
    assert "data-joined='1'" in dash.lobby.joined.value and dash.message.value == ""


def test_the_record_for_the_safeguarding_lead_holds_every_question_and_the_report_none_unseen(dash, store):
    session = start(dash)
    shown_q = store.submit_question(session.code, "Asked in the lobby, shown later")
    dash.activities.steps[3].click()
    hidden_q = store.submit_question(session.code, "Someone older asks me for <b>pics</b>")
    store.set_question_status(shown_q, "approved")
    store.set_question_status(hidden_q, "hidden")
    name, mime, body = dash.safeguarding_file()
    record = body.decode()
    assert name.startswith(f"for-the-safeguarding-lead-{session.code}-") and mime == "text/html"
    assert "“Someone older asks me for &lt;b&gt;pics&lt;/b&gt;”" in record  # as written, escaped
    assert "4. Card: Ana, 15" in record and "the lobby, before the first activity" in record
    assert re.search(r"\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d<", record)  # to the minute, no seconds
    assert record.index("pics") < record.index("Asked in the lobby")  # flagged first
    report = dash.html_file()[2].decode()
    assert "Asked in the lobby, shown later" in report and "pics" not in report.split("Questions shown")[-1]


# -- opening ----------------------------------------------------------------------------

def drawn(page):
    """What the page says once it has painted its first screen."""
    marker = next(w for w in page.widget.children if isinstance(w, Drawn))
    marker._message(None, {"event": "drawn"}, [])


def in_page(widget) -> list:
    """Every widget the page holds under ``widget``, itself included."""
    children = getattr(widget, "children", ())
    return [widget, *(w for child in children for w in in_page(child))]


def test_the_console_opens_on_the_start_screen_alone_and_builds_the_rest_once_drawn(store, library):
    console = FacilitatorDashboard(store, library, JoinPage(JOIN))
    labels = {w.description for w in in_page(console.widget) if isinstance(w, W.Button)}
    assert "Start session" in labels and not labels & {"Next", "Open voting", "End session"}
    assert shown(console.start.widget) and not shown(console.body)
    assert not any(isinstance(w, PlotlyLoader) for w in in_page(console.widget))

    drawn(console)  # built while the facilitator fills the start screen in, all hidden
    held = in_page(console.widget)
    assert console.controls.end in held and console.lobby.widget in held and console.controls.keys in held
    assert not any(shown(b) for b in console.controls.steps) and not shown(console.body)
    assert shown(console.start.widget)
    assert not any(isinstance(w, PlotlyLoader) for w in held)  # plotly.js waits for a session

    start(console)
    assert shown(console.lobby.widget) and shown(console.controls.steps[-1])
    assert sum(isinstance(w, PlotlyLoader) for w in in_page(console.widget)) == 1
    console.close_session()
    start(console)  # once per page
    assert sum(isinstance(w, PlotlyLoader) for w in in_page(console.widget)) == 1


def test_a_session_picked_up_before_the_page_draws_builds_what_it_needs(store, library):
    session = start(FacilitatorDashboard(store, library, JoinPage(JOIN)))
    console = FacilitatorDashboard(store, library, JoinPage(JOIN))
    console.opened({"session": [session.code]})  # a reloaded page's address, said as it shows
    assert console.session.id == session.id and shown(console.lobby.widget)
    drawn(console)
    assert shown(console.lobby.widget) and not shown(console.start.widget)
    projector = FacilitatorDashboard(store, library, JoinPage(JOIN))
    projector.opened({"view": ["projector"], "session": [session.code]})
    assert shown(projector.lobby.widget) and projector.controls.keys not in projector.widget.children
    assert not any(shown(b) for b in projector.controls.steps)


def test_a_console_kept_warm_offers_the_plan_used_last_once_the_page_shows(store):
    from toolkit.content import Library
    warm = FacilitatorDashboard(store, Library(), JoinPage(JOIN))  # built before the lesson
    assert warm.start.plan.value == "lesson-50"
    start(FacilitatorDashboard(store, Library(), JoinPage(JOIN)), plan="short-25")
    drawn(warm)  # opened later
    assert warm.start.plan.value == "short-25"
    assert "activities" in warm.start.plan_info.value


def test_the_page_asks_for_plotly_once_and_gets_it_whole():
    loader = PlotlyLoader()
    sent = []
    loader.send = lambda content, buffers=None: sent.append((content, buffers))
    assert len(json.dumps(loader.get_state(), default=str)) < 10_000  # the page gets the bundle only on asking
    loader._message(None, {"event": "plotly"}, [])
    [(content, buffers)] = sent
    assert content == {"event": "plotly"} and buffers[0] == (Path(plotly.__file__).parent / "package_data"
                                                             / "plotly.min.js").read_bytes()
    loader._message(None, {"event": "something else"}, [])
    assert len(sent) == 1
