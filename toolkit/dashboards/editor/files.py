"""The editor of each kind of file: a deck (its fields, then one card at a time), a poll
bank (one question at a time) and a plan (its fields, settings and activities). Each puts
the draft's problems and advice beside the fields they are about, and fills the preview."""

from __future__ import annotations

import ipywidgets as W

from ...content.drafts import Checked
from ...content.library import Library
from ..widgets.layout import row
from .fields import Form, as_text, remove_chosen, text
from .items import CardForm, QuestionForm, new_card, new_question
from .plan import Activities, PlanFields, SettingsFields
from .preview import PhonePreview, card_programme, question_programme


class ItemsEditor:
    """A deck or poll bank: its own fields, a list of its items, and the chosen item's form."""

    def __init__(self, on_change, key: str, noun: str, form, make):
        self.on_change, self.key, self.noun, self.make = on_change, key, noun, make
        self.data: dict = {}
        self.top = Form(on_change)
        self.top.add("id", text("Id"),
                     hint="lower-case letters, digits and -; plans name it by this")
        self.top.add("title", text("Title"))
        if key == "cards":
            self.top.add("description", text("Description", area=True), write=as_text)
        self.list = W.Select(description=f"{noun.title()}s", rows=6, options=[], layout=W.Layout(width="100%"))
        self.list.observe(lambda _: self._chosen(), "value")
        self.add_button = W.Button(description=f"Add {noun}")
        self.remove_button = W.Button(description=f"Remove {noun}")
        self.add_button.on_click(lambda _: self.add())
        self.remove_button.on_click(lambda _: self.remove())
        self.form = form(self._edited)
        self.item_messages = W.HTML()
        top = W.Box([f.widget for f in self.top.fields.values()])
        top.add_class("tk-top-fields")
        self.widget = W.VBox([top, self.list,
                              row([self.add_button, self.remove_button]), self.item_messages, self.form.widget])

    @property
    def items(self) -> list:
        value = self.data.get(self.key)
        return value if isinstance(value, list) else []

    def load(self, data: dict, chosen: int | None = 0) -> None:
        self.data = data
        self.top.load(data)
        if hasattr(self.form, "categories"):
            self.form.categories(data)
        self.redraw(chosen if self.items else None)

    def redraw(self, chosen: int | None) -> None:
        self.list.unobserve_all("value")
        self.list.options = [(_label(i, item), i) for i, item in enumerate(self.items)]
        self.list.value = chosen if chosen is not None and chosen < len(self.items) else None
        self.list.observe(lambda _: self._chosen(), "value")
        self._chosen(quiet=True)

    def _chosen(self, quiet: bool = False) -> None:
        i = self.list.value
        on = i is not None and isinstance(self.items[i], dict)
        self.form.widget.layout.display = None if on else "none"
        if on:
            self.form.load(self.items[i])
        if not quiet:
            self.on_change()

    def _edited(self) -> None:
        i = self.list.value
        if i is not None:
            options = list(self.list.options)
            options[i] = (_label(i, self.items[i]), i)
            self.list.unobserve_all("value")
            self.list.options = options
            self.list.value = i
            self.list.observe(lambda _: self._chosen(), "value")
        self.on_change()

    def add(self) -> None:
        taken = {x.get("id") for x in self.items if isinstance(x, dict)}
        ident, n = f"new-{self.noun}", 2
        while ident in taken:
            ident, n = f"new-{self.noun}-{n}", n + 1
        self.data.setdefault(self.key, []).append(self.make(ident))
        self.redraw(len(self.items) - 1)
        self.on_change()

    def remove(self) -> None:
        remove_chosen(self)

    def enable(self, on: bool) -> None:
        self.top.enable(on)
        self.form.enable(on)
        self.add_button.disabled = self.remove_button.disabled = not on

    def show(self, checked: Checked, preview: PhonePreview) -> None:
        self.top.show(checked.by_field(()), checked.advice_by_field(()))
        i = self.list.value
        prefix = (self.key, i)
        problems = checked.by_field(prefix) if i is not None else {}
        if "scale" in problems:
            problems.setdefault("high", []).extend(problems.pop("scale"))
        self.form.show(problems, checked.advice_by_field(prefix) if i is not None else {})
        wrong = sorted({p[1] for p, _ in checked.problems if len(p) > 1 and p[0] == self.key and p[1] != i})
        self.item_messages.value = _others(self.noun, wrong, self.items)
        if i is None:
            preview.show(None, f"Choose a {self.noun} to see it as a phone shows it.")
            return
        item = self.items[i]
        help_ = preview.help()
        make = card_programme if self.key == "cards" else question_programme
        programme = make(self.data, item, help_) if isinstance(item, dict) and help_ is not None else None
        why = ("A short-text question is the questions box's prompt: students see it on the Ask screen."
               if isinstance(item, dict) and item.get("type") == "text" else
               f"The preview shows once this {self.noun} has no problems.")
        preview.show(programme, why)


