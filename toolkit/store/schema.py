"""The database tables (SQLAlchemy Core) and the schema version they make up.

Bump ``SCHEMA_VERSION`` and add a step to ``toolkit.store.migrate.STEPS`` whenever a
table changes, so older databases are upgraded in place.
"""

from datetime import datetime, timezone

from sqlalchemy import (Boolean, Column, DateTime, ForeignKey, Index, Integer, MetaData, PrimaryKeyConstraint,
                        String, Table, Text, UniqueConstraint, text)
from sqlalchemy.types import TypeDecorator

APP_ID = "workshop-toolkit"
SCHEMA_VERSION = 4

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """A timestamp that always reads back as an aware UTC datetime.

    SQLite keeps no time zone and PostgreSQL answers in the connection's zone; without
    this the same column would give naive values on one and local ones on the other.
    Naive values written are taken to be UTC. The column DDL is unchanged.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # a row written by hand into SQLite
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

meta = Table(
    "toolkit_meta", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

# Plan, deck, poll bank and help as they were when a session started, stored once per
# distinct content (sessions of the same plan share a row).
snapshots = Table(
    "snapshots", metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the body
    Column("body", Text, nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("id", String(32), primary_key=True),
    Column("code", String(12), nullable=False),
    Column("title", String(200), nullable=False),
    Column("plan_id", String(60), nullable=False),
    Column("deck_id", String(60), nullable=False),
    Column("snapshot_id", String(64), ForeignKey("snapshots.id"), nullable=False),
    Column("organisation", String(120)),
    Column("group_label", String(120)),
    Column("age_band", String(20)),
    Column("setting", String(120)),
    Column("facilitator", String(120)),
    Column("status", String(10), nullable=False),  # lobby | running | summary | ended
    Column("current_index", Integer, nullable=False, server_default=text("-1")),
    Column("voting_open", Boolean, nullable=False, server_default=text("false")),
    Column("revealed", Boolean, nullable=False, server_default=text("false")),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("respondents", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime()),
    Column("ended_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
    # The activities revealed so far, space-separated ids: one revealed, left and come back
    # to stays revealed rather than returning as "voting closed".
    Column("revealed_ids", Text),
    Index("ix_sessions_code", "code"),
    Index("ix_sessions_created", "created_at"),
    # A join code names one live session at a time; ended sessions may share it.
    Index("ux_sessions_live_code", "code", unique=True,
          sqlite_where=text("status != 'ended'"), postgresql_where=text("status != 'ended'")),
)

# The only link from a device to its answers: a hash of the device's random cookie,
# deleted when the session ends.
devices = Table(
    "devices", metadata,
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("respondent", Integer, nullable=False),
    PrimaryKeyConstraint("session_id", "token_hash"),
    # Every join asks whether the number it drew is taken: without this each asking read
    # all of the session's devices, which in a hall of 1,000 cost more than the join's write.
    Index("ix_devices_respondent", "session_id", "respondent"),
)

responses = Table(
    "responses", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("activity_id", String(80), nullable=False),
    Column("item_id", String(80), nullable=False),  # the card or question answered
    Column("phase", String(10)),  # baseline | endpoint | NULL
    Column("respondent", Integer, nullable=False),
    Column("value", String(400), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # The page's number for the tap that wrote this value (NULL from a form without
    # JavaScript): an answer numbered lower arrives late and must not overwrite it.
    Column("seq", Integer),
    UniqueConstraint("session_id", "activity_id", "item_id", "respondent", name="ux_responses_one_each"),
)

questions = Table(
    "questions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("text", String(1000), nullable=False),
    Column("status", String(10), nullable=False),  # pending | approved | shown | hidden
    Column("flagged", Boolean, nullable=False),
    # Where the session was when the question came in: an activity id, or "lobby" or
    # "summary". For the safeguarding lead's record; it never leaves this store.
    Column("on_screen", String(80)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_questions_session", "session_id"),
)

TOOLKIT_TABLES = {t.name for t in metadata.sorted_tables}
