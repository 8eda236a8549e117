"""The student side of the toolkit: a Jupyter Server extension serving the join page and
its JSON API (``ToolkitApp`` in ``app.py``; routes in ``routes.py``)."""


def _jupyter_server_extension_points():
    from .app import ToolkitApp
    return [{"module": "toolkit.server", "app": ToolkitApp}]
