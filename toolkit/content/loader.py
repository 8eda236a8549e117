"""Reading content files: YAML with line numbers, validated into models.

Every problem found is reported together, each naming the file, the line (where the
YAML gives one), the item (``card 'sam-lifts'``) and the field, so a facilitator can
fix a file in one pass.
"""

from __future__ import annotations

import datetime
import stat
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import ContentError, Problem
from .models import KINDS, ContentFile

_ITEM_NAMES = {"cards": "card", "questions": "question", "activities": "activity",
               "categories": "category", "options": "option", "resources": "resource",
               "prompts": "prompt", "signs": "sign", "ages": "age band"}

# Aliases can make a few lines expand to millions of values ("billion laughs"); no real
# deck comes near this many.
MAX_VALUES = 100_000

_SCALAR_NAMES = {bool: "yes/no value", int: "number", float: "number", datetime.date: "date",
                 datetime.datetime: "date and time"}


class _Located:
    """Parsed YAML plus the line where each value starts, keyed by path.

    ``problems`` holds what YAML itself lets pass but a person would not mean: a key
    given twice (YAML keeps the last silently), a key that is a list, a value that
    looks like a date but is not one.
    """

    def __init__(self, text: str, name: str = "<text>"):
        self.name = name
        self.problems: list[Problem] = []
        self.lines: dict[tuple, int] = {}
        self._built = 0
        self._active: set[int] = set()
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        self._constructor = yaml.SafeLoader("")
        self.data = self._build(node, ()) if node is not None else None

    def _problem(self, node, message: str, field=None) -> None:
        self.problems.append(Problem(self.name, message, line=node.start_mark.line + 1,
                                     field=field if isinstance(field, str) else None))

    def _build(self, node, path, field=None):
        self._built += 1
        if self._built > MAX_VALUES:
            raise ContentError([Problem(self.name, f"is too large: more than {MAX_VALUES:,} values "
                                        "(check for aliases that repeat whole sections)")])
        if id(node) in self._active:
            raise ContentError([Problem(self.name, "an alias (*name) refers to the section it is in",
                                        line=node.start_mark.line + 1)])
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            self._active.add(id(node))
            out, first_line = {}, {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *defaults"
                    self._problem(key_node, "merge keys (<<) are not supported: write the fields out")
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    self._problem(key_node, "a key must be a plain name, not a list or mapping")
                    continue
                key = self._scalar(key_node)
                if key in out:
                    self._problem(key_node, f"duplicate key {key!r} (also on line {first_line[key]}): "
                                            "YAML would keep only the last", field=key)
                    continue
                first_line[key] = key_node.start_mark.line + 1
                out[key] = self._build(value_node, path + (key,), key)
            self._active.discard(id(node))
            return out
        if isinstance(node, yaml.SequenceNode):
            self._active.add(id(node))
            out = [self._build(child, path + (i,)) for i, child in enumerate(node.value)]
            self._active.discard(id(node))
            return out
        return self._scalar(node, field)

    def _scalar(self, node, field=None):
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self._problem(node, f"cannot read {node.value!r}: {getattr(exc, 'problem', None) or exc}", field)
        except (ValueError, OverflowError) as exc:
            # e.g. 2024-13-40 matches YAML's date pattern but is no date
            self._problem(node, f"cannot read {node.value!r} as a date or number ({exc}): "
                                "put it in quotes if it is text", field)
        # The constructor leaves a node it failed on marked as in progress; an alias to it
        # would then read as a loop.
        self._constructor.recursive_objects.pop(node, None)
        return node.value

    def line(self, path: tuple) -> int | None:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)


# The largest shipped deck is a few kilobytes; anything near this is some other file.
MAX_BYTES = 2_000_000


