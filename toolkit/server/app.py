"""``ToolkitApp``: the toolkit's Jupyter Server extension, and ``launch`` for ``toolkit serve``.

One process, one port: Jupyter Server with Voilà (the staff dashboards, behind Jupyter's
token) and this extension (the student page and API, the only public routes).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import quote, urlencode

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.log import log_request
from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join
from traitlets import Bool, Float, Unicode, default
from traitlets.config import Config

from .. import config
from . import routes
from .base import is_private, keep_addresses_out_of, private_log_function
from .context import Context

FACILITATOR_NOTEBOOK = "facilitator.ipynb"
TRENDS_NOTEBOOK = "trends.ipynb"
WILDCARD = ("", "0.0.0.0", "::", "*")


class ToolkitApp(ExtensionApp):
    """The student join page and JSON API, served next to Voilà's staff dashboards."""

    name = "toolkit"
    description = "Workshop toolkit: the anonymous student page and its API."
    load_other_extensions = True

    db_url = Unicode("", help="Database URL for the store. Empty: TOOLKIT_DB_URL, else SQLite at "
                              "sessions/toolkit.db under the toolkit home.").tag(config=True)
    announce = Bool(False, help="Print the facilitator, trends and student URLs once the server is ready "
                                "('toolkit serve' turns this on).").tag(config=True)
    watch_interval = Float(-1.0, help="Seconds between checks for changed sessions with connected students. "
                                      "Negative: the toolkit setting watch_interval.").tag(config=True)
    answers_per_second = Float(20.0, help="Answers a device may send per second before it is told to wait "
                                          "(429).").tag(config=True)
    wrong_codes_per_minute = Float(30.0, help="Unknown join codes one network address may try per minute "
                                              "before it is told to wait (429).").tag(config=True)
    questions_per_minute = Float(5.0, help="Questions a device may send to the questions box per minute."
                                 ).tag(config=True)

    @default("default_url")
    def _default_url(self):
        # Opening the browser on 'toolkit serve' lands the facilitator on their console.
        return f"/voila/render/{FACILITATOR_NOTEBOOK}"

    def initialize_settings(self):
        from .. import open_store
        self.store = open_store(self.db_url or None)
        self.context = Context(self.store, self.serverapp.base_url,
                               watch_interval=self.watch_interval if self.watch_interval >= 0 else None,
                               answers_per_second=self.answers_per_second,
                               wrong_codes_per_minute=self.wrong_codes_per_minute,
                               questions_per_minute=self.questions_per_minute)
        original = self.settings.get("log_function") or self.serverapp.web_app.settings["log_function"]
        self.settings["log_function"] = private_log_function(original, self.context.prefix)
        keep_addresses_out_of(self.serverapp.log, self.log)
        self.log.info("toolkit: store %r; students join at %s", self.store, self.context.page_url)

    def initialize_handlers(self):
        self.handlers.extend(routes.handlers(self.context))

    async def _start_jupyter_server_extension(self, serverapp):
        settings = serverapp.web_app.settings
        if not is_private(settings.get("log_function")):
            # An extension that loaded after this one set a request logger of its own (JupyterHub's
            # single-user server does, and it logs each client's forwarded address): wrap it too.
            settings["log_function"] = private_log_function(settings.get("log_function") or log_request,
                                                            self.context.prefix)
        urls = server_urls(serverapp)
        self.context.public_origin = urls["origin"]
        export_join_url(urls["Students join at"])
        # Dashboard kernels inherit this environment: the facilitator's console shows this
        # address (and its QR code), which phones can reach, not the one the laptop used.
        os.environ.setdefault("TOOLKIT_JOIN_URL", urls["Students join at"])
        if self.announce:
            for label in ("Facilitator dashboard", "Trends dashboard", "Students join at"):
                print(f"{label}: {urls[label]}", flush=True)

    async def stop_extension(self):
        context = getattr(self, "context", None)
        if context is not None:
            await context.close()
        store = getattr(self, "store", None)
        if store is not None:
            store.close()


def export_join_url(url: str, environ=os.environ) -> None:
    """Tell the dashboards' kernels (started later, with this environment) where phones join:
    a kernel cannot see which address phones reach. A value set by the user stands."""
    if not (environ.get("TOOLKIT_JOIN_URL") or "").strip():
        environ["TOOLKIT_JOIN_URL"] = url


