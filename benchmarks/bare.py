"""The floor: a bare tornado app answering a phone's requests with constants.

``hall.py --burst`` runs the same phones against it and against ``toolkit serve`` in the
same run, so the toolkit's numbers are also ratios to what Python and tornado cost on this
machine at this moment. It does what the hall's phones need and nothing else: the join
page sets an ``_xsrf`` cookie (tornado's ``xsrf_cookies``, so every POST is checked as the
toolkit's are), ``join`` sets a device cookie, the event stream sends one state and holds
the connection, an answer's JSON body is parsed and acknowledged with 201. No store, no
limits, no logging of requests.

Run by ``hall.py`` as ``python benchmarks/bare.py PORT``; prints ``ready`` once listening.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys

from tornado import web

STATE = {"code": "BARE42", "title": "Floor", "status": "running", "version": 3, "voting_open": True,
         "revealed": False, "activity": {"id": "q1", "kind": "poll", "type": "single", "title": "How sure are you?",
                                         "options": [{"id": str(i), "label": str(i)} for i in range(1, 6)]},
         "results": None, "questions_box": False, "help": {"intro": "Talk to an adult you trust.", "resources": []}}
PAGE = ("<!doctype html><html lang=en><meta charset=utf-8><title>Join</title><link rel=stylesheet href=s.css>"
        "<main>%s</main><script src=j.js></script></html>") % ("<p>" + "x" * 2000 + "</p>")
EVENT = f"retry: 3000\n\nid: 3\ndata: {json.dumps(STATE, separators=(',', ':'))}\n\n"


class Page(web.RequestHandler):
    def get(self):
        token = self.xsrf_token.decode()  # sets the _xsrf cookie
        self.write(PAGE.replace("<main>", f'<main data-xsrf="{token}">'))


class Join(web.RequestHandler):
    def post(self, code):
        if not self.get_cookie("device"):
            self.set_cookie("device", secrets.token_urlsafe(24), httponly=True)
        self.set_status(201)
        self.finish(json.dumps({**STATE, "mine": {}}, separators=(",", ":")))


class State(web.RequestHandler):
    def get(self, code):
        self.finish(json.dumps({**STATE, "mine": {}}, separators=(",", ":")))


class Answer(web.RequestHandler):
    def post(self, code):
        body = json.loads(self.request.body)
        self.set_status(201)
        self.finish(json.dumps({"activity": body["activity"], "item": body.get("item"), "value": body["value"],
                                "changed": False}, separators=(",", ":")))


class Events(web.RequestHandler):
    async def get(self, code):
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(EVENT)
        await self.flush()
        self._closed = asyncio.get_running_loop().create_future()
        await self._closed

    def on_connection_close(self):
        closed = getattr(self, "_closed", None)
        if closed is not None and not closed.done():
            closed.set_result(None)


def app() -> web.Application:
    return web.Application([
        (r"/toolkit/join", Page),
        (r"/toolkit/api/sessions/([^/]+)", State),
        (r"/toolkit/api/sessions/([^/]+)/join", Join),
        (r"/toolkit/api/sessions/([^/]+)/responses", Answer),
        (r"/toolkit/api/sessions/([^/]+)/events", Events),
    ], xsrf_cookies=True, cookie_secret=secrets.token_hex(16), log_function=lambda handler: None)


async def main(port: int) -> None:
    app().listen(port, "127.0.0.1")  # the listen backlog Jupyter Server uses too
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
