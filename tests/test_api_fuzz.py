"""The student API fuzzed from its own OpenAPI document, as served by a real ``toolkit serve``.

Schemathesis reads ``toolkit/api/openapi.json`` from the running server and sends each
operation requests made from it: valid ones (every answer must match the document and
none may be a server error) and malformed ones (each must be refused with a 4xx).

- ``st run``, schemathesis's own command, with its default checks and phases (examples,
  coverage, fuzzing, stateful), on every operation: once with the code of the live
  session, once with the codes it makes up.
- The same engine from Python, where half the requests are aimed at the live session (its
  code, the card on screen and one of its options), so answers reach the store and not
  only the checks in front of it. Bounded and derandomized: the same requests every run.
- Every content type a client can send, to every operation that takes a body, and the
  bodies Python itself cannot read (a 5,000-digit integer): each a 4xx in the one error
  shape, never a 500.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import checks, openapi
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from support.server import start_server
from toolkit.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

DOC = json.loads((Path(__file__).resolve().parent.parent / "toolkit" / "server" / "openapi.json").read_text())
OPERATIONS = [(path, method.upper()) for path, item in DOC["paths"].items() for method in item
              if method in ("get", "post", "put", "patch", "delete") and path != "/toolkit/api/openapi.json"]
EXAMPLES = 30
# The fuzzer is one address and one device; the limits that would stop it after a few
# dozen requests have tests of their own (test_server_api, test_boundaries).
UNLIMITED = ["--ToolkitApp.wrong_codes_per_minute=1000000", "--ToolkitApp.answers_per_second=1000000",
             "--ToolkitApp.questions_per_minute=1000000", "--ToolkitApp.devices_per_address=1000000"]
POSITIVE = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
            checks.response_schema_conformance, checks.response_headers_conformance]
NEGATIVE = [*POSITIVE, checks.negative_data_rejection]
# Pages whose every parameter is an optional string: a stale or mangled link still opens them,
# so no request to them is malformed.
LENIENT = {("/toolkit/join", "GET"), ("/toolkit/qr.svg", "GET")}
# The page's forms without JavaScript: a form that cannot be taken is answered like one that
# can (redirect-after-post), and the page it leads to says why (test_server_pages).
REDIRECTS = {("/toolkit/join", "POST")}


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """A served toolkit with a session on its first card, voting open, and the schema it serves."""
    server = start_server(tmp_path_factory.mktemp("fuzz"), args=UNLIMITED)
    store = Store(server.db_url)
    try:
        session = store.start_session("lesson-50")
        while session.current_activity is None or session.current_activity.kind != "card":
            session.next()
        session.open_voting()
        schema = openapi.from_url(server.url("toolkit/api/openapi.json"))
        yield server, store, session, schema
    finally:  # the server stops whatever happened, or it outlives the test run
        store.close()
        server.stop()


XSRF = "fuzz0xsrf0token0of0the0page"


def aimed(case, aim: str, session, option: int) -> None:
    """Point a generated request at the live session when ``aim`` says so: its code and the
    page's XSRF token ("live code"), and also the card on screen with one of its options
    ("on screen"), so requests reach the store and not only the checks in front of it. A part
    the fuzzer made malformed on purpose (a negative case) is left as it is."""
    if aim == "fuzzed":
        return
    meta = case.meta

    def mine(location) -> bool:
        return meta is None or not meta.is_negative_at(location)

    if case.path_parameters and "code" in case.path_parameters and mine(ParameterLocation.PATH):
        case.path_parameters["code"] = session.code
    if case.headers and "X-XSRFToken" in case.headers and mine(ParameterLocation.HEADER):
        case.headers["X-XSRFToken"] = XSRF
    if isinstance(case.body, dict) and mine(ParameterLocation.BODY):
        if "_xsrf" in case.body:
            case.body["_xsrf"] = XSRF
        if "code" in case.body:
            case.body["code"] = session.code
        if aim == "on screen" and "activity" in case.body:
            options = session.programme.options(session.current_activity)
            case.body["activity"] = session.current_activity.id
            case.body["value"] = options[option % len(options)]["id"]


def xsrf_cookie(case) -> dict:
    """The ``_xsrf`` cookie a page would have set, matching the token the request carries (in
    the header, or the form's field) when it is one a cookie can hold."""
    token = (case.headers or {}).get("X-XSRFToken")
    if token is None and isinstance(case.body, dict):
        token = case.body.get("_xsrf")
    return {"_xsrf": token} if isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9_-]+", token) else {}


