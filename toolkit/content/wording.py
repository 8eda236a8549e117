"""Wording that puts the weight on the young person, found in prompts and student-facing text.

Discussion of exploitation is about what the exploiter did, the power gap between them and
the young person, and where anyone in that situation can get help now. Questions such as
"What could Chloe have done?" or "What made Chloe easy to target?" ask the class to judge
the child instead, and a child in the room who is being exploited hears that it is their
fault. Authors of new decks make this mistake easily, so ``toolkit check`` flags it.

``blaming_phrases(text, names)`` is the one source of truth: the check uses it to report
problems with a file, line, item and field, and an editor can use it to warn as a person
types. ``wording_problems`` applies it to the parts of a content file that the rule covers:
card text and prompts, poll questions, options and notes (shown on reveal), and slides.
Private teaching notes are left alone, because a note may quote a phrase in order to say
"do not ask this".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Problem

ADVICE = ("Ask about the exploiter's behaviour, the power gap, or where anyone in that situation can get "
          "help now.")

# Words that are not a young person's name at the start of a sentence or after "why did".
_NOT_NAMES = frozenset("""
    a an the he she they it this that these those someone somebody anyone anybody people person
    others other their his her its we you i who what everyone everybody nobody friends adults
    man woman men women lads girls boys player group gang dealer dealers exploiter exploiters
    abuser abusers older
