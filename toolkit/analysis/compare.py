"""Comparisons a programme lead asks for, each with 95% intervals and a reading in words.

A comparison splits the sessions into sides (this term and last term; one organisation
and all the others; each age band, setting or deck version) and computes the baseline →
end-point change and the cards answered as expected for every side, through the same
``trends`` functions as the rest of the page: the same intervals, the same small-numbers
rule. A side is always a set of whole sessions, so the secondary rule still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .cells import NOT_SET, utc
from .suppression import threshold
from .trends import accuracy_by_model, card_rows, change_by, phase_rows

SIDE = "side"
OTHERS = "All others"
# name: (what the page calls it, the session labels a side is made of; None for terms)
KINDS = {
    "term": ("This term against last term", None),
    "group": ("Groups", ["organisation", "group"]),
    "organisation": ("Organisations", ["organisation"]),
    "age_band": ("Age bands", ["age_band"]),
    "setting": ("Settings", ["setting"]),
    "facilitator": ("Facilitators", ["facilitator"]),
    "plan_id": ("Plans", ["plan_id"]),
    "deck_version": ("Deck versions", ["deck_version"]),
}
# UK school terms (England): autumn from September, spring from January, summer from April.
TERMS = ((9, "Autumn"), (1, "Spring"), (4, "Summer"))


# -- school terms --------------------------------------------------------------------
def term_of(day) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """The school term holding ``day``: (first day, the day after its last, its name),
    e.g. "Autumn term 2026" for 14 October 2026."""
    day = pd.Timestamp(day).tz_localize(None) if pd.Timestamp(day).tzinfo else pd.Timestamp(day)
    month, year = day.month, day.year
    if month >= 9:
        start, end, name = pd.Timestamp(year, 9, 1), pd.Timestamp(year + 1, 1, 1), "Autumn"
    elif month >= 4:
        start, end, name = pd.Timestamp(year, 4, 1), pd.Timestamp(year, 9, 1), "Summer"
    else:
        start, end, name = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 4, 1), "Spring"
    return start, end, f"{name} term {year}"


def previous_term(day) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """The school term before the one holding ``day``."""
    start, _, _ = term_of(day)
    return term_of(start - pd.Timedelta(days=1))


def school_year_of(day) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """The school year (1 September to 31 August) holding ``day``."""
    day = pd.Timestamp(day).tz_localize(None) if pd.Timestamp(day).tzinfo else pd.Timestamp(day)
    first = day.year if day.month >= 9 else day.year - 1
    return pd.Timestamp(first, 9, 1), pd.Timestamp(first + 1, 9, 1), f"School year {first}–{str(first + 1)[2:]}"


# -- sides ---------------------------------------------------------------------------
def sides(responses: pd.DataFrame, kind: str, value: str | None = None, today: date | None = None) -> pd.DataFrame:
    """The answers with a ``side`` column for a comparison; answers on no side are left out.

    ``kind`` is one of ``KINDS``; ``value``, when given, the one side (an organisation, or
    "organisation · group") set against all the others; ``today`` the day "this term" is
    read from (default: today).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown comparison {kind!r} (one of {', '.join(KINDS)})")
    columns = KINDS[kind][1]
    if responses.empty:
        return responses.assign(**{SIDE: pd.Series(dtype=object)})
    if columns is None:
        now = pd.Timestamp(today or date.today())
        this, last = term_of(now), previous_term(now)
        dates = utc(responses["session_date"]).dt.tz_localize(None)
        side = np.full(len(responses), None, dtype=object)
        for start, end, name in (last, this):
            side[((dates >= start) & (dates < end)).to_numpy()] = name
    else:
        parts = [responses[c].astype(object).where(responses[c].notna(), NOT_SET) for c in columns]
        labels = parts[0] if len(parts) == 1 else parts[0].str.cat(parts[1:], sep=" · ")
        if value is not None:
            side = np.where((labels == value).to_numpy(), value, OTHERS).astype(object)
        else:
            side = labels.to_numpy(dtype=object)
    out = responses.assign(**{SIDE: side})
    return out[out[SIDE].notna().to_numpy()]


