"""Live charts: a plotly ``FigureWidget`` made once and refilled in place from new figures.

Refilling inside ``batch_update()`` sends one message per change, so the chart redraws
without flashing and the page around it (scroll position, open panels) stays as it was.
"""

from __future__ import annotations

import ipywidgets as W
import plotly.graph_objects as go

# Layout lists that a new figure replaces as a whole (a dropped outline must disappear).
_REPLACED = ("shapes", "annotations")


def live_figure(figure: go.Figure | None = None) -> go.FigureWidget:
    """A FigureWidget for a chart that will be refilled, without plotly's toolbar."""
    widget = go.FigureWidget(figure or go.Figure())
    widget._config = {**(widget._config or {}), "displayModeBar": False, "responsive": True}
    # A constant uirevision keeps any zoom the facilitator chose across refills.
    widget.layout.uirevision = "live"
    return widget


def refill(widget: go.FigureWidget, figure: go.Figure) -> None:
    """Make ``widget`` show ``figure``, updating traces in place where their kinds match."""
    with widget.batch_update():
        if [t.type for t in widget.data] == [t.type for t in figure.data]:
            for old, new in zip(widget.data, figure.data):
                old.update(new.to_plotly_json(), overwrite=True)
        else:
            widget.data = ()
            widget.add_traces(list(figure.data))
        layout = figure.layout.to_plotly_json()
        for name in _REPLACED:
            layout.pop(name, None)
        widget.layout.update(layout, overwrite=True)
        for name in _REPLACED:
            setattr(widget.layout, name, getattr(figure.layout, name))
        widget.layout.uirevision = "live"


class LiveChart:
    """A refillable FigureWidget in a box that can be shown or hidden (a FigureWidget's own
    ``layout`` is plotly's, not a widget layout)."""

    def __init__(self, figure: go.Figure | None = None):
        self.figure = live_figure(figure)
        self.widget = W.Box([self.figure], layout=W.Layout(width="100%", display="block"))

    def draw(self, figure: go.Figure) -> None:
        refill(self.figure, figure)
