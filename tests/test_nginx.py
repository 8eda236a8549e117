"""Several ``toolkit serve`` instances behind a real nginx, with docs/deploy.md's configuration.

The nginx configuration is read from docs/deploy.md and run as it is written; only what a
test machine must change is changed: the port it listens on instead of 443 with TLS, and
the instances' ports. Two instances share one PostgreSQL and are started as the page says
(``--db``, ``TOOLKIT_JOIN_URL``, ``TOOLKIT_REMOTE_STAFF=1`` with a password and no token,
``trust_xheaders``, one cookie secret).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from support.server import ROOT, free_port, phone_http, start_server
from toolkit.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.browser, pytest.mark.timeout(300)]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "the staff password of the test"
DOCS = (ROOT / "docs" / "deploy.md").read_text()


def documented(block: str) -> str:
    """The fenced block of that language on docs/deploy.md after the nginx heading."""
    section = DOCS[DOCS.index("## Several instances behind nginx"):]
    return re.search(rf"```{block}\n(.*?)```", section, re.S).group(1)


def nginx_conf(work: Path, listen: int, ports: list[int]) -> str:
    server = documented("nginx")
    assert "listen 443 ssl;" in server and "server 127.0.0.1:8871;" in server
    server = server.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen};")
    server = server.replace("127.0.0.1:8871", f"127.0.0.1:{ports[0]}").replace("127.0.0.1:8872",
                                                                               f"127.0.0.1:{ports[1]}")
    temp = "\n".join(f"    {name}_temp_path {work / name};" for name in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
    return f"""
pid {work / 'nginx.pid'};
error_log {work / 'error.log'} warn;
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$remote_addr "$request" $status $upstream_addr';
    access_log {work / 'access.log'} upstream;
{temp}
{server}
}}
"""


def documented_options() -> list[str]:
    """The Jupyter options of the page's ``toolkit serve`` command, as written."""
    command = documented("sh")
    return re.findall(r"(--(?:ServerApp|IdentityProvider|ToolkitApp)\.\S+)", command)


@pytest.fixture(scope="module")
def pg_store(pg_server_url):
    import psycopg
    schema = "nginx_" + uuid.uuid4().hex[:10]
    plain = pg_server_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{pg_server_url}?options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module")