def lan_address() -> str:
    """This machine's address on the local network (what phones on the Wi-Fi can reach).

    Connecting a UDP socket sends nothing; it only asks the OS which interface would be used.
    Private ranges are tried first so a school LAN without internet still gets an answer.
    """
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255", "8.8.8.8"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                address = s.getsockname()[0]
        except OSError:
            continue
        if not ipaddress.ip_address(address).is_loopback and address != "0.0.0.0":
            return address
    try:
        address = socket.gethostbyname(socket.gethostname())
        if not ipaddress.ip_address(address).is_loopback:
            return address
    except OSError:
        pass
    return "127.0.0.1"


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def server_urls(serverapp) -> dict:
    """The URLs ``toolkit serve`` prints: staff dashboards with the token, and the join page.

    The dashboards are opened on the facilitator's own machine; students need the address
    phones reach, which for a server bound to every interface is the LAN address.
    """
    ip = serverapp.ip or ""
    scheme = "https" if serverapp.certfile else "http"
    port = serverapp.port
    staff_host = "127.0.0.1" if ip in WILDCARD else ip
    student_host = lan_address() if ip in WILDCARD else ip
    base = serverapp.base_url
    token = serverapp.identity_provider.token
    query = f"?{urlencode({'token': token})}" if token else ""

    def staff(path: str) -> str:
        return f"{scheme}://{_host(staff_host)}:{port}{url_path_join(base, quote(path))}{query}"

    origin = f"{scheme}://{_host(student_host)}:{port}"
    return {
        "Facilitator dashboard": staff(f"voila/render/{FACILITATOR_NOTEBOOK}"),
        "Trends dashboard": staff(f"voila/render/{TRENDS_NOTEBOOK}"),
        "Students join at": origin + url_path_join(base, "toolkit/join"),
        "origin": origin,
    }


def serve_config(*, host: str, port: int, db_url: str | None, open_browser: bool) -> Config:
    """The server's defaults for ``toolkit serve``; config files and ``--ServerApp.*`` options
    given on the command line override them."""
    c = Config()
    c.ServerApp.ip = host
    c.ServerApp.port = port
    c.ServerApp.open_browser = open_browser
    # Everything but the student routes needs Jupyter's token or password.
    c.ServerApp.allow_unauthenticated_access = False
    c.ServerApp.reraise_server_extension_failures = True
    c.ServerApp.jpserver_extensions = {"voila.server_extension": True, "toolkit": True}
    notebooks = config.home() / "notebooks"
    c.ServerApp.root_dir = str(notebooks if notebooks.is_dir() else config.home())
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        c.ServerApp.allow_root = True  # containers and classroom kiosks often run as root
    # Staff kernels outlive closed tabs (Voilà's shutdown request fails its XSRF check):
    # cull the idle ones. A dashboard left open keeps its connection and is not culled.
    c.MappingKernelManager.cull_idle_timeout = 3600
    c.MappingKernelManager.cull_interval = 300
    c.MappingKernelManager.cull_connected = False
    c.MappingKernelManager.cull_busy = False
    c.VoilaConfiguration.show_tracebacks = False
    # FigureWidget is an anywidget now; plotly's lab extension only adds megabytes to each page.
    c.VoilaConfiguration.extension_denylist = ["jupyterlab-plotly"]
    # Voila's voila/files/ route is a plain tornado file handler that Jupyter's login does not
    # guard: by default it hands any picture under the notebook folder to anyone who asks.
    # The dashboards use no files of their own, so it hands out none.
    c.VoilaConfiguration.file_allowlist = []
    c.ToolkitApp.announce = True
    if db_url:
        c.ToolkitApp.db_url = db_url
    return c


def launch(*, host: str, port: int, db_url: str | None, open_browser: bool, argv: list[str]) -> None:
    """Start Jupyter Server with Voilà and the toolkit; returns when the server stops.

    ``toolkit serve`` has checked the database by then (``check_store``)."""
    serverapp = ServerApp.instance(config=serve_config(host=host, port=port, db_url=db_url,
                                                      open_browser=open_browser))
    serverapp.initialize(argv=argv, find_extensions=False, starter_extension="toolkit")
    serverapp.start()
