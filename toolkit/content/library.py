"""Finding content by id, checking files together, and resolving a plan to run."""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..errors import ContentError, NotFound, Problem
from . import rules
from .loader import parse, read_yaml
from .models import Deck, Help, Plan, PollBank
from .programme import Programme


def _load(path: Path):
    located = read_yaml(path)
    model = parse(located, str(path))
    at = rules.Located(str(path), located)
    return model, at


def load_file(path: str | Path):
    """Load and validate one content file on its own (a plan's references are not checked)."""
    model, at = _load(Path(path))
    problems = _own_rules(model, at)
    if problems:
        raise ContentError(problems)
    return model


def _own_rules(model, at) -> list[Problem]:
    if isinstance(model, Deck):
        return rules.check_deck(model, at)
    if isinstance(model, PollBank):
        return rules.check_polls(model, at)
    if isinstance(model, Help):
        return rules.check_help(model, at)
    return []


class Library:
    """Content files found by kind and id in the configured folders (and any extra files)."""

    def __init__(self, dirs: dict[str, list[Path]] | None = None, extra: list = ()):
        self.dirs = dirs if dirs is not None else config.content_dirs()
        self._extra = {(type(m), m.id): m for m in extra}
        self._cache: dict[tuple[str, str], object] = {}

    def paths(self, kind: str) -> list[Path]:
        found = []
        for folder in self.dirs.get(kind, []):
            if folder.is_dir():
                found += sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))
        return found

    def find(self, kind: str, ident: str):
        """The valid file of this kind whose id is ``ident``, or None."""
        model_type = {"deck": Deck, "polls": PollBank, "plan": Plan, "help": Help}[kind]
        if (model_type, ident) in self._extra:
            return self._extra[(model_type, ident)]
        key = (kind, ident)
        if key not in self._cache:
            self._cache[key] = None
            for path in self.paths(kind):
                # A file named for its id is the usual case; look there first.
                if path.stem == ident:
                    self._cache[key] = self._try(path, model_type, ident)
                    if self._cache[key] is not None:
                        break
            else:
                for path in self.paths(kind):
                    model = self._try(path, model_type, ident)
                    if model is not None:
                        self._cache[key] = model
                        break
        return self._cache[key]

    @staticmethod
    def _try(path: Path, model_type, ident: str):
        try:
            model = load_file(path)
        except ContentError:
            return None
        return model if isinstance(model, model_type) and model.id == ident else None

    def ids(self, kind: str) -> list[str]:
        out = []
        for path in self.paths(kind):
            try:
                out.append(load_file(path).id)
            except ContentError:
                continue
        return out

    def plans(self) -> list[Plan]:
        plans = []
        for path in self.paths("plan"):
            try:
                model = load_file(path)
            except ContentError:
                continue
            if isinstance(model, Plan):
                plans.append(model)
        return plans


def check_files(paths: list[str | Path], library: Library | None = None) -> dict[str, list[Problem]]:
    """Every problem in each file, in order; an empty list means the file is good.

    Decks and poll banks among ``paths`` are used to resolve the plans among them, then
    the library's.
    """
    loaded, results = {}, {}
    for path in paths:
        name = str(path)
        try:
            model, at = _load(Path(path))
        except ContentError as exc:
            results[name] = exc.problems
            continue
        results[name] = _own_rules(model, at)
        loaded[name] = (model, at)
    good = [m for name, (m, _) in loaded.items() if not results[name]]
    library = library or Library(extra=[m for m in good if not isinstance(m, Plan)])
    if library and good:
        library._extra.update({(type(m), m.id): m for m in good if not isinstance(m, Plan)})
    for name, (model, at) in loaded.items():
        if isinstance(model, Plan):
            results[name] += _plan_rules(model, at, library)
    return results


def _plan_rules(plan: Plan, at, library: Library) -> list[Problem]:
    deck = library.find("deck", plan.deck)
    polls = library.find("polls", plan.polls) if plan.polls else None
    helps = set(library.ids("help"))
    return rules.check_plan(plan, at, deck, polls, helps)


def resolve_plan(plan: str | Path | Plan, library: Library | None = None) -> Programme:
    """A plan (path, id or model) with its deck, poll bank and help resolved and checked."""
    library = library or Library()
    at = rules.Located(str(plan), None)
    if isinstance(plan, Plan):
        model = plan
    else:
        path = Path(plan)
        if path.suffix in (".yaml", ".yml") or path.exists():
            model, at = _load(path)
            if not isinstance(model, Plan):
                raise ContentError([Problem(str(path), f"is a {model.kind} file, not a plan", field="kind")])
        else:
            model = library.find("plan", str(plan))
            if model is None:
                known = ", ".join(p.id for p in library.plans()) or "none"
                raise NotFound(f"no plan with id {str(plan)!r} (known plans: {known})")
    problems = _plan_rules(model, at, library)
    if problems:
        raise ContentError(problems)
    deck = library.find("deck", model.deck)
    polls = library.find("polls", model.polls) if model.polls else None
    help_ = library.find("help", model.settings.help_region)
    return Programme.from_models(model, deck, polls, help_)
