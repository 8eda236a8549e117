"""What a session runs: a plan with its deck, poll bank and help, frozen as plain data.

A session stores ``Programme.snapshot()`` when it starts and rebuilds the programme from
it, so results stay readable after the files change. The snapshot keeps the help file of
the session's region; help placeholders in slides and polls (``{help:childline}``, see
``toolkit.content.helptext``) are filled from it whenever the programme is built. The programme knows each activity's
id, what a student may answer, and what may be shown before and after reveal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ContentError, Invalid, Problem
from . import helptext
from .models import Deck, Help, Plan, PollBank, activity_id
from .vocab import CARD_KINDS, MODELS, NOT_SURE, SIGNS


@dataclass(frozen=True)
class Activity:
    """One step of a session, as the engine and the screens see it."""

    index: int
    id: str
    kind: str  # slide | poll | card | sort
    title: str
    minutes: float
    phase: str | None = None
    items: tuple[str, ...] = ()  # card ids (card, sort) or the question id (poll)
    body: str | None = None

    @property
    def votes(self) -> bool:
        return self.kind != "slide"


@dataclass
class Programme:
    plan: dict
    deck: dict
    polls: dict | None
    help: dict | None
    activities: list[Activity] = field(default_factory=list)

    # -- building -----------------------------------------------------------------
    @classmethod
    def from_models(cls, plan: Plan, deck: Deck, polls: PollBank | None, help_: Help | None) -> "Programme":
        return cls.from_snapshot({
            "plan": plan.model_dump(mode="json"),
            "deck": deck.model_dump(mode="json"),
            "polls": polls.model_dump(mode="json") if polls else None,
            "help": help_.model_dump(mode="json") if help_ else None,
        })

    @classmethod
    def from_snapshot(cls, snap: dict) -> "Programme":
        prog = cls(plan=snap["plan"], deck=snap["deck"], polls=snap.get("polls"), help=snap.get("help"))
        prog._cards = {c["id"]: c for c in prog.deck["cards"]}
        prog._questions = {q["id"]: prog._filled_question(q) for q in (prog.polls or {}).get("questions", [])}
        for i, raw in enumerate(prog.plan["activities"]):
            prog.activities.append(prog._activity(i, raw))
        prog._by_id = {a.id: a for a in prog.activities}
        return prog

    def with_help(self, help_: dict | Help | None) -> "Programme":
        """The same plan, deck and poll bank with another region's help (checked: ContentError)."""
        if isinstance(help_, Help):
            help_ = help_.model_dump(mode="json")
        return Programme.from_snapshot({**self.snapshot(), "help": help_})

    @property
    def help_region(self) -> str | None:
        return (self.help or {}).get("id")

    def _fill(self, text, where: str):
        try:
            return helptext.render(text, self.help)
        except helptext.MissingHelp as exc:
            raise ContentError([Problem(self.plan.get("id") or "plan", exc.message, item=where)]) from None

    def _filled_question(self, q: dict) -> dict:
        where = f"question {q['id']!r}"
        out = {**q, "text": self._fill(q["text"], where)}
        if q.get("note"):
            out["note"] = self._fill(q["note"], where)
        if q.get("options"):
            out["options"] = [{**o, "label": self._fill(o["label"], where)} for o in q["options"]]
        return out

    def _activity(self, index: int, raw: dict) -> Activity:
        kind = raw["kind"]
        aid = activity_id(_Obj(raw))
        if kind == "slide":
            where = f"activity {aid!r}"
            return Activity(index, aid, kind, self._fill(raw["title"], where), raw["minutes"],
                            body=self._fill(raw["body"], where))
        if kind == "card":
            card = self._cards[raw["card"]]
            return Activity(index, aid, kind, f"{card['character']}, {card['age']}", raw["minutes"],
                            items=(card["id"],))
        if kind == "poll":
            q = self._questions[raw["question"]]
            title = {"baseline": "Before we start", "endpoint": "Now we have finished"}.get(raw.get("phase"), "Poll")
            return Activity(index, aid, kind, title, raw["minutes"], phase=raw.get("phase"), items=(q["id"],))
        cards = tuple(raw.get("cards") or self._cards)
        return Activity(index, aid, kind, raw.get("title") or "Sort the cards", raw["minutes"], items=cards)

    def snapshot(self) -> dict:
        return {"plan": self.plan, "deck": self.deck, "polls": self.polls, "help": self.help}

    # -- looking up ---------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.plan["title"]

    @property
    def settings(self) -> dict:
        return self.plan.get("settings") or {}

    def activity(self, key: int | str) -> Activity:
        return self.activities[key] if isinstance(key, int) else self._by_id[key]

    def has_activity(self, activity_id_: str) -> bool:
        return activity_id_ in self._by_id

    def card(self, card_id: str) -> dict:
        return self._cards[card_id]

    def question(self, question_id: str) -> dict:
        return self._questions[question_id]

    @property
    def cards(self) -> list[dict]:
        return self.deck["cards"]

    def categories(self) -> list[dict]:
        """The deck's answer options for a card, "Not sure" last when the deck allows it."""
        cats = list(self.deck["categories"])
        return cats + [dict(NOT_SURE)] if self.deck.get("not_sure", True) else cats

    def options(self, activity: Activity) -> list[dict]:
        """What a student can choose for an activity: ``[{id, label, colour?}]``."""
        if activity.kind in CARD_KINDS:
            return self.categories()
        if activity.kind == "poll":
            q = self.question(activity.items[0])
            if q["type"] == "scale":
                scale = q.get("scale") or {"min": 1, "max": 5}
                return [{"id": str(v), "label": str(v)} for v in range(scale["min"], scale["max"] + 1)]
            return [{"id": o["id"], "label": o["label"]} for o in q.get("options") or []]
        return []

    # -- answers ------------------------------------------------------------------
    def normalise(self, activity: Activity, value, item: str | None = None) -> tuple[str, str]:
        """Check a student's answer; return ``(item, value)`` as stored, or raise Invalid."""
        if not activity.votes:
            raise Invalid(f"activity {activity.id!r} takes no answers")
        if activity.kind == "sort":
            if item is None:
                raise Invalid("a sort answer needs the card it is for ('item')")
            if item not in activity.items:
                raise Invalid(f"card {item!r} is not in this sort")
        elif item is not None and item != activity.items[0]:
            raise Invalid(f"item {item!r} does not belong to activity {activity.id!r}")
        item = item or activity.items[0]
        allowed = [o["id"] for o in self.options(activity)]
        q = self.question(item) if activity.kind == "poll" else None
        if q is not None and q["type"] == "multiple":
            if isinstance(value, str):
                value = [v for v in value.split(",") if v]
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                raise Invalid("a multiple-choice answer is a non-empty list of option ids")
            unknown = [v for v in value if v not in allowed]
            if unknown:
                raise Invalid(f"unknown option {unknown[0]!r} (one of {', '.join(allowed)})")
            return item, ",".join(sorted(set(value), key=allowed.index))
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise Invalid(f"an answer is one of {', '.join(allowed)}")
        value = str(value)
        if value not in allowed:
            raise Invalid(f"unknown option {value!r} (one of {', '.join(allowed)})")
        return item, value

    def expected(self, activity: Activity, item: str) -> str | None:
        """The right answer to an item as it would be stored, or None where none is right.

        A multiple-choice answer is stored as its option ids joined in option order, so the
        expected one is joined the same way, whatever order the poll bank lists it in.
        """
        if activity.kind in CARD_KINDS:
            return self.card(item)["expected"]
        if activity.kind != "poll":
            return None
        answer = self.question(item).get("answer")
        if isinstance(answer, list):
            order = [o["id"] for o in self.options(activity)]
            return ",".join(sorted(set(answer), key=lambda a: order.index(a) if a in order else len(order)))
        return answer

    # -- what screens may show ----------------------------------------------------
    def public_activity(self, activity: Activity, revealed: bool) -> dict:
        """The student-facing view of an activity: never an expected answer before reveal,
        never a teaching note."""
        out = {"id": activity.id, "index": activity.index, "total": len(self.activities), "kind": activity.kind,
               "title": activity.title, "options": self.options(activity)}
        if activity.kind == "slide":
            out["body"] = activity.body
        elif activity.kind == "card":
            out["text"] = self.card(activity.items[0])["text"]
        elif activity.kind == "poll":
            q = self.question(activity.items[0])
            out["text"] = q["text"]
            out["type"] = q["type"]
            if q["type"] == "scale":
                scale = q.get("scale") or {}
                out["scale"] = {"low": scale.get("low"), "high": scale.get("high")}
        elif activity.kind == "sort":
            out["cards"] = [{"id": cid, "text": self.card(cid)["text"]} for cid in activity.items]
        if revealed and activity.kind != "slide":
            out["reveal"] = self.reveal(activity, private=False)
        return out

    def reveal(self, activity: Activity, private: bool = True) -> dict:
        """Expected answers and signs for an activity; with ``private`` also notes and prompts."""
        out: dict = {}
        if activity.kind in CARD_KINDS:
            cats = {c["id"]: c["label"] for c in self.categories()}
            items = []
            for cid in activity.items:
                card = self.card(cid)
                entry = {"id": cid, "expected": card["expected"], "expected_label": cats[card["expected"]],
                         "signs": [SIGNS[s] for s in card.get("signs", [])],
                         "model": MODELS[card["model"]]}
                if private:
                    entry["note"] = card["note"]
                    entry["prompts"] = card["prompts"]
                items.append(entry)
            out["cards"] = items
            if activity.kind == "card":
                out.update(items[0])
        elif activity.kind == "poll":
            q = self.question(activity.items[0])
            answer = q.get("answer")
            labels = {o["id"]: o["label"] for o in self.options(activity)}
            if answer is not None:
                out["answer"] = answer
                out["answer_label"] = (", ".join(labels[a] for a in answer) if isinstance(answer, list)
                                       else labels[answer])
            if q.get("note"):
                out["note"] = q["note"]  # a poll's note explains the answer; it is meant for the class
        return out

    def help_resources(self) -> dict | None:
        """The help shown on every student screen (resources kept for help slides left out)."""
        return helptext.panel(self.help)


class _Obj:
    """Attribute access over a plan activity's dict, for ``activity_id``."""

    def __init__(self, raw: dict):
        self._raw = raw

    def __getattr__(self, name):
        return self._raw.get(name)
