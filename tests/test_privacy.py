"""Nothing identifying a student is kept: a whole session through a real ``toolkit serve``,
then the database dumped and the server's log read, looking for the address the phones
came from (their own and the one a proxy would forward), their browser's user agent, the
page they came from, and their device cookie.

The phones do what phones do: open the page, join, follow the live state, answer, change
an answer, ask a question, mistype the code, and stray onto the server's other addresses
(the bare host name, a home-screen icon) where Jupyter's own handlers answer them.
"""

from __future__ import annotations

import json
import re
import sqlite3

import httpx
import pytest

from support.content import fixture_dirs
from support.server import Phone, phone_address, phone_http, start_server, toolkit_server_config
from toolkit.content import Library, resolve_plan
from toolkit.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

FORWARDED = "203.0.113.77"  # TEST-NET-3: an address no machine here has
AGENT = "PrivacyProbe/7.7 (SecretPhone; Android 99)"
REFERER = "http://chat.example.org/group/year9?from=leak"


def phone_client(served, address: str) -> httpx.Client:
    """A phone on the Wi-Fi (an address of its own) whose requests also carry the headers a
    proxy would add, naming an address it does not have."""
    headers = {"User-Agent": AGENT, "X-Forwarded-For": FORWARDED, "X-Real-IP": FORWARDED,
               "Forwarded": f"for={FORWARDED}", "Referer": REFERER}
    return phone_http(served.base_url, address=address, headers=headers, timeout=20, follow_redirects=False)


def first_event(client: httpx.Client, code: str) -> dict:
    with client.stream("GET", f"toolkit/api/sessions/{code}/events") as stream:
        assert stream.status_code == 200
        for line in stream.iter_lines():
            if line.startswith("data: "):
                return json.loads(line[6:])
    raise AssertionError("the stream closed before its first event")


