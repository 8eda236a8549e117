"""The charts of one session, labelled and coloured from the programme it ran.

Pure: a programme and a responses DataFrame in, a plotly Figure out. The console, its
summary and the HTML report all draw from here, so a chart looks the same live and in
the report.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..analysis import distribution, results_matrix
from ..analysis.discussion import card_label, question_text
from .session import change_chart, distribution_chart, matrix_chart
from .style import wrap


def category_colours(programme) -> dict[str, str]:
    return {c["id"]: c["colour"] for c in programme.categories()}


def options_for_chart(programme, activity) -> list[dict]:
    """An activity's options, a scale's ends named (``1 · Not at all``)."""
    options = programme.options(activity)
    if activity.kind == "poll":
        q = programme.question(activity.items[0])
        if q["type"] == "scale":
            scale = q.get("scale") or {}
            ends = {str(scale.get("min", 1)): scale.get("low"), str(scale.get("max", 5)): scale.get("high")}
            options = [{**o, "label": f"{o['id']} · {ends[o['id']]}" if ends.get(o["id"]) else o["label"]}
                       for o in options]
    return options


def expected_answer(programme, activity):
    """The expected option id(s) of a card or poll, or None."""
    if activity.kind == "card":
        return programme.card(activity.items[0])["expected"]
    if activity.kind == "poll":
        return programme.question(activity.items[0]).get("answer")
    return None


def activity_chart(programme, activity, responses: pd.DataFrame, revealed: bool, title: str | None = None,
                   height: int | None = None) -> go.Figure:
    """How the class answered a card or poll, in the deck's colours; the expected answer
    ticked once revealed."""
    options = options_for_chart(programme, activity)
    dist = distribution(responses, activity.id, activity.items[0], options=options)
    colours = category_colours(programme) if activity.kind == "card" else None
    expected = expected_answer(programme, activity) if revealed else None
    figure = distribution_chart(dist, colours=colours, expected=expected, title=title,
                                height=height or max(200, (90 if title else 50) + 50 * len(dist)))
    if not title:
        figure.update_layout(margin=dict(t=10))
    return figure


def matrix_figure(programme, responses: pd.DataFrame, activity=None, revealed: bool = True,
                  title: str | None = None) -> go.Figure:
    """Cards × categories: one sort activity (every card listed, answered or not) or, with
    no activity, every card answer of the session. Expected cells outlined once revealed."""
    categories = [c["id"] for c in programme.categories()]
    if activity is not None:
        rows = responses[responses["activity_id"] == activity.id] if not responses.empty else responses
        matrix = results_matrix(rows, categories=categories).reindex(index=list(activity.items), fill_value=0)
    else:
        matrix = results_matrix(responses, categories=categories)
    cards = list(matrix.index)
    figure = matrix_chart(
        matrix, card_labels={c: card_label(programme, c) for c in cards},
        # Wrapped so the column labels stay level in a narrow panel.
        category_labels={c["id"]: wrap(c["label"], 10) for c in programme.categories()},
        expected={c: programme.card(c)["expected"] for c in cards} if revealed else None, title=title)
    # Rows of a fixed height: a sort of two cards should not fill a screen.
    figure.update_layout(height=(170 if title else 120) + 50 * len(cards))
    figure.update_xaxes(tickangle=0, tickfont=dict(size=14))
    figure.update_yaxes(tickfont=dict(size=16))
    if not title:
        figure.update_layout(margin=dict(t=50))
    return figure


def change_figure(programme, frame: pd.DataFrame, title: str | None = None, label: str | None = None) -> go.Figure:
    """Before and after per question, from ``change_frame``; ``label`` names every bar
    (for one question whose text is shown beside the chart), else the question's text."""
    labels = {q: label or question_text(programme, q) for q in frame["item_id"]}
    figure = change_chart(frame, question_labels=labels, title=title)
    if len(frame) == 1:
        figure.update_layout(height=250, margin=dict(t=90 if title else 56),
                             legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"))
    return figure
