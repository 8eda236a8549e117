"""Staff surfaces belong to the laptop: a phone on the network, even one that read the token
off the projector, reaches only the student page and API.

The phone is a real second host: a network namespace joined to this machine by a veth pair
(10.201.1.0/30), with ``toolkit serve --host 0.0.0.0`` listening on every interface as the
README starts it. The same requests from the laptop itself, with the token, get in: the
refusals are the network's doing, not a broken server.
"""

from __future__ import annotations

import json

import httpx
import pytest

from support.server import start_server
from toolkit.store import Store

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.timeout(240)]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Every kind of staff surface: the dashboards, JupyterLab and the classic pages, files,
# Jupyter's REST API (kernels, contents, sessions, terminals, settings), the login page.
STAFF = ["", "voila/render/facilitator.ipynb", "voila/render/trends.ipynb", "voila/render/content.ipynb",
         "voila/tree", "voila/files/x.png", "voila/static/voila.js", "lab", "lab/tree/facilitator.ipynb", "tree", "doc", "edit/facilitator.ipynb",
         "notebooks/facilitator.ipynb", "files/facilitator.ipynb", "view/facilitator.ipynb",
         "nbconvert/html/facilitator.ipynb", "api", "api/kernels", "api/contents",
         "api/contents/facilitator.ipynb", "api/sessions", "api/terminals", "api/kernelspecs", "api/status",
         "api/me", "api/config/notebook", "api/events", "api/spec.yaml", "lab/api/settings",
         "lab/api/workspaces", "metrics", "login", "logout", "static/favicon.ico", "api/shutdown"]
WEBSOCKETS = ["api/kernels/{kernel}/channels", "api/events/subscribe", "terminals/websocket/1"]
UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}

# Run inside the namespace: every request a phone could make with the token it read.
PHONE = """
import json, httpx
base, token, kernel, code = {base!r}, {token!r}, {kernel!r}, {code!r}
staff, sockets, methods, upgrade = {staff!r}, {sockets!r}, {methods!r}, {upgrade!r}
out = {{"staff": [], "student": {{}}}}
with httpx.Client(base_url=base, timeout=20, follow_redirects=False) as c:
    page = c.get("toolkit/join", params={{"code": code}})
    out["student"]["join page"] = [page.status_code, "Childline" in page.text]
    xsrf = c.cookies.get("_xsrf", "")
    out["student"]["state"] = c.get(f"toolkit/api/sessions/{{code}}").status_code
    out["student"]["join"] = c.post(f"toolkit/api/sessions/{{code}}/join", json={{}},
                                    headers={{"X-XSRFToken": xsrf}}).status_code
    out["student"]["qr"] = c.get("toolkit/qr.svg", params={{"code": code}}).status_code
    with c.stream("GET", f"toolkit/api/sessions/{{code}}/events") as events:
        out["student"]["events"] = [events.status_code, next(events.iter_lines())]
    for path in staff:
        for method in methods:
            for how in ("query", "header", "none"):
                params = {{"token": token}} if how == "query" else None
                headers = {{"Authorization": f"token {{token}}"}} if how == "header" else {{}}
                headers["X-XSRFToken"] = xsrf
                r = c.request(method, path, params=params, headers=headers,
                              content=b"{{}}" if method in ("POST", "PUT", "PATCH") else None)
                out["staff"].append([method, path, how, r.status_code, r.headers.get("location", ""),
                                     r.text[:300]])
    for path in sockets:
        path = path.format(kernel=kernel)
        r = c.get(path, params={{"token": token}}, headers=upgrade)
        out["staff"].append(["WEBSOCKET", path, "query", r.status_code, r.headers.get("location", ""), r.text[:300]])
# A 200 MB upload to the login page: answered at once, the body never read.
import socket, time
host, port = base.split("//")[1].strip("/").split(":")
sock = socket.create_connection((host, int(port)), timeout=20)
started = time.monotonic()
sock.sendall(b"POST /login HTTP/1.1\\r\\nHost: " + host.encode() + b"\\r\\nContent-Type: application/x-www-form-urlencoded"
             b"\\r\\nContent-Length: 209715200\\r\\n\\r\\n" + b"x" * 65536)
answer = sock.recv(4096).decode(errors="replace")
out["upload"] = [answer.split("\\r\\n", 1)[0], "connection: close" in answer.lower(), time.monotonic() - started]
sock.close()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def laptop(tmp_path_factory, second_host):
    """``toolkit serve --host 0.0.0.0 --db …``: the README's way, listening on every interface."""
    served = start_server(tmp_path_factory.mktemp("laptop"), host="0.0.0.0")
    yield served
    served.stop()


