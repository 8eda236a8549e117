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
    """The control bar. ``on_verb(name)`` runs a session verb; "end" asks first."""

    def __init__(self, on_verb: Callable[[str], None], on_presentation: Callable[[], None]):
        self.on_verb = on_verb
        self.buttons: dict[str, W.Button] = {}
        for verb, label, keys, _ in VERBS:
            button = W.Button(description=label, tooltip=f"{label} (key: {keys})", disabled=True)
            button.on_click(lambda _, v=verb: self._clicked(v))
            self.buttons[verb] = button
        self.buttons["end"].button_style = "danger"
        self.confirm_end = W.Button(description="Yes, end the session", button_style="danger")
        self.confirm_end.add_class("tk-confirm")
        self.cancel_end = W.Button(description="Keep going")
        self.confirm_end.on_click(lambda _: self._end(True))
        self.cancel_end.on_click(lambda _: self._end(False))
        self.confirm = W.HBox([
            W.HTML(templates.macro("run.html", "confirm_end"), layout=W.Layout(flex="1 1 auto")),
            self.confirm_end, self.cancel_end], layout=W.Layout(display="none"))
        self.confirm.add_class("tk-row")
        self.confirm.add_class("tk-card")
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
            visible(self.confirm, True)
            return
        self.on_verb(verb)

    def _end(self, confirmed: bool) -> None:
        visible(self.confirm, False)
        if confirmed:
            self.on_verb("end")

    def update(self, snapshot) -> None:
        session = snapshot.session if snapshot is not None else None
        can = allowed(session)
        primary = suggested(snapshot)
        for verb, button in self.buttons.items():
            button.disabled = verb not in can
            if verb != "end":
                button.button_style = "primary" if verb == primary else ""
        if session is not None:
            self.buttons["next"].tooltip = ("Begin with the first activity (key: → or N)" if session.status == "lobby"
                                            else "Next activity; after the last, the summary (key: → or N)")
        if "end" not in can:
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

    def __init__(self, on_go: Callable[[int], None], footer=()):
        self.on_go = on_go
        self.title = W.HTML()
        self.progress = W.HTML()
        self.steps: list[W.Button] = []
        self.list = W.VBox()
        self.list.add_class("tk-steps")
        self.widget = W.VBox([self.title, self.progress, self.list, *footer])
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
        self.progress.value = templates.macro("run.html", "progress", where,
                                              f"{left:.0f}" if left and session.status != "ended" else None,
                                              f"{100 * done / max(total, 1):.0f}")

