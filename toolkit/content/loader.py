"""Reading content files: YAML with line numbers, validated into models.

Every problem found is reported together, each naming the file, the line (where the
YAML gives one), the item (``card 'sam-lifts'``) and the field, so a facilitator can
fix a file in one pass.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import ContentError, Problem
from .models import KINDS, ContentFile

_ITEM_NAMES = {"cards": "card", "questions": "question", "activities": "activity",
               "categories": "category", "options": "option", "resources": "resource"}


class _Located:
    """Parsed YAML plus the line where each value starts, keyed by path."""

    def __init__(self, text: str):
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        self.lines: dict[tuple, int] = {}
        self.data = self._build(node, ()) if node is not None else None

    def _build(self, node, path):
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = yaml.SafeLoader.construct_object(_constructor(), key_node, deep=True)
                out[key] = self._build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._build(child, path + (i,)) for i, child in enumerate(node.value)]
        return yaml.SafeLoader.construct_object(_constructor(), node, deep=True)

    def line(self, path: tuple) -> int | None:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)


def _constructor():
    # A bare loader is enough to construct scalars with YAML's own type resolution.
    return yaml.SafeLoader("")


def read_yaml(path: Path) -> _Located:
    """Parse a YAML file, turning empty and broken files into ContentError."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError([Problem(name, "no such file")]) from None
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(name, f"is not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise ContentError([Problem(name, f"cannot be read: {exc.strerror}")]) from None
    if not text.strip():
        raise ContentError([Problem(name, "the file is empty")])
    try:
        located = _Located(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(filter(None, [exc.context, exc.problem]))
        raise ContentError([Problem(name, f"broken YAML: {what}", line=line)]) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(name, f"broken YAML: {exc}")]) from None
    if located.data is None:
        raise ContentError([Problem(name, "the file is empty")])
    return located


def _walk(data, loc: tuple) -> tuple[tuple, str | None]:
    """Follow a pydantic error location through the data.

    Returns the path of values that exist in the file and the field the error is
    about. Steps that are not in the file (a discriminated union's tag, the name of a
    member of a type union) are passed over.
    """
    path, node, field = (), data, None
    for i, step in enumerate(loc):
        if isinstance(node, dict):
            if step == node.get("kind") and i + 1 < len(loc):
                continue  # the tag of a discriminated union
            if isinstance(step, str):
                field = step
            if step in node:
                node = node[step]
                path += (step,)
            else:
                node = None  # a missing field: the path stops at its parent
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
            path += (step,)
    return path, field


def describe_item(data, path: tuple) -> str | None:
    """``card 'sam-lifts'`` (or ``question 'q', option 'yes'``) for the items on a path."""
    names, node = [], data
    for i, step in enumerate(path):
        if isinstance(node, list) and isinstance(step, int):
            parent = path[i - 1] if i else None
            noun = _ITEM_NAMES.get(parent, "item")
            child = node[step]
            ident = child.get("id") if isinstance(child, dict) else None
            if ident is None and isinstance(child, dict) and noun == "activity":
                ident = child.get("card") or child.get("question")
            names.append(f"{noun} {ident!r}" if isinstance(ident, str) else f"{noun} #{step + 1}")
        node = node[step] if isinstance(node, (list, dict)) else node
    return ", ".join(names) or None


def _message(error: dict) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field (check its spelling)"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        value = error.get("input")
        if "#[0-9A-Fa-f]" in pattern:
            return f"bad colour {value!r}: write it as #RRGGBB, e.g. #2E7D32"
        if "a-z0-9" in pattern:
            return f"bad id {value!r}: use lower-case letters, digits, '-' and '_'"
        return f"{value!r} is not in the expected form"
    if kind == "string_too_short":
        return "is empty"
    if kind == "literal_error" and error["loc"] and error["loc"][-1] == "kind":
        return f"{msg} (what this file holds)"
    if kind == "union_tag_invalid":
        return f"unknown kind {error.get('input', {}).get('kind')!r}: one of slide, poll, card, sort" \
            if isinstance(error.get("input"), dict) else msg
    if "input" in error and kind.endswith("_type"):
        return f"{msg}, not {type(error['input']).__name__} {error['input']!r}"[:200]
    return msg


def parse(located: _Located, name: str) -> ContentFile:
    """Validate parsed YAML into the model its ``kind`` names."""
    data = located.data
    if not isinstance(data, dict):
        raise ContentError([Problem(name, "expected a mapping at the top (with kind: deck, polls, plan or help)",
                                    line=located.line(()))])
    kind = data.get("kind")
    model = KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        what = "is required but missing" if kind is None else f"unknown kind {kind!r}"
        raise ContentError([Problem(name, f"{what}: one of {', '.join(KINDS)}", line=located.line(("kind",)),
                                    field="kind")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path, field = _walk(data, tuple(error["loc"]))
            if error["type"] == "union_tag_invalid":
                field = "kind"
            problems.append(Problem(name, _message(error), line=located.line(path),
                                    item=describe_item(data, path), field=field))
        raise ContentError(_unique(problems)) from None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out
