"""Checking content before it is saved: the content editor's validation as you type.

A draft is checked as the very YAML it would be saved as, by ``check_files`` (the rules
of ``toolkit check``, one source of truth), with the library's decks and poll banks
behind it. Each problem is placed on the path of the value it is about, so an editor can
show it beside that field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from . import advice as advice_
from .library import Library, check_files, examine_text
from .own import dump

_ID = re.compile(r"^id:[ \t]*['\"]?([^'\"\s#]+)", re.M)


@dataclass
class Checked:
    """A draft's problems (which block saving) and advice (which does not), each on a path."""

    text: str
    problems: list[tuple[tuple, Problem]] = field(default_factory=list)
    advice: list[tuple[tuple, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def under(self, prefix: tuple) -> "Checked":
        """Only what is about ``prefix`` and the values inside it (one card, one activity)."""
        n = len(prefix)
        return Checked(self.text, [(p, x) for p, x in self.problems if p[:n] == prefix],
                       [(p, x) for p, x in self.advice if p[:n] == prefix])

    def by_field(self, prefix: tuple = ()) -> dict[str, list[str]]:
        """Problem messages keyed by the first field name after ``prefix`` ("" for the item itself)."""
        out: dict[str, list[str]] = {}
        for path, problem in self.under(prefix).problems:
            rest = [step for step in path[len(prefix):] if isinstance(step, str)]
            key = rest[0] if rest else (problem.field or "")
            out.setdefault(key, []).append(problem.message)
        return out

    def advice_by_field(self, prefix: tuple = ()) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for path, message in self.under(prefix).advice:
            rest = [step for step in path[len(prefix):] if isinstance(step, str)]
            out.setdefault(rest[0] if rest else "", []).append(message)
        return out


def _path_of(problem: Problem, lines: dict[tuple, int]) -> tuple:
    """The deepest path starting on the problem's line, then its field if that is missing there."""
    if problem.line is None:
        return (problem.field,) if problem.field else ()
    on_line = [p for p, line in lines.items() if line == problem.line]
    path = max(on_line, key=len) if on_line else ()
    if problem.field and problem.field not in path:
        # A missing field is reported on its item's line; a value inside a field (a prompt) has the
        # field in its path already.
        keep = path
        while keep and isinstance(keep[-1], str):
            keep = keep[:-1]
        path = keep + (problem.field,)
    return path


def _file_id(path: Path) -> str | None:
    """A file's top-level id, read cheaply (every keystroke asks)."""
    try:
        found = _ID.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return found.group(1) if found else None


def check_draft(data: dict, name: str, library: Library | None = None,
                own_path: str | Path | None = None) -> Checked:
    """Check ``data`` as the file ``name`` would be saved (see the module's docstring).

    ``own_path`` is the file the draft replaces: another file of the same kind and id would
    make two files claim one id, so that is a problem of the id too."""
    library = library or Library()
    text = dump(data)
    found = examine_text(text, name)
    problems = check_files([found], library)[name]
    lines = found.at.located.lines if found.at is not None and found.at.located is not None else {}
    placed = [(_path_of(p, lines), p) for p in problems]
    kind, ident = data.get("kind"), data.get("id")
    if kind in ("deck", "polls", "plan") and isinstance(ident, str):
        for path in library.paths(kind):
            if own_path is not None and Path(path).resolve() == Path(own_path).resolve():
                continue
            if _file_id(path) == ident:
                placed.append((("id",), Problem(name, f"id {ident!r} is already used by {path}: choose another",
                                                field="id")))
                break
    return Checked(text, placed, advice_.advice(data))