def site(tmp_path_factory, pg_store):
    """nginx on a free port in front of two instances: yields (nginx's URL, the instances)."""
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("nginx tests must run in CI: nginx is missing (.ci/run installs Debian's package)")
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    from jupyter_server.auth.security import passwd
    work = tmp_path_factory.mktemp("nginx")
    listen = free_port()
    url = f"http://127.0.0.1:{listen}"
    secret = work / "cookie_secret"
    secret.write_bytes(os.urandom(32))
    secret.chmod(0o600)
    hashed = passwd(PASSWORD)
    options = documented_options()
    assert "--IdentityProvider.token=" in options and f"--ServerApp.cookie_secret_file=/etc/toolkit/cookie_secret" \
        in options

    def instance(name: str):
        folder = work / name
        (folder / "jupyter-config").mkdir(parents=True)
        # What `jupyter server password` writes.
        (folder / "jupyter-config" / "jupyter_server_config.json").write_text(
            json.dumps({"IdentityProvider": {"hashed_password": hashed}}))
        return start_server(folder, db_url=pg_store,
                            env={"TOOLKIT_JOIN_URL": f"{url}/toolkit/join", "TOOLKIT_REMOTE_STAFF": "1"},
                            db_option=True,
                            args=[o.replace("/etc/toolkit/cookie_secret", str(secret)) for o in options])

    with ThreadPoolExecutor(2) as pool:
        instances = list(pool.map(instance, ["a", "b"]))
    conf = work / "nginx.conf"
    conf.write_text(nginx_conf(work, listen, [httpx.URL(i.base_url).port for i in instances]))
    subprocess.run([NGINX, "-t", "-p", str(work), "-c", str(conf)], check=True, capture_output=True, timeout=30)
    nginx = subprocess.Popen([NGINX, "-p", str(work), "-c", str(conf), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=open(work / "nginx.out", "wb"))
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/toolkit/join", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (work / "nginx.out").read_text()
            time.sleep(0.2)
        yield url, instances, work
    finally:
        nginx.terminate()
        nginx.wait(20)
        for served in instances:
            served.stop()


def test_phones_join_answer_and_follow_live_through_nginx(site, pg_store):
    url, instances, work = site
    assert all(i.lines["Students join at"] == f"{url}/toolkit/join" for i in instances)
    store = Store(pg_store)
    session = store.start_session("short-25")
    card = next(a for a in session.activities if a.kind == "card")
    # Phones name the site's public host, as they do behind the proxy, each from an address of
    # its own: nginx names it in X-Forwarded-For, and the per-address limits count it.
    phones = [phone_http(url, timeout=20, headers={"Host": "workshop.example.org"}) for _ in range(6)]
    try:
        for phone in phones:
            assert phone.get("/toolkit/join", params={"code": session.code}).status_code == 200
            joined = phone.post(f"/toolkit/api/sessions/{session.code}/join", json={},
                                headers={"X-XSRFToken": phone.cookies["_xsrf"]})
            assert joined.status_code == 201, joined.text
        # The event stream through nginx carries a change the moment it happens.
        with phones[0].stream("GET", f"/toolkit/api/sessions/{session.code}/events") as events:
            lines = events.iter_lines()
            assert '"status":"lobby"' in next(line for line in lines if line.startswith("data: "))
            started = time.monotonic()
            session.go_to(card.index)
            session.open_voting()
            while True:
                line = next(lines)
                if line.startswith("data: ") and '"voting_open":true' in line:
                    break
            assert time.monotonic() - started < 5, "nginx held the event back"
        for i, phone in enumerate(phones):
            answer = phone.post(f"/toolkit/api/sessions/{session.code}/responses",
                                headers={"X-XSRFToken": phone.cookies["_xsrf"]},
                                json={"activity": card.id, "value": ["healthy", "warning"][i % 2]})
            assert answer.status_code == 201, answer.text
        assert len(store.responses(session.code)) == len(phones)
        # Students were spread over both instances.
        upstreams = {line.rsplit(" ", 1)[1] for line in (work / "access.log").read_text().splitlines()
                     if "/toolkit/api/" in line}
        assert len(upstreams) == 2, upstreams
        # A script through nginx that drops its cookie before every join: nginx's forwarded
        # address is the one counted, four new devices per instance, not one per request.
        with phone_http(url, timeout=20, headers={"Host": "workshop.example.org"}) as script:
            statuses = []
            for _ in range(20):
                script.cookies.clear()
                script.cookies.set("_xsrf", "through0nginx")
                statuses.append(script.post(f"/toolkit/api/sessions/{session.code}/join", json={},
                                            headers={"X-XSRFToken": "through0nginx"}).status_code)
            assert set(statuses) == {201, 429} and statuses.count(201) <= 8, statuses
    finally:
        for phone in phones:
            phone.close()
        session.end()
        store.close()


def test_staff_need_the_password_through_nginx(site):
    url, _, _ = site
    with httpx.Client(base_url=url, timeout=20, follow_redirects=False) as stranger:
        assert stranger.get("/api/kernels").status_code == 403
        page = stranger.get("/voila/render/facilitator.ipynb")
        assert page.status_code == 302 and "/login" in page.headers["Location"]
        stranger.get("/login")
        wrong = stranger.post("/login", data={"_xsrf": stranger.cookies["_xsrf"], "password": "a guess"})
        assert wrong.status_code == 401
        assert stranger.get("/api/kernels").status_code == 403
    with httpx.Client(base_url=url, timeout=20, follow_redirects=False) as staff:
        staff.get("/login")
        right = staff.post("/login", data={"_xsrf": staff.cookies["_xsrf"], "password": PASSWORD})
        assert right.status_code == 302
        assert staff.get("/api/kernels").status_code == 200


def test_the_facilitator_runs_the_console_through_nginx_in_chromium(site, pg_store, browser, artifacts):
    url, _, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{url}/voila/render/facilitator.ipynb")
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("input[type=password]").press("Enter")
    start = page.get_by_role("button", name="Start session")
    start.wait_for(timeout=120_000)
    plans = page.get_by_label("Plan")
    plans.select_option(label=next(t for t in plans.locator("option").all_inner_texts() if "25-minute" in t))
    start.click()
    code_box = page.locator(".tk-code")
    expect(code_box).to_be_visible(timeout=20_000)
    code = code_box.inner_text().replace("-", "").strip()
    expect(page.locator(".tk-url")).to_contain_text(url.split("://", 1)[1] + "/toolkit/join")

    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
    phone.goto(f"{url}/toolkit/join?code={code}")
    phone.get_by_role("button", name="Join").click()
    expect(phone.locator("main")).to_have_attribute("data-screen", "lobby")
    expect(page.locator(".tk-lobby [data-joined]")).to_have_attribute("data-joined", "1", timeout=20_000)
    page.screenshot(path=str(artifacts / "nginx-console-lobby.png"))
    store = Store(pg_store)
    assert store.find_session(code).status == "lobby"
    store.find_session(code).end()
    store.close()
    context.close()
