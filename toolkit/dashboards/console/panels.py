"""The stage (what the class sees: the activity, voting, results once revealed) and the
private panel beside it (teaching notes, what to discuss next, the session's details)."""

from __future__ import annotations

import ipywidgets as W
from markupsafe import Markup

from ...analysis import discussion
from ...charts import classroom
from ...charts.style import NEUTRAL
from ...store.codes import display
from ..widgets.layout import toggle_class, visible
from ..widgets.live_chart import LiveChart
from .cards import cards_table
from .page import templates
from .run import KEY_HELP


def _piece(name: str, *args) -> str:
    return templates.macro("panels.html", name, *args)


def heading_html(snapshot) -> str:
    """The activity on screen, large: what it is, its card, question or slide text, and
    either the options to choose from or, once revealed, the expected answer."""
    programme, act = snapshot.programme, snapshot.activity
    total = len(programme.activities)
    place = f"{act.index + 1} of {total}"
    revealed = snapshot.session.revealed and act.votes
    if act.kind == "slide":
        lines = [line for line in (act.body or "").splitlines() if line.strip()]
        return _piece("slide", place, act.title, lines)
    if act.kind == "card":
        card = programme.card(act.items[0])
        below = Markup(reveal_html(snapshot)) if revealed else None
        return _piece("card", place, card["text"], programme.categories(), below)
    if act.kind == "poll":
        q = programme.question(act.items[0])
        options = classroom.options_for_chart(programme, act)
        how = "Choose all that apply:" if q["type"] == "multiple" else "Choose one:"
        below = Markup(reveal_html(snapshot)) if revealed else None
        return _piece("poll", act.title, place, q["text"], how, options, below)
    return _piece("sort", place, act.title, len(act.items))


def status_html(snapshot) -> str:
    """Whether voting is open and how many have answered."""
    session, act = snapshot.session, snapshot.activity
    joined = session.respondents
    n = snapshot.answered
    card_answers = sum(snapshot.counts.values()) if act.kind == "sort" else None
    state = ("open" if session.voting_open else "revealed" if session.revealed else "closed" if n
             else "not open")
    return _piece("status", state, n, joined, card_answers, "Sorting" if act.kind == "sort" else "Voting")


def reveal_html(snapshot) -> str:
    """The expected answer and the signs (cards), or the answer and its note (polls), as
    shown to the class."""
    programme, act = snapshot.programme, snapshot.activity
    info = programme.reveal(act, private=False)
    if act.kind == "card":
        colour = classroom.category_colours(programme).get(info["expected"], NEUTRAL)
        return _piece("card_reveal", colour, info["expected_label"], " · ".join(info["signs"]))
    if act.kind == "poll":
        answer, note = info.get("answer_label"), info.get("note")
        return _piece("poll_reveal", answer, note) if "answer_label" in info or note else ""
    return ""


class ChangeBox:
    """Before → after for one repeated question, with the paired change in words."""

    def __init__(self):
        self.title = W.HTML()
        self.chart = LiveChart()
        self.note = W.HTML()
        self.widget = W.VBox([self.title, self.chart.widget, self.note])

    def update(self, programme, row_frame, with_question: bool = False) -> None:
        """Draw one question's change; ``with_question`` names it (the stage shows it above)."""
        row = row_frame.iloc[0]
        question = discussion.question_text(programme, row["item_id"]) if with_question else None
        self.title.value = _piece("change_title", question)
        self.chart.draw(classroom.change_figure(programme, row_frame, label="This class"))
        self.note.value = _piece("small", discussion.paired_sentence(row))


