"""Live state for students: one watcher per server process, fanned out over SSE.

The watcher asks the store for the ``version`` of every session that has a connected
student in ONE query per interval (never one per student). When a version moves, it
builds that session's public state once and hands it to every subscriber of the session.
Another process (the facilitator's kernel, another ``toolkit serve``) moves the version;
nothing live is held only here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict

log = logging.getLogger(__name__)


class Subscriber:
    """One connected student's stream: holds only the newest state not yet sent.

    A hall holds thousands of these and wakes them all on every change, so waiting is a
    bare future and a timer handle (``asyncio.wait_for`` would add a task per wait).
    """

    CLOSED = object()

    def __init__(self, session_id: str, code: str):
        self.session_id = session_id
        self.code = code
        self._latest = None
        self._closed = False
        self._ready = False
        self._waiter: asyncio.Future | None = None

    def push(self, state: dict) -> None:
        # A slow phone skips intermediate states: only the newest one matters.
        self._latest = state
        self._wake()

    def close(self) -> None:
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        self._ready = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    @property
    def closed(self) -> bool:
        return self._closed

    async def next(self, timeout: float):
        """The next state, None after ``timeout`` seconds without one, or ``CLOSED``."""
        if not self._ready:
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            timer = loop.call_later(timeout, _expire, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
            if not self._ready:
                return None
        self._ready = False
        if self._closed:
            return self.CLOSED
        state, self._latest = self._latest, None
        return state


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


class StateCache:
    """Public state built once per (session, version); a few hundred entries at most."""

    def __init__(self, size: int = 256):
        self._items: OrderedDict[tuple[str, int], dict] = OrderedDict()
        self._size = size

    def get(self, session_id: str, version: int) -> dict | None:
        found = self._items.get((session_id, version))
        if found is not None:
            self._items.move_to_end((session_id, version))
        return found

    def put(self, session_id: str, state: dict) -> None:
        # Live results change without a version bump (answers do not move it): never cache them.
        if state.get("results") is not None and not state.get("revealed"):
            return
        self._items[(session_id, state["version"])] = state
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class Watcher:
    """Polls the store for sessions with subscribers and fans new states out to them."""

    def __init__(self, store, run, interval: float):
        self.store = store
        self._run = run  # runs a blocking store call off the event loop
        self.interval = interval
        self.cache = StateCache()
        # The SSE text of recent states, made once however many students are sent it;
        # keyed by the state object itself (live results change without a version bump).
        self._events: OrderedDict[int, tuple[dict, str]] = OrderedDict()
        self._subscribers: dict[str, set[Subscriber]] = {}
        self._versions: dict[str, int] = {}
        # For each watched session, the state its subscribers were last sent (at the version
        # above), and its code: a phone opening its stream to a watched session is sent that,
        # with no store read (see ``for_stream``).
        self._sent: dict[str, dict] = {}
        self._codes: dict[str, str] = {}
        self._task: asyncio.Task | None = None
        self._stopped = False
        self.polls = 0  # how many version queries ran (tests check it stays one per interval)

    # -- state, shared with plain GET requests ---------------------------------------
    async def current(self, code: str) -> tuple[str, dict]:
        """(session id, public state) of the session a code names, from the cache when current."""
        row = await self._run(self.store.state_row, code)
        return row.id, await self.state_of(row)

    async def state_of(self, row) -> dict:
        """The public state of a session's row just read, from the cache when current."""
        cached = self.cache.get(row.id, row.version)
        if cached is not None:
            return cached
        # Built from the row itself, so the state and its version always agree.
        state = await self._run(self.store.public_state_of, row)
        self.cache.put(row.id, state)
        return state

    async def for_stream(self, code: str) -> tuple[str, dict]:
        """``current`` for a phone opening its event stream: the state the session's other
        subscribers were last sent, when the session is watched and not ended, else a read.
        That state is at most one poll old, and the next poll sends this phone any newer one,
        as it does every other phone of the session: in a hall, the streams' store reads go."""
        session_id = self._codes.get(code)
        state = self._sent.get(session_id) if session_id is not None and not self._stopped else None
        if state is not None and state["status"] != "ended" and state["version"] == self._versions.get(session_id):
            return session_id, state
        return await self.current(code)

    def event(self, state: dict) -> str:
        """``state`` as one Server-Sent Event, encoded once for every subscriber sent it."""
        found = self._events.get(id(state))
        if found is not None and found[0] is state:
            return found[1]
        text = f"id: {state['version']}\ndata: {json.dumps(state, separators=(',', ':'))}\n\n"
        self._events[id(state)] = (state, text)
        while len(self._events) > 64:
            self._events.popitem(last=False)
        return text

    # -- subscribers -----------------------------------------------------------------
    def subscribe(self, session_id: str, code: str, version: int, state: dict | None = None) -> Subscriber:
        """A subscriber to a session, sent ``state`` (at ``version``) already."""
        sub = Subscriber(session_id, code)
        self._subscribers.setdefault(session_id, set()).add(sub)
        if session_id not in self._versions:
            self._versions[session_id] = version
            self._codes[code] = session_id
            if state is not None and state["version"] == version:
                self._sent[session_id] = state
        if self._stopped:
            sub.close()
        elif self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop())
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self._subscribers.get(sub.session_id)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:
            del self._subscribers[sub.session_id]
            self._versions.pop(sub.session_id, None)
            self._sent.pop(sub.session_id, None)
            if self._codes.get(sub.code) == sub.session_id:
                del self._codes[sub.code]

    def count(self, session_id: str | None = None) -> int:
        if session_id is not None:
            return len(self._subscribers.get(session_id, ()))
        return sum(len(s) for s in self._subscribers.values())

    # -- the loop ----------------------------------------------------------------------
    async def _loop(self) -> None:
        while self._subscribers and not self._stopped:
            await asyncio.sleep(self.interval)
            try:
                await self.poll_once()
            except Exception:  # a database hiccup must not end live updates for everyone
                log.exception("toolkit: checking session versions failed; retrying")

    async def poll_once(self) -> None:
        """One round: one versions query for every watched session, then fan out changes."""
        ids = list(self._subscribers)
        if not ids:
            return
        self.polls += 1
        versions = await self._run(self.store.versions, ids)
        for session_id, version in versions.items():
            if version == self._versions.get(session_id) or session_id not in self._subscribers:
                continue
            state = self.cache.get(session_id, version)
            if state is None:
                state = await self._run(self.store.public_state_by_id, session_id)
                self.cache.put(session_id, state)
                if session_id not in self._subscribers:
                    continue  # its last phone left while the state was read
            self._versions[session_id] = version
            self._sent[session_id] = state
            for sub in list(self._subscribers.get(session_id, ())):
                sub.push(state)

    async def stop(self) -> None:
        self._stopped = True
        for subs in list(self._subscribers.values()):
            for sub in subs:
                sub.close()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass


