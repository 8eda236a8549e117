"""Hostile request bodies to every student endpoint that takes one: too large (declared or
streamed in chunks), the wrong content type, bytes that are not UTF-8, JSON nested
thousands deep or not an object. Each gets a 4xx with a message in the one error shape,
over a raw socket so nothing in a client library tidies the request up first.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from support.server_app import jp_server_config  # noqa: F401 (a fixture)
from toolkit.store import Store

pytestmark = pytest.mark.timeout(60)

XSRF = "hostile-input-xsrf"
ENDPOINTS = ["join", "responses", "questions"]


@pytest.fixture
def code(jp_serverapp, sqlite_url, programme):
    store = Store(sqlite_url)
    session = store.start_session(programme)
    card = next(a for a in session.activities if a.kind == "card")
    session.go_to(card.index)
    session.open_voting()
    yield session.code
    store.close()


async def send(port: int, path: str, body: bytes, headers: dict, chunked: bool = False) -> tuple[int, dict, bytes]:
    """One request on a fresh connection; the status, headers and body of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = {"Host": f"127.0.0.1:{port}", "Cookie": f"_xsrf={XSRF}", "X-XSRFToken": XSRF, **headers}
    if chunked:
        head["Transfer-Encoding"] = "chunked"
    elif "Content-Length" not in head:
        head["Content-Length"] = str(len(body))
    writer.write(f"POST {path} HTTP/1.1\r\n".encode() + b"".join(f"{k}: {v}\r\n".encode() for k, v in head.items())
                 + b"\r\n")
    try:
        if chunked:
            for start in range(0, len(body), 4096):
                piece = body[start:start + 4096]
                writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                await writer.drain()
            writer.write(b"0\r\n\r\n")
        else:
            writer.write(body)
        await writer.drain()
    except ConnectionError:
        pass  # refused before the body was read: the answer is waiting all the same
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    headers_in = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers_in[name.strip().lower()] = value.strip()
    length = int(headers_in.get("content-length", "0"))
    payload = await reader.readexactly(length) if length else b""
    writer.close()
    return status, headers_in, payload


def error_of(status: int, headers: dict, body: bytes, expected: int) -> dict:
    assert status == expected, (status, body[:300])
    assert headers["content-type"].startswith("application/json")
    shape = json.loads(body)
    assert set(shape) == {"error"} and shape["error"]["status"] == expected
    assert isinstance(shape["error"]["message"], str) and len(shape["error"]["message"]) > 10
    return shape["error"]


JSON = {"Content-Type": "application/json"}
CASES = {
    "declared too large": (b'{"text": "' + b"x" * 40_000 + b'"}', JSON, False, 413, "too_large"),
    "streamed too large": (b'{"text": "' + b"x" * 40_000 + b'"}', JSON, True, 413, "too_large"),
    "plain text": (b'{"text": "hello"}', {"Content-Type": "text/plain"}, False, 415, "unsupported_media_type"),
    "no content type": (b'{"text": "hello"}', {}, False, 415, "unsupported_media_type"),
    "a form": (b"text=hello", {"Content-Type": "application/x-www-form-urlencoded"}, False, 415,
               "unsupported_media_type"),
    "not UTF-8": (b'{"text": "caf\xe9 \xff\xfe"}', JSON, False, 400, "bad_request"),
    "UTF-16": ('{"text": "hello"}'.encode("utf-16"), JSON, False, 400, "bad_request"),
    "nested 9 deep": (b'{"text": ' + b"[" * 9 + b"]" * 9 + b"}", JSON, False, 400, "bad_request"),
    "nested 8,000 deep": (b"[" * 8000 + b"]" * 8000, JSON, False, 400, "bad_request"),
    "an array": (b'["text"]', JSON, False, 400, "bad_request"),
    "null": (b"null", JSON, False, 400, "bad_request"),
    "broken JSON": (b'{"text": "unterminated', JSON, False, 400, "bad_request"),
    "NaN": (b'{"activity": "x", "value": NaN, "text": NaN}', JSON, False, 400, "bad_request"),
    "lone surrogate": (b'{"activity": "x", "value": "\\ud800", "text": "\\udfff"}', JSON, False, 400,
                       "bad_request"),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_hostile_body_gets_a_4xx_with_a_message(jp_fetch, jp_http_port, jp_base_url, code, endpoint, case):
    body, headers, chunked, expected, kind = CASES[case]
    status, got_headers, payload = await send(jp_http_port, f"{jp_base_url}toolkit/api/sessions/{code}/{endpoint}",
                                              body, headers, chunked)
    if endpoint == "join" and case in ("nested 9 deep", "NaN", "lone surrogate"):
        expected, kind = 400, "bad_request"  # join takes no fields at all: refused either way
    error = error_of(status, got_headers, payload, expected)
    assert error["kind"] == kind, error
    if case == "declared too large":
        # Refused before the body was read: the connection closes, and the phone is told so.
        assert got_headers.get("connection", "").lower() == "close"


async def test_the_server_answers_normally_after_every_hostile_body(jp_fetch, jp_http_port, jp_base_url, code):
    for body, headers, chunked, *_ in CASES.values():
        await send(jp_http_port, f"{jp_base_url}toolkit/api/sessions/{code}/responses", body, headers, chunked)
    status, _, payload = await send(jp_http_port, f"{jp_base_url}toolkit/api/sessions/{code}/join", b"{}", JSON)
    assert status == 201 and json.loads(payload)["code"] == code


async def test_a_content_length_that_is_not_a_number_is_refused(jp_fetch, jp_http_port, jp_base_url, code):
    # tornado refuses it while reading the request, before any handler: a bare 400 and the
    # connection closed, which is all HTTP allows for a request whose length is unknown.
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    writer.write(f"POST {jp_base_url}toolkit/api/sessions/{code}/responses HTTP/1.1\r\n"
                 f"Host: 127.0.0.1:{jp_http_port}\r\nCookie: _xsrf={XSRF}\r\nX-XSRFToken: {XSRF}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: ten\r\n\r\n{{}}".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 400 "), answer


async def test_a_hostile_form_gets_the_page_with_a_message(jp_fetch, jp_http_port, jp_base_url, code):
    """The page's forms without JavaScript answer with the page, saying what was wrong."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    big = b"_xsrf=" + XSRF.encode() + b"&action=ask&code=" + code.encode() + b"&text=" + b"x" * 40_000
    status, headers, page = await send(jp_http_port, f"{jp_base_url}toolkit/join", big, form)
    assert status == 413 and headers["content-type"].startswith("text/html")
    assert b"That was too long to send." in page and b"Need help?" in page  # in the page's words
    bad = b"_xsrf=" + XSRF.encode() + b"&action=ask&code=" + code.encode() + b"&text=%FF%FE"
    status, headers, page = await send(jp_http_port, f"{jp_base_url}toolkit/join", bad, form)
    assert status == 400 and headers["content-type"].startswith("text/html") and b"Need help?" in page