class PlanEditor:
    def __init__(self, on_change):
        self.on_change = on_change
        self.data: dict = {}
        self.top = PlanFields(self._top_changed)
        self.settings = SettingsFields(on_change)
        self.activities = Activities(on_change)
        self.preview: PhonePreview | None = None
        self.activities.on_select = lambda i: self.preview.show_screen(i) if self.preview else None
        settings_box = W.VBox([f.widget for f in self.settings.fields.values()])
        settings_box.add_class("tk-settings")
        top = W.Box([f.widget for f in self.top.fields.values()])
        top.add_class("tk-top-fields")
        self.widget = W.VBox([top, settings_box, self.activities.widget])

    def load(self, data: dict, library: Library) -> None:
        self.data = data
        self.library = library
        decks = [(f"{d.title} ({d.id})", d.id) for d in library.models("deck")]
        polls = [(f"{p.title} ({p.id})", p.id) for p in library.models("polls")]
        self.top.choices(decks, polls)
        self.top.load(data)
        if not isinstance(data.get("settings"), dict):
            data["settings"] = {}
        self._choices()
        self.settings.load(data["settings"])
        self.activities.load(data, *self._items())

    def _items(self):
        deck = self.library.find("deck", self.data.get("deck")) if isinstance(self.data.get("deck"), str) else None
        polls = self.library.find("polls", self.data.get("polls")) if isinstance(self.data.get("polls"), str) else None
        cards = [(c.id, c.text[:70]) for c in deck.cards] if deck else []
        questions = [(q.id, q.text[:60]) for q in polls.questions if q.type != "text"] if polls else []
        self._prompts = [(q.text[:60], q.id) for q in polls.questions if q.type == "text"] if polls else []
        return cards, questions

    def _choices(self) -> None:
        self._items()
        regions = [(h.region, ident) for ident, h in sorted(self.library.helps().items())]
        self.settings.choices(self._prompts, regions)

    def _top_changed(self) -> None:
        cards, questions = self._items()
        self.activities.load(self.data, cards, questions)
        self._choices()
        self.settings.load(self.data["settings"])
        self.on_change()

    def enable(self, on: bool) -> None:
        self.top.enable(on)
        self.settings.enable(on)
        self.activities.enable(on)

    def show(self, checked: Checked, preview: PhonePreview) -> None:
        self.top.show(checked.by_field(()), checked.advice_by_field(()))
        self.settings.show(checked.by_field(("settings",)), {})
        count = len(self.activities.items)
        self.activities.show({i: checked.by_field(("activities", i)) for i in range(count)
                              if checked.by_field(("activities", i))},
                             {i: checked.advice_by_field(("activities", i)) for i in range(count)})
        self.activities.show_total()
        self.preview = preview
        preview.show_plan(self.data, checked.ok, self.activities.list.value)


def _label(i: int, item) -> str:
    if not isinstance(item, dict):
        return f"{i + 1}. (not a mapping)"
    if "character" in item or "expected" in item:
        return f"{i + 1}. {str(item.get('text') or item.get('character') or item.get('id'))[:70]}"
    return f"{i + 1}. {str(item.get('text') or item.get('id'))[:60]}"


def _others(noun: str, wrong: list[int], items: list) -> str:
    from .page import piece
    return piece("item_problems", noun, [(_label(i, items[i]) if i < len(items) else str(i + 1)) for i in wrong]) \
        if wrong else ""


def new_deck(ident: str) -> dict:
    return {"kind": "deck", "id": ident, "title": "", "cards": [new_card("new-card")]}


def new_polls(ident: str) -> dict:
    return {"kind": "polls", "id": ident, "title": "", "questions": [new_question("new-question")]}


def new_plan(ident: str, library: Library) -> dict:
    decks = library.ids("deck")
    return {"kind": "plan", "id": ident, "title": "", "deck": decks[0] if decks else "", "minutes": 50,
            "settings": {}, "activities": []}


__all__ = ["ItemsEditor", "PlanEditor", "CardForm", "QuestionForm", "new_deck", "new_polls", "new_plan"]