def side_order(kind: str, table: pd.DataFrame, value: str | None = None, today: date | None = None) -> list[str]:
    """The sides in the order a reader expects: last term before this term, the chosen
    organisation before all the others, labels in order."""
    present = list(dict.fromkeys(table[SIDE].dropna())) if SIDE in table else []
    if kind == "term":
        now = pd.Timestamp(today or date.today())
        order = [previous_term(now)[2], term_of(now)[2]]
    elif value is not None:
        order = [value, OTHERS]
    else:
        order = sorted(present, key=lambda s: (s == NOT_SET, str(s)))
    return [s for s in order if s in present] or order


@dataclass
class Comparison:
    """A comparison's tables: ``change`` (``trends.change_by`` by side, with ``reading``)
    and ``cards`` (``trends.accuracy_by_model`` by side)."""

    kind: str
    title: str
    order: list[str]
    change: pd.DataFrame
    cards: pd.DataFrame


def compare(responses: pd.DataFrame, kind: str, value: str | None = None, today: date | None = None,
            question_labels: dict | None = None, min_group_size: int | None = None) -> Comparison:
    """Every side's change per question and cards answered as expected, with intervals."""
    rows = sides(responses, kind, value, today)
    change = change_by(phase_rows(rows), by=SIDE, min_group_size=min_group_size)
    labels = question_labels or {}
    k = threshold(min_group_size)
    change = change.assign(reading=[read_change(r, labels.get(r["item_id"], r["item_id"]), k)
                                    for _, r in change.iterrows()])
    cards = accuracy_by_model(card_rows(rows), by=SIDE, min_group_size=min_group_size)
    title = KINDS[kind][0] if value is None else f"{value} against all others"
    if value is not None and not (change["side"] == value).any() and not (cards["side"] == value).any():
        title += f" ({value} has no answers in this selection)"
    return Comparison(kind, title, side_order(kind, change if len(change) else cards, value, today), change, cards)


# -- in words ------------------------------------------------------------------------
def _number(value: float, decimals: int) -> str:
    text = f"{abs(value):,.{decimals}f}"
    return ("−" + text) if value < 0 and float(text.replace(",", "")) != 0 else text


def read_change(row, label: str = "", min_group_size: int | None = None) -> str:
    """One row of ``trends.change_by`` in words, e.g. "Improved by 0.8 points on a 1–5
    scale, 95% CI 0.6 to 1.0, from 1,240 paired answers." A change whose interval holds
    zero is read as no clear change."""
    k = threshold(min_group_size)
    lead = f"{label}: " if label else ""
    if bool(row.get("suppressed", False)) or pd.isna(row.get("change")):
        return f"{lead}hidden: fewer than {k} students answered at one end."
    scale = str(row.get("item_type")) == "scale"
    factor, decimals = (1, 1) if scale else (100, 0)
    unit = "points on a 1–5 scale" if scale else "percentage points of students answering right"
    change, low, high = (float(row[c]) * factor for c in ("change", "change_low", "change_high"))
    size = _number(abs(change), decimals)
    if low > 0:
        words = f"Improved by {size} {unit}"
    elif high < 0:
        words = f"Fell by {size} {unit}"
    else:
        words = f"No clear change ({'+' if change >= 0 else ''}{_number(change, decimals)} {unit})"
    interval = f"95% CI {_number(low, decimals)} to {_number(high, decimals)}"
    if row.get("method") == "paired":
        basis = f"from {int(row['paired']):,} paired answers"
    else:
        basis = (f"from {int(row['baseline_n']):,} answers before and {int(row['endpoint_n']):,} after "
                 "(not paired: too few students answered both)")
    return f"{lead}{words}, {interval}, {basis}."


__all__ = ["KINDS", "OTHERS", "SIDE", "Comparison", "compare", "sides", "side_order", "term_of", "previous_term",
           "school_year_of", "read_change"]
