"""Upgrading older databases, one schema version at a time.

``STEPS[n]`` takes a database from version ``n`` to ``n + 1``. ``upgrade`` runs them all
inside the caller's transaction (``engine.prepare`` holds the schema lock) and writes
the version row in it too, so a failed step changes nothing.
"""

from __future__ import annotations

from sqlalchemy import inspect, insert, select, text, update
from sqlalchemy.engine import Engine

from ..errors import StoreError
from .schema import SCHEMA_VERSION, meta, metadata


def _from_0(conn) -> None:
    # Version 0 databases held only the toolkit_meta table; the session tables came later.
    metadata.create_all(conn)


def _from_1(conn) -> None:
    # Answers gained the page's tap number (``seq``). A version-0 database upgraded in
    # the same run already has it from ``create_all``.
    if "seq" not in {c["name"] for c in inspect(conn).get_columns("responses")}:
        conn.execute(text("ALTER TABLE responses ADD COLUMN seq INTEGER"))


def _from_2(conn) -> None:
    # Sessions remember which activities were revealed; questions where the session was
    # when they came in. Added only where ``create_all`` (a version-0 upgrade) has not.
    for table, column, kind in (("sessions", "revealed_ids", "TEXT"), ("questions", "on_screen", "VARCHAR(80)")):
        if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))


def _from_3(conn) -> None:
    # Devices gained an index by respondent number (each join checks that its number is free).
    if "ix_devices_respondent" not in {i["name"] for i in inspect(conn).get_indexes("devices")}:
        conn.execute(text("CREATE INDEX ix_devices_respondent ON devices (session_id, respondent)"))


STEPS = {0: _from_0, 1: _from_1, 2: _from_2, 3: _from_3}


def upgrade(conn, version: int) -> None:
    """Bring a database from ``version`` to ``SCHEMA_VERSION`` (a connection in a transaction,
    or an engine, which gets a transaction of its own)."""
    if isinstance(conn, Engine):
        with conn.begin() as inner:
            return upgrade(inner, version)
    missing = [v for v in range(version, SCHEMA_VERSION) if v not in STEPS]
    if missing:
        raise StoreError(f"no upgrade from schema {missing[0]}; nothing was changed")
    for step in range(version, SCHEMA_VERSION):
        STEPS[step](conn)
    _set_version(conn, SCHEMA_VERSION)


def _set_version(conn, version: int) -> None:
    # A version-0 database may have no version row at all.
    if conn.execute(select(meta.c.key).where(meta.c.key == "schema_version")).first():
        conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(version)))
    else:
        conn.execute(insert(meta).values(key="schema_version", value=str(version)))
