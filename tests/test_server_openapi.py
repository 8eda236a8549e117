"""The OpenAPI document stays true: every route in the route table is in it (and nothing
else), with the same methods, and real responses validate against its schemas."""

import asyncio
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from jsonschema import Draft202012Validator

from support.server import Phone, toolkit_server_config
from toolkit.server.routes import ROUTES
from toolkit.store import Store

pytestmark = pytest.mark.timeout(60)

DOC = json.loads((Path(__file__).resolve().parent.parent / "toolkit" / "server" / "openapi.json").read_text())


def test_every_route_is_documented_and_every_documented_path_is_routed():
    routed = {route.path: set(route.methods) for route in ROUTES}
    documented = {path: {m for m in item if m in ("get", "post", "put", "patch", "delete")}
                  for path, item in DOC["paths"].items()}
    assert routed == documented


def test_the_document_is_valid_openapi_3():
    from jsonschema.validators import validator_for
    assert DOC["openapi"].startswith("3.1")
    for name, schema in DOC["components"]["schemas"].items():
        validator_for(schema).check_schema(schema)
    for path, item in DOC["paths"].items():
        params = {p["name"] for p in item.get("parameters", [])}
        for method, op in item.items():
            if method == "parameters":
                continue
            names = params | {p["name"] for p in op.get("parameters", [])}
            for segment in [s[1:-1] for s in path.split("/") if s.startswith("{")]:
                assert segment in names, f"{method.upper()} {path}: path parameter {segment} undocumented"
            assert op["responses"], f"{method.upper()} {path} documents no responses"


def test_the_document_passes_an_openapi_validator():
    import openapi_spec_validator  # the test extras install it: this test never skips

    openapi_spec_validator.validate(DOC)


def check(response, path: str, method: str = "get"):
    """Validate a real response against the document: its status must be documented, and a
    JSON body must match the schema given for that status."""
    status = str(response.code)
    responses = DOC["paths"][path][method]["responses"]
    assert status in responses, f"{method.upper()} {path} answered {status}, which the document does not list"
    content = responses[status].get("content", {})
    ctype = response.headers.get("Content-Type", "").split(";")[0]
    if "application/json" in content:
        assert ctype == "application/json", ctype
        pointer = "/".join(["#", "paths", quote(path.replace("~", "~0").replace("/", "~1"), safe="~"), method,
                            "responses", status, "content", quote("application~1json", safe="~"), "schema"])
        Draft202012Validator({**DOC, "$ref": pointer}).validate(json.loads(response.body))
    elif content:
        assert ctype in content, f"{ctype} not documented for {method.upper()} {path} {status}"
    return response


@pytest.fixture
def jp_server_config(sqlite_url):
    # 120 wrong codes a minute: once spent, a new code's turn comes every half second.
    return toolkit_server_config(sqlite_url, wrong_codes_per_minute=120)


async def test_real_responses_match_the_document(jp_fetch, jp_serverapp, sqlite_url, programme):
    store = Store(sqlite_url)
    session = store.start_session(programme)
    code = session.code
    p = Phone(jp_fetch)
    state, join, answer, ask, events = (f"/toolkit/api/sessions/{{code}}{s}" for s in
                                        ("", "/join", "/responses", "/questions", "/events"))

    def url(template):
        return template.replace("{code}", code).lstrip("/")

    check(await p.get("toolkit/join"), "/toolkit/join")
    check(await p.get("toolkit/join", params={"code": "ZZZZZZZ"}), "/toolkit/join")
    check(await p.get("toolkit/api/openapi.json"), "/toolkit/api/openapi.json")
    check(await p.get("toolkit/qr.svg", params={"code": code}), "/toolkit/qr.svg")
    check(await p.get("toolkit/static/join.css"), "/toolkit/static/{name}")
    check(await p.get("toolkit/static/nothing.txt"), "/toolkit/static/{name}")

    check(await p.get(url(state)), state)
    check(await p.get(url(state), params={"activity": "x" * 81}), state)
    check(await p.post(url(join)), join, "post")
    check(await p.post(url(join)), join, "post")
    check(await p.post(url(join), json={"x": 1}), join, "post")

    for activity in programme.activities:
        session.refresh().next()
        if activity.kind == "slide":
            check(await p.get(url(state)), state)
            continue
        session.open_voting()
        check(await p.get(url(state)), state)
        if activity.kind == "sort":
            body = {"activity": activity.id, "item": activity.items[0], "value": "healthy"}
        elif activity.id == "poll-who-help":
            body = {"activity": activity.id, "value": ["adult"]}
        else:
            body = {"activity": activity.id, "value": programme.options(activity)[0]["id"]}
        check(await p.post(url(answer), json=body), answer, "post")
        check(await p.post(url(answer), json=body), answer, "post")
        check(await p.post(url(answer), json={**body, "value": "nope"}), answer, "post")
        if activity.kind == "card":  # once: the device's answers per second are limited
            check(await p.post(url(answer), json={**body, "seq": 3}), answer, "post")
            stale = check(await p.post(url(answer), json={**body, "seq": 2}), answer, "post")
            assert stale.code == 409 and json.loads(stale.body)["error"]["seq"] == 3
            check(await p.get(url(state), params={"activity": activity.id}), state)
        check(await p.get(url(state)), state)
        session.reveal()
        check(await p.get(url(state)), state)
        check(await p.post(url(answer), json=body), answer, "post")  # 409 after the reveal

    check(await p.post(url(answer), body="{", headers={"Content-Type": "application/json"}), answer, "post")
    check(await p.post(url(answer), body="{}", headers={"Content-Type": "text/plain"}), answer, "post")
    check(await p.post(url(answer), body="x" * 20_000, headers={"Content-Type": "application/json"}), answer,
          "post")
    check(await p.post(url(answer), json={"activity": "a", "value": "b"}, xsrf=False), answer, "post")
    check(await p.post(url(ask), json={"text": "What if a friend is involved?"}), ask, "post")
    check(await p.post(url(ask), json={"text": ""}), ask, "post")
    check(await p.get(url(events).replace(code, "ZZZZZZZ")), events)
    for i in range(120):
        check(await p.get(f"toolkit/api/sessions/ZZZZ{i:03d}".replace("0", "A").replace("1", "B")), state)
    # Spent: five new codes wait their turn, the rest are told to wait (429) at once.
    burst = await asyncio.gather(*(p.get(f"toolkit/api/sessions/YYYY{i:03d}".replace("0", "A").replace("1", "B"))
                                   for i in range(12)))
    for response in burst:
        check(response, state)
    assert 429 in {r.code for r in burst}
    # Five new devices from one address: the fifth is told to wait (429).
    for n in range(5):
        last = await Phone(jp_fetch, address=p.address).post(url(join))
        check(last, join, "post")
    assert last.code == 429
    session.end()
    store.close()