def a_class_session(served, store, session, phones: int = 4) -> dict:
    """Run ``session`` with ``phones`` phones over HTTP; what they were given (cookies) comes back."""
    secrets = {"device": set(), "xsrf": set(), "address": [phone_address() for _ in range(phones)]}
    clients = [phone_client(served, address) for address in secrets["address"]]
    for client in clients:
        assert client.get("toolkit/join", params={"code": session.code}).status_code == 200
        xsrf = client.cookies["_xsrf"]
        headers = {"X-XSRFToken": xsrf}
        assert client.post(f"toolkit/api/sessions/{session.code}/join", headers=headers).status_code == 201
        secrets["device"].add(client.cookies["toolkit_device"])
        secrets["xsrf"].add(xsrf)
        assert first_event(client, session.code)["status"] == "lobby"
    card = next(a for a in session.activities if a.kind == "card")
    session.go_to(card.index)
    session.open_voting()
    for i, client in enumerate(clients):
        headers = {"X-XSRFToken": client.cookies["_xsrf"]}
        url = f"toolkit/api/sessions/{session.code}/responses"
        assert client.post(url, json={"activity": card.id, "value": "warning"}, headers=headers).status_code == 201
        assert client.post(url, json={"activity": card.id, "value": "healthy"}, headers=headers).status_code == 200
        assert client.get(f"toolkit/api/sessions/{session.code}").json()["mine"]
        asked = client.post(f"toolkit/api/sessions/{session.code}/questions", headers=headers,
                            json={"text": f"Question {i}: what if a friend is asked to keep a secret?"})
        assert asked.status_code == 201
        # The page without JavaScript: a form post and its redirect.
        form = client.post("toolkit/join", data={"_xsrf": client.cookies["_xsrf"], "action": "answer",
                                                 "code": session.code, "activity": card.id, "value": "warning"})
        assert form.status_code == 303
        # Mistakes and strays, each answered by a different handler, most with an error.
        assert client.get("toolkit/api/sessions/ZZZZZZZ").status_code == 404
        assert client.post(url, json={"activity": card.id, "value": "x"}).status_code == 403
        assert client.post(url, content=b"x" * 40_000, headers={**headers, "Content-Type": "application/json"}
                           ).status_code == 413
        assert client.delete(f"toolkit/api/sessions/{session.code}").status_code in (403, 405)
        assert client.get("toolkit/static/nothing.js").status_code == 404
        assert client.get("toolkit/nothing").status_code in (302, 403, 404)
        bare = client.get("")  # the bare address someone typed
        if bare.status_code == 307:  # this connection went to a student worker: asked again on a new one
            assert bare.headers["connection"] == "close"
            bare = client.get("")
        assert bare.status_code in (302, 303)
        assert client.get("login").status_code == 403  # forwarded: from elsewhere, so no staff page
        assert client.get("apple-touch-icon.png").status_code in (302, 403, 404)
        assert client.get("api/kernels").status_code == 403
        assert client.post("api/kernels", json={}).status_code == 403
        assert client.post("login", data={"_xsrf": client.cookies["_xsrf"], "password": "guess"}).status_code \
            in (200, 401, 403)
    session.reveal()
    session.end()
    for client in clients:
        client.close()
    return secrets


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One session, run once for both tests: the server logs at DEBUG, so every request is logged."""
    served = start_server(tmp_path_factory.mktemp("privacy"), args=["--ServerApp.log_level=DEBUG"])
    store = Store(served.db_url)
    session = store.start_session(resolve_plan("mini-plan", Library(fixture_dirs())))
    try:
        secrets = a_class_session(served, store, session)
    finally:
        store.close()
        served.stop()
    return served, session, secrets


def forbidden_strings(secrets: dict) -> list[str]:
    return [FORWARDED, AGENT, "PrivacyProbe", "SecretPhone", "chat.example.org", REFERER,
            *secrets["device"], *secrets["xsrf"], *secrets["address"]]


def test_the_database_keeps_no_address_browser_or_device_token(run):
    served, session, secrets = run
    path = served.db_url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    try:
        dump = "\n".join(conn.iterdump())
        answers = conn.execute("SELECT count(*) FROM responses").fetchone()[0]
        devices = conn.execute("SELECT count(*) FROM devices").fetchone()[0]
        questions = conn.execute("SELECT count(*) FROM questions").fetchone()[0]
    finally:
        conn.close()
    assert answers == 4 and questions == 4, "the session's answers and questions are there"
    assert devices == 0, "ending the session destroyed the link from devices to answers"
    for secret in forbidden_strings(secrets) + ["127.0.0.1"]:
        assert secret not in dump, secret
    assert not re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", dump), "no IPv4 address of any kind"


def test_the_server_log_keeps_no_address_browser_or_device_token(run):
    served, session, secrets = run
    log = served.log()
    # The server's own start-up lines name the address it listens on; after them, nothing may.
    _, ready, after = log.partition("Students join at:")
    assert ready, log[-2000:]
    after = after.split("\n", 1)[1]
    assert "toolkit/api/sessions" in after, "requests were logged (at DEBUG), so the check means something"
    for secret in forbidden_strings(secrets):
        assert secret not in log, secret
    # Every phone here comes from 127.0.0.1; the kernels' own channels (tcp://127.0.0.1:port,
    # logged at DEBUG as the warm kernels start) are the laptop talking to itself.
    assert [line for line in after.splitlines() if "127.0.0.1" in line.replace("tcp://127.0.0.1:", "")] == []
    assert "Traceback" not in log


class TestAnotherExtensionsLogger:
    """JupyterHub's single-user server sets a request logger of its own as it loads, one that
    logs each client's (forwarded) address; the toolkit wraps whatever logger it finds when
    the server starts, so students stay out of it."""

    @pytest.fixture
    def jp_server_config(self, sqlite_url):
        return toolkit_server_config(sqlite_url)

    async def test_a_logger_set_after_the_toolkit_never_sees_a_student(self, jp_serverapp, jp_fetch):
        seen = []

        def hub_logger(handler):
            seen.append((handler.request.path, handler.request.remote_ip))

        jp_serverapp.web_app.settings["log_function"] = hub_logger
        toolkit_app = next(iter(jp_serverapp.extension_manager.extension_apps["toolkit"]))
        await toolkit_app._start_jupyter_server_extension(jp_serverapp)

        phone = Phone(jp_fetch)
        await phone.get("toolkit/join")
        await phone.get("toolkit/api/sessions/ZZZZZZZ")
        await phone.get("")  # the bare address: Jupyter's handler, no login
        assert seen == [], "no request without a login reached the other logger"
        assert (await jp_fetch("api", "status")).code == 200  # staff, with the token
        assert [path for path, _ in seen] == [jp_serverapp.base_url + "api/status"]
