"""The student page without JavaScript: server-rendered screens and plain form posts,
on a real Jupyter Server (pytest-jupyter) under the odd base URL ``/a%40b/``."""

import copy
import html
import json
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from support.server import Phone
from support.server_app import jp_server_config, session, store  # noqa: F401 (fixtures)
from toolkit.content import Programme
from toolkit.server import context as server_context
from toolkit.server.qr import join_qr_svg

pytestmark = pytest.mark.timeout(60)


class Student(Phone):
    """A phone with JavaScript off: it reads pages and submits their forms."""

    async def page(self, **params):
        response = await self.get("toolkit/join", params=params)
        return response, response.body.decode()

    async def form(self, **fields):
        fields.setdefault("_xsrf", self.cookies["_xsrf"])
        return await self.post("toolkit/join", body=urlencode(fields, doseq=True), xsrf=False,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})

    async def follow(self, response):
        """Follow a redirect-after-post to the page it names."""
        assert response.code == 303, response.body
        query = parse_qs(urlparse(response.headers["Location"]).query)
        return await self.page(**{k: v[0] for k, v in query.items()})


def screen(body: str) -> str:
    return re.search(r'data-screen="(\w+)"', body).group(1)


def text(body: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def assert_help(body: str):
    """Every screen: where to get help, and that the tool is anonymous."""
    words = " ".join(text(body).split())
    assert "Need help?" in words
    assert "Childline 0800 1111" in words and "NSPCC 0808 800 5000" in words and "999" in words
    assert "anonymous" in words and ("adult you trust" in words or "trusted adult" in words)


def assert_nothing_from_elsewhere(body: str, base_url: str):
    for attribute in re.findall(r'(?:src|href)="([^"]*)"', body):
        if attribute.startswith(("tel:", "data:", "#")):
            continue
        assert attribute.startswith(base_url), attribute


async def test_enter_screen_with_help_and_nothing_from_elsewhere(jp_fetch, jp_base_url, session):
    student = Student(jp_fetch)
    response, body = await student.page()
    assert response.code == 200 and screen(body) == "enter"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert_help(body)
    assert_nothing_from_elsewhere(body, jp_base_url)
    assert 'name="_xsrf"' in body and 'action="/a%40b/toolkit/join"' in body
    assert "<script" not in body  # nothing to run before a session is known

    _, prefilled = await student.page(code=session.code.lower())
    assert screen(prefilled) == "enter" and f'value="{session.code}"' in prefilled


async def test_a_whole_session_without_javascript(jp_fetch, jp_base_url, store, session):
    student = Student(jp_fetch)
    await student.page()
    joined = await student.form(action="join", code=session.code)
    assert joined.code == 303 and student.device
    assert urlparse(joined.headers["Location"]).path == f"{jp_base_url}toolkit/join"
    _, body = await student.follow(joined)
    assert screen(body) == "lobby" and "You're in" in text(body)
    assert 'http-equiv="refresh"' in body  # nothing is live without JavaScript: a waiting screen reloads
    assert_help(body)
    assert session.refresh().respondents == 1

    session.next()
    _, body = await student.page(code=session.code)
    assert screen(body) == "slide" and "Be kind." in text(body) and "Talk about the characters." in text(body)

    session.next()
    session.open_voting()
    _, body = await student.page(code=session.code)
    assert screen(body) == "vote" and "How confident are you" in text(body)
    assert "1 = Not at all" in text(body)
    # Answering: nothing reloads by itself; a button checks for the next question.
    assert 'http-equiv="refresh"' not in body and "Check for the next question" in text(body)
    answered = await student.form(action="answer", code=session.code, activity="baseline-confidence", value="4")
    _, body = await student.follow(answered)
    assert "Answer received. You can change it until voting closes." in body
    assert re.search(r'value="4" id="o3" class="choice[^"]* chosen" aria-pressed="true"', body)
    changed = await student.form(action="answer", code=session.code, activity="baseline-confidence", value="2")
    _, body = await student.follow(changed)
    assert re.search(r'value="2" id="o1" class="choice[^"]* chosen" aria-pressed="true"', body)
    assert_help(body)

    session.reveal()
    _, body = await student.page(code=session.code)
    assert screen(body) == "reveal" and "How the class answered" in text(body)
    assert "You said: 2" in " ".join(text(body).split())
    assert re.search(r"2 \(you\)\s*1 · 100%", " ".join(text(body).split()))
    assert_help(body)
    assert len(store.responses(session.code)) == 1

    while session.refresh().status != "summary":
        session.next()
    _, body = await student.page(code=session.code)
    assert screen(body) == "summary"
    session.end()
    _, body = await student.page(code=session.code)
    assert screen(body) == "ended" and "The workshop has ended" in text(body)
    assert_help(body)
    assert "<script" not in body


async def test_cards_reveal_the_expected_answer_and_the_class_split(jp_fetch, store, session):
    students = [Student(jp_fetch) for _ in range(4)]
    while session.refresh().current_activity is None or session.current_activity.kind != "card":
        session.next()
    session.open_voting()
    for student, value in zip(students, ("healthy", "healthy", "healthy", "warning")):
        await student.page()
        await student.form(action="join", code=session.code)
        await student.form(action="answer", code=session.code, activity="card-ana-bus", value=value)
    _, body = await students[3].page(code=session.code)
    assert "The answer" not in text(body) and "How the class answered" not in text(body)
    session.reveal()
    _, body = await students[3].page(code=session.code)
    words = " ".join(text(body).split())
    assert "The answer: Healthy" in words and "You said: Warning signs" in words
    assert "Healthy 3 · 75%" in words and "Warning signs (you) 1 · 25%" in words
    assert 'class="fill w75 cat-healthy"' in body and 'class="fill w25 cat-warning"' in body


async def test_self_paced_sort_one_card_at_a_time_with_back(jp_fetch, store, session):
    student = Student(jp_fetch)
    await student.page()
    await student.form(action="join", code=session.code)
    while session.refresh().current_activity is None or session.current_activity.kind != "sort":
        session.next()
    session.open_voting()
    _, body = await student.page(code=session.code)
    assert screen(body) == "sort" and "1 of 3" in text(body) and "Ana, 15" in text(body)
    moved = await student.form(action="answer", code=session.code, activity="sort", item="ana-bus", value="healthy",
                               card="1")
    response, body = await student.follow(moved)
    assert "2 of 3" in text(body) and "Ben, 14" in text(body)
    assert f"card=1" in body  # Back
    _, body = await student.page(code=session.code, card="1")
    assert "1 of 3" in text(body) and re.search(r'value="healthy" id="o0" class="choice[^"]* chosen"', body)
    await student.form(action="answer", code=session.code, activity="sort", item="ben-lifts", value="exploitative",
                       card="2")
    last = await student.form(action="answer", code=session.code, activity="sort", item="cal-gifts", value="warning",
                              card="3")
    _, body = await student.follow(last)
    assert "All sorted" in text(body) and "You sorted 3 of 3 cards" in text(body)
    assert len(store.responses(session.code)) == 3


async def test_form_refusals(jp_fetch, session):
    student = Student(jp_fetch)
    await student.page()
    response, body = await student.follow(await student.form(action="join", code=session.code))
    unknown = await student.form(action="join", code="ZZZZZZZ")
    body = unknown.body.decode()
    assert unknown.code == 404 and screen(body) == "enter"
    assert "That code doesn't match a workshop. Check it against the code on the screen: 7 letters and numbers." in text(body)
    assert "no session with code" not in body  # the API's words are for developers
    # The field is marked wrong, says why, and has the focus again.
    field = re.search(r'<input id="code"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="code-error"' in field and "autofocus" in field
    assert 'id="code-error"' in body and 'value="ZZZZZZZ"' in field

    forged = await student.post("toolkit/join", body=urlencode({"action": "join", "code": session.code}),
                                xsrf=False, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert forged.code == 403 and "Reload the page and try again." in forged.body.decode()
    assert "_xsrf" not in text(forged.body.decode())

    session.next()
    session.next()  # a poll, voting not open
    closed = await student.form(action="answer", code=session.code, activity="baseline-confidence", value="3")
    assert "note" not in closed.headers["Location"]  # one-time notes stay out of the address
    _, body = await student.follow(closed)
    assert "Your answer was not saved: voting had closed." in text(body)
    assert "Voting isn't open right now" in text(body)
    _, again = await student.page(code=session.code)  # a reload does not say it again
    assert "not saved" not in text(again)
    session.open_voting()
    wrong = await student.form(action="answer", code=session.code, activity="baseline-confidence", value="99")
    _, body = await student.follow(wrong)
    assert "That answer couldn't be used. Please choose again." in text(body)

    huge = await student.form(action="ask", code=session.code, text="x" * 20_000)
    assert huge.code == 413


async def test_questions_box_without_javascript(jp_fetch, session):
    student = Student(jp_fetch)
    await student.page()
    _, body = await student.follow(await student.form(action="join", code=session.code))
    assert "Ask a question without giving your name" in body
    _, body = await student.page(code=session.code, view="ask")
    assert screen(body) == "ask" and 'maxlength="280"' in body and 'http-equiv="refresh"' not in body
    too_long = await student.form(action="ask", code=session.code, text="why " * 100)
    body = too_long.body.decode()
    assert too_long.code == 422 and "Your question is too long." in body and "at most 280" not in body
    assert "why why" in body  # the text is kept for editing
    assert re.search(r'<textarea id="question"[^>]*aria-invalid="true" aria-describedby="question-error"', body)
    empty = await student.form(action="ask", code=session.code, text="   ")
    assert empty.code == 422 and "Write your question first." in empty.body.decode()
    sent = await student.form(action="ask", code=session.code, text="Is it ever OK to keep a secret?")
    _, body = await student.follow(sent)
    assert screen(body) == "sent"
    assert ("Only the workshop leader will see it. It doesn't say who sent it. If you need help, talk to an "
            "adult you trust or call") in body
    assert_help(body)
    assert [q["text"] for q in session.questions()] == ["Is it ever OK to keep a secret?"]


async def test_hostile_content_is_escaped(jp_fetch, store, programme):
    snap = copy.deepcopy(programme.snapshot())
    attack = "</script><script>alert(1)</script><img src=x onerror=alert(2)>\u2028"
    snap["plan"]["title"] = "Plan " + attack
    snap["deck"]["cards"][0]["text"] = "Card " + attack
    snap["help"]["resources"][0]["detail"] = '"><b onclick=alert(3)>x'
    session = store.start_session(Programme.from_snapshot(snap))
    student = Student(jp_fetch)
    await student.page()
    await student.form(action="join", code=session.code)
    while session.refresh().current_activity is None or session.current_activity.kind != "card":
        session.next()
    session.open_voting()
    _, body = await student.page(code=session.code)
    assert "<script>alert" not in body and "<img src=x" not in body and "<b onclick" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    boot = re.search(r'<script id="boot" type="application/json">(.*?)</script>', body, re.S).group(1)
    assert "<" not in boot
    assert json.loads(boot)["state"]["activity"]["text"] == "Card " + attack


async def test_static_assets_are_small_cached_and_compressed(jp_fetch):
    student = Student(jp_fetch)
    _, body = await student.page()
    css = re.search(r'href="/a%40b/toolkit/static/(join\.css)\?v=(\w+)"', body)
    response = await student.get(f"toolkit/static/{css.group(1)}", params={"v": css.group(2)})
    assert response.code == 200 and response.headers["Content-Type"].startswith("text/css")
    assert "immutable" in response.headers["Cache-Control"]
    assert (await student.get("toolkit/static/join.js")).headers["Cache-Control"] == "no-cache"
    zipped = await student.get("toolkit/static/join.js", headers={"Accept-Encoding": "gzip"},
                               decompress_response=False)
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.body[:2] == b"\x1f\x8b"
    etag = response.headers["ETag"]
    again = await student.get("toolkit/static/join.css", headers={"If-None-Match": etag})
    assert again.code == 304
    assert (await student.get("toolkit/static/secrets.py")).code == 404
    assert (await student.get("toolkit/static/..%2F..%2Fapp.py")).code == 404


async def test_qr_code_of_the_join_url(jp_fetch, session):
    response = await Student(jp_fetch).get("toolkit/qr.svg", params={"code": session.code})
    assert response.code == 200 and response.headers["Content-Type"] == "image/svg+xml"
    assert response.body.startswith(b"<svg")
    svg = join_qr_svg(f"http://192.168.1.20:8866/toolkit/join?code={session.code}")
    assert svg.startswith("<svg") and "<?xml" not in svg and "<title>" in svg


async def test_requests_are_logged_without_address_or_browser(jp_fetch, session, caplog):
    student = Student(jp_fetch)
    secret_agent = {"User-Agent": "SecretPhone/9.9", "Referer": "http://example.org/from-a-chat"}
    await student.get("toolkit/join", headers=secret_agent)
    await student.get("toolkit/api/sessions/ZZZZZZZ", headers=secret_agent)
    await student.post("toolkit/api/sessions/ZZZZZZZ/responses", json={"activity": "x", "value": "y"},
                       headers=secret_agent)
    await student.post("toolkit/api/sessions/ZZZZZZZ/responses", json={"activity": "x", "value": "y"},
                       xsrf=False, headers=secret_agent)
    lines = [r.getMessage() for r in caplog.records if "toolkit/" in r.getMessage()]
    assert any("404" in line and "toolkit/api/sessions" in line for line in lines)
    for line in lines:
        assert "127.0.0.1" not in line and "::1" not in line
        assert "SecretPhone" not in line and "example.org" not in line


def test_help_falls_back_to_the_built_in_uk_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_HOME", str(tmp_path))  # no data/help here
    help_ = server_context.default_help("uk")
    phones = {r["name"]: r["phone"] for r in help_["resources"]}
    assert phones == {"Childline": "0800 1111", "NSPCC": "0808 800 5000", "Police": "999"}
    assert "anonymous" in help_["intro"]
    monkeypatch.delenv("TOOLKIT_HOME")
    assert server_context.default_help("uk")["region"] == "United Kingdom"


def reloads(body: str) -> bool:
    return 'http-equiv="refresh"' in body


async def test_without_javascript_only_waiting_screens_reload_themselves(jp_fetch, store, session):
    """A screen reloads itself only where nothing can be lost: never while voting is open
    (unsent ticks, the focus), never while a question is being typed."""
    student = Student(jp_fetch)
    await student.page()
    _, lobby = await student.follow(await student.form(action="join", code=session.code))
    seen = {"lobby": reloads(lobby)}
    for activity in session.activities:
        session.refresh().next()
        _, body = await student.page(code=session.code)
        if activity.kind == "slide":
            seen["slide"] = reloads(body)
            continue
        seen[f"{screen(body)} (not open yet)"] = reloads(body)
        session.open_voting()
        _, body = await student.page(code=session.code)
        seen[f"{screen(body)} (open)"] = reloads(body)
        assert "Check for the next question" in text(body) or screen(body) == "sort"
        session.close_voting()
        session.reveal()
        _, body = await student.page(code=session.code)
        seen["reveal"] = reloads(body)
    _, body = await student.page(code=session.code, view="ask")
    seen["ask"] = reloads(body)
    session.next()
    _, body = await student.page(code=session.code)
    seen["summary"] = reloads(body)
    assert seen == {"lobby": True, "slide": True, "vote (not open yet)": True, "vote (open)": False,
                    "sort (not open yet)": True, "sort (open)": False, "reveal": True, "ask": False,
                    "summary": True}


async def test_page_titles_name_the_screen(jp_fetch, store, session):
    def title(body):
        return html.unescape(re.search(r"<title>(.*?)</title>", body).group(1))

    student = Student(jp_fetch)
    _, body = await student.page()
    assert title(body) == "Join the workshop"
    _, body = await student.follow(await student.form(action="join", code=session.code))
    assert title(body) == "You're in - Mini plan"
    session.next()
    session.next()
    session.open_voting()
    _, body = await student.page(code=session.code)
    assert title(body) == "Question: Before we start - Mini plan"
    session.reveal()
    _, body = await student.page(code=session.code)
    assert title(body) == "Answers: Before we start - Mini plan"
    _, body = await student.page(code=session.code, view="ask")
    assert title(body) == "Ask a question - Mini plan"


async def test_answers_are_grouped_with_their_question_and_scale_ends_say_what_they_mean(jp_fetch, session):
    student = Student(jp_fetch)
    await student.page()
    await student.form(action="join", code=session.code)
    session.next()
    session.next()
    session.open_voting()
    _, body = await student.page(code=session.code)
    assert '<h1 id="h" class="prompt" tabindex="-1">How confident are you' in body
    assert '<div class="choices scale" role="group" aria-labelledby="h">' in body
    names = re.findall(r'<button type="submit" name="value" value="(\d)"[^>]*?(?: aria-label="([^"]*)")?>', body)
    assert names == [("1", "1, Not at all"), ("2", ""), ("3", ""), ("4", ""), ("5", "5, Very")]


async def test_the_code_of_an_ended_session_says_it_has_ended(jp_fetch, store, programme):
    ended = store.start_session(programme)
    ended.end()
    student = Student(jp_fetch)
    _, body = await student.page(code=ended.code)  # from the QR code: the code is filled in
    assert screen(body) == "enter"
    response = await student.form(action="join", code=ended.code)
    body = response.body.decode()
    assert response.code == 409 and screen(body) == "enter"
    assert "That workshop has ended. Check the code on the screen." in text(body)
    assert "Thank you" not in text(body)
    assert 'aria-invalid="true"' in re.search(r'<input id="code"[^>]*>', body).group(0)
