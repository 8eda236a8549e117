"""Live charts: a plotly ``FigureWidget`` refilled in place from new figures.

Refilling inside ``batch_update()`` sends one message per change, so the chart redraws
without flashing and the page around it (scroll position, open panels) stays as it was.
"""

from __future__ import annotations

import ipywidgets as W
import plotly.graph_objects as go

# Layout lists that a new figure replaces as a whole (a dropped outline must disappear).
_REPLACED = ("shapes", "annotations")


def live_figure(figure: go.Figure) -> go.FigureWidget:
    """A FigureWidget of ``figure`` that will be refilled, without plotly's toolbar."""
    widget = go.FigureWidget(figure)
    widget._config = {**(widget._config or {}), "displayModeBar": False, "responsive": True}
    # A constant uirevision keeps any zoom the facilitator chose across refills.
    widget.layout.uirevision = "live"
    return widget


def refill(widget: go.FigureWidget, figure: go.Figure) -> None:
    """Make ``widget`` show ``figure``, whose traces are of the same kinds, in place."""
    with widget.batch_update():
        for old, new in zip(widget.data, figure.data):
            old.update(new.to_plotly_json(), overwrite=True)
        layout = figure.layout.to_plotly_json()
        for name in _REPLACED:
            layout.pop(name, None)
        if widget.layout.template.to_plotly_json() == layout.get("template"):
            del layout["template"]  # tens of kilobytes a time, and it never changes
        widget.layout.update(layout, overwrite=True)
        for name in _REPLACED:
            setattr(widget.layout, name, getattr(figure.layout, name))
        widget.layout.uirevision = "live"


class LiveChart:
    """A chart in a box that can be shown or hidden, redrawn in place once it is on screen.

    Three things measured in Voilà shape it. A FigureWidget made without traces fails to
    start in the page, so the widget is made at the first draw. Changes to a FigureWidget
    travel as messages that only a view already drawn applies (its synced state keeps the
    figure it was made with), and a view tells the kernel it is drawn by reporting its
    traces back; until then (the page is still loading, or the box is not in the page yet)
    each draw makes a new widget. And once plotly has fixed a chart's width (as it does
    when only the height changes) the chart no longer follows its box, so the box holds the
    height and ``browser.ChartFitter`` lets plotly measure it.
    """

    def __init__(self, height: int = 300):
        self.figure: go.FigureWidget | None = None
        self.shown = False  # a view of ``figure`` is drawn and applies changes
        self.widget = W.Box([], layout=W.Layout(width="100%", height=f"{height}px"))
        self.widget.add_class("tk-chart")

    def draw(self, figure: go.Figure) -> None:
        height = figure.layout.height or 360
        figure.layout.height = None
        figure.layout.width = None
        self.widget.layout.height = f"{height}px"
        current = self.figure
        if current is not None and self.shown and _kinds(current) == _kinds(figure):
            refill(current, figure)
            return
        self.figure = live_figure(figure)
        self.shown = False
        self.figure.observe(self._reported, names="_js2py_traceDeltas")
        self.widget.children = [self.figure]
        if current is not None:
            current.close()

    def _reported(self, change) -> None:
        if change["new"]:
            self.shown = True


def _kinds(figure) -> list[str]:
    return [t.type for t in figure.data]
