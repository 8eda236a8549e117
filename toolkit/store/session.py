"""A running session as the facilitator drives it: the state machine and its verbs.

Every verb runs in one write transaction that locks the session row, checks the move is
allowed from the state in the database (another process may have moved it), writes the
new state and bumps ``version``. The object keeps the row it last saw; ``refresh()``
reads it again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import delete, select, update

from ..errors import Conflict
from .engine import flush_deleted
from .schema import devices, questions, sessions

log = logging.getLogger(__name__)

STATUSES = ("lobby", "running", "summary", "ended")


def now() -> datetime:
    return datetime.now(timezone.utc)


class Session:
    """One workshop session. Get one from ``store.start_session`` or ``store.find_session``."""

    def __init__(self, store, row):
        self._store = store
        self._row = row
        self.programme = store.programme(row.snapshot_id)

    # -- what it is -----------------------------------------------------------------
    id = property(lambda self: self._row.id)
    code = property(lambda self: self._row.code)
    title = property(lambda self: self._row.title)
    status = property(lambda self: self._row.status)
    version = property(lambda self: self._row.version)
    voting_open = property(lambda self: bool(self._row.voting_open))
    revealed = property(lambda self: bool(self._row.revealed))
    current_index = property(lambda self: self._row.current_index)
    respondents = property(lambda self: self._row.respondents)
    plan_id = property(lambda self: self._row.plan_id)
    deck_id = property(lambda self: self._row.deck_id)
    created_at = property(lambda self: self._row.created_at)
    started_at = property(lambda self: self._row.started_at)
    ended_at = property(lambda self: self._row.ended_at)
    updated_at = property(lambda self: self._row.updated_at)  # when the state last changed

    @property
    def labels(self) -> dict:
        r = self._row
        return {"organisation": r.organisation, "group": r.group_label, "age_band": r.age_band,
                "setting": r.setting, "facilitator": r.facilitator}

    @property
    def current_activity(self):
        """The activity on screen, or None in the lobby, summary and after the end."""
        if self.status != "running":
            return None
        return self.programme.activities[self.current_index]

    @property
    def activities(self):
        return self.programme.activities

    def __repr__(self) -> str:
        act = self.current_activity
        return f"<Session {self.code} {self.status} {act.id if act else '-'} v{self.version}>"

    # -- reading ------------------------------------------------------------------
    def refresh(self) -> "Session":
        self._row = self._store._session_row(id=self.id)
        return self

    def responses(self):
        """This session's answers as a tidy DataFrame (see ``Store.responses``)."""
        return self._store.responses(session_ids=[self.id])

    def counts(self, activity_id: str | None = None) -> dict[str, int]:
        """How many answered each item of an activity (the current one by default)."""
        return self._store.answer_counts(self.id, activity_id or (self.current_activity.id
                                                                  if self.current_activity else ""))

    def questions(self, status: str | None = None):
        return self._store.questions(self.id, status=status)

    # -- the verbs ------------------------------------------------------------------
    def open_voting(self) -> "Session":
        def move(row):
            self._need_running(row, "open voting")
            act = self.programme.activities[row.current_index]
            if not act.votes:
                raise Conflict(f"{act.title!r} is a slide: it takes no answers")
            if row.voting_open:
                return None
            # Voting again takes the reveal back until the next one.
            return {"voting_open": True, "revealed": False, "revealed_ids": _without(row.revealed_ids, act.id)}
        return self._move(move)

    def close_voting(self) -> "Session":
        def move(row):
            self._need_running(row, "close voting")
            return {"voting_open": False} if row.voting_open else None
        return self._move(move)

    def reveal(self) -> "Session":
        """Show the class's answers and the expected answer; closes voting."""
        def move(row):
            self._need_running(row, "reveal")
            act = self.programme.activities[row.current_index]
            if not act.votes:
                raise Conflict(f"{act.title!r} is a slide: there is nothing to reveal")
            if row.revealed and not row.voting_open:
                return None
            return {"revealed": True, "voting_open": False, "revealed_ids": _with(row.revealed_ids, act.id)}
        return self._move(move)

    def next(self) -> "Session":
        """Go to the next activity (from the lobby, the first; after the last, the summary)."""
        def move(row):
            if row.status == "ended":
                raise Conflict("the session has ended")
            if row.status == "summary":
                raise Conflict("this is the summary, after the last activity: end the session when ready")
            index = row.current_index + 1
            if index >= len(self.programme.activities):
                return {"status": "summary", "current_index": len(self.programme.activities),
                        "voting_open": False, "revealed": False}
            values = self._arrive(row, index)
            if row.status == "lobby":
                values["started_at"] = now()
            return values
        return self._move(move)

    def previous(self) -> "Session":
        """Go back one activity (from the first, back to the lobby; from the summary, the last)."""
        def move(row):
            if row.status == "ended":
                raise Conflict("the session has ended")
            if row.status == "lobby":
                raise Conflict("the session is in the lobby: there is nothing before it")
            index = row.current_index - 1
            if index < 0:
                return {"status": "lobby", "current_index": -1, "voting_open": False, "revealed": False}
            return self._arrive(row, index)
        return self._move(move)

    def go_to(self, index: int) -> "Session":
        """Jump to an activity by position (the facilitator's activity list)."""
        if not 0 <= index < len(self.programme.activities):
            raise Conflict(f"there is no activity {index + 1} (this plan has {len(self.programme.activities)})")

        def move(row):
            if row.status == "ended":
                raise Conflict("the session has ended")
            if row.status == "running" and row.current_index == index:
                return None
            values = self._arrive(row, index)
            if row.started_at is None:
                values["started_at"] = now()
            return values
        return self._move(move)

    def end(self) -> "Session":
        """End the session and destroy the link from devices to answers: the rows, and on
        SQLite every copy of them in the database file and its write-ahead log."""
        def move(row):
            if row.status == "ended":
                return None
            return {"status": "ended", "voting_open": False, "revealed": False, "ended_at": now()}
        self._move(move, after=lambda conn: conn.execute(delete(devices).where(
            devices.c.session_id == self.id)))
        if not flush_deleted(self._store.engine):
            log.warning("toolkit: the database's write-ahead log is still in use; the ended session's device "
                        "links are deleted but may stay in the log file until the next session ends")
        return self

    # -- machinery ----------------------------------------------------------------
    def _arrive(self, row, index: int) -> dict:
        """The state on arriving at an activity: voting closed, and revealed if it was before."""
        act = self.programme.activities[index]
        return {"status": "running", "current_index": index, "voting_open": False,
                "revealed": act.id in _ids(row.revealed_ids)}

    @staticmethod
    def _need_running(row, what: str) -> None:
        if row.status != "running":
            where = {"lobby": "in the lobby", "summary": "at the summary", "ended": "ended"}[row.status]
            raise Conflict(f"cannot {what}: the session is {where}")

    def _move(self, decide, after=None) -> "Session":
        with self._store.engine.begin() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id == self.id).with_for_update()).one()
            values = decide(row)
            if values is not None:
                values.update(version=sessions.c.version + 1, updated_at=now())
                conn.execute(update(sessions).where(sessions.c.id == self.id).values(**values))
                if "current_index" in values or "status" in values:
                    # Questions shown to the class belong to the moment: moving on takes them off.
                    conn.execute(update(questions).where(questions.c.session_id == self.id,
                                                         questions.c.status == "approved")
                                 .values(status="shown", updated_at=now()))
                if after:
                    after(conn)
            self._row = conn.execute(select(sessions).where(sessions.c.id == self.id)).one()
        return self


def _ids(text: str | None) -> list[str]:
    return (text or "").split()


def _with(text: str | None, activity_id: str) -> str:
    ids = _ids(text)
    return " ".join(ids if activity_id in ids else [*ids, activity_id])


def _without(text: str | None, activity_id: str) -> str | None:
    return " ".join(i for i in _ids(text) if i != activity_id) or None
