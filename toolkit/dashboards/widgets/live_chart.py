"""Live charts: a box on the page whose plotly chart is redrawn in place from new figures.

The chart itself is a ``chart.Chart`` (plotly.js brought into the page once by
a ``PlotlyLoader``, each chart holding only its figure's JSON and redrawn with
``Plotly.react``). A plotly ``FigureWidget`` was tried first and measured worse here:
each one carries the 5 MB plotly.js bundle in its own state (the first chart took about
four seconds to appear after "Reveal"), one made without traces never starts in the page,
and its changes travel as messages that a view not yet drawn misses, while a ``Chart``'s
synced state is always the whole figure.
"""

from __future__ import annotations

import ipywidgets as W
import plotly.graph_objects as go

from .chart import Chart


class LiveChart:
    """A chart in a box that can be shown or hidden; ``draw(figure)`` redraws it in place.

    The box stays hidden until the first draw, so an empty chart is never on screen.
    ``figure`` is the last figure drawn (None before the first), for tests and exports.
    """

    def __init__(self):
        self.figure: go.Figure | None = None
        self.wanted = True
        self.chart = Chart()
        self.widget = W.Box([self.chart], layout=W.Layout(width="100%", display="none"))
        self.widget.add_class("tk-chart-box")

    def show(self, on: bool) -> None:
        self.wanted = on
        self.widget.layout.display = None if on and self.figure is not None else "none"

    def draw(self, figure: go.Figure) -> None:
        self.figure = figure
        # The box holds the height too: when plotly refits a chart to its box (after the box
        # appears or widens) it drops the figure's own height and measures the box instead.
        self.widget.layout.height = f"{figure.layout.height or 360}px"
        # Shown before drawn: plotly measures the box it draws in, and a hidden box has none.
        self.show(self.wanted)
        self.chart.show(figure)
