"""Checks that need a whole file, or a plan and the deck and poll bank it names.

They read the parsed YAML rather than the validated models, so they run even when a
file also has structural problems: a facilitator sees a misspelt field and an unknown
category in the same pass. Values of the wrong shape are left to the structural check
(``toolkit.content.loader``) and passed over here.
"""

from __future__ import annotations

from collections import Counter

from ..errors import Problem
from . import helptext
from .models import Deck, PollBank, activity_id
from .vocab import DEFAULT_CATEGORIES
from .wording import student_fields


class Located:
    """Finds the line and item label of a path in a file (see loader._Located)."""

    def __init__(self, name: str, located, data=None):
        self.name, self.located = name, located
        self.data = located.data if located is not None else data

    def problem(self, path: tuple, message: str, field: str | None = None) -> Problem:
        from .loader import describe_item
        return Problem(self.name, message, line=self.located.line(path) if self.located else None,
                       item=describe_item(self.data, path) if self.data is not None else None, field=field)


def _items(data, key: str) -> list[tuple[int, dict]]:
    """The mapping entries of a list field, with their positions; anything else is skipped."""
    value = data.get(key) if isinstance(data, dict) else None
    return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)] if isinstance(value, list) else []


def _ids(data, key: str) -> list[str] | None:
    """The ids of a list field when every entry has a text id, else None (too broken to check against)."""
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(x, dict) and isinstance(x.get("id"), str)
                                              for x in value):
        return None
    return [x["id"] for x in value]


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _duplicates(data, key: str, at: Located) -> list[Problem]:
    entries = [(i, x["id"]) for i, x in _items(data, key) if isinstance(x.get("id"), str)]
    counts = Counter(ident for _, ident in entries)
    problems, seen = [], set()
    for i, ident in entries:
        if counts[ident] > 1 and ident in seen:
            problems.append(at.problem((key, i, "id"), f"duplicate id {ident!r}", "id"))
        seen.add(ident)
    return problems


def check_deck(data: dict, at: Located) -> list[Problem]:
    problems = _duplicates(data, "categories", at) + _duplicates(data, "cards", at)
    ids = [c["id"] for c in DEFAULT_CATEGORIES] if "categories" not in data else _ids(data, "categories")
    if ids is None:
        return problems
    if data.get("not_sure", True) is True and "not_sure" in ids:
        problems.append(at.problem(("categories",), "'not_sure' is reserved for the \"Not sure\" answer; "
                                   "set not_sure: false to define it yourself", "categories"))
    for i, card in _items(data, "cards"):
        expected = _text(card.get("expected"))
        if expected is not None and expected not in ids:
            problems.append(at.problem(("cards", i, "expected"),
                                       f"unknown category {expected!r} (one of {', '.join(ids)})", "expected"))
    return problems


def check_polls(data: dict, at: Located) -> list[Problem]:
    problems = _duplicates(data, "questions", at)
    for i, q in _items(data, "questions"):
        where = ("questions", i)
        qtype, options, answer = q.get("type"), q.get("options"), q.get("answer")
        if qtype in ("single", "multiple"):
            if options is None or (isinstance(options, list) and not 2 <= len(options) <= 8):
                problems.append(at.problem(where + ("options",), f"a {qtype} question needs 2 to 8 options",
                                           "options"))
                continue
            problems += _duplicates(q, "options", _Nested(at, where))
            option_ids = _ids(q, "options")
            if option_ids is None:
                continue
            if qtype == "single" and isinstance(answer, list):
                problems.append(at.problem(where + ("answer",), "a single-choice answer is one option id", "answer"))
            answers = answer if isinstance(answer, list) else [answer]
            for a in answers:
                if isinstance(a, str) and a not in option_ids:
                    problems.append(at.problem(where + ("answer",),
                                               f"unknown option {a!r} (one of {', '.join(option_ids)})", "answer"))
        elif qtype in ("scale", "text"):
            if options:
                problems.append(at.problem(where + ("options",), f"a {qtype} question has no options", "options"))
            if answer is not None:
                problems.append(at.problem(where + ("answer",), f"a {qtype} question has no answer", "answer"))
        scale = q.get("scale")
        if qtype == "scale" and isinstance(scale, dict):
            low, high = scale.get("min", 1), scale.get("max", 5)
            if type(low) is int and type(high) is int and not low < high <= low + 10:
                problems.append(at.problem(where + ("scale",),
                                           "a scale runs from min to a larger max, at most 10 steps", "scale"))
    return problems


