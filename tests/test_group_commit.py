"""Group commit (``Store.queue_response``, ``Store.queue_join``): a hall's answers and joins written many to a
transaction, each acknowledged only once committed, with the same outcomes as one at a time; on a
SQLite file and on PostgreSQL. Several processes and a killed server: test_concurrency.py
and test_crash_recovery.py (whose phones go through the server's queue)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from toolkit.content import Programme
from toolkit.errors import Conflict, NotFound, Stale, TooManyRequests
from toolkit.store import Store, batch
from toolkit.store.answers import token_hash
from toolkit.store.engine import reading
from toolkit.store.schema import devices, responses


class Outcomes:
    """What each queued answer was told, in the order they were queued."""

    def __init__(self):
        self.got: dict[int, tuple] = {}
        self._all = threading.Condition()

    def done_for(self, n: int):
        def done(first, error):
            with self._all:
                self.got[n] = (first, error)
                self._all.notify_all()
        return done

    def wait(self, count: int) -> list[tuple]:
        with self._all:
            assert self._all.wait_for(lambda: len(self.got) >= count, timeout=30), f"{len(self.got)} of {count}"
        return [self.got[n] for n in range(count)]


def queue_all(store, code, answers, admit=None) -> list[tuple]:
    """Queue (token, activity, value, item, seq) answers while the writer is held, so they
    are written together; their outcomes in order."""
    out = Outcomes()
    with hold_writer(store):
        for n, (token, activity, value, item, seq) in enumerate(answers):
            store.queue_response(code, token, activity, value, item, seq, admit, done=out.done_for(n))
    return out.wait(len(answers))


class hold_writer:
    """Keep the writer from taking a batch until the block ends: it waits for the queue's
    lock (a re-entrant one, so this thread can still queue answers)."""

    def __init__(self, store):
        self.store = store

    def __enter__(self):
        self.cond = self.store._answers._cond
        self.cond.acquire()

    def __exit__(self, *exc):
        self.cond.release()


def rows_of(store, session_id):
    with reading(store.engine) as conn:
        return conn.execute(select(responses.c.item_id, responses.c.respondent, responses.c.value, responses.c.seq)
                            .where(responses.c.session_id == session_id)).all()


def open_card(store, programme):
    session = store.start_session(programme)
    card = next(a for a in session.activities if a.kind == "card")
    session.go_to(card.index)
    session.open_voting()
    return session, card


def test_a_burst_is_one_transaction_with_each_answer_told_what_happened(store, programme):
    session, card = open_card(store, programme)
    before = store.answer_batches
    phones = [f"phone-{i}" for i in range(60)]
    sends = [(t, card.id, "healthy", None, 1) for t in phones]
    sends += [(phones[0], card.id, "warning", None, 2),     # a change, in the same batch as its first
              (phones[1], card.id, "warning", None, 0),     # numbered below the one held: the later tap stays
              (phones[2], "no-such-activity", "healthy", None, None),
              (phones[3], card.id, "not-an-option", None, None)]
    got = queue_all(store, session.code, sends)
    assert store.answer_batches - before == 1, "one transaction for the whole burst"
    assert [g[0] for g in got[:60]] == [True] * 60
    assert got[60] == (False, None)
    assert isinstance(got[61][1], Stale) and got[61][1].seq == 1
    assert got[62][1].status == 422 and got[63][1].status == 422
    rows = rows_of(store, session.id)
    assert len(rows) == 60 and len({r.respondent for r in rows}) == 60, "one row and one number per phone"
    values = {store.my_answers(session.code, t, card.id)[card.items[0]] for t in phones[1:]}
    assert values == {"healthy"}
    assert store.my_answers(session.code, phones[0], card.id) == {card.items[0]: "warning"}
    assert session.refresh().respondents == 60, "each phone joined with its first answer"

    # A second burst changes them all: 200s, one row each still.
    got = queue_all(store, session.code, [(t, card.id, "warning", None, 3) for t in phones])
    assert got == [(False, None)] * 60
    assert len(rows_of(store, session.id)) == 60


def test_one_refusal_costs_no_other_answer(store, programme):
    session, card = open_card(store, programme)
    refused = {"new-2"}

    def admit_for(token):
        def admit():
            if token in refused:
                raise TooManyRequests("too many new devices")
        return admit
    out = Outcomes()
    with hold_writer(store):
        for n, token in enumerate(["new-1", "new-2", "new-3"]):
            store.queue_response(session.code, token, card.id, "healthy", admit=admit_for(token),
                                 done=out.done_for(n))
    got = out.wait(3)
    assert got[0] == (True, None) and got[2] == (True, None)
    assert isinstance(got[1][1], TooManyRequests)
    assert session.refresh().respondents == 2

    session.close_voting()
    got = queue_all(store, session.code, [("new-1", card.id, "warning", None, None)])
    assert isinstance(got[0][1], Conflict), "voting closed: refused, nothing changed"
    assert store.my_answers(session.code, "new-1", card.id) == {card.items[0]: "healthy"}


def test_a_batch_the_database_refuses_is_written_one_by_one(store, programme, monkeypatch):
    """Whatever undoes the batch's transaction (a lock timeout, a deadlock, another server's
    insert of the same answer), each answer is written again on its own: none lost, none
    doubled, each new device admitted once."""
    session, card = open_card(store, programme)
    real = batch._write_session
    calls = []

    def fails_once(*args):
        calls.append(1)
        found = real(*args)  # every answer written in the transaction...
        if len(calls) == 1:
            raise RuntimeError("the database undid the transaction")  # ...which never commits
        return found
    monkeypatch.setattr(batch, "_write_session", fails_once)
    admitted = []
    tokens = [f"p{i}" for i in range(10)]
    out = Outcomes()
    with hold_writer(store):
        for n, token in enumerate(tokens):
            store.queue_response(session.code, token, card.id, "healthy", admit=lambda t=token: admitted.append(t),
                                 done=out.done_for(n))
    assert out.wait(10) == [(True, None)] * 10
    assert sorted(admitted) == sorted(tokens)
    rows = rows_of(store, session.id)
    assert len(rows) == 10 and session.refresh().respondents == 10


def test_close_writes_what_is_waiting(store_url, programme):
    store = Store(store_url)
    session, card = open_card(store, programme)
    out = Outcomes()
    with hold_writer(store):
        for n in range(25):
            store.queue_response(session.code, f"phone-{n}", card.id, "healthy", done=out.done_for(n))
    store.close()
    assert out.wait(25) == [(True, None)] * 25
    again = Store(store_url)
    assert len(rows_of(again, session.id)) == 25
    again.close()


def live_results(programme) -> Programme:
    snapshot = programme.snapshot()
    snapshot["plan"] = {**snapshot["plan"], "settings": {**snapshot["plan"]["settings"], "show_results_live": True}}
    return Programme.from_snapshot(snapshot)


def test_answers_move_the_version_only_where_results_are_live(store, programme, monkeypatch):
    monkeypatch.setattr(batch, "BUMP_EVERY", 0.2)
    for shown, plan in ((True, live_results(programme)), (False, programme)):
        session, card = open_card(store, plan)
        version = session.refresh().version
        t0 = time.monotonic()
        queue_all(store, session.code, [(f"p{i}", card.id, "healthy", None, None) for i in range(5)])
        deadline = time.monotonic() + 2
        while session.refresh().version == version and time.monotonic() < deadline:
            time.sleep(0.02)
        moved = session.version != version
        assert moved is shown, (shown, session.version, version)
        if shown:
            assert time.monotonic() - t0 < 1.0
            assert store.public_state(session.code)["results"] == {"healthy": 5}
            # A burst moves it once per interval, not once per answer.
            version = session.version
            for burst in range(3):
                queue_all(store, session.code, [(f"q{burst}-{i}", card.id, "warning", None, None) for i in range(5)])
            time.sleep(0.5)
            assert 1 <= session.refresh().version - version <= 3
            assert store.public_state(session.code)["results"] == {"healthy": 5, "warning": 15}


def test_a_killed_process_loses_no_acknowledged_answer(store_url, programme):
    """Two processes answer through group commit, a hundred answers a batch, and are killed
    outright (SIGKILL: no flush, no goodbye) mid-stream: every answer they were told was
    stored is there once, with the value of its last acknowledged round or of the one
    in flight."""

    from support.crowd import answer_until_killed
    store = Store(store_url)
    session = store.start_session(programme)
    sort = next(a for a in session.activities if a.kind == "sort")
    session.go_to(sort.index)
    session.open_voting()
    options = [o if isinstance(o, str) else o["id"] for o in (store.public_state(session.code)["activity"]
                                                              .get("options") or [])]
    # Several rounds from both, then killed wherever they are.
    got = acknowledged_until_killed(answer_until_killed, lambda n, pipe: (store_url, session.code, n, sort.id,
                                                                          sort.items, options, pipe), 600)
    assert len(got) >= 600, f"only {len(got)} answers acknowledged before the kill"
    last = {}
    for token, item, rnd, new in got:
        assert new is (rnd == 0), (token, item, rnd, new)
        last[(token, item)] = max(rnd, last.get((token, item), -1))
    store.close()
    again = Store(store_url)
    stored = {}
    for token in {t for t, _ in last}:
        for item, value in again.my_answers(session.code, token, sort.id).items():
            stored[(token, item)] = value
    for key, rnd in last.items():
        assert stored.get(key) in (options[rnd % len(options)], options[(rnd + 1) % len(options)]), key
    rows = rows_of(again, session.id)
    assert len(rows) == len({(r.respondent, r.item_id) for r in rows}), "no answer twice"
    assert len({r.respondent for r in rows}) == again.session(session.id).respondents, "no device counted twice"
    assert len({t for t, _ in stored}) == 20
    again.close()


# -- joins --------------------------------------------------------------------------------
def devices_of(store, session_id) -> dict[str, int]:
    with reading(store.engine) as conn:
        return dict(conn.execute(select(devices.c.token_hash, devices.c.respondent)
                                 .where(devices.c.session_id == session_id)).all())


def join_all(store, code, tokens, admit_for=None, on_done=None) -> list[tuple]:
    """Queue joins while the writer is held, so they are written together; their outcomes."""
    out = Outcomes()

    def done_for(n):
        record = out.done_for(n)

        def done(result, error):
            if on_done is not None:
                on_done(n, result, error)
            record(result, error)
        return done
    with hold_writer(store):
        for n, token in enumerate(tokens):
            store.queue_join(code, token, admit_for(token) if admit_for else None, done=done_for(n))
    return out.wait(len(tokens))


def test_a_burst_of_joins_is_one_transaction_each_told_only_after_commit(store, programme):
    session, card = open_card(store, programme)
    store.join(session.code, "known-before")
    before = store.answer_batches
    tokens = [f"phone-{i}" for i in range(40)] + ["phone-0", "known-before"]
    seen = {}

    def on_done(n, result, error):
        # Told from the writer's thread: by then another connection must see the device.
        seen[n] = token_hash(session.id, tokens[n]) in devices_of(store, session.id)
    got = join_all(store, session.code, tokens, on_done=on_done)
    assert store.answer_batches - before == 1, "one transaction for the whole burst"
    assert all(error is None for _, error in got)
    assert all(seen.values()) and len(seen) == len(tokens), "each phone told only once its device is committed"
    numbers = [result[1] for result, _ in got]
    assert [result[2] for result, _ in got] == [True] * 40 + [False, False]
    assert numbers[40] == numbers[0], "the same device twice in a batch: one number"
    assert numbers[41] == store.join(session.code, "known-before")[1]
    assert len(set(numbers[:40])) == 40 and all(100_000 <= n <= 999_999 for n in numbers)
    assert all(result[0].id == session.id and result[0].code == session.code for result, _ in got)
    assert session.refresh().respondents == 41
    stored = devices_of(store, session.id)
    assert len(stored) == 41 and sorted(stored.values()) == sorted(set(numbers))
    # Numbers are drawn at random, not handed out in the order of joining.
    assert numbers[:40] != sorted(numbers[:40])

    # Joined devices answer as themselves: no second registration.
    got = queue_all(store, session.code, [(t, card.id, "healthy", None, None) for t in tokens[:40]])
    assert got == [(True, None)] * 40 and session.refresh().respondents == 41


def test_joins_are_refused_as_one_at_a_time(store, programme):
    session, _ = open_card(store, programme)
    got = join_all(store, session.code, ["a", "b", "c"], admit_for=lambda t: _refuse if t == "b" else None)
    assert got[0][0][2] is True and got[2][0][2] is True
    assert isinstance(got[1][1], TooManyRequests) and session.refresh().respondents == 2
    assert isinstance(join_all(store, "ZZZZZZ", ["a"])[0][1], NotFound)
    session.end()
    assert isinstance(join_all(store, session.code, ["a", "new"])[0][1], Conflict)


def _refuse():
    raise TooManyRequests("too many new devices")


def test_a_refused_batch_of_joins_is_written_one_by_one(store, programme, monkeypatch):
    session, _ = open_card(store, programme)
    real = batch._enrol_session
    calls = []

    def fails_once(*args):
        calls.append(1)
        real(*args)  # every device written in the transaction...
        if len(calls) == 1:
            raise RuntimeError("the database undid the transaction")  # ...which never commits
    monkeypatch.setattr(batch, "_enrol_session", fails_once)
    admitted = []
    tokens = [f"p{i}" for i in range(10)]
    got = join_all(store, session.code, tokens + ["p0"], admit_for=lambda t: lambda: admitted.append(t))
    assert all(error is None for _, error in got) and len(calls) == 1
    assert [result[2] for result, _ in got] == [True] * 10 + [False]
    assert sorted(admitted) == sorted(tokens), "each new device admitted once"
    assert session.refresh().respondents == 10 and len(devices_of(store, session.id)) == 10
    assert got[10][0][1] == got[0][0][1]


def test_a_killed_process_loses_no_acknowledged_join(store_url, programme):
    """Two processes join devices through group commit and are killed outright mid-stream:
    every device they were told was registered is there with the number it was told, and
    the session counts each device once."""

    from support.crowd import join_until_killed
    store = Store(store_url)
    session = store.start_session(programme)
    got = acknowledged_until_killed(join_until_killed, lambda n, pipe: (store_url, session.code, n, pipe), 500)
    assert len(got) >= 500, f"only {len(got)} joins acknowledged before the kill"
    assert all(new for *_, new in got)
    store.close()
    again = Store(store_url)
    stored = devices_of(again, session.id)
    for token, number, _ in got:
        assert stored.get(token_hash(session.id, token)) == number, token
    assert len(set(stored.values())) == len(stored), "no number twice"
    assert again.session(session.id).respondents == len(stored), "every device counted once"
    again.close()


def acknowledged_until_killed(target, args_for, at_least: int) -> list:
    """Two processes running ``target(*args_for(n, pipe))``, each sending what it was told is
    committed down its pipe, SIGKILLed once both have sent and ``at_least`` arrived (or after
    a minute); everything they sent before they died."""
    import multiprocessing
    from multiprocessing import connection as mp_connection
    ctx = multiprocessing.get_context("spawn")
    pipes = [ctx.Pipe(duplex=False) for _ in range(2)]
    workers = [ctx.Process(target=target, args=args_for(n, pipes[n][1]), daemon=True) for n in range(2)]
    for w in workers:
        w.start()
    got = []

    def read(wait: float) -> bool:
        ready = mp_connection.wait([r for r, _ in pipes], timeout=wait)
        for r in ready:
            try:
                got.extend(r.recv())
            except EOFError:
                pass
        return bool(ready)
    deadline = time.monotonic() + 60
    while (len(got) < at_least or len({t.split("-")[1] for t, *_ in got}) < 2) and time.monotonic() < deadline:
        read(5)
    for w in workers:
        w.kill()
        w.join(10)
    while read(0.5):
        pass
    return got
