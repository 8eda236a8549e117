"""The trends frame: every answer of the store once, compactly, for the trends dashboard.

A lead changes filters far more often than new sessions arrive, so the dashboard reads
all answers once (six narrow columns, no join) into categorical columns, attaches the
session labels and item facts (``frames.item_table``, as ``Store.responses`` does) through
integer codes, and filters that frame in memory.
The result has the columns of ``Store.responses`` that ``analysis.trends`` uses, at a
fraction of the memory: a few hundred MB of strings become tens of MB of codes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from ..content.vocab import MODELS, SESSION_LABELS
from .engine import reading
from .frames import item_table
from .schema import responses as responses_table
from .schema import sessions as sessions_table

COLUMNS = ["session_id", "organisation", "group", "age_band", "setting", "facilitator", "plan_id", "deck_id",
           "session_date", "month", "activity_kind", "phase", "item_id", "item_type", "respondent", "value", "expected",
           "model", "deck_version"]


@dataclass
class Content:
    """What the charts call things: card and question labels, categories and colours."""

    cards: dict[str, str] = field(default_factory=dict)
    card_texts: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    colours: dict[str, str] = field(default_factory=dict)
    plans: dict[str, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=lambda: dict(MODELS))


@dataclass
class Loaded:
    responses: pd.DataFrame
    sessions: pd.DataFrame
    content: Content
    stamp: tuple


def stamp(store) -> tuple:
    """A cheap fingerprint of the store's answers: changes when sessions or answers are added."""
    with reading(store.engine) as conn:
        sessions = conn.execute(select(func.count(), func.max(sessions_table.c.updated_at))
                                .select_from(sessions_table)).one()
        answers = conn.execute(select(func.max(responses_table.c.id))).scalar()
    return tuple(sessions) + (answers,)


def load(store) -> Loaded:
    """Read every session and answer of ``store`` into the compact frames the dashboard filters."""
    before = stamp(store)
    sessions = store.sessions()
    with reading(store.engine) as conn:
        result = conn.execute(select(responses_table.c.session_id, responses_table.c.activity_id,
                                     responses_table.c.item_id, responses_table.c.phase,
                                     responses_table.c.respondent, responses_table.c.value))
        raw = result.cursor.fetchall() if result.cursor is not None else []
    frame = pd.DataFrame.from_records(raw, columns=["session_id", "activity_id", "item_id", "phase", "respondent",
                                                    "value"])
    del raw
    content = Content()
    frame = _attach(frame, sessions, store, content)
    return Loaded(frame, sessions, content, before)


def _category(values) -> pd.Categorical:
    return pd.Categorical(values)


def _attach(frame: pd.DataFrame, sessions: pd.DataFrame, store, content: Content) -> pd.DataFrame:
    sessions = sessions.drop_duplicates("session_id").set_index("session_id")
    sid = pd.Categorical(frame["session_id"], categories=sessions.index)
    known = sid.codes >= 0  # answers of a session deleted since (cannot happen today; be safe)
    if not known.all():
        frame, sid = frame[known], sid[known]
    codes = sid.codes
    out = pd.DataFrame({"session_id": sid})
    for name in SESSION_LABELS:
        per_session = pd.Categorical(sessions[name])
        out[name] = pd.Categorical.from_codes(per_session.codes[codes], per_session.categories)
    dates = pd.DatetimeIndex(sessions["created_at"]).tz_convert("UTC").tz_localize(None).to_numpy()
    out["session_date"] = pd.DatetimeIndex(dates[codes]).tz_localize("UTC")
    # The month of each answer, coded once here rather than in every table on every redraw.
    months = pd.Categorical(pd.DatetimeIndex(dates).strftime("%Y-%m"))
    out["month"] = pd.Categorical.from_codes(months.codes[codes], months.categories)
    out["phase"] = _category(frame["phase"].to_numpy())
    out["item_id"] = _category(frame["item_id"].to_numpy())
    out["respondent"] = frame["respondent"].to_numpy(dtype=np.int32)
    out["value"] = _category(frame["value"].to_numpy())
    facts = _item_facts(frame, sessions, codes, store, content)
    for name in ("activity_kind", "item_type", "expected", "model"):
        out[name] = facts[name]
    versions = pd.Categorical(deck_versions(sessions.reset_index(), store))
    out["deck_version"] = pd.Categorical.from_codes(versions.codes[codes], versions.categories)
    return out[COLUMNS]


def deck_versions(sessions: pd.DataFrame, store) -> list[str]:
    """Per session, which version of its deck it ran: "deck v1", "deck v2"… numbered in the
    order each distinct content of the deck (its cards and categories, as snapshotted when
    the session started) was first used."""
    fingerprints = {}
    for snapshot_id in sessions["snapshot_id"].dropna().unique():
        deck = store.programme(snapshot_id).deck
        body = json.dumps({"cards": deck.get("cards"), "categories": deck.get("categories")}, sort_keys=True,
                          default=str)
        fingerprints[snapshot_id] = hashlib.sha256(body.encode()).hexdigest()
    numbers: dict[tuple, int] = {}
    out = []
    for row in sessions.sort_values("created_at", kind="stable").itertuples():
        key = (row.deck_id, fingerprints.get(row.snapshot_id))
        numbers.setdefault(key, sum(1 for deck, _ in numbers if deck == row.deck_id) + 1)
    for row in sessions.itertuples():
        out.append(f"{row.deck_id} v{numbers[(row.deck_id, fingerprints.get(row.snapshot_id))]}")
    return out


def _item_facts(frame, sessions, codes, store, content: Content) -> dict[str, pd.Categorical]:
    """Per answer: its activity kind, item type, expected answer and model, from the snapshot
    the session ran (looked up once per distinct snapshot, activity and item)."""
    snap = pd.Categorical(sessions["snapshot_id"])
    snap_codes = snap.codes[codes].astype(np.int64)
    activity = pd.Categorical(frame["activity_id"].to_numpy())
    item = pd.Categorical(frame["item_id"].to_numpy())
    na, ni = max(len(activity.categories), 1), max(len(item.categories), 1)
    keys = (snap_codes * na + activity.codes) * ni + item.codes
    uniques, inverse = np.unique(keys, return_inverse=True)
    table = {"activity_kind": [], "item_type": [], "expected": [], "model": []}
    known = {}  # per snapshot: (activity, item) -> what it was, as Store.responses describes it
    for snapshot_id in snap.categories:
        programme = store.programme(snapshot_id)
        _describe(programme, content)
        known[snapshot_id] = {(row.activity_id, row.item_id): row
                              for row in item_table(snapshot_id, programme).itertuples(index=False)}
    for key in uniques:
        s, rest = divmod(int(key), na * ni)
        a, i = divmod(rest, ni)
        facts = known[snap.categories[s]].get((activity.categories[a], item.categories[i]))
        for name in table:
            table[name].append(getattr(facts, name) if facts is not None else None)
    return {name: pd.Categorical(np.asarray(values, dtype=object)[inverse]) for name, values in table.items()}


def _describe(programme, content: Content) -> None:
    """Collect labels for the charts from a snapshot (later snapshots win)."""
    content.plans[programme.plan["id"]] = programme.title
    for card in programme.cards:
        content.cards[card["id"]] = f"{card['character']}, {card['age']}"
        content.card_texts[card["id"]] = card["text"]
    for q in (programme.polls or {}).get("questions", []):
        content.questions[q["id"]] = q["text"]
    for cat in programme.categories():
        content.categories[cat["id"]] = cat["label"]
        if cat.get("colour"):
            content.colours[cat["id"]] = cat["colour"]
