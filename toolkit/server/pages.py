"""The student page (server-rendered, works without JavaScript), its assets and the QR code.

Without JavaScript every action is a plain form POST to ``toolkit/join`` carrying the
``_xsrf`` field, answered by a redirect to the page (redirect-after-post), so a reload
never sends an answer twice. Why an answer was refused travels in a cookie read once
(``toolkit_note``), never in the address, so a reload does not say it again.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from jupyter_server.auth.decorator import allow_unauthenticated
from tornado import web

from ..errors import Busy, Conflict, Invalid, NotFound, ToolkitError, TooManyRequests
from ..store.codes import normalise
from . import screens
from .api import KEEPALIVE_SECONDS
from .base import BodyMixin, JSONErrors, StudentPageHandler
from .qr import join_qr_svg

REFRESH_SECONDS = 10  # without JavaScript, waiting screens reload themselves this often
NOTE_COOKIE = "toolkit_note"
_XSRF_SLOT = b"<!--xsrf-->"  # where a cached page takes the request's own XSRF field


def _json_for_script(data) -> str:
    """JSON safe inside a <script> element: no way to close it or open a comment."""
    return (json.dumps(data, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class JoinPage(BodyMixin, StudentPageHandler):
    """``GET toolkit/join``: the student page. ``POST toolkit/join``: its forms without JavaScript."""

    @allow_unauthenticated
    async def get(self):
        code = normalise(self.get_argument("code", ""))[:20]
        view = self.get_argument("view", None)
        note = self.take_note()
        token = self.device_token()
        if not code:
            return self.show_enter("")
        if token is None:
            # From a shared link the code is filled in and one tap joins; from the lobby's QR
            # code (``join=1``) the page's script joins at once.
            return self.show_enter(code, auto=self.get_argument("join", "") == "1")
        try:
            session_id, state = await self.lookup(code)
        except NotFound:
            return self.show_enter(code, screens.words("not_found"), status=404)
        except TooManyRequests:
            return self.show_enter(code, screens.words("wrong_codes"), status=429)
        if state["status"] != "ended":
            try:
                # Idempotent: registers a device that holds a cookie from an earlier session.
                await self.ctx.enrol(code, token, self.admit_device(code))
            except Conflict:
                session_id, state = await self.lookup(code)
            except TooManyRequests:
                return self.show_enter(code, screens.words("devices"), status=429)
        await self.show_session(code, state, token, view=view, note=note, card=self.get_argument("card", None))

    @allow_unauthenticated
    async def post(self):
        self.read_body()
        action = self.get_argument("action", "")
        code = normalise(self.get_argument("code", ""))[:20]
        if action == "join":
            return await self.post_join(code)
        if not code:
            return self.show_enter("", screens.words("no_code"), status=400)
        token = self.device_token(create=True)
        if action == "answer":
            return await self.post_answer(code, token)
        if action == "ask":
            return await self.post_question(code, token)
        raise web.HTTPError(400, "unknown action")

    # -- actions ---------------------------------------------------------------------
    async def post_join(self, code: str):
        if not code:
            return self.show_enter("", screens.words("no_code"), status=400)
        try:
            await self.lookup(code)
        except NotFound:
            return self.show_enter(code, screens.words("not_found"), status=404)
        except TooManyRequests:
            return self.show_enter(code, screens.words("wrong_codes"), status=429)
        token = self.device_token(create=True)
        try:
            await self.ctx.enrol(code, token, self.admit_device(code))
        except Conflict:
            # Ended: nothing to take part in, so no thank-you, and the code is asked for again.
            return self.show_enter(code, screens.words("ended"), status=409)
        except TooManyRequests:
            return self.show_enter(code, screens.words("devices"), status=429)
        self.redirect_to(code)

    async def post_answer(self, code: str, token: str):
        activity = self.get_argument("activity", "")
        item = self.get_argument("item", None) or None
        values = self.get_arguments("value")
        card = self.get_argument("card", "")
        value = values if len(values) > 1 else (values[0] if values else "")
        try:
            _, state = await self.lookup(code)
            self.spend_answer(code, token)
            current = state.get("activity") or {}
            await self.ctx.run(self.ctx.store.record_response, code, token, activity, value, item,
                               admit=self.admit_device(code))
        except NotFound:
            return self.show_enter(code, screens.words("not_found"), status=404)
        except TooManyRequests:
            return self.redirect_to(code, note="limited", card=card or None)
        except Busy:
            return self.redirect_to(code, note="busy", card=card or None)
        except Conflict:
            return self.redirect_to(code, note="closed")
        except Invalid:
            return self.redirect_to(code, note="invalid", card=card or None)
        if item and card.isdigit():
            # The next card of the sort, or the "all sorted" view after the last.
            total = len(current.get("cards") or [])
            nxt = int(card) + 1
            return self.redirect_to(code, card=str(nxt) if nxt <= total else "done")
        self.redirect_to(code)

    async def post_question(self, code: str, token: str):
        text = self.get_argument("text", "")
        try:
            _, state = await self.lookup(code)
            self.spend_question(code, token)
            await self.ctx.run(self.ctx.store.submit_question, code, text)
        except NotFound:
            return self.show_enter(code, screens.words("not_found"), status=404)
        except (Invalid, TooManyRequests) as exc:
            _, state = await self.lookup(code)
            why = "questions" if exc.status == 429 else "too_long" if text.split() else "empty"
            return await self.show_session(code, state, token, view="ask", error=screens.words(why), text=text,
                                           status=exc.status)
        except Conflict:
            return self.redirect_to(code, note="box")
        self.redirect_to(code, view="sent")

    def redirect_to(self, code: str, note: str | None = None, **params):
        if note:
            self.set_cookie(NOTE_COOKIE, note, path=self.ctx.cookie_path, httponly=True, samesite="Strict",
                            secure=self.request.protocol == "https", max_age=60)
        query = {"code": code, **{k: v for k, v in params.items() if v}}
        self.redirect(f"{self.ctx.page_url}?{urlencode(query)}", status=303)

    def take_note(self) -> str | None:
        """The one-time note a redirect left, cleared as it is read."""
        key = self.get_cookie(NOTE_COOKIE)
        if key is None:
            return None
        self.clear_cookie(NOTE_COOKIE, path=self.ctx.cookie_path)
        return screens.NOTES.get(key)

    # -- rendering -------------------------------------------------------------------
    def show_enter(self, code: str, error: str | None = None, status: int = 200, auto: bool = False):
        self.set_status(status)
        if error is not None:
            return self.render_page("enter", None, code=code, error=error, help_=self.ctx.help)
        # What every phone of a hall opens first, the same for each but its XSRF token: made
        # once per code, the token put in per request.
        key = (code, bool(auto))
        page = self.ctx.enter_pages.get(key)
        if page is None:
            page = self.page_html("enter", None, code=code, help_=self.ctx.help, auto=bool(auto), xsrf_html=_XSRF_SLOT)
            self.ctx.enter_pages.put(key, page)
        self.send_page(page.replace(_XSRF_SLOT, self.xsrf_form_html().encode()))

    async def show_session(self, code: str, state: dict, token: str, *, view=None, note=None, card=None,
                           error=None, text="", status: int = 200):
        name = screens.screen_name(state, view)
        activity = state.get("activity")
        mine = await self.my_answers(code, state) if name not in ("ask", "sent") else {}
        position = None
        if name == "sort":
            position = screens.sort_position(activity, mine, card)
        self.set_status(status)
        help_ = state.get("help") or self.ctx.help
        boot = None
        if name != "ended":
            boot = _json_for_script({
                "code": code, "api": self.ctx.api_url, "page": self.ctx.page_url, "xsrf": self.xsrf_token.decode(),
                "state": state, "mine": mine, "card": position if name == "sort" and position is not None else
                ("done" if name == "sort" else None), "view": view if name in ("ask", "sent") else None,
                "help": self.ctx.help, "anonymity": screens.ANONYMITY, "ping": KEEPALIVE_SECONDS,
                "notice": note})
        self.render_page(name, state, code=code, mine=mine, position=position, note=note, error=error, text=text,
                         help_=help_, boot=boot)

    def render_page(self, name: str, state: dict | None, **kw):
        self.send_page(self.page_html(name, state, xsrf_html=self.xsrf_form_html(), **kw))

    def send_page(self, html) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(html)

    def page_html(self, name: str, state: dict | None, *, xsrf_html, code: str = "", mine=None, position=None,
                  note=None, error=None, text="", help_=None, boot=None, auto=False) -> bytes:
        ns = screens.namespace(name, state, code=code, mine=mine, position=position, note=note, error=error,
                               text=text, help_=help_ or self.ctx.help, boot=boot, xsrf_html=xsrf_html,
                               page_url=self.ctx.page_url, css_url=self.ctx.asset_url("join.css"),
                               js_url=self.ctx.asset_url("join.js"), auto_join=auto)
        ns["refresh"] = REFRESH_SECONDS if ns["refresh"] else None
        return self.ctx.templates.load("join.html").generate(**ns)

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ToolkitError):
            status_code = exc.status
            self.set_status(status_code)
        kind = self.error_body(status_code, exc)["error"]["kind"]
        self.clear_header("Content-Disposition")
        self.error_headers(status_code)
        self.render_page("enter", None, error=screens.words(kind, status_code), help_=self.ctx.help)


class Static(JSONErrors, StudentPageHandler):
    """``GET toolkit/static/{name}``: the page's one stylesheet and one script."""

    @allow_unauthenticated
    def get(self, name: str):
        asset = self.ctx.assets.get(name)
        if asset is None:
            raise web.HTTPError(404)
        self.set_header("Content-Type", asset.content_type)
        if self.get_argument("v", None) == asset.version:
            self.set_header("Cache-Control", "public, max-age=31536000, immutable")
        else:
            self.set_header("Cache-Control", "no-cache")
        self.set_header("ETag", f'"{asset.version}"')
        self.set_header("Vary", "Accept-Encoding")
        if self.request.headers.get("If-None-Match", "").strip('W/ ') == f'"{asset.version}"':
            self.set_status(304)
            return self.finish()
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            self.set_header("Content-Encoding", "gzip")
            return self.finish(asset.gzipped)
        self.finish(asset.body)


class QRCode(JSONErrors, StudentPageHandler):
    """``GET toolkit/qr.svg?code=…``: a QR code of the join URL for a code (no look-up)."""

    @allow_unauthenticated
    def get(self):
        code = screens.clean_code(self.get_argument("code", ""))
        url = self.ctx.join_url or f"{self.request.protocol}://{self.request.host}{self.ctx.page_url}"
        if code:
            url += ("&" if "?" in url else "?") + f"code={code}"
        self.set_header("Content-Type", "image/svg+xml")
        self.set_header("Cache-Control", "no-cache")
        self.finish(join_qr_svg(url))
