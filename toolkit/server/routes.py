"""The one route table of the student side. Paths are written as in the OpenAPI document,
from the server's base URL; ``tests/test_server_openapi.py`` keeps the two the same."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import config
from . import api, pages

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    path: str  # "/toolkit/api/sessions/{code}", from the base URL
    handler: type

    @property
    def pattern(self) -> str:
        """The tornado pattern: literal text escaped, each ``{name}`` one path segment."""
        parts = re.split(r"\{(\w+)\}", self.path)
        return "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))

    @property
    def methods(self) -> tuple[str, ...]:
        """The HTTP methods the handler itself answers (not the ones tornado refuses)."""
        from tornado.web import RequestHandler
        return tuple(m for m in METHODS if getattr(self.handler, m) is not getattr(RequestHandler, m))


ROUTES: tuple[Route, ...] = (
    Route(f"/{config.JOIN_PATH}", pages.JoinPage),
    Route("/toolkit/qr.svg", pages.QRCode),
    Route("/toolkit/static/{name}", pages.Static),
    Route("/toolkit/api/openapi.json", api.OpenAPI),
    Route("/toolkit/api/sessions/{code}", api.SessionState),
    Route("/toolkit/api/sessions/{code}/join", api.Join),
    Route("/toolkit/api/sessions/{code}/responses", api.Responses),
    Route("/toolkit/api/sessions/{code}/events", api.Events),
    Route("/toolkit/api/sessions/{code}/questions", api.Questions),
)


def handlers(ctx) -> list[tuple[str, type, dict]]:
    """``(pattern, handler, kwargs)`` for ``ExtensionApp.handlers``; it joins each to the base URL."""
    return [(route.pattern, route.handler, {"ctx": ctx}) for route in ROUTES]
