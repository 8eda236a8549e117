"""Keeping the console live: what changed in the store, and a timer that asks.

Answers do not bump a session's ``version`` (only the facilitator's moves and the
questions box do), so a change is noticed by comparing a cheap fingerprint: the session
row, the current activity's answer counts and value counts, and the number of questions.
Only when it differs does the dashboard read the answers again and redraw.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cached_property
from typing import Callable

from .. import config

log = logging.getLogger(__name__)


class Snapshot:
    """A session as the dashboard draws it once: the row, the activity on screen, and its
    answers, read from the store at most once per change."""

    def __init__(self, session, fingerprint: tuple | None = None):
        self.session = session
        self.fingerprint = fingerprint
        self.programme = session.programme
        self.activity = session.current_activity

    @cached_property
    def responses(self):
        """Every answer of the session so far (a tidy DataFrame)."""
        return self.session.responses()

    @cached_property
    def counts(self) -> dict[str, int]:
        """How many answered each item of the activity on screen."""
        act = self.activity
        return self.session.counts(act.id) if act is not None and act.votes else {}

    @cached_property
    def questions(self) -> list[dict]:
        if not self.programme.settings.get("questions_box"):
            return []
        return self.session.questions()

    @property
    def answered(self) -> int:
        """How many answered the activity on screen (for a sort, its most answered card)."""
        return max(self.counts.values(), default=0)

    @property
    def results_visible(self) -> bool:
        """Whether the class may see the results of the activity on screen."""
        act = self.activity
        return bool(act is not None and act.votes
                    and (self.session.revealed or self.programme.settings.get("show_results_live")))


def fingerprint(store, session) -> tuple:
    """Something that changes whenever anything the console shows changes.

    Refreshes ``session`` from the store. Value counts catch an answer changed while voting
    is open, which leaves the number of answers as it was.
    """
    session.refresh()
    act = session.current_activity
    answers: tuple = ()
    if act is not None and act.votes:
        answers = (tuple(sorted(session.counts(act.id).items())),
                   tuple(sorted(store.distribution(session.id, act.id).items())))
    asked = len(session.questions()) if session.programme.settings.get("questions_box") else 0
    return (session.id, session.version, session.status, session.respondents, answers, asked)


class Refresher:
    """Calls ``check`` every ``interval`` seconds on the kernel's event loop until stopped.

    ``check`` returns quickly when nothing changed; an error in it is logged and the timer
    carries on, so one bad read never freezes the console.
    """

    def __init__(self, check: Callable[[], object], interval: float | None = None):
        self.check = check
        self.interval = float(interval if interval is not None else config.get("refresh_seconds"))
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        loop = asyncio.get_event_loop()
        self._task = loop.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.check()
            except Exception:  # keep refreshing: the next tick may well succeed
                log.exception("refreshing the dashboard failed")
