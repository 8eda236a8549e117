"""The lobby: how students join (address, code, QR code) and how many have."""

from __future__ import annotations

import html

import ipywidgets as W

from ...server.qr import join_qr_svg
from ...store.codes import display
from .joining import JoinPage


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
        url = page.url(session.code)
        if self._for != (session.code, url):
            self._for = (session.code, url)
            shown = html.escape(page.base.split("://", 1)[-1]) if page.base else "the address on the board"
            warning = f"<div class='tk-warning'>{html.escape(page.warning)}</div>" if page.warning else ""
            self.join.value = (
                "<div class='tk-kicker'>Join on your phone</div>"
                f"<div class='tk-url'>Go to <b>{shown}</b></div>"
                "<div class='tk-lead tk-muted'>and enter the code</div>"
                f"<div class='tk-code' aria-label='join code'>{display(session.code)}</div>{warning}")
            self.qr.value = (f"<div title='{html.escape(url)}'>{join_qr_svg(url, scale=7)}</div>"
                             "<div class='tk-muted tk-small tk-center'>or scan this</div>") if url else ""
        n = session.respondents
        first = session.activities[0] if session.activities else None
        begin = (f"<p class='tk-muted tk-small'>Press <b>Next</b> (→) to begin with "
                 f"“{html.escape(first.title)}”.</p>") if first else ""
        self.joined.value = (f"<div class='tk-joined'><b data-joined='{n}'>{n}</b> "
                             f"{'student has' if n == 1 else 'students have'} joined</div>{begin}")
