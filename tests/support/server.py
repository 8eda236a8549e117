"""A real ``toolkit serve`` for tests (``served``, on ``support.serve``), and the student side
in-process through pytest-jupyter's ``jp_fetch`` (``toolkit_server_config``, ``Phone``)."""

import secrets

import pytest

from .phones import phone_address, phone_async_http, phone_http
from .serve import ROOT, Served, free_port, start_server

__all__ = ["ROOT", "Served", "free_port", "start_server", "served", "toolkit_server_config", "Phone",
           "phone_address", "phone_http", "phone_async_http"]


@pytest.fixture
def served(tmp_path):
    """``toolkit serve`` on a SQLite file of its own; stopped after the test."""
    s = start_server(tmp_path)
    yield s
    s.stop()


# -- the student side in-process, through pytest-jupyter's jp_fetch ------------------------

def toolkit_server_config(db_url: str, **toolkit):
    """``jp_server_config`` for a server with Voilà and the toolkit, as ``toolkit serve`` runs
    them: everything but the student routes needs the token."""
    from traitlets.config import Config
    return Config({
        "ServerApp": {"jpserver_extensions": {"toolkit": True, "voila.server_extension": True},
                      "allow_unauthenticated_access": False, "reraise_server_extension_failures": True},
        "ToolkitApp": {"db_url": db_url, "watch_interval": 0.05, **toolkit},
    })


class Phone:
    """One student's phone talking to a ``jp_serverapp``: no token, its own cookies and
    address, and the page's XSRF token sent back the way the join page sends it."""

    def __init__(self, jp_fetch, xsrf: str | None = None, address: str | None = None):
        self._fetch = jp_fetch
        self.cookies = {"_xsrf": xsrf or secrets.token_hex(16)}
        self.address = address or phone_address()

    @property
    def device(self) -> str | None:
        return self.cookies.get("toolkit_device")

    async def request(self, method: str, path: str, *, json=None, body=None, headers=None, params=None,
                      xsrf: bool = True, auth: str = "", **extra):
        import json as _json
        sent = {"Authorization": auth, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if xsrf and method != "GET":
            sent["X-XSRFToken"] = self.cookies["_xsrf"]
        if json is not None:
            body = _json.dumps(json)
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        kwargs = {"body": body if body is not None else (b"" if method == "POST" else None)}
        if method == "GET":
            kwargs = {}
        kwargs["network_interface"] = self.address
        kwargs.update(extra)
        response = await self._fetch(*path.split("/"), method=method, headers=sent, params=params, raise_error=False,
                                     follow_redirects=False, allow_nonstandard_methods=True, **kwargs)
        for header in response.headers.get_list("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    async def get(self, path: str, **kw):
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw):
        return await self.request("POST", path, **kw)

    @staticmethod
    def json(response):
        import json as _json
        return _json.loads(response.body)
