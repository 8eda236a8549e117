"""Charts for a page of many: plotly.js loaded once, each chart a small widget.

A plotly ``FigureWidget`` carries the whole plotly.js bundle (5 MB) in its own state, so a
page of seven sent 35 MB to the browser and parsed it seven times (over ten seconds
before the first chart showed). Here one hidden ``PlotlyLoader`` brings plotly.js into
the page once, and each ``Chart`` holds only its figure's JSON, redrawn with
``Plotly.react`` when it changes. Everything comes from the server: nothing from a CDN.

The loader sends the bundle only when its page asks, after drawing its first screen: in
the widgets' state it was received, parsed and run before anything was drawn (a second
and more of the page's opening on two busy cores, measured in BENCHMARKS.md section 10).
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import plotly
import plotly.graph_objects as go
import traitlets

STATIC = Path(__file__).resolve().parent / "static"
BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class PlotlyLoader(anywidget.AnyWidget):
    """Puts plotly.js in the page once, for every ``Chart`` on it (place it anywhere).

    The page asks for the bundle once it has drawn; it is read from plotly's package then,
    so a kernel kept warm holds none of it."""

    _esm = STATIC / "plotly-loader.js"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(self._message)

    def _message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("event") == "plotly":
            self.send({"event": "plotly"}, buffers=[BUNDLE.read_bytes()])


class Chart(anywidget.AnyWidget):
    """One plotly figure drawn in the page; ``show(figure)`` redraws it in place."""

    _esm = STATIC / "chart.js"
    spec = traitlets.Unicode("{}").tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)

    def __init__(self, figure: go.Figure | None = None, **kwargs):
        super().__init__(**kwargs)
        if figure is not None:
            self.show(figure)

    def show(self, figure: go.Figure) -> None:
        with self.hold_sync():
            self.version += 1
            self.spec = figure.to_json()
