"""The lobby: how students join (address, code, QR code) and how many have."""

from __future__ import annotations


import ipywidgets as W
from markupsafe import Markup

from ...server.qr import join_qr_svg
from ...store.codes import display
from .joining import JoinPage
from .page import templates


class LobbyPanel:
    """Shown, large, while students join; the count refreshes with the dashboard."""

    def __init__(self):
        self.join = W.HTML()
        self.joined = W.HTML()
        self.qr = W.HTML()
        self.qr.add_class("tk-qr")
        text = W.VBox([self.join, self.joined], layout=W.Layout(flex="1 1 auto"))
        self.widget = W.HBox([text, self.qr])
        self.widget.add_class("tk-card")
        self.widget.add_class("tk-lobby")
        self._for: tuple | None = None

    def update(self, snapshot, page: JoinPage) -> None:
        session = snapshot.session
        url = page.url(session.code, join=True)
        if self._for != (session.code, url):
            self._for = (session.code, url)
            shown = page.base.split("://", 1)[-1] if page.base else "the address on the board"
            self.join.value = templates.macro("lobby.html", "join", shown, display(session.code), page.warning)
            self.qr.value = templates.macro("lobby.html", "qr", url, Markup(join_qr_svg(url, scale=7))) if url else ""
        n = session.respondents
        first = session.activities[0] if session.activities else None
        self.joined.value = templates.macro("lobby.html", "joined", n, first.title if first else None)
