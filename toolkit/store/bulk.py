"""Writing many rows at once: simulated demo sessions and imported bundles.

The session engine writes one answer per transaction, as students send them; filling a
store with thousands of past sessions that way would take hours. Here whole sessions
go in as multi-row inserts inside the caller's transaction, so a batch lands entirely
or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import insert, select

from .schema import meta, questions, responses, sessions, snapshots

# Rows per INSERT: large enough to amortise the round trip, small enough that PostgreSQL's
# 65,535 bind parameters per statement are never exceeded (responses have 8 columns).
CHUNK = 5000
# The toolkit_meta entry counting the sessions ``toolkit demo`` wrote.
DEMO_KEY = "demo_sessions"


def insert_rows(conn, table, rows: Sequence[dict], chunk: int = CHUNK) -> int:
    """Insert ``rows`` (dicts keyed by column name) into ``table``; returns how many."""
    for start in range(0, len(rows), chunk):
        conn.execute(insert(table), list(rows[start:start + chunk]))
    return len(rows)


def ensure_snapshot(conn, snapshot_id: str, body: str) -> bool:
    """Store a content snapshot unless one with its id is there; True when written."""
    if conn.execute(select(snapshots.c.id).where(snapshots.c.id == snapshot_id)).first():
        return False
    conn.execute(insert(snapshots).values(id=snapshot_id, body=body))
    return True


def write_sessions(conn, session_rows: Sequence[dict], response_rows: Iterable[dict] = (),
                   question_rows: Iterable[dict] = ()) -> None:
    """Write whole sessions (their rows, answers and questions) in the caller's transaction.

    Session rows use the table's column names (``group_label`` for the group); their
    snapshots must already be stored.
    """
    insert_rows(conn, sessions, list(session_rows))
    insert_rows(conn, responses, list(response_rows))
    insert_rows(conn, questions, list(question_rows))


def set_meta(conn, key: str, value: str) -> None:
    """Set one ``toolkit_meta`` entry (the store's own notes about itself)."""
    if conn.execute(select(meta.c.key).where(meta.c.key == key)).first():
        conn.execute(meta.update().where(meta.c.key == key).values(value=value))
    else:
        conn.execute(insert(meta).values(key=key, value=value))


def get_meta(conn, key: str) -> str | None:
    """One ``toolkit_meta`` entry, or None."""
    return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
