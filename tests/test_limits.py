"""The in-memory limits on their own, on a clock the test moves: the wrong-code budget
(only misses count; a code that exists waits its turn, never a refusal), and which address
a request is counted under (a proxy is believed only when it is trusted)."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest
from tornado.httputil import HTTPHeaders

from toolkit.server.limits import DEFAULT_TRUSTED, ClientAddress, CodeGuard, RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_bucket_refills_and_takers_queue_behind_one_another():
    clock = Clock()
    limit = RateLimiter(30, 60, clock=clock)
    assert all(limit.hit("a") for _ in range(30)) and not limit.hit("a")
    assert limit.take("a", max_wait=10) == pytest.approx(2.0)  # one every two seconds
    assert limit.take("a", max_wait=10) == pytest.approx(4.0)
    limit.give_back("a")
    assert limit.take("a", max_wait=10) == pytest.approx(4.0), "given back: the same place in the queue"
    assert limit.take("a", max_wait=3) is None, "too far off: nothing taken"
    clock.now += 60
    assert limit.take("a", max_wait=10) == 0.0


def test_only_misses_count_and_a_code_that_exists_is_never_refused_for_them():
    clock = Clock()
    guard = CodeGuard(30, clock=clock)
    first = guard.turn("school", "GOODONE")
    guard.found("school", "GOODONE", took=first[1])
    for _ in range(1000):  # the class's own code, over and over: costs nothing
        assert guard.turn("school", "GOODONE") == (0.0, False)
    for i in range(30):  # thirty wrong codes, all at once: each takes a miss before it is looked up
        assert guard.turn("school", f"BAD{i:04d}") == (0.0, True)
    # Spent: new codes wait their turn (five may queue), a known one still goes straight in.
    waits = [guard.turn("school", f"NEW{i}") for i in range(7)]
    assert [w for w, _ in waits[:5]] == pytest.approx([2.0, 4.0, 6.0, 8.0, 10.0]) and waits[5:] == [None, None]
    assert guard.turn("school", "GOODONE") == (0.0, False)
    assert guard.turn("elsewhere", "NEW0") == (0.0, True), "another address has its own budget"
    clock.now += 10  # the queue has drained, and no miss has come back yet
    wait, took = guard.turn("school", "RIGHTCODE")  # the code on the screen, typed at last
    assert wait == pytest.approx(2.0) and took
    guard.found("school", "RIGHTCODE", took)  # it exists: the miss it took is given back
    assert guard.turn("school", "RIGHTCODE") == (0.0, False)
    clock.now += 2
    assert guard.turn("school", "ANOTHER") == (0.0, True), "the right code cost the address nothing"


def test_codes_that_exist_cost_nothing_however_many_at_once():
    clock = Clock()
    guard = CodeGuard(30, clock=clock)
    for round_ in range(10):  # thirty phones behind one address, each on its first look-up
        turns = [guard.turn("nat", f"CODE{round_}") for _ in range(30)]
        assert turns == [(0.0, True)] * 30
        for _, took in turns:
            guard.found("nat", f"CODE{round_}", took)
    assert guard.turn("nat", "WRONG") == (0.0, True)


def request(peer, headers=None, family=socket.AF_INET):
    context = SimpleNamespace(address=(peer, 50123) if peer else b"", address_family=family)
    return SimpleNamespace(connection=SimpleNamespace(context=context), headers=HTTPHeaders(headers or {}),
                           remote_ip=peer or "0.0.0.0")


def test_a_phone_is_counted_under_its_own_address_whatever_headers_it_sends():
    addresses = ClientAddress(DEFAULT_TRUSTED)
    forged = {"X-Forwarded-For": "10.9.9.9", "X-Real-IP": "10.9.9.9"}
    assert addresses(request("192.168.1.23", forged)) == "192.168.1.23"
    assert addresses(request("::ffff:192.168.1.23", forged)) == "192.168.1.23"
    assert addresses(request("fe80::1", forged)) == "fe80::1"


def test_a_trusted_proxy_names_the_address_it_received_the_request_from():
    addresses = ClientAddress("127.0.0.1, 10.0.0.0/24")
    # nginx's $proxy_add_x_forwarded_for: whatever the phone claimed, then what nginx saw.
    assert addresses(request("127.0.0.1", {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"})) == "203.0.113.7"
    # Two proxies of ours in a row: skip both, from the right.
    assert addresses(request("10.0.0.5", {"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 10.0.0.9"})) == "203.0.113.7"
    assert addresses(request("127.0.0.1", {"X-Real-IP": "203.0.113.8"})) == "203.0.113.8"
    assert addresses(request("127.0.0.1", {"X-Forwarded-For": "[2001:db8::7]:4711"})) == "2001:db8::7"
    assert addresses(request("127.0.0.1", {"X-Forwarded-For": "not an address"})) == "127.0.0.1"
    assert addresses(request("127.0.0.1")) == "127.0.0.1"  # the laptop itself
    # A Unix socket can only be a process on this machine: a proxy.
    assert addresses(request(None, {"X-Forwarded-For": "203.0.113.9"}, family=socket.AF_UNIX)) == "203.0.113.9"
    # Not one of ours: its header is ignored.
    assert addresses(request("10.0.1.5", {"X-Forwarded-For": "203.0.113.7"})) == "10.0.1.5"


def test_no_proxy_is_trusted_when_none_is_named():
    addresses = ClientAddress("")
    assert addresses(request("127.0.0.1", {"X-Forwarded-For": "203.0.113.7"})) == "127.0.0.1"


def test_a_setting_that_is_not_an_address_is_refused_when_the_server_starts():
    from toolkit.errors import ConfigError
    from toolkit.server.context import Context
    with pytest.raises(ConfigError, match="trusted_proxies"):
        Context(store=None, base_url="/", trusted_proxies="127.0.0.1, nginx.local")
    with pytest.raises(ConfigError, match="devices_per_address"):
        Context(store=None, base_url="/", devices_per_address=0)
