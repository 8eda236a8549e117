"""Many phones answering through several processes while the facilitator moves the session
on: every answer a phone was told was recorded is in the database exactly once.

Worker processes (spawned, each with its own engine and connections, like separate
servers) answer whatever is on screen. The test process drives the session: go to an
activity, open voting, then close, reveal or move on while answers are in flight. On a
SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from support.crowd import Plan, Signals, answer_while_open
from toolkit.store import Store
from toolkit.store.engine import reading
from toolkit.store.schema import devices, responses

WORKERS = 4
DEADLINE = 60  # seconds any single wait may take before the test gives up


class Crowd:
    """Worker processes answering one session, and what they report."""

    def __init__(self, plans: list[Plan]):
        ctx = multiprocessing.get_context("spawn")
        self.signals = Signals(voting=ctx.Event(), progress=ctx.Value("i", 0, lock=False),
                               finished=ctx.Value("i", 0, lock=False), progressed=ctx.Condition(),
                               results=ctx.Queue(), start=ctx.Barrier(len(plans)))
        self.processes = [ctx.Process(target=answer_while_open, args=(plan, self.signals), daemon=True)
                          for plan in plans]
        self.reports: list[dict] = []

    def __enter__(self) -> "Crowd":
        for p in self.processes:
            p.start()
        return self

    def __exit__(self, *exc) -> None:
        self.signals.voting.set()  # let any worker still waiting run to its end
        for p in self.processes:
            p.join(timeout=DEADLINE)
            if p.is_alive():
                p.kill()

    @property
    def done(self) -> bool:
        return self.signals.finished.value == len(self.processes)

    def snapshot(self) -> tuple[int, bool]:
        with self.signals.progressed:
            return self.signals.progress.value, self.done

    def wait_for_answers(self, goal: int) -> None:
        with self.signals.progressed:
            assert self.signals.progressed.wait_for(lambda: self.signals.progress.value >= goal or self.done,
                                                    timeout=DEADLINE), "timed out waiting for answers"

    def collect(self) -> list[tuple]:
        """Every acknowledged answer (token, activity, item, value, new), after checking the reports."""
        try:
            while len(self.reports) < len(self.processes):
                self.reports.append(self.signals.results.get(timeout=DEADLINE))
        except queue.Empty:
            pytest.fail(f"only {len(self.reports)} of {len(self.processes)} workers reported")
        errors = [e for r in self.reports for e in r["errors"]]
        assert errors == [], "\n".join(errors)
        return [a for r in self.reports for a in r["acks"]]


def stored_rows(store, session_id: str) -> dict[tuple, list]:
    """{(activity, item, respondent): [value, …]} as the database holds them."""
    with reading(store.engine) as conn:
        rows = conn.execute(select(responses.c.activity_id, responses.c.item_id, responses.c.respondent,
                                   responses.c.value).where(responses.c.session_id == session_id)).all()
    out = defaultdict(list)
    for activity, item, respondent, value in rows:
        out[(activity, item, respondent)].append(value)
    return out


def check_exactly_once(store, session, acks: list[tuple], shared: bool) -> None:
    """Each acknowledged first answer made one row; each change made none; values are the phone's."""
    rows = stored_rows(store, session.id)
    assert all(len(values) == 1 for values in rows.values()), "one row per device and item"
    per_key = defaultdict(list)
    for token, act, item, value, _ in acks:  # each worker's answers in the order it sent them
        per_key[(token, act, item or _item_of(session, act))].append(value)
    firsts = Counter((token, act, item or _item_of(session, act)) for token, act, item, _, new in acks if new)
    assert len(rows) == len(per_key), "every answered item is stored, nothing invented"
    assert all(firsts[key] == 1 for key in per_key), "exactly one 'new' per device and item"
    for (token, act, item), values in per_key.items():
        (stored,) = [store.my_answers(session.code, token, act)[item]]
        # A device answering through several processes at once ends with one of its values;
        # through one process, with the last it was told was recorded.
        assert stored in values if shared else stored == values[-1], (token, act, item, values, stored)
    assert session.refresh().respondents == len({token for token, *_ in acks})


