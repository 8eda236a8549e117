"""Who may do what: staff pages and APIs need the token; students can answer and ask, and
nothing else; what a student may not see yet never reaches a phone; an ended session takes
nothing more; join codes cannot be found by trying.

Staff routes are checked twice: every route the server has (read from its own route
table, so a route added later by any extension is checked too) on an in-process server
set up by ``toolkit serve``'s own configuration, and a list of the staff addresses a
curious student might type, on a real ``toolkit serve``.
"""

from __future__ import annotations

import asyncio
import collections
import json
import time
import random
import re
import sre_parse

import httpx
import pytest

from support.server import Phone, phone_http, start_server, toolkit_server_config
from toolkit.content import Programme
from toolkit.content.vocab import MODELS, SIGNS
from toolkit.server.app import serve_config
from toolkit.server.routes import ROUTES
from toolkit.store import Store, codes

pytestmark = pytest.mark.timeout(120)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# What the server may answer without a login, by handler class name: the student side, and
# pages and assets that hold nothing of anyone's (the login page, Jupyter's, Voila's and the lab themes' own
# scripts and styles, the API version, the 404 page, redirects to routes checked here).
PUBLIC_HANDLERS = {route.handler.__name__ for route in ROUTES} | {
    "LoginFormHandler", "LogoutHandler", "APIVersionHandler", "FileFindHandler", "PublicStaticFileHandler",
    "MultiStaticFileHandler", "TemplateStaticFileHandler", "Template404", "TrailingSlashHandler",
    "RedirectHandler", "NotebooksRedirectHandler", "ThemesHandler"}

# Values for the named parts of route patterns, so each route is asked for something real.
SAMPLES = {"path": "/facilitator.ipynb", "kernel_id": "00000000-0000-0000-0000-000000000000",
           "session_id": "00000000-0000-0000-0000-000000000000", "section_name": "notebook",
           "checkpoint_id": "checkpoint", "action": "restart", "format": "html", "kernel_name": "python3",
           "code": "ABCDEFG", "name": "join.js", "term_name": "1", "notebook_path": "facilitator.ipynb"}


def sample_path(pattern: str) -> str | None:
    """A concrete path a route pattern matches: named groups from SAMPLES, any other group a
    picture's name (what Voila's file handler would hand out). None for a host-only rule."""
    out = []

    def emit(tokens) -> None:
        for op, arg in tokens:
            if op is sre_parse.LITERAL:
                out.append(chr(arg))
            elif op is sre_parse.SUBPATTERN:
                group, sub = arg[0], arg[-1]
                name = names.get(group)
                if name in SAMPLES:
                    out.append(SAMPLES[name])
                elif group is not None and not all(t is sre_parse.LITERAL for t, _ in sub):
                    out.append("picture.png")
                else:
                    emit(sub)
            elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
                low, _, sub = arg
                for _ in range(low):
                    emit(sub)
            elif op is sre_parse.BRANCH:
                emit(arg[1][0])
            elif op is sre_parse.IN:
                out.append("x")
            elif op is sre_parse.ANY:
                out.append(".")

    parsed = sre_parse.parse(pattern.rstrip("$"))
    names = {v: k for k, v in parsed.state.groupdict.items()}
    emit(parsed)
    path = re.sub(r"/{2,}", "/", "".join(out))
    return path if path.startswith("/") else None


def all_rules(router):
    """Every (pattern, handler) of the web app: Jupyter's own and every extension's."""
    for rule in router.rules:
        target = rule.target
        if hasattr(target, "rules"):
            yield from all_rules(target)
        elif isinstance(target, type) and hasattr(rule.matcher, "regex"):
            yield rule.matcher.regex.pattern, target


@pytest.fixture
def jp_server_config(sqlite_url):
    """The server exactly as ``toolkit serve`` configures it (Voila, the toolkit, staff
    pages behind the token), on a test database."""
    config = serve_config(host="127.0.0.1", port=0, db_url=sqlite_url, open_browser=False)
    config.ToolkitApp.announce = False
    del config.ServerApp["root_dir"]  # the test's own folder, with a notebook and a picture in it
    return config


