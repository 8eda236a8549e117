"""Where students join a session: the join page's public address and its QR code.

The kernel cannot see which address phones can reach, so ``toolkit serve`` tells it
through the ``join_url`` setting (``TOOLKIT_JOIN_URL``: the join page, without a code). Without it, the address
the facilitator's browser used for this page is the best guess: right on a LAN address,
wrong on ``localhost``, which the lobby then says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from ... import config

_LOCAL = ("localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0")


@dataclass(frozen=True)
class JoinPage:
    """The join page's address, and why phones may not reach it (None when they should)."""

    base: str | None
    warning: str | None = None

    def url(self, code: str, join: bool = False) -> str | None:
        """The address that opens the join page with ``code`` filled in; with ``join`` (the
        QR code's) the page joins at once, with no tap."""
        if not self.base:
            return None
        sep = "&" if "?" in self.base else "?"
        return f"{self.base}{sep}{urlencode({'code': code, **({'join': '1'} if join else {})})}"


def join_page(environ=None) -> JoinPage:
    """Where students join, from ``TOOLKIT_JOIN_URL`` or else the address of this page."""
    env = os.environ if environ is None else environ
    explicit = ((config.get("join_url") if environ is None else env.get("TOOLKIT_JOIN_URL")) or "").strip()
    if explicit:
        return JoinPage(explicit, _local_warning(explicit))
    request = env.get("VOILA_REQUEST_URL")
    if not request:
        return JoinPage(None, "The join address is unknown here: use the address the toolkit printed "
                              "after \"Students join at\".")
    parts = urlsplit(request)
    base_url = env.get("VOILA_BASE_URL") or "/"
    if not base_url.endswith("/"):
        base_url += "/"
    base = f"{parts.scheme}://{parts.netloc}{base_url}{config.JOIN_PATH}"
    return JoinPage(base, _local_warning(base))


def _local_warning(url: str) -> str | None:
    host = urlsplit(url).hostname or ""
    if host in _LOCAL:
        # Read on the projector: in words. The command is in the private panel and the guide.
        return ("Phones cannot reach this address: it only works on this computer. Restart the toolkit "
                "so that it is open to the room's network (your notes and the facilitator guide say how).")
    return None
