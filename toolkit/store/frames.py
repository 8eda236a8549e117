"""Reading answers and sessions out as tidy pandas DataFrames.

One row per answer, with the session's labels and what the answer was to (card or
question, its expected answer, its exploitation model) looked up in the snapshot the
session ran, so analysis never needs the content files.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from .engine import reading
from .schema import responses, sessions

SESSION_COLUMNS = ["session_id", "code", "title", "plan_id", "deck_id", "snapshot_id", "organisation", "group",
                   "age_band", "setting", "facilitator", "status", "respondents", "created_at", "started_at",
                   "ended_at"]

RESPONSE_COLUMNS = ["session_id", "code", "plan_id", "deck_id", "organisation", "group", "age_band", "setting",
                    "facilitator", "session_date", "activity_id", "activity_kind", "phase", "item_id", "item_type",
                    "respondent", "value", "expected", "correct", "model", "answered_at"]

_FILTERS = {"organisation": sessions.c.organisation, "group": sessions.c.group_label,
            "age_band": sessions.c.age_band, "setting": sessions.c.setting,
            "facilitator": sessions.c.facilitator, "plan_id": sessions.c.plan_id, "deck_id": sessions.c.deck_id,
            "status": sessions.c.status}


def _where(session_ids=None, since=None, until=None, **filters):
    clauses = []
    if session_ids is not None:
        clauses.append(sessions.c.id.in_(list(session_ids)))
    if since is not None:
        clauses.append(sessions.c.created_at >= _as_utc(since))
    if until is not None:
        clauses.append(sessions.c.created_at < _as_utc(until))
    for name, value in filters.items():
        if name not in _FILTERS:
            raise TypeError(f"unknown filter {name!r} (one of {', '.join(_FILTERS)})")
        if value is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        clauses.append(_FILTERS[name].in_(values))
    return clauses


def _as_utc(moment):
    """A bound for ``since``/``until``: naive times are taken as UTC, like the stored ones."""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _utc(series: pd.Series) -> pd.Series:
    # utc=True also copes with values in different offsets (a PostgreSQL session zone with
    # summer time), where plain to_datetime refuses a mixed column.
    return pd.to_datetime(series, utc=True)


def sessions_frame(engine, **filters) -> pd.DataFrame:
    cols = [sessions.c.id.label("session_id"), sessions.c.code, sessions.c.title, sessions.c.plan_id,
            sessions.c.deck_id, sessions.c.snapshot_id, sessions.c.organisation,
            sessions.c.group_label.label("group"), sessions.c.age_band, sessions.c.setting, sessions.c.facilitator,
            sessions.c.status, sessions.c.respondents, sessions.c.created_at, sessions.c.started_at,
            sessions.c.ended_at]
    with reading(engine) as conn:
        rows = conn.execute(select(*cols).where(*_where(**filters)).order_by(sessions.c.created_at)).all()
    frame = pd.DataFrame(rows, columns=SESSION_COLUMNS)
    for col in ("created_at", "started_at", "ended_at"):
        frame[col] = _utc(frame[col])
    return frame


def responses_frame(engine, programme_for, **filters) -> pd.DataFrame:
    cols = [responses.c.session_id, sessions.c.code, sessions.c.plan_id, sessions.c.deck_id,
            sessions.c.organisation, sessions.c.group_label.label("group"), sessions.c.age_band, sessions.c.setting,
            sessions.c.facilitator, sessions.c.created_at.label("session_date"), sessions.c.snapshot_id,
            responses.c.activity_id, responses.c.phase, responses.c.item_id, responses.c.respondent,
            responses.c.value, responses.c.updated_at.label("answered_at")]
    query = select(*cols).join(sessions, sessions.c.id == responses.c.session_id).where(*_where(**filters))
    with reading(engine) as conn:
        # Ordered by respondent, not by when each answer came in: row order must not tell who answered first.
        result = conn.execute(query.order_by(responses.c.session_id, responses.c.activity_id, responses.c.item_id,
                                             responses.c.respondent))
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if frame.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in RESPONSE_COLUMNS})
        for col in ("session_date", "answered_at"):
            empty[col] = pd.Series(dtype="datetime64[ns, UTC]")
        empty["respondent"] = pd.Series(dtype="int64")
        return empty
    lookup = pd.concat([item_table(sid, programme_for(sid)) for sid in frame["snapshot_id"].unique()],
                       ignore_index=True)
    frame = frame.merge(lookup, on=["snapshot_id", "activity_id", "item_id"], how="left")
    frame["correct"] = (frame["value"] == frame["expected"]).where(frame["expected"].notna())
    frame["session_date"] = _utc(frame["session_date"])
    # The store keeps answer times to the minute; older rows may hold seconds, which never leave.
    frame["answered_at"] = _utc(frame["answered_at"]).dt.floor("min")
    return frame[RESPONSE_COLUMNS]


def item_table(snapshot_id: str, programme) -> pd.DataFrame:
    """For one snapshot: each answerable (activity, item) with its kind, expected answer and model."""
    rows = []
    for act in programme.activities:
        if not act.votes:
            continue
        for item in act.items:
            if act.kind == "poll":
                q = programme.question(item)
                rows.append((snapshot_id, act.id, act.kind, item, q["type"], programme.expected(act, item), None))
            else:
                card = programme.card(item)
                rows.append((snapshot_id, act.id, act.kind, item, "card", card["expected"], card["model"]))
    return pd.DataFrame(rows, columns=["snapshot_id", "activity_id", "activity_kind", "item_id", "item_type",
                                       "expected", "model"])