def events_call(case, http, session) -> int:
    """An event stream never ends: read its first event and hang up. Other answers are whole."""
    kwargs = case.as_transport_kwargs()
    kwargs.pop("cookies", None)
    with http.request(**kwargs, stream=True, timeout=10, allow_redirects=False) as response:
        if response.status_code != 200:
            body = response.content
            assert response.headers["Content-Type"].startswith("application/json"), body
            error = json.loads(body)["error"]
            assert error["status"] == response.status_code and error["message"]
            return response.status_code
        assert response.headers["Content-Type"].startswith("text/event-stream")
        data = None
        for line in response.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                data = json.loads(line[6:])
                break
        assert data is not None and data["code"] == session.code
        assert "mine" not in data and "expected" not in json.dumps(data)
        return 200


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_every_operation_answers_as_documented(target, path, method, mode):
    import requests

    server, store, session, schema = target
    operation = schema[path][method]
    statuses: dict[int, int] = {}
    http = requests.Session()

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode),
           aim=st.sampled_from(["fuzzed", "live code", "on screen"]), option=st.integers(0, 5))
    def run(case, aim, option):
        if mode is GenerationMode.NEGATIVE and aim == "on screen":
            aim = "live code"  # a valid answer in place of the malformed body would not be malformed
        aimed(case, aim, session, option)
        if path.endswith("/events"):
            status = events_call(case, http, session)
        else:
            response = case.call(session=http, cookies=xsrf_cookie(case), timeout=10, allow_redirects=False)
            status = response.status_code
            negative = mode is GenerationMode.NEGATIVE and (path, method) not in REDIRECTS
            case.validate_response(response, checks=NEGATIVE if negative else POSITIVE)
            if status == 303:
                [location] = response.headers["location"]
                assert location.startswith("/toolkit/join?code="), location
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, status

    run()
    assert sum(statuses.values()) >= 5, f"too few requests were made: {statuses}"
    if mode is GenerationMode.NEGATIVE and (path, method) not in LENIENT:
        # Which malformed requests had to be refused, schemathesis's negative_data_rejection
        # decided above (some mutations are valid once serialised); here: some were.
        assert any(400 <= s < 500 for s in statuses), f"no malformed request was refused: {statuses}"


def test_fuzzing_left_the_session_where_the_facilitator_put_it(target):
    """Whatever the fuzzer sent, no student request moved the session, and nothing crashed."""
    server, store, session, _ = target
    before = session
    now = store.find_session(session.code)
    assert (now.status, now.current_index, now.voting_open, now.revealed, now.version) == \
        (before.status, before.current_index, before.voting_open, before.revealed, before.version)
    log = server.log()
    assert "Traceback" not in log and "Uncaught exception" not in log, log[-3000:]


# -- schemathesis's own command, as its users run it --------------------------------------

ST_CONFIG = """
# The live stream never ends: read its first event, as the page does, and hang up.
max-stream-events = 1
request-timeout = 20
[parameters]
{code}
# The page's token (fuzz_hooks.py gives the request the matching cookie).
"header.X-XSRFToken" = "fuzz0xsrf0token"

# A schema-valid answer can still name an activity or option this session does not have,
# and a question can be nothing once invisible characters are taken out: the document
# answers those with 422, which it cannot rule out in advance.
[[operations]]
include-name = ["POST /toolkit/api/sessions/{{code}}/responses", "POST /toolkit/api/sessions/{{code}}/questions"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
"""


