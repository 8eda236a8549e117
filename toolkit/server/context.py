"""What the student handlers share in one server process: the store, the watcher, rate
limits, the default help, the page's assets and templates. Built once by ``ToolkitApp``
and handed to every handler through the route table."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from jupyter_server.utils import url_path_join
from tornado import template

from .. import config
from ..errors import ConfigError
from .events import StreamSlots, Watcher
from . import heap
from .limits import AddressKey, ClientAddress, CodeGuard, RateLimiter

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"

log = logging.getLogger(__name__)

# Shown when no help file can be found: the seeds' UK resources, never nothing.
BUILTIN_HELP = {
    "kind": "help", "id": "uk", "region": "United Kingdom",
    "intro": "This is anonymous, so nobody here knows who you are or can help you through this app. "
             "To get help, talk to an adult you trust, or call:",
    "resources": [
        {"name": "Childline", "detail": "Free for anyone under 19", "phone": "0800 1111"},
        {"name": "NSPCC", "detail": "Helpline for anyone worried about a child", "phone": "0808 800 5000"},
        {"name": "Police", "detail": "If someone is in danger right now", "phone": "999"},
    ],
}


def default_help(region: str | None = None) -> dict:
    """The help shown before a session is known: data/help/<region>.yaml, else built-in UK."""
    region = region or config.get("help_region")
    try:
        from ..content import Library
        found = Library().find("help", region)
    except Exception:  # a broken help file must not take the join page down
        log.warning("toolkit: could not read help for region %r; using the built-in UK help", region)
        found = None
    if found is None:
        return dict(BUILTIN_HELP)
    from ..content.helptext import panel
    return panel(found.model_dump(mode="json", exclude_none=True))


class Asset:
    """A static file held in memory with its gzip form and a content hash for cache-busting."""

    def __init__(self, path: Path, content_type: str):
        self.body = path.read_bytes()
        self.gzipped = gzip.compress(self.body, 9, mtime=0)
        self.version = hashlib.sha256(self.body).hexdigest()[:12]
        self.content_type = content_type


# How long the per-address count of new devices lasts: a school day, so in effect per session.
DEVICE_WINDOW = 12 * 3600

ASSETS = {"join.css": "text/css; charset=utf-8", "join.js": "text/javascript; charset=utf-8"}


class Context:
    """Everything the student side of one server process holds."""

    def __init__(self, store, base_url: str, *, watch_interval: float | None = None, help_region: str | None = None,
                 answers_per_second: float = 20, wrong_codes_per_minute: float = 30,
                 questions_per_minute: float = 5, streams_per_address: int = 50, max_streams: int = 5000,
                 devices_per_address: int | None = None, trusted_proxies: str | None = None, threads: int = 8):
        self.store = store
        self.base_url = base_url
        self.prefix = url_path_join(base_url, "toolkit/")
        self.cookie_path = self.prefix
        self.page_url = url_path_join(base_url, config.JOIN_PATH)
        self.api_url = url_path_join(base_url, "toolkit/api/")
        self.static_url = url_path_join(base_url, "toolkit/static/")
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="toolkit-store")
        interval = watch_interval if watch_interval is not None else float(config.get("watch_interval"))
        self.watcher = Watcher(store, self.run, interval)
        # Per device (its cookie), and per address and session: a script that drops its cookie
        # is a new device each time, and an address may add only so many of those.
        self.answer_limit = RateLimiter(answers_per_second, 1)
        self.question_limit = RateLimiter(questions_per_minute, 60)
        devices = devices_per_address if devices_per_address is not None else config.get("devices_per_address")
        if devices < 1:
            raise ConfigError(f"devices_per_address (TOOLKIT_DEVICES_PER_ADDRESS) must be at least 1, not {devices}")
        self.devices_per_address = devices
        self.address_devices = RateLimiter(devices, DEVICE_WINDOW, max_keys=100_000)
        self.address_answers = RateLimiter(answers_per_second * devices, 1)
        self.address_questions = RateLimiter(questions_per_minute * devices, 60)
        self.codes = CodeGuard(wrong_codes_per_minute)
        self.address_key = AddressKey()
        self.streams = StreamSlots(streams_per_address, max_streams)
        trusted = trusted_proxies if trusted_proxies is not None else config.get("trusted_proxies")
        try:
            self.client_address = ClientAddress("" if trusted.strip().lower() == "none" else trusted)
        except ValueError as exc:
            raise ConfigError(f"trusted_proxies (TOOLKIT_TRUSTED_PROXIES): {exc}; list the proxies' addresses or "
                              "networks, comma-separated (e.g. 10.0.0.5, 10.1.0.0/24), or 'none'") from None
        self.help = default_help(help_region)
        self.assets = {name: Asset(STATIC / name, ctype) for name, ctype in ASSETS.items()}
        self.templates = template.Loader(str(TEMPLATES), autoescape="xhtml_escape", whitespace="oneline")
        # The join page's address phones reach, once known (TOOLKIT_JOIN_URL, else worked out when
        # the server starts); the QR code falls back to the address the request came in on.
        self.join_url: str | None = None
        self._acks: Acks | None = None
        self.enter_pages = PageCache(256)  # the join form per code (pages.JoinPage.show_enter)

    def asset_url(self, name: str) -> str:
        return f"{self.static_url}{name}?v={self.assets[name].version}"

    async def record(self, code: str, token: str, activity: str, value, item, seq, admit) -> bool:
        """Record an answer by group commit (``Store.queue_response``): True when it is the
        device's first for the item, False for a change; returns only once it is committed."""
        return await self._queued(self.store.queue_response, code, token, activity, value, item, seq, admit)

    async def enrol(self, code: str, token: str, admit) -> tuple:
        """Register a device by group commit (``Store.queue_join``): (the session's row as the
        join read it, respondent, new); returns only once it is committed."""
        heap.settle()
        return await self._queued(self.store.queue_join, code, token, admit)

    async def _queued(self, queue, *args):
        loop = asyncio.get_running_loop()
        acks = self._acks
        if acks is None or acks.loop is not loop:
            acks = self._acks = Acks(loop)
        future = loop.create_future()
        queue(*args, done=acks.done_for(future))
        return await future

    async def run(self, fn, *args, **kwargs):
        """Run a blocking store call on the store's threads, off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(fn, *args, **kwargs))

    async def close(self) -> None:
        await self.watcher.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)


class Acks:
    """Hands answers' and joins' outcomes from the store's writer thread to the event loop: one wake-up
    of the loop per batch written, not one per answer."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self._ready: list = []
        self._lock = threading.Lock()

    def done_for(self, future: asyncio.Future):
        def done(first, error) -> None:
            with self._lock:
                self._ready.append((future, first, error))
                wake = len(self._ready) == 1
            if wake:
                try:
                    self.loop.call_soon_threadsafe(self._deliver)
                except RuntimeError:  # the loop has closed: nobody is waiting any more
                    pass
        return done

    def _deliver(self) -> None:
        with self._lock:
            ready, self._ready = self._ready, []
        for future, first, error in ready:
            if future.done():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(first)


class PageCache:
    """A few hundred rendered pages by key, the least recently used dropped first (a code
    typed at random is a key too, so the number is bounded)."""

    def __init__(self, size: int):
        self._items: OrderedDict = OrderedDict()
        self._size = size

    def get(self, key):
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key, value) -> None:
        self._items[key] = value
        while len(self._items) > self._size:
            self._items.popitem(last=False)
