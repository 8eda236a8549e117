"""The student JSON API under ``toolkit/api/`` (described in ``openapi.json``).

Handlers stay thin: check the request's shape, call the store off the event loop, answer
with the public state or the one error shape.
"""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_server.auth.decorator import allow_unauthenticated
from tornado.iostream import StreamClosedError

from ..errors import BadRequest
from ..store.codes import normalise
from .base import BodyMixin, StudentAPIHandler
from .events import Subscriber

OPENAPI = Path(__file__).resolve().parent / "openapi.json"
# A "ping" event this often on an idle stream: the page counts a stream silent for two
# of these (and a little) as dead, so a stalled connection shows within seconds.
KEEPALIVE_SECONDS = 3.0
VALUE_TYPES = (str, int, list)
SEQ_MAX = 2**31 - 1  # fits the column on every database


def _only(body: dict, allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r} (expected {', '.join(sorted(allowed))})")


class SessionState(StudentAPIHandler):
    """``GET toolkit/api/sessions/{code}``: what a student may see now, and their own answers
    (to the activity on screen, or with ``?activity=`` to another: whether a tap sent just
    before the question moved on was saved)."""

    @allow_unauthenticated
    async def get(self, code: str):
        unknown = sorted(set(self.request.query_arguments) - {"activity"})
        if unknown:
            raise BadRequest(f"unknown query parameter {unknown[0]!r} (expected activity)")
        # As sent (tornado's get_argument would strip it and blank its control characters, so a
        # value the document refuses could pass): any text but a NUL, which no database can look
        # up, and at most 80 characters; an id the session lacks simply has no answers.
        raw = self.request.query_arguments.get("activity", [b""])[-1]
        activity = self.decode_argument(raw, name="activity")
        if len(activity) > 80 or "\x00" in activity:
            raise BadRequest("'activity' is the id of one of this session's activities")
        code = normalise(code)
        _, state = await self.lookup(code)
        self.write_json({**state, "mine": await self.my_answers(code, state, activity or None)})


class Join(BodyMixin, StudentAPIHandler):
    """``POST toolkit/api/sessions/{code}/join``: register this device (201 new, 200 known)."""

    @allow_unauthenticated
    async def post(self, code: str):
        _only(self.json_body(required=False), set())
        code = normalise(code)
        token = self.device_token(create=True)
        # By group commit, with the hall's other joins; the session's row as the join read it
        # gives the state: no second look-up.
        row, _, new = await self.guarded(code, lambda: self.ctx.enrol(code, token, self.admit_device(code)))
        state = await self.ctx.watcher.state_of(row)
        # A device joining for the first time has no answers yet: spare the hall's joins a read.
        mine = {} if new else await self.my_answers(code, state)
        self.write_json({**state, "mine": mine}, status=201 if new else 200)


class Responses(BodyMixin, StudentAPIHandler):
    """``POST toolkit/api/sessions/{code}/responses``: answer, or change an answer."""

    @allow_unauthenticated
    async def post(self, code: str):
        body = self.json_body()
        _only(body, {"activity", "value", "item", "seq"})
        activity, value, item, seq = body.get("activity"), body.get("value"), body.get("item"), body.get("seq")
        if not isinstance(activity, str) or not activity:
            raise BadRequest("'activity' is required: the id of the activity on screen")
        if "value" not in body or isinstance(value, bool) or not isinstance(value, VALUE_TYPES):
            raise BadRequest("'value' is required: an option id (or a list of them for a multiple-choice poll)")
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise BadRequest("a multiple-choice 'value' is a list of option ids")
        if item is not None and not isinstance(item, str):
            raise BadRequest("'item' is the id of the card being sorted")
        if isinstance(seq, float) and seq.is_integer():
            seq = int(seq)  # 484.0 is JSON's 484 too
        if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= SEQ_MAX):
            raise BadRequest(f"'seq' is the tap's number, a whole number from 0 to {SEQ_MAX}")
        token = self.device_token(create=True)
        code = normalise(code)

        async def record():
            self.spend_answer(code, token)
            return await self.ctx.record(code, token, activity, value, item, seq, self.admit_device(code))
        first = await self.guarded(code, record)
        receipt = {"activity": activity, "item": item, "value": value, "changed": not first}
        if seq is not None:
            receipt["seq"] = seq
        self.write_json(receipt, status=201 if first else 200)


class Questions(BodyMixin, StudentAPIHandler):
    """``POST toolkit/api/sessions/{code}/questions``: the anonymous questions box."""

    @allow_unauthenticated
    async def post(self, code: str):
        body = self.json_body()
        _only(body, {"text"})
        text = body.get("text")
        if not isinstance(text, str):
            raise BadRequest("'text' is required: the question, up to 280 characters")
        token = self.device_token(create=True)
        code = normalise(code)

        async def ask():
            self.spend_question(code, token)
            return await self.ctx.run(self.ctx.store.submit_question, code, text)
        await self.guarded(code, ask)
        self.write_json({"received": True}, status=201)


class Events(StudentAPIHandler):
    """``GET toolkit/api/sessions/{code}/events``: the public state as Server-Sent Events,
    sent on connecting and whenever it changes; a ``ping`` event every few seconds keeps
    idle connections open and lets the page see that the stream is still alive (comments
    would do the first, but a page's script never sees them)."""

    _subscriber: Subscriber | None = None

    @allow_unauthenticated
    async def get(self, code: str):
        code = normalise(code)
        # As the session's other streams were last sent, when it is watched: no store read.
        session_id, state = await self.guarded(code, lambda: self.ctx.watcher.for_stream(code))
        slot = self.address_key()
        self.ctx.streams.take(slot)
        try:
            await self.serve_stream(code, session_id, state)
        finally:
            self.ctx.streams.give_back(slot)

    async def serve_stream(self, code: str, session_id: str, state: dict):
        watcher = self.ctx.watcher
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Accel-Buffering", "no")  # a proxy in front must not hold events back
        sub = self._subscriber = watcher.subscribe(session_id, code, state["version"], state)
        try:
            self.write("retry: 3000\n\n")
            last = self.send_state(state)
            await self.flush()
            # Nothing changes after the end: the page stops listening then, and so does the server.
            ended = state["status"] == "ended"
            while not ended:
                state = await sub.next(KEEPALIVE_SECONDS)
                if state is Subscriber.CLOSED:
                    break
                if state is None:
                    self.write(f"event: ping\ndata: {last}\n\n")
                elif state["version"] != last:
                    last = self.send_state(state)
                    ended = state["status"] == "ended"
                else:
                    continue
                await self.flush()
        except StreamClosedError:
            pass
        finally:
            watcher.unsubscribe(sub)
        if not self._finished:
            self.finish(set_content_type="text/event-stream; charset=utf-8")

    def send_state(self, state: dict) -> int:
        self.write(self.ctx.watcher.event(state))
        return state["version"]

    def on_connection_close(self) -> None:
        if self._subscriber is not None:
            self._subscriber.close()


class OpenAPI(StudentAPIHandler):
    """``GET toolkit/api/openapi.json``: this API's OpenAPI document."""

    @allow_unauthenticated
    def get(self):
        doc = json.loads(OPENAPI.read_text())
        doc["servers"] = [{"url": self.ctx.base_url.rstrip("/") or "/"}]
        self.set_header("Cache-Control", "no-cache")
        self.finish(json.dumps(doc))
