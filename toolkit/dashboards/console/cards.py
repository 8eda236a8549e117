"""The table of how the class sorted the cards: on the stage during a sort, in the summary
and in the report. HTML from ``templates/cards.html``."""

from __future__ import annotations

from ...analysis import discussion
from .page import templates


def cards_table(programme, frame, activity=None, css: str = "") -> str:
    """Per card (of one sort, or of the whole session): answers, the most chosen category,
    agreement and the share as expected, the most contested marked "discuss"."""
    rows = discussion.card_rows(programme, frame, activity)
    labels = {c["id"]: c["label"] for c in programme.categories()}
    shown = [(r.label, r.contested, r.answers, r.top_label, f"{r.agreement:.0%}", f"{r.match:.0%}",
              labels.get(r.expected, r.expected)) for r in rows.itertuples()]
    return templates.macro("cards.html", "table", shown, css)
