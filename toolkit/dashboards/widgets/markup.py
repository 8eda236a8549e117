"""The dashboards' HTML, from Jinja2 templates: every piece of markup is a file, and every
value put into one is escaped.

A room (``console``, ``trends``) keeps its templates in its own ``templates/`` folder;
``widgets/templates/`` holds what both use. Values are escaped as ``html.escape`` does
(``&#x27;`` for a quote), as the dashboards always have; markup made by another template,
or a stylesheet read from the package, passes through as it is.
"""

from __future__ import annotations

import html
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

SHARED = Path(__file__).resolve().parent / "templates"


def _escaped(value):
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


class Templates:
    """The templates of one room (and the shared ones), ready to render."""

    def __init__(self, folder: Path):
        self.env = Environment(loader=FileSystemLoader([str(folder), str(SHARED)]), autoescape=True,
                               finalize=_escaped, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

    def render(self, name: str, **context) -> str:
        """A whole template, as a string for a widget's ``value``."""
        return self.env.get_template(name).render(**context)

    def macro(self, name: str, macro: str, *args, **kwargs) -> str:
        """One macro of a template: a piece of a panel."""
        return str(getattr(self.env.get_template(name).module, macro)(*args, **kwargs))


SHARED_TEMPLATES = Templates(SHARED)
