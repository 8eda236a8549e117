"""The phone preview: a card, a question or any screen of a plan, as the student page shows
it (``server.preview``: the page's own template and stylesheet), in a phone-sized frame;
and a plan as its list of screens."""

from __future__ import annotations

import ipywidgets as W
from pydantic import ValidationError

from ...content import resolve_plan
from ...content.library import Library, find_help, region_for
from ...content.models import Deck, Plan, PollBank
from ...content.programme import Programme
from ...errors import ToolkitError
from ...server.preview import phone_screen
from .page import piece


def _programme(plan: dict, deck: dict, polls: dict | None, help_) -> Programme | None:
    try:
        plan_m = Plan.model_validate(plan)
        deck_m = Deck.model_validate(deck) if deck.get("cards") else None
        polls_m = PollBank.model_validate(polls) if polls else None
    except ValidationError:
        return None
    snapshot = {"plan": plan_m.model_dump(mode="json"),
                "deck": deck_m.model_dump(mode="json") if deck_m else {"cards": [], "categories": []},
                "polls": polls_m.model_dump(mode="json") if polls_m else None,
                "help": help_.model_dump(mode="json")}
    try:
        return Programme.from_snapshot(snapshot)
    except (ToolkitError, KeyError):
        return None


def card_programme(deck: dict, card: dict, help_) -> Programme | None:
    one = {"kind": "deck", "id": "preview", "title": "Preview", "cards": [card]}
    for key in ("categories", "not_sure"):
        if key in deck:
            one[key] = deck[key]
    plan = {"kind": "plan", "id": "preview", "title": str(deck.get("title") or "Preview"), "deck": "preview",
            "activities": [{"kind": "card", "card": card.get("id")}]}
    return _programme(plan, one, None, help_)


def question_programme(bank: dict, question: dict, help_) -> Programme | None:
    if question.get("type") == "text":
        return None
    polls = {"kind": "polls", "id": "preview", "title": "Preview", "questions": [question]}
    plan = {"kind": "plan", "id": "preview", "title": str(bank.get("title") or "Preview"), "deck": "preview",
            "polls": "preview", "activities": [{"kind": "poll", "question": question.get("id")}]}
    return _programme(plan, {}, polls, help_)


class PhonePreview:
    """The right-hand column: a phone showing one screen, and for a plan the list of its screens."""

    def __init__(self, library: Library):
        self.library = library
        self.caption = W.HTML()
        self.phone = W.HTML()
        self.phone.add_class("tk-phone-box")
        self.screens = W.HTML()
        self.screen = W.Dropdown(description="Screen", options=[])
        self.screen.layout.display = "none"
        self.screen.observe(lambda _: self._show_screen(), "value")
        self.widget = W.VBox([W.HTML(piece("preview_heading")), self.screen, self.caption, self.phone, self.screens])
        self.widget.add_class("tk-preview")
        self._programme: Programme | None = None
        self.phone.value = piece("no_preview", "Open a card, a question or a plan to see it as a phone shows it.")

    def help(self, region: str | None = None):
        try:
            return find_help(region_for(None, region), self.library)
        except ToolkitError:
            return None

    def show(self, programme: Programme | None, why: str = "") -> None:
        """One screen (the programme's first activity), or why there is none."""
        self.screen.layout.display = "none"
        self.screens.value = ""
        self._programme = None
        if programme is None:
            self.phone.value = piece("no_preview", why)
            return
        self.phone.value = piece("phone", phone_screen(programme, 0))

    def show_screen(self, index: int) -> None:
        """Put screen ``index`` of the plan on the phone (the activity chosen in the plan's list)."""
        if self._programme is not None and 0 <= index < len(self.screen.options):
            self.screen.index = index

    def show_plan(self, plan: dict, ok: bool, chosen: int | None = None) -> None:
        """The plan's screens listed, and the chosen one on the phone (once the plan is valid)."""
        programme = None
        if ok:
            try:
                model = Plan.model_validate(plan)
                programme = resolve_plan(model, self.library)
            except (ToolkitError, ValidationError):
                programme = None
        self._programme = programme
        if programme is None:
            self.screen.layout.display = "none"
            self.phone.value = piece("no_preview", "The screens show here once the plan has no problems.")
            self.screens.value = ""
            return
        screens = []
        start = 0.0
        for act in programme.activities:
            public = programme.public_activity(act, revealed=False)
            screens.append((act.index + 1, act.kind, act.title, public.get("text") or public.get("body") or "",
                            start, act.minutes))
            start += act.minutes
        self.screens.value = piece("screen_list", screens, plan.get("minutes"))
        options = [(f"{n}. {title}", n - 1) for n, _, title, _, _, _ in screens]
        was = chosen if chosen is not None else self.screen.value
        self.screen.unobserve_all("value")
        with self.screen.hold_sync():
            self.screen.layout.display = None
            self.screen.options = options
            self.screen.index = was if isinstance(was, int) and was < len(options) else 0
        self.screen.observe(lambda _: self._show_screen(), "value")
        self._show_screen()

    def _show_screen(self) -> None:
        if self._programme is not None and self.screen.value is not None:
            self.phone.value = piece("phone", phone_screen(self._programme, self.screen.value))
