"""Grouping answers by integer codes: the building blocks of the trends tables.

Frames reach millions of answers, so the work is done on integer codes with numpy
(factorize, bincount, sort) rather than on strings with groupby. Blank keys become
"(not set)", so a group without a label is still a group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .suppression import suppress

NOT_SET = "(not set)"


def utc(series: pd.Series) -> pd.Series:
    out = series if pd.api.types.is_datetime64_any_dtype(series) else pd.to_datetime(series)
    return out.dt.tz_localize("UTC") if out.dt.tz is None else out.dt.tz_convert("UTC")


def coded(series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for a column and the values they stand for; blanks become "(not set)"."""
    if isinstance(getattr(series, "dtype", None), pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)  # already coded: no hashing
        values = np.asarray(series.cat.categories, dtype=object)
    else:
        codes, uniques = pd.factorize(series)
        codes, values = codes.astype(np.int64), np.asarray(uniques, dtype=object)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(values), codes)
        values = np.append(values, NOT_SET)
    return codes, values


def month_codes(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if rows.empty:
        return np.array([], dtype=np.int64), np.array([], dtype=object)
    if isinstance(rows.get("month", pd.Series(dtype=object)).dtype, pd.CategoricalDtype):
        return coded(rows["month"])  # a reader may attach the month once for every call
    stamps = utc(rows["session_date"]).dt.tz_localize(None).to_numpy()
    months = stamps.astype("datetime64[M]").astype(np.int64)
    first = int(months.min())
    codes = months - first
    names = np.datetime_as_string(np.arange(first, int(months.max()) + 1).astype("datetime64[M]"), unit="M")
    return codes, names.astype(object)


def key(rows: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    return month_codes(rows) if name == "month" else coded(rows[name])


def respondent_key(rows: pd.DataFrame) -> np.ndarray:
    """One integer per distinct (session, respondent): the unit every threshold counts."""
    sessions = coded(rows["session_id"])[0]
    respondent = pd.to_numeric(rows["respondent"]).to_numpy(dtype=np.int64)
    width = int(respondent.max()) + 1 if len(respondent) else 1
    return sessions * width + respondent


class Cells:
    """The rows of a frame grouped by key columns: a cell number per row and the keys per cell."""

    def __init__(self, rows: pd.DataFrame, keys: list[str], extra: dict | None = None):
        parts = [key(rows, k) for k in keys] + list((extra or {}).values())
        names = list(keys) + list(extra or {})
        combined = np.zeros(len(rows), dtype=np.int64)
        sizes = [max(len(values), 1) for _, values in parts]
        for (codes, values), size in zip(parts, sizes):
            combined = combined * size + codes
        total = int(np.prod(sizes, dtype=np.float64)) if sizes else 1
        if total <= 4_000_000:
            present = np.flatnonzero(np.bincount(combined, minlength=total))
            remap = np.full(total, -1, dtype=np.int64)
            remap[present] = np.arange(len(present))
            self.cell, ids = remap[combined], present
        else:
            self.cell, ids = pd.factorize(combined, sort=True)
            ids = np.asarray(ids, dtype=np.int64)
        self.n = len(ids)
        columns, rest = {}, ids
        for name, (codes, values), size in reversed(list(zip(names, parts, sizes))):
            rest, code = np.divmod(rest, size)
            columns[name] = values[code] if len(values) else np.array([], dtype=object)
        self.keys = pd.DataFrame({name: columns[name] for name in names})

    def count(self) -> np.ndarray:
        return np.bincount(self.cell, minlength=self.n)

    def total(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.cell, weights=weights, minlength=self.n)

    def mean(self, values: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(values)
        n = np.bincount(self.cell[ok], minlength=self.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, np.bincount(self.cell[ok], weights=values[ok], minlength=self.n) / np.maximum(n, 1),
                            np.nan)

    def distinct(self, sub: np.ndarray) -> np.ndarray:
        """How many distinct values of ``sub`` (non-negative integers) each cell holds."""
        if not len(sub):
            return np.zeros(self.n, dtype=np.int64)
        width = int(sub.max()) + 1
        ordered = np.sort(self.cell * width + sub)
        first = np.ones(len(ordered), dtype=bool)
        first[1:] = ordered[1:] != ordered[:-1]
        return np.bincount(ordered[first] // width, minlength=self.n)


# Only these columns are read; copying just them keeps a filter of millions of rows cheap.
USED = ["session_id", "organisation", "group", "age_band", "setting", "facilitator", "plan_id", "deck_id",
         "session_date", "month", "activity_kind", "phase", "item_id", "item_type", "respondent", "value",
         "expected", "model", "deck_version", "side"]


def take(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    if mask.all():
        return frame  # already selected: no copy
    return frame.loc[mask, [c for c in USED if c in frame.columns]]


def equal(a, b) -> np.ndarray:
    """Row by row, whether two columns hold the same value (blanks never equal)."""
    ca, ua = coded(a)
    cb, ub = coded(b)
    lookup = pd.Index(ua, dtype=object).get_indexer(ub)  # each b value's code among a's
    lookup[ub == NOT_SET] = -2
    return lookup[cb] == ca


def matches(rows: pd.DataFrame) -> np.ndarray:
    return equal(rows["value"], rows["expected"]).astype(float)


def mode(rows: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """The most common value of ``column`` per group of ``keys`` (ties: the first in order)."""
    cells = Cells(rows, keys + [column])
    table = cells.keys.assign(_n=cells.count()).sort_values(keys + ["_n"], ascending=[True] * len(keys) + [False],
                                                           kind="stable")
    return table.drop_duplicates(keys).drop(columns="_n")


def sorted_by(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return table.sort_values(keys, kind="stable").reset_index(drop=True) if keys else table


def empty(columns: list[str], keys: list[str], min_group_size, n: str = "respondents") -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object if c in keys else "float64") for c in columns})
    if n not in frame:
        frame[n] = pd.Series(dtype="float64")
    out = suppress(frame, keys, n=n, min_group_size=min_group_size)
    return out.drop(columns=[n]) if n not in columns else out


def with_hidden(table: pd.DataFrame, raw: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
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
