"""Trends across sessions for programme leads, with small groups hidden.

Every function takes the tidy responses DataFrame that ``Store.responses`` returns (or
any frame with its columns; categoricals are fine) and returns a small table of
aggregates. None returns a row per respondent or per answer.

Small numbers: a row (a bar, a heatmap cell, a point) resting on fewer than
``min_group_size`` distinct respondents (distinct ``(session_id, respondent)`` pairs,
default from ``toolkit.config``) keeps its keys but has every number blanked and
``suppressed`` set; ``suppression.suppress`` is the one place that decides this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..content.vocab import CARD_KINDS, PHASES, SESSION_LABELS
from .cells import NOT_SET, Cells, coded, empty, key, matches, mode, month_codes, respondent_key, sorted_by, take, utc
from .suppression import suppress, threshold

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


def phase_rows(responses: pd.DataFrame) -> pd.DataFrame:
    """The answers given at the baseline or the end-point: what ``change_by`` reads."""
    if responses.empty:
        return responses
    return take(responses, responses["phase"].isin(PHASES).to_numpy())


_cards = card_rows

# -- headline and volume -----------------------------------------------------------
def headline(responses: pd.DataFrame, min_group_size: int | None = None) -> pd.DataFrame:
    """One row: sessions, respondents, answers and the median respondents per session."""
    if responses.empty:
        # Nothing to hide in nothing: "0 sessions" tells a lead the filters match none.
        return pd.DataFrame({"sessions": [0], "respondents": [0], "answers": [0], "median_per_session": [np.nan],
                             "suppressed": [False]})
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
    cells = Cells(responses, ["month"])
    table = cells.keys.assign(sessions=cells.distinct(coded(responses["session_id"])[0]),
                              respondents=cells.distinct(respondent_key(responses)), answers=cells.count())
    return suppress(sorted_by(table[columns], ["month"]), "month", min_group_size=min_group_size)


def respondents_per_session(responses: pd.DataFrame, bands=SIZE_BANDS,
                            min_group_size: int | None = None) -> pd.DataFrame:
    """How many sessions had how many respondents, in bands of class size.

    Columns: band (e.g. "10-14"), low, sessions, respondents, suppressed; a band's figures
    rest on all the respondents of its sessions.
    """
    edges = list(bands)
    names = [f"{lo}-{hi - 1}" for lo, hi in zip(edges, edges[1:])] + [f"{edges[-1]}+"]
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
    """Per card and month: the share of answers matching the expected category.

    Columns: deck_id, item_id, month, expected, respondents, answers, match (0-1), suppressed.
    """
    rows = _cards(responses)
    keys = ["deck_id", "item_id", "month"]
    columns = keys + ["expected", "respondents", "answers", "match"]
    if rows.empty:
        return empty(columns, keys + ["expected"], min_group_size)
    cells = Cells(rows, keys)
    table = cells.keys.assign(respondents=cells.distinct(respondent_key(rows)), answers=cells.count(),
                              match=cells.mean(matches(rows)).round(3))
    table = table.merge(mode(rows, ["deck_id", "item_id"], "expected"), on=["deck_id", "item_id"], how="left")
    return suppress(sorted_by(table[columns], keys), keys + ["expected"], min_group_size=min_group_size)


def misjudged_cards(responses: pd.DataFrame, top: int | None = None,
                    min_group_size: int | None = None) -> pd.DataFrame:
    """Cards ranked by how often they were misjudged, with where students put them.

    Columns: deck_id, item_id, model, expected, respondents, answers, match (share as
    expected), put_as (the most chosen other category), put_as_share, then one
    ``share_<category>`` column per category chosen; lowest match first, hidden cards last.
    """
    rows = _cards(responses)
    keys = ["deck_id", "item_id"]
    base = keys + ["model", "expected", "respondents", "answers", "match", "put_as", "put_as_share"]
    if rows.empty:
        return empty(base, keys + ["model", "expected"], min_group_size)
    cells = Cells(rows, keys)
    table = cells.keys.assign(respondents=cells.distinct(respondent_key(rows)), answers=cells.count(),
                              match=cells.mean(matches(rows)).round(3))
    table = table.merge(mode(rows, keys, "model"), on=keys, how="left")
    table = table.merge(mode(rows, keys, "expected"), on=keys, how="left")
    by_value = Cells(rows, keys + ["value"])
    counts = by_value.keys.assign(_n=by_value.count())
    shares = counts.pivot_table(index=keys, columns="value", values="_n", aggfunc="sum", fill_value=0)
    shares = shares.div(shares.sum(axis=1), axis=0).round(3)
    shares.columns = [str(c) for c in shares.columns]
    wrong = shares.copy()
    expected = table.set_index(keys)["expected"].reindex(wrong.index)
    for col in wrong.columns:
        wrong.loc[(expected == col).to_numpy(), col] = -1.0  # the expected answer is never "put as"
    put = pd.DataFrame({"put_as": wrong.idxmax(axis=1), "put_as_share": wrong.max(axis=1).clip(lower=0)})
    put.loc[put["put_as_share"] <= 0, "put_as"] = None
    table = table.merge(put.reset_index(), on=keys, how="left")
    table = table.merge(shares.add_prefix("share_").reset_index(), on=keys, how="left")
    table = table[base + sorted(c for c in table.columns if c.startswith("share_"))]
    table = suppress(table, keys + ["model", "expected"], min_group_size=min_group_size)
    table = table.sort_values(["suppressed", "match", "answers", "item_id"], ascending=[True, True, False, True],
                              kind="stable", na_position="last").reset_index(drop=True)
    return table.head(top) if top else table


def accuracy_by_model(responses: pd.DataFrame, by=None, min_group_size: int | None = None) -> pd.DataFrame:
    """Per exploitation model (and optionally per month or session label): the share of
    card answers matching the expected category, and the share answering "not sure".

    Columns: [by...], model, cards, respondents, answers, match, not_sure, suppressed.
    """
    rows = _cards(responses)
    by = [by] if isinstance(by, str) else list(by or [])
    keys = by + ["model"]
    columns = keys + ["cards", "respondents", "answers", "match", "not_sure"]
    if rows.empty:
        return empty(columns, keys, min_group_size)
    cells = Cells(rows, keys)
    not_sure = (rows["value"] == "not_sure").to_numpy(dtype=float)
    table = cells.keys.assign(cards=cells.distinct(coded(rows["item_id"])[0]),
                              respondents=cells.distinct(respondent_key(rows)), answers=cells.count(),
                              match=cells.mean(matches(rows)).round(3), not_sure=cells.mean(not_sure).round(3))
    return suppress(sorted_by(table[columns], keys), keys, min_group_size=min_group_size)


# -- baseline to end-point ---------------------------------------------------------
def _score(rows: pd.DataFrame) -> np.ndarray:
    """A number per answer: a scale answer's value, 1/0 for right/wrong, else NaN."""
    scale = (rows["item_type"] == "scale").to_numpy()
    codes, uniques = pd.factorize(rows["value"])  # convert the few distinct values, not every row
    numbers = np.append(pd.to_numeric(pd.Series(np.asarray(uniques, dtype=object)), errors="coerce")
                        .to_numpy(dtype=float), np.nan)
    has_answer = rows["expected"].notna().to_numpy() & ~scale
    out = np.where(has_answer, matches(rows), np.nan)
    out[scale] = numbers[codes[scale]]
    return out


