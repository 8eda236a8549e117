"""Advice that does not block saving: student text that reads above grade 7, a plan that
shows a card before the slide that says what exploitation is, a plan longer than its time.

``toolkit check`` decides what is wrong; this only says what a facilitator may want to
look at again. Each piece of advice is ``(path, message)``, the path into the file's data
as in ``wording.student_fields``.
"""

from __future__ import annotations

import re

from .models import CardActivity, PollActivity, SlideActivity, SortActivity
from .wording import student_fields

READING_GRADE = 7  # students from 11: text a Year 7 reads without help
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_VOWELS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """An estimate good enough for a reading level: vowel groups, less a silent final e."""
    w = word.lower().strip("'’-")
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(_VOWELS.findall(w)))


def reading_grade(text: str) -> float | None:
    """The Flesch-Kincaid grade of ``text`` (None for text too short to judge: under 8 words)."""
    words = _WORD.findall(text or "")
    if len(words) < 8:
        return None
    sentences = max(1, len(re.findall(r"[.!?]+(?:\s|$)", text.strip())) or 1)
    syll = sum(syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syll / len(words) - 15.59


def reading_advice(data: dict) -> list[tuple[tuple, str]]:
    """Student-facing text (card text, poll questions, slides) above grade 7."""
    out = []
    for path, text, _ in student_fields(data, data.get("kind") if isinstance(data, dict) else None):
        if path[-1] not in ("text", "body") or not isinstance(text, str):
            continue
        grade = reading_grade(text)
        if grade is not None and grade > READING_GRADE:
            out.append((path, f"reads at about grade {grade:.1f}, above grade {READING_GRADE}: shorter sentences "
                              "and everyday words help the youngest students"))
    return out


def is_definition(activity: dict) -> bool:
    """A slide that says what exploitation is (the shipped plans' ``what-is-…`` slides)."""
    if activity.get("kind") != "slide":
        return False
    ident, title = str(activity.get("id") or ""), str(activity.get("title") or "")
    return ident.startswith("what-is") or bool(re.match(r"what is .*exploitation", title, re.I))


def plan_advice(data: dict) -> list[tuple[tuple, str]]:
    """A card before the definition slide; a plan whose activities run over its minutes."""
    out = []
    acts = [a for a in data.get("activities") or [] if isinstance(a, dict)]
    defined = False
    for i, act in enumerate(acts):
        if is_definition(act):
            defined = True
        elif act.get("kind") in ("card", "sort") and not defined:
            out.append((("activities", i), "comes before the slide that says what exploitation is (power, "
                                           "something given or promised, never the young person's fault): "
                                           "move that slide first"))
            break
    total = total_minutes(acts)
    minutes = data.get("minutes")
    if isinstance(minutes, (int, float)) and total > minutes:
        out.append((("minutes",), f"the activities take {total:g} minutes, {total - minutes:g} more than "
                                  f"the plan's {minutes:g}"))
    return out


# Each kind's minutes when an activity gives none, as the plan's models default them.
DEFAULT_MINUTES = {kind: model.model_fields["minutes"].default for kind, model in (
    ("slide", SlideActivity), ("poll", PollActivity), ("card", CardActivity), ("sort", SortActivity))}


def total_minutes(activities: list[dict]) -> float:
    """The activities' minutes added up (each kind's default where none is given)."""
    total = 0.0
    for act in activities:
        value = act.get("minutes", DEFAULT_MINUTES.get(act.get("kind"), 0))
        total += value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
    return total


def advice(data: dict) -> list[tuple[tuple, str]]:
    """Every piece of advice for a content file's data."""
    if not isinstance(data, dict):
        return []
    return reading_advice(data) + (plan_advice(data) if data.get("kind") == "plan" else [])
