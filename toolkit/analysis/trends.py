"""Trends across sessions for programme leads, with small groups hidden.

Every function takes the tidy responses DataFrame that ``Store.responses`` returns (or
any frame with its columns; categoricals are fine) and returns a small table of
aggregates. None returns a row per respondent or per answer.

Small numbers: a session's part of a row counts only when at least ``min_group_size``
of its respondents gave it (``suppression.floor``), so no two filtered views differ by
fewer; a row (a bar, a heatmap cell, a point) left resting on fewer than
``min_group_size`` distinct respondents (distinct ``(session_id, respondent)`` pairs,
default from ``toolkit.config``) keeps its keys but has every number blanked and
``suppressed`` set (``suppression.suppress``).

Uncertainty: shares carry a 95% Wilson interval (``match_low``, ``match_high``) and
changes a 95% t interval (``change_low``, ``change_high``), paired or Welch as
``method`` says (``intervals``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..content.vocab import CARD_KINDS, SESSION_LABELS
from . import intervals
from .cells import (NOT_SET, Cells, coded, empty, matches, mode, month_codes, respondent_key, sorted_by, take, utc,
                    with_hidden)
from .baseline_endpoint import change_by, phase_rows
from .suppression import floor, suppress, threshold

LABEL_FILTERS = SESSION_LABELS
SIZE_BANDS = (1, 5, 10, 15, 20, 25, 30, 35)


# -- selecting sessions ------------------------------------------------------------
def filter_responses(responses: pd.DataFrame, since=None, until=None, **labels) -> pd.DataFrame:
    """The answers of sessions matching every filter given (input rows, for the functions below).

    ``since``/``until`` bound the session date (``until`` exclusive); each label
    (organisation, group, age_band, setting, facilitator, plan_id, deck_id) takes a value
    or a list of values; None means any.
    """
    mask = np.ones(len(responses), dtype=bool)
    if since is not None or until is not None:
        dates = utc(responses["session_date"])
        if since is not None:
            mask &= (dates >= _stamp(since)).to_numpy()
        if until is not None:
            mask &= (dates < _stamp(until)).to_numpy()
    for name, wanted in labels.items():
        if name not in LABEL_FILTERS:
            raise TypeError(f"unknown filter {name!r} (one of {', '.join(LABEL_FILTERS)})")
        if wanted is None:
            continue
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        column = responses[name]
        hit = column.isin([v for v in values if v != NOT_SET]).to_numpy()
        if NOT_SET in values:
            hit |= column.isna().to_numpy()
        mask &= hit
    return responses[mask]


def _stamp(value) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def month_of(rows: pd.DataFrame) -> pd.Series:
    """The session's month as ``YYYY-MM`` (UTC), for each row."""
    codes, values = month_codes(rows)
    return pd.Series(values[codes] if len(codes) else [], index=rows.index, dtype=object)



def card_rows(responses: pd.DataFrame) -> pd.DataFrame:
    """The answers to cards (card rounds and sorts): what the card functions read. Passing
    them in already selected saves selecting them again in each function."""
    if responses.empty:
        return responses
    return take(responses, responses["activity_kind"].isin(CARD_KINDS).to_numpy())


_cards = card_rows


def _wilson_columns(table: pd.DataFrame, successes: np.ndarray, n: np.ndarray) -> pd.DataFrame:
    low, high = intervals.wilson(successes, n)
    return table.assign(match_low=np.round(low, 3), match_high=np.round(high, 3))

# -- headline and volume -----------------------------------------------------------
def headline(responses: pd.DataFrame, min_group_size: int | None = None) -> pd.DataFrame:
    """One row: sessions, respondents, answers and the median respondents per session."""
    if responses.empty:
        # Nothing to hide in nothing: "0 sessions" tells a lead the filters match none.
        return pd.DataFrame({"sessions": [0], "respondents": [0], "answers": [0], "median_per_session": [np.nan],
                             "suppressed": [False]})
    responses = floor(responses, [], min_group_size)
    if responses.empty:
        table = pd.DataFrame({"sessions": [0], "respondents": [0], "answers": [0], "median_per_session": [np.nan]})
    else:
        rk = respondent_key(responses)
        sessions = Cells(responses, ["session_id"])
        per_session = sessions.distinct(rk)
        table = pd.DataFrame({"sessions": [sessions.n], "respondents": [int(per_session.sum())],
                              "answers": [len(responses)], "median_per_session": [float(np.median(per_session))]})
    return suppress(table, keys=[], min_group_size=min_group_size)