@pytest.fixture
def staff_files(jp_root_dir):
    (jp_root_dir / "facilitator.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "source": "SECRET_NOTEBOOK_SOURCE", "outputs": [],
                   "execution_count": None}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (jp_root_dir / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\nSECRET_PICTURE")
    (jp_root_dir / "x").write_text("SECRET_FILE")
    return jp_root_dir


def refused(response, base_url: str) -> bool:
    """Refused for want of a login: 401/403, 405, or sent to the login page."""
    if response.code in (401, 403, 405):
        return True
    return response.code in (301, 302, 303, 307) and "/login" in response.headers.get("Location", "")


async def test_every_staff_route_refuses_without_the_token(jp_serverapp, jp_fetch, jp_base_url, staff_files):
    checked = collections.Counter()
    leaks = []
    for pattern, handler in set(all_rules(jp_serverapp.web_app.default_router)):
        path = sample_path(pattern)
        if path is None or handler.__name__ in PUBLIC_HANDLERS:
            continue
        for method in METHODS:
            for auth in ("", "token not-the-token"):
                phone = Phone(jp_fetch)
                body = b"{}" if method in ("POST", "PUT", "PATCH") else None
                response = await phone.request(method, path.removeprefix(jp_base_url), auth=auth,
                                               **({"body": body} if body is not None else {}))
                checked[handler.__name__] += 1
                text = (response.body or b"").decode(errors="replace")
                if not refused(response, jp_base_url) or "SECRET_" in text:
                    leaks.append(f"{method} {path} ({handler.__name__}) without a login: {response.code}")
    assert not leaks, "\n".join(leaks)
    # The check reached the staff side: Jupyter's APIs, Voila's pages and its file handler.
    for name in ("MainKernelHandler", "ContentsHandler", "SessionRootHandler", "AuthenticatedFileHandler",
                 "TornadoVoilaHandler", "AllowListFileHandler"):
        assert checked[name], f"{name} was not among the routes checked"
    # ... and with the token the same server answers, so "refused" above meant something.
    assert (await jp_fetch("api", "contents", "facilitator.ipynb")).code == 200


def test_serve_hands_out_no_file_without_a_login():
    """Voila's own file route is a plain tornado handler that Jupyter's login does not guard:
    ``toolkit serve`` lets it hand out nothing (the dashboards use no files of their own)."""
    config = serve_config(host="127.0.0.1", port=1, db_url=None, open_browser=False)
    assert list(config.VoilaConfiguration.file_allowlist) == []


# -- on a real toolkit serve -------------------------------------------------------------

STAFF_PAGES = ["voila/render/facilitator.ipynb", "voila/render/trends.ipynb", "voila/render/content.ipynb",
               "voila/tree", "voila/files/x.png",
               "lab", "lab/tree/facilitator.ipynb", "tree", "doc", "edit/facilitator.ipynb",
               "notebooks/facilitator.ipynb", "files/notebooks/facilitator.ipynb", "view/facilitator.ipynb",
               "nbconvert/html/facilitator.ipynb", "api/kernels", "api/contents", "api/contents/facilitator.ipynb",
               "api/sessions", "api/terminals", "api/kernelspecs", "api/status", "api/me", "api/config/notebook",
               "api/events", "api/spec.yaml", "api/nbconvert", "lab/api/settings", "lab/api/workspaces", "metrics",
               "kernelspecs/python3/logo-64x64.png", "api/shutdown"]


WEBSOCKETS = ["api/kernels/00000000-0000-0000-0000-000000000000/channels", "api/events/subscribe",
              "terminals/websocket/1"]
UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``toolkit serve`` as behind a reverse proxy (docs/deploy.md): it takes each phone's
    address from the proxy's X-Real-IP / X-Forwarded-For, for the per-address limits."""
    server = start_server(tmp_path_factory.mktemp("boundaries"), args=["--ServerApp.trust_xheaders=True",
                                                                       "--ToolkitApp.wrong_codes_per_minute=3"])
    yield server
    server.stop()


@pytest.mark.slow
def test_staff_pages_and_apis_of_toolkit_serve_refuse_without_the_token(served):
    with httpx.Client(base_url=served.base_url, timeout=20, follow_redirects=False) as client:
        client.get("toolkit/join")
        xsrf = client.cookies["_xsrf"]
        for path in STAFF_PAGES:
            for method in METHODS:
                response = client.request(method, path, headers={"X-XSRFToken": xsrf},
                                          content=b"{}" if method in ("POST", "PUT", "PATCH") else None)
                location = response.headers.get("Location", "")
                assert response.status_code in (401, 403, 405) or (
                    response.status_code == 302 and "/login" in location), (method, path, response.status_code)
                assert "toolkit.dashboards" not in response.text, (method, path)
        for path in WEBSOCKETS:  # a terminal or a kernel is the whole machine
            response = client.get(path, headers=UPGRADE)
            assert response.status_code in (302, 403) and response.status_code != 101, (path, response.status_code)
        response = client.post("api/kernels", headers={"X-XSRFToken": xsrf, "Authorization": "token wrong"})
        assert response.status_code == 403
        assert client.get("api/kernels", params={"token": served.token}).status_code == 200
    assert served.process.poll() is None, "the server is still running (api/shutdown did not stop it)"


# -- students cannot move a session, nor see what is not theirs to see yet -------------------

def session_row(store, code):
    s = store.find_session(code)
    return s.status, s.current_index, s.voting_open, s.revealed, s.version


class Student:
    """A phone on the served toolkit: page cookies, its XSRF token sent back as the page does."""

    def __init__(self, served):
        self.client = phone_http(served.base_url, timeout=20, follow_redirects=False)
        self.client.get("toolkit/join")
        self.xsrf = self.client.cookies["_xsrf"]

    def post(self, path, **kwargs):
        return self.client.post(path, headers={"X-XSRFToken": self.xsrf, **kwargs.pop("headers", {})}, **kwargs)

    def form(self, **fields):
        return self.client.post("toolkit/join", data={"_xsrf": self.xsrf, **fields})

    def first_event(self, code) -> str:
        with self.client.stream("GET", f"toolkit/api/sessions/{code}/events") as stream:
            lines = []
            for line in stream.iter_lines():
                lines.append(line)
                if line.startswith("data: "):
                    return "\n".join(lines)
        raise AssertionError("no event")

    def close(self):
        self.client.close()


@pytest.mark.slow
def test_no_student_request_moves_the_session(served, programme):
    store = Store(served.db_url)
    session = store.start_session(programme)
    card = next(a for a in session.activities if a.kind == "card")
    session.go_to(card.index)
    session.open_voting()
    student = Student(served)
    code = session.code
    student.post(f"toolkit/api/sessions/{code}/questions", json={"text": "Is this pending?"})
    before = session_row(store, code)
    verbs = ["next", "previous", "reveal", "end", "open_voting", "close_voting", "go_to", "approve", "start"]
    attempts = []
    for route in ROUTES:
        path = route.path.replace("{code}", code).replace("{name}", "join.js").lstrip("/")
        for method in METHODS:
            for body in ({"status": "ended"}, {"action": "next", "index": 0, "revealed": True},
                         {"activity": card.id, "value": "healthy", "voting_open": False}):
                # Streamed and left unread: the event stream never ends.
                with student.client.stream(method, path, params={"action": "end", "status": "ended"},
                                           headers={"X-XSRFToken": student.xsrf},
                                           json=body if method != "GET" else None) as response:
                    attempts.append(response.status_code)
    for verb in verbs:
        attempts.append(student.form(action=verb, code=code, activity=card.id, value="healthy", index="0").status_code)
    assert all(status < 500 for status in attempts), attempts
    assert session_row(store, code) == before, "no student request changed the session"
    assert [q["status"] for q in session.questions()] == ["pending"], "nor approved a question"
    session.end()
    student.close()
    store.close()


def secrets_of(programme: Programme) -> tuple[list[str], list[str]]:
    """(never shown to a student, shown only once its activity is revealed)."""
    never = []
    for card in programme.deck["cards"]:
        never.append(card["note"])
        never.extend(card["prompts"])
    until_reveal = [*SIGNS.values(), *(label for key, label in MODELS.items() if key != "none")]
    for question in (programme.polls or {}).get("questions", []):
        if question.get("note"):
            until_reveal.append(question["note"])
    keys = ['"expected"', '"expected_label"', '"answer"', '"answer_label"', '"signs"', '"model"', '"reveal"',
            '"note"', '"prompts"']
    return never, until_reveal + keys


def texts_in(body: str) -> str:
    """A body with JSON and HTML escapes undone, so a secret cannot hide behind either."""
    import html
    try:
        undone = json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        undone = body
    undone = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), undone)
    return " ".join(html.unescape(undone).replace("\\n", " ").split())


