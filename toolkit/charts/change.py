"""Baseline → end-point change compared across groups or sides, with 95% intervals: one
small panel per question, a dot and its interval per group, each panel on its own
question's unit (points on the 1–5 scale, or percentage points of students answering
right), so a scale and a share are never put on one colour or axis. Pure: DataFrame in,
Figure out (``trends.change_by(by=…)``, ``compare.compare``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from plotly.subplots import make_subplots

from .style import ACCENT, HIDDEN_TEXT, INK, wrap
from .trends import _figure, empty_figure, hidden_note

ROW = 22  # pixels per group in a panel
NOT_ASKED = "#B0B8C4"


def _unit(scale: bool) -> str:
    return "change, points on the 1–5 scale" if scale else "change, percentage points right"


def change_group_chart(table: pd.DataFrame, by, question_labels: dict | None = None,
                       title: str = "Change from baseline to end-point, by group", order: list | None = None,
                       min_group_size: int | None = None):
    """A panel per question: each group's change as a dot with its 95% interval. Hidden
    groups (too few respondents) say "hidden" in grey; a group not asked a question has no
    row in that panel's list of answers and says "not asked"."""
    if table.empty:
        return empty_figure(title, "No baseline and end-point answers match these filters.")
    question_labels = question_labels or {}
    by = [by] if isinstance(by, str) else list(by)
    frame = table.copy()
    frame["_row"] = frame[by].astype(str).agg(" · ".join, axis=1)
    groups = [g for g in (order or []) if g in set(frame["_row"])]
    groups += sorted(set(frame["_row"]) - set(groups))
    scale_of = frame.drop_duplicates("item_id").set_index("item_id")["item_type"].astype(str).eq("scale")
    items = sorted(scale_of.index, key=lambda i: (not scale_of[i], i))
    heights = [20 + ROW * len(groups) for _ in items]
    gap = 84  # the axis title below a panel and the question above the next
    total = sum(heights) + gap * (len(items) - 1)
    fig = make_subplots(rows=len(items), cols=1, row_heights=heights, vertical_spacing=gap / total if len(items) > 1 else 0,
                        subplot_titles=[wrap(question_labels.get(i, i), 110) for i in items],
                        figure=_figure(title, total + 110 + (60 if title else 0)))
    # One range per unit, shared by every panel of that unit: equal changes look equal.
    spans = {}
    for item in items:
        factor = 1 if scale_of[item] else 100
        rows = frame[frame["item_id"] == item]
        ends = pd.concat([rows["change_low"], rows["change_high"]]).astype(float).abs() * factor
        spans[bool(scale_of[item])] = max(spans.get(bool(scale_of[item]), 0.5 if scale_of[item] else 10),
                                          float(np.nanmax(ends)) if ends.notna().any() else 0)
    labels = [wrap(g, 38) for g in groups]
    hidden_total = 0
    for n, item in enumerate(items, start=1):
        scale = bool(scale_of[item])
        factor, places = (1, 1) if scale else (100, 0)
        rows = frame[frame["item_id"] == item].set_index("_row").reindex(groups)
        change = rows["change"].astype(float).to_numpy() * factor
        low = rows["change_low"].astype(float).to_numpy() * factor
        high = rows["change_high"].astype(float).to_numpy() * factor
        hidden = rows["suppressed"].eq(True).to_numpy()
        asked = rows["item_type"].notna().to_numpy() | hidden
        shown = ~np.isnan(change)
        method = rows["method"].astype(object).where(rows["method"].notna(), "").to_numpy()
        basis = np.where(method == "paired", rows["paired"].astype(float).fillna(0).map("{:,.0f} paired".format),
                         rows["baseline_n"].astype(float).fillna(0).map("{:,.0f}".format) + " before, "
                         + rows["endpoint_n"].astype(float).fillna(0).map("{:,.0f}".format) + " after, unpaired")
        fig.add_scatter(x=change[shown], y=[l for l, ok in zip(labels, shown) if ok], mode="markers", row=n, col=1,
                        marker=dict(color=ACCENT, size=9), showlegend=False,
                        error_x=dict(type="data", symmetric=False, array=(high - change)[shown],
                                     arrayminus=(change - low)[shown], color=ACCENT, thickness=2, width=5),
                        customdata=np.stack([low[shown], high[shown], basis[shown]], axis=-1),
                        hovertemplate=f"%{{y}}: %{{x:+.{places}f}} (95% CI %{{customdata[0]:.{places}f}} to "
                                      f"%{{customdata[1]:.{places}f}}), %{{customdata[2]}} answers<extra></extra>")
        for mask, word, colour in ((hidden, "hidden: too few", HIDDEN_TEXT), (~asked, "not asked", NOT_ASKED)):
            if mask.any():
                fig.add_scatter(x=[0] * int(mask.sum()), y=[l for l, m in zip(labels, mask) if m], mode="text",
                                text=[word] * int(mask.sum()), textposition="middle right", row=n, col=1,
                                textfont=dict(color=colour, size=12, style="italic"), showlegend=False,
                                hovertemplate=f"%{{y}}: {word}<extra></extra>")
        hidden_total += int(hidden.sum())
        span = spans[scale]
        fig.update_xaxes(range=[-span * 1.1, span * 1.1], zeroline=True, zerolinecolor=INK, zerolinewidth=1,
                         title_text=_unit(scale), title_font=dict(size=12), row=n, col=1)
        fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels,
                         range=[len(labels) - 0.5, -0.5], automargin=True, row=n, col=1)
    for annotation in fig.layout.annotations:
        annotation.update(x=0, xanchor="left", font=dict(size=13))
    return hidden_note(fig, hidden_total, min_group_size, "figures" if hidden_total > 1 else "figure",
                       y=1 + 40 / max(total, 1))


