"""The shapes of decks, poll banks, plans and help files (pydantic models).

Structure and field types are checked here; whatever needs a whole file (duplicate ids,
an expected answer among the categories, a plan naming a card that exists) is checked
in ``toolkit.content.rules``.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .vocab import AGE_BANDS, DEFAULT_CATEGORIES, MODELS, NOT_SURE, PHASES, SIGNS

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=60)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]


def _text(max_length: int):
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)]


ShortText = _text(80)
Prompt = _text(200)
Note = _text(600)
Body = _text(2000)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Category(Strict):
    id: Id
    label: ShortText
    colour: Colour


class Card(Strict):
    id: Id
    character: ShortText
    age: int = Field(ge=10, le=18)
    text: _text(400)
    expected: Id
    model: str
    signs: list[str] = []
    ages: list[str] = list(AGE_BANDS)
    note: Note
    prompts: list[Prompt] = Field(min_length=1, max_length=4)

    @field_validator("text")
    @classmethod
    def _short(cls, value: str) -> str:
        words = len(value.split())
        if words > 40:
            raise ValueError(f"has {words} words; a card's text is at most 40 words")
        return value

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        if value not in MODELS:
            raise ValueError(f"unknown model {value!r} (one of {', '.join(MODELS)})")
        return value

    @field_validator("signs")
    @classmethod
    def _signs(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SIGNS]
        if unknown:
            raise ValueError(f"unknown sign {unknown[0]!r} (one of {', '.join(SIGNS)})")
        return value

    @field_validator("ages")
    @classmethod
    def _ages(cls, value: list[str]) -> list[str]:
        unknown = [a for a in value if a not in AGE_BANDS]
        if unknown:
            raise ValueError(f"unknown age band {unknown[0]!r} (one of {', '.join(AGE_BANDS)})")
        if not value:
            raise ValueError("names no age band")
        return value


class Deck(Strict):
    kind: Literal["deck"]
    id: Id
    title: ShortText
    description: _text(600) | None = None
    not_sure: bool = True
    categories: list[Category] = Field(
        default_factory=lambda: [Category(**c) for c in DEFAULT_CATEGORIES], min_length=2, max_length=6)
    cards: list[Card] = Field(min_length=1)

    def options(self) -> list[Category]:
        """What a student can answer for a card: the categories, then "Not sure"."""
        return list(self.categories) + ([Category(**NOT_SURE)] if self.not_sure else [])

    def card(self, card_id: str) -> Card:
        return next(c for c in self.cards if c.id == card_id)


class Option(Strict):
    id: Id
    label: ShortText


class Scale(Strict):
    min: int = 1
    max: int = 5
    low: ShortText | None = None
    high: ShortText | None = None


class Question(Strict):
    id: Id
    type: Literal["single", "multiple", "scale", "text"]
    text: _text(200)
    options: list[Option] | None = None
    scale: Scale | None = None
    answer: Id | list[Id] | None = None
    note: Note | None = None
    max_length: int = Field(default=280, ge=1, le=1000)

    def option_ids(self) -> list[str]:
        if self.type == "scale":
            scale = self.scale or Scale()
            return [str(v) for v in range(scale.min, scale.max + 1)]
        return [o.id for o in self.options or []]


class PollBank(Strict):
    kind: Literal["polls"]
    id: Id
    title: ShortText
    questions: list[Question] = Field(min_length=1)

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)


class Settings(Strict):
    questions_box: bool = False
    questions_prompt: Id | None = None
    show_results_live: bool = False
    # None: the session's help region decides (chosen at start, else the configured one).
    help_region: Id | None = None


class SlideActivity(Strict):
    kind: Literal["slide"]
    id: Id
    title: ShortText
    body: Body
    minutes: float = Field(default=1, gt=0, le=120)


class PollActivity(Strict):
    kind: Literal["poll"]
    id: Id | None = None
    question: Id
    phase: Literal[PHASES] | None = None  # type: ignore[valid-type]
    minutes: float = Field(default=1, gt=0, le=120)


class CardActivity(Strict):
    kind: Literal["card"]
    id: Id | None = None
    card: Id
    minutes: float = Field(default=3, gt=0, le=120)


class SortActivity(Strict):
    kind: Literal["sort"]
    id: Id | None = None
    title: ShortText | None = None
    cards: list[Id] | None = None
    minutes: float = Field(default=8, gt=0, le=120)


Activity = Annotated[
    Union[SlideActivity, PollActivity, CardActivity, SortActivity], Field(discriminator="kind")]


class Plan(Strict):
    kind: Literal["plan"]
    id: Id
    title: ShortText
    deck: Id
    polls: Id | None = None
    minutes: float | None = Field(default=None, gt=0, le=600)
    audience: str | None = None
    description: _text(600) | None = None
    settings: Settings = Settings()
    activities: list[Activity] = Field(min_length=1)

    @field_validator("audience")
    @classmethod
    def _audience(cls, value: str | None) -> str | None:
        if value is not None and value not in AGE_BANDS:
            raise ValueError(f"unknown age band {value!r} (one of {', '.join(AGE_BANDS)})")
        return value


class HelpResource(Strict):
    id: Id | None = None  # what slides and options name it by: {help:childline}
    name: ShortText
    detail: _text(160) | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9 +()-]{2,20}$")] | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=200)] | None = None
    text: _text(160) | None = None
    panel: bool = True  # shown in the help panel on every student screen; false: on help slides only


class Help(Strict):
    kind: Literal["help"]
    id: Id
    region: ShortText
    intro: _text(400)
    resources: list[HelpResource] = Field(min_length=1)


def activity_id(activity) -> str:
    """The id an activity is known by in responses: its own, or one derived from its content."""
    if activity.id:
        return activity.id
    if activity.kind == "card":
        return f"card-{activity.card}"
    if activity.kind == "poll":
        return f"{activity.phase or 'poll'}-{activity.question}"
    return activity.kind


KINDS = {"deck": Deck, "polls": PollBank, "plan": Plan, "help": Help}
ContentFile = Deck | PollBank | Plan | Help

