"""The store as a facilitator and a class use it: a session started, run activity by
activity, answered from phones, ended; on a SQLite file and on PostgreSQL.

Also what the store refuses to open (a newer, foreign or corrupt database), left exactly
as it was found.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import sqlite3
import threading
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlalchemy import func, select, update

import toolkit
from toolkit import config, safeguarding
from toolkit.content import Programme
from toolkit.errors import BadRequest, Busy, ConfigError, Conflict, Invalid, NotFound, StoreError
from toolkit.store import Store, codes
from toolkit.store.engine import reading
from toolkit.store.frames import RESPONSE_COLUMNS, SESSION_COLUMNS
from toolkit.store.schema import SCHEMA_VERSION, TOOLKIT_TABLES, devices, questions, responses, sessions

SLIDE, CONFIDENCE, MYTH, ANA, BEN, WHO_HELP, SORT, END_CONFIDENCE, END_MYTH = (
    "rules", "baseline-confidence", "baseline-myth-girls", "card-ana-bus", "card-ben-lifts", "poll-who-help",
    "sort", "endpoint-confidence", "endpoint-myth-girls")


def changed(programme: Programme, edit) -> Programme:
    """The programme with its snapshot edited (as if the files had said otherwise)."""
    snap = copy.deepcopy(programme.snapshot())
    edit(snap)
    return Programme.from_snapshot(snap)


def at(session, activity_id: str, *, open_voting: bool = True):
    """Move a session to an activity (by id), voting open unless told otherwise."""
    session.go_to(next(a.index for a in session.activities if a.id == activity_id))
    if open_voting:
        session.open_voting()
    return session


def count(store, table, **where) -> int:
    with reading(store.engine) as conn:
        return conn.execute(select(func.count()).select_from(table).where(
            *[table.c[k] == v for k, v in where.items()])).scalar_one()


# -- starting and finding sessions ------------------------------------------------------

def test_a_session_starts_in_the_lobby_with_its_group_labels(store, programme):
    session = store.start_session(programme, organisation="  Northfield   Academy ", group="Year 9",
                                  age_band="14-16", setting="school", facilitator="R. Patel")
    assert (session.status, session.current_activity, session.voting_open, session.version) == ("lobby", None,
                                                                                                  False, 1)
    assert session.labels == {"organisation": "Northfield Academy", "group": "Year 9", "age_band": "14-16",
                              "setting": "school", "facilitator": "R. Patel"}
    assert session.created_at.tzinfo is not None and session.created_at.utcoffset() == timedelta(0)
    frame = store.sessions()
    assert list(frame.columns) == SESSION_COLUMNS
    row = frame.set_index("session_id").loc[session.id]
    assert (row["code"], row["organisation"], row["group"], row["status"], row["respondents"]) == (
        session.code, "Northfield Academy", "Year 9", "lobby", 0)
    assert str(frame["created_at"].dtype) == "datetime64[ns, UTC]"


def test_group_labels_are_checked(store, programme):
    with pytest.raises(Invalid, match="unknown group label 'pupil'"):
        store.start_session(programme, pupil="Sam")
    with pytest.raises(Invalid, match="at most 120"):
        store.start_session(programme, group="x" * 121)
    assert store.start_session(programme, group="   ").labels["group"] is None


def test_a_session_starts_from_a_shipped_plan_id_and_refuses_an_unknown_one(store):
    session = store.start_session("short-25", group="Year 10")
    assert session.plan_id == "short-25" and session.activities[0].kind == "slide"
    with pytest.raises(NotFound, match="no plan with id 'no-such-plan'"):
        store.start_session("no-such-plan")


@pytest.mark.parametrize("typed", [
    lambda c: c, lambda c: c.lower(), lambda c: f" {c[:3]}-{c[3:]} ", lambda c: f"{c[:3]} {c[3:].lower()}",
    lambda c: f"{c[:3]}\u2013{c[3:]}", lambda c: f"{c[:3]}.{c[3:]}\u00a0"])
def test_find_session_forgives_case_spaces_and_dashes(store, programme, typed):
    session = store.start_session(programme)
    assert store.find_session(typed(session.code)).id == session.id


@pytest.mark.parametrize("code", ["", "ABC", "ABCDEFGH", "ABCDEF0", "ABCDEFI", "2222222"])
def test_find_session_refuses_codes_that_name_nothing(store, programme, code):
    store.start_session(programme)
    with pytest.raises(NotFound, match="check the code"):
        store.find_session(code)


def test_join_codes_are_seven_unambiguous_symbols_hard_to_guess(store, programme):
    assert len(codes.ALPHABET) == len(set(codes.ALPHABET)) == 32
    assert not set("0O1I") & set(codes.ALPHABET)
    assert codes.LENGTH == 7 and codes.LENGTH * math.log2(len(codes.ALPHABET)) >= 30
    made = [store.start_session(programme).code for _ in range(20)]
    assert len(set(made)) == len(made)
    assert all(len(c) == 7 and set(c) <= set(codes.ALPHABET) for c in made)
    assert codes.display("ABCDEFG") == "ABC-DEFG"


def test_a_join_code_is_unique_among_live_sessions_and_free_again_once_ended(store, programme, monkeypatch):
    drawn = iter(["AAAAAAA", "AAAAAAA", "BBBBBBB", "AAAAAAA"])
    monkeypatch.setattr("toolkit.store.new_code", lambda: next(drawn))
    first = store.start_session(programme)
    second = store.start_session(programme)  # draws AAAAAAA again, refused, then BBBBBBB
    assert (first.code, second.code) == ("AAAAAAA", "BBBBBBB")
    first.end()
    third = store.start_session(programme)
    assert third.code == "AAAAAAA"
    assert store.find_session("aaa-aaaa").id == third.id  # the live one, not the ended one
    third.end()
    assert store.find_session("AAAAAAA").id == third.id  # then the latest ended one


# -- the session state machine ----------------------------------------------------------

def test_a_session_runs_from_lobby_through_every_activity_to_the_summary_and_end(store, programme):
    session = store.start_session(programme)
    seen, versions = [], [session.version]
    session.next()
    assert session.status == "running" and session.current_activity.id == SLIDE
    while session.status == "running":
        seen.append(session.current_activity.id)
        if session.current_activity.votes:
            session.open_voting()
            versions.append(session.version)
            session.close_voting()
            versions.append(session.version)
            session.reveal()
            versions.append(session.version)
        session.next()
        versions.append(session.version)
    assert seen == [a.id for a in programme.activities]
    assert (session.status, session.current_activity, session.voting_open) == ("summary", None, False)
    session.previous()
    assert session.current_activity.id == END_MYTH
    session.next()
    session.end()
    versions += [session.version]
    assert session.status == "ended"
    assert versions == sorted(set(versions)), "every change bumps the version"
    assert store.find_session(session.code).status == "ended"


def test_previous_from_the_first_activity_goes_back_to_the_lobby(store, programme):
    session = store.start_session(programme).next()
    session.previous()
    assert (session.status, session.current_activity) == ("lobby", None)
    session.go_to(4)
    assert session.current_activity.id == BEN


def test_reveal_closes_voting_and_opening_again_hides_the_reveal(store, programme):
    session = at(store.start_session(programme), ANA)
    assert (session.voting_open, session.revealed) == (True, False)
    session.reveal()
    assert (session.voting_open, session.revealed) == (False, True)
    session.open_voting()
    assert (session.voting_open, session.revealed) == (True, False)


def _lobby(s):
    return s


def _slide(s):
    return s.next()


def _summary(s):
    s.go_to(len(s.activities) - 1)
    return s.next()


def _ended(s):
    return s.end()


@pytest.mark.parametrize("where, verb, says", [
    (_lobby, lambda s: s.open_voting(), "cannot open voting: the session is in the lobby"),
    (_lobby, lambda s: s.close_voting(), "cannot close voting: the session is in the lobby"),
    (_lobby, lambda s: s.reveal(), "cannot reveal: the session is in the lobby"),
    (_lobby, lambda s: s.previous(), "nothing before it"),
    (_slide, lambda s: s.open_voting(), "is a slide: it takes no answers"),
    (_slide, lambda s: s.reveal(), "is a slide: there is nothing to reveal"),
    (_slide, lambda s: s.go_to(99), "there is no activity 100"),
    (_slide, lambda s: s.go_to(-1), "there is no activity 0"),
    (_summary, lambda s: s.open_voting(), "at the summary"),
    (_summary, lambda s: s.reveal(), "at the summary"),
    (_summary, lambda s: s.next(), "end the session when ready"),
    (_ended, lambda s: s.next(), "the session has ended"),
    (_ended, lambda s: s.previous(), "the session has ended"),
    (_ended, lambda s: s.go_to(1), "the session has ended"),
    (_ended, lambda s: s.open_voting(), "the session is ended"),
    (_ended, lambda s: s.close_voting(), "the session is ended"),
    (_ended, lambda s: s.reveal(), "the session is ended"),
], ids=lambda v: v.__name__.strip("_") if callable(v) and v.__name__.startswith("_") else None)
def test_moves_that_do_not_fit_the_state_are_refused(store, programme, where, verb, says):
    session = where(store.start_session(programme))
    before = (session.version, session.status, session.current_index)
    with pytest.raises(Conflict, match=says) as caught:
        verb(session)
    assert caught.value.status == 409
    session.refresh()
    assert (session.version, session.status, session.current_index) == before


@pytest.mark.parametrize("again", [
    lambda s: at(s, ANA).open_voting(), lambda s: at(s, ANA, open_voting=False).close_voting(),
    lambda s: at(s, ANA).reveal().reveal(), lambda s: at(s, ANA).go_to(3), lambda s: s.end().end()],
    ids=["open-twice", "close-when-closed", "reveal-twice", "go-to-where-it-is", "end-twice"])
def test_a_move_that_changes_nothing_keeps_the_version(store, programme, again):
    session = store.start_session(programme)
    calls = []
    original = session._move

    def spy(decide, after=None):
        result = original(decide, after)
        calls.append(session.version)
        return result

    session._move = spy
    again(session)
    assert calls[-1] == calls[-2], f"versions after each move: {calls}"


def test_another_process_sees_every_change_and_moves_from_the_state_in_the_database(store, programme):
    other = Store(store.url)
    try:
        mine = store.start_session(programme)
        theirs = other.find_session(mine.code)
        theirs.next()
        mine.next()  # from the slide the other store moved to, not from the lobby it last saw
        assert mine.current_activity.id == CONFIDENCE
        assert theirs.refresh().current_activity.id == CONFIDENCE
        assert other.versions([mine.id]) == {mine.id: mine.version}
        assert store.versions([]) == {}
    finally:
        other.close()


# -- answering ----------------------------------------------------------------------------

def test_a_first_answer_is_new_and_a_changed_one_is_not(store, programme):
    session = at(store.start_session(programme), ANA)
    assert store.record_response(session.code, "device-1", ANA, "warning") is True
    assert store.record_response(session.code, "device-1", ANA, "healthy") is False
    assert store.record_response(session.code, "device-1", ANA, "healthy") is False
    assert store.record_response(session.code.lower(), "device-2", ANA, "healthy") is True
    assert store.my_answers(session.code, "device-1", ANA) == {"ana-bus": "healthy"}
    assert store.distribution(session.id, ANA) == {"healthy": 2}
    assert session.counts() == {"ana-bus": 2}
    assert session.refresh().respondents == 2


def test_joining_numbers_devices_and_knows_them_again(store, programme):
    session = store.start_session(programme)
    _, a, new_a = store.join(session.code, "a")
    _, b, new_b = store.join(session.code, "b")
    assert new_a and new_b and a != b
    assert store.join(session.code.lower(), "a")[1:] == (a, False)
    assert store.join(session.code, "a")[0].id == session.id
    assert session.refresh().respondents == 2, "the joined count still counts"
    session.end()
    with pytest.raises(Conflict, match="ended"):
        store.join(session.code, "c")


@pytest.mark.parametrize("where, activity, value, error, says", [
    (lambda s: at(s, ANA, open_voting=False), ANA, "healthy", Conflict, "voting is closed"),
    (lambda s: at(s, ANA).close_voting(), ANA, "healthy", Conflict, "voting is closed"),
    (lambda s: at(s, ANA).reveal(), ANA, "healthy", Conflict, "voting is closed"),
    (lambda s: at(s, SLIDE, open_voting=False), SLIDE, "healthy", Conflict, "voting is closed"),
    (lambda s: s, ANA, "healthy", Conflict, "not on screen"),
    (lambda s: at(s, BEN), ANA, "healthy", Conflict, "not on screen"),
    (lambda s: at(s, ANA).end(), ANA, "healthy", Conflict, "this session has ended"),
    (lambda s: at(s, ANA), "no-such-activity", "healthy", Invalid, "no activity 'no-such-activity'"),
    (lambda s: at(s, ANA), ANA, "fine", Invalid, "unknown option 'fine'"),
    (lambda s: at(s, ANA), ANA, None, Invalid, "an answer is one of"),
    (lambda s: at(s, ANA), ANA, True, Invalid, "an answer is one of"),
    (lambda s: at(s, ANA), ANA, {"x": 1}, Invalid, "an answer is one of"),
    (lambda s: at(s, ANA), ANA, ["healthy"], Invalid, "an answer is one of"),
    (lambda s: at(s, CONFIDENCE), CONFIDENCE, 6, Invalid, "unknown option '6'"),
    (lambda s: at(s, CONFIDENCE), CONFIDENCE, 3.5, Invalid, "an answer is one of"),
    (lambda s: at(s, MYTH), MYTH, ["myth"], Invalid, "an answer is one of"),
    (lambda s: at(s, WHO_HELP), WHO_HELP, [], Invalid, "non-empty list"),
    (lambda s: at(s, WHO_HELP), WHO_HELP, "", Invalid, "non-empty list"),
    (lambda s: at(s, WHO_HELP), WHO_HELP, ["childline", "police"], Invalid, "unknown option 'police'"),
    (lambda s: at(s, WHO_HELP), WHO_HELP, ["childline", 3], Invalid, "non-empty list"),
    (lambda s: at(s, SORT), SORT, "healthy", Invalid, "needs the card it is for"),
])
def test_answers_that_do_not_fit_are_refused(store, programme, where, activity, value, error, says):
    session = where(store.start_session(programme))
    with pytest.raises(error, match=says):
        store.record_response(session.code, "device-1", activity, value)
    assert count(store, responses, session_id=session.id) == 0


def test_answers_for_an_item_must_belong_to_the_activity(store, programme):
    session = at(store.start_session(programme), ANA)
    with pytest.raises(Invalid, match="does not belong"):
        store.record_response(session.code, "d", ANA, "healthy", item="ben-lifts")
    at(session, SORT)
    with pytest.raises(Invalid, match="not in this sort"):
        store.record_response(session.code, "d", SORT, "healthy", item="zoe-park")


def test_answers_need_a_device_token_and_a_known_code(store, programme):
    session = at(store.start_session(programme), ANA)
    for token in ("", "   ", None):
        with pytest.raises(BadRequest, match="no device token"):
            store.record_response(session.code, token, ANA, "healthy")
    with pytest.raises(NotFound):
        store.record_response("ZZZZZZZ", "d", ANA, "healthy")


def test_multiple_choice_answers_are_stored_in_option_order_once_each(store, programme):
    session = at(store.start_session(programme), WHO_HELP)
    assert store.record_response(session.code, "a", WHO_HELP, ["adult", "childline", "adult"]) is True
    assert store.record_response(session.code, "b", WHO_HELP, "nobody,childline") is True
    assert store.my_answers(session.code, "a", WHO_HELP) == {"who-help": "childline,adult"}
    assert store.my_answers(session.code, "b", WHO_HELP) == {"who-help": "childline,nobody"}
    assert store.distribution(session.id, WHO_HELP) == {"childline": 2, "adult": 1, "nobody": 1}


def test_a_sort_takes_one_answer_per_card(store, programme):
    session = at(store.start_session(programme), SORT)
    assert store.record_response(session.code, "a", SORT, "healthy", item="ana-bus") is True
    assert store.record_response(session.code, "a", SORT, "exploitative", item="ben-lifts") is True
    assert store.record_response(session.code, "a", SORT, "warning", item="ben-lifts") is False
    assert store.my_answers(session.code, "a", SORT) == {"ana-bus": "healthy", "ben-lifts": "warning"}
    assert session.counts() == {"ana-bus": 1, "ben-lifts": 1}


def test_scale_answers_take_numbers_or_their_text(store, programme):
    session = at(store.start_session(programme), CONFIDENCE)
    assert store.record_response(session.code, "a", CONFIDENCE, 3) is True
    assert store.record_response(session.code, "a", CONFIDENCE, "5") is False
    assert store.my_answers(session.code, "a", CONFIDENCE) == {"confidence": "5"}


def test_ending_destroys_the_device_links_and_keeps_the_answers(store, programme):
    session = at(store.start_session(programme), ANA)
    other = at(store.start_session(programme), ANA)
    for token in ("a", "b", "c"):
        store.record_response(session.code, token, ANA, "healthy")
    store.record_response(other.code, "a", ANA, "warning")
    assert count(store, devices, session_id=session.id) == 3
    session.end()
    assert count(store, devices, session_id=session.id) == 0
    assert count(store, devices, session_id=other.id) == 1, "other sessions keep theirs"
    assert count(store, responses, session_id=session.id) == 3
    assert store.my_answers(session.code, "a", ANA) == {}
    assert len(store.responses(code=session.code)) == 3
    with pytest.raises(Conflict, match="ended"):
        store.record_response(session.code, "a", ANA, "warning")


# -- the responses DataFrame ----------------------------------------------------------------

def _answer_everything(store, programme, **labels):
    """One session where two devices answer every kind of activity."""
    session = store.start_session(programme, **labels)
    answers = [(CONFIDENCE, "a", 2, None), (CONFIDENCE, "b", 4, None), (MYTH, "a", "myth", None),
               (MYTH, "b", "fact", None), (ANA, "a", "healthy", None), (BEN, "a", "warning", None),
               (WHO_HELP, "a", ["childline", "adult"], None), (WHO_HELP, "b", ["adult"], None),
               (SORT, "a", "warning", "cal-gifts"), (SORT, "a", "healthy", "ben-lifts")]
    for activity, token, value, item in answers:
        if session.current_activity is None or session.current_activity.id != activity:
            at(session, activity)
        store.record_response(session.code, token, activity, value, item=item)
    return session


def test_responses_are_a_tidy_frame_with_expected_answers_and_models(store, programme):
    session = _answer_everything(store, programme, organisation="Northfield", group="Year 9")
    frame = store.responses(code=session.code)
    assert list(frame.columns) == RESPONSE_COLUMNS
    assert len(frame) == 10
    assert set(frame["session_id"]) == {session.id} and set(frame["organisation"]) == {"Northfield"}
    assert set(frame["group"]) == {"Year 9"} and set(frame["code"]) == {session.code}
    number = {token: store.join(session.code, token)[1] for token in "ab"}
    rows = {(r.activity_id, r.item_id, {v: k for k, v in number.items()}[r.respondent]): r
            for r in frame.itertuples()}
    ana = rows[(ANA, "ana-bus", "a")]
    assert (ana.activity_kind, ana.item_type, ana.value, ana.expected, ana.correct, ana.model, ana.phase) == (
        "card", "card", "healthy", "healthy", True, "none", None)
    ben = rows[(BEN, "ben-lifts", "a")]
    assert (ben.expected, ben.correct, ben.model) == ("exploitative", False, "opportunistic")
    cal = rows[(SORT, "cal-gifts", "a")]
    assert (cal.activity_kind, cal.expected, cal.correct, cal.model) == ("sort", "warning", True, "online")
    myth = rows[(MYTH, "myth-girls", "b")]
    assert (myth.phase, myth.item_type, myth.expected, myth.correct) == ("baseline", "single", "myth", False)
    both = rows[(WHO_HELP, "who-help", "a")]
    assert (both.item_type, both.value, both.expected, both.correct) == ("multiple", "childline,adult",
                                                                         "childline,adult", True)
    assert rows[(WHO_HELP, "who-help", "b")].correct is False
    scale = rows[(CONFIDENCE, "confidence", "b")]
    assert (scale.item_type, scale.value, scale.expected) == ("scale", "4", None) and pd.isna(scale.correct)
    for col in ("session_date", "answered_at"):
        assert str(frame[col].dtype) == "datetime64[ns, UTC]"
    assert (frame["session_date"] == pd.Timestamp(session.created_at)).all()
    # Answer times are kept to the minute (the session's own start keeps its seconds).
    assert (frame["answered_at"] >= frame["session_date"].dt.floor("min")).all()
    assert (frame["answered_at"].dt.second == 0).all() and (frame["answered_at"].dt.microsecond == 0).all()


def test_a_multiple_choice_answer_is_right_whatever_order_the_bank_lists_it(store, programme):
    def reorder(snap):
        question = next(q for q in snap["polls"]["questions"] if q["id"] == "who-help")
        question["answer"] = ["adult", "childline"]
    session = at(store.start_session(changed(programme, reorder)), WHO_HELP)
    store.record_response(session.code, "a", WHO_HELP, ["childline", "adult"])
    (row,) = store.responses(code=session.code).itertuples()
    assert (row.value, row.expected, row.correct) == ("childline,adult", "childline,adult", True)


def test_responses_filter_by_labels_sessions_and_dates(store, programme):
    north = _answer_everything(store, programme, organisation="Northfield", group="Year 9")
    south = _answer_everything(store, programme, organisation="Southgate", group="Year 10")
    with store.engine.begin() as conn:  # the south session ran in summer
        conn.execute(update(sessions).where(sessions.c.id == south.id).values(
            created_at=datetime(2025, 7, 1, 9, 30, tzinfo=timezone.utc)))
    assert set(store.responses(organisation="Southgate")["session_id"]) == {south.id}
    assert set(store.responses(organisation=["Southgate", "Northfield"])["session_id"]) == {north.id, south.id}
    assert set(store.responses(session_ids=[north.id])["session_id"]) == {north.id}
    assert set(store.responses(until="2025-08-01")["session_id"]) == {south.id}
    assert set(store.responses(since="2025-07-01T09:30")["session_id"]) == {north.id, south.id}
    # 10:00 in Paris is 08:00 UTC in July: before the session; 12:00 is after.
    assert south.id in set(store.responses(since="2025-07-01T10:00+02:00")["session_id"])
    assert south.id not in set(store.responses(since="2025-07-01T12:00+02:00")["session_id"])
    summer = store.sessions(session_ids=[south.id])
    assert summer["created_at"].iloc[0] == pd.Timestamp("2025-07-01 09:30", tz="UTC")
    with pytest.raises(TypeError, match="unknown filter"):
        store.responses(school="x")


def test_no_responses_is_an_empty_frame_with_the_columns(store, programme):
    session = store.start_session(programme)
    frame = session.responses()
    assert frame.empty and list(frame.columns) == RESPONSE_COLUMNS
    assert str(frame["answered_at"].dtype) == "datetime64[ns, UTC]"


@pytest.mark.postgres
def test_timestamps_come_back_in_utc_whatever_the_postgresql_time_zone(pg_url, programme):
    store = Store(pg_url + "%20-ctimezone%3DAmerica/New_York")
    try:
        winter = _answer_everything(store, programme, group="winter")
        summer = _answer_everything(store, programme, group="summer")
        with store.engine.begin() as conn:
            conn.execute(update(sessions).where(sessions.c.id == winter.id).values(
                created_at=datetime(2025, 1, 15, 12, tzinfo=timezone.utc)))
            conn.execute(update(sessions).where(sessions.c.id == summer.id).values(
                created_at=datetime(2025, 7, 15, 12, tzinfo=timezone.utc)))
        assert winter.refresh().created_at == datetime(2025, 1, 15, 12, tzinfo=timezone.utc)
        assert winter.created_at.utcoffset() == timedelta(0)
        frame = store.responses()
        dates = frame.groupby("group")["session_date"].first()
        assert dates["winter"] == pd.Timestamp("2025-01-15 12:00", tz="UTC")
        assert dates["summer"] == pd.Timestamp("2025-07-15 12:00", tz="UTC")
        assert str(frame["answered_at"].dtype) == "datetime64[ns, UTC]"
        assert str(store.sessions()["created_at"].dtype) == "datetime64[ns, UTC]"
    finally:
        store.close()


# -- the questions box --------------------------------------------------------------------

def test_the_questions_box_holds_questions_for_approval_and_flags_possible_disclosures(store, programme):
    session = store.start_session(programme)
    plain = store.submit_question(session.code, "  What does   grooming mean? ")
    worrying = store.submit_question(session.code, "I\u2019m 13 and he\u2019s 20, is that ok?")
    listed = session.questions()
    assert [(q["id"], q["text"], q["status"], q["flagged"]) for q in listed] == [
        (plain, "What does grooming mean?", "pending", False),
        (worrying, "I\u2019m 13 and he\u2019s 20, is that ok?", "pending", True)]
    assert listed[0]["created_at"].tzinfo is not None
    version = session.refresh().version
    store.set_question_status(plain, "approved")
    assert session.refresh().version == version + 1, "approving shows it on the projected screen"
    store.set_question_status(plain, "approved")
    assert session.refresh().version == version + 1, "approving again changes nothing"
    assert [q["id"] for q in session.questions(status="approved")] == [plain]
    store.set_question_status(worrying, "hidden")
    assert [q["id"] for q in session.questions(status="pending")] == []
    with pytest.raises(Invalid, match="unknown question status"):
        store.set_question_status(plain, "published")
    with pytest.raises(NotFound):
        store.set_question_status(10_000, "approved")


@pytest.mark.parametrize("text, flagged", [
    ("What does grooming mean?", False),
    ("What counts as exploitation?", False),
    ("He made me promise to keep it secret", True),
    ("I\u2019m scared of him", True),  # a phone's curly apostrophe
    ("is self\u2013harm common", True),  # and its en dash
    ("Is it ok to have an OLDER   boyfriend", True),
    ("my friend goes to parties with older lads", True),
    # Invisible characters do not hide a word: inside it, or standing in for a space.
    ("he s\u200bent n\u00adu\u200dd\u200ces", True),
    ("I was\u200bhurt", True),
    ("\u202eem pleh", False),  # reversed on screen, but no listed word in what was typed
    ("he\u202e said its a secr\u0000et", True),
    ("\uff48\uff55\uff52\uff54", True),  # full-width letters
    ("What does grooming mean?\u200b", False),
])
def test_questions_that_may_be_disclosures_are_flagged(store, programme, text, flagged):
    session = store.start_session(programme)
    store.submit_question(session.code, text)
    (question,) = session.questions()
    assert question["flagged"] is flagged
    assert safeguarding.may_be_disclosure(text) is flagged


@pytest.mark.parametrize("text, stored", [
    ("Is it ok\u202e to keep\u200b a secret?", "Is it ok to keep a secret?"),
    ("a\u0000b\u0007c\u001bd", "abcd"),
    ("line one\nline two\r\n\tthree", "line one line two three"),
    ("\ufeffzero\u200cwidth\u2060joiner\u00adsoft", "zerowidthjoinersoft"),
    ("tag\U000e0041\U000e0042 characters", "tag characters"),
    ("emoji \U0001F469\u200d\U0001F467 family", "emoji \U0001F469\U0001F467 family"),
])
def test_questions_are_stored_without_control_or_format_characters(store, programme, text, stored):
    session = store.start_session(programme)
    store.submit_question(session.code, text)
    (question,) = session.questions()
    assert question["text"] == stored
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in question["text"])


@pytest.mark.parametrize("text, error, says", [
    ("", Invalid, "empty"), ("   \n ", Invalid, "empty"), ("x" * 281, Invalid, "at most 280 characters"),
    ("\u200b\u202e\u0000", Invalid, "empty"), ("x\u200b" * 141, Invalid, "at most 280 characters"),
    (42, Invalid, "a question is text")])
def test_the_questions_box_refuses_empty_and_over_long_questions(store, programme, text, error, says):
    session = store.start_session(programme)
    with pytest.raises(error, match=says):
        store.submit_question(session.code, text)
    assert session.questions() == []


def test_the_questions_box_is_shut_when_the_plan_has_none_or_the_session_ended(store, programme):
    def no_box(snap):
        snap["plan"]["settings"]["questions_box"] = False
    closed = store.start_session(changed(programme, no_box))
    with pytest.raises(Conflict, match="questions box is not open"):
        store.submit_question(closed.code, "Why?")
    ended = store.start_session(programme).end()
    with pytest.raises(Conflict, match="ended"):
        store.submit_question(ended.code, "Why?")


# -- what students can see ----------------------------------------------------------------

def _private_strings(programme) -> list[str]:
    out = []
    for card in programme.cards:
        out += [card["note"], *card["prompts"]]
    return out


def test_public_state_never_shows_notes_and_shows_answers_only_after_reveal(store, programme):
    session = store.start_session(programme, facilitator="R. Patel", organisation="Northfield")
    private = _private_strings(programme) + ["R. Patel", "Northfield"]
    poll_notes = [q["note"] for q in programme.polls["questions"] if q.get("note")]
    store.submit_question(session.code, "a question nobody approved")
    states = []

    def look(revealed: bool):
        state = store.public_state(session.code.lower())
        text = json.dumps(state)
        for secret in private + ["a question nobody approved", "token", "respondent"]:
            assert secret not in text, f"{secret!r} shown at {session!r}"
        if not revealed:
            for secret in poll_notes + ['"expected', '"answer', '"reveal"', '"model"', '"signs"']:
                assert secret not in text, f"{secret!r} shown before reveal at {session!r}"
            assert state["results"] is None
        states.append(state)
        return state

    look(False)
    session.next()
    while session.status == "running":
        act = session.current_activity
        look(False)
        if act.votes:
            session.open_voting()
            if act.kind == "card":
                store.record_response(session.code, "d", act.id, "healthy")
            look(False)
            session.close_voting()
            look(False)
            session.reveal()
            shown = look(True)["activity"]["reveal"]
            if act.kind == "card":
                assert shown["expected"] == programme.card(act.items[0])["expected"]
                assert states[-1]["results"] == {"healthy": 1}
        session.next()
    look(False)
    session.end()
    final = look(False)
    assert final["status"] == "ended" and final["activity"] is None
    assert final["help"]["resources"][0]["phone"] == "0800 1111"
    assert [s["version"] for s in states] == sorted(s["version"] for s in states)


# -- opening databases --------------------------------------------------------------------

@contextmanager
def plain_sqlite(path):
    """A sqlite3 connection that commits and is closed on leaving: sqlite3's own context
    manager only commits, and an open connection would checkpoint a WAL file whenever the
    garbage collector got to it, changing the file under the test."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_new_database_is_created_with_its_folder(tmp_path):
    path = tmp_path / "new" / "folder" / "toolkit.db"
    store = toolkit.open_store(f"sqlite:///{path}")
    store.close()
    with plain_sqlite(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        meta = dict(conn.execute("SELECT key, value FROM toolkit_meta"))
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert TOOLKIT_TABLES <= tables
    assert meta == {"app": "workshop-toolkit", "schema_version": str(SCHEMA_VERSION)}
    assert mode == "wal"


def test_the_default_database_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TOOLKIT_DB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    store = toolkit.open_store()
    store.close()
    assert store.url.endswith("env.db") and (tmp_path / "env.db").exists()


def _newer(path):
    Store(f"sqlite:///{path}").close()
    with plain_sqlite(path) as conn:
        conn.execute("UPDATE toolkit_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))


def _foreign(path):
    with plain_sqlite(path) as conn:
        conn.execute("CREATE TABLE pupils (name TEXT)")
        conn.execute("INSERT INTO pupils VALUES ('someone')")


def _other_app(path):
    with plain_sqlite(path) as conn:
        conn.execute("CREATE TABLE toolkit_meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO toolkit_meta VALUES ('app', 'gradebook'), ('schema_version', '1')")


def _corrupt(path):
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(8192)))


