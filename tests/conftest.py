"""Shared test set-up: fixtures live in tests/support/, one module per area."""

pytest_plugins = [
    "jupyter_server.pytest_plugin",
    "support.content",
    "support.stores",
    "support.browser",
    "support.server",
]
