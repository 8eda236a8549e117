"""The one rule for small numbers: a figure resting on fewer than ``min_group_size``
distinct respondents is never shown.

A row (a bar, a heatmap cell, a point) resting on too few keeps its keys but has every
number blanked and ``suppressed`` set. Every trends table passes through ``suppress``.
"""

from __future__ import annotations

import weakref

import pandas as pd

from .. import config


def threshold(min_group_size: int | None = None) -> int:
    """The smallest number of respondents a shown figure may rest on."""
    k = config.get("min_group_size") if min_group_size is None else min_group_size
    return max(1, int(k))


def suppress(table: pd.DataFrame, keys, n: str = "respondents", columns=None, min_group_size: int | None = None,
             flag: bool = True) -> pd.DataFrame:
    """Blank the figures of every row resting on fewer than the threshold of respondents.

    ``n`` names the column counting the respondents the figures rest on; ``columns`` the
    figures to blank (default: every column but ``keys`` and ``suppressed``). With ``flag``
    the row is marked ``suppressed=True``; without, only the named figures are blanked
    (for a figure resting on a subset of the row's respondents, such as those who
    answered both before and after). Integer counts become nullable so a blank is <NA>.
    """
    k = threshold(min_group_size)
    keys = [keys] if isinstance(keys, str) else list(keys)
    out = table.copy()
    counts = pd.to_numeric(out[n], errors="coerce")
    hidden = counts.isna() | (counts < k)
    if columns is None:
        columns = [c for c in out.columns if c not in keys and c != "suppressed"]
    for col in columns:
        if pd.api.types.is_integer_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("Int64")
        out[col] = out[col].mask(hidden)
    if flag:
        already = out["suppressed"].astype(bool) if "suppressed" in out else False
        out["suppressed"] = hidden.to_numpy() | already
    elif "suppressed" not in out:
        out["suppressed"] = False
    return out


def floor(rows: pd.DataFrame, keys, min_group_size: int | None = None):
    """The rows whose session gave their cell at least the threshold of respondents.

    Secondary suppression. Every filter of the trends page (dates, organisation, group…)
    picks whole sessions, so two filtered views differ by whole sessions' parts of each
    cell. A session's part counts only when at least ``k`` of its respondents are in it:
    every figure then rests on ``k`` or more, and so does the difference between any two
    views, so no subtraction reaches a smaller group. ``keys`` name the cell within a
    session (e.g. ``["deck_id", "item_id"]``; ``[]`` for the whole session).
    """
    from .cells import Cells, respondent_key, take  # cells builds its empty tables with suppress
    if rows.empty:
        return rows
    k = threshold(min_group_size)
    keys = [keys] if isinstance(keys, str) else list(keys)
    # One redraw asks for the same floor of the same frame several times (the headline, the
    # months and the sizes all floor whole sessions): keep the last few answers.
    memo = (id(rows), len(rows), tuple(keys), k)
    kept = _FLOORS.get(memo)
    if kept is not None and kept[0]() is rows:
        return take(rows, kept[1])
    cells = Cells(rows, ["session_id"] + keys)
    mask = (cells.distinct(respondent_key(rows)) >= k)[cells.cell]
    _FLOORS[memo] = (weakref.ref(rows), mask)  # the mask, not the rows: a copy of millions is not kept
    while len(_FLOORS) > 8:
        _FLOORS.pop(next(iter(_FLOORS)))
    return take(rows, mask)


_FLOORS: dict = {}
