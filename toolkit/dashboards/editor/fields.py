"""A form field: its control with a label above, and the problems and advice about it beside
it. Controls write into the draft's data; the form redraws messages after each check."""

from __future__ import annotations

from typing import Callable

import ipywidgets as W

from ..widgets.layout import toggle_class
from .page import piece


class Field:
    """``control`` labelled by its own description (so a screen reader names it), with a
    message area under it. ``read(value)`` turns the control's value into the data's."""

    def __init__(self, name: str, control: W.Widget, hint: str = ""):
        self.name = name
        self.control = control
        self.message = W.HTML()
        parts = [control] + ([W.HTML(piece("hint", hint))] if hint else []) + [self.message]
        self.widget = W.VBox(parts)
        self.widget.add_class("tk-field")
        self.widget.add_class(f"tk-field-{name}")

    def show(self, problems: list[str] = (), advice: list[str] = ()) -> None:
        self.message.value = piece("field_messages", list(problems), list(advice)) if problems or advice else ""
        toggle_class(self.widget, "tk-wrong", bool(problems))
        toggle_class(self.widget, "tk-advised", bool(advice) and not problems)

    def enable(self, on: bool) -> None:
        self.control.disabled = not on


class Form:
    """A set of fields over one mapping of the draft (a card, a question, a file's top)."""

    def __init__(self, on_change: Callable[[], None]):
        self.on_change = on_change
        self.fields: dict[str, Field] = {}
        self.target: dict | None = None
        self._loading = False

    def add(self, name: str, control: W.Widget, read=lambda v: v, write=None, hint: str = "") -> Field:
        field = Field(name, control, hint)
        if write is None:
            write = as_text if isinstance(control, (W.Text, W.Textarea)) else (lambda v: v)
        field.read, field.write = read, write
        self.fields[name] = field
        control.observe(lambda change, n=name: self._changed(n, change["new"]), "value")
        return field

    def _changed(self, name: str, value) -> None:
        if self._loading or self.target is None:
            return
        new = self.fields[name].read(value)
        if new is None or new == "" and name not in ("text", "note", "character", "title", "body"):
            self.target.pop(name, None)
        else:
            self.target[name] = new
        self.changed(name)
        self.on_change()

    def changed(self, name: str) -> None:
        """A field was edited (after the data changed): forms override it to follow up."""

    def load(self, target: dict) -> None:
        """Show ``target``'s values; edits go into it."""
        self.target = target
        self._loading = True
        try:
            for name, field in self.fields.items():
                value = field.write(target.get(name))
                try:
                    field.control.value = value
                except Exception:  # a value the control cannot hold (a wrong type in a file): leave it empty
                    field.control.value = field.write(None)
        finally:
            self._loading = False

    def enable(self, on: bool) -> None:
        for field in self.fields.values():
            field.enable(on)

    def show(self, problems: dict[str, list[str]], advice: dict[str, list[str]]) -> None:
        for name, field in self.fields.items():
            field.show(problems.get(name, []), advice.get(name, []))


def text(description: str, area: bool = False, placeholder: str = "") -> W.Widget:
    kind = W.Textarea if area else W.Text
    return kind(description=description, placeholder=placeholder, continuous_update=True,
                layout=W.Layout(width="100%"))


def as_text(value) -> str:
    return "" if value is None else str(value)


def lines_of(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def remove_chosen(editor) -> None:
    """Remove the item chosen in ``editor.list`` from ``editor.items``, choose its neighbour and
    report the change (a deck's cards, a bank's questions, a plan's activities alike)."""
    i = editor.list.value
    if i is None:
        return
    del editor.items[i]
    editor.redraw(min(i, len(editor.items) - 1) if editor.items else None)
    editor.on_change()
