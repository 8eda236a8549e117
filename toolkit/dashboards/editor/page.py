"""The content editor's stylesheet (``static/editor.css`` on ``base.css``) and its HTML
templates (``templates/``), files shipped as package data.

Desk-sized type; the file browser, the form and the phone preview side by side; every
rule sits under ``.tk-editor``.
"""

from pathlib import Path

import ipywidgets as W

from ..widgets import style
from ..widgets.markup import Templates

HERE = Path(__file__).resolve().parent
templates = Templates(HERE / "templates")


def stylesheet() -> W.HTML:
    """The page's stylesheet as a widget (a <style> element applies wherever it lands)."""
    return style.stylesheet(HERE / "static" / "editor.css", hidden=True)


def piece(macro: str, *args, **kwargs) -> str:
    """One macro of ``templates/editor.html``."""
    return templates.macro("editor.html", macro, *args, **kwargs)
