"""A dashboard's stylesheet as a widget: a ``<style>`` element applies wherever it lands in
the page, so it works in Voila and in JupyterLab alike.

Both dashboards use ``static/base.css`` and one stylesheet of their own; the colours they
share with the charts come from ``toolkit.charts.style.PALETTE``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import ipywidgets as W
from markupsafe import Markup

from ...charts.style import PALETTE
from .markup import SHARED_TEMPLATES

BASE = Path(__file__).resolve().parent / "static" / "base.css"


@lru_cache(maxsize=None)
def css(*paths: Path) -> str:
    """The stylesheet element: the palette, ``base.css``, then each file in ``paths``."""
    files = [Markup(path.read_text(encoding="utf-8")) for path in (BASE, *paths)]
    return SHARED_TEMPLATES.render("style.html", palette=PALETTE, stylesheets=files)


def stylesheet(path: Path, hidden: bool = False) -> W.HTML:
    """The page's stylesheet as a widget to put anywhere in the page."""
    return W.HTML(css(path), layout=W.Layout(display="none") if hidden else W.Layout())
