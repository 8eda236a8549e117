"""Charts of one class's answers: the split for a card or poll, the sort matrix, the change."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .style import MUTED, NEUTRAL, base_figure, wrap


def distribution_chart(dist: pd.DataFrame, colours: dict[str, str] | None = None, expected: str | list | None = None,
                       title: str | None = None, height: int = 420) -> go.Figure:
    """Horizontal bars of ``analysis.distribution``: one bar per option, in the deck's colours.

    The expected answer (after reveal) is marked with a tick in its label.
    """
    colours = colours or {}
    expected_ids = set(expected if isinstance(expected, list) else [expected] if expected else [])
    labels = [("✔ " if v in expected_ids else "") + wrap(lbl) for v, lbl in zip(dist["value"], dist["label"])]
    bar_colours = [colours.get(v, NEUTRAL) for v in dist["value"]]
    if expected_ids and not colours:
        bar_colours = [NEUTRAL if v in expected_ids else MUTED for v in dist["value"]]
    fig = base_figure(title, height)
    fig.add_bar(
        x=list(dist["count"]), y=labels, orientation="h", marker_color=bar_colours,
        text=[f"{c}  ({p:.0f}%)" if c else "0" for c, p in zip(dist["count"], dist["percent"])],
        textposition="auto", cliponaxis=False, hovertemplate="%{y}: %{x}<extra></extra>")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text="answers", rangemode="tozero", dtick=_dtick(dist["count"].max() if len(dist) else 0))
    return fig


def _dtick(top: int) -> int | None:
    return 1 if top <= 10 else None


def matrix_chart(matrix: pd.DataFrame, card_labels: dict[str, str] | None = None,
                 category_labels: dict[str, str] | None = None, expected: dict[str, str] | None = None,
                 title: str | None = None) -> go.Figure:
    """Cards × categories heatmap of ``analysis.results_matrix``, the expected cell outlined."""
    card_labels = card_labels or {}
    category_labels = category_labels or {}
    rows = [wrap(card_labels.get(i, i), 34) for i in matrix.index]
    cols = [category_labels.get(c, c) for c in matrix.columns]
    totals = matrix.sum(axis=1).replace(0, 1)
    share = matrix.div(totals, axis=0)
    fig = base_figure(title, height=max(360, 60 + 46 * len(rows)))
    fig.add_heatmap(z=share.values, x=cols, y=rows, zmin=0, zmax=1, colorscale="Blues", showscale=False,
                    text=matrix.values, texttemplate="%{text}", textfont=dict(size=18),
                    hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>", xgap=3, ygap=3)
    for r, card in enumerate(matrix.index):
        exp = (expected or {}).get(card)
        if exp in matrix.columns:
            c = list(matrix.columns).index(exp)
            fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
                          line=dict(color="#1F2933", width=3))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top")
    return fig


def change_chart(change: pd.DataFrame, question_labels: dict[str, str] | None = None,
                 title: str | None = None) -> go.Figure:
    """Baseline and end-point side by side per question (mean for scales, % correct otherwise)."""
    question_labels = question_labels or {}
    frame = change.copy()
    is_scale = frame["item_type"] == "scale"
    # Put both kinds on one axis: a scale's 1-5 mean and a share correct as percentages.
    base = frame["baseline"].where(is_scale, frame["baseline"] * 100)
    end = frame["endpoint"].where(is_scale, frame["endpoint"] * 100)
    labels = [wrap(question_labels.get(i, i), 30) + ("<br>(mean, 1–5)" if s else "<br>(% correct)")
              for i, s in zip(frame["item_id"], is_scale)]
    fig = base_figure(title, height=max(360, 80 + 70 * len(frame)))
    fig.add_bar(y=labels, x=list(base), name="Before", orientation="h", marker_color="#9AA5B1",
                text=[_fmt(v, s) for v, s in zip(base, is_scale)], textposition="auto")
    fig.add_bar(y=labels, x=list(end), name="After", orientation="h", marker_color="#1565C0",
                text=[_fmt(v, s) for v, s in zip(end, is_scale)], textposition="auto")
    fig.update_layout(barmode="group", showlegend=True, legend=dict(orientation="h", y=1.08, x=0.6))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def _fmt(value, is_scale: bool) -> str:
    if pd.isna(value):
        return ""
    return f"{value:.1f}" if is_scale else f"{value:.0f}%"
