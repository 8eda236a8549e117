"""Exports of a session: the tidy CSV of every answer, and a self-contained HTML report.

The report (``templates/report.html``, ``static/report.css``) embeds plotly.js once and
every chart inline, so it opens anywhere with no network; every piece of text in it is
escaped.
"""

from __future__ import annotations

from datetime import datetime, timezone

import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from ...analysis import discussion, tidy_export
from ...charts import classroom
from ...content.vocab import CARD_KINDS, GROUP_LABELS
from ...store.codes import display
from ..widgets.style import css
from .cards import cards_table
from .page import HERE, templates


def export_name(session, extension: str) -> str:
    """A file name for an export: ``workshop-CODE-YYYY-MM-DD.ext``."""
    day = (session.created_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d")
    return f"workshop-{session.code}-{day}.{extension}"


def csv_text(session, responses=None) -> str:
    """Every answer of the session, one row each (``analysis.tidy_export``), as CSV."""
    frame = session.responses() if responses is None else responses
    return tidy_export(frame).to_csv(index=False)


def html_report(session, responses=None, questions=None) -> str:
    """The session's report as one HTML page that needs nothing from the network.

    ``questions`` are the questions-box rows; only those the class saw appear (on the screen
    now or earlier), never a hidden or waiting one.
    """
    frame = session.responses() if responses is None else responses
    programme = session.programme
    changes = []
    change_rows = discussion.change_frame(frame)
    for i in range(len(change_rows)):
        one = change_rows.iloc[[i]].reset_index(drop=True)
        row = one.iloc[0]
        changes.append((discussion.question_text(programme, row["item_id"]),
                        _chart(classroom.change_figure(programme, one, label="This class")),
                        discussion.paired_sentence(row)))
    card_answers = frame[frame["activity_kind"].isin(CARD_KINDS)] if not frame.empty else frame
    cards = not card_answers.empty
    return templates.render(
        "report.html", title=session.title, stylesheet=Markup(css(HERE / "static" / "report.css")),
        plotlyjs=Markup(get_plotlyjs()), facts=_facts(session, frame),
        discuss=discussion.discuss_next(programme, frame, top=5), changes=changes,
        card_matrix=_chart(classroom.matrix_figure(programme, frame)) if cards else None,
        card_table=Markup(cards_table(programme, frame)) if cards else None,
        activities=[_activity(programme, act, frame) for act in programme.activities],
        questions=[q["text"] for q in (questions or []) if q.get("status") in ("approved", "shown")],
        made=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def _facts(session, frame) -> list[tuple[str, str]]:
    facts = [("Join code", display(session.code)), ("Plan", session.plan_id), ("Deck", session.deck_id),
             ("Started", _when(session.created_at)), ("Students joined", str(session.respondents)),
             ("Answers", str(len(frame)))]
    return facts + [(GROUP_LABELS[k], str(v)) for k, v in session.labels.items() if v]


def _when(stamp) -> str:
    if stamp is None:
        return "-"
    if stamp.tzinfo is None:  # SQLite hands stored UTC times back without a zone
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _activity(programme, act, frame) -> dict:
    """One activity of the report: what it was, how the class answered, the facilitator's notes."""
    out = {"number": act.index + 1, "title": act.title, "kind": act.kind}
    if act.kind == "slide":
        return out
    if act.kind == "sort":
        return {**out, "chart": _chart(classroom.matrix_figure(programme, frame, act)),
                "table": Markup(cards_table(programme, frame, act))}
    info = programme.reveal(act, private=True)
    text = programme.card(act.items[0])["text"] if act.kind == "card" else programme.question(act.items[0])["text"]
    return {**out, "info": info, "text": text, "signs": ", ".join(info.get("signs") or []),
            "chart": _chart(classroom.activity_chart(programme, act, frame, revealed=True))}


def _chart(figure: go.Figure) -> Markup:
    return Markup(figure.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False}))