def sessions_by_month(responses: pd.DataFrame, min_group_size: int | None = None) -> pd.DataFrame:
    """Per month: sessions held, respondents and answers. Columns: month, sessions,
    respondents, answers, suppressed."""
    columns = ["month", "sessions", "respondents", "answers"]
    if responses.empty:
        return empty(columns, ["month"], min_group_size)
    raw, responses = responses, floor(responses, [], min_group_size)
    if responses.empty:
        table = pd.DataFrame(columns=columns)
    else:
        cells = Cells(responses, ["month"])
        table = cells.keys.assign(sessions=cells.distinct(coded(responses["session_id"])[0]),
                                  respondents=cells.distinct(respondent_key(responses)), answers=cells.count())
    table = with_hidden(table[columns], raw, ["month"])
    return suppress(sorted_by(table[columns], ["month"]), "month", min_group_size=min_group_size)


def respondents_per_session(responses: pd.DataFrame, bands=SIZE_BANDS,
                            min_group_size: int | None = None) -> pd.DataFrame:
    """How many sessions had how many respondents, in bands of class size.

    Columns: band (e.g. "10-14"), low, sessions, respondents, suppressed; a band's figures
    rest on all the respondents of its sessions.
    """
    edges = list(bands)
    names = [f"{lo}-{hi - 1}" for lo, hi in zip(edges, edges[1:])] + [f"{edges[-1]}+"]
    responses = floor(responses, [], min_group_size)
    sizes = (Cells(responses, ["session_id"]).distinct(respondent_key(responses)) if not responses.empty
             else np.array([], dtype=np.int64))
    band = np.searchsorted(np.asarray(edges), sizes, side="right") - 1
    keep = band >= 0
    table = pd.DataFrame({"band": names, "low": edges,
                          "sessions": np.bincount(band[keep], minlength=len(edges)),
                          "respondents": np.bincount(band[keep], weights=sizes[keep], minlength=len(edges))
                          .astype(np.int64)})
    table = table[table["sessions"] > 0].reset_index(drop=True)
    return suppress(table, ["band", "low"], min_group_size=min_group_size)


# -- cards -------------------------------------------------------------------------
def card_match_by_month(responses: pd.DataFrame, min_group_size: int | None = None) -> pd.DataFrame:
    """Per card (keyed by deck and id: two decks may share an id) and month: the share of
    answers matching the expected category, with its 95% Wilson interval.

    Columns: deck_id, item_id, month, expected, respondents, answers, match (0-1),
    match_low, match_high, suppressed.
    """
    raw = _cards(responses)
    keys = ["deck_id", "item_id", "month"]
    columns = keys + ["expected", "respondents", "answers", "match", "match_low", "match_high"]
    if raw.empty:
        return empty(columns, keys + ["expected"], min_group_size)
    rows = floor(raw, ["deck_id", "item_id"], min_group_size)
    if rows.empty:
        table = pd.DataFrame(columns=keys + ["respondents", "answers", "match", "match_low", "match_high"])
    else:
        table = _match_table(rows, keys)
    table = with_hidden(table, raw, keys)
    table = table.merge(mode(raw, ["deck_id", "item_id"], "expected"), on=["deck_id", "item_id"], how="left")
    return suppress(sorted_by(table[columns], keys), keys + ["expected"], min_group_size=min_group_size)