class StreamSlots:
    """How many event streams are held open, per address and in all.

    A stream holds a connection (an open file) for the whole lesson. One address may hold
    ``per_address`` (0: no limit) and the server ``total``; past either, the page polls
    every few seconds instead and tries its stream again later, so nobody loses the lesson.
    Addresses are the salted keys of ``AddressKey``, forgotten when their last stream closes.
    """

    def __init__(self, per_address: int, total: int):
        self.per_address = per_address
        self.total = total
        self.open = 0
        self._by_address: dict[str, int] = {}

    def take(self, key: str) -> None:
        """Hold a slot for ``key``, or raise ``TooManyRequests`` / ``Busy``."""
        from ..errors import Busy, TooManyRequests
        held = self._by_address.get(key, 0)
        if self.per_address and held >= self.per_address:
            raise TooManyRequests(f"{held} live connections from this network address already: this page "
                                  "checks for changes every few seconds instead")
        if self.open >= self.total:
            raise Busy("the server holds as many live connections as it can: this page checks for changes "
                       "every few seconds instead")
        self._by_address[key] = held + 1
        self.open += 1

    def give_back(self, key: str) -> None:
        held = self._by_address.get(key, 0)
        if held <= 1:
            self._by_address.pop(key, None)
        else:
            self._by_address[key] = held - 1
        self.open = max(0, self.open - 1)