class Stage:
    """What the class sees about the activity on screen. Results stay hidden until
    "Reveal" unless the plan shows them live; a sort's matrix fills in privately first."""

    def __init__(self):
        self.heading = W.HTML()
        self.status = W.HTML()
        self.preview_note = W.HTML(_piece("preview_note"))
        self.distribution = LiveChart()
        self.matrix = LiveChart()
        self.table = W.HTML()
        self.change = ChangeBox()
        # A poll's answers and, at the end-point, its change: side by side when there is room.
        pair = W.HBox([self.distribution.widget, self.change.widget])
        pair.add_class("tk-pair")
        self.results = W.VBox([self.preview_note, pair, self.matrix.widget, self.table])
        self.results.add_class("tk-card")
        top = W.VBox([self.heading, self.status])
        top.add_class("tk-card")
        self.widget = W.VBox([top, self.results])
        self._drawn: tuple | None = None

    def update(self, snapshot, presenting: bool) -> None:
        act = snapshot.activity
        self.heading.value = heading_html(snapshot)
        self.status.value = status_html(snapshot) if act.votes else ""
        visible(self.status, act.votes)
        public = snapshot.results_visible
        preview = act.kind == "sort" and not public
        visible(self.results, public or (preview and not presenting))
        toggle_class(self.results, "tk-sort-preview", preview)
        visible(self.preview_note, preview)
        self.distribution.show(public and act.kind in ("card", "poll"))
        self.matrix.show(act.kind == "sort" and (public or preview))
        visible(self.table, act.kind == "sort" and (public or preview))
        revealed = snapshot.session.revealed
        changes = discussion.change_frame(snapshot.responses, act.items[0]) \
            if revealed and act.kind == "poll" and act.phase == "endpoint" else None
        visible(self.change.widget, changes is not None and not changes.empty)
        # Charts are redrawn only when the session or its answers changed, not when
        # presentation mode only hid or showed the panels around them.
        if not (public or preview) or snapshot.fingerprint == self._drawn:
            return
        self._drawn = snapshot.fingerprint
        if act.kind == "sort":
            self.matrix.draw(classroom.matrix_figure(snapshot.programme, snapshot.responses, act, revealed=revealed))
            self.table.value = cards_table(snapshot.programme, snapshot.responses, act, css="tk-table")
        else:
            self.distribution.draw(classroom.activity_chart(snapshot.programme, act, snapshot.responses, revealed))
        if changes is not None and not changes.empty:
            self.change.update(snapshot.programme, changes)


class PrivatePanel:
    """The facilitator's eyes only: notes for the activity, what to discuss next, the
    questions box and the session's details with the keyboard shortcuts. Hidden in
    presentation mode."""

    def __init__(self, questions_widget: W.Widget):
        self.notes = W.HTML()
        self.discuss = W.HTML()
        self.details = W.HTML()
        for box in (self.notes, self.discuss, self.details):
            box.add_class("tk-card")
        self.questions = questions_widget
        self.widget = W.VBox([self.notes, self.discuss, questions_widget, self.details])
        self.widget.add_class("tk-private")

    def update(self, snapshot, join_url: str | None, questions_waiting: bool = False,
               local_warning: str | None = None) -> None:
        """Redraw; waiting questions go to the top, where a possible disclosure is seen at once."""
        order = ([self.questions, self.notes, self.discuss] if questions_waiting
                 else [self.notes, self.discuss, self.questions]) + [self.details]
        if list(self.widget.children) != order:
            self.widget.children = order
        notes = notes_html(snapshot)
        self.notes.value = notes
        visible(self.notes, bool(notes))
        session = snapshot.session
        show_discuss = session.status in ("summary", "ended") or session.revealed
        items = discussion.discuss_next(snapshot.programme, snapshot.responses) if show_discuss else []
        self.discuss.value = discuss_html(items) if items else ""
        visible(self.discuss, bool(items))
        self.details.value = details_html(session, join_url, local_warning)


def notes_html(snapshot) -> str:
    act = snapshot.activity
    if act is None or act.kind == "slide":
        return ""
    programme = snapshot.programme
    info = programme.reveal(act, private=True)
    if act.kind == "card":
        return _piece("card_notes", info["expected_label"], info["model"], ", ".join(info["signs"]) or "none",
                      info["note"], info["prompts"])
    if act.kind == "poll":
        answer, note = info.get("answer_label"), info.get("note")
        return _piece("poll_notes", answer, note) if "answer_label" in info or note else ""
    labels = {c["id"]: c["label"] for c in programme.categories()}
    cards = [(discussion.card_label(programme, c["id"]), labels[c["expected"]])
             for c in (programme.card(i) for i in act.items)]
    return _piece("sort_notes", cards)


def discuss_html(items: list[dict]) -> str:
    return _piece("discuss", items)


def details_html(session, join_url: str | None, local_warning: str | None = None) -> str:
    labels = " · ".join(v for v in session.labels.values() if v) or "no group labels"
    return _piece("details", session.code, display(session.code), session.plan_id, labels, join_url, KEY_HELP,
                  local_warning)

