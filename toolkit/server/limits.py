"""Limits held in memory only: token buckets per device or per network address, the
wrong-join-code budget, and the address a request comes from.

Addresses are keyed through a keyed hash with a salt drawn when the process starts, so
not even this process's memory holds a student's IP address for longer than a request.
Nothing here is written to disk or to the log. Every check is a few dictionary look-ups:
the answer path pays microseconds for them.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import threading
import time
from collections import OrderedDict

# Loopback and a Unix socket can only be a process on this machine: a proxy beside the
# server (nginx, JupyterHub's proxy) or the facilitator's own browser, never a phone.
DEFAULT_TRUSTED = "127.0.0.1, ::1"


class RateLimiter:
    """``rate`` events per ``per`` seconds for each key, with bursts up to ``rate``.

    Keys are any hashable value. Safe to share between threads (the store's threads admit
    new devices through it)."""

    def __init__(self, rate: float, per: float, *, max_keys: int = 20_000, clock=time.monotonic):
        self.rate = float(rate)
        self.per = float(per)
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: dict = {}  # key -> (tokens, stamp)
        self._lock = threading.Lock()

    def _refill(self, key) -> tuple[float, float]:
        now = self._clock()
        tokens, stamp = self._buckets.get(key, (self.rate, now))
        tokens = min(self.rate, tokens + (now - stamp) * self.rate / self.per)
        return tokens, now

    def allowed(self, key) -> bool:
        """Whether ``key`` has an event left, without spending it."""
        with self._lock:
            tokens, _ = self._refill(key)
        return tokens >= 1

    def hit(self, key) -> bool:
        """Spend one event for ``key``; False when none was left."""
        with self._lock:
            tokens, now = self._refill(key)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._store(key, tokens - 1, now)
            return True

    def take(self, key, max_wait: float) -> float | None:
        """Take one event for ``key``: now (0 is returned) when one is left, else the next one
        to come, returning the seconds until it is due; None, taking nothing, when that is
        more than ``max_wait`` away. Waiting takers queue behind one another."""
        with self._lock:
            tokens, now = self._refill(key)
            wait = 0.0 if tokens >= 1 else (1 - tokens) * self.per / self.rate
            if wait > max_wait:
                return None
            self._store(key, tokens - 1, now)
            return wait

    def give_back(self, key) -> None:
        """Return an event taken for ``key`` that turned out not to count."""
        with self._lock:
            tokens, now = self._refill(key)
            self._store(key, min(self.rate, tokens + 1), now)

    def _store(self, key, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled completely carries no information: drop it.
        refill = self.per / self.rate
        stale = [k for k, (tokens, stamp) in self._buckets.items() if now - stamp >= (self.rate - tokens) * refill]
        for key in stale:
            del self._buckets[key]
        if len(self._buckets) > self.max_keys:
            # Under a flood of fresh keys, forget the oldest half rather than grow without bound.
            for key, _ in sorted(self._buckets.items(), key=lambda kv: kv[1][1])[: len(self._buckets) // 2]:
                del self._buckets[key]


class CodeGuard:
    """Wrong join codes per address: only misses count, and a code that exists is never
    refused for them.

    An address has ``per_minute`` misses a minute. Once they are spent, a code the address
    has not found before waits its turn (one every ``60 / per_minute`` seconds: 2 s by
    default) before it is looked up, whether it exists or not, so trying codes stays as
    slow as the budget says while the right code still gets in. Codes an address has
    already found (the class's own session) are never held back: one pupil's typing cannot
    stop classmates behind the same address. Only an address with ``queue`` codes already
    waiting is told to wait (429).
    """

    def __init__(self, per_minute: float, *, queue: int = 5, codes_per_address: int = 8,
                 max_addresses: int = 20_000, clock=time.monotonic):
        self.misses = RateLimiter(per_minute, 60, max_keys=max_addresses, clock=clock)
        self.max_wait = queue * 60 / per_minute
        self._codes_per_address = codes_per_address
        self._max_addresses = max_addresses
        self._found: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    def knows(self, key: str, code: str) -> bool:
        return code in self._found.get(key, ())

    def turn(self, key: str, code: str) -> tuple[float, bool] | None:
        """(seconds this look-up must wait first, whether it took a miss), or None when the
        address has ``queue`` codes waiting already. A code the address has not found takes
        one of its misses now, given back by ``found`` if the code exists: concurrent
        look-ups can then never spend more than the budget and the queue between them."""
        if self.knows(key, code):
            return 0.0, False
        wait = self.misses.take(key, self.max_wait)
        return None if wait is None else (wait, True)

    def found(self, key: str, code: str, took: bool) -> None:
        """The code exists: the look-up was not a miss. Remember it for this address."""
        if took:
            self.misses.give_back(key)
        codes = self._found.get(key, ())
        if code in codes:
            return
        self._found[key] = (codes + (code,))[-self._codes_per_address:]
        self._found.move_to_end(key)
        while len(self._found) > self._max_addresses:
            self._found.popitem(last=False)


class AddressKey:
    """Turns a remote address into an opaque in-memory key (salted per process)."""

    def __init__(self):
        self._salt = secrets.token_bytes(16)

    def __call__(self, address: str | None) -> str:
        return hmac.new(self._salt, (address or "").encode(), hashlib.sha256).hexdigest()[:32]


class ClientAddress:
    """The address a request comes from, for the per-address limits only.

    That is the connection's own peer, unless the peer is a trusted proxy: then the proxy's
    ``X-Forwarded-For`` (read from the right, skipping trusted proxies) or ``X-Real-IP``
    names it. Headers from anyone else are ignored, whatever tornado's ``trust_xheaders``
    made of them, so a phone cannot pose as many by sending its own.
    """

    def __init__(self, trusted: str | None = DEFAULT_TRUSTED):
        self._exact: set[str] = set()
        self._networks: list = []
        for entry in (trusted or "").replace(";", ",").split(","):
            entry = entry.strip()
            if not entry:
                continue
            network = ipaddress.ip_network(entry, strict=False)  # ValueError names a bad entry
            if network.num_addresses == 1:
                self._exact.add(str(network.network_address))
            else:
                self._networks.append(network)
        self._verdicts: dict[str, bool] = {}

    @property
    def any_trusted(self) -> bool:
        return bool(self._exact or self._networks)

    def trusts(self, ip: str) -> bool:
        found = self._verdicts.get(ip)
        if found is None:
            found = self._judge(ip)
            if len(self._verdicts) > 4096:
                self._verdicts.clear()
            self._verdicts[ip] = found
        return found

    def _judge(self, ip: str) -> bool:
        address = _ip(ip)
        if address is None:
            return False
        if str(address) in self._exact:
            return True
        return any(address in network for network in self._networks if network.version == address.version)

    def __call__(self, request) -> str:
        peer = _peer(request)
        if peer is not None and not self.trusts(peer):
            return peer  # the usual case: a phone talking to the laptop directly
        forwarded = request.headers.get("X-Forwarded-For")
        if forwarded:
            hops = [hop.strip() for hop in forwarded.split(",")]
            for hop in reversed(hops):
                address = _ip(hop)
                if address is None:
                    break  # a mangled chain: trust nothing further left of it
                if not self.trusts(str(address)):
                    return str(address)
        real = _ip(request.headers.get("X-Real-IP", ""))
        if real is not None:
            return str(real)
        return peer or "local"


def _peer(request) -> str | None:
    """The connection's peer address, as tornado accepted it (None for a Unix socket)."""
    context = getattr(getattr(request, "connection", None), "context", None)
    family = getattr(context, "address_family", None)
    if family in (socket.AF_INET, socket.AF_INET6):
        address = context.address[0]
        return address[7:] if address.startswith("::ffff:") and "." in address else address
    if family is not None:
        return None  # a Unix socket: a process on this machine
    return getattr(request, "remote_ip", None)


def _ip(text: str):
    """An IP address from a header value (``[v6]:port`` and ``v4:port`` too), or None."""
    text = (text or "").strip().strip('"')
    if not text:
        return None
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address
