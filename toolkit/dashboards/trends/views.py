"""The trends page's tables as the lead sees them: headline tiles, each chart's table to
read, and its CSV to download. HTML from ``templates/page.html``."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd

from .page import templates

PERCENT = ("match", "match_low", "match_high", "not_sure", "put_as_share")


def headline_html(table: pd.DataFrame, k: int) -> str:
    """The four headline numbers as tiles; hidden ones say so."""
    row = table.iloc[0]
    hidden = bool(row["suppressed"])
    tiles = [("sessions", "Sessions", "{:,.0f}"), ("respondents", "Respondents", "{:,.0f}"),
             ("answers", "Answers", "{:,.0f}"), ("median_per_session", "Respondents per session (median)",
                                                 "{:,.0f}")]
    shown = []
    for name, label, fmt in tiles:
        value = row[name]
        if hidden:
            number = f"hidden: fewer than {k}"
        elif pd.isna(value):
            number = "–"
        else:
            number = fmt.format(float(value))
        shown.append((name, label, number, hidden))
    return templates.macro("page.html", "headline", shown)


def readings_html(comparison, questions: dict, k: int) -> str:
    """A comparison read in words, question by question, sides in reading order."""
    from ...analysis.compare import read_change
    table = comparison.change
    order = {side: n for n, side in enumerate(comparison.order)}
    groups = []
    for item, rows in table.assign(_o=table["side"].map(order)).sort_values("_o").groupby("item_id", sort=True):
        groups.append((questions.get(item, item), [(r["side"], read_change(r, "", k), bool(r["suppressed"]))
                                                   for _, r in rows.iterrows()]))
    lines = sum(len(rows) for _, rows in groups)
    return templates.macro("page.html", "readings", comparison.title, groups, lines <= 30)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV: hidden figures are empty cells, as in the page."""
    return table.to_csv(index=False).encode("utf-8")


def download_link(table: pd.DataFrame, filename: str) -> str:
    """A link that saves the table as CSV. The file travels inside the link (a data: URI):
    these tables are aggregates of a few hundred rows, and the link needs no round trip
    to the kernel."""
    body = base64.b64encode(csv_bytes(table)).decode("ascii")
    return templates.macro("page.html", "download_link", filename, body)


def table_html(table: pd.DataFrame, limit: int = 200) -> str:
    """A table for reading on the page, behind a "Show the table" toggle."""
    shown = table.head(limit)
    titles = [_title(c) for c in shown.columns if c != "suppressed"]
    rows = []
    for _, row in shown.iterrows():
        hidden = bool(row.get("suppressed", False))
        cells = []
        for col in shown.columns:
            if col == "suppressed":
                continue
            value = row[col]
            numeric = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
            text = "hidden" if hidden and pd.isna(value) else _format(col, value)
            cells.append((text, numeric or text == "hidden"))
        rows.append((hidden, cells))
    return templates.macro("page.html", "table", titles, rows, f"{len(table):,}",
                           f"{limit:,}" if len(table) > limit else None)


def _title(column: str) -> str:
    return column.replace("share_", "put as ").replace("_", " ")


def _format(column: str, value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        if column in PERCENT or column.startswith("share_"):
            return f"{100 * value:.0f}%"
        if column.startswith("change") or column in ("baseline", "endpoint", "paired_change"):
            return f"{value:,.3f}"  # a change of 0.004 on a 1-5 scale or in a share is not 0
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    return str(value)