def _match_table(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per cell of ``keys``: respondents, answers, the share answered as expected and its
    95% Wilson interval."""
    cells = Cells(rows, keys)
    hits = cells.total(matches(rows))
    answers = cells.count()
    table = cells.keys.assign(respondents=cells.distinct(respondent_key(rows)), answers=answers,
                              match=(hits / np.maximum(answers, 1)).round(3))
    return _wilson_columns(table, hits, answers)


def misjudged_cards(responses: pd.DataFrame, top: int | None = None,
                    min_group_size: int | None = None) -> pd.DataFrame:
    """Cards ranked by how often they were misjudged, with where students put them.

    Columns: deck_id, item_id, model, expected, respondents, answers, match (share as
    expected), match_low, match_high (its 95% Wilson interval), put_as (the most chosen
    other category), put_as_share, then one ``share_<category>`` column per category
    chosen; lowest match first, hidden cards last.
    """
    raw = _cards(responses)
    keys = ["deck_id", "item_id"]
    base = keys + ["model", "expected", "respondents", "answers", "match", "match_low", "match_high", "put_as",
                   "put_as_share"]
    if raw.empty:
        return empty(base, keys + ["model", "expected"], min_group_size)
    rows = floor(raw, keys, min_group_size)
    if rows.empty:
        table = pd.DataFrame(columns=keys + ["respondents", "answers", "match", "match_low", "match_high",
                                             "put_as", "put_as_share"])
    else:
        table = _match_table(rows, keys)
        expected_of = mode(rows, keys, "expected")
        by_value = Cells(rows, keys + ["value"])
        counts = by_value.keys.assign(_n=by_value.count())
        shares = counts.pivot_table(index=keys, columns="value", values="_n", aggfunc="sum", fill_value=0,
                                    observed=True)
        shares = shares.div(shares.sum(axis=1), axis=0).round(3)
        shares.columns = [str(c) for c in shares.columns]
        wrong = shares.copy()
        expected = expected_of.set_index(keys)["expected"].reindex(wrong.index)
        for col in wrong.columns:
            wrong.loc[(expected == col).to_numpy(), col] = -1.0  # the expected answer is never "put as"
        put = pd.DataFrame({"put_as": wrong.idxmax(axis=1), "put_as_share": wrong.max(axis=1).clip(lower=0)})
        put.loc[put["put_as_share"] <= 0, "put_as"] = None
        table = table.merge(put.reset_index(), on=keys, how="left")
        table = table.merge(shares.add_prefix("share_").reset_index(), on=keys, how="left")
    table = with_hidden(table, raw, keys)
    table = table.merge(mode(raw, keys, "model"), on=keys, how="left")
    table = table.merge(mode(raw, keys, "expected"), on=keys, how="left")
    table = table[base + sorted(c for c in table.columns if c.startswith("share_"))]
    table = suppress(table, keys + ["model", "expected"], min_group_size=min_group_size)
    table = table.sort_values(["suppressed", "match", "answers", "item_id"], ascending=[True, True, False, True],
                              kind="stable", na_position="last").reset_index(drop=True)
    return table.head(top) if top else table


def accuracy_by_model(responses: pd.DataFrame, by=None, min_group_size: int | None = None) -> pd.DataFrame:
    """Per exploitation model (and optionally per month or session label): the share of
    card answers matching the expected category, with its 95% Wilson interval, and the
    share answering "not sure".

    Columns: [by...], model, cards, respondents, answers, match, match_low, match_high,
    not_sure, suppressed.
    """
    raw = _cards(responses)
    by = [by] if isinstance(by, str) else list(by or [])
    keys = by + ["model"]
    columns = keys + ["cards", "respondents", "answers", "match", "match_low", "match_high", "not_sure"]
    if raw.empty:
        return empty(columns, keys, min_group_size)
    # ``by`` names session labels or the month, the same for a whole session: the model is
    # what a session's part is counted by.
    rows = floor(raw, ["model"], min_group_size)
    if rows.empty:
        table = pd.DataFrame(columns=columns)
    else:
        cells = Cells(rows, keys)
        hits = matches(rows)
        answers = cells.count()
        not_sure = (rows["value"] == "not_sure").to_numpy(dtype=float)
        table = cells.keys.assign(cards=cells.distinct(coded(rows["item_id"])[0]),
                                  respondents=cells.distinct(respondent_key(rows)), answers=answers,
                                  match=(cells.total(hits) / np.maximum(answers, 1)).round(3),
                                  not_sure=cells.mean(not_sure).round(3))
        table = _wilson_columns(table, cells.total(hits), answers)
    table = with_hidden(table[columns], raw, keys)
    return suppress(sorted_by(table[columns], keys), keys, min_group_size=min_group_size)


# -- shared ------------------------------------------------------------------------
# -- every table of the trends page -------------------------------------------------
@dataclass
class Tables:
    """Every table the page shows, for one selection of sessions."""

    headline: pd.DataFrame
    months: pd.DataFrame
    sizes: pd.DataFrame
    card_months: pd.DataFrame
    misjudged: pd.DataFrame
    models: pd.DataFrame
    change_months: pd.DataFrame
    change_groups: pd.DataFrame


def compute(responses: pd.DataFrame, compare=("organisation", "group"), min_group_size: int | None = None) -> Tables:
    """All the page's tables for a (filtered) responses frame; every one suppressed."""
    k = min_group_size
    cards, ends = card_rows(responses), phase_rows(responses)  # selected once for all tables
    return Tables(
        headline=headline(responses, min_group_size=k),
        months=sessions_by_month(responses, min_group_size=k),
        sizes=respondents_per_session(responses, min_group_size=k),
        card_months=card_match_by_month(cards, min_group_size=k),
        misjudged=misjudged_cards(cards, min_group_size=k),
        models=accuracy_by_model(cards, min_group_size=k),
        change_months=change_by(ends, by="month", min_group_size=k),
        change_groups=change_by(ends, by=list(compare), min_group_size=k),
    )


__all__ = ["Tables", "compute", "threshold", "suppress", "filter_responses", "card_rows", "phase_rows", "month_of",
           "headline", "sessions_by_month", "respondents_per_session", "card_match_by_month", "misjudged_cards",
           "accuracy_by_model", "change_by", "CARD_KINDS", "LABEL_FILTERS", "NOT_SET"]
