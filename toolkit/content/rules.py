"""Checks that need a whole file, or a plan and the deck and poll bank it names."""

from __future__ import annotations

from collections import Counter

from ..errors import Problem
from .models import Deck, Help, Plan, PollBank, activity_id


class Located:
    """Finds the line and item label of a path in a file (see loader._Located)."""

    def __init__(self, name: str, located):
        self.name, self.located = name, located

    def problem(self, path: tuple, message: str, field: str | None = None) -> Problem:
        from .loader import describe_item
        data = self.located.data if self.located else None
        return Problem(self.name, message, line=self.located.line(path) if self.located else None,
                       item=describe_item(data, path) if data else None, field=field)


def _duplicates(items, path: str, at: Located) -> list[Problem]:
    counts = Counter(item.id for item in items)
    problems, seen = [], set()
    for i, item in enumerate(items):
        if counts[item.id] > 1 and item.id in seen:
            problems.append(at.problem((path, i, "id"), f"duplicate id {item.id!r}", "id"))
        seen.add(item.id)
    return problems


def check_deck(deck: Deck, at: Located) -> list[Problem]:
    problems = _duplicates(deck.categories, "categories", at) + _duplicates(deck.cards, "cards", at)
    ids = [c.id for c in deck.categories]
    if deck.not_sure and "not_sure" in ids:
        problems.append(at.problem(("categories",), "'not_sure' is reserved for the \"Not sure\" answer; "
                                   "set not_sure: false to define it yourself", "categories"))
    for i, card in enumerate(deck.cards):
        if card.expected not in ids:
            problems.append(at.problem(("cards", i, "expected"),
                                       f"unknown category {card.expected!r} (one of {', '.join(ids)})", "expected"))
    return problems


def check_polls(bank: PollBank, at: Located) -> list[Problem]:
    problems = _duplicates(bank.questions, "questions", at)
    for i, q in enumerate(bank.questions):
        where = ("questions", i)
        if q.type in ("single", "multiple"):
            if not q.options or not 2 <= len(q.options) <= 8:
                problems.append(at.problem(where + ("options",), f"a {q.type} question needs 2 to 8 options",
                                           "options"))
                continue
            option_ids = [o.id for o in q.options]
            for j, dup in enumerate(option_ids):
                if option_ids.index(dup) != j:
                    problems.append(at.problem(where + ("options", j, "id"), f"duplicate id {dup!r}", "id"))
            answers = q.answer if isinstance(q.answer, list) else [q.answer] if q.answer else []
            if q.type == "single" and isinstance(q.answer, list):
                problems.append(at.problem(where + ("answer",), "a single-choice answer is one option id", "answer"))
            for a in answers:
                if a not in option_ids:
                    problems.append(at.problem(where + ("answer",),
                                               f"unknown option {a!r} (one of {', '.join(option_ids)})", "answer"))
        else:
            if q.options:
                problems.append(at.problem(where + ("options",), f"a {q.type} question has no options", "options"))
            if q.answer is not None:
                problems.append(at.problem(where + ("answer",), f"a {q.type} question has no answer", "answer"))
        if q.type == "scale" and q.scale and not q.scale.min < q.scale.max <= q.scale.min + 10:
            problems.append(at.problem(where + ("scale",), "a scale runs from min to a larger max, at most 10 steps",
                                       "scale"))
    return problems


def check_plan(plan: Plan, at: Located, deck: Deck | None, polls: PollBank | None,
               helps: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    if deck is None:
        problems.append(at.problem(("deck",), f"no deck with id {plan.deck!r} was found", "deck"))
    if plan.polls and polls is None:
        problems.append(at.problem(("polls",), f"no poll bank with id {plan.polls!r} was found", "polls"))
    card_ids = {c.id for c in deck.cards} if deck else None
    questions = {q.id: q for q in polls.questions} if polls else None
    seen: dict[str, int] = {}
    for i, act in enumerate(plan.activities):
        where = ("activities", i)
        aid = activity_id(act)
        if aid in seen:
            problems.append(at.problem(where, f"activity id {aid!r} is used twice (give one an id:)", "id"))
        seen[aid] = i
        if act.kind == "card" and card_ids is not None and act.card not in card_ids:
            problems.append(at.problem(where + ("card",), f"no card {act.card!r} in deck {plan.deck!r}", "card"))
        if act.kind == "sort" and card_ids is not None:
            for j, cid in enumerate(act.cards or []):
                if cid not in card_ids:
                    problems.append(at.problem(where + ("cards", j), f"no card {cid!r} in deck {plan.deck!r}", "cards"))
        if act.kind == "poll":
            if not plan.polls:
                problems.append(at.problem(where + ("question",), "a poll activity needs the plan's polls: field",
                                           "question"))
            elif questions is not None:
                q = questions.get(act.question)
                if q is None:
                    problems.append(at.problem(where + ("question",),
                                               f"no question {act.question!r} in poll bank {plan.polls!r}", "question"))
                elif q.type == "text":
                    problems.append(at.problem(where + ("question",), "a text question is only for the questions box "
                                               "(settings: questions_prompt)", "question"))
    prompt = plan.settings.questions_prompt
    if prompt and questions is not None:
        if prompt not in questions or questions[prompt].type != "text":
            problems.append(at.problem(("settings", "questions_prompt"),
                                       f"no text question {prompt!r} in poll bank {plan.polls!r}", "questions_prompt"))
    if helps is not None and plan.settings.help_region not in helps:
        problems.append(at.problem(("settings", "help_region"),
                                   f"no help file for region {plan.settings.help_region!r} "
                                   f"(have: {', '.join(sorted(helps)) or 'none'})", "help_region"))
    return problems


def check_help(help_: Help, at: Located) -> list[Problem]:
    problems = []
    for i, r in enumerate(help_.resources):
        if not (r.phone or r.url or r.text):
            problems.append(at.problem(("resources", i), "a resource needs a phone, url or text", "phone"))
    return problems
