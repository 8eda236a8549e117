"""Composing a plan: its own fields and settings, and its activities: added, removed,
reordered, each with its minutes, against the plan's length."""

from __future__ import annotations

from typing import Callable

import ipywidgets as W

from ...content.advice import total_minutes
from ...content.vocab import AGE_BANDS, PHASES
from ..widgets.layout import row, toggle_class
from .fields import Form, as_text, remove_chosen, text
from .page import piece

NONE = ""
ADDABLE = {"slide": "Slide", "poll": "Poll question", "card": "Card (class vote)", "sort": "Self-paced sort",
           "help": "Where to get help"}
# The shipped plans' closing slide: the help placeholder fills in the session's own region.
HELP_SLIDE = {"kind": "slide", "id": "where-to-get-help", "title": "Where to get help",
              "body": "Talk to a trusted adult, like a teacher, a parent or carer, or a youth worker.\n{help}\n"
                      "This app is anonymous, so nobody here knows who you are. To get help, tell someone.",
              "minutes": 1}


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class PlanFields(Form):
    """The plan's own fields: id, title, description, deck, poll bank, length, audience."""

    def __init__(self, on_change):
        super().__init__(on_change)
        self.add("id", text("Plan id"))
        self.add("title", text("Title"))
        self.add("description", text("Description", area=True), write=as_text, hint="for facilitators choosing a plan")
        self.add("deck", W.Dropdown(description="Deck", options=[]), write=lambda v: v if isinstance(v, str) else None)
        self.add("polls", W.Dropdown(description="Poll bank", options=[("None", NONE)]),
                 write=lambda v: v if isinstance(v, str) else NONE)
        self.add("minutes", W.FloatText(description="Minutes", continuous_update=True, layout=W.Layout(width="200px")),
                 read=lambda v: (int(v) if float(v).is_integer() else v) if v else None,
                 write=lambda v: _number(v) or 0)
        self.add("audience", W.Dropdown(description="Audience", options=[("Any age", NONE)] + [(a, a) for a in AGE_BANDS]),
                 write=lambda v: v if v in AGE_BANDS else NONE)

    def choices(self, decks: list[tuple[str, str]], polls: list[tuple[str, str]]) -> None:
        self._loading = True
        try:
            self.fields["deck"].control.options = decks
            self.fields["polls"].control.options = [("None", NONE)] + polls
        finally:
            self._loading = False


class SettingsFields(Form):
    def __init__(self, on_change):
        super().__init__(on_change)
        self.add("questions_box", W.Checkbox(description="Anonymous questions box", indent=False),
                 read=lambda v: v or None, write=bool)
        self.add("questions_prompt", W.Dropdown(description="Its prompt", options=[("None", NONE)]),
                 write=lambda v: v if isinstance(v, str) else NONE)
        self.add("show_results_live", W.Checkbox(description="Show results while voting", indent=False),
                 read=lambda v: v or None, write=bool)
        self.add("help_region", W.Dropdown(description="Help region", options=[("Chosen when the session starts", NONE)]),
                 write=lambda v: v if isinstance(v, str) else NONE)

    def choices(self, prompts: list[tuple[str, str]], regions: list[tuple[str, str]]) -> None:
        self._loading = True
        try:
            self.fields["questions_prompt"].control.options = [("None", NONE)] + prompts
            self.fields["help_region"].control.options = [("Chosen when the session starts", NONE)] + regions
        finally:
            self._loading = False