def change_by(responses: pd.DataFrame, by=None, min_group_size: int | None = None) -> pd.DataFrame:
    """Baseline → end-point change per question repeated at both ends, optionally broken
    down by ``month`` or session labels (a name or a list, e.g. ``["organisation", "group"]``).

    A scale question scores its mean answer; a question with a right answer the share
    right. Pairs are made within a session (a respondent number means nothing across
    sessions). ``change`` is the paired change (mean of each respondent's own
    difference) when at least the threshold of respondents answered at both ends, else
    the difference of the two means. A row is hidden unless both ends rest on enough
    respondents; ``paired`` and ``paired_change`` are blanked on their own when the
    pairs are too few.

    Columns: [by...], item_id, item_type, baseline, endpoint, change, paired,
    paired_change, baseline_n, endpoint_n, respondents, suppressed.
    """
    by = [by] if isinstance(by, str) else list(by or [])
    keys = by + ["item_id"]
    figures = ["baseline", "endpoint", "change", "paired", "paired_change", "baseline_n", "endpoint_n", "respondents"]
    rows = phase_rows(responses)
    if not rows.empty:
        score = _score(rows)
        rows, score = rows[~np.isnan(score)], score[~np.isnan(score)]
    if rows.empty:
        return empty(keys + ["item_type"] + figures, keys + ["item_type"], min_group_size, n="_n")
    cells = Cells(rows, keys)
    rk = respondent_key(rows)
    width = int(rk.max()) + 1
    # Sort by (cell, respondent, end): a respondent's baseline and end-point answers to a
    # question then sit side by side, so pairs are found without a join.
    combined = (cells.cell * width + rk) * 2 + (rows["phase"] == "endpoint").to_numpy(dtype=np.int64)
    order = np.argsort(combined, kind="stable")
    combined, ordered_score = combined[order], score[order]
    first = np.ones(len(combined), dtype=bool)
    first[1:] = combined[1:] != combined[:-1]
    group = np.cumsum(first) - 1
    unique = combined[first]
    # One score per respondent, cell and end (a question asked twice at one end is averaged).
    per_score = np.bincount(group, weights=ordered_score) / np.bincount(group)
    per_key, per_end = unique // 2, unique % 2
    per_cell = per_key // width
    pair = (per_end[:-1] == 0) & (per_key[1:] == per_key[:-1])
    diff = per_score[1:][pair] - per_score[:-1][pair]
    pair_cell = per_cell[:-1][pair]
    new_key = np.ones(len(per_key), dtype=bool)
    new_key[1:] = per_key[1:] != per_key[:-1]

    def by_cell(index_cells, values=None):
        return np.bincount(index_cells, weights=values, minlength=cells.n)

    is_base, is_end = per_end == 0, per_end == 1
    baseline_n = by_cell(per_cell[is_base]).astype(np.int64)
    endpoint_n = by_cell(per_cell[is_end]).astype(np.int64)
    paired = by_cell(pair_cell).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = np.where(baseline_n > 0, by_cell(per_cell[is_base], per_score[is_base]) / baseline_n, np.nan)
        endpoint_mean = np.where(endpoint_n > 0, by_cell(per_cell[is_end], per_score[is_end]) / endpoint_n, np.nan)
        paired_change = np.where(paired > 0, by_cell(pair_cell, diff) / paired, np.nan)
    k = threshold(min_group_size)
    table = cells.keys.assign(
        baseline=np.round(baseline, 3), endpoint=np.round(endpoint_mean, 3),
        change=np.round(np.where(paired >= k, paired_change, endpoint_mean - baseline), 3),
        paired=paired, paired_change=np.round(paired_change, 3), baseline_n=baseline_n, endpoint_n=endpoint_n,
        respondents=by_cell(per_cell[new_key]).astype(np.int64))
    table = table.merge(mode(rows, ["item_id"], "item_type"), on="item_id", how="left")
    table = sorted_by(table[keys + ["item_type"] + figures], keys)
    # Both ends must rest on enough respondents; the pairs are checked on their own.
    table["_n"] = table[["baseline_n", "endpoint_n"]].min(axis=1)
    table = suppress(table, keys + ["item_type"], n="_n", columns=figures, min_group_size=min_group_size)
    table = suppress(table, keys + ["item_type"], n="paired", columns=["paired", "paired_change"],
                     min_group_size=min_group_size, flag=False)
    return table.drop(columns="_n")


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
