"""The anonymous questions box, on the private panel: approve a question for the screen,
or hide it. Text that may be a disclosure is flagged with what to do about it."""

from __future__ import annotations

from typing import Callable

import ipywidgets as W

from ...safeguarding import SAFEGUARDING_PROMPT, matches
from ..widgets.layout import row
from .page import templates


class QuestionsPanel:
    """Pending questions first (flagged ones on top), then those on screen.

    ``set_status(question_id, status)`` is the dashboard's (it writes to the store and
    redraws).
    """

    def __init__(self, set_status: Callable[[int, str], None]):
        self.set_status = set_status
        self.header = W.HTML()
        self.pending = W.VBox()
        self.approved = W.VBox()
        self.widget = W.VBox([self.header, self.pending, self.approved])
        self.widget.add_class("tk-card")
        self._shown: tuple | None = None

    def update(self, questions: list[dict]) -> None:
        key = tuple((q["id"], q["status"]) for q in questions)
        if key == self._shown:
            return
        self._shown = key
        pending = sorted((q for q in questions if q["status"] == "pending"), key=lambda q: (not q["flagged"], q["id"]))
        approved = [q for q in questions if q["status"] == "approved"]
        hidden = sum(q["status"] == "hidden" for q in questions)
        flagged = sum(bool(q["flagged"]) for q in pending)
        self.header.value = templates.macro("questions.html", "header", len(pending), flagged, hidden)
        self.pending.children = [self._row(q) for q in pending]
        self.approved.children = ([W.HTML(templates.macro("questions.html", "on_screen"))]
                                  + [self._row(q) for q in approved]
                                  if approved else [])

    def _row(self, question: dict) -> W.VBox:
        parts = [W.HTML(templates.macro("questions.html", "question", question["id"], question["text"]))]
        if question["flagged"] and question["status"] == "pending":
            words = ", ".join(dict.fromkeys(matches(question["text"])))
            parts.append(W.HTML(templates.macro("questions.html", "flagged", words, SAFEGUARDING_PROMPT)))
        if question["status"] == "pending":
            # A possible disclosure on the projected screen could point to who wrote it.
            label = "Show on screen anyway" if question["flagged"] else "Show on screen"
            show = W.Button(description=label, tooltip="Put this question on the projected screen")
            hide = W.Button(description="Hide", tooltip="Never show this question")
            show.on_click(lambda _, i=question["id"]: self.set_status(i, "approved"))
            hide.on_click(lambda _, i=question["id"]: self.set_status(i, "hidden"))
            buttons = [show, hide]
        else:
            off = W.Button(description="Take off screen")
            off.on_click(lambda _, i=question["id"]: self.set_status(i, "hidden"))
            buttons = [off]
        parts.append(row(buttons))
        box = W.VBox(parts)
        box.add_class("tk-question")
        return box


def approved_html(questions: list[dict]) -> str:
    """The approved questions as the class sees them on the stage ('' when none)."""
    shown = [q for q in questions if q["status"] == "approved"]
    if not shown:
        return ""
    return templates.macro("questions.html", "approved", [q["text"] for q in shown])