class ActivityFields(Form):
    """One activity; only the fields of its kind are shown."""

    SHOWN = {"slide": ("id", "title", "body", "minutes"), "poll": ("question", "phase", "minutes"),
             "card": ("card", "minutes"), "sort": ("title", "cards", "minutes")}

    def __init__(self, on_change):
        super().__init__(on_change)
        self.add("id", text("Slide id"))
        self.add("title", text("Title"))
        self.add("body", text("Text", area=True), write=as_text,
                 hint="one point per line; {help} on a line of its own lists the session's helplines")
        self.add("question", W.Dropdown(description="Question", options=[]), write=lambda v: v if isinstance(v, str) else None)
        self.add("phase", W.Dropdown(description="Phase", options=[("Plain poll", NONE)] + [(p.title(), p) for p in PHASES]),
                 write=lambda v: v if v in PHASES else NONE)
        self.add("card", W.Dropdown(description="Card", options=[]), write=lambda v: v if isinstance(v, str) else None)
        self.add("cards", W.SelectMultiple(description="Cards", rows=8, options=[]), read=lambda v: list(v) or None,
                 write=lambda v: tuple(v or ()), hint="none chosen: the whole deck")
        self.add("minutes", W.FloatText(description="Minutes", continuous_update=True, layout=W.Layout(width="200px")),
                 read=lambda v: (int(v) if float(v).is_integer() else v) if v else None,
                 write=lambda v: _number(v) or 0)
        self.widget = W.VBox([f.widget for f in self.fields.values()])
        self.widget.add_class("tk-form")

    def choices(self, cards: list[tuple[str, str]], questions: list[tuple[str, str]]) -> None:
        was = self._loading
        self._loading = True
        try:
            # ``cards`` and ``questions`` are (id, what it says) pairs; a dropdown shows the words.
            self.fields["card"].control.options = [(label, ident) for ident, label in cards]
            self.fields["cards"].control.options = [(label, ident) for ident, label in cards]
            self.fields["question"].control.options = [(label, ident) for ident, label in questions]
        finally:
            self._loading = was

    def load(self, target: dict) -> None:
        shown = self.SHOWN.get(target.get("kind"), ())
        for name, field in self.fields.items():
            field.widget.layout.display = None if name in shown else "none"
        super().load(target)


