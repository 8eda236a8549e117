"""The store: every session, answer and question, in SQLite or PostgreSQL.

``open_store(url)`` gives a ``Store``. The facilitator's dashboard, the student server
and any notebook meet only here: whatever one process writes, the others read.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .. import config
from ..content import Library, Programme, resolve_plan
from ..content.library import find_help
from ..content.models import Plan
from ..content.vocab import GROUP_LABELS
from ..errors import Conflict, Invalid, NotFound, StoreError
from . import answers, batch, bulk, bundles
from .codes import new_code, normalise
from .engine import make_engine, prepare, reading, verify
from .schema import questions, responses, sessions, snapshots
from .session import Session, now

# Read on every refresh and every live-state rebuild: built once.
# pending: waiting for the facilitator; approved: on the class's screen; shown: was on it;
# hidden: never shown. Every one keeps its words for the facilitator's private list.
QUESTION_STATUSES = ("pending", "approved", "shown", "hidden")
_BY_ID = select(sessions).where(sessions.c.id == bindparam("session_id"))

LABELS = tuple(GROUP_LABELS)
LABEL_MAX = 120


class Store:
    """Sessions, answers and questions in one database. Safe to share between threads."""

    def __init__(self, url: str | None = None, *, check: bool = False):
        """Open the store at ``url``; with ``check``, read a SQLite file through first and
        refuse a damaged one (see ``verify``) before anything is written to it."""
        self.url = config.db_url(url)
        self.engine = make_engine(self.url)
        try:
            prepare(self.engine, _describe(self.url), check=check)
        except BaseException:
            # Close the refused file at once, so nothing of ours is left open on it.
            self.engine.dispose()
            raise
        self._programmes: OrderedDict[str, Programme] = OrderedDict()
        self._lock = threading.Lock()
        self._answers = batch.AnswerQueue(self.engine, self.programme)  # a writer from the first answer

    def close(self) -> None:
        self._answers.close()  # what is waiting is written first
        self.engine.dispose()

    def verify(self) -> None:
        """Read the whole database once and raise StoreError if any of it is damaged."""
        verify(self.engine, _describe(self.url))

    def __repr__(self) -> str:
        return f"<Store {_describe(self.url)}>"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- content snapshots ----------------------------------------------------------
    def programme(self, snapshot_id: str, conn=None) -> Programme:
        """The plan, deck and poll bank a session ran, parsed once per process.

        Inside a transaction pass its ``conn``: a second connection would not see what the
        transaction wrote, and an in-memory database has only the one connection.
        """
        with self._lock:
            found = self._programmes.get(snapshot_id)
            if found is not None:
                self._programmes.move_to_end(snapshot_id)
                return found
        if conn is not None:
            body = conn.execute(select(snapshots.c.body).where(snapshots.c.id == snapshot_id)).scalar_one()
        else:
            with reading(self.engine) as reader:
                body = reader.execute(select(snapshots.c.body).where(snapshots.c.id == snapshot_id)).scalar_one()
        programme = Programme.from_snapshot(json.loads(body))
        with self._lock:
            self._programmes[snapshot_id] = programme
            while len(self._programmes) > 64:
                self._programmes.popitem(last=False)
        return programme

    def save_snapshot(self, conn, programme: Programme) -> str:
        """Store a programme's snapshot in ``conn``'s transaction (once per distinct content); its id."""
        body = json.dumps(programme.snapshot(), sort_keys=True, separators=(",", ":"))
        snapshot_id = hashlib.sha256(body.encode()).hexdigest()
        bulk.ensure_snapshot(conn, snapshot_id, body)
        return snapshot_id

    # -- sessions -----------------------------------------------------------------
    def start_session(self, plan: str | Path | Plan | Programme, help_region: str | None = None,
                      **labels) -> Session:
        """Start a session of a plan (a path, a plan id, or a loaded plan), in the lobby.

        ``help_region`` names the help file (``data/help/<region>.yaml``) whose resources
        every student screen shows and whose numbers fill the plan's help placeholders; by
        default the region the plan pins, else the configured ``help_region``. A resolved
        ``Programme`` keeps the help it was resolved with unless a region is given.
        ``labels`` are the optional group labels: organisation, group, age_band, setting,
        facilitator. They describe the group, never a student.
        """
        unknown = set(labels) - set(LABELS)
        if unknown:
            raise Invalid(f"unknown group label {sorted(unknown)[0]!r} (one of {', '.join(LABELS)})")
        clean = {}
        for name in LABELS:
            value = labels.get(name)
            if value is not None:
                value = " ".join(str(value).split())
                if len(value) > LABEL_MAX:
                    raise Invalid(f"the {name} label is at most {LABEL_MAX} characters", where=name)
            clean[name] = value or None
        if isinstance(plan, Programme):
            programme = plan if help_region is None else plan.with_help(find_help(help_region).model_dump(mode="json"))
        else:
            programme = resolve_plan(plan, Library(), help_region=help_region)
        for attempt in range(20):
            stamp = now()
            try:
                with self.engine.begin() as conn:
                    snapshot_id = self.save_snapshot(conn, programme)
                    session_id = uuid.uuid4().hex
                    conn.execute(insert(sessions).values(
                        id=session_id, code=new_code(), title=programme.title, plan_id=programme.plan["id"],
                        deck_id=programme.deck["id"], snapshot_id=snapshot_id,
                        organisation=clean["organisation"], group_label=clean["group"],
                        age_band=clean["age_band"], setting=clean["setting"], facilitator=clean["facilitator"],
                        status="lobby", current_index=-1, voting_open=False, revealed=False, version=1,
                        respondents=0, created_at=stamp, updated_at=stamp))
                return self.session(session_id)
            except IntegrityError:
                continue  # the code is taken by a live session: draw another
        raise Conflict("could not find a free join code; end some old sessions")

    def _session_row(self, id: str | None = None, code: str | None = None):
        with reading(self.engine) as conn:
            if code is not None:
                return answers.live_row(conn, code)
            row = conn.execute(_BY_ID, {"session_id": id}).first()
        if row is None:
            raise NotFound(f"no session with id {id!r}")
        return row

    def session(self, session_id: str) -> Session:
        return Session(self, self._session_row(id=session_id))

    def find_session(self, code: str) -> Session:
        """The session a join code names (the live one when an ended one shares the code)."""
        return Session(self, self._session_row(code=code))

    def live_sessions(self) -> list[Session]:
        """Sessions not yet ended, newest first (for picking up after a refresh or restart)."""
        with reading(self.engine) as conn:
            rows = conn.execute(select(sessions).where(sessions.c.status != "ended")
                                .order_by(sessions.c.created_at.desc())).all()
        return [Session(self, row) for row in rows]

    def last_plan_id(self) -> str | None:
        """The plan of the most recently started session (the console offers it first)."""
        with reading(self.engine) as conn:
            return conn.execute(select(sessions.c.plan_id).order_by(sessions.c.created_at.desc()).limit(1)).scalar()

    def versions(self, session_ids) -> dict[str, int]:
        """The current ``version`` of each session: one query for all that are watched."""
        ids = list(session_ids)
        if not ids:
            return {}
        with reading(self.engine) as conn:
            return dict(conn.execute(select(sessions.c.id, sessions.c.version).where(sessions.c.id.in_(ids))).all())

    # -- students -----------------------------------------------------------------
    def join(self, code: str, token: str, admit=None) -> tuple[Session, int, bool]:
        """Register a device (by its random token) in a session: (session, respondent, new). ``admit``,
        when given, is called before a device new to the session is added and may raise to refuse it."""
        row, respondent, new = self.enrol(code, token, admit=admit)
        return self.session(row.id), respondent, new

    def enrol(self, code: str, token: str, admit=None) -> tuple:
        """``join`` with the session's row as the join read it (for ``public_state_of``), not
        read back: (row, respondent, new). What the server calls for each phone joining."""
        return answers.join(self.engine, code, token, admit)

    def queue_join(self, code: str, token: str, admit=None, *, done) -> None:
        """``enrol`` by group commit, as ``queue_response`` (``done(result, error)``)."""
        answers.need_token(token)
        self._answers.put(batch.PendingJoin(code, token, admit, done))

    def record_response(self, code: str, token: str, activity: str, value, item: str | None = None,
                        seq: int | None = None, admit=None) -> bool:
        """Record a device's answer; True when new, False when it changed an earlier one.
        With ``seq`` (the page's number for the tap) a late answer cannot overwrite a later one.
        A device not yet in the session joins first (``admit`` as for ``join``)."""
        return answers.record(self.engine, self.programme, code, token, activity, value, item, seq, admit)

    def queue_response(self, code: str, token: str, activity: str, value, item: str | None = None,
                       seq: int | None = None, admit=None, *, done) -> None:
        """``record_response`` by group commit (``batch.AnswerQueue``), for the server: returns
        at once; ``done(first, error)`` is called from the writer's thread once it is committed
        (``first`` as ``record_response`` returns it) or refused (``error``, as it would raise)."""
        answers.need_token(token)
        self._answers.put(batch.Pending(code, token, activity, value, item, seq, admit, done))

    # How many transactions wrote queued answers and joins so far (tests and benchmarks read it).
    answer_batches = property(lambda self: self._answers.batches)

    def my_answers(self, code: str, token: str, activity: str) -> dict[str, str]:
        return answers.mine(self.engine, code, token, activity)

    def submit_question(self, code: str, text: str) -> int:
        return answers.ask(self.engine, self.programme, code, text)

    def public_state(self, code: str) -> dict:
        """What any student may see of a session now: never expected answers before reveal,
        never teaching notes."""
        row = self._session_row(code=code)
        return self.public_state_of(row)

    def state_row(self, code: str):
        """The raw row of the session a code names: its id and ``version`` for cache checks,
        and the input of ``public_state_of``."""
        return self._session_row(code=code)

    def public_state_by_id(self, session_id: str) -> dict:
        """``public_state`` of a session known by id (an ended session's code may be reused)."""
        return self.public_state_of(self._session_row(id=session_id))

    def public_state_of(self, row) -> dict:
        programme = self.programme(row.snapshot_id)
        activity = None
        results = None
        if row.status == "running":
            act = programme.activities[row.current_index]
            activity = programme.public_activity(act, revealed=bool(row.revealed))
            show = row.revealed or programme.settings.get("show_results_live")
            if act.votes and show and act.kind != "sort":
                results = self.distribution(row.id, act.id)
        return {
            "code": row.code, "title": row.title, "status": row.status, "version": row.version,
            "voting_open": bool(row.voting_open), "revealed": bool(row.revealed), "activity": activity,
            "results": results, "questions_box": bool(programme.settings.get("questions_box")),
            "help": programme.help_resources(),
        }

    # -- reading answers ----------------------------------------------------------
    def answer_counts(self, session_id: str, activity_id: str) -> dict[str, int]:
        with reading(self.engine) as conn:
            return answers.count_answers(conn, session_id, activity_id)

    def distribution(self, session_id: str, activity_id: str) -> dict[str, int]:
        """How many chose each value for a single-item activity: ``{value: count}``."""
        with reading(self.engine) as conn:
            rows = conn.execute(select(responses.c.value, func.count()).where(
                responses.c.session_id == session_id, responses.c.activity_id == activity_id)
                .group_by(responses.c.value)).all()
        counts: dict[str, int] = {}
        for value, n in rows:
            for part in str(value).split(","):  # a multiple-choice answer counts for each option
                counts[part] = counts.get(part, 0) + n
        return counts

    def responses(self, code: str | None = None, **filters):
        """Answers as a tidy DataFrame, one row each, with session labels and expected answers.

        Filter by ``code``, ``session_ids``, ``since``/``until`` (session start) and any group
        label (``organisation=…``, a value or a list).
        """
        if code is not None:
            filters["session_ids"] = [self.find_session(code).id]
        from . import frames  # pandas loads only where frames are wanted, not in the student server
        return frames.responses_frame(self.engine, self.programme, **filters)

    def sessions(self, **filters):
        """Sessions as a DataFrame, with their labels, status and respondent counts."""
        from . import frames
        return frames.sessions_frame(self.engine, **filters)

    # -- many sessions at once: bundles moved between stores, and demo fills ---------
    def session_ids(self) -> list[str]:
        """Every session's id, oldest first."""
        with reading(self.engine) as conn:
            return list(conn.execute(select(sessions.c.id).order_by(sessions.c.created_at)).scalars())

    @contextmanager
    def bundle_reader(self):
        """Read sessions whole for a bundle (``bundles.Reader``), all in one read transaction."""
        with reading(self.engine) as conn:
            yield bundles.Reader(conn)

    @contextmanager
    def bundle_merge(self):
        """Merge sessions from bundles (``bundles.Merge``) in one transaction: if anything in it
        fails, nothing is written (StoreError)."""
        try:
            with self.engine.begin() as conn:
                yield bundles.Merge(conn)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).splitlines()[0]
            raise StoreError(f"the store refused the import ({reason}). Nothing was imported.") from None

    def session_count(self) -> int:
        """How many sessions the store holds, of any status."""
        with reading(self.engine) as conn:
            return conn.execute(select(func.count()).select_from(sessions)).scalar_one()

    def save_snapshots(self, programmes) -> list[str]:
        """Store the snapshots of ``programmes`` (each distinct content once); their ids, in order."""
        with self.engine.begin() as conn:
            return [self.save_snapshot(conn, programme) for programme in programmes]

    def write_sessions(self, session_rows, response_rows=(), question_rows=()) -> None:
        """Write whole sessions in one transaction: all of them or, on any error, none.
        Rows are keyed by column name; their snapshots must be stored already."""
        with self.engine.begin() as conn:
            bulk.write_sessions(conn, session_rows, response_rows, question_rows)

    def demo_sessions(self) -> int:
        """How many of the sessions here ``toolkit demo`` simulated (0 in a store of real ones)."""
        with reading(self.engine) as conn:
            return int(bulk.get_meta(conn, bulk.DEMO_KEY) or 0)

    def count_demo_sessions(self, added: int) -> None:
        """Note that ``added`` more simulated sessions were written (the trends page says so)."""
        with self.engine.begin() as conn:
            before = int(bulk.get_meta(conn, bulk.DEMO_KEY) or 0)
            bulk.set_meta(conn, bulk.DEMO_KEY, str(before + added))

    def trends_frame(self):
        """Every answer, compactly, with its labels: what the trends page filters (``trends.Loaded``)."""
        from . import trends  # pandas loads only where frames are wanted
        return trends.load(self)

    def trends_stamp(self) -> tuple:
        """Changes whenever sessions or answers are added (``trends_frame`` is then stale)."""
        from . import trends
        return trends.stamp(self)

    # -- the questions box (facilitator side) -------------------------------------
    def questions(self, session_id: str, status: str | None = None) -> list[dict]:
        query = select(questions).where(questions.c.session_id == session_id)
        if status:
            query = query.where(questions.c.status == status)
        with reading(self.engine) as conn:
            rows = conn.execute(query.order_by(questions.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def set_question_status(self, question_id: int, status: str) -> None:
        """Approve a question for the screen, take it off ("shown"), hide it, or put it back
        among those waiting ("pending"). Every question keeps its words whatever its status."""
        if status not in QUESTION_STATUSES:
            raise Invalid(f"unknown question status {status!r}")
        with self.engine.begin() as conn:
            row = conn.execute(select(questions.c.session_id, questions.c.status)
                               .where(questions.c.id == question_id)).first()
            if row is None:
                raise NotFound(f"no question {question_id}")
            if row.status == status:
                return  # nothing changes, so the screens need not refresh
            conn.execute(update(questions).where(questions.c.id == question_id).values(status=status,
                                                                                        updated_at=now()))
            # Approving shows the question on the projected screen: a change of session state.
            conn.execute(update(sessions).where(sessions.c.id == row.session_id).values(
                version=sessions.c.version + 1, updated_at=now()))


def _describe(url: str) -> str:
    """A URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def open_store(url: str | None = None) -> Store:
    """Open (creating on first use) the store at ``url``, ``TOOLKIT_DB_URL`` or the SQLite default."""
    return Store(url)


def check_store(url: str | None = None) -> None:
    """Open the store and read all of it once; StoreError if it cannot be used or is damaged."""
    Store(url, check=True).close()


__all__ = ["Store", "Session", "open_store", "check_store", "normalise"]