@pytest.mark.timeout(300)
@pytest.mark.parametrize("codes", ["live code", "made-up codes"])
def test_schemathesis_run_with_its_default_checks_and_phases_finds_nothing(target, tmp_path, codes):
    server, _, session, _ = target
    code = f'"path.code" = "{session.code}"' if codes == "live code" else ""
    config = tmp_path / "schemathesis.toml"
    config.write_text(ST_CONFIG.format(code=code))
    tests = Path(__file__).resolve().parent
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "support.fuzz_hooks",
           "PYTHONPATH": os.pathsep.join([str(tests), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
                          server.url("toolkit/api/openapi.json"), "--no-color", "--seed", "20261126",
                          "--report", "junit", "--report-dir", str(tmp_path / "report")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=280)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    assert "Selected: 9/9" in out and "Tested: 9" in out, out[-3000:]
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert re.search(rf"✅ {phase}\b", out), f"the {phase} phase did not pass:\n{out[-3000:]}"
    generated = int(re.search(r"(\d+) generated, (\d+) passed", out).group(1))
    assert generated > 500, out[-2000:]
    assert "Runtime Error" not in out and "Traceback" not in server.log()


# -- content types and bodies a fuzzer could send -------------------------------------------

HUGE = "9" * 5000
CONTENT_TYPES = [
    None, "", "text/plain", "text/html; charset=utf-8", "application/xml", "application/octet-stream",
    "application/json", "APPLICATION/JSON", "application/json; charset=utf-16", "application/json;;;",
    "application/jsonx", "application/x-www-form-urlencoded", "multipart/form-data",
    "multipart/form-data; boundary=", "multipart/form-data; boundary=zz", "multipart/mixed; boundary=zz",
    "image/png", "*/*", "a/b/c", "json", "text/event-stream",
]
BODIES = [
    ("a 5,000-digit integer", f'{{"activity": "card-maya-not-ready", "value": {HUGE}}}'.encode()),
    ("a 5,000-digit integer as the body", HUGE.encode()),
    ("a 5,000-digit activity number", f'{{"activity": {HUGE}, "value": "healthy", "text": {HUGE}}}'.encode()),
    ("a number too large for a float", b'{"activity": "x", "value": 1e999999, "text": 1e999}'),
    ("NaN", b'{"activity": NaN, "value": NaN, "text": NaN}'),
    ("a lone surrogate", b'{"activity": "\\ud800", "value": "\\udfff", "text": "\\ud800"}'),
    ("nesting", b'{"value": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("bytes that are not UTF-8", b'{"text": "\xff\xfe\xc3"}'),
    ("UTF-16", '{"text": "hello"}'.encode("utf-16")),
    ("a form with bad escapes", b"_xsrf=fuzz0xsrf0token&action=%zz&code=%ff%fe&value=%"),
    ("a broken multipart body", b"--zz\r\nContent-Disposition: form-data; name=\"_xsrf\"\r\n\r\nx"),
    ("nothing", b""),
]
POSTS = ["toolkit/api/sessions/{code}/join", "toolkit/api/sessions/{code}/responses",
         "toolkit/api/sessions/{code}/questions", "toolkit/join"]


def test_every_content_type_and_unreadable_body_is_a_4xx_in_the_one_error_shape(target):
    server, _, session, _ = target
    token = "fuzz0xsrf0token"
    seen: dict[int, int] = {}
    with httpx.Client(base_url=server.base_url, timeout=20, follow_redirects=False,
                      cookies={"_xsrf": token}) as client:
        for path in POSTS:
            url = path.format(code=session.code)
            for ctype in CONTENT_TYPES:
                for what, body in BODIES:
                    headers = {"X-XSRFToken": token}
                    if ctype is not None:
                        headers["Content-Type"] = ctype
                    response = client.post(url, content=body, headers=headers)
                    status = response.status_code
                    seen[status] = seen.get(status, 0) + 1
                    where = f"{url} with {ctype!r} and {what}: {status} {response.text[:300]}"
                    if path == "toolkit/join":
                        # The page without JavaScript: an error page, or its redirect-after-post.
                        assert status == 303 or 400 <= status < 500, where
                        assert response.headers["Content-Type"].startswith("text/html"), where
                        continue
                    if status < 300:
                        assert path.endswith("/join") and not body.strip(), where  # an empty join is a join
                        continue
                    assert 400 <= status < 500, where
                    assert response.headers["Content-Type"].startswith("application/json"), where
                    error = response.json()["error"]
                    assert error["status"] == status and error["kind"] and error["message"], where
    assert seen.get(415) and seen.get(400), seen  # the refusals say which: the type, or the body
    assert "Traceback" not in server.log() and "Uncaught exception" not in server.log()
