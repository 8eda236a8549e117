"""Opening a database: engine settings per dialect, and refusing what is not ours.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
``BEGIN IMMEDIATE``: under a plain ``BEGIN`` a transaction that reads and then writes
can fail with "database is locked" whatever the timeout (measured: 29,905 of 30,000).
Reads use a deferred ``BEGIN`` so they never wait on writers.

Nothing is written to a database until it is known to be empty or ours: switching a
SQLite file to WAL rewrites its header, so that waits until ``prepare`` has looked.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.pool import QueuePool

from ..errors import Busy, StoreError
from . import migrate
from .schema import APP_ID, SCHEMA_VERSION, TOOLKIT_TABLES, meta, metadata

# How long a SQLite writer waits for another's transaction before giving up. Answers take
# milliseconds, so reaching this means something is badly wrong, not merely busy.
BUSY_TIMEOUT_MS = 30_000

# Any fixed number: PostgreSQL advisory lock taken while creating or upgrading tables, so
# several servers starting on one new database do not race each other.
_PG_SCHEMA_LOCK = 0x746F6F6C
_WRITER = "toolkit_writer"
_WRITER_WAIT = 30.0


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
        # One connection holds the whole database. A pool of exactly one hands it to one
        # thread at a time (the others wait), where a StaticPool would let two threads'
        # transactions run into each other on it.
        shared = sqlite3.connect(":memory:", check_same_thread=False)
        engine = create_engine("sqlite://", creator=lambda: shared, poolclass=QueuePool, pool_size=1,
                               max_overflow=0, pool_timeout=60)
    else:
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot use the folder {folder} for the database: {exc.strerror or exc}. "
                             "Choose another --db.") from None
        engine = create_engine(parsed, pool_size=8, max_overflow=16,
                               connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy's begin event issues BEGIN itself
        cur = dbapi_conn.cursor()
        # None of these touch the file: they are settings of this connection.
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        cur.execute("PRAGMA foreign_keys = ON")
        # With WAL, NORMAL survives a killed process; only power loss may drop the last commits.
        cur.execute("PRAGMA synchronous = NORMAL")
        # Deleted rows (the device links, when a session ends) and the stale copies b-tree
        # rebalancing leaves behind are overwritten with zeros, not only unlinked.
        cur.execute("PRAGMA secure_delete = ON")
        cur.close()

    # Writers of this process queue here rather than in SQLite's busy handler, which polls
    # with sleeps growing to 100 ms: with a hall of answers on eight threads that polling,
    # not the writes, made the slowest answers wait seconds. Other processes still meet
    # SQLite's own lock (and busy_timeout).
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
            return
        # Bounded like busy_timeout: should a release ever be missed, writes fall back to
        # SQLite's locking instead of stopping.
        held = writer.acquire(timeout=_WRITER_WAIT)
        try:
            _begin_immediate(conn)
        except BaseException:
            if held:
                writer.release()
            raise
        if held:
            conn.info[_WRITER] = writer

    def _release(conn):
        lock = conn.info.pop(_WRITER, None)
        if lock is not None:
            lock.release()

    # Fired as the transaction ends (just before COMMIT or ROLLBACK is sent); a writer let in
    # that early waits the moment the commit takes in SQLite's own lock.
    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    return engine


def _begin_immediate(conn) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's writer in steps of 0.5-2 ms.

    SQLite's own busy handler sleeps in steps growing to 100 ms. With two processes writing
    a hall's answers (the server and a student worker), each meeting the other's commits
    every few milliseconds, those sleeps put a tail of hundreds of milliseconds on answers.
    Gives up after ``BUSY_TIMEOUT_MS`` as SQLite would, with SQLAlchemy's own error."""
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.0005
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if contention(exc) != "locked" or time.monotonic() + pause > deadline:
                    break
            time.sleep(pause)
            pause = min(2 * pause, 0.002)
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # once more, failing as SQLAlchemy reports it
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")


@contextmanager
def reading(engine: Engine):
    """A read-only transaction (deferred on SQLite, so it never waits for a writer)."""
    with engine.connect() as conn:
        conn.execution_options(readonly=True)
        with conn.begin():
            yield conn


