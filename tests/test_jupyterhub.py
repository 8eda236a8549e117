"""The toolkit inside a real JupyterHub, set up as docs/deploy.md says.

JupyterHub from PyPI with configurable-http-proxy from npm (``.ci/run`` installs it), each
facilitator's single-user server loading the toolkit because the deployment opted in. The
student page and API are public at ``/user/<facilitator>/toolkit/``; every staff surface
asks for the hub's login, and answers only the facilitator who owns the server.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit
import os
import secrets
import shutil
import subprocess
import sys
import time

import httpx
import pytest
from playwright.sync_api import expect

from support.server import ROOT, free_port
from toolkit.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]

PASSWORD = "a long hub password for the test"
HUB_CONFIG = """
import sys
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.auth_token = "{proxy_token}"
c.JupyterHub.db_url = "sqlite:///{work}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{work}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{work}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = "{password}"
c.Authenticator.allow_all = True
# Single-user servers as processes of this machine's user (a test hub: no system accounts).
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{work}/home/{{username}}"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--allow-root"] if hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0 else []
c.Spawner.notebook_dir = "{notebooks}"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# docs/deploy.md, "Inside an existing JupyterHub":
c.Spawner.environment = {{
    "TOOLKIT_HOME": "{home}",
    "TOOLKIT_DB_URL": "{db_url}",
    "TOOLKIT_REMOTE_STAFF": "1",
    "TOOLKIT_JOIN_URL": lambda spawner: f"http://127.0.0.1:{port}/user/{{spawner.user.name}}/toolkit/join",
    "JUPYTER_CONFIG_PATH": "{singleuser_config}",
}}
"""


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except httpx.TransportError:
            found = None
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A running hub; yields (its URL, the store's URL, the hub's log)."""
    missing = [name for name in ("configurable-http-proxy",) if not shutil.which(name)]
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        missing.append("jupyterhub (pip install -e '.[test]')")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"JupyterHub tests must run in CI: missing {', '.join(missing)} (.ci/run installs them)")
        pytest.skip(f"missing {', '.join(missing)} (npm install -g configurable-http-proxy)")
    work = tmp_path_factory.mktemp("hub")
    port = free_port()
    db_url = f"sqlite:///{work / 'toolkit.db'}"
    # The single-user servers' Jupyter configuration: the deployment opts in to the toolkit.
    singleuser = work / "singleuser-config"
    (singleuser / "jupyter_server_config.d").mkdir(parents=True)
    (singleuser / "jupyter_server_config.d" / "toolkit.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"toolkit": True, "voila.server_extension": True}}}))
    (singleuser / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"allow_unauthenticated_access": False}, "VoilaConfiguration": {"file_allowlist": []}}))
    (work / "jupyterhub_config.py").write_text(HUB_CONFIG.format(
        port=port, hub_port=free_port(), proxy_api_port=free_port(), proxy_token=secrets.token_hex(16),
        work=work, password=PASSWORD, notebooks=ROOT / "notebooks", home=ROOT, db_url=db_url,
        singleuser_config=singleuser))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOOLKIT_", "JUPYTER"))}
    log = work / "hub.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(work / "jupyterhub_config.py")],
                                   cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is None and httpx.get(f"{url}/hub/api", timeout=3).status_code == 200,
                 60, f"the hub to start:\n{log.read_text()[-3000:]}" if log.exists() else "the hub")
        yield url, db_url, log
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def hub_login(url: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30, follow_redirects=True)
    client.get("/hub/login")
    response = client.post("/hub/login", data={"username": name, "password": PASSWORD,
                                               "_xsrf": client.cookies.get("_xsrf", "")})
    assert response.status_code == 200 and "/hub/" in str(response.url), response.text[:500]
    return client


@pytest.fixture(scope="module")
def facilitator_server(hub):
    """The facilitator logged in to the hub, with their single-user server running."""
    url, db_url, log = hub
    staff = hub_login(url, "facilitator")
    staff.get("/hub/spawn")

    def running() -> bool:
        # Until it is up, the hub answers with its "pending" page instead.
        response = staff.get("/user/facilitator/voila/tree")
        return response.status_code == 200 and response.url.path == "/user/facilitator/voila/tree"

    wait_for(running, 120, "the facilitator's server")
    yield staff
    staff.close()


