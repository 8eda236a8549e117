"""Simulated phones following a session as the student page does: over its event stream,
answering each activity once when voting opens, with answers the test can total up; each
from an address of its own, as on the laptop's Wi-Fi."""

from __future__ import annotations

import itertools
import json

_PHONES = itertools.count(1)


def phone_address() -> str:
    """A loopback address no other phone of this test run has (all of 127.0.0.0/8 reaches this
    machine). On the laptop's Wi-Fi every phone has an address of its own, and the server
    counts new devices per address; 127.0.0.1 stays the laptop itself."""
    n = next(_PHONES)
    return f"127.77.{n // 250 % 250}.{n % 250 + 1}"


def phone_http(base_url: str = "", address: str | None = None, **kwargs):
    """An ``httpx.Client`` that connects from a phone's own address."""
    import httpx
    transport = httpx.HTTPTransport(local_address=address or phone_address())
    return httpx.Client(base_url=base_url, transport=transport, **kwargs)


class ApiPhone:
    """A student's phone over the HTTP API: the join page's XSRF cookie sent back as the page
    does, from an address of its own."""

    def __init__(self, served):
        import secrets
        self.client = phone_http(served.base_url, timeout=20)
        xsrf = secrets.token_hex(16)
        self.client.cookies.set("_xsrf", xsrf)
        self.headers = {"X-XSRFToken": xsrf}

    def post(self, code, what, body):
        response = self.client.post(f"toolkit/api/sessions/{code}/{what}", json=body, headers=self.headers)
        assert response.status_code in (200, 201), response.text
        return response

    def join(self, code):
        return self.post(code, "join", {})

    def answer(self, code, activity, value, item=None):
        return self.post(code, "responses", {"activity": activity, "value": value,
                                             **({"item": item} if item else {})})

    def state(self, code):
        return self.client.get(f"toolkit/api/sessions/{code}").json()


def phone_async_http(base_url: str = "", address: str | None = None, **kwargs):
    """An ``httpx.AsyncClient`` that connects from a phone's own address."""
    import httpx
    transport = httpx.AsyncHTTPTransport(local_address=address or phone_address())
    return httpx.AsyncClient(base_url=base_url, transport=transport, **kwargs)


def choice(i: int, activity: dict, item: str | None = None):
    """What phone ``i`` answers (deterministic, so the totals can be checked): a different
    option per phone and, in a sort, per card; two options for a multiple-choice poll."""
    options = [o["id"] for o in activity["options"]]
    if activity.get("type") == "multiple":
        return sorted({options[i % len(options)], options[(i + 1) % len(options)]}, key=options.index)
    shift = 0 if item is None else activity["cards"].index(next(c for c in activity["cards"] if c["id"] == item))
    return options[(i + shift) % len(options)]


async def states(stream, stop=None):
    """The session states an httpx event stream carries, in order; ends when ``stop`` is set."""
    data: list[str] = []
    async for line in stream.aiter_lines():
        if stop is not None and stop.is_set():
            return
        if line.startswith("data: "):
            data.append(line[6:])
            continue
        if line or not data:
            continue
        state, data = json.loads("".join(data)), []
        yield state


def to_answer(state: dict, answered: set) -> dict | None:
    """The activity to answer now, once each: voting open on one this phone has not answered."""
    activity = state["activity"]
    if not activity or not state["voting_open"] or activity["id"] in answered:
        return None
    answered.add(activity["id"])
    return activity


def items_of(activity: dict) -> list:
    """What one answer is given for: each card of a sort, else the activity itself (None)."""
    return [c["id"] for c in activity["cards"]] if activity["kind"] == "sort" else [None]
