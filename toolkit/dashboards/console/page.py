"""The console's page: its stylesheet (``static/console.css`` on ``base.css``) and its HTML
templates (``templates/``), files shipped as package data.

Large type for a projector, calm colours, a clear private area.
"""

from pathlib import Path

import ipywidgets as W

from ..widgets import style
from ..widgets.markup import Templates

HERE = Path(__file__).resolve().parent
templates = Templates(HERE / "templates")


def stylesheet() -> W.HTML:
    """The console's stylesheet as a widget to put anywhere in the page."""
    return style.stylesheet(HERE / "static" / "console.css", hidden=True)
