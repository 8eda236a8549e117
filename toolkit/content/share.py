"""Sharing a plan: the plan with the deck and poll bank it uses, as one YAML file of several
documents (``---`` between them), and importing such a file into the own-content folder.

An import is checked whole with ``toolkit check``'s rules and refused whole if anything is
wrong. A file whose id is already taken by a different file is not overwritten unless the
facilitator says so, and never when the file there is shipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ContentError, Problem
from . import own
from .library import Library, check_files, examine_text
from .loader import MAX_BYTES

HEADER = ("# A plan with the deck and poll bank it uses. Import it in the toolkit's content editor,\n"
          "# or split it at the --- lines into files for `toolkit check`.\n")


def export_plan(plan: dict, library: Library | None = None) -> tuple[str, str]:
    """``(filename, text)``: the plan, then its deck and poll bank as found in the library."""
    library = library or Library()
    docs = [plan]
    for kind, key in (("deck", "deck"), ("polls", "polls")):
        ident = plan.get(key)
        if isinstance(ident, str) and library.find(kind, ident) is not None:
            docs.append(library.find(kind, ident).model_dump(mode="json", exclude_defaults=True))
    text = HEADER + "---\n".join(own.dump(d) for d in docs)
    return f"{plan.get('id') or 'plan'}.share.yaml", text


@dataclass
class Imported:
    """What an import did, or would do: files written, files already there unchanged, and
    files whose id another file holds (``taken``, not written unless replacing)."""

    written: list[Path] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    taken: list[tuple[str, str, Path]] = field(default_factory=list)  # (kind, id, the file there)


def read_share(body: bytes, name: str) -> list[dict]:
    """The documents of a shared file, or ContentError naming what is wrong."""
    if len(body) > MAX_BYTES:
        raise ContentError([Problem(name, f"is too large to be a content file ({len(body):,} bytes)")])
    try:
        text = body.decode("utf-8").lstrip("\ufeff")
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except UnicodeDecodeError:
        raise ContentError([Problem(name, "is not UTF-8 text; save it as UTF-8")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError([Problem(name, f"broken YAML: {getattr(exc, 'problem', None) or exc}",
                                    line=mark.line + 1 if mark else None)]) from None
    if not docs or not all(isinstance(d, dict) and d.get("kind") in own.config.OWN_FOLDERS for d in docs):
        raise ContentError([Problem(name, "holds no plan, deck or poll bank (each part needs kind: plan, deck or "
                                          "polls)")])
    return docs


def import_share(body: bytes, name: str, library: Library | None = None, replace: bool = False) -> Imported:
    """Check a shared file whole and write its parts into the own-content folder.

    Raises ContentError (nothing written) for any problem. With ``taken`` parts and no
    ``replace``, nothing is written: the result says which ids are taken, to ask."""
    library = library or Library()
    docs = read_share(body, name)
    drafts = [examine_text(own.dump(d), f"{name} ({d.get('kind')} {d.get('id')!r})") for d in docs]
    results = check_files(drafts, library)
    problems = [p for found in results.values() for p in found]
    if problems:
        raise ContentError(problems)
    if len(set((d["kind"], d["id"]) for d in docs)) != len(docs):
        raise ContentError([Problem(name, "holds two parts of the same kind with the same id")])
    result = Imported()
    todo = []
    for doc, draft in zip(docs, drafts):
        there = _file_with(library, doc["kind"], doc["id"])
        if there is None:
            todo.append((doc, own.path_for(doc["kind"], doc["id"]), None))
        elif examine_text(there.read_text(encoding="utf-8"), str(there)).model == draft.model:
            result.same.append(f"{doc['kind']} {doc['id']!r}")
        else:
            result.taken.append((doc["kind"], doc["id"], there))
            todo.append((doc, there, own.digest(there)))
    shipped = [(k, i, p) for k, i, p in result.taken if not own.is_own(p)]
    if shipped:
        raise ContentError([Problem(name, f"the {k} {i!r} differs from the shipped one ({p}), which is never "
                                          "overwritten: give it another id in the file") for k, i, p in shipped])
    if result.taken and not replace:
        return result
    for doc, path, opened in todo:
        own.save(own.dump(doc), path, opened)
        result.written.append(path)
    return result


def _file_with(library: Library, kind: str, ident: str) -> Path | None:
    for path in library.paths(kind):
        found = examine_text(path.read_text(encoding="utf-8"), str(path))
        if found.ident == ident:
            return Path(path)
    return None