@pytest.mark.slow
def test_no_student_response_carries_a_teaching_note_or_an_answer_before_its_reveal(served):
    """The shipped plan from lobby to end, every student response at every step, read for the
    deck's teaching notes and prompts (never) and expected answers, signs and models (not
    before the reveal)."""
    store = Store(served.db_url)
    session = store.start_session("lesson-50")
    programme = session.programme
    never, until_reveal = secrets_of(programme)
    never = [" ".join(s.split()) for s in never]
    until_reveal = [" ".join(s.split()) for s in until_reveal]
    student = Student(served)
    code = session.code
    student.post(f"toolkit/api/sessions/{code}/join")

    def bodies(answer: bool) -> list[tuple[str, str]]:
        out = [("state", student.client.get(f"toolkit/api/sessions/{code}").text),
               ("join", student.post(f"toolkit/api/sessions/{code}/join").text),
               ("page", student.client.get("toolkit/join", params={"code": code}).text),
               ("events", student.first_event(code))]
        activity = session.current_activity
        if answer and activity is not None and activity.votes:
            option = programme.options(activity)[0]["id"]
            item = {"item": activity.items[0]} if activity.kind == "sort" else {}
            multiple = activity.kind == "poll" and programme.question(activity.items[0]).get("type") == "multiple"
            value = [option] if multiple else option
            out.append(("answer", student.post(f"toolkit/api/sessions/{code}/responses",
                                               json={"activity": activity.id, "value": value, **item}).text))
            out.append(("page after answering", student.client.get("toolkit/join", params={"code": code}).text))
        return out

    def scan(step: str, forbidden: list[str], answer: bool = False) -> int:
        seen = 0
        for what, body in bodies(answer):
            if what.startswith("page"):
                # The page's text, and the state it boots its script with (JSON, keys and all).
                boot = re.search(r'<script id="boot" type="application/json">(.*?)</script>', body, re.S)
                parts = [(re.sub(r"<[^>]+>", " ", body), [f for f in forbidden if not f.startswith('"')])]
                if boot:
                    parts.append((boot.group(1), forbidden))
            else:
                parts = [(body.split("data: ", 1)[-1], forbidden)]
            for part, checked in parts:
                text = texts_in(part)
                seen += 1
                for secret in checked:
                    assert secret not in text, f"{step}, {what}: {secret!r}"
        return seen

    scanned = scan("lobby", never + until_reveal)
    while True:
        session.next()
        if session.status == "summary":
            break
        activity = session.current_activity
        scanned += scan(f"{activity.id} on screen", never + until_reveal)
        if not activity.votes:
            continue
        session.open_voting()
        scanned += scan(f"{activity.id} voting", never + until_reveal, answer=True)
        session.close_voting()
        scanned += scan(f"{activity.id} closed", never + until_reveal)
        session.reveal()
        revealed = texts_in(student.client.get(f"toolkit/api/sessions/{code}").text)
        assert '"reveal"' in revealed, "the reveal reaches students, so its absence before meant something"
        scanned += scan(f"{activity.id} revealed", never)
    scanned += scan("summary", never + until_reveal)
    assert scanned > 100
    session.end()
    student.close()
    store.close()