def question_chart(table: pd.DataFrame, question_labels: dict | None = None, title: str = "",
                   min_group_size: int | None = None):
    """Every question's change with its 95% interval (``trends.change_by()`` without a
    breakdown): scale questions in one panel, questions with a right answer in another,
    each on its own unit; hidden questions say so."""
    if table.empty:
        return empty_figure(title, "No baseline and end-point answers match these filters.")
    question_labels = question_labels or {}
    scale = table["item_type"].astype(str).eq("scale").to_numpy()
    parts = [(scale, True), (~scale, False)]
    parts = [(mask, unit) for mask, unit in parts if mask.any()]
    heights = [30 + 40 * int(mask.sum()) for mask, _ in parts]
    gap = 90
    total = sum(heights) + gap * (len(parts) - 1)
    fig = make_subplots(rows=len(parts), cols=1, row_heights=heights,
                        vertical_spacing=gap / total if len(parts) > 1 else 0,
                        subplot_titles=["Scale questions (1–5)" if unit else "Questions with a right answer"
                                        for _, unit in parts],
                        figure=_figure(title, total + 100 + (60 if title else 0)))
    hidden_total = 0
    for n, (mask, unit) in enumerate(parts, start=1):
        rows = table[mask]
        factor, places = (1, 1) if unit else (100, 0)
        labels = [wrap(question_labels.get(i, i), 44) for i in rows["item_id"]]
        change = rows["change"].astype(float).to_numpy() * factor
        low = rows["change_low"].astype(float).to_numpy() * factor
        high = rows["change_high"].astype(float).to_numpy() * factor
        shown = ~np.isnan(change)
        fig.add_scatter(x=change[shown], y=[l for l, ok in zip(labels, shown) if ok], mode="markers", row=n, col=1,
                        marker=dict(color=ACCENT, size=9), showlegend=False,
                        error_x=dict(type="data", symmetric=False, array=(high - change)[shown],
                                     arrayminus=(change - low)[shown], color=ACCENT, thickness=2, width=5),
                        customdata=np.stack([low[shown], high[shown]], axis=-1),
                        hovertemplate=f"%{{y}}: %{{x:+.{places}f}} (95% CI %{{customdata[0]:.{places}f}} to "
                                      f"%{{customdata[1]:.{places}f}})<extra></extra>")
        hidden = rows["suppressed"].eq(True).to_numpy()
        if hidden.any():
            hidden_total += int(hidden.sum())
            fig.add_scatter(x=[0] * int(hidden.sum()), y=[l for l, h in zip(labels, hidden) if h], mode="text",
                            text=["hidden: too few"] * int(hidden.sum()), textposition="middle right", row=n, col=1,
                            textfont=dict(color=HIDDEN_TEXT, size=12), showlegend=False, hoverinfo="skip")
        ends = np.abs(np.concatenate([low[shown], high[shown], [0.5 if unit else 10]]))
        span = float(np.nanmax(ends)) * 1.1
        fig.update_xaxes(range=[-span, span], zeroline=True, zerolinecolor=INK, title_text=_unit(unit),
                         title_font=dict(size=12), row=n, col=1)
        fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels,
                         range=[len(labels) - 0.5, -0.5], automargin=True, tickfont=dict(size=11), row=n, col=1)
    for annotation in fig.layout.annotations:
        annotation.update(x=0, xanchor="left", font=dict(size=13))
    return hidden_note(fig, hidden_total, min_group_size, "questions" if hidden_total > 1 else "question",
                       y=1 + 40 / max(total, 1))


def comparison_chart(comparison, question_labels: dict | None = None, title: str = "",
                     min_group_size: int | None = None):
    """``compare.compare``'s change by side, sides in reading order."""
    return change_group_chart(comparison.change, "side", question_labels, title=title or comparison.title,
                              order=comparison.order, min_group_size=min_group_size)


__all__ = ["change_group_chart", "comparison_chart", "question_chart"]
