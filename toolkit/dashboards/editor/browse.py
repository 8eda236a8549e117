"""The file browser: every deck, poll bank and plan, shipped and own, searched by text,
exploitation model, warning sign and age band."""

from __future__ import annotations

from typing import Callable

import ipywidgets as W

from ...content.catalogue import KIND_NAMES, Entry, search
from ...content.vocab import AGE_BANDS, MODELS, SIGNS
from .page import piece

ANY = ""


class BrowsePanel:
    """``on_open(entry)`` is called when a file is chosen."""

    def __init__(self, on_open: Callable[[Entry], None]):
        self.on_open = on_open
        self.entries: list[Entry] = []
        self.text = W.Text(description="Search", placeholder="words in a card, question or title",
                           continuous_update=True)
        self.kind = W.Dropdown(description="Show", options=[("Everything", ANY)] + [(v + "s", k) for k, v in KIND_NAMES.items()])
        self.model = W.Dropdown(description="Model", options=[("Any", ANY)] + [(v, k) for k, v in MODELS.items()])
        self.sign = W.Dropdown(description="Sign", options=[("Any", ANY)] + [(v, k) for k, v in SIGNS.items()])
        self.age = W.Dropdown(description="Age band", options=[("Any", ANY)] + [(a, a) for a in AGE_BANDS])
        for control in (self.text, self.kind, self.model, self.sign, self.age):
            control.observe(lambda _: self.redraw(), "value")
        self.results = W.VBox()
        self.results.add_class("tk-results")
        filters = W.VBox([self.text, self.kind, self.model, self.sign, self.age])
        filters.add_class("tk-filters")
        self.widget = W.VBox([W.HTML(piece("browse_heading")), filters, self.results])
        self.widget.add_class("tk-browse")

    def load(self, entries: list[Entry], current=None) -> None:
        self.entries = entries
        self.current = current
        self.redraw()

    def redraw(self) -> None:
        found = search(self.entries, text=self.text.value, model=self.model.value, sign=self.sign.value,
                       age=self.age.value, kind=self.kind.value)
        rows = []
        for entry, hits in found:
            button = W.Button(description=entry.title, tooltip=f"Open {entry.path.name}",
                              layout=W.Layout(width="100%"))
            button.add_class("tk-file")
            button.add_class(f"tk-file-{entry.kind}")
            button.add_class("tk-file-own" if entry.own else "tk-file-shipped")
            if self.current is not None and entry.path == self.current:
                button.add_class("tk-file-open")
            button.on_click(lambda _, e=entry: self.on_open(e))
            items = entry.items()
            names = [_item_name(items[i]) for i in hits[:4]]
            rows.append(W.VBox([button, W.HTML(piece("file_facts", KIND_NAMES[entry.kind], entry.own, len(items),
                                                     len(entry.problems), names, len(hits)))]))
        self.results.children = rows or [W.HTML(piece("nothing_found"))]


def _item_name(item: dict) -> str:
    if "character" in item:
        return f"{item.get('character')}, {item.get('age')}: {str(item.get('text') or '')[:60]}"
    if "type" in item:
        return str(item.get("text") or item.get("id"))[:70]
    return str(item.get("title") or item.get("card") or item.get("question") or item.get("kind"))[:70]