@pytest.mark.slow
def test_an_ended_session_takes_no_answers_questions_or_devices(served, programme):
    store = Store(served.db_url)
    session = store.start_session(programme)
    card = next(a for a in session.activities if a.kind == "card")
    session.go_to(card.index)
    session.open_voting()
    student = Student(served)
    code = session.code
    answer = {"activity": card.id, "value": "healthy"}
    assert student.post(f"toolkit/api/sessions/{code}/responses", json=answer).status_code == 201
    session.end()
    kept = len(store.responses(code))

    for path, body in (("responses", answer), ("responses", {**answer, "value": "warning"}),
                       ("questions", {"text": "Still there?"}), ("join", {})):
        response = student.post(f"toolkit/api/sessions/{code}/{path}", json=body)
        assert response.status_code == 409, (path, response.text)
        error = response.json()["error"]
        assert error["kind"] == "conflict" and "ended" in error["message"]
    newcomer = Student(served)
    assert newcomer.post(f"toolkit/api/sessions/{code}/join").status_code == 409
    form = newcomer.form(action="answer", code=code, activity=card.id, value="warning")
    assert form.status_code == 303
    page = newcomer.client.get(form.headers["Location"])
    assert 'data-screen="ended"' in page.text
    assert student.client.get(f"toolkit/api/sessions/{code}").json()["status"] == "ended"
    assert '"status":"ended"' in student.first_event(code)
    assert len(store.responses(code)) == kept
    assert session.questions() == []
    student.close()
    newcomer.close()
    store.close()


