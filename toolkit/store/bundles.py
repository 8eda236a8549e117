"""Sessions moved whole between stores: the rows a bundle file carries, read and written here.

What a bundle holds of each table, and what each of its columns may contain, comes from
the tables themselves (``schema``), so a bundle cannot disagree with the store about a
column's length or whether it may be empty. Rows leave and arrive as plain values; the
file they travel in is ``toolkit.bundle``'s business.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Boolean, Integer, select

from . import bulk
from .schema import UTCDateTime, questions, responses, sessions, snapshots

# What a value may be, in the words an error about a bundle uses.
TEXT, INTEGER, BOOLEAN, TIME = "text", "integer", "true or false", "time"


@dataclass(frozen=True)
class Field:
    """What one column of a bundle may hold."""

    kind: str  # TEXT, INTEGER, BOOLEAN or TIME
    nullable: bool
    longest: int | None  # characters, for text with a length


def _field(column) -> Field:
    kind = (TIME if isinstance(column.type, UTCDateTime) else BOOLEAN if isinstance(column.type, Boolean)
            else INTEGER if isinstance(column.type, Integer) else TEXT)
    return Field(kind, bool(column.nullable), getattr(column.type, "length", None) if kind == TEXT else None)


_TABLES = (sessions, snapshots, responses, questions)
# Columns that stay in the store they were written in, besides the numbers a store gives
# rows of its own (answers and questions are numbered afresh where they land): the page's
# tap numbers, which order one live session's answers and mean nothing anywhere else.
# The same goes for which activities a live session has revealed, and where the session
# was when each question came in (that is for the safeguarding lead, from this store only).
_STAYS = {("responses", "seq"), ("sessions", "revealed_ids"), ("questions", "on_screen")}
# A question the class saw travels as approved, whether it is still on the screen or not.
SEEN = ("approved", "shown")
COLUMNS: dict[str, list[str]] = {
    t.name: [c.name for c in t.columns if c.autoincrement is not True and (t.name, c.name) not in _STAYS]
    for t in _TABLES}
SPEC: dict[str, dict[str, Field]] = {t.name: {name: _field(t.c[name]) for name in COLUMNS[t.name]} for t in _TABLES}


class Reader:
    """The rows of chosen sessions, read in one transaction so that they agree."""

    def __init__(self, conn):
        self._conn = conn

    def sessions(self, ids) -> list[tuple]:
        return self._rows(sessions, sessions.c.id, ids, sessions.c.created_at)

    def snapshots(self, ids) -> list[tuple]:
        return self._rows(snapshots, snapshots.c.id, ids, snapshots.c.id)

    def approved_questions(self, session_ids) -> list[tuple]:
        """Only questions the class saw travel (as approved): pending and hidden ones may hold
        a disclosure."""
        rows = self._rows(questions, questions.c.session_id, session_ids, questions.c.id,
                          questions.c.status.in_(SEEN))
        at = COLUMNS["questions"].index("status")
        return [row[:at] + ("approved",) + row[at + 1:] for row in rows]

    def responses(self, session_ids) -> Iterator[tuple]:
        """The answers of the sessions, streamed, so a large store need not fit in memory. In
        answer order the rows would tell who answered first; by respondent they tell nothing."""
        for start in range(0, len(session_ids), 200):
            chunk = session_ids[start:start + 200]
            query = (select(*[responses.c[c] for c in COLUMNS["responses"]])
                     .where(responses.c.session_id.in_(chunk))
                     .order_by(responses.c.session_id, responses.c.activity_id, responses.c.item_id,
                               responses.c.respondent))
            yield from self._conn.execute(query)

    def _rows(self, table, key, ids, order, *where) -> list[tuple]:
        out = []
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            query = select(*[table.c[c] for c in COLUMNS[table.name]]).where(key.in_(chunk), *where).order_by(order)
            out += [tuple(row) for row in self._conn.execute(query)]
        return out


class Merge:
    """One import's transaction: what is here already, then the writes, all or nothing."""

    def __init__(self, conn):
        self._conn = conn

    def existing(self, ids: list[str]) -> dict[str, dict]:
        """The sessions among ``ids`` that are here: each its row, answers and approved
        questions, as column-keyed dicts (``{"session": …, "responses": […], "questions": […]}``)."""
        conn, out = self._conn, {}
        columns = {name: COLUMNS[name] for name in ("sessions", "responses", "questions")}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = conn.execute(select(*[sessions.c[c] for c in columns["sessions"]])
                                .where(sessions.c.id.in_(chunk))).all()
            for row in rows:
                answers = [dict(zip(columns["responses"], r)) for r in conn.execute(
                    select(*[responses.c[c] for c in columns["responses"]]).where(responses.c.session_id == row.id))]
                asked = [{**dict(zip(columns["questions"], q)), "status": "approved"} for q in conn.execute(
                    select(*[questions.c[c] for c in columns["questions"]]).where(
                        questions.c.session_id == row.id, questions.c.status.in_(SEEN)))]
                out[row.id] = {"session": dict(zip(columns["sessions"], row)), "responses": answers,
                               "questions": asked}
        return out

    def live_codes(self) -> set[str]:
        """The join codes of sessions not yet ended."""
        return set(self._conn.execute(select(sessions.c.code).where(sessions.c.status != "ended")).scalars())

    def write(self, snapshot_bodies: dict[str, str], session_rows, response_rows, question_rows) -> None:
        """Write sessions with the snapshots they ran (each stored once), answers and questions."""
        for snapshot_id in {values["snapshot_id"] for values in session_rows}:
            bulk.ensure_snapshot(self._conn, snapshot_id, snapshot_bodies[snapshot_id])
        bulk.write_sessions(self._conn, session_rows, response_rows, question_rows)