def minute(moment):
    return moment.replace(second=0, microsecond=0)


def _item_of(session, activity_id: str) -> str:
    return next(a.items[0] for a in session.activities if a.id == activity_id)


def test_answers_racing_the_facilitator_are_each_stored_exactly_once(store_url, programme):
    """4 processes x 200 answers while voting is opened and closed 20 times: two of them
    one answer at a time, two through group commit (eight at once, as a hall's server)."""
    store = Store(store_url)
    session = store.start_session(programme)
    votable = [a.index for a in session.activities if a.votes]
    plans = [Plan(store_url, session.code, n, target=200, tokens=[f"w{n}-d{i}" for i in range(6)],
                  group=8 if n % 2 else 1) for n in range(WORKERS)]
    turn, windows = 0, defaultdict(list)
    with Crowd(plans) as crowd:
        ends = [session.close_voting, session.reveal, session.next]
        while True:
            answered, done = crowd.snapshot()
            if done:
                break
            session.go_to(votable[turn % len(votable)])
            activity = session.open_voting().current_activity.id
            opened = session.updated_at
            crowd.signals.voting.set()
            crowd.wait_for_answers(answered + 20)
            ends[turn % len(ends)]()  # the phones keep sending until after this returns
            windows[activity].append((opened, session.updated_at))
            crowd.signals.voting.clear()
            turn += 1
        acks = crowd.collect()
    assert len(acks) == WORKERS * 200
    assert turn >= 10, "the session moved on many times while answers were arriving"
    check_exactly_once(store, session, acks, shared=False)

    # An answer is written holding the session row that opening and closing lock, so its
    # times fall inside one of its activity's open-voting windows (answer times are kept to
    # the minute, so: the minutes of one of them).
    with reading(store.engine) as conn:
        written = conn.execute(select(responses.c.activity_id, responses.c.created_at, responses.c.updated_at)
                               .where(responses.c.session_id == session.id)).all()
    for activity, created, updated in written:
        for stamp in (created, updated):
            assert stamp.second == 0 and stamp.microsecond == 0, stamp
            assert any(minute(start) <= stamp <= minute(end) for start, end in windows[activity]), (activity, stamp)

    kept = len(stored_rows(store, session.id))
    session.end()
    with reading(store.engine) as conn:
        assert conn.execute(select(func.count()).select_from(devices)
                            .where(devices.c.session_id == session.id)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(responses)
                            .where(responses.c.session_id == session.id)).scalar_one() == kept
    store.close()


def test_one_phone_answering_through_several_processes_at_once_is_one_respondent(store_url, programme):
    """4 processes send the same 40 devices' answers in the same order, so every device's
    first answer (and its joining) arrives four times at once; two of them through group
    commit, where a device joins in the batch's own transaction."""
    store = Store(store_url)
    session = store.start_session(programme)
    card = next(a for a in session.activities if a.kind == "card")
    session.go_to(card.index)
    session.open_voting()
    tokens = [f"phone-{i}" for i in range(40)]
    plans = [Plan(store_url, session.code, n, target=80, tokens=tokens, in_order=True, group=8 if n % 2 else 1)
             for n in range(WORKERS)]
    with Crowd(plans) as crowd:
        crowd.signals.voting.set()
        acks = crowd.collect()
    assert len(acks) == WORKERS * 80
    check_exactly_once(store, session, acks, shared=True)
    numbers = sorted(store.join(session.code, token)[1] for token in tokens)
    assert len(set(numbers)) == 40, "forty devices, forty respondent numbers"
    assert sorted(r for (_, _, r) in stored_rows(store, session.id)) == numbers, \
        "one row per device, under its own number: no device counted twice"
    store.close()
