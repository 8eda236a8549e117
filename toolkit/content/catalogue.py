"""Every deck, poll bank and plan the toolkit finds, shipped and own, and searching them by
text, exploitation model, warning sign and age band (the content editor's browser).

A file that does not load is listed too, with its problems, so a facilitator can find it
and fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .library import Library, examine
from .own import is_own

KIND_NAMES = {"deck": "Deck", "polls": "Poll bank", "plan": "Plan"}


@dataclass
class Entry:
    kind: str
    path: Path
    data: dict
    own: bool
    problems: list = field(default_factory=list)

    @property
    def ident(self) -> str:
        return str(self.data.get("id") or self.path.stem)

    @property
    def title(self) -> str:
        return str(self.data.get("title") or self.ident)

    def items(self) -> list[dict]:
        """The cards of a deck, the questions of a poll bank, the activities of a plan."""
        key = {"deck": "cards", "polls": "questions", "plan": "activities"}[self.kind]
        value = self.data.get(key)
        return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def entries(library: Library | None = None) -> list[Entry]:
    """Every content file of the library's folders: shipped first, then own, by title."""
    library = library or Library()
    out = []
    for kind in KIND_NAMES:
        for path in library.paths(kind):
            found = examine(path)
            data = found.data if isinstance(found.data, dict) else _raw(path)
            out.append(Entry(kind, Path(path), data, is_own(path), found.problems))
    return sorted(out, key=lambda e: (e.own, list(KIND_NAMES).index(e.kind), e.title.lower()))


def _raw(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _texts(item: dict) -> str:
    parts = [str(v) for k, v in item.items() if isinstance(v, (str, int, float)) and k != "kind"]
    for value in item.values():
        if isinstance(value, list):
            parts += [str(v) if not isinstance(v, dict) else " ".join(map(str, v.values())) for v in value]
    return " ".join(parts).lower()


def item_matches(item: dict, text: str = "", model: str = "", sign: str = "", age: str = "") -> bool:
    """Whether one card (or question, or activity) fits the search."""
    if text and text.lower() not in _texts(item):
        return False
    if model and item.get("model") != model:
        return False
    if sign and sign not in (item.get("signs") or []):
        return False
    if age and "character" in item and age not in (item.get("ages") or ["11-13", "14-16", "17-18"]):
        return False
    return True


def search(found: list[Entry], text: str = "", model: str = "", sign: str = "", age: str = "",
           kind: str = "") -> list[tuple[Entry, list[int]]]:
    """The files that fit, each with the positions of its items that fit.

    Model and sign narrow to decks' cards; an age band keeps decks with a card for it and
    plans for that audience (or none); text matches a file's title and description or any
    item's text."""
    text = text.strip()
    out = []
    for entry in found:
        if kind and entry.kind != kind:
            continue
        if (model or sign) and entry.kind != "deck":
            continue
        if age and entry.kind == "plan" and entry.data.get("audience") not in (None, age):
            continue
        own_text = " ".join(str(entry.data.get(k) or "") for k in ("id", "title", "description")).lower()
        filtering_items = bool(model or sign or (age and entry.kind == "deck"))
        hits = [i for i, item in enumerate(entry.items())
                if item_matches(item, "" if text.lower() in own_text else text, model, sign, age)]
        if filtering_items or (text and text.lower() not in own_text):
            if not hits:
                continue
        else:
            hits = []
        out.append((entry, hits))
    return out
