"""The forms for one card of a deck and one question of a poll bank."""

from __future__ import annotations

import re

import ipywidgets as W

from ...content.vocab import AGE_BANDS, DEFAULT_CATEGORIES, MODELS, SIGNS
from .fields import Form, as_text, lines_of, text

NONE = ""
TYPES = {"single": "Single choice", "multiple": "Multiple choice", "scale": "Scale (1-5)",
         "text": "Short text (questions box prompt only)"}


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class CardForm(Form):
    """Character, age, scenario, expected category, model, signs, ages, note, prompts."""

    def __init__(self, on_change):
        super().__init__(on_change)
        self.add("id", text("Card id"), hint="lower-case letters, digits and -; plans name the card by it")
        self.add("character", text("Character", placeholder="a fictional first name"))
        self.add("age", W.IntText(description="Age", continuous_update=True, layout=W.Layout(width="180px")), write=lambda v: _int(v) or 0,
                 read=lambda v: v)
        self.add("text", text("Scenario", area=True), write=as_text,
                 hint="what students read: at most 40 words, about the fictional young person")
        self.add("expected", W.Dropdown(description="Expected answer", options=[("Choose…", NONE)]),
                 write=lambda v: v if isinstance(v, str) else NONE)
        self.add("model", W.Dropdown(description="Model", options=[(label, key) for key, label in MODELS.items()]),
                 write=lambda v: v if v in MODELS else "none")
        self.add("signs", W.SelectMultiple(description="Warning signs", rows=7,
                                           options=[(label, key) for key, label in SIGNS.items()]),
                 read=list, write=lambda v: tuple(s for s in (v or []) if s in SIGNS),
                 hint="hold Ctrl (⌘ on a Mac) to choose several; none for a healthy card")
        self.add("ages", W.SelectMultiple(description="Suits ages", rows=3, options=list(AGE_BANDS)),
                 read=list, write=lambda v: tuple(a for a in (v if v is not None else AGE_BANDS) if a in AGE_BANDS))
        self.add("note", text("Teaching note", area=True), write=as_text,
                 hint="private: only on the facilitator's panel")
        self.add("prompts", text("Discussion prompts", area=True), read=lines_of,
                 write=lambda v: "\n".join(map(str, v or [])), hint="one per line, 1 to 4")
        self.widget = W.VBox([f.widget for f in self.fields.values()])
        self.widget.add_class("tk-form")

    def categories(self, deck: dict) -> None:
        cats = deck.get("categories") if isinstance(deck.get("categories"), list) else DEFAULT_CATEGORIES
        options = [("Choose…", NONE)] + [(str(c.get("label")), str(c.get("id"))) for c in cats if isinstance(c, dict)]
        self._loading = True
        try:
            self.fields["expected"].control.options = options
        finally:
            self._loading = False


def new_card(ident: str) -> dict:
    """A card to fill in: every field empty that a person must write."""
    return {"id": ident, "character": "", "age": 14, "text": "", "model": "none", "signs": [],
            "ages": list(AGE_BANDS), "note": "", "prompts": []}


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60] or "option"


class QuestionForm(Form):
    """Type, text, options, the right answer, the scale's ends, the note shown on reveal."""

    def __init__(self, on_change):
        super().__init__(on_change)
        self.add("id", text("Question id"), hint="plans name the question by it")
        self.add("type", W.Dropdown(description="Kind", options=[(v, k) for k, v in TYPES.items()]),
                 write=lambda v: v if v in TYPES else "single")
        self.add("text", text("Question", area=True), write=as_text, hint="what students read, up to 200 characters")
        self.add("options", text("Options", area=True), read=self._read_options, write=self._write_options,
                 hint="one per line, 2 to 8")
        self.add("answer", W.SelectMultiple(description="Right answer", rows=4, options=[]), read=self._read_answer,
                 write=self._write_answer, hint="optional: shown on reveal")
        self.add("low", text("Scale's low end", placeholder="e.g. Not confident"))
        self.add("high", text("Scale's high end", placeholder="e.g. Very confident"))
        self.add("note", text("Note on reveal", area=True), write=as_text, hint="optional: explains the answer")
        self.widget = W.VBox([f.widget for f in self.fields.values()])
        self.widget.add_class("tk-form")

    def load(self, target: dict) -> None:
        scale = target.get("scale") if isinstance(target.get("scale"), dict) else {}
        super().load(target)
        self._loading = True
        try:
            self.fields["low"].control.value = as_text(scale.get("low"))
            self.fields["high"].control.value = as_text(scale.get("high"))
            self._answer_options()
        finally:
            self._loading = False
        self._shape()

    def _changed(self, name, value) -> None:
        if name in ("low", "high"):
            if self._loading or self.target is None:
                return
            scale = dict(self.target.get("scale") or {})
            if value.strip():
                scale[name] = value
            else:
                scale.pop(name, None)
            if scale:
                self.target["scale"] = scale
            else:
                self.target.pop("scale", None)
            self.on_change()
            return
        super()._changed(name, value)

    def changed(self, name: str) -> None:
        if name == "type":
            kind = self.target.get("type")
            if kind in ("scale", "text"):
                self.target.pop("options", None)
                self.target.pop("answer", None)
            if kind != "scale":
                self.target.pop("scale", None)
            self.load(self.target)
        if name == "options":
            self._answer_options()

    def _shape(self) -> None:
        kind = (self.target or {}).get("type")
        for name in ("options", "answer"):
            self.fields[name].widget.layout.display = None if kind in ("single", "multiple") else "none"
        for name in ("low", "high"):
            self.fields[name].widget.layout.display = None if kind == "scale" else "none"

    def _read_options(self, value: str):
        before = {o.get("label"): o.get("id") for o in self.target.get("options") or [] if isinstance(o, dict)}
        out, used = [], set()
        for label in lines_of(value):
            ident = before.get(label) or _slug(label)
            while ident in used:
                ident += "-2"
            used.add(ident)
            out.append({"id": ident, "label": label})
        return out or None

    def _write_options(self, value) -> str:
        return "\n".join(str(o.get("label", "")) for o in value or [] if isinstance(o, dict))

    def _answer_options(self) -> None:
        options = [(str(o.get("label")), str(o.get("id"))) for o in (self.target or {}).get("options") or []
                   if isinstance(o, dict)]
        control = self.fields["answer"].control
        was = self._loading
        self._loading = True
        try:
            control.options = options
            control.value = self._write_answer((self.target or {}).get("answer"))
        finally:
            self._loading = was

    def _read_answer(self, value):
        chosen = list(value)
        if not chosen:
            return None
        return chosen if self.target.get("type") == "multiple" else chosen[0]

    def _write_answer(self, value):
        ids = {str(o.get("id")) for o in (self.target or {}).get("options") or [] if isinstance(o, dict)}
        values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        return tuple(v for v in values if v in ids)


def new_question(ident: str) -> dict:
    return {"id": ident, "type": "single", "text": "", "options": []}
