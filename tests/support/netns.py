"""A second host on the network: a network namespace joined to this machine by a veth pair.

It stands for a phone on the school Wi-Fi. The pair has the two addresses of one private
/30 and nothing else: traffic goes only between the namespace and this machine. Making it
needs root; without root the tests skip with the reason, except in CI, where they fail.
Everything made is removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

HOST_ADDRESS = "10.201.1.1"
PHONE_ADDRESS = "10.201.1.2"
PREFIX = 30


def _missing() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "a network namespace needs root (ip netns add)"
    if not shutil.which("ip"):
        return "the ip command is missing (apt-get install -y iproute2)"
    return None


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


class SecondHost:
    """The namespace: runs Python inside it, as a phone would send requests."""

    def __init__(self, name: str):
        self.name = name
        self.address = PHONE_ADDRESS
        self.host_address = HOST_ADDRESS

    def python(self, code: str, timeout: float = 120) -> dict:
        """Run ``code`` inside the namespace; it prints one JSON document, returned here."""
        result = subprocess.run(["ip", "netns", "exec", self.name, sys.executable, "-c", textwrap.dedent(code)],
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(f"inside the namespace:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def second_host():
    """A namespace at 10.201.1.2 reaching this machine at 10.201.1.1 (10.201.1.0/30)."""
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"network tests must run in CI: {reason}")
        pytest.skip(reason)
    tag = f"{os.getpid() % 100000}"
    name, here, there = f"trust-net-{tag}", f"tnh{tag}", f"tnp{tag}"
    made = []
    try:
        _ip("netns", "add", name)
        made.append(("netns", "del", name))
        _ip("link", "add", here, "type", "veth", "peer", "name", there)
        made.append(("link", "del", here))
        _ip("link", "set", there, "netns", name)
        _ip("addr", "add", f"{HOST_ADDRESS}/{PREFIX}", "dev", here)
        _ip("link", "set", here, "up")
        _ip("-n", name, "addr", "add", f"{PHONE_ADDRESS}/{PREFIX}", "dev", there)
        _ip("-n", name, "link", "set", there, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        yield SecondHost(name)
    finally:
        for args in reversed(made):
            _ip(*args, check=False)
        leftover = _ip("netns", "list", check=False).stdout
        assert name not in leftover, f"namespace {name} was not removed"
        assert here not in _ip("link", "show", check=False).stdout, f"link {here} was not removed"
