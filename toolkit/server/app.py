"""``ToolkitApp``: the toolkit's Jupyter Server extension, and ``launch`` for ``toolkit serve``.

One process, one port: Jupyter Server with Voilà (the staff dashboards, behind Jupyter's
token and answering only this computer unless ``remote_staff`` is on) and this extension
(the student page and API, the only routes other machines reach).

Installing the package enables nothing: only ``toolkit serve``, and a deployment that
opts in (docs/deploy.md), load this extension.
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
from traitlets import Bool, Float, Integer, Unicode, default
from traitlets.config import Config

from .. import config
from ..dashboards import template
from . import connections, kernels, routes, staff, workers
from .quietlog import is_private, keep_addresses_out_of, private_log_function
from .context import Context

MB = 1024 * 1024
# The dashboards send Jupyter small requests; their biggest message, a plan uploaded in the
# console, goes over the kernel's websocket, which tornado caps at 10 MB. Jupyter's own
# defaults (512 MB each) let anyone who can reach the login page fill the laptop's memory.
MAX_BODY = 10 * MB
MAX_BUFFER = 12 * MB  # one websocket message of the largest size, with its framing

KERNEL_IDLE_SECONDS = 120  # a staff kernel with no open page is stopped after this long idle
FACILITATOR_NOTEBOOK = kernels.FACILITATOR_NOTEBOOK
TRENDS_NOTEBOOK = kernels.TRENDS_NOTEBOOK
CONTENT_NOTEBOOK = "content.ipynb"
WILDCARD = ("", "0.0.0.0", "::", "*")


def setting_trait(name: str):
    """The Jupyter config trait of a toolkit setting (``config.SETTINGS``): unset (None), the
    setting comes from its environment variable, else its default."""
    s = config.setting(name)
    assert s.jupyter == f"ToolkitApp.{name}", f"{name} has no ToolkitApp trait in config.SETTINGS"
    kind = {str: Unicode, float: Float, int: Integer, bool: Bool}[s.type]
    limits = {"min": 0} if s.type in (int, float) else {}
    unset = f"Unset: {s.env}, else {'the default' if s.default is None else s.default}."
    return kind(None, allow_none=True, help=f"{s.help} {unset}", **limits).tag(config=True)


class ToolkitApp(ExtensionApp):
    """The student join page and JSON API, served next to Voilà's staff dashboards."""

    name = "toolkit"
    description = "Workshop toolkit: the anonymous student page and its API."
    load_other_extensions = True

    # The settings the server reads, one trait each (help and default: config.SETTINGS).
    db_url = setting_trait("db_url")
    watch_interval = setting_trait("watch_interval")
    answers_per_second = setting_trait("answers_per_second")
    wrong_codes_per_minute = setting_trait("wrong_codes_per_minute")
    questions_per_minute = setting_trait("questions_per_minute")
    remote_staff = setting_trait("remote_staff")
    streams_per_address = setting_trait("streams_per_address")
    max_streams = setting_trait("max_streams")
    header_timeout = setting_trait("header_timeout")
    devices_per_address = setting_trait("devices_per_address")
    trusted_proxies = setting_trait("trusted_proxies")
    student_workers = setting_trait("student_workers")
    # Switches 'toolkit serve' turns on, not settings.
    verify_store = Bool(False, help="Read the whole store once as the server starts and refuse a damaged "
                                    "one ('toolkit serve' turns this on).").tag(config=True)
    announce = Bool(False, help="Print the dashboards' and the student URLs once the server is ready "
                                "('toolkit serve' turns this on).").tag(config=True)

    # Set by 'toolkit serve', which reads the store through before Jupyter starts: not read twice.
    verified_url: str | None = None
    # The processes serving phones besides this one ('toolkit serve' on more than one core).
    worker_pool: workers.StudentWorkers | None = None

    @default("default_url")
    def _default_url(self):
        # Opening the browser on 'toolkit serve' lands the facilitator on their console.
        return f"/voila/render/{FACILITATOR_NOTEBOOK}"

    def setting(self, name: str):
        """A toolkit setting as this server has it: its Jupyter config, else its environment
        variable, else its default."""
        value = getattr(self, name)
        return config.get(name) if value is None else value

    def initialize_settings(self):
        from ..store import Store
        url = config.db_url(self.setting("db_url"))
        self.store = Store(url, check=self.verify_store and url != ToolkitApp.verified_url)
        # The dashboards' kernels, started later with this process's environment, open exactly
        # this store: whether it came from --db, TOOLKIT_DB_URL or Jupyter's configuration.
        self._exported_db_url = os.environ.get("TOOLKIT_DB_URL")
        os.environ["TOOLKIT_DB_URL"] = self.store.url
        limit = connections.open_file_limit()
        self.context = Context(self.store, self.serverapp.base_url,
                               watch_interval=self.setting("watch_interval"),
                               answers_per_second=self.setting("answers_per_second"),
                               wrong_codes_per_minute=self.setting("wrong_codes_per_minute"),
                               questions_per_minute=self.setting("questions_per_minute"),
                               streams_per_address=self.setting("streams_per_address"),
                               max_streams=self.setting("max_streams") or connections.stream_cap(limit),
                               devices_per_address=self.setting("devices_per_address"),
                               trusted_proxies=self.setting("trusted_proxies"))
        self.context.join_url = (config.get("join_url") or "").strip() or None
        original = self.settings.get("log_function") or self.serverapp.web_app.settings["log_function"]
        self.settings["log_function"] = private_log_function(original, self.context.prefix)
        keep_addresses_out_of(self.serverapp.log, self.log)
        self.use_offline_template()
        remote_staff = self.setting("remote_staff")
        staff.guard(self.serverapp, remote_staff=remote_staff, join_url=lambda: self.context.join_url)
        self.log.info("toolkit: store %r; students join at %s; staff pages answer %s", self.store,
                      self.context.join_url or self.context.page_url,
                      "other machines too (remote_staff)" if remote_staff else "this computer only")

    def use_offline_template(self) -> None:
        """Give the dashboards the toolkit's Voilà page, which loads nothing from another host
        (Voilà's lab page asks CDNs for Font Awesome and MathJax: a school network that drops
        outside traffic stalls the console), wherever the toolkit is loaded: ``toolkit serve``
        or a JupyterHub single-user server. A template set in Jupyter's configuration stands.

        Extensions load in name order, so Voilà reads this after the toolkit has set it.
        """
        voila = self.serverapp.config.VoilaConfiguration
        if "template" not in voila:
            template.expose()
            voila.template = template.NAME

    def initialize_handlers(self):
        self.handlers.extend(routes.handlers(self.context))

    async def _start_jupyter_server_extension(self, serverapp):
        settings = serverapp.web_app.settings
        if not is_private(settings.get("log_function")):
            # An extension that loaded after this one set a request logger of its own (JupyterHub's
            # single-user server does, and it logs each client's forwarded address): wrap it too.
            settings["log_function"] = private_log_function(settings.get("log_function") or log_request,
                                                            self.context.prefix)
        urls = server_urls(serverapp, join_url=self.context.join_url)
        self.context.join_url = urls["Students join at"]
        # Dashboard kernels inherit this environment: the facilitator's console shows this
        # address (and its QR code), which phones can reach, not the one the laptop used.
        export_join_url(urls["Students join at"])
        self.start_workers(serverapp)
        if isinstance(serverapp.kernel_manager, kernels.StaffKernelManager):
            # Now that the kernels would inherit the store and the join address.
            serverapp.kernel_manager.fill(serverapp)
        if self.announce:
            for label in ("Facilitator dashboard", "Trends dashboard", "Content editor", "Students join at"):
                print(f"{label}: {urls[label]}", flush=True)

    def start_workers(self, serverapp) -> None:
        """Give phones' connections to student workers, on a server that takes them: the one
        ``toolkit serve`` makes (``connections.guard_http_server``), without TLS."""
        how_many = workers.count(self.setting("student_workers"))
        server = getattr(serverapp, "_http_server", None)  # none in a server made for tests in-process
        if how_many < 2 or not isinstance(server, connections.GuardedHTTPServer):
            return
        if serverapp.certfile:
            self.log.info("toolkit: one process serves students: with TLS the server cannot tell a student's "
                          "connection from a staff one before it is decrypted")
            return
        ctx = self.context
        spec = {
            "db_url": self.store.url, "base_url": serverapp.base_url, "join_url": ctx.join_url,
            "context": {name: self.setting(name) for name in (
                "watch_interval", "answers_per_second", "wrong_codes_per_minute", "questions_per_minute",
                "streams_per_address", "max_streams", "devices_per_address", "trusted_proxies")},
            "web": workers.web_settings(serverapp.web_app.settings),
            "xheaders": serverapp.trust_xheaders, "max_body_size": serverapp.max_body_size,
            "max_buffer_size": serverapp.max_buffer_size, "header_timeout": self.setting("header_timeout"),
            "log_level": serverapp.log_level,
        }
        self.worker_pool = workers.StudentWorkers(how_many, spec, serverapp.base_url,
                                                  header_timeout=self.setting("header_timeout"), logger=self.log)
        server.handoff = self.worker_pool

    async def stop_extension(self):
        if self.worker_pool is not None:
            self.worker_pool.stop()
            self.worker_pool = None
        context = getattr(self, "context", None)
        if context is not None:
            await context.close()
        store = getattr(self, "store", None)
        if store is not None:
            store.close()
            if self._exported_db_url is None:
                os.environ.pop("TOOLKIT_DB_URL", None)
            else:
                os.environ["TOOLKIT_DB_URL"] = self._exported_db_url


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


