"""Showing, hiding and laying out widgets, for every dashboard."""

import ipywidgets as W


def visible(widget: W.DOMWidget, on: bool) -> None:
    """Show or hide a widget (it keeps its place and state while hidden)."""
    widget.layout.display = None if on else "none"


def toggle_class(widget: W.DOMWidget, name: str, on: bool) -> None:
    """Add or remove a CSS class, sending nothing when it is already as wanted."""
    if on and name not in widget._dom_classes:
        widget.add_class(name)
    elif not on and name in widget._dom_classes:
        widget.remove_class(name)


def row(children) -> W.HBox:
    """Widgets side by side, spaced and wrapping (ipywidgets' Layout has no gap)."""
    box = W.HBox(list(children))
    box.add_class("tk-row")
    return box