class _Nested:
    """A ``Located`` for a mapping inside the file, so paths can be written relative to it."""

    def __init__(self, at: Located, prefix: tuple):
        self.at, self.prefix = at, prefix

    def problem(self, path: tuple, message: str, field: str | None = None) -> Problem:
        return self.at.problem(self.prefix + path, message, field)


class _Fields:
    """Attribute access over an activity's mapping, for ``activity_id``."""

    def __init__(self, raw: dict):
        self._raw = raw

    def __getattr__(self, name):
        return self._raw.get(name)


def _activity_id(act: dict) -> str | None:
    """The id an activity will be known by, or None while the fields it comes from are broken."""
    if act.get("id") is not None:
        return _text(act.get("id"))
    if not isinstance(act.get("kind"), str):
        return None  # a kind that is a list or a mapping is reported by the structure check
    needs = {"card": "card", "poll": "question"}.get(act.get("kind"))
    if needs and not isinstance(act.get(needs), str):
        return None
    if act.get("kind") == "poll" and act.get("phase") is not None and not isinstance(act.get("phase"), str):
        return None
    if act.get("kind") not in ("slide", "card", "poll", "sort"):
        return None
    return activity_id(_Fields(act))


def check_plan(data: dict, at: Located, deck: Deck | None, polls: PollBank | None,
               helps: set[str] | None, broken: dict | None = None) -> list[Problem]:
    """A plan's references: its deck, poll bank, cards, questions and help region.

    ``broken`` maps ``(kind, id)`` to the file of a deck or poll bank that exists but has
    problems of its own, so the message can say so instead of "not found".
    """
    broken = broken or {}
    problems: list[Problem] = []
    deck_id, polls_id = _text(data.get("deck")), _text(data.get("polls"))

    def missing(kind: str, ident: str, noun: str) -> str:
        if (kind, ident) in broken:
            return f"the {noun} {ident!r} ({broken[(kind, ident)]}) has problems of its own: fix those first"
        return f"no {noun} with id {ident!r} was found"

    if deck_id is not None and deck is None:
        problems.append(at.problem(("deck",), missing("deck", deck_id, "deck"), "deck"))
    if polls_id is not None and polls is None:
        problems.append(at.problem(("polls",), missing("polls", polls_id, "poll bank"), "polls"))
    card_ids = {c.id for c in deck.cards} if deck else None
    questions = {q.id: q for q in polls.questions} if polls else None
    seen: set[str] = set()
    for i, act in _items(data, "activities"):
        where, kind = ("activities", i), act.get("kind")
        aid = _activity_id(act)
        if aid is not None:
            if aid in seen:
                problems.append(at.problem(where, f"activity id {aid!r} is used twice (give one an id:)", "id"))
            seen.add(aid)
        if kind == "card" and card_ids is not None:
            card = _text(act.get("card"))
            if card is not None and card not in card_ids:
                problems.append(at.problem(where + ("card",), f"no card {card!r} in deck {deck_id!r}", "card"))
        if kind == "sort" and card_ids is not None and isinstance(act.get("cards"), list):
            for j, cid in enumerate(act["cards"]):
                if isinstance(cid, str) and cid not in card_ids:
                    problems.append(at.problem(where + ("cards", j), f"no card {cid!r} in deck {deck_id!r}",
                                               "cards"))
        if kind == "poll":
            question = _text(act.get("question"))
            if "polls" not in data:
                problems.append(at.problem(where + ("question",), "a poll activity needs the plan's polls: field",
                                           "question"))
            elif questions is not None and question is not None:
                q = questions.get(question)
                if q is None:
                    problems.append(at.problem(where + ("question",),
                                               f"no question {question!r} in poll bank {polls_id!r}", "question"))
                elif q.type == "text":
                    problems.append(at.problem(where + ("question",), "a text question is only for the questions box "
                                               "(settings: questions_prompt)", "question"))
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    prompt = _text(settings.get("questions_prompt"))
    if prompt and questions is not None:
        if prompt not in questions or questions[prompt].type != "text":
            problems.append(at.problem(("settings", "questions_prompt"),
                                       f"no text question {prompt!r} in poll bank {polls_id!r}", "questions_prompt"))
    region = settings.get("help_region")
    if helps is not None and isinstance(region, str) and region not in helps:
        problems.append(at.problem(("settings", "help_region"),
                                   f"no help file for region {region!r} "
                                   f"(have: {', '.join(sorted(helps)) or 'none'})", "help_region"))
    return problems


