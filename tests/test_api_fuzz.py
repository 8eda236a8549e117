"""The student API fuzzed from its own OpenAPI document, as served by a real ``toolkit serve``.

Schemathesis reads ``toolkit/api/openapi.json`` from the running server and sends each
operation requests made from it: valid ones (every answer must match the document and
none may be a server error) and malformed ones (each must be refused with a 4xx). Half
the requests use the code of a live session whose voting is open, so they reach the
store and not only the code check. Examples are bounded and derandomized: the same
requests every run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from support.server import start_server
from toolkit.store import Store

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import checks  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

DOC = json.loads((Path(__file__).resolve().parent.parent / "toolkit" / "server" / "openapi.json").read_text())
OPERATIONS = [(path, method.upper()) for path, item in DOC["paths"].items() for method in item
              if method in ("get", "post", "put", "patch", "delete") and path != "/toolkit/api/openapi.json"]
EXAMPLES = 30
# The fuzzer is one address and one device; the limits that would stop it after a few
# dozen requests have tests of their own (test_server_api, test_boundaries).
UNLIMITED = ["--ToolkitApp.wrong_codes_per_minute=1000000", "--ToolkitApp.answers_per_second=1000000",
             "--ToolkitApp.questions_per_minute=1000000"]
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
    session = store.start_session("lesson-50")
    while session.current_activity is None or session.current_activity.kind != "card":
        session.next()
    session.open_voting()
    schema = schemathesis.openapi.from_url(server.url("toolkit/api/openapi.json"))
    yield server, store, session, schema
    store.close()
    server.stop()


XSRF = "fuzz0xsrf0token0of0the0page"


def aimed(case, aim: str, session, option: int) -> None:
    """Point a generated request at the live session when ``aim`` says so: its code and the
    page's XSRF token ("live code"), and also the card on screen with one of its options
    ("on screen"), so requests reach the store and not only the checks in front of it."""
    if aim == "fuzzed":
        return
    if case.path_parameters and "code" in case.path_parameters:
        case.path_parameters["code"] = session.code
    if case.headers and "X-XSRFToken" in case.headers:
        case.headers["X-XSRFToken"] = XSRF
    if isinstance(case.body, dict):
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
