"""Driving a session: the control buttons, their keyboard shortcuts, and the activity list."""

from __future__ import annotations

from typing import Callable

import ipywidgets as W

from ..widgets.browser import KeyPresses
from ..widgets.layout import toggle_class, visible
from .page import templates

# (session verb, button label, shortcut keys shown, keys). Presentation remotes send
# PageDown and PageUp for their two buttons; "End session" asks before it ends anything.
VERBS = (
    ("previous", "Previous", "← or B", ("ArrowLeft", "PageUp", "b")),
    ("open_voting", "Open voting", "O", ("o",)),
    ("close_voting", "Close voting", "C", ("c",)),
    ("reveal", "Reveal", "R", ("r",)),
    ("next", "Next", "→ or N", ("ArrowRight", "PageDown", "n")),
    ("end", "End session", "E", ("e",)),
)
PRESENTATION_KEYS = ("p",)
KEY_HELP = [(keys, label) for _, label, keys, _ in VERBS] + [("P", "Presentation mode")]


def allowed(session) -> set[str]:
    """The verbs that make sense for the session as it is now."""
    if session is None or session.status == "ended":
        return set()
    verbs = {"end"}
    if session.status == "lobby":
        return verbs | {"next"}
    if session.status == "summary":
        return verbs | {"previous"}
    verbs |= {"previous", "next"}
    act = session.current_activity
    if act.votes:
        verbs.add("close_voting" if session.voting_open else "open_voting")
        if session.voting_open or not session.revealed:
            verbs.add("reveal")
    return verbs


def suggested(snapshot) -> str | None:
    """The usual next move, which gets the primary colour."""
    session = snapshot.session if snapshot is not None else None
    if session is None or session.status in ("ended", "summary"):
        return None
    act = session.current_activity
    if act is None or not act.votes or session.revealed:
        return "next"
    if session.voting_open:
        return "close_voting"
    return "reveal" if snapshot.answered else "open_voting"


class Controls:
    """The control bar. ``on_verb(name)`` runs a session verb; "End session", and "Reveal"
    before anyone has answered, ask first."""

    def __init__(self, on_verb: Callable[[str], None], on_presentation: Callable[[], None],
                 answered: Callable[[], int] = lambda: 0):
        self.on_verb = on_verb
        self.answered = answered  # how many have answered the activity on screen, read now
        self.buttons: dict[str, W.Button] = {}
        for verb, label, keys, _ in VERBS:
            button = W.Button(description=label, tooltip=f"{label} (key: {keys})", disabled=True)
            button.on_click(lambda _, v=verb: self._clicked(v))
            self.buttons[verb] = button
        self.buttons["end"].button_style = "danger"
        self.question = W.HTML(layout=W.Layout(flex="1 1 auto"))
        self.confirm_yes = W.Button(description="Yes", button_style="danger")
        self.confirm_yes.add_class("tk-confirm")
        self.confirm_no = W.Button(description="Keep going")
        self.confirm_yes.on_click(lambda _: self._answer(True))
        self.confirm_no.on_click(lambda _: self._answer(False))
        self.confirm = W.HBox([self.question, self.confirm_yes, self.confirm_no], layout=W.Layout(display="none"))
        self.confirm.add_class("tk-row")
        self.confirm.add_class("tk-card")
        self._asking: str | None = None  # the verb waiting for a yes
        b = self.buttons
        # The end is kept apart from the buttons used every minute (the activity list holds it).
        self.steps = [b["previous"], b["open_voting"], b["close_voting"], b["reveal"], b["next"]]
        self.end = b["end"]
        keymap = {key: verb for verb, _, _, keys in VERBS for key in keys}
        keymap.update({key: "presentation" for key in PRESENTATION_KEYS})
        self.keymap = keymap
        self.keys = KeyPresses(list(keymap), self.press)
        self._on_presentation = on_presentation

    def press(self, key: str) -> None:
        """A shortcut: the same as clicking its button, and only when that is enabled."""
        verb = self.keymap.get(key)
        if verb == "presentation":
            self._on_presentation()
        elif verb in self.buttons and not self.buttons[verb].disabled:
            self.buttons[verb].click()

    def _clicked(self, verb: str) -> None:
        if verb == "end":
            self._ask("end", templates.macro("run.html", "confirm_end"), "Yes, end the session")
        elif verb == "reveal" and not self.answered():
            self._ask("reveal", templates.macro("run.html", "confirm_reveal"), "Reveal anyway")
        else:
            self.on_verb(verb)

    def _ask(self, verb: str, question: str, yes: str) -> None:
        self._asking = verb
        self.question.value = question
        self.confirm_yes.description = yes
        visible(self.confirm, True)

    def _answer(self, yes: bool) -> None:
        verb, self._asking = self._asking, None
        visible(self.confirm, False)
        if yes and verb:
            self.on_verb(verb)

    def update(self, snapshot) -> None:
        session = snapshot.session if snapshot is not None else None
        can = allowed(session)
        primary = suggested(snapshot)
        for verb, button in self.buttons.items():
            button.disabled = verb not in can
            if verb != "end":
                button.button_style = "primary" if verb == primary else ""
        # A sort is opened in the words the phones use ("Sorting isn't open right now").
        sort = session is not None and session.current_activity is not None and session.current_activity.kind == "sort"
        for verb, label in (("open_voting", "Open voting"), ("close_voting", "Close voting")):
            words = label.replace("voting", "sorting") if sort else label
            if self.buttons[verb].description != words:
                self.buttons[verb].description = words
                self.buttons[verb].tooltip = f"{words} (key: {'O' if verb == 'open_voting' else 'C'})"
        if session is not None:
            self.buttons["next"].tooltip = ("Begin with the first activity (key: → or N)" if session.status == "lobby"
                                            else "Next activity; after the last, the summary (key: → or N)")
        if self._asking is not None and self._asking not in can:
            self._asking = None
            visible(self.confirm, False)