def check_help(data: dict, at: Located) -> list[Problem]:
    problems = _duplicates(data, "resources", at)
    for i, r in _items(data, "resources"):
        if not (r.get("phone") or r.get("url") or r.get("text")):
            problems.append(at.problem(("resources", i), "a resource needs a phone, url or text", "phone"))
    if _items(data, "resources") and not any(r.get("panel", True) is not False for _, r in _items(data, "resources")):
        problems.append(at.problem(("resources",), "every resource has panel: false, so the help panel on "
                                   "every student screen would be empty", "resources"))
    return problems


def check_help_text(data: dict, at: Located, helps: dict[str, dict], sources: dict[str, str]) -> list[Problem]:
    """Help in a poll bank's or plan's student-facing text follows the session's help region.

    Each placeholder must be filled by every help file the text can be shown with (the
    region a plan pins, else every region there is), and no help number may be written out
    where a placeholder would let the region decide. ``helps`` maps region to help file
    (as a dict), ``sources`` region to the file's path, for the messages.
    """
    kind = data.get("kind")
    if kind not in ("polls", "plan"):
        return []
    pinned = ((data.get("settings") or {}) if isinstance(data.get("settings"), dict) else {}).get("help_region")
    regions = [pinned] if kind == "plan" and isinstance(pinned, str) and pinned in helps else sorted(helps)
    phones = {}
    for region in sorted(helps):
        for r in helps[region].get("resources", []):
            if r.get("phone"):
                phones.setdefault(r["phone"].replace(" ", ""), (r["phone"], r.get("id")))
    problems = []
    for path, text, _ in student_fields(data, kind):
        field = next(p for p in reversed(path) if isinstance(p, str))
        for bad in helptext.malformed(text):
            problems.append(at.problem(path, f"{bad} is not a help placeholder: write {{help}}, {{help:ID}} or "
                                             "{help:ID.phone} with a resource id from the help files", field))
        if field == "label" and "{help}" in (text or ""):
            problems.append(at.problem(path, "{help} lists every help resource on lines of its own: use it in a "
                                             "slide, and {help:ID} in an option", field))
        for region in regions:
            try:
                helptext.render(text, helps[region])
            except helptext.MissingHelp as exc:
                problems.append(at.problem(path, f"{exc.message} ({sources.get(region, region)})", field))
        for number in helptext.literal_numbers(text, {d: p for d, (p, _) in phones.items()}):
            ident = phones[number.replace(" ", "")][1]
            use = f"{{help:{ident}.phone}} or {{help:{ident}}}" if ident else "a {help:ID} placeholder"
            problems.append(at.problem(path, f"writes the help number {number} into the text, so a session run "
                                             f"for another region would show it: write {use} instead, and the "
                                             "session's help region fills it in", field))
    return problems


OWN_RULES = {"deck": check_deck, "polls": check_polls, "help": check_help}
