"""Staff surfaces belong to the laptop: who may reach them, and the token out of the address bar.

Jupyter's token (or password) guards the dashboards, JupyterLab, Jupyter's REST and
websocket APIs, terminals and files; but the token is printed, opened in the browser and so
projected, and a phone on the same Wi-Fi that reads it would own the laptop. So by default
every staff route answers only requests from this machine, and a request from anywhere
else reaches only the student page and API. A deployment with staff on other machines
turns that off with ``remote_staff`` and a password or JupyterHub's login.

These are tornado routing rules put in front of every other route of the server (the
Jupyter Server's own and every extension's), so a route added later by any extension is
covered too.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
from urllib.parse import parse_qsl, urlencode, urlsplit

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import template, web
from tornado.routing import Matcher, Rule

from .. import config
from ..errors import ConfigError
from .base import STUDENT_CSP, error_for_status
from .context import TEMPLATES
from .routes import ROUTES

_PAGE = template.Loader(str(TEMPLATES), autoescape="xhtml_escape")

# Headers a proxy adds: a request that carries one came from elsewhere, whatever the socket says.
_FORWARDED = ("X-Forwarded-For", "X-Real-Ip", "Forwarded", "X-Forwarded-Host")


def from_this_machine(request) -> bool:
    """Whether ``request`` was sent from this computer itself.

    Decided on the connection's own socket, never on anything the client sends: the peer is
    a loopback address, or the very address it connected to (a browser on the laptop using
    the laptop's Wi-Fi address), or a Unix socket. A request that a proxy forwarded is not
    local even when the proxy runs here.
    """
    if any(name in request.headers for name in _FORWARDED):
        return False
    stream = getattr(request.connection, "stream", None)
    sock = getattr(stream, "socket", None)
    if sock is None:
        return False
    if sock.family == getattr(socket, "AF_UNIX", None):
        return True
    try:
        peer = _ip(sock.getpeername()[0])
        local = _ip(sock.getsockname()[0])
    except (OSError, ValueError, IndexError):
        return False
    return peer.is_loopback or peer == local


def _ip(text: str):
    address = ipaddress.ip_address(text.split("%", 1)[0])
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


class StudentRoutes:
    """Whether a path is one of the student routes, under the server's base URL."""

    def __init__(self, base_url: str):
        # Joined to the base URL as Jupyter joins an extension's routes, and matched as tornado does.
        self._patterns = [re.compile(url_path_join(base_url, route.pattern.lstrip("/")) + r"\Z")
                          for route in ROUTES]
        self.root = base_url if base_url.endswith("/") else base_url + "/"

    def __contains__(self, path: str) -> bool:
        return any(p.match(path) for p in self._patterns)


class FromElsewhere(Matcher):
    """Matches every request that did not come from this computer, except the student routes."""

    def __init__(self, students: StudentRoutes):
        self.students = students

    def match(self, request):
        if request.path in self.students or from_this_machine(request):
            return None
        return {}


@web.stream_request_body
class StaffOnly(web.RequestHandler):
    """The answer to a request from the network for anything but the student side: 403, or
    for the bare address a phone types, the join page. A body is never held: a small one is
    read and dropped (so the phone gets its answer, not a reset connection), a large one is
    refused before it is read."""

    SMALL = 64 * 1024

    def initialize(self, students: StudentRoutes, join_url):
        self.students = students
        self.join_url = join_url

    def _request_summary(self) -> str:
        # A phone's address is not logged.
        return f"{self.request.method} {self.request.path}"

    def prepare(self):
        try:
            length = int(self.request.headers.get("Content-Length", "0") or 0)
        except ValueError:
            length = self.SMALL + 1
        if length > self.SMALL:
            # Never read: the connection closes after this answer.
            self.set_header("Connection", "close")
            self.refuse()

    def check_xsrf_cookie(self) -> None:
        pass  # refused whatever it carries: the refusal says why, in the one error shape

    def data_received(self, chunk: bytes) -> None:
        pass  # dropped as it arrives

    def refuse(self, *args) -> None:
        if self._finished:
            return
        self.set_header("Cache-Control", "no-store")
        if self.request.method in ("GET", "HEAD") and self.request.path in (self.students.root,
                                                                            self.students.root.rstrip("/")):
            self.redirect(url_path_join(self.students.root, config.JOIN_PATH))
            return
        self.set_status(403)
        if self.request.method == "GET" and "text/html" in self.request.headers.get("Accept", ""):
            # A browser (a curious student who typed a staff address): a page that says where to go.
            self.set_header("Content-Security-Policy", STUDENT_CSP)
            join = url_path_join(self.students.root, config.JOIN_PATH)
            return self.finish(_PAGE.load("staff-only.html").generate(
                join_url=join, css_url=url_path_join(self.students.root, "toolkit/static/join.css")))
        join_url = self.join_url()
        where = f"; students join at {join_url}" if join_url else ""
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(error_for_status(
            403, f"this address serves staff on the facilitator's own computer only{where}")))

    get = head = post = put = patch = delete = options = refuse


