"""Opening a database: engine settings per dialect, and refusing what is not ours.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
``BEGIN IMMEDIATE``: under a plain ``BEGIN`` a transaction that reads and then writes
can fail with "database is locked" whatever the timeout (measured: 29,905 of 30,000).
Reads use a deferred ``BEGIN`` so they never wait on writers.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.pool import StaticPool

from ..errors import StoreError
from . import migrate
from .schema import APP_ID, SCHEMA_VERSION, TOOLKIT_TABLES, meta, metadata


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r} (e.g. sqlite:///path/to/toolkit.db or "
                         "postgresql+psycopg://user@host/dbname)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() == "postgresql":
        try:
            return create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True)
        except ImportError:
            raise StoreError("PostgreSQL needs psycopg: pip install 'workshop-toolkit[postgres]'") from None
    raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL")


def _sqlite_engine(parsed) -> Engine:
    database = parsed.database
    memory = not database or database == ":memory:"
    if memory:
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=8, max_overflow=16)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy's begin event issues BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA foreign_keys = ON")
        if not memory:
            cur.execute("PRAGMA journal_mode = WAL")
            # WAL with NORMAL survives a killed process; only power loss may drop the last commits.
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("readonly") else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def reading(engine: Engine):
    """A read-only transaction (deferred on SQLite, so it never waits for a writer)."""
    with engine.connect() as conn:
        conn.execution_options(readonly=True)
        with conn.begin():
            yield conn


def prepare(engine: Engine, where: str) -> None:
    """Create the tables in an empty database, upgrade an older one, refuse anything else.

    Nothing is written unless the database is empty or ours and older.
    """
    try:
        names = set(inspect(engine).get_table_names())
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"cannot read the database at {where}: {_reason(exc)}. Nothing was changed.") from None
    if not names:
        with engine.begin() as conn:
            metadata.create_all(conn)
            conn.execute(meta.insert(), [{"key": "app", "value": APP_ID},
                                         {"key": "schema_version", "value": str(SCHEMA_VERSION)}])
        return
    if meta.name not in names:
        foreign = ", ".join(sorted(names)[:5])
        raise StoreError(f"the database at {where} is not a toolkit database (it holds tables: {foreign}). "
                         "Refusing to touch it; choose another --db.")
    try:
        with reading(engine) as conn:
            values = dict(conn.execute(select(meta.c.key, meta.c.value)).all())
    except (DatabaseError, OperationalError) as exc:
        raise StoreError(f"cannot read the database at {where}: {_reason(exc)}. Nothing was changed.") from None
    if values.get("app") != APP_ID:
        raise StoreError(f"the database at {where} belongs to another application ({values.get('app')!r}). "
                         "Refusing to touch it.")
    try:
        version = int(values.get("schema_version", "0"))
    except ValueError:
        raise StoreError(f"the database at {where} has an unreadable schema version "
                         f"{values.get('schema_version')!r}. Nothing was changed.") from None
    if version > SCHEMA_VERSION:
        raise StoreError(f"the database at {where} was written by a newer toolkit (schema {version}; this one "
                         f"knows up to {SCHEMA_VERSION}). Upgrade the toolkit to open it. Nothing was changed.")
    if version < SCHEMA_VERSION:
        migrate.upgrade(engine, version)
        names = set(inspect(engine).get_table_names())
    missing = TOOLKIT_TABLES - names
    if missing:
        raise StoreError(f"the database at {where} is missing tables ({', '.join(sorted(missing))}). "
                         "Nothing was changed.")


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0]
