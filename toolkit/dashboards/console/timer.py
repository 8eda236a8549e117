"""Time per activity: the minutes the plan gives it, and a countdown the facilitator starts.

The countdown runs on the console's own timer (its ``tick`` is called about once a second)
and starts again, stopped, whenever the activity on screen changes.
"""

from __future__ import annotations

import time
from typing import Callable

import ipywidgets as W

from ..widgets.layout import toggle_class
from ..widgets.layout import row
from .page import templates


class Countdown:
    """``update(key, minutes)`` when the activity changes; ``tick()`` to redraw the time left."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.label = W.HTML()
        self.button = W.Button(description="Start", tooltip="Count down the minutes the plan gives this activity")
        self.button.on_click(lambda _: self.toggle())
        self.button.add_class("tk-timer-button")
        self.widget = row([self.label, self.button])
        self.widget.add_class("tk-timer")
        self._key = None
        self._seconds = 0.0
        self._deadline: float | None = None
        self._drawn = None

    def update(self, key, minutes: float | None) -> None:
        """The activity on screen (``key``) and its planned minutes; a new one resets the timer."""
        if key == self._key:
            return
        self._key = key
        self._seconds = float(minutes or 0) * 60
        self._deadline = None
        self.widget.layout.display = None if self._seconds else "none"
        self.tick()

    @property
    def running(self) -> bool:
        return self._deadline is not None

    def left(self) -> float:
        """Seconds left (the planned time while stopped; below zero once over)."""
        return self._seconds if self._deadline is None else self._deadline - self.clock()

    def toggle(self) -> None:
        if self.running:
            self._seconds = max(self.left(), 0.0) or float(self._seconds)
            self._deadline = None
        else:
            self._deadline = self.clock() + self._seconds
        self.tick()

    def tick(self) -> None:
        left = self.left()
        over = self.running and left <= 0
        shown = (self.running, int(max(left, 0) + 0.999), over)
        if shown == self._drawn:
            return
        self._drawn = shown
        whole = int(max(left, 0) + 0.999)
        self.label.value = templates.macro("run.html", "timer", f"{whole // 60}:{whole % 60:02d}", self.running, over)
        self.button.description = "Stop" if self.running else "Start"
        toggle_class(self.widget, "tk-timer-over", over)