def test_students_reach_the_join_page_and_api_without_any_hub_account(hub, facilitator_server):
    url, db_url, _ = hub
    store = Store(db_url)
    session = store.start_session("short-25")
    with httpx.Client(base_url=f"{url}/user/facilitator/", timeout=20, follow_redirects=False) as phone:
        page = phone.get("toolkit/join", params={"code": session.code})
        assert page.status_code == 200 and "Childline" in page.text
        xsrf = phone.cookies["_xsrf"]
        joined = phone.post(f"toolkit/api/sessions/{session.code}/join", json={}, headers={"X-XSRFToken": xsrf})
        assert joined.status_code == 201, joined.text
        card = next(a for a in session.activities if a.kind == "card")
        session.go_to(card.index)
        session.open_voting()
        answered = phone.post(f"toolkit/api/sessions/{session.code}/responses", headers={"X-XSRFToken": xsrf},
                              json={"activity": card.id, "value": "warning"})
        assert answered.status_code == 201, answered.text
        with phone.stream("GET", f"toolkit/api/sessions/{session.code}/events") as events:
            assert events.status_code == 200
            assert next(line for line in events.iter_lines() if line.startswith("data: "))
        # The QR code carries the facilitator's own public join address.
        qr = phone.get("toolkit/qr.svg", params={"code": session.code})
        assert qr.status_code == 200
        from toolkit.server.qr import join_qr_svg
        assert qr.text == join_qr_svg(f"{url}/user/facilitator/toolkit/join?code={session.code}")
    assert list(store.responses(session.code)["value"]) == ["warning"]
    session.end()
    store.close()


STAFF = ["voila/render/facilitator.ipynb", "voila/tree", "lab", "tree", "api/kernels", "api/contents",
         "api/sessions", "api/terminals", "files/facilitator.ipynb", "api/contents/facilitator.ipynb"]


def test_staff_surfaces_ask_for_the_hub_login_and_answer_only_their_owner(hub, facilitator_server):
    url, _, _ = hub
    # No hub login: a phone, or anyone on the network.
    with httpx.Client(base_url=f"{url}/user/facilitator/", timeout=20, follow_redirects=False) as stranger:
        for path in STAFF:
            response = stranger.get(path)
            assert response.status_code in (302, 403), (path, response.status_code)
            if response.status_code == 302:
                assert "/hub/" in response.headers["Location"], (path, response.headers["Location"])
        assert stranger.post("api/kernels", json={}).status_code == 403
    # Another hub user, logged in: not the owner of this server.
    pupil = hub_login(url, "pupil")
    try:
        for path in ("api/kernels", "api/contents", "voila/render/facilitator.ipynb"):
            response = pupil.get(f"/user/facilitator/{path}")
            assert response.status_code in (403, 404) or "/user/pupil/" in str(response.url), \
                (path, response.status_code, str(response.url))
            assert "toolkit.dashboards" not in response.text
    finally:
        pupil.close()
    # The owner gets in.
    assert facilitator_server.get("/user/facilitator/api/kernels").status_code == 200


def test_the_facilitator_runs_a_session_from_the_console_in_chromium(hub, facilitator_server, browser, artifacts):
    url, db_url, _ = hub
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    # The toolkit's offline page in a single-user server too: nothing asked of another host.
    hub_host, elsewhere = urlsplit(url).netloc, []

    def only_the_hub(route):
        if urlsplit(route.request.url).netloc == hub_host or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()
    context.route("**/*", only_the_hub)
    page = context.new_page()
    page.goto(f"{url}/hub/login")
    page.locator("#username_input").fill("facilitator")
    page.locator("#password_input").fill(PASSWORD)
    page.locator("#login_submit").click()
    page.wait_for_url("**/user/facilitator/**", timeout=60_000)
    page.goto(f"{url}/user/facilitator/voila/render/facilitator.ipynb")
    start = page.get_by_role("button", name="Start session")
    start.wait_for(timeout=120_000)
    plans = page.get_by_label("Plan")
    plans.select_option(label=next(t for t in plans.locator("option").all_inner_texts() if "25-minute" in t))
    start.click()
    code_box = page.locator(".tk-code")
    expect(code_box).to_be_visible(timeout=20_000)
    code = code_box.inner_text().replace("-", "").strip()
    expect(page.locator(".tk-url")).to_contain_text("/user/facilitator/toolkit/join")

    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
    phone.goto(f"{url}/user/facilitator/toolkit/join?code={code}")
    phone.get_by_role("button", name="Join").click()
    expect(phone.locator("main")).to_have_attribute("data-screen", "lobby")
    expect(page.locator(".tk-lobby [data-joined]")).to_have_attribute("data-joined", "1", timeout=20_000)
    page.screenshot(path=str(artifacts / "jupyterhub-console-lobby.png"))
    assert elsewhere == [], f"the console asked other hosts: {elsewhere}"
    phone.screenshot(path=str(artifacts / "jupyterhub-phone-lobby.png"))
    store = Store(db_url)
    assert store.find_session(code).status == "lobby"
    store.close()
    context.close()
