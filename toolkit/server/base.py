"""What every student-facing handler shares: anonymity, private logging, bounded bodies
and the one error shape.

A device is known only by a random token in the ``toolkit_device`` cookie. These
handlers' own log lines name no address (the server's request log: ``quietlog``). Bodies
are held only up to ``BODY_LIMIT`` bytes (a larger declared length is refused before the
body is read); the XSRF check runs once the small body is in, because a form post without
JavaScript carries its ``_xsrf`` field there.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from tornado import httputil, web

from ..errors import (BadRequest, Conflict, Forbidden, Invalid, NotFound, ToolkitError, TooLarge, TooManyDevices,
                      TooManyRequests, UnsupportedMediaType)

DEVICE_COOKIE = "toolkit_device"
DEVICE_MAX_AGE = 12 * 3600  # outlives a school day's workshop, not the week
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
BODY_LIMIT = 16 * 1024
JSON_DEPTH = 8

# Nothing on a student page comes from elsewhere, runs inline, or may frame it.
STUDENT_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


_KINDS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict",
          413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
          503: "busy"}


def error_for_status(status: int, message: str) -> dict:
    """The one error shape for a status that did not come from a ``ToolkitError``."""
    kind = _KINDS.get(status, "server_error" if status >= 500 else "error")
    return {"error": {"status": status, "kind": kind, "message": message}}


class StudentMixin:
    """Anonymous device tokens, private logging and the toolkit error shape."""

    # Nobody, until Jupyter's ``prepare`` says otherwise. A request refused before it (a
    # method the handler does not answer) still renders its error page, which asks.
    _current_user = None

    def initialize(self, ctx):
        self.ctx = ctx

    async def prepare(self):
        """Jupyter's checks that concern a student, without asking who the student is.

        Jupyter's own ``prepare`` looks for its token and signed login cookie on every
        request; nobody on a student route is a Jupyter user, and in a hall of phones that
        look-up was a fifth of an answer's CPU. Kept: the Host check against DNS rebinding,
        the API's same-origin check and, for a form or JSON post, the XSRF check (run once
        the body is in: ``BodyMixin``)."""
        if not self.check_host():
            raise web.HTTPError(403)
        self.current_user = self._jupyter_current_user = None
        if isinstance(self, APIHandler) and not self.check_origin():
            raise web.HTTPError(404)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Only the methods the handler answers: tornado then refuses any other with 405 (and
        # ``Allow``) before its XSRF check could answer a PUT or DELETE with 403.
        cls.SUPPORTED_METHODS = _allowed(cls)

    # -- privacy ---------------------------------------------------------------------
    def _request_summary(self) -> str:
        # tornado's default adds the client address; students' addresses are not logged.
        return f"{self.request.method} {self.request.path}"

    def log_exception(self, typ, value, tb):
        if isinstance(value, ToolkitError):
            self.log.debug("%s %s: %s", value.status, self._request_summary(), value.message)
        elif isinstance(value, web.HTTPError):
            if value.log_message:
                self.log.warning("%d %s: %s", value.status_code, self._request_summary(),
                                 value.log_message % value.args if value.args else value.log_message)
        else:
            self.log.error("Uncaught exception %s", self._request_summary(), exc_info=(typ, value, tb))

    @property
    def content_security_policy(self) -> str:
        return STUDENT_CSP

    def set_default_headers(self) -> None:
        super().set_default_headers()
        # Not "no-referrer": with it browsers send "Origin: null" and the XSRF origin check fails.
        self.set_header("Referrer-Policy", "same-origin")
        self.set_header("X-Content-Type-Options", "nosniff")

    # -- the device ------------------------------------------------------------------
    def device_token(self, create: bool = False) -> str | None:
        """This device's random token, minting one (and its cookie) when asked to."""
        raw = self.get_cookie(DEVICE_COOKIE)
        if raw and _TOKEN.match(raw):
            return raw
        if not create:
            return None
        token = secrets.token_urlsafe(24)  # 192 bits
        self.set_cookie(DEVICE_COOKIE, token, path=self.ctx.cookie_path, httponly=True, samesite="Strict",
                        secure=self.request.protocol == "https", max_age=DEVICE_MAX_AGE)
        return token

    def address_key(self) -> str:
        """This request's address (a trusted proxy's forwarded one), as an opaque key."""
        key = getattr(self, "_address_key", None)
        if key is None:
            key = self._address_key = self.ctx.address_key(self.ctx.client_address(self.request))
        return key

    # -- shared look-ups, rate limited ------------------------------------------------
    async def lookup(self, code: str) -> tuple[str, dict]:
        """(session id, public state) for a join code."""
        return await self.guarded(code, lambda: self.ctx.watcher.current(code))

    async def guarded(self, code: str, call):
        """Await ``call()``, a store call that names a session by ``code``. Only unknown codes
        count against the address (30 a minute by default); once they are spent, a code the
        address has not found before waits its turn, so codes cannot be found by trying, and
        a code that exists is never refused for earlier misses (see ``CodeGuard``)."""
        key = self.address_key()
        guard = self.ctx.codes
        turn = guard.turn(key, code)
        if turn is None:
            raise TooManyRequests("too many wrong join codes from this network: wait a minute, then check "
                                  "the code on the screen")
        wait, took = turn
        if wait:
            await asyncio.sleep(wait)
        try:
            result = await call()
        except NotFound:
            raise  # a miss: the turn it took stays spent
        except (Conflict, Invalid):
            guard.found(key, code, took)  # the session exists; the request did not fit it
            raise
        guard.found(key, code, took)
        return result

    def admit_device(self, code: str):
        """What the store calls before it adds a new device to the session ``code`` names:
        refuses once this address has added ``devices_per_address`` of them (in memory only).
        A device already in the session never reaches it."""
        key = (self.address_key(), code)
        limit = self.ctx.address_devices

        def admit() -> None:
            if not limit.hit(key):
                raise TooManyDevices("too many new devices from this network in this session: if you "
                                      "cleared your cookies or changed browser, go back to the browser you "
                                      "joined with")
        return admit

    async def my_answers(self, code: str, state: dict, activity_id: str | None = None) -> dict:
        """This device's answers for the activity on screen (or the one named): ``{item: value}``."""
        token = self.device_token()
        activity = state.get("activity")
        if activity_id is None and activity is not None and activity["kind"] != "slide":
            activity_id = activity["id"]
        if token is None or not activity_id:
            return {}
        return await self.ctx.run(self.ctx.store.my_answers, code, token, activity_id)

    def spend_answer(self, code: str, token: str) -> None:
        if not self.ctx.answer_limit.hit(token) or not self.ctx.address_answers.hit((self.address_key(), code)):
            raise TooManyRequests("too many answers at once from this device or network: wait a moment and try "
                                  "again")

    def spend_question(self, code: str, token: str) -> None:
        if not self.ctx.question_limit.hit(token) or \
                not self.ctx.address_questions.hit((self.address_key(), code)):
            raise TooManyRequests("that is a lot of questions in a short time: wait a minute before sending "
                                  "another")

    # -- errors ------------------------------------------------------------------------
    def closing_unread(self) -> None:
        """Say ``Connection: close`` when refusing a request whose body was never read.

        tornado closes such a connection (the only way not to read the body) but decides so
        after the headers are sent; without this the client sends its next request down a
        connection about to be reset, and a phone sees a network error instead of an answer.
        """
        if not getattr(self, "_body_done", True):
            self.set_header("Connection", "close")

    def error_headers(self, status_code: int) -> None:
        """Headers every refusal carries: ``Connection: close`` when the body was never read
        (see ``closing_unread``), and on a 405 the methods this address does answer."""
        self.closing_unread()
        if status_code == 405:
            self.set_header("Allow", ", ".join(_allowed(type(self))))

    def error_body(self, status_code: int, exc) -> dict:
        if isinstance(exc, ToolkitError):
            return exc.to_dict()
        if isinstance(exc, web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        else:
            message = httputil.responses.get(status_code, "error").lower()
        return error_for_status(status_code, message)


def _allowed(handler: type) -> tuple[str, ...]:
    """The HTTP methods a handler class answers itself (tornado refuses the rest with 405)."""
    return tuple(m.upper() for m in ("get", "post", "put", "patch", "delete")
                 if getattr(handler, m) is not getattr(web.RequestHandler, m))


class BodyMixin:
    """Reads a request body of at most ``BODY_LIMIT`` bytes, then checks XSRF."""

    # What ``tornado.web.stream_request_body`` sets: the body arrives through
    # ``data_received`` after ``prepare``, so an oversized one is refused before it is held.
    _stream_request_body = True
    _body_done = False

    async def prepare(self):
        self._chunks: list[bytes] = []
        self._size = 0
        self._too_large = False
        await super().prepare()
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            self._body_done = True
            return
        length = self.request.headers.get("Content-Length")
        if length is not None:
            try:
                too_large = int(length) > BODY_LIMIT
            except ValueError:
                raise BadRequest("the Content-Length header is not a number") from None
            if too_large:
                raise TooLarge(f"the request body is over {BODY_LIMIT // 1024} KB; send less")

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > BODY_LIMIT:
            self._too_large = True
            self._chunks.clear()
        elif not self._too_large:
            self._chunks.append(chunk)

    def check_xsrf_cookie(self) -> None:
        # Deferred until the body is in: a form's _xsrf field lives there. Jupyter's own check
        # would first look for its token (a student never has one); tornado's compares the
        # _xsrf cookie with the header or field, as Jupyter's does next.
        if not self._body_done or self.settings.get("disable_check_xsrf", False):
            return None
        try:
            if not self.check_origin():
                raise web.HTTPError(404)
            return web.RequestHandler.check_xsrf_cookie(self)
        except web.HTTPError as exc:
            if exc.status_code in (403, 404):
                raise Forbidden("this request did not come from the workshop page (its _xsrf token is "
                                "missing or does not match): reload the page and try again") from None
            raise

    def read_body(self) -> bytes:
        """The body once it has arrived; runs the XSRF check."""
        if self._too_large:
            raise TooLarge(f"the request body is over {BODY_LIMIT // 1024} KB; send less")
        body = b"".join(self._chunks)
        self.request.body = body
        ctype = self.request.headers.get("Content-Type", "")
        media, _, params = ctype.partition(";")
        media = media.strip().lower()
        if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
            args: dict = {}
            try:
                httputil.parse_body_arguments(media + (";" + params if params else ""), body, args,
                                              self.request.files, self.request.headers)
            except httputil.HTTPInputError as exc:
                raise BadRequest(f"the form could not be read ({exc})") from None
            for name, values in args.items():
                self.request.body_arguments.setdefault(name, []).extend(values)
                self.request.arguments.setdefault(name, []).extend(values)
        self._body_done = True
        self.check_xsrf_cookie()
        return body

    def json_body(self, required: bool = True) -> dict:
        """The body as a JSON object: 415 unless it says it is JSON; 400 for bad UTF-8,
        bad JSON, nesting deeper than ``JSON_DEPTH`` or anything but an object."""
        body = self.read_body()
        if not body.strip():
            if required:
                raise BadRequest("the request needs a JSON body")
            return {}
        ctype = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise UnsupportedMediaType("send the body as JSON with 'Content-Type: application/json'")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the body is not valid UTF-8") from None
        try:
            data = json.loads(text)
        except RecursionError:
            raise BadRequest(f"the JSON is nested too deeply (at most {JSON_DEPTH} levels)") from None
        except json.JSONDecodeError as exc:
            raise BadRequest(f"the body is not valid JSON: {exc.msg} at character {exc.pos}") from None
        except ValueError:
            # Python refuses to read an integer of more than 4,300 digits (a guard against
            # quadratic-time parsing); no answer needs one.
            raise BadRequest("the JSON holds a number too long to read") from None
        _check_json(data)
        if not isinstance(data, dict):
            raise BadRequest("the body must be a JSON object")
        return data


def _check_json(data) -> None:
    """Depth and text checks without recursion (a hostile body cannot blow the stack)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise BadRequest("the JSON holds text that is not valid Unicode") from None
        elif isinstance(value, (dict, list)):
            if depth > JSON_DEPTH:
                raise BadRequest(f"the JSON is nested too deeply (at most {JSON_DEPTH} levels)")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    stack.append((key, depth))
                stack.append((item, depth + 1))


class JSONErrors:
    """Errors as the one JSON shape: ``{"error": {"status", "kind", "message"}}``."""

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ToolkitError):
            self.set_status(exc.status)
            status_code = exc.status
        self.clear_header("Content-Disposition")
        self.clear_header("Content-Encoding")
        self.error_headers(status_code)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(self.error_body(status_code, exc)))


class StudentAPIHandler(JSONErrors, StudentMixin, APIHandler):
    """A JSON endpoint of the student API."""

    def write_json(self, data, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data, separators=(",", ":")))


class StudentPageHandler(StudentMixin, JupyterHandler):
    """An HTML page (or asset) for students."""