def step_label(programme, activity) -> str:
    """How an activity is named in the list: short, and telling cards and polls apart."""
    if activity.kind == "card":
        return f"Card: {activity.title}"
    if activity.kind == "poll":
        text = programme.question(activity.items[0])["text"]
        short = text if len(text) <= 44 else text[:42].rsplit(" ", 1)[0] + " …"
        prefix = {"baseline": "Before: ", "endpoint": "After: "}.get(activity.phase, "Poll: ")
        return prefix + short
    return activity.title


class ActivityList:
    """The session's title, then every activity in plan order, the current one highlighted
    (click one to go there), then ``footer`` widgets."""

    def __init__(self, on_go: Callable[[int], None], footer=(), header=()):
        self.on_go = on_go
        self.title = W.HTML()
        self.progress = W.HTML()
        self.upnext = W.HTML()
        self.steps: list[W.Button] = []
        self.list = W.VBox()
        self.list.add_class("tk-steps")
        self.widget = W.VBox([self.title, self.progress, *header, self.upnext, self.list, *footer])
        self.widget.add_class("tk-sidebar")
        self._programme_id = None

    def update(self, session) -> None:
        programme = session.programme
        self.title.value = templates.macro("run.html", "session_title", session.title)
        if self._programme_id != id(programme):
            self._programme_id = id(programme)
            self.steps = []
            for act in programme.activities:
                button = W.Button(description=f"{act.index + 1}. {step_label(programme, act)}",
                                  tooltip=f"Go to {act.title}")
                button.add_class("tk-step")
                button.on_click(lambda _, i=act.index: self.on_go(i))
                self.steps.append(button)
            self.list.children = self.steps
        total = len(programme.activities)
        current = {"lobby": -1, "summary": total, "ended": total}.get(session.status, session.current_index)
        for i, button in enumerate(self.steps):
            toggle_class(button, "tk-current", i == current)
            toggle_class(button, "tk-done", i < current)
            button.disabled = session.status == "ended"
        left = sum(a.minutes for a in programme.activities[max(current, 0):])
        done = max(0, min(current, total))
        where = {"lobby": "Lobby", "summary": "Summary", "ended": "Ended"}.get(
            session.status, f"Activity {current + 1} of {total}")
        following = programme.activities[current + 1] if -1 <= current < total - 1 else None
        self.upnext.value = templates.macro(
            "run.html", "upnext", None if following is None or session.status == "ended"
            else f"{following.index + 1}. {step_label(programme, following)}",
            session.status == "running" and current == total - 1)
        self.progress.value = templates.macro("run.html", "progress", where,
                                              f"{left:.0f}" if left and session.status != "ended" else None,
                                              f"{100 * done / max(total, 1):.0f}")

