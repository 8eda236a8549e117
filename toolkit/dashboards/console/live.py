"""Keeping the console live: what changed in the store, and a timer that asks.

Answers do not bump a session's ``version`` (only the facilitator's moves and the
questions box do), so a change is noticed by comparing a cheap fingerprint: the session
row, the current activity's answer counts and value counts, and the questions box. Only
when it differs does the dashboard read the answers and redraw.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cached_property
from typing import Callable

from ... import config

log = logging.getLogger(__name__)


class Snapshot:
    """What the console shows of a session, read once per timer tick: the row, the answer
    counts of the activity on screen and the questions box; the answers themselves only
    when a redraw asks for them.

    ``fingerprint`` changes whenever any of it does. Value counts catch an answer changed
    while voting is open, which leaves the number of answers as it was.
    """

    def __init__(self, session, counts: dict[str, int], values: dict[str, int], questions: list[dict]):
        self.session = session
        self.programme = session.programme
        self.activity = session.current_activity
        self.counts = counts
        self.questions = questions
        self.fingerprint = (session.id, session.version, session.status, session.respondents,
                            tuple(sorted(counts.items())), tuple(sorted(values.items())),
                            tuple((q["id"], q["status"]) for q in questions))

    @cached_property
    def responses(self):
        """Every answer of the session so far (a tidy DataFrame)."""
        return self.session.responses()

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


def look(store, session) -> Snapshot:
    """Read ``session`` again (a few small queries, whatever the size of the class)."""
    session.refresh()
    act = session.current_activity
    votes = act is not None and act.votes
    return Snapshot(session,
                    counts=session.counts(act.id) if votes else {},
                    values=store.distribution(session.id, act.id) if votes else {},
                    questions=session.questions() if session.programme.settings.get("questions_box") else [])


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
