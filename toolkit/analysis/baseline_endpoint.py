"""Baseline → end-point change per question across sessions, with its 95% confidence
interval: paired within a session where the same respondents answered both ends, Welch's
otherwise. (Not named ``change``: ``toolkit.analysis.change`` is one session's change, for
the console, and a submodule of that name would replace it.)

Answers keep their in-session respondent number after a session ends (only the link from a
device to that number is destroyed when it ends), so pairs are found from the answers
alone, in any store, at any time; nothing identifying is kept for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..content.vocab import PHASES
from . import intervals
from .cells import Cells, coded, empty, matches, mode, respondent_key, sorted_by, take, with_hidden
from .suppression import floor, suppress, threshold


def phase_rows(responses: pd.DataFrame) -> pd.DataFrame:
    """The answers given at the baseline or the end-point: what ``change_by`` reads."""
    if responses.empty:
        return responses
    return take(responses, responses["phase"].isin(PHASES).to_numpy())


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
    table = with_hidden(table, raw, keys)
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


__all__ = ["change_by", "phase_rows"]