def server_urls(serverapp, join_url: str | None = None) -> dict:
    """The URLs ``toolkit serve`` prints: staff dashboards with the token, and the join page.

    The dashboards are opened on the facilitator's own machine; students need the address
    phones reach: ``join_url`` when given (``TOOLKIT_JOIN_URL``, behind a proxy), else for a
    server bound to every interface the LAN address.
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
        "Content editor": staff(f"voila/render/{CONTENT_NOTEBOOK}"),
        "Students join at": join_url or origin + url_path_join(base, config.JOIN_PATH),
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
    c.ServerApp.max_body_size = MAX_BODY
    c.ServerApp.max_buffer_size = MAX_BUFFER
    c.ServerApp.jpserver_extensions = {"voila.server_extension": True, "toolkit": True}
    notebooks = config.home() / "notebooks"
    c.ServerApp.root_dir = str(notebooks if notebooks.is_dir() else config.home())
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        c.ServerApp.allow_root = True  # containers and classroom kiosks often run as root
    # A dashboard's kernel (180-260 MB) stops when its tab closes or reloads: Voilà asks, and
    # the XSRF cookie it needs comes with the login (staff.TokenExchange). When that request
    # never arrives (a browser killed, a laptop lid shut), the kernel has no open connection
    # and is stopped after two idle minutes. A dashboard left open keeps its connection and
    # is never culled; a reloaded console picks its session up again from the address.
    c.MappingKernelManager.cull_idle_timeout = KERNEL_IDLE_SECONDS
    c.MappingKernelManager.cull_interval = 30
    c.MappingKernelManager.cull_connected = False
    c.MappingKernelManager.cull_busy = False
    # The console and the trends page each have a kernel kept warm, so they open ready
    # (kernels.py); another kernel is warmed a second after one is taken.
    c.ServerApp.kernel_manager_class = "toolkit.server.kernels.StaffKernelManager"
    c.VoilaConfiguration.show_tracebacks = False
    # FigureWidget is an anywidget now; plotly's lab extension only adds megabytes to each page.
    # JupyterLab's Voilà preview button and its code-colouring theme do nothing on a dashboard:
    # each is one more script for the page to fetch before it is ready.
    c.VoilaConfiguration.extension_denylist = ["jupyterlab-plotly", "@voila-dashboards/jupyterlab-preview",
                                               "jupyterlab_pygments"]
    # Voila's voila/files/ route is a plain tornado file handler that Jupyter's login does not
    # guard: by default it hands any picture under the notebook folder to anyone who asks.
    # The dashboards use no files of their own, so it hands out none.
    c.VoilaConfiguration.file_allowlist = []
    c.ToolkitApp.announce = True
    c.ToolkitApp.verify_store = True
    if db_url:
        c.ToolkitApp.db_url = db_url
    return c


def launch(*, host: str, port: int, db_url: str | None, open_browser: bool, argv: list[str],
           verified_url: str | None = None) -> None:
    """Start Jupyter Server with Voilà and the toolkit; returns when the server stops.

    ``db_url`` (``--db``) goes in as a command-line option, so it outranks every config file;
    ``verified_url`` is a store already read through (``check_store``), not read again."""
    limit = connections.raise_open_file_limit()
    ToolkitApp.verified_url = verified_url
    serverapp = ServerApp.instance(config=serve_config(host=host, port=port, db_url=db_url,
                                                      open_browser=open_browser))
    if db_url:
        argv = [*argv, f"--ToolkitApp.db_url={db_url}"]
    serverapp.initialize(argv=argv, find_extensions=False, starter_extension="toolkit")
    [app] = serverapp.extension_manager.extension_apps["toolkit"]
    connections.guard_http_server(serverapp, header_timeout=app.setting("header_timeout"),
                                  max_connections=connections.connection_cap(limit))
    serverapp.start()
