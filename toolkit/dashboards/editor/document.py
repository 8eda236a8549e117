"""The file open in the editor: its data as edited, where it lives, whether it may be
changed (own) or only duplicated (shipped), and what was on disk when it was opened, so a
save never overwrites a change made elsewhere."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from ...content import own
from ...content.catalogue import Entry
from ...content.drafts import Checked, check_draft
from ...content.library import Library

NEW_TITLES = {"deck": "New deck", "polls": "New poll bank", "plan": "New plan"}


class Document:
    def __init__(self, kind: str, data: dict, path: Path, opened: str | None, editable: bool):
        self.kind, self.data, self.path, self.opened, self.editable = kind, data, Path(path), opened, editable
        self.dirty = opened is None

    @classmethod
    def from_entry(cls, entry: Entry) -> "Document":
        return cls(entry.kind, copy.deepcopy(entry.data), entry.path, own.digest(entry.path), entry.own)

    @classmethod
    def new(cls, kind: str, data: dict) -> "Document":
        return cls(kind, data, own.path_for(kind, data["id"]), None, True)

    @property
    def is_new(self) -> bool:
        return self.opened is None

    @property
    def name(self) -> str:
        return self.path.name

    def target(self) -> Path:
        """Where a save writes: a new file is named for its id."""
        if self.is_new and isinstance(self.data.get("id"), str) and self.data["id"]:
            return own.path_for(self.kind, self.data["id"])
        return self.path

    def check(self, library: Library) -> Checked:
        return check_draft(self.data, str(self.target()), library, own_path=None if self.is_new else self.path)

    def changed_on_disk(self) -> bool:
        return not self.is_new and own.digest(self.path) != self.opened

    def save(self, text: str) -> None:
        """Write the checked text (``Conflict`` if the file changed since it was opened)."""
        path = self.target()
        self.opened = own.save(text, path, self.opened)
        self.path, self.dirty = path, False

    def delete(self) -> None:
        """Remove the file (``Conflict`` if it changed since it was opened)."""
        own.delete(self.path, self.opened)

    def copy(self, taken: set[str], title_suffix: str = " (copy)") -> "Document":
        """An editable copy under a free id in the own-content folder (not yet saved)."""
        data = copy.deepcopy(self.data)
        data["id"] = own.free_id(str(data.get("id") or self.kind), taken)
        if isinstance(data.get("title"), str) and not data["title"].endswith(title_suffix.strip()):
            data["title"] = (data["title"] + title_suffix)[:80]
        return Document.new(self.kind, data)

    def reload(self) -> "Document":
        """The file as it is on disk now."""
        data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        return Document(self.kind, data if isinstance(data, dict) else {}, self.path, own.digest(self.path),
                        self.editable)