def contention(exc: Exception) -> str | None:
    """``"locked"`` (SQLite gave up waiting), ``"retry"`` (PostgreSQL chose this transaction
    to undo: a deadlock or serialisation failure), or None for any other error."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    if "database is locked" in text or "database table is locked" in text:
        return "locked"
    if type(orig).__name__ in ("DeadlockDetected", "SerializationFailure") or "deadlock detected" in text:
        return "retry"
    return None


@contextmanager
def busy_as_error():
    """Turn a lock timeout into ``Busy`` (HTTP 503, "try again"), never a raw database error."""
    try:
        yield
    except OperationalError as exc:
        if contention(exc) is None:
            raise
        raise Busy("the database is busy: please send that again") from None


@contextmanager
def schema_change(engine: Engine):
    """A write transaction that no other process creating or upgrading tables can share."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
        # SQLite: BEGIN IMMEDIATE already holds the one write lock.
        yield conn


def prepare(engine: Engine, where: str, check: bool = False) -> None:
    """Create the tables in an empty database, upgrade an older one, refuse anything else.

    Nothing is written unless the database is empty or ours and older (and, with ``check``,
    reads through whole: see ``verify``).
    """
    names = _table_names(engine, where)
    if names:
        version = _our_version(engine, names, where)
        if check:
            verify(engine, where)
        if version == SCHEMA_VERSION and not TOOLKIT_TABLES - names:
            _use_wal(engine)
            return
    # Creating or upgrading: look again holding the lock, as another process may have
    # done it meanwhile.
    try:
        with schema_change(engine) as conn:
            names = set(inspect(conn).get_table_names())
            if not names:
                metadata.create_all(conn)
                conn.execute(meta.insert(), [{"key": "app", "value": APP_ID},
                                             {"key": "schema_version", "value": str(SCHEMA_VERSION)}])
            else:
                version = _our_version(engine, names, where, conn)
                if version < SCHEMA_VERSION:
                    migrate.upgrade(conn, version)
                missing = TOOLKIT_TABLES - set(inspect(conn).get_table_names())
                if missing:
                    raise StoreError(f"the database at {where} is missing tables ({', '.join(sorted(missing))}). "
                                     "Nothing was changed.")
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"cannot set up the database at {where}: {_reason(exc)}") from None
    _use_wal(engine)


def _table_names(engine: Engine, where: str) -> set[str]:
    try:
        return set(inspect(engine).get_table_names())
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"cannot read the database at {where}: {_reason(exc)}. Nothing was changed.") from None


def _our_version(engine: Engine, names: set[str], where: str, conn=None) -> int:
    """The schema version of a database of ours; StoreError for anything else."""
    if meta.name not in names:
        foreign = ", ".join(sorted(names)[:5])
        raise StoreError(f"the database at {where} is not a toolkit database (it holds tables: {foreign}). "
                         "Refusing to touch it; choose another --db.")
    try:
        if conn is not None:
            values = dict(conn.execute(select(meta.c.key, meta.c.value)).all())
        else:
            with reading(engine) as reader:
                values = dict(reader.execute(select(meta.c.key, meta.c.value)).all())
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
    return version


def verify(engine: Engine, where: str) -> None:
    """Read a SQLite file through (``PRAGMA quick_check``); StoreError naming the damage.

    Opening a file reads only its first pages: a file damaged further in (a disk error, a copy
    cut short) would otherwise fail in the middle of a class. Reads only, and takes about a
    second per few hundred MB, so ``toolkit serve`` runs it once as it starts.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    try:
        with reading(engine) as conn:
            found = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check").fetchmany(3)]
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        found = [_reason(exc)]
    if found != ["ok"]:
        detail = " ".join("; ".join(found).replace("*** in database main ***", "").split())
        if len(detail) > 160:
            detail = detail[:157] + "..."
        raise StoreError(f"the database at {where} is damaged ({detail}). Nothing was changed. "
                         "Restore a copy of it, or move it aside to start with an empty one.")


def flush_deleted(engine: Engine, attempts: int = 20) -> bool:
    """Copy the WAL into a SQLite file and empty it, so rows deleted with ``secure_delete``
    are gone from both files, not only from the tables. True once done (and for
    PostgreSQL and in-memory databases, where there is no such file).

    The checkpoint waits (``busy_timeout``) for readers still on an older snapshot; a reader
    that keeps one past that leaves the WAL as it is, and a later end tries again.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return True
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for attempt in range(attempts):
            busy, _, _ = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return True
            time.sleep(0.05 * (attempt + 1))
        return False
    finally:
        raw.close()


def _use_wal(engine: Engine) -> None:
    """Put a SQLite file of ours in WAL mode (kept in the file, so once is enough)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # Switching needs the file to itself, and SQLite answers "database is locked" at once,
        # without waiting out busy_timeout, while another process is opening or switching the
        # same new file (seen with several servers started together): try again, for as long
        # as busy_timeout would have waited.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
                if mode.lower() != "wal":
                    cur.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if contention(exc) != "locked" or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        cur.close()
    finally:
        raw.close()


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0]