# -- join codes ---------------------------------------------------------------------------

def test_join_codes_are_drawn_evenly_from_a_secure_source():
    """Every symbol equally likely in every position, no repeats in 20,000, and nothing a
    seeded ``random`` (the predictable generator) could reproduce."""
    drawn = [codes.new_code() for _ in range(20_000)]
    assert len(set(drawn)) == len(drawn)
    expected = len(drawn) / len(codes.ALPHABET)
    for position in range(codes.LENGTH):
        counts = collections.Counter(code[position] for code in drawn)
        assert set(counts) == set(codes.ALPHABET)
        chi2 = sum((counts[s] - expected) ** 2 / expected for s in codes.ALPHABET)
        assert chi2 < 70, f"position {position}: chi-square {chi2:.0f} on 31 degrees of freedom"
    random.seed(1)
    first = [codes.new_code() for _ in range(5)]
    random.seed(1)
    assert [codes.new_code() for _ in range(5)] != first
    # Behind the default limit (30 wrong codes a minute per address), finding one of a
    # thousand live sessions by trying takes an address years.
    space = len(codes.ALPHABET) ** codes.LENGTH
    assert space / 1000 / 30 / (60 * 24 * 365) > 1


class TestGuessingCodes:
    """A budget of 120 wrong codes a minute (once spent, one new code every half second) on an
    in-process server."""

    @pytest.fixture
    def jp_server_config(self, sqlite_url):
        return toolkit_server_config(sqlite_url, wrong_codes_per_minute=120)

    async def test_every_way_of_naming_a_code_spends_the_same_budget(self, jp_fetch, jp_serverapp, sqlite_url,
                                                                    programme):
        store = Store(sqlite_url)
        session = store.start_session(programme)
        phone = Phone(jp_fetch)
        wrong = iter(f"ZZZ{a}{b}{c}{d}" for a in "ABCD" for b in codes.ALPHABET for c in codes.ALPHABET
                     for d in codes.ALPHABET)
        forged = {"X-Forwarded-For": "198.51.100.9", "X-Real-IP": "198.51.100.9"}

        def tries(who):
            return [lambda c, **kw: who.get(f"toolkit/api/sessions/{c}", **kw),
                    lambda c, **kw: who.post(f"toolkit/api/sessions/{c}/join", **kw),
                    lambda c, **kw: who.post(f"toolkit/api/sessions/{c}/responses",
                                             json={"activity": "a", "value": "b"}, **kw),
                    lambda c, **kw: who.get(f"toolkit/api/sessions/{c}/events", **kw),
                    lambda c, **kw: who.post(f"toolkit/api/sessions/{c}/questions", json={"text": "hello"}, **kw)]

        for i in range(120):
            # A new device each time (a script dropping its cookie): the address pays all the same.
            assert (await tries(Phone(jp_fetch, address=phone.address))[i % 5](next(wrong))).code == 404
        # Spent, whichever way a code is named, for a new device on the same address, and a forged
        # forwarding header changes nothing (a phone is not a proxy): beyond the few misses the
        # last second refilled, five new codes wait their turn and the rest are told to wait.
        fresh = Phone(jp_fetch, address=phone.address)
        burst = await asyncio.gather(*(attempt(next(wrong), headers=forged) for attempt in tries(fresh)),
                                     *(fresh.get(f"toolkit/api/sessions/{next(wrong)}", headers=forged)
                                       for _ in range(15)))
        statuses = collections.Counter(r.code for r in burst)
        assert set(statuses) == {404, 429} and 5 <= statuses[404] <= 10, statuses
        limited = next(r for r in burst if r.code == 429)
        assert json.loads(limited.body)["error"]["kind"] == "too_many_requests"
        # The code on the screen still gets in, through the page's form too.
        form = await fresh.post("toolkit/join", body=f"_xsrf={fresh.cookies['_xsrf']}&action=join&code={session.code}",
                                xsrf=False, headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert form.code == 303, form.body
        assert (await fresh.get(f"toolkit/api/sessions/{session.code}")).code == 200
        store.close()


@pytest.mark.slow
def test_behind_a_proxy_each_phone_has_its_own_budget_of_wrong_codes(served):
    """Behind a reverse proxy every phone arrives from the proxy's address; the proxy (here on
    127.0.0.1, trusted by default) names each phone in X-Real-IP / X-Forwarded-For, so one
    pupil's typing spends only that pupil's budget (3 a minute on this server)."""
    with httpx.Client(base_url=served.base_url, timeout=20) as client:
        one, other = {"X-Real-IP": "10.1.2.3"}, {"X-Real-IP": "10.1.2.4"}
        for _ in range(3):
            assert client.get("toolkit/api/sessions/ZZZZZZZ", headers=one).status_code == 404
        # The first phone's next new code waits its turn (20 s at 3 a minute); the other's does not.
        with pytest.raises(httpx.ReadTimeout):
            client.get("toolkit/api/sessions/ZZZZZZY", headers=one, timeout=2)
        started = time.monotonic()
        assert client.get("toolkit/api/sessions/ZZZZZZZ", headers=other).status_code == 404
        assert time.monotonic() - started < 2, "the other phone is not held back"


@pytest.mark.slow
def test_a_password_set_with_jupyter_server_password_is_the_only_way_in(tmp_path):
    """docs/deploy.md: ``jupyter server password`` then ``--IdentityProvider.token=''``."""
    from jupyter_server.auth.security import set_password
    config = tmp_path / "jupyter-config"
    config.mkdir()
    set_password("a long class password", config_file=str(config / "jupyter_server_config.json"))
    served = start_server(tmp_path, args=["--IdentityProvider.token="])
    try:
        assert "token=" not in served.lines["Facilitator dashboard"]
        with httpx.Client(base_url=served.base_url, timeout=20, follow_redirects=False) as staff:
            assert staff.get("api/kernels").status_code == 403
            assert staff.get("api/kernels", params={"token": served.token}).status_code == 403, "no token works"
            login = staff.get("login")
            assert login.status_code == 200
            xsrf = staff.cookies["_xsrf"]
            wrong = staff.post("login", data={"_xsrf": xsrf, "password": "guess"})
            assert wrong.status_code == 401 and staff.get("api/kernels").status_code == 403
            right = staff.post("login", data={"_xsrf": xsrf, "password": "a long class password"})
            assert right.status_code == 302
            assert staff.get("api/kernels").status_code == 200
        with httpx.Client(base_url=served.base_url, timeout=20) as phone:
            assert phone.get("toolkit/join").status_code == 200
    finally:
        served.stop()
