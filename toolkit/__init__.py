"""Workshop toolkit: anonymous card sorts and polls on healthy relationships and CSE,
charted live for the facilitator, with trends across sessions for programme leads."""

__version__ = "0.1.0"


def open_store(url: str | None = None):
    """Open the store at ``url`` (else ``TOOLKIT_DB_URL``, else ``sessions/toolkit.db``)."""
    from .store import open_store as _open
    return _open(url)


def _jupyter_server_extension_points():
    return [{"module": "toolkit.server", "app": _app()}]


def _app():
    from .server.app import ToolkitApp
    return ToolkitApp