class TokenInAddress(Matcher):
    """Matches a page opened with ``?token=`` (a browser's navigation, not an API call or a
    websocket), from a client allowed to reach staff pages at all."""

    def __init__(self, students: StudentRoutes, api_prefix: str, local_only: bool):
        self.students = students
        self.api_prefix = api_prefix
        self.local_only = local_only

    def match(self, request):
        if request.method not in ("GET", "HEAD") or "token" not in request.query_arguments:
            return None
        if request.path.startswith(self.api_prefix) or request.path in self.students:
            return None
        if request.headers.get("Upgrade"):
            return None
        if self.local_only and not from_this_machine(request):
            return None
        return {}


class TokenExchange(JupyterHandler):
    """Trades the token in the address for Jupyter's login cookie, then sends the browser to
    the same page without it: the address on the projector carries no key to the laptop.

    Jupyter's identity provider checks the token and sets the login cookie while preparing
    this request; a wrong token earns no cookie, and the clean address then asks for a login.
    """

    @allow_unauthenticated
    def get(self):
        if self.current_user:
            # Jupyter's XSRF cookie too: Voilà's page sends its value when the tab closes or
            # reloads, asking the server to stop the page's kernel. Without it the request is
            # refused (voila#1458) and every opening of a dashboard leaves a kernel behind.
            self.xsrf_token  # noqa: B018 (reading it sets the cookie)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")
        self.redirect(without_token(self.request.uri), status=303)

    head = get


def without_token(uri: str) -> str:
    """``uri`` with every ``token`` query parameter removed."""
    parts = urlsplit(uri)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "token"]
    return parts.path + (f"?{urlencode(kept)}" if kept else "")


def remote_login(serverapp) -> str | None:
    """What lets staff in from other machines: ``"password"``, ``"JupyterHub"``, or None."""
    provider = serverapp.identity_provider
    if type(provider).__module__.split(".")[0] == "jupyterhub":
        return "JupyterHub"
    if getattr(provider, "hashed_password", ""):
        return "password"
    return None


def guard(serverapp, *, remote_staff: bool, join_url) -> None:
    """Put the rules in front of every route of ``serverapp``; ``join_url()`` is where the
    refusal sends students.

    Remote staff without a password or JupyterHub's login is refused at start: the only key
    left would be the token, which the laptop prints and projects. Inside JupyterHub the hub
    signs staff in and its own tokens are left alone.
    """
    login = remote_login(serverapp)
    if remote_staff and login is None:
        raise ConfigError("remote_staff is on but staff have no password: set one with 'jupyter server password' "
                          "(and start with --IdentityProvider.token=''), or run inside JupyterHub; see docs/deploy.md")
    base_url = serverapp.base_url
    students = StudentRoutes(base_url)
    router = serverapp.web_app.default_router
    rules = []
    if login != "JupyterHub":
        rules.append(Rule(TokenInAddress(students, url_path_join(base_url, "api/"), local_only=not remote_staff),
                          TokenExchange))
    if not remote_staff:
        rules.insert(0, Rule(FromElsewhere(students), StaffOnly, {"students": students, "join_url": join_url}))
    router.rules[0:0] = [router.process_rule(rule) for rule in rules]