def test_a_phone_on_the_network_reaches_the_student_side_and_nothing_else(laptop, second_host, programme):
    store = Store(laptop.db_url)
    session = store.start_session(programme)
    with httpx.Client(base_url=laptop.base_url, timeout=20) as staff:
        kernel = staff.post("api/kernels", params={"token": laptop.token}, json={}).json()["id"]
    port = httpx.URL(laptop.base_url).port
    base = f"http://{second_host.host_address}:{port}/"
    seen = second_host.python(PHONE.format(base=base, token=laptop.token, kernel=kernel, code=session.code,
                                           staff=STAFF, sockets=WEBSOCKETS, methods=METHODS, upgrade=UPGRADE))

    # The student side answers the phone.
    assert seen["student"]["join page"] == [200, True]
    assert seen["student"]["state"] == 200 and seen["student"]["join"] == 201 and seen["student"]["qr"] == 200
    assert seen["student"]["events"] == [200, "retry: 3000"]

    # Every staff route refuses it, with the token in the address or in a header, websockets too.
    let_in = []
    for method, path, how, status, location, text in seen["staff"]:
        if path == "" and method == "GET":
            # The bare address a phone types: sent to the join page, nothing else.
            assert status == 302 and location.endswith("/toolkit/join"), (status, location)
            continue
        if status != 403:
            let_in.append(f"{method} /{path} (token in {how}): {status}")
            continue
        error = json.loads(text)["error"]
        assert error["kind"] == "forbidden" and "own computer" in error["message"], text
    assert not let_in, "\n".join(let_in)
    assert len(seen["staff"]) == len(STAFF) * len(METHODS) * 3 + len(WEBSOCKETS)
    status_line, closes, seconds = seen["upload"]
    assert status_line == "HTTP/1.1 403 Forbidden" and closes and seconds < 5, seen["upload"]

    # The kernel the laptop started is still there and untouched; the laptop, with the same
    # token, is let in to what the phone was refused, over loopback and over its own Wi-Fi address.
    for base_url in (laptop.base_url, base):
        with httpx.Client(base_url=base_url, timeout=20) as staff:
            assert staff.get("api/kernels", params={"token": laptop.token}).status_code == 200
            assert staff.get("api/contents", headers={"Authorization": f"token {laptop.token}"}).status_code == 200
            assert staff.get("api/kernels/" + kernel, params={"token": laptop.token}).json()["id"] == kernel
    with httpx.Client(base_url=laptop.base_url, timeout=20) as staff:
        staff.delete(f"api/kernels/{kernel}", params={"token": laptop.token})
    session.end()
    store.close()
    assert laptop.process.poll() is None, "the server still runs (api/shutdown was refused)"


# Run inside the namespace: a phone's Chromium opens the dashboard's address with the token.
BROWSER = """
import json
from playwright.sync_api import sync_playwright
out = {{}}
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path={chromium!r}, args={args!r}, headless=True)
    page = browser.new_page(viewport={{"width": 360, "height": 740}}, is_mobile=True)
    response = page.goto({url!r})
    out["status"] = response.status
    out["heading"] = page.locator("h1").inner_text()
    out["token shown"] = {token!r} in page.content()
    page.screenshot(path={shot!r})
    page.get_by_role("link", name="Join the workshop").click()
    page.wait_for_selector("#code")
    out["then"] = page.url
    browser.close()
print(json.dumps(out))
"""


@pytest.mark.browser
def test_a_phones_browser_opening_the_dashboard_address_is_sent_to_the_join_page(laptop, second_host, artifacts):
    from support.browser import ARGS, CHROMIUM
    port = httpx.URL(laptop.base_url).port
    base = f"http://{second_host.host_address}:{port}/"
    shot = artifacts / "phone-on-network-staff-page.png"
    seen = second_host.python(BROWSER.format(chromium=CHROMIUM, args=ARGS, token=laptop.token, shot=str(shot),
                                             url=f"{base}voila/render/facilitator.ipynb?token={laptop.token}"))
    assert seen["status"] == 403 and seen["heading"] == "Only on the facilitator's computer"
    assert not seen["token shown"]
    assert seen["then"] == f"{base}toolkit/join"
