"""Shared test set-up: fixtures live in tests/support/, one module per area."""

import asyncio

import pytest
from jupyter_core.utils import ensure_event_loop

pytest_plugins = [
    "jupyter_server.pytest_plugin",
    "support.content",
    "support.stores",
    "support.browser",
    "support.server",
    "support.netns",
]


@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    """pytest-jupyter's loop for async tests, but never the one Playwright is running.

    pytest-jupyter's own fixture (autouse, for every test) closes the thread's current
    loop afterwards; while a browser is open that is the loop Playwright's sync API runs
    on, and closing it fails every test that follows. Such tests get a loop of their own.
    """
    try:
        asyncio.get_running_loop()
        playwright_running = True
    except RuntimeError:
        playwright_running = False
    loop = asyncio.new_event_loop() if playwright_running else ensure_event_loop(prefer_selector_loop=True)
    yield loop
    loop.close()
