"""The trends page's stylesheet (``static/trends.css`` on ``base.css``) and its HTML
templates (``templates/``), files shipped as package data.

Desk-sized type, filters in one bar, numbers before charts; every rule sits under
``.tk-trends``.
"""

from pathlib import Path

import ipywidgets as W

from ..widgets import style
from ..widgets.markup import Templates

HERE = Path(__file__).resolve().parent
templates = Templates(HERE / "templates")


def stylesheet() -> W.HTML:
    """The page's stylesheet as a widget (a <style> element applies wherever it lands)."""
    return style.stylesheet(HERE / "static" / "trends.css")
