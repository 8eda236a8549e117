"""Page-side helpers as anywidgets: key presses, file downloads and the address bar.

Voilà renders widget HTML without running its ``<script>`` tags, so whatever must run in
the page is an anywidget: its small ES module (``static/*.js``) ships inside the widget
itself, so the page needs no extra JupyterLab extension and fetches nothing from outside
the server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

import anywidget
import traitlets

STATIC = Path(__file__).resolve().parent / "static"


class KeyPresses(anywidget.AnyWidget):
    """Reports presses of the listed keys anywhere on the page (not while typing in a field).

    Letters arrive lower-case; other keys by their ``KeyboardEvent.key`` name ("ArrowRight").
    """

    _esm = STATIC / "keys.js"
    # Not "keys": ipywidgets uses that name for the list of synced traits.
    watched = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __init__(self, keys, on_key: Callable[[str], None]):
        super().__init__(watched=list(keys))
        self._on_key = on_key
        self.on_msg(self._message)

    def _message(self, _widget, content, _buffers) -> None:
        key = content.get("key") if isinstance(content, dict) else None
        if key in self.watched:
            self._on_key(key)


class Download(anywidget.AnyWidget):
    """A button that saves a file made in the kernel when clicked.

    ``make()`` returns ``(filename, mime type, bytes)``; it runs only on a click, so a
    large report is not held in the page until it is wanted.
    """

    _esm = STATIC / "download.js"
    label = traitlets.Unicode().tag(sync=True)
    # Not "tooltip": the page fails to draw an anywidget that redefines that DOMWidget trait.
    hint = traitlets.Unicode().tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, label: str, make: Callable[[], tuple[str, str, bytes]], hint: str = "",
                 on_error: Callable[[Exception], None] | None = None):
        super().__init__(label=label, hint=hint)
        self.make = make
        self._on_error = on_error
        self.on_msg(self._message)

    def _message(self, _widget, content, _buffers) -> None:
        if not (isinstance(content, dict) and content.get("event") == "download") or self.disabled:
            return
        try:
            filename, mime, body = self.make()
        except Exception as exc:  # shown to the facilitator rather than lost in the kernel log
            if self._on_error is None:
                raise
            self._on_error(exc)
            return
        self.send({"filename": filename, "mime": mime}, buffers=[body])


class AddressParam(anywidget.AnyWidget):
    """Keeps one query parameter of the page's address in step with ``value`` (without
    reloading), so a browser refresh reopens what was on screen.

    ``on_opened(query)`` hears the page's query string (parsed, as ``parse_qs`` gives it)
    once the page shows: a kernel kept warm for the page ran before the page existed."""

    _esm = STATIC / "address.js"
    param = traitlets.Unicode().tag(sync=True)
    value = traitlets.Unicode("").tag(sync=True)

    def __init__(self, on_opened: Callable[[dict], None] | None = None, **kwargs):
        super().__init__(**kwargs)
        self._on_opened = on_opened
        self.on_msg(self._message)

    def _message(self, _widget, content, _buffers) -> None:
        if not (isinstance(content, dict) and content.get("event") == "opened") or self._on_opened is None:
            return
        query = content.get("query")
        if isinstance(query, str) and len(query) <= 2000:
            self._on_opened(parse_qs(query.lstrip("?")))


class Drawn(anywidget.AnyWidget):
    """Calls ``on_drawn()`` once the page has painted the screen this widget came with
    (place it anywhere): what the page needs later can be built then, not before the
    first screen shows. In a tab not shown yet it waits for the tab to show: browsers paint
    nothing there."""

    _esm = STATIC / "drawn.js"

    def __init__(self, on_drawn: Callable[[], None]):
        super().__init__()
        self._on_drawn: Callable[[], None] | None = on_drawn
        self.on_msg(self._message)

    def _message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("event") == "drawn" and self._on_drawn is not None:
            on_drawn, self._on_drawn = self._on_drawn, None
            on_drawn()


class ChartFitter(anywidget.AnyWidget):
    """Keeps plotly charts fitted to their boxes (those matching ``selector``) whenever a box
    appears, disappears or changes size: after a reveal, in presentation mode, on load."""

    _esm = STATIC / "fit-charts.js"
    selector = traitlets.Unicode(".tk-chart, #rendered_cells").tag(sync=True)


class KeepInView(anywidget.AnyWidget):
    """Keeps the element matching ``selector`` (the current activity) in view inside the
    list that scrolls it, however long the list: the page itself does not move."""

    _esm = STATIC / "keep-in-view.js"
    selector = traitlets.Unicode().tag(sync=True)
