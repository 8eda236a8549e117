"""Rate limits held in memory only: token buckets per device token or per address.

Addresses are keyed through a keyed hash with a salt drawn when the process starts, so
not even this process's memory holds a student's IP address for longer than a request.
Nothing here is written to disk or to the log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time


class RateLimiter:
    """``rate`` events per ``per`` seconds for each key, with bursts up to ``rate``."""

    def __init__(self, rate: float, per: float, *, max_keys: int = 20_000, clock=time.monotonic):
        self.rate = float(rate)
        self.per = float(per)
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, stamp)

    def _refill(self, key: str) -> tuple[float, float]:
        now = self._clock()
        tokens, stamp = self._buckets.get(key, (self.rate, now))
        tokens = min(self.rate, tokens + (now - stamp) * self.rate / self.per)
        return tokens, now

    def allowed(self, key: str) -> bool:
        """Whether ``key`` has an event left, without spending it."""
        tokens, _ = self._refill(key)
        return tokens >= 1

    def hit(self, key: str) -> bool:
        """Spend one event for ``key``; False when none was left."""
        tokens, now = self._refill(key)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > self.max_keys:
            self._forget_full(now)
        return True

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled completely carries no information: drop it.
        full_after = self.per
        stale = [k for k, (_, stamp) in self._buckets.items() if now - stamp >= full_after]
        for key in stale:
            del self._buckets[key]
        if len(self._buckets) > self.max_keys:
            # Under a flood of fresh keys, forget the oldest half rather than grow without bound.
            for key, _ in sorted(self._buckets.items(), key=lambda kv: kv[1][1])[: len(self._buckets) // 2]:
                del self._buckets[key]


class AddressKey:
    """Turns a remote address into an opaque in-memory key (salted per process)."""

    def __init__(self):
        self._salt = secrets.token_bytes(16)

    def __call__(self, address: str | None) -> str:
        return hmac.new(self._salt, (address or "").encode(), hashlib.sha256).hexdigest()[:32]
