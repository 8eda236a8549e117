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

from ..content.vocab import CARD_KINDS, PHASES, SESSION_LABELS
from . import intervals
from .cells import NOT_SET, Cells, coded, empty, key, matches, mode, month_codes, respondent_key, sorted_by, take, utc
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


def phase_rows(responses: pd.DataFrame) -> pd.DataFrame:
    """The answers given at the baseline or the end-point: what ``change_by`` reads."""
    if responses.empty:
        return responses
    return take(responses, responses["phase"].isin(PHASES).to_numpy())


_cards = card_rows


def _with_hidden(table: pd.DataFrame, raw: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Add a row, with no figures, for every cell answered in ``raw`` that kept no session's
    part: it shows as hidden rather than vanishing."""
    if raw.empty:
        return table
    present = Cells(raw, keys).keys
    if table.empty:
        missing = present
    else:
        merged = present.merge(table[keys].assign(_here=True), on=keys, how="left")
        missing = present[merged["_here"].isna().to_numpy()]
    if missing.empty:
        return table
    return pd.concat([table, missing.reset_index(drop=True)], ignore_index=True)


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
    table = _with_hidden(table[columns], raw, ["month"])
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
        cells = Cells(rows, keys)
        hits = matches(rows)
        answers = cells.count()
        table = cells.keys.assign(respondents=cells.distinct(respondent_key(rows)), answers=answers,
                                  match=(cells.total(hits) / np.maximum(answers, 1)).round(3))
        table = _wilson_columns(table, cells.total(hits), answers)
    table = _with_hidden(table, raw, keys)
    table = table.merge(mode(raw, ["deck_id", "item_id"], "expected"), on=["deck_id", "item_id"], how="left")
    return suppress(sorted_by(table[columns], keys), keys + ["expected"], min_group_size=min_group_size)


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
        cells = Cells(rows, keys)
        hits = matches(rows)
        answers = cells.count()
        table = cells.keys.assign(respondents=cells.distinct(respondent_key(rows)), answers=answers,
                                  match=(cells.total(hits) / np.maximum(answers, 1)).round(3))
        table = _wilson_columns(table, cells.total(hits), answers)
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
    table = _with_hidden(table, raw, keys)
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
    table = _with_hidden(table[columns], raw, keys)
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
    """Baseline → end-point change per question repeated at both ends, with its 95%
    confidence interval, optionally broken down by ``month`` or session labels (a name or
    a list, e.g. ``["organisation", "group"]``).

    A scale question scores its mean answer; a question with a right answer the share
    right. Pairs are made within a session, where the same respondent number answered
    both ends (answers keep their in-session respondent number after the session ends;
    only the link from a device to that number is destroyed). When at least the
    threshold of pairs exist, ``change`` is the mean of each respondent's own difference
    with a paired t interval (``method`` "paired"); otherwise the difference of the two
    ends' means with Welch's interval (``method`` "unpaired"). A row is hidden unless both
    ends rest on enough respondents; ``paired`` and ``paired_change`` are blanked on their
    own when the pairs are too few.

    Columns: [by...], item_id, item_type, baseline, endpoint, change, change_low,
    change_high, method, paired, paired_change, baseline_n, endpoint_n, respondents,
    suppressed.
    """
    by = [by] if isinstance(by, str) else list(by or [])
    keys = by + ["item_id"]
    figures = ["baseline", "endpoint", "change", "change_low", "change_high", "method", "paired", "paired_change",
               "baseline_n", "endpoint_n", "respondents"]
    raw = phase_rows(responses)
    if not raw.empty:
        score = _score(raw)
        raw = raw[~np.isnan(score)]
    if raw.empty:
        return empty(keys + ["item_type"] + figures, keys + ["item_type"], min_group_size, n="_n")
    # A session's answers at one end of a question count only when enough gave them.
    rows = floor(raw, ["item_id", "phase"], min_group_size)
    k = threshold(min_group_size)
    if rows.empty:
        table = pd.DataFrame(columns=keys + figures)
    else:
        table = _change_table(rows, keys, k)
    table = _with_hidden(table, raw, keys)
    table = table.merge(mode(raw, ["item_id"], "item_type"), on="item_id", how="left")
    table = sorted_by(table[keys + ["item_type"] + figures], keys)
    # Both ends must rest on enough respondents; the pairs are checked on their own.
    table["_n"] = pd.to_numeric(table[["baseline_n", "endpoint_n"]].min(axis=1), errors="coerce")
    table = suppress(table, keys + ["item_type"], n="_n", columns=figures, min_group_size=min_group_size)
    table = suppress(table, keys + ["item_type"], n="paired", columns=["paired", "paired_change"],
                     min_group_size=min_group_size, flag=False)
    return table.drop(columns="_n")


def _change_table(rows: pd.DataFrame, keys: list[str], k: int) -> pd.DataFrame:
    score = _score(rows)
    cells = Cells(rows, keys)
    rk = respondent_key(rows)
    session = coded(rows["session_id"])[0]
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
    per_session = session[order][first]
    # One score per respondent, cell and end (a question asked twice at one end is averaged).
    per_score = np.bincount(group, weights=ordered_score) / np.bincount(group)
    per_key, per_end = unique // 2, unique % 2
    per_cell = per_key // width
    pair = (per_end[:-1] == 0) & (per_key[1:] == per_key[:-1])
    diff = per_score[1:][pair] - per_score[:-1][pair]
    pair_cell, pair_session = per_cell[:-1][pair], per_session[:-1][pair]
    # A session's pairs count only when it has enough of them in the cell (so that two
    # views never differ by a few pairs).
    if len(pair_cell):
        _, where, size = np.unique(pair_cell * (int(session.max()) + 1) + pair_session, return_inverse=True,
                                   return_counts=True)
        enough = size[where] >= k
        diff, pair_cell = diff[enough], pair_cell[enough]
    new_key = np.ones(len(per_key), dtype=bool)
    new_key[1:] = per_key[1:] != per_key[:-1]

    def by_cell(index_cells, values=None):
        return np.bincount(index_cells, weights=values, minlength=cells.n)

    is_base, is_end = per_end == 0, per_end == 1
    base_n, end_n, paired = by_cell(per_cell[is_base]), by_cell(per_cell[is_end]), by_cell(pair_cell)
    base_sum, end_sum = by_cell(per_cell[is_base], per_score[is_base]), by_cell(per_cell[is_end], per_score[is_end])
    diff_sum = by_cell(pair_cell, diff)
    base_var = intervals.sample_variance(base_sum, by_cell(per_cell[is_base], per_score[is_base] ** 2), base_n)
    end_var = intervals.sample_variance(end_sum, by_cell(per_cell[is_end], per_score[is_end] ** 2), end_n)
    diff_var = intervals.sample_variance(diff_sum, by_cell(pair_cell, diff ** 2), paired)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = np.where(base_n > 0, base_sum / base_n, np.nan)
        endpoint = np.where(end_n > 0, end_sum / end_n, np.nan)
        paired_change = np.where(paired > 0, diff_sum / paired, np.nan)
    use_pairs = paired >= k
    p_low, p_high = intervals.mean_interval(paired_change, diff_var, paired)
    w_low, w_high = intervals.welch_interval(baseline, base_var, base_n, endpoint, end_var, end_n)
    return cells.keys.assign(
        baseline=np.round(baseline, 3), endpoint=np.round(endpoint, 3),
        change=np.round(np.where(use_pairs, paired_change, endpoint - baseline), 3),
        change_low=np.round(np.where(use_pairs, p_low, w_low), 3),
        change_high=np.round(np.where(use_pairs, p_high, w_high), 3),
        method=np.where(use_pairs, "paired", "unpaired"),
        paired=paired.astype(np.int64), paired_change=np.round(paired_change, 3),
        baseline_n=base_n.astype(np.int64), endpoint_n=end_n.astype(np.int64),
        respondents=by_cell(per_cell[new_key]).astype(np.int64))


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