def read_yaml(path: Path) -> _Located:
    """Parse a YAML file, turning empty and broken files into ContentError."""
    name = str(path)
    try:
        info = Path(path).stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):  # a pipe or device would never end
            raise ContentError([Problem(name, "is not a regular file")])
        if info.st_size > MAX_BYTES:
            raise ContentError([Problem(name, f"is too large to be a content file ({info.st_size:,} bytes)")])
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError([Problem(name, "no such file")]) from None
    except IsADirectoryError:
        raise ContentError([Problem(name, "is a folder, not a file")]) from None
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(name, f"is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                          "save it as UTF-8")]) from None
    except OSError as exc:
        raise ContentError([Problem(name, f"cannot be read: {exc.strerror or exc}")]) from None
    return read_text(text, name)


def read_text(text: str, name: str) -> _Located:
    """Parse YAML text (``name`` says where it came from in messages)."""
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark from some Windows editors
    if not text.strip():
        raise ContentError([Problem(name, "the file is empty")])
    try:
        located = _Located(text, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(filter(None, [exc.context, exc.problem]))
        raise ContentError([Problem(name, f"broken YAML: {what}", line=line)]) from None
    except yaml.YAMLError as exc:
        # Reader errors (control characters) carry a position, not a mark.
        first = str(exc).splitlines()[0]
        raise ContentError([Problem(name, f"broken YAML: {first}")]) from None
    except RecursionError:
        raise ContentError([Problem(name, "is nested too deeply to be a content file")]) from None
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
        if isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            break
    return ", ".join(names) or None


def _describe_value(value) -> str:
    kind = _SCALAR_NAMES.get(type(value), type(value).__name__)
    shown = value.isoformat() if isinstance(value, datetime.date) else repr(value)
    return f"{kind} {shown}"[:120]


def _message(error: dict) -> str:
    kind, msg = error["type"], error["msg"]
    value = error.get("input")
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field (check its spelling)"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        if "#[0-9A-Fa-f]" in pattern:
            return f"bad colour {value!r}: write it as #RRGGBB, e.g. #2E7D32"
        if "a-z0-9" in pattern:
            return f"bad id {value!r}: use lower-case letters, digits, '-' and '_'"
        return f"{value!r} is not in the expected form"
    if kind == "string_too_short":
        return "is empty"
    if kind == "string_too_long":
        return f"is too long: at most {error.get('ctx', {}).get('max_length')} characters"
    if kind == "string_type" and isinstance(value, (bool, int, float, datetime.date)):
        # YAML reads yes/no/on/off as true/false, 007 as 7 and 2024-05-01 as a date
        return f"should be text, but YAML read it as a {_describe_value(value)}: put it in quotes"
    if kind == "literal_error" and error["loc"] and error["loc"][-1] == "kind":
        return f"{msg} (what this file holds)"
    if kind == "union_tag_invalid":
        return f"unknown kind {value.get('kind')!r}: one of slide, poll, card, sort" \
            if isinstance(value, dict) else msg
    if kind == "union_tag_not_found":
        return "needs a kind: one of slide, poll, card, sort"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"should be a set of fields (name: value), not {_describe_value(value)}"
    if "input" in error and kind.endswith("_type"):
        return f"{msg}, not {_describe_value(value)}"[:200]
    return msg


def structure_problems(located: _Located, name: str) -> tuple[ContentFile | None, list[Problem]]:
    """Validate parsed YAML into the model its ``kind`` names: (model or None, problems)."""
    data = located.data
    if not isinstance(data, dict):
        return None, [Problem(name, "expected a mapping at the top (with kind: deck, polls, plan or help)",
                              line=located.line(()))]
    kind = data.get("kind")
    model = KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        what = "is required but missing" if kind is None else f"unknown kind {kind!r}"
        return None, [Problem(name, f"{what}: one of {', '.join(KINDS)}", line=located.line(("kind",)),
                              field="kind")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems, seen = [], set()
        for error in exc.errors():
            path, field = _walk(data, tuple(error["loc"]))
            if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
                field = "kind"
            # A value that fits no member of a type union gets one error per member: keep the first.
            if (path, field) in seen:
                continue
            seen.add((path, field))
            problems.append(Problem(name, _message(error), line=located.line(path),
                                    item=describe_item(data, path), field=field))
        return None, problems


def parse(located: _Located, name: str) -> ContentFile:
    """Validate parsed YAML into the model its ``kind`` names, or raise ContentError."""
    model, problems = structure_problems(located, name)
    problems = list(located.problems) + problems
    if problems:
        raise ContentError(in_order(problems))
    return model


def in_order(problems: list[Problem]) -> list[Problem]:
    """Problems without repeats, from the top of the file down (file-wide ones first)."""
    seen, out = set(), []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return sorted(out, key=lambda p: p.line or 0)