""".split())

_NEGATION = re.compile(r"\b(not|never|no|nobody|none)\b|n't\b", re.I)


@dataclass(frozen=True)
class Finding:
    """One phrase that puts the weight on the young person, and why."""

    phrase: str
    message: str

    def __str__(self) -> str:
        return f"{self.phrase!r} {self.message}"


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern
    message: str
    negatable: bool = False  # skip the match when a negation sits just before it or in it
    names: bool = False      # the pattern's group "who" must be a young person's name
    question: bool = False   # only in a question: "the adults who use them are to blame" is fine


def _rule(pattern: str, message: str, **kw) -> _Rule:
    return _Rule(re.compile(pattern, re.I), message, **kw)


_NAME = r"(?P<who>[A-Za-z][a-z'’]+)"

RULES: tuple[_Rule, ...] = (
    _rule(r"\b(?:should|could|might|ought\s+to)(?:n['’]t|\s+not)?\s+(?:\w+\s+){0,2}?have\s+"
          r"(?!happened\b|to\b)\w+",
          "asks what someone could or should have done, which puts the weight on the young person in hindsight."),
    _rule(r"\b(?:safer|safest|better|wiser|bad|wrong|poor|risky|stupid|silly)\s+(?:options?|choices?|decisions?)\b",
          "suggests the young person chose badly; exploitation is the exploiter's choice, not theirs."),
    _rule(r"\b(?:easy|easier|easiest)\s+(?:for\s+(?:\w+\s+){1,3})?to\s+(?:target|groom|exploit|trick|pick\s+on)\b"
          r"|\beasy\s+(?:target|prey)\b"
          r"|\bmade\s+(?:\w+\s+){1,2}(?:an?\s+)?(?:easy\s+)?(?:target|vulnerable)\b",
          "asks what made the young person a target, as if it were about them; the exploiter chooses and "
          "uses the power gap."),
    _rule(r"\b(?:is|was|isn['’]t|wasn['’]t)\s+(?:it\s+)?(?:partly\s+|also\s+|really\s+|a\s+bit\s+)?"
          r"(?:(?:[A-Z][a-z]+['’]s)|her|his|their)\s+(?:own\s+)?fault\b",
          "invites the class to weigh up whether it is the young person's fault; it never is.", negatable=True),
    _rule(r"\b(?:partly|also|a\s+bit|in\s+part|equally)\s+(?:to\s+blame|at\s+fault|responsible)\b",
          "shares out the blame; a young person who is exploited is never to blame.", negatable=True),
    _rule(r"\b(?:is|was|are|were)\s+(?:\w+\s+)?(?:to\s+blame|at\s+fault)\b",
          "invites the class to find someone to blame, and the young person is the one in the story; they "
          "are never to blame.", negatable=True, question=True),
    _rule(r"\bwhy\s+(?:didn['’]t|did\s+not|doesn['’]t|does\s+not|don['’]t|won['’]t|wouldn['’]t|couldn['’]t|"
          r"hasn['’]t)\s+" + _NAME,
          "asks why the young person did not act; fear, threats and feelings for the exploiter make that hard. "
          "Ask what makes it hard to tell, and who can help now.", names=True),
    _rule(r"\bwhy\s+(?:did|does|do|would|was|is)\s+" + _NAME + r"\s+(?:\w+\s+)?"
          r"(?:go|went|agree|agreed|send|sent|get\s+in|got\s+in|accept|accepted|take|took|meet|met|stay|stayed|"
          r"drink|trust|trusted|believe|believed|say\s+yes|keep|kept|run|ran|talk|chat|reply|replied|"
          r"let|allow|allowed|hang|hanging|out)\b",
          "asks the young person to account for what was done to them.", names=True),
    _rule(r"\b(?:avoid|prevent|stop)\s+(?:\w+\s+)?(?:being|getting)\s+(?:targeted|groomed|exploited|abused|tricked|"
          r"used|blackmailed)\b",
          "makes avoiding abuse the young person's job; keeping children safe is the adults' job."),
    _rule(r"\bif\s+\w+\s+(?:hadn['’]t|had\s+not|had\s+never|had\s+only|had\s+just)\b",
          "asks what would have happened if the young person had acted differently."),
    _rule(r"\b(?:be|been|being)\s+more\s+careful\b|\bknown\s+better\b|\bknow\s+better\b",
          "suggests the young person should have been more careful."),
    _rule(r"\basking\s+for\s+it\b|\bbrought\s+it\s+on\b|\bled\s+(?:him|her|them)\s+on\b",
          "is a victim-blaming phrase."),
    _rule(r"\bput\s+(?:herself|himself|themselves|themself)\s+(?:at\s+risk|in\s+danger|in\s+that\s+position)\b",
          "says the young person put themselves at risk; the exploiter created the risk."),
    _rule(r"\b(?:what|how)\s+(?:\w+\s+){0,2}(?:could|should|can|might)\s+" + _NAME +
          r"\s+(?:have\s+)?(?:do|done|behave|act)\s+(?:differently|to\s+avoid|to\s+prevent|to\s+stop\s+(?:it|this)\b)",
          "asks what the young person should do differently, as if it were theirs to stop.", names=True),
)


def blaming_phrases(text: str, names: tuple[str, ...] | list[str] = ()) -> list[Finding]:
    """Phrases in ``text`` that put the weight on the young person, each with why.

    ``names`` are the young people the text is about (a card's character); where a rule
    turns on who is asked about ("why didn't Noah tell?"), a capitalised word that is not
    an article or pronoun counts as a name too, so slides and polls are covered.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    known = {n.lower() for n in names if isinstance(n, str)}
    found: list[Finding] = []
    for rule in RULES:
        for match in rule.pattern.finditer(text):
            if rule.names:
                who = match.group("who")
                if who.lower() in _NOT_NAMES or not (who.lower() in known or who[:1].isupper()):
                    continue
            if rule.question and not _in_question(text, match):
                continue
            if rule.negatable:
                before = text[max(0, match.start() - 12):match.start()]
                if _NEGATION.search(match.group(0)) or _NEGATION.search(before):
                    continue
            found.append(Finding(match.group(0), rule.message))
    return sorted(found, key=lambda f: text.find(f.phrase))


def _in_question(text: str, match: re.Match) -> bool:
    """Whether the sentence holding the match ends with a question mark."""
    end = re.search(r"[.!?](?:\s|$)", text[match.end():])
    return bool(end) and end.group(0)[0] == "?"


# -- applying the rule to a content file --------------------------------------------------

def student_fields(data: dict, kind: str):
    """``(path, text, names)`` for each piece of a file the rule covers."""
    if not isinstance(data, dict):
        return
    if kind == "deck":
        for i, card in _entries(data.get("cards")):
            names = [card["character"]] if isinstance(card.get("character"), str) else []
            yield ("cards", i, "text"), card.get("text"), names
            for j, prompt in enumerate(card.get("prompts") if isinstance(card.get("prompts"), list) else []):
                yield ("cards", i, "prompts", j), prompt, names
    elif kind == "polls":
        for i, q in _entries(data.get("questions")):
            yield ("questions", i, "text"), q.get("text"), []
            yield ("questions", i, "note"), q.get("note"), []
            for j, option in _entries(q.get("options")):
                yield ("questions", i, "options", j, "label"), option.get("label"), []
    elif kind == "plan":
        for i, act in _entries(data.get("activities")):
            if act.get("kind") == "slide":
                yield ("activities", i, "title"), act.get("title"), []
                yield ("activities", i, "body"), act.get("body"), []


def _entries(value) -> list[tuple[int, dict]]:
    return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)] if isinstance(value, list) else []


def wording_problems(data, at) -> list[Problem]:
    """A problem for each blaming phrase in the prompts and student-facing text of a file.

    ``at`` is the file's ``rules.Located`` (it gives the line and the item's name).
    """
    kind = data.get("kind") if isinstance(data, dict) else None
    problems = []
    for path, text, names in student_fields(data, kind):
        field = next(p for p in reversed(path) if isinstance(p, str))
        for finding in blaming_phrases(text, names):
            problems.append(at.problem(path, f"{finding.phrase!r} {finding.message} {ADVICE}", field))
    return problems
