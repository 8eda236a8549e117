"""The facilitator's own content folder: files the content editor writes, apart from the
shipped ones (``config.own_content()``: ``decks/``, ``polls/``, ``plans/``).

Files are written as YAML in the documented format (``docs/content-format.md``): keys in
the documented order, long text as blocks, so a person can still read and diff them. A
file is saved only if it is still what the editor opened; otherwise ``Conflict`` says so
and nothing is overwritten.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

import yaml

from .. import config
from ..errors import Conflict
from .library import YAML_SUFFIXES

# The order a person reads a file in (docs/content-format.md); keys not named keep their place after.
ORDER = ["kind", "id", "title", "description", "deck", "polls", "minutes", "audience", "not_sure", "region",
         "intro", "character", "age", "type", "text", "body", "phase", "question", "card", "cards", "expected",
         "model", "signs", "ages", "options", "scale", "min", "max", "low", "high", "answer", "note", "prompts",
         "max_length", "label", "colour", "settings", "categories", "questions", "activities", "resources"]
_RANK = {key: i for i, key in enumerate(ORDER)}


def folder(kind: str) -> Path:
    """Where own files of this kind (deck, polls, plan) live."""
    return config.own_content() / config.OWN_FOLDERS[kind]


def is_own(path: str | Path) -> bool:
    """Whether a file is in the own-content folder (editable), not shipped."""
    try:
        Path(path).resolve().relative_to(config.own_content().resolve())
        return True
    except ValueError:
        return False


def digest(path: str | Path) -> str | None:
    """What a file holds now, as a hash (None when it does not exist)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


_ACTIVITIES = ("slide", "poll", "card", "sort")


def _ordered(value):
    if isinstance(value, dict):
        last = len(ORDER) + 1 if value.get("kind") in _ACTIVITIES else None  # an activity's minutes close it

        def rank(k):
            return (last if k == "minutes" and last else _RANK.get(k, len(ORDER)), list(value).index(k))
        keys = sorted(value, key=rank)
        return {k: _ordered(value[k]) for k in keys if value[k] is not None and value[k] != {}}
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        # Lists indented under their key ("cards:\n  - id: …"), as the documented examples are.
        return super().increase_indent(flow, False)


def _text(dumper, value: str):
    # Multi-line text as a block (|), a long line folded (>-), as the shipped files are written.
    if "\n" in value.strip():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value.rstrip() + "\n", style="|")
    if len(value) > 70:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _list(dumper, value: list):
    # Short lists of plain ids on one line: signs: [secrecy, isolation]
    flow = bool(value) and all(isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9_-]+", v) for v in value) \
        and len(value) <= 8
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)


def dump(data: dict) -> str:
    """A content file's YAML: documented key order, empty fields left out, readable text."""
    return yaml.dump(_ordered(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False, indent=2)


def path_for(kind: str, ident: str) -> Path:
    return folder(kind) / f"{ident}.yaml"


def save(text: str, path: str | Path, opened: str | None) -> str:
    """Write ``text`` to ``path`` if the file still holds what was opened (``opened``, its
    ``digest``; None for a new file, which must not exist yet). Returns the new digest.

    Written to a temporary file and renamed, so a reader never sees half a file."""
    path = Path(path)
    if not is_own(path):
        raise Conflict(f"{path} is shipped content: duplicate it to change it")
    now = digest(path)
    if now != opened:
        if opened is None:
            raise Conflict(f"{path.name} already exists in your content folder: open it, or save under another id")
        raise Conflict(f"{path.name} changed on disk since you opened it: reload it, or save your version "
                       "as a copy")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".yaml.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)
    return digest(path)


def delete(path: str | Path, opened: str | None) -> None:
    """Remove ``path`` from the own-content folder if it still holds what was opened
    (``opened``, its ``digest``); ``Conflict`` says why not, and nothing is removed."""
    path = Path(path)
    if not is_own(path):
        raise Conflict(f"{path} is shipped content: only files in your own content folder can be deleted")
    now = digest(path)
    if now is None:
        raise Conflict(f"{path.name} is no longer in your content folder")
    if now != opened:
        raise Conflict(f"{path.name} changed on disk since you opened it: reload it and look before deleting it")
    path.unlink()


def free_id(base: str, taken: set[str]) -> str:
    """``base-copy``, ``base-copy-2``… : the first id not in ``taken`` (at most 60 characters)."""
    stem = re.sub(r"-copy(-\d+)?$", "", base)[:50]
    candidate, n = f"{stem}-copy", 2
    while candidate in taken:
        candidate, n = f"{stem}-copy-{n}", n + 1
    return candidate


def own_files() -> list[Path]:
    """Every YAML file in the own-content folder."""
    root = config.own_content()
    return sorted(p for p in root.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file()) if root.is_dir() else []