def _half_a_database(path):
    Store(f"sqlite:///{path}").close()
    with plain_sqlite(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    data = path.read_bytes()
    path.write_bytes(data[:100] + bytes(len(data) - 100))


@pytest.mark.parametrize("make, says", [
    (_newer, f"written by a newer toolkit (schema {SCHEMA_VERSION + 1}; this one knows up to {SCHEMA_VERSION})"),
    (_foreign, "is not a toolkit database (it holds tables: pupils)"),
    (_other_app, "belongs to another application ('gradebook')"),
    (_corrupt, "cannot read the database"),
    (_half_a_database, "cannot read the database"),
], ids=["newer", "foreign", "another-application", "random-bytes", "zeroed-pages"])
def test_a_database_that_is_not_ours_to_use_is_refused_and_left_untouched(tmp_path, make, says):
    path = tmp_path / "found.db"
    make(path)
    before, files = _digest(path), sorted(p.name for p in tmp_path.iterdir())
    assert files == ["found.db"]
    with pytest.raises(StoreError, match=r"(?s)" + says.replace("(", r"\(").replace(")", r"\)")) as caught:
        toolkit.open_store(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
    assert _digest(path) == before, "the file is byte-for-byte as it was"
    assert sorted(p.name for p in tmp_path.iterdir()) == files, "no journal or WAL files left behind"


def test_a_version_0_database_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    with plain_sqlite(path) as conn:  # what the first release wrote: only its notes about itself
        conn.execute("CREATE TABLE toolkit_meta (key VARCHAR(40) PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO toolkit_meta VALUES ('app', 'workshop-toolkit'), ('schema_version', '0')")
    store = Store(f"sqlite:///{path}")
    store.close()
    with plain_sqlite(path) as conn:
        assert dict(conn.execute("SELECT key, value FROM toolkit_meta")) == {
            "app": "workshop-toolkit", "schema_version": str(SCHEMA_VERSION)}
        assert TOOLKIT_TABLES <= {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_a_version_1_database_gains_answer_numbers_and_keeps_its_answers(store_url, programme):
    from sqlalchemy import create_engine, text

    from toolkit.errors import Stale
    store = Store(store_url)
    session = store.start_session(programme)
    session.next().next().open_voting()
    activity = session.current_activity.id
    store.record_response(session.code, "t" * 32, activity, "3")
    store.close()
    engine = create_engine(store_url)
    with engine.begin() as conn:  # as version 1 left it: answers without their tap's number
        conn.execute(text("ALTER TABLE responses DROP COLUMN seq"))
        conn.execute(text("UPDATE toolkit_meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()
    store = Store(store_url)
    assert list(store.responses(session.code)["value"]) == ["3"]
    assert store.record_response(session.code, "t" * 32, activity, "4", seq=2) is False
    with pytest.raises(Stale):
        store.record_response(session.code, "t" * 32, activity, "5", seq=1)
    assert list(store.responses(session.code)["value"]) == ["4"]
    store.close()


def test_a_version_3_database_gains_the_device_index_and_keeps_its_devices(store_url, programme):
    from sqlalchemy import create_engine, inspect, text
    store = Store(store_url)
    session = store.start_session(programme)
    _, number, _ = store.enrol(session.code, "t" * 32)
    store.close()
    engine = create_engine(store_url)
    with engine.begin() as conn:  # as version 3 left it: devices without the index by number
        conn.execute(text("DROP INDEX ix_devices_respondent"))
        conn.execute(text("UPDATE toolkit_meta SET value = '3' WHERE key = 'schema_version'"))
    store = Store(store_url)
    assert "ix_devices_respondent" in {i["name"] for i in inspect(store.engine).get_indexes("devices")}
    assert store.enrol(session.code, "t" * 32)[1:] == (number, False)
    assert store.enrol(session.code, "u" * 32)[2] is True and session.refresh().respondents == 2
    store.close()
    engine.dispose()


def _pg_execute(url: str, *statements):
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        return [conn.execute(s).fetchall() if s.lstrip().upper().startswith("SELECT") else conn.execute(s)
                for s in statements]


@pytest.mark.postgres
def test_postgresql_refuses_a_newer_or_foreign_schema_and_upgrades_an_old_one(pg_url):
    Store(pg_url).close()
    _pg_execute(pg_url, f"UPDATE toolkit_meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="written by a newer toolkit"):
        Store(pg_url)
    (rows,) = _pg_execute(pg_url, "SELECT value FROM toolkit_meta WHERE key = 'schema_version'")
    assert rows == [(str(SCHEMA_VERSION + 1),)]
    _pg_execute(pg_url, "DROP TABLE toolkit_meta, questions, responses, devices, sessions, snapshots",
                "CREATE TABLE pupils (name TEXT)")
    with pytest.raises(StoreError, match="not a toolkit database"):
        Store(pg_url)
    (rows,) = _pg_execute(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    assert rows == [("pupils",)]
    _pg_execute(pg_url, "DROP TABLE pupils",
                "CREATE TABLE toolkit_meta (key VARCHAR(40) PRIMARY KEY, value TEXT NOT NULL)",
                "INSERT INTO toolkit_meta VALUES ('app', 'workshop-toolkit'), ('schema_version', '0')")
    Store(pg_url).close()
    (rows,) = _pg_execute(pg_url, "SELECT value FROM toolkit_meta WHERE key = 'schema_version'")
    assert rows == [(str(SCHEMA_VERSION),)]


def test_several_processes_opening_one_new_database_at_once_all_succeed(store_url):
    # Threads with a Store each: separate connections, as separate server processes have.
    errors, barrier = [], threading.Barrier(4)

    def open_it():
        try:
            barrier.wait()
            Store(store_url).close()
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_lock_held_too_long_is_busy_not_a_database_error(tmp_path, programme, monkeypatch):
    # Answers take milliseconds; only something broken holds the write lock this long.
    monkeypatch.setattr("toolkit.store.engine.BUSY_TIMEOUT_MS", 100)
    store = Store(f"sqlite:///{tmp_path / 'busy.db'}")
    session = at(store.start_session(programme), ANA)
    blocker = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        for attempt in (lambda: store.record_response(session.code, "d", ANA, "healthy"),
                        lambda: store.join(session.code, "e"),
                        lambda: store.submit_question(session.code, "Why?")):
            with pytest.raises(Busy, match="try|again") as caught:
                attempt()
            assert caught.value.status == 503
        assert store.public_state(session.code)["voting_open"] is True, "reading still works"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.record_response(session.code, "d", ANA, "healthy") is True
    store.close()


def test_a_password_in_the_url_never_shows_in_messages():
    with pytest.raises(StoreError) as caught:
        Store("postgresql+psycopg://teacher:s3cret-pw@127.0.0.1:1/toolkit")
    assert "s3cret-pw" not in str(caught.value) and "teacher:***@" in str(caught.value)


@pytest.mark.parametrize("env, raw, says", [
    ("TOOLKIT_MIN_GROUP_SIZE", "five", "TOOLKIT_MIN_GROUP_SIZE must be a whole number, not 'five'"),
    ("TOOLKIT_MIN_GROUP_SIZE", "-1", "TOOLKIT_MIN_GROUP_SIZE cannot be '-1'"),
    ("TOOLKIT_REFRESH_SECONDS", "soon", "TOOLKIT_REFRESH_SECONDS must be a number, not 'soon'"),
    ("TOOLKIT_WATCH_INTERVAL", "inf", "TOOLKIT_WATCH_INTERVAL cannot be 'inf'"),
])
def test_settings_that_do_not_parse_are_named(monkeypatch, env, raw, says):
    monkeypatch.setenv(env, raw)
    name = next(s.name for s in config.SETTINGS if s.env == env)
    with pytest.raises(ConfigError, match=says):
        config.get(name)


def test_settings_come_from_the_environment_or_their_defaults(monkeypatch):
    monkeypatch.setenv("TOOLKIT_MIN_GROUP_SIZE", " 8 ")
    monkeypatch.setenv("TOOLKIT_REFRESH_SECONDS", "")
    assert config.get("min_group_size") == 8
    assert config.get("refresh_seconds") == 1.0
    monkeypatch.setenv("TOOLKIT_DB_URL", "sqlite:///elsewhere.db")
    assert config.db_url() == "sqlite:///elsewhere.db" and config.db_url("sqlite://") == "sqlite://"


def test_a_bad_url_is_a_store_error():
    with pytest.raises(StoreError, match="not a database URL"):
        Store("not a url")
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        Store("mysql://localhost/x")


# -- in memory ------------------------------------------------------------------------------

def test_an_in_memory_store_runs_a_session_shared_between_threads(programme):
    store = toolkit.open_store("sqlite://")
    try:
        session = at(store.start_session(programme), CONFIDENCE)
        errors = []

        def students(k: int):
            try:
                for i in range(25):
                    store.record_response(session.code, f"device-{k}-{i % 5}", CONFIDENCE, i % 5 + 1)
                    store.public_state(session.code)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

        threads = [threading.Thread(target=students, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(store.responses(code=session.code)) == 20
        session.end()
        assert count(store, devices, session_id=session.id) == 0
    finally:
        store.close()


# -- ending while a phone joins ---------------------------------------------------------------

@pytest.mark.postgres
def test_a_phone_joining_as_the_session_ends_leaves_no_device_link(pg_url, programme, monkeypatch):
    """The join reads the session, the facilitator ends it, then the join writes: the
    write must see the end and refuse, or a device link would outlive the session."""
    from toolkit.store import answers

    store = Store(pg_url)
    session = store.start_session(programme)
    looked, go_on = threading.Event(), threading.Event()
    original = answers.respondent_for

    def pause_after_looking(conn, session_id, token):
        found = original(conn, session_id, token)
        if token == "late-phone":
            looked.set()
            assert go_on.wait(timeout=30)
        return found

    monkeypatch.setattr(answers, "respondent_for", pause_after_looking)
    outcome = {}

    def join():
        try:
            outcome["joined"] = store.join(session.code, "late-phone")
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcome["error"] = exc

    phone = threading.Thread(target=join)
    phone.start()
    assert looked.wait(timeout=30)
    session.end()
    go_on.set()
    phone.join(timeout=30)
    assert isinstance(outcome.get("error"), Conflict), outcome
    assert count(store, devices, session_id=session.id) == 0
    store.close()


def test_a_revealed_activity_stays_revealed_when_the_facilitator_comes_back(store, programme):
    session = store.start_session(programme)
    session.next()
    while not session.current_activity.votes:
        session.next()
    session.open_voting().reveal()
    session.next()
    assert not session.revealed
    session.previous()
    assert session.revealed and not session.voting_open  # not "voting closed"
    assert store.public_state(session.code)["revealed"] is True
    session.open_voting()  # voting again takes the reveal back
    session.next().previous()
    assert not session.revealed


def test_questions_keep_where_the_session_was_and_leave_the_screen_when_it_moves(store, programme):
    session = store.start_session(programme)
    first = store.submit_question(session.code, "Asked in the lobby")
    session.next()
    second = store.submit_question(session.code, "Asked during the first activity")
    store.set_question_status(first, "approved")
    store.set_question_status(second, "hidden")
    rows = {q["id"]: q for q in session.questions()}
    assert rows[first]["on_screen"] == "lobby" and rows[second]["on_screen"] == session.activities[0].id
    version = session.refresh().version
    session.next()
    assert {q["id"]: q["status"] for q in session.questions()} == {first: "shown", second: "hidden"}
    assert session.version == version + 1  # one move, one bump
    store.set_question_status(second, "pending")  # nothing hidden is lost: it can come back
    assert {q["id"]: q["status"] for q in session.questions()}[second] == "pending"
    assert {q["text"] for q in session.questions()} == {"Asked in the lobby", "Asked during the first activity"}


def test_a_version_2_database_gains_reveals_and_where_questions_came(tmp_path, programme):
    from sqlalchemy import create_engine, text
    url = f"sqlite:///{tmp_path / 'v2.db'}"
    store = Store(url)
    session = store.start_session(programme)
    asked = store.submit_question(session.code, "Kept through the upgrade")
    store.close()
    engine = create_engine(url)
    with engine.begin() as conn:  # as version 2 left it
        conn.execute(text("ALTER TABLE sessions DROP COLUMN revealed_ids"))
        conn.execute(text("ALTER TABLE questions DROP COLUMN on_screen"))
        conn.execute(text("UPDATE toolkit_meta SET value = '2' WHERE key = 'schema_version'"))
    engine.dispose()
    store = Store(url)
    session = store.find_session(session.code)
    assert [(q["id"], q["on_screen"]) for q in session.questions()] == [(asked, None)]
    session.next()
    while not session.current_activity.votes:
        session.next()
    session.open_voting().reveal().next().previous()
    assert session.revealed
    store.close()