class Activities:
    """The plan's activities as a list to choose from, the chosen one's form, and the
    buttons that add, move and remove; the running total against the plan's minutes."""

    def __init__(self, on_change: Callable[[], None]):
        self.on_change = on_change
        self.plan: dict | None = None
        self.list = W.Select(description="Activities", rows=8, options=[], layout=W.Layout(width="100%"))
        self.total = W.HTML()
        self.total.add_class("tk-total")
        self.form = ActivityFields(self._edited)
        self.messages = W.HTML()
        self.up = W.Button(description="Move up", icon="")
        self.down = W.Button(description="Move down")
        self.remove = W.Button(description="Remove")
        self.kind = W.Dropdown(description="Add", options=[(v, k) for k, v in ADDABLE.items()])
        self.add_button = W.Button(description="Add activity", button_style="primary")
        self.up.on_click(lambda _: self.move(-1))
        self.down.on_click(lambda _: self.move(1))
        self.remove.on_click(lambda _: self.delete())
        self.add_button.on_click(lambda _: self.add(self.kind.value))
        self.list.observe(lambda _: self._chosen(), "value")
        self.buttons = row([self.up, self.down, self.remove])
        self.adder = row([self.kind, self.add_button])
        self.widget = W.VBox([self.total, self.list, self.buttons, self.adder, self.messages, self.form.widget])
        self.widget.add_class("tk-activities")
        self._cards: list[tuple[str, str]] = []
        self._questions: list[tuple[str, str]] = []

    @property
    def items(self) -> list:
        acts = (self.plan or {}).get("activities")
        return acts if isinstance(acts, list) else []

    def load(self, plan: dict, cards, questions) -> None:
        self.plan = plan
        self._cards, self._questions = cards, questions
        self.form.choices(cards, questions)
        self.redraw(0 if self.items else None)

    def redraw(self, chosen: int | None = None) -> None:
        labels = {k: t for k, t in self._cards}
        qs = {k: t for k, t in self._questions}
        options = []
        for i, act in enumerate(self.items):
            options.append((describe(i, act, labels, qs), i))
        self.list.unobserve_all("value")
        self.list.options = options
        self.list.value = chosen if chosen is not None and chosen < len(options) else None
        self.list.observe(lambda _: self._chosen(), "value")
        self._chosen()
        self.show_total()

    def show_total(self) -> None:
        minutes = _number((self.plan or {}).get("minutes"))
        used = total_minutes([a for a in self.items if isinstance(a, dict)])
        self.total.value = piece("running_total", used, minutes)
        toggle_class(self.total, "tk-over", minutes is not None and used > minutes)

    def _chosen(self) -> None:
        i = self.list.value
        on = i is not None and i < len(self.items) and isinstance(self.items[i], dict)
        self.form.widget.layout.display = None if on else "none"
        if on:
            self.form.load(self.items[i])
            self.on_select(i)

    def on_select(self, index: int) -> None:
        """An activity was chosen in the list (the plan editor shows its screen on the phone)."""

    def _edited(self) -> None:
        self.redraw(self.list.value)
        self.on_change()

    def move(self, step: int) -> None:
        i = self.list.value
        if i is None or not 0 <= i + step < len(self.items):
            return
        acts = self.items
        acts[i], acts[i + step] = acts[i + step], acts[i]
        self.redraw(i + step)
        self.on_change()

    def delete(self) -> None:
        remove_chosen(self)

    def add(self, kind: str) -> None:
        if self.plan is None:
            return
        acts = self.plan.setdefault("activities", [])
        used = {a.get("id") for a in acts if isinstance(a, dict)}
        if kind == "help":
            act = dict(HELP_SLIDE)
        elif kind == "slide":
            n = 1
            while f"slide-{n}" in used:
                n += 1
            act = {"kind": "slide", "id": f"slide-{n}", "title": "", "body": "", "minutes": 2}
        elif kind == "poll":
            act = {"kind": "poll", "question": self._questions[0][0] if self._questions else None, "minutes": 1}
        elif kind == "card":
            taken = {a.get("card") for a in acts if isinstance(a, dict)}
            free = [c for c, _ in self._cards if c not in taken] or [c for c, _ in self._cards]
            act = {"kind": "card", "card": free[0] if free else None, "minutes": 3}
        else:
            act = {"kind": "sort", "minutes": 8}
        at = self.list.value + 1 if self.list.value is not None else len(acts)
        acts.insert(at, {k: v for k, v in act.items() if v is not None})
        self.redraw(at)
        self.on_change()

    def enable(self, on: bool) -> None:
        self.form.enable(on)
        for button in (self.up, self.down, self.remove, self.add_button, self.kind):
            button.disabled = not on

    def show(self, problems: dict[int, dict[str, list[str]]], advice: dict[int, dict[str, list[str]]]) -> None:
        i = self.list.value
        self.form.show(problems.get(i, {}), advice.get(i, {}))
        # Problems and advice of activities not on screen are listed, so none goes unseen.
        wrong = [(n + 1, m) for n, by in sorted(problems.items()) if n != i for msgs in by.values() for m in msgs]
        hints = [(n + 1, m) for n, by in sorted(advice.items()) if n != i for msgs in by.values() for m in msgs]
        self.messages.value = piece("activity_problems", wrong, hints) if wrong or hints else ""


def describe(i: int, act, cards: dict, questions: dict) -> str:
    """One line of the activity list: "3. Card: Sam, 14 (3 min)"."""
    if not isinstance(act, dict):
        return f"{i + 1}. (not an activity)"
    kind = act.get("kind")
    minutes = _number(act.get("minutes"))
    if kind == "slide":
        what = f"Slide: {act.get('title') or act.get('id') or 'untitled'}"
    elif kind == "poll":
        phase = f" ({act['phase']})" if act.get("phase") else ""
        what = f"Poll{phase}: {questions.get(act.get('question'), act.get('question'))}"
    elif kind == "card":
        what = f"Card: {cards.get(act.get('card'), act.get('card'))}"
    elif kind == "sort":
        count = len(act.get("cards") or []) or "all"
        what = f"Sort: {act.get('title') or 'Sort the cards'} ({count} cards)"
    else:
        what = str(kind)
    return f"{i + 1}. {what}" + (f" · {minutes:g} min" if minutes else "")


__all__ = ["PlanFields", "SettingsFields", "Activities"]
