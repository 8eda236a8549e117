"""A student screen as a phone shows it, for the content editor's preview: the join page's
own template (``templates/join.html``) and stylesheet (``static/join.css``), rendered for
one activity of a programme with voting open, no session and no script.

The stylesheet goes inline as a ``data:`` address, so the preview needs nothing from the
server and shows the same screen offline.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from tornado import template

from ..content.programme import Programme
from . import screens
from .context import STATIC, TEMPLATES


@lru_cache(maxsize=1)
def _loader() -> template.Loader:
    return template.Loader(str(TEMPLATES), autoescape="xhtml_escape", whitespace="oneline")


def _css_url() -> str:
    body = (STATIC / "join.css").read_bytes()
    return "data:text/css;base64," + base64.b64encode(body).decode("ascii")


def state_for(programme: Programme, index: int, revealed: bool = False) -> dict:
    """The public state a phone would get with this activity on screen and voting open."""
    act = programme.activities[index]
    return {"code": "", "title": programme.title, "status": "running", "version": 1,
            "voting_open": act.votes, "revealed": revealed, "results": None,
            "activity": programme.public_activity(act, revealed=revealed),
            "questions_box": bool(programme.settings.get("questions_box")), "help": programme.help_resources()}


def phone_screen(programme: Programme, index: int) -> str:
    """The whole student page (HTML) for activity ``index`` of ``programme``."""
    state = state_for(programme, index)
    name = screens.screen_name(state)
    ns = screens.namespace(name, state, help_=state["help"] or {}, page_url="#", css_url=_css_url(), js_url="")
    return _loader().load("join.html").generate(**ns).decode("utf-8")
