"""The anonymous questions box, on the private panel.

Waiting questions come first (flagged ones on top): show one on the class's screen, or
hide it. A flagged question (it may be a disclosure) reaches the screen only through a
confirmation that names the risk. Nothing is ever lost: every question of the session,
shown, hidden or flagged, stays in a list the facilitator can reopen, and goes into the
private record for the safeguarding lead (``disclosures.py``).
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as W

from ...safeguarding import SAFEGUARDING_PROMPT, matches
from ..widgets.layout import row, visible
from .page import templates

# Words the flag also looks for that only say the writer speaks of themselves: named apart,
# so the facilitator reads why a question was flagged rather than a list of pronouns.
PERSONAL = {"me", "my", "i am", "i'm", "i was", "made me", "makes me", "happening to me", "happened to me",
            "help me", "my friend"}
STATUS_WORDS = {"pending": "waiting", "approved": "on the screen now", "shown": "was on the screen",
                "hidden": "hidden"}


def flag_reason(text: str) -> tuple[list[str], list[str]]:
    """Why a question was flagged: (words about the subject, first-person words), each once."""
    found = list(dict.fromkeys(matches(text)))
    return [w for w in found if w not in PERSONAL], [w for w in found if w in PERSONAL]


class QuestionsPanel:
    """Waiting questions, those on screen, and (on request) every question of the session.

    ``set_status(question_id, status)`` is the dashboard's (it writes to the store and
    redraws); ``export`` is the safeguarding lead's download, shown under the list.
    """

    def __init__(self, set_status: Callable[[int, str], None], export: W.Widget | None = None):
        self.set_status = set_status
        self.header = W.HTML()
        self.pending = W.VBox()
        self.approved = W.VBox()
        self.all_button = W.ToggleButton(value=False, description="All questions",
                                         tooltip="Every question of this session: waiting, shown and hidden")
        self.all_button.observe(lambda _: self._draw_all(), "value")
        self.everything = W.VBox()
        self.everything.add_class("tk-all-questions")
        parts = [self.header, self.pending, self.approved, self.all_button, self.everything]
        if export is not None:
            parts.append(export)
        self.widget = W.VBox(parts)
        self.widget.add_class("tk-card")
        self.widget.add_class("tk-questions")
        self._questions: list[dict] = []
        self._shown: tuple | None = None
        self._asking: int | None = None  # the flagged question whose confirmation is open

    def update(self, questions: list[dict], force: bool = False) -> None:
        key = tuple((q["id"], q["status"]) for q in questions) + (self._asking,)
        if key == self._shown and not force:
            return
        self._shown = key
        self._questions = questions
        pending = sorted((q for q in questions if q["status"] == "pending"), key=lambda q: (not q["flagged"], q["id"]))
        approved = [q for q in questions if q["status"] == "approved"]
        put_away = sum(q["status"] in ("hidden", "shown") for q in questions)
        flagged = sum(bool(q["flagged"]) for q in questions)
        self.header.value = templates.macro("questions.html", "header", len(pending), flagged, put_away)
        self.pending.children = [self._row(q) for q in pending]
        self.approved.children = ([W.HTML(templates.macro("questions.html", "on_screen"))]
                                  + [self._row(q) for q in approved]
                                  if approved else [])
        self.all_button.description = f"All questions ({len(questions)})"
        visible(self.all_button, bool(questions))
        self._draw_all()

    def _draw_all(self) -> None:
        shown = self.all_button.value
        visible(self.everything, shown)
        if not shown:
            self.everything.children = []
            return
        rows = []
        for q in self._questions:
            parts = [W.HTML(templates.macro("questions.html", "listed", q["id"], q["text"],
                                            STATUS_WORDS.get(q["status"], q["status"]), bool(q["flagged"])))]
            if q["status"] in ("hidden", "shown"):
                back = W.Button(description="Back to waiting", tooltip="Put it back among the waiting questions")
                back.on_click(lambda _, i=q["id"]: self.set_status(i, "pending"))
                parts.append(row([back]))
            box = W.VBox(parts)
            box.add_class("tk-question")
            rows.append(box)
        self.everything.children = rows

    def _row(self, question: dict) -> W.VBox:
        qid = question["id"]
        parts = [W.HTML(templates.macro("questions.html", "question", qid, question["text"]))]
        if question["flagged"]:
            words, personal = flag_reason(question["text"])
            parts.append(W.HTML(templates.macro("questions.html", "flagged", words, personal, SAFEGUARDING_PROMPT)))
        if question["status"] == "pending" and question["flagged"] and self._asking == qid:
            # A possible disclosure on the class's screen could point to who wrote it.
            yes = W.Button(description="Show it to the class anyway", button_style="danger")
            yes.add_class("tk-confirm")
            keep = W.Button(description="Keep it private")
            yes.on_click(lambda _, i=qid: self._confirmed(i, True))
            keep.on_click(lambda _, i=qid: self._confirmed(i, False))
            parts += [W.HTML(templates.macro("questions.html", "confirm_flagged")), row([yes, keep])]
        elif question["status"] == "pending":
            label = "Show on screen…" if question["flagged"] else "Show on screen"
            show = W.Button(description=label, tooltip="Put this question on the class's screen")
            hide = W.Button(description="Hide", tooltip="Keep it off the screen (it stays in All questions)")
            show.on_click(lambda _, q=question: self._show(q))
            hide.on_click(lambda _, i=qid: self.set_status(i, "hidden"))
            parts.append(row([show, hide]))
        else:
            off = W.Button(description="Take off screen")
            off.on_click(lambda _, i=qid: self.set_status(i, "shown"))
            parts.append(row([off]))
        box = W.VBox(parts)
        box.add_class("tk-question")
        if question["flagged"]:
            box.add_class("tk-question-flagged")
        return box

    def _show(self, question: dict) -> None:
        if question["flagged"]:
            self._asking = question["id"]
            self.update(self._questions, force=True)
            return
        self.set_status(question["id"], "approved")

    def _confirmed(self, question_id: int, yes: bool) -> None:
        self._asking = None
        if yes:
            self.set_status(question_id, "approved")
        else:
            self.update(self._questions, force=True)

    def take_all_off(self) -> None:
        """Every question on the class's screen goes off it (they stay in All questions)."""
        for q in self._questions:
            if q["status"] == "approved":
                self.set_status(q["id"], "shown")


def approved_html(questions: list[dict]) -> str:
    """The approved questions as the class sees them on the stage ('' when none)."""
    shown = [q for q in questions if q["status"] == "approved"]
    if not shown:
        return ""
    return templates.macro("questions.html", "approved", [q["text"] for q in shown])
