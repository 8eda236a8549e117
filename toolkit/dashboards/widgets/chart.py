"""Charts for a page of many: plotly.js loaded once, each chart a small widget.

A plotly ``FigureWidget`` carries the whole plotly.js bundle (5 MB) in its own state, so a
page of seven sent 35 MB to the browser and parsed it seven times (over ten seconds
before the first chart showed). Here one hidden ``PlotlyLoader`` brings plotly.js into
the page once, and each ``Chart`` holds only its figure's JSON, redrawn with
``Plotly.react`` when it changes. Everything comes from the server: nothing from a CDN.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import anywidget
import plotly
import plotly.graph_objects as go
import traitlets

STATIC = Path(__file__).resolve().parent / "static"


@lru_cache(maxsize=1)
def _loader_js() -> str:
    bundle = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    return bundle + "\n" + (STATIC / "plotly-loader.js").read_text(encoding="utf-8")


class PlotlyLoader(anywidget.AnyWidget):
    """Puts plotly.js in the page once, for every ``Chart`` on it (place it anywhere)."""

    def __init__(self, **kwargs):
        super().__init__(_esm=_loader_js(), **kwargs)


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
