"""``toolkit serve`` as a facilitator runs it: a real subprocess, its printed URLs, who may
open what, what its log keeps, and the extension's registration with Jupyter."""

import re
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import toolkit
from support.server import start_server
from toolkit.cli import main
from toolkit.server import app as server_app
from toolkit.store import Store

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(90)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, data=None, headers=None):
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.slow
def test_serve_prints_its_urls_and_guards_the_staff_pages(tmp_path, programme):
    served = start_server(tmp_path, args=["--ServerApp.log_level=DEBUG"])
    try:
        lines = served.lines
        assert lines["Facilitator dashboard"] == served.url("voila/render/facilitator.ipynb", auth=True)
        assert lines["Trends dashboard"] == served.url("voila/render/trends.ipynb", auth=True)
        assert lines["Content editor"] == served.url("voila/render/content.ipynb", auth=True)
        assert lines["Students join at"] == served.url("toolkit/join")
        for label in ("Facilitator dashboard", "Trends dashboard", "Content editor", "Students join at"):
            assert re.search(rf"^{label}: \S+$", served.log(), re.M)

        status, headers, _ = fetch(lines["Students join at"])
        assert status == 200 and "_xsrf=" in headers.get("Set-Cookie", "")
        for notebook in ("facilitator.ipynb", "content.ipynb"):
            status, headers, _ = fetch(served.url(f"voila/render/{notebook}"))
            assert status in (302, 403) and (status == 403 or "login" in headers["Location"])
        assert fetch(served.url("api/kernels"))[0] == 403
        assert fetch(served.url("api/kernels", auth=True))[0] == 200

        # Requests from students leave no address, browser or referrer in the log, even at DEBUG.
        store = Store(served.db_url)
        session = store.start_session(programme)
        phone = {"User-Agent": "SecretPhone/9.9", "Referer": "http://example.org/chat"}
        fetch(served.url(f"toolkit/join?code={session.code}"), headers=phone)
        fetch(served.url("toolkit/api/sessions/ZZZZZZZ"), headers=phone)
        fetch(served.url(f"toolkit/api/sessions/{session.code}/responses"), data=b"{}",
              headers={**phone, "Content-Type": "application/json"})
        store.close()
        toolkit_lines = [line for line in served.log().splitlines() if "toolkit/" in line and "GET" in line
                         or "toolkit/" in line and "POST" in line]
        assert any("404 GET /toolkit/api/sessions/ZZZZZZZ" in line for line in toolkit_lines), toolkit_lines
        assert any("403 POST" in line for line in toolkit_lines), toolkit_lines
        for line in toolkit_lines:
            assert "127.0.0.1" not in line and "SecretPhone" not in line and "example.org" not in line, line
    finally:
        served.stop()


def test_students_are_sent_to_the_lan_address_when_serving_every_interface(monkeypatch):
    monkeypatch.setattr(server_app, "lan_address", lambda: "192.168.4.20")
    fake = SimpleNamespace(ip="0.0.0.0", port=8866, certfile="", base_url="/",
                           identity_provider=SimpleNamespace(token="t0k&n"))
    urls = server_app.server_urls(fake)
    assert urls["Students join at"] == "http://192.168.4.20:8866/toolkit/join"
    assert urls["Facilitator dashboard"] == "http://127.0.0.1:8866/voila/render/facilitator.ipynb?token=t0k%26n"
    fake.ip, fake.base_url = "10.0.0.5", "/workshop/"
    urls = server_app.server_urls(fake)
    assert urls["Students join at"] == "http://10.0.0.5:8866/workshop/toolkit/join"
    assert urls["Trends dashboard"].startswith("http://10.0.0.5:8866/workshop/voila/render/trends.ipynb?token=")
    address = server_app.lan_address()
    assert re.fullmatch(r"[0-9.]+|[0-9a-f:]+", address)


def test_serve_defaults_keep_staff_pages_private_and_kernels_culled(monkeypatch):
    monkeypatch.setattr(server_app.os, "geteuid", lambda: 0)
    c = server_app.serve_config(host="0.0.0.0", port=8866, db_url="sqlite:///x.db", open_browser=False)
    assert c.ServerApp.allow_unauthenticated_access is False
    assert c.ServerApp.allow_root is True
    assert c.ServerApp.jpserver_extensions == {"voila.server_extension": True, "toolkit": True}
    assert Path(c.ServerApp.root_dir) == ROOT / "notebooks" or not (ROOT / "notebooks").is_dir()
    assert c.MappingKernelManager.cull_idle_timeout == 120 and c.MappingKernelManager.cull_interval == 30
    assert c.MappingKernelManager.cull_connected is False  # an open dashboard is never culled
    assert c.VoilaConfiguration.extension_denylist == ["jupyterlab-plotly", "@voila-dashboards/jupyterlab-preview",
                                                       "jupyterlab_pygments"]
    assert c.ServerApp.kernel_manager_class == "toolkit.server.kernels.StaffKernelManager"
    assert c.ToolkitApp.db_url == "sqlite:///x.db" and c.ToolkitApp.announce is True
    monkeypatch.setattr(server_app.os, "geteuid", lambda: 1000)
    assert "allow_root" not in server_app.serve_config(host="127.0.0.1", port=1, db_url=None,
                                                       open_browser=True).ServerApp


def test_serve_refuses_a_database_that_is_not_ours_with_one_clean_line(tmp_path):
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table invoices (id integer)")
    result = CliRunner().invoke(main, ["serve", "--db", f"sqlite:///{foreign}", "--no-browser"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and "not a toolkit database" in result.output
    assert "Traceback" not in result.output


def test_serve_help_names_its_options():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--db", "--no-browser"):
        assert option in result.output


def test_the_extension_is_registered_with_jupyter():
    [point] = toolkit._jupyter_server_extension_points()
    assert point["module"] == "toolkit.server" and point["app"].name == "toolkit"
    assert point["app"] is server_app.ToolkitApp
    # Registered, not enabled: the package ships no Jupyter configuration (tests/test_install.py).
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "data-files" not in pyproject and not (ROOT / "jupyter-config").exists()
    from jupyter_server.extension.manager import ExtensionPackage
    package = ExtensionPackage(name="toolkit", enabled=True)
    assert package.validate() and set(package.extension_points) == {"toolkit"}


def test_the_dashboards_kernels_are_told_where_students_join():
    environ = {}
    server_app.export_join_url("http://192.168.4.20:8866/toolkit/join", environ)
    assert environ == {"TOOLKIT_JOIN_URL": "http://192.168.4.20:8866/toolkit/join"}
    server_app.export_join_url("http://10.0.0.9:1/toolkit/join", environ)
    assert environ["TOOLKIT_JOIN_URL"] == "http://192.168.4.20:8866/toolkit/join"  # the user's value stands
    from toolkit.dashboards.console.joining import join_page
    assert join_page(environ).url("ABCDEFG") == "http://192.168.4.20:8866/toolkit/join?code=ABCDEFG"
