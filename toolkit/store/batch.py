"""Group commit: a hall's answers and joins written many to a transaction.

A class answers in bursts: hundreds of phones within a second or two. Written one
transaction each, every answer pays for its own BEGIN, session read, COMMIT (and on SQLite
the one write lock), and the server's threads queue for that lock. ``AnswerQueue`` holds
answers in memory only until a single writer thread takes everything waiting and writes
it in one transaction: one session read, one look-up of the devices and of their earlier
answers, one multi-row INSERT. Nobody waits for a timer: under a trickle each answer is a
batch of one; under a burst the batch is whatever arrived while the last one was written.

Nothing is acknowledged before it is committed: each answer's outcome (first answer, a
change, or the error that refused it) is handed back only after COMMIT. If the batch's
transaction fails (a lock timeout, PostgreSQL undoing it, another server inserting the
same answer at the same moment) every answer in it is written again on its own through
``answers.record``, so one bad neighbour never costs another its answer.

Joins take the same road (``PendingJoin``): a hall's phones join within seconds, and a
transaction of its own per phone (BEGIN, the session read, the device's look-up, a number
drawn, COMMIT, a thread hand-off each) cost more than the rest of a join. In a batch a
session's joins share one read, one look-up of their devices, one count update, one
draw of numbers and one multi-row INSERT; each phone is told its number only after
COMMIT, and a refused batch falls back to ``answers.join`` one phone at a time.

Answers to an activity whose results phones see live (``show_results_live``, or after the
reveal) move the session's version, so every server's watcher sends the new counts: at
most once per ``BUMP_EVERY`` seconds per session, in a transaction of its own after the
answers' commit (never while the answers hold the session's row).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from sqlalchemy import bindparam, select, update

from ..errors import Busy, Conflict, Invalid, NotFound, Stale, ToolkitError
from . import answers
from .codes import normalise
from .schema import devices, responses, sessions
from .session import now

log = logging.getLogger(__name__)

# Results seen live move the session's version at most this often: phones' result views
# stay within a second of the answers (the watcher's poll adds its interval) while a burst
# of 500 answers a second rebuilds and sends the counts twice a second, not 500 times.
BUMP_EVERY = 0.5
# A batch larger than this is split: a transaction that holds the write lock for too long
# would make the facilitator's "Close voting" wait behind it.
MAX_BATCH = 500

_KNOWN = select(devices.c.token_hash, devices.c.respondent).where(
    devices.c.session_id == bindparam("session_id"), devices.c.token_hash.in_(bindparam("hashes", expanding=True)))
_EARLIER = select(responses.c.id, responses.c.respondent, responses.c.item_id).where(
    responses.c.session_id == bindparam("session_id"), responses.c.activity_id == bindparam("activity_id"),
    responses.c.respondent.in_(bindparam("respondents", expanding=True)))
# A device new to the session is counted in; the status test is part of the write (see
# ``answers.join``), and the update holds the session's row until commit, so no other
# writer draws the same numbers meanwhile.
_COUNT_IN = (update(sessions).where(sessions.c.id == bindparam("session_id"), sessions.c.status != "ended")
             .values(respondents=sessions.c.respondents + bindparam("added", type_=sessions.c.respondents.type))
             .returning(sessions.c.respondents))
_NUMBERS_TAKEN = select(devices.c.respondent).where(
    devices.c.session_id == bindparam("session_id"), devices.c.respondent.in_(bindparam("numbers", expanding=True)))
_BUMP = update(sessions).where(sessions.c.id == bindparam("session_id")).values(
    version=sessions.c.version + 1)


class Pending:
    """One answer waiting for the writer; ``done(first, error)`` is called once it is
    committed (``first``: True for a new answer, False for a change) or refused."""

    __slots__ = ("code", "token", "activity", "value", "item", "seq", "admit", "done", "_admitted")

    def __init__(self, code, token, activity, value, item, seq, admit, done):
        self.code, self.token, self.activity, self.value = code, token, str(activity), value
        self.item, self.seq, self.admit, self.done = item, seq, admit, done
        self._admitted = False

    def admit_once(self) -> None:
        """The per-address check for a new device, spent once even if the batch is written again."""
        if self.admit is not None and not self._admitted:
            self.admit()
        self._admitted = True


class PendingJoin:
    """One device waiting to join; ``done((row, respondent, new), error)`` once committed or
    refused, as ``answers.join`` returns or raises."""

    __slots__ = ("code", "token", "admit", "done", "_admitted")

    admit_once = Pending.admit_once

    def __init__(self, code, token, admit, done):
        self.code, self.token, self.admit, self.done = code, token, admit, done
        self._admitted = False


class AnswerQueue:
    """Answers and joins waiting to be written, and the one thread that writes them."""

    def __init__(self, engine, programme_for):
        self.engine = engine
        self.programme_for = programme_for
        self._waiting: deque[Pending] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._bumped: dict[str, float] = {}  # session id -> when its version last moved for results
        self._owed: dict[str, float] = {}  # session id -> when a results bump falls due
        self.batches = 0  # how many transactions wrote answers and joins (tests and benchmarks read it)

    def put(self, pending: Pending | PendingJoin) -> None:
        with self._cond:
            if self._closed:
                raise Busy("the server is stopping: send that again in a moment")
            self._waiting.append(pending)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="toolkit-answers", daemon=True)
                self._thread.start()
            self._cond.notify()

    def close(self, timeout: float = 30.0) -> None:
        """Write what is waiting, then stop the writer."""
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # -- the writer thread -----------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._closed:
                    due = min(self._owed.values(), default=None)
                    if due is not None and due <= time.monotonic():
                        break
                    self._cond.wait(None if due is None else max(0.0, due - time.monotonic()))
                batch = [self._waiting.popleft() for _ in range(min(len(self._waiting), MAX_BATCH))]
                closing = self._closed and not self._waiting
            if batch:
                self._write(batch)
            self._pay_bumps()
            if closing:
                return

    def _write(self, batch: list[Pending]) -> None:
        try:
            outcomes, shown = self._write_together(batch)
        except Exception as exc:  # the transaction was undone: each answer and join on its own
            log.info("toolkit: a batch of %d answers and joins was written one by one (%s)", len(batch),
                     type(exc).__name__)
            outcomes, shown = [self._write_alone(p) for p in batch], set()
        self.batches += 1
        for pending, (first, error) in zip(batch, outcomes):
            try:
                pending.done(first, error)
            except Exception:  # a caller's callback must not stop the writer
                log.exception("toolkit: handing back an answer's outcome failed")
        stamp = time.monotonic()
        for session_id in shown:
            self._owed.setdefault(session_id, max(stamp, self._bumped.get(session_id, 0.0) + BUMP_EVERY))

    def _write_alone(self, p: Pending | PendingJoin):
        try:
            if isinstance(p, PendingJoin):
                return answers.join(self.engine, p.code, p.token, p.admit_once), None
            first = answers.record(self.engine, self.programme_for, p.code, p.token, p.activity, p.value, p.item,
                                   p.seq, p.admit_once)
            return first, None
        except Exception as exc:
            return None, exc

    def _write_together(self, batch: list[Pending | PendingJoin]):
        outcomes: list = [None] * len(batch)
        shown: set[str] = set()
        by_code: dict[str, tuple[list[int], list[int]]] = {}  # code -> (its joins, its answers)
        for i, p in enumerate(batch):
            by_code.setdefault(normalise(p.code), ([], []))[isinstance(p, Pending)].append(i)
        stamp = answers.to_the_minute(now())
        with self.engine.begin() as conn:
            rows: list[dict] = []
            for code, (joins, indexes) in by_code.items():
                # Joins first: a device that joins and answers in one batch is then known.
                if joins:
                    _enrol_session(conn, code, [batch[i] for i in joins], outcomes, joins)
                if not indexes:
                    continue
                live = _write_session(conn, self.programme_for, code, [batch[i] for i in indexes], stamp, rows,
                                      outcomes, indexes)
                if live is not None:
                    shown.add(live)
            if rows:
                conn.execute(answers.INSERT, rows)
        return [o if o is not None else (None, RuntimeError("not written")) for o in outcomes], shown

    def _pay_bumps(self) -> None:
        stamp = time.monotonic()
        due = [s for s, t in self._owed.items() if t <= stamp]
        if not due:
            return
        try:
            with self.engine.begin() as conn:
                for session_id in due:
                    conn.execute(_BUMP, {"session_id": session_id})
        except Exception:  # the next answers try again; the counts are in the store meanwhile
            log.warning("toolkit: could not move the version for live results; trying again", exc_info=True)
            for session_id in due:
                self._owed[session_id] = stamp + BUMP_EVERY
            return
        for session_id in due:
            del self._owed[session_id]
            self._bumped[session_id] = stamp
        if len(self._bumped) > 1000:  # sessions long over
            for session_id in [s for s, t in self._bumped.items() if t < stamp - 60]:
                del self._bumped[session_id]


def _write_session(conn, programme_for, code: str, items: list[Pending], stamp, rows: list, outcomes: list,
                   indexes: list[int]) -> str | None:
    """Write one session's answers of a batch in ``conn``: new answers go into ``rows`` for
    the batch's one INSERT, changes are written at once. Each answer's outcome goes into
    ``outcomes`` at its index. The session's id when an answer was written that phones see
    live (its version must move), else None."""
    def refuse_all(error):
        for i in indexes:
            outcomes[i] = (None, error)
        return None

    try:
        row = answers.live_row(conn, code, lock=True)
    except NotFound as exc:
        return refuse_all(exc)
    if row.status == "ended":
        return refuse_all(Conflict("this session has ended: answers are closed"))
    programme = programme_for(row.snapshot_id, conn)
    # What each answer would store, or why it is refused; checked as answers.record does.
    fit: list[tuple[int, Pending, object, str, str]] = []
    for i, p in zip(indexes, items):
        try:
            if not programme.has_activity(p.activity):
                raise Invalid(f"no activity {p.activity!r} in this session")
            activity = programme.activity(p.activity)
            if row.status != "running" or row.current_index != activity.index:
                raise Conflict("that question is not on screen any more")
            if not row.voting_open:
                raise Conflict("voting is closed for this question")
            item_id, stored = programme.normalise(activity, p.value, p.item)
        except ToolkitError as exc:
            outcomes[i] = (None, exc)
            continue
        fit.append((i, p, activity, item_id, stored))
    if not fit:
        return None
    activity = fit[0][2]  # only the activity on screen can take answers
    # Devices: one look-up for the batch; new ones join here, in this transaction.
    hashes = {p.token: answers.token_hash(row.id, p.token) for _, p, *_ in fit}
    known = dict(conn.execute(_KNOWN, {"session_id": row.id, "hashes": sorted(set(hashes.values()))}).all())
    respondent: dict[str, int] = {}
    ready = []
    for entry in fit:
        i, p = entry[0], entry[1]
        number = known.get(hashes[p.token])
        if number is None:
            try:
                p.admit_once()
                number = _add_devices(conn, row.id, [hashes[p.token]])[0]
            except ToolkitError as exc:
                outcomes[i] = (None, exc)
                continue
            known[hashes[p.token]] = number
        respondent[p.token] = number
        ready.append(entry)
    if not ready:
        return None
    earlier = {(r.respondent, r.item_id): r.id for r in conn.execute(_EARLIER, {
        "session_id": row.id, "activity_id": activity.id, "respondents": sorted(set(respondent.values()))})}
    new: dict[tuple[int, str], dict] = {}  # this batch's first answers, until the INSERT
    for i, p, _, item_id, stored in ready:
        key = (respondent[p.token], item_id)
        try:
            if key in new:
                _change_new(new[key], stored, p.seq)
                outcomes[i] = (False, None)
            elif key in earlier:
                answers.change(conn, earlier[key], stored, p.seq, stamp)
                outcomes[i] = (False, None)
            else:
                new[key] = {"session_id": row.id, "activity_id": activity.id, "item_id": item_id,
                            "phase": activity.phase, "respondent": key[0], "value": stored,
                            "created_at": stamp, "updated_at": stamp, "seq": p.seq}
                outcomes[i] = (True, None)
        except Stale as exc:
            outcomes[i] = (None, exc)
    rows.extend(new.values())
    shows = bool(activity.votes and activity.kind != "sort"
                 and (row.revealed or programme.settings.get("show_results_live")))
    written = any(outcomes[i][1] is None for i, *_ in ready)
    return row.id if shows and written else None


def _change_new(row: dict, stored: str, seq: int | None) -> None:
    """A second answer to the same item in one batch, before its first is inserted: the
    same rule as ``answers.change`` (a numbered answer below the one held is refused)."""
    if seq is None:
        row["value"] = stored
        return
    if row["seq"] is not None and row["seq"] > seq:
        later = row["seq"]
        raise Stale(f"this device already sent a later answer (seq {later}) for this; send seq {later + 1} or "
                    "higher to change it", seq=later)
    row["value"], row["seq"] = stored, seq


def _enrol_session(conn, code: str, items: list[PendingJoin], outcomes: list, indexes: list[int]) -> None:
    """Register one session's joining devices of a batch in ``conn``, as ``answers.join``
    does each: ``outcomes[i]`` is ((row, respondent, new), None) or (None, error)."""
    def refuse_all(error):
        for i in indexes:
            outcomes[i] = (None, error)
    try:
        row = answers.live_row(conn, code)
    except NotFound as exc:
        return refuse_all(exc)
    if row.status == "ended":
        return refuse_all(Conflict("this session has ended"))
    hashes = [answers.token_hash(row.id, p.token) for p in items]
    known = dict(conn.execute(_KNOWN, {"session_id": row.id, "hashes": sorted(set(hashes))}).all())
    fresh: dict[str, int] = {}  # hash of a device new to the session -> index of its first join
    for i, p, hashed in zip(indexes, items, hashes):
        if hashed in known or hashed in fresh:
            continue
        try:
            p.admit_once()
        except ToolkitError as exc:
            outcomes[i] = (None, exc)
            continue
        fresh[hashed] = i
    if fresh:
        try:
            numbers = _add_devices(conn, row.id, list(fresh))
        except Conflict as exc:  # ended since the read above
            for i in fresh.values():
                outcomes[i] = (None, exc)
            fresh = {}
            numbers = []
        known.update(zip(fresh, numbers))
    for i, hashed in zip(indexes, hashes):
        if outcomes[i] is None and hashed in known:
            # The same device twice in one batch: the second is told it was known, as it would
            # be one at a time.
            outcomes[i] = ((row, known[hashed], fresh.get(hashed) == i), None)


def _add_devices(conn, session_id: str, hashes: list[str]) -> list[int]:
    """Register devices new to a session in ``conn``'s transaction: their respondent numbers,
    in order, each drawn at random from those the session has not given out (Conflict if
    the session has ended)."""
    if conn.execute(_COUNT_IN, {"session_id": session_id, "added": len(hashes)}).scalar() is None:
        raise Conflict("this session has ended")
    numbers: list[int] = []  # in the order drawn, so which device gets which stays random
    while len(numbers) < len(hashes):
        draw = [answers.draw_number() for _ in range(len(hashes) - len(numbers))]
        taken = set(conn.execute(_NUMBERS_TAKEN, {"session_id": session_id, "numbers": sorted(set(draw))}).scalars())
        for number in draw:
            if number not in taken and number not in numbers:
                numbers.append(number)
    rows = [{"session_id": session_id, "token_hash": hashed, "respondent": number}
            for hashed, number in zip(hashes, numbers)]
    conn.execute(answers.INSERT_DEVICE, rows if len(rows) > 1 else rows[0])
    return numbers
