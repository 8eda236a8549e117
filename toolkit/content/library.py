"""Finding content by id, checking files together, and resolving a plan to run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import config
from ..errors import ContentError, NotFound, Problem
from . import rules
from .loader import in_order, read_text, read_yaml, structure_problems
from .models import Deck, Help, Plan, PollBank
from .programme import Programme
from .wording import wording_problems

_MODEL_TYPES = {"deck": Deck, "polls": PollBank, "plan": Plan, "help": Help}
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Examined:
    """One file read and checked on its own: the model when it is valid, and every problem."""

    path: str
    model: object | None
    at: rules.Located | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def data(self):
        return self.at.data if self.at is not None else None

    @property
    def kind(self) -> str | None:
        data = self.data
        return data.get("kind") if isinstance(data, dict) and isinstance(data.get("kind"), str) else None

    @property
    def ident(self) -> str | None:
        data = self.data
        return data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None

    @property
    def ok(self) -> bool:
        return self.model is not None and not self.problems


def examine(path: str | Path) -> Examined:
    """Read one file and check its structure and its own rules (not a plan's references)."""
    name = str(path)
    try:
        located = read_yaml(Path(path))
    except ContentError as exc:
        return Examined(name, None, None, exc.problems)
    return _examine_located(located, name)


def examine_text(text: str, name: str) -> Examined:
    """``examine`` for YAML text not yet on disk (the content editor's draft), named ``name``."""
    try:
        located = read_text(text, name)
    except ContentError as exc:
        return Examined(name, None, None, exc.problems)
    return _examine_located(located, name)


def _examine_located(located, name: str) -> Examined:
    at = rules.Located(name, located)
    model, problems = structure_problems(located, name)
    problems = list(located.problems) + problems
    found = Examined(name, None, at)
    own = rules.OWN_RULES.get(found.kind)
    if own is not None:
        problems += own(at.data, at)
    found.problems = in_order(problems)
    found.model = model if not found.problems else None
    return found


def load_file(path: str | Path):
    """Load and validate one content file on its own (a plan's references are not checked)."""
    found = examine(path)
    if found.problems:
        raise ContentError(found.problems)
    return found.model


class Library:
    """Content files found by kind and id in the configured folders (and any extra files)."""

    def __init__(self, dirs: dict[str, list[Path]] | None = None, extra: list = ()):
        self.dirs = dirs if dirs is not None else config.content_dirs()
        self._extra = {(type(m), m.id): m for m in extra}
        self._cache: dict[tuple[str, str], object] = {}
        self._broken: dict[tuple[str, str], str] = {}
        self._paths: dict[tuple[str, str], str] = {}

    def paths(self, kind: str) -> list[Path]:
        found = []
        for folder in self.dirs.get(kind, []):
            if folder.is_dir():
                found += sorted(p for p in folder.glob("*.y*ml") if p.suffix in YAML_SUFFIXES)
        return found

    def find(self, kind: str, ident: str):
        """The valid file of this kind whose id is ``ident``, or None."""
        model_type = _MODEL_TYPES[kind]
        if (model_type, ident) in self._extra:
            return self._extra[(model_type, ident)]
        key = (kind, ident)
        if key not in self._cache:
            self._cache[key] = None
            paths = self.paths(kind)
            # A file named for its id is the usual case; look there first.
            for path in sorted(paths, key=lambda p: p.stem != ident):
                model = self._try(path, kind, ident)
                if model is not None:
                    self._cache[key] = model
                    break
        return self._cache[key]

    def broken(self, kind: str, ident: str) -> str | None:
        """The file of this kind and id that exists but has problems, if any (after ``find``)."""
        return self._broken.get((kind, ident))

    def path_of(self, kind: str, ident: str) -> str | None:
        """The file a model came from (after ``find``), for messages with line numbers."""
        return self._paths.get((kind, ident))

    def _try(self, path: Path, kind: str, ident: str):
        found = examine(path)
        if found.kind == kind and found.ident == ident:
            if found.ok:
                self._paths[(kind, ident)] = str(path)
                return found.model
            self._broken.setdefault((kind, ident), str(path))
        return None

    def _valid(self, kind: str) -> list:
        out = []
        for path in self.paths(kind):
            found = examine(path)
            if found.ok and isinstance(found.model, _MODEL_TYPES[kind]):
                out.append(found.model)
        return out

    def models(self, kind: str) -> list:
        """Every valid file of this kind, in folder order (shipped, then own)."""
        return self._valid(kind)

    def ids(self, kind: str) -> list[str]:
        return [m.id for m in self._valid(kind)]

    def helps(self) -> dict[str, Help]:
        """Every valid help file by region id (files given to ``with_files`` first)."""
        found = {}
        for path in self.paths("help"):
            examined = examine(path)
            if examined.ok and isinstance(examined.model, Help) and examined.model.id not in found:
                found[examined.model.id] = examined.model
                self._paths.setdefault(("help", examined.model.id), str(path))
        found.update({ident: m for (kind, ident), m in self._extra.items() if kind is Help})
        return found

    def plans(self) -> list[Plan]:
        return self._valid("plan")

    def with_files(self, models: list, broken: dict | None = None) -> "Library":
        """A library that also holds these models, ahead of the folders (this one is unchanged)."""
        out = Library(self.dirs, extra=list(self._extra.values()) + list(models))
        out._broken.update(broken or {})
        return out


def expand(paths: list[str | Path]) -> list[str]:
    """Files as given; a folder stands for the YAML files anywhere under it."""
    out = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            out += [str(f) for f in sorted(p.rglob("*")) if f.suffix in YAML_SUFFIXES and f.is_file()]
        else:
            out.append(str(path))
    return out


def check_files(paths: list, library: Library | None = None) -> dict[str, list[Problem]]:
    """Every problem in each file, in order; an empty list means the file is good.

    ``paths`` are file paths, or ``Examined`` drafts (``examine_text``) checked as if they
    were files: the content editor checks what it would save with exactly these rules.

    Decks and poll banks among ``paths`` are used to resolve the plans among them, then
    the library's. A plan's references are checked even when the plan has problems of
    its own, so everything shows in one pass.
    """
    found = [p if isinstance(p, Examined) else examine(p) for p in paths]
    results = {f.path: f.problems for f in found}
    valid = [f.model for f in found if f.ok and not isinstance(f.model, Plan)]
    broken = {(f.kind, f.ident): f.path for f in found if not f.ok and f.kind in ("deck", "polls") and f.ident}
    library = (library or Library()).with_files(valid, broken)
    helps = library.helps()
    given = {f.model.id: f.path for f in found if f.ok and isinstance(f.model, Help)}
    help_dicts = {region: h.model_dump(mode="json") for region, h in helps.items()}
    sources = {region: given.get(region) or library.path_of("help", region) or f"data/help/{region}.yaml"
               for region in helps}
    for f in found:
        if not isinstance(f.data, dict):
            continue
        extra = wording_problems(f.data, f.at) + rules.check_help_text(f.data, f.at, help_dicts, sources)
        if f.kind == "plan":
            extra += _plan_rules(f.data, f.at, library)
        results[f.path] = in_order(results[f.path] + extra)
    return results


def _plan_rules(data: dict, at, library: Library) -> list[Problem]:
    deck_id, polls_id = data.get("deck"), data.get("polls")
    deck = library.find("deck", deck_id) if isinstance(deck_id, str) else None
    polls = library.find("polls", polls_id) if isinstance(polls_id, str) else None
    broken = {}
    for kind, ident in (("deck", deck_id), ("polls", polls_id)):
        if isinstance(ident, str) and library.broken(kind, ident):
            broken[(kind, ident)] = library.broken(kind, ident)
    helps = set(library.ids("help"))
    return rules.check_plan(data, at, deck, polls, helps, broken)


def region_for(plan: Plan | dict | None = None, chosen: str | None = None) -> str:
    """The help region a session of ``plan`` uses: the one chosen at start, else the one the
    plan pins, else the configured one (``help_region``, UK by default)."""
    if chosen:
        return chosen
    settings = plan.settings.model_dump() if isinstance(plan, Plan) else ((plan or {}).get("settings") or {})
    return settings.get("help_region") or config.get("help_region")


def find_help(region: str, library: Library | None = None) -> Help:
    """The help file of a region, or NotFound naming the regions there are."""
    library = library or Library()
    found = library.find("help", region)
    if found is None:
        if library.broken("help", region):
            raise ContentError(load_problems(library.broken("help", region)))
        known = ", ".join(sorted(library.ids("help"))) or "none"
        raise NotFound(f"no help file for region {region!r} (have: {known})")
    return found


def resolve_plan(plan: str | Path | Plan, library: Library | None = None, help_region: str | None = None) -> Programme:
    """A plan (path, id or model) with its deck, poll bank and help resolved and checked.

    ``help_region`` chooses the help shown to students (see ``region_for`` for the default).
    """
    library = library or Library()
    if isinstance(plan, Plan):
        model = plan
        at = rules.Located(plan.id, None, data=plan.model_dump(mode="json"))
    else:
        path = Path(plan)
        if path.suffix in YAML_SUFFIXES or path.exists():
            found = examine(path)
            if found.problems:
                raise ContentError(found.problems)
            if not isinstance(found.model, Plan):
                raise ContentError([Problem(str(path), f"is a {found.kind} file, not a plan", field="kind")])
            model, at = found.model, found.at
        else:
            model = library.find("plan", str(plan))
            if model is None:
                if library.broken("plan", str(plan)):
                    raise ContentError(load_problems(library.broken("plan", str(plan))))
                known = ", ".join(p.id for p in library.plans()) or "none"
                raise NotFound(f"no plan with id {str(plan)!r} (known plans: {known})")
            source = library.path_of("plan", str(plan))
            at = examine(source).at if source else rules.Located(model.id, None,
                                                                   data=model.model_dump(mode="json"))
    problems = _plan_rules(at.data, at, library)
    if problems:
        raise ContentError(in_order(problems))
    deck = library.find("deck", model.deck)
    polls = library.find("polls", model.polls) if model.polls else None
    help_ = find_help(region_for(model, help_region), library)
    return Programme.from_models(model, deck, polls, help_)


def load_problems(path: str | Path) -> list[Problem]:
    """The problems of one file on its own (empty when it is valid)."""
    return examine(path).problems
