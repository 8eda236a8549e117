"""The toolkit's Voilà template (``share/voila/templates/toolkit/``): the dashboards' page
with nothing loaded from another host.

Voilà looks for templates only on Jupyter's data path, so ``expose`` puts the folder that
holds this one there (``JUPYTER_PATH``) for the server's process and the kernels it starts;
``toolkit serve`` does so and names the template in Voilà's configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

NAME = "toolkit"
DATA = Path(__file__).resolve().parent / "share"


def expose(environ=os.environ) -> None:
    """Put the toolkit's Jupyter data folder first on ``JUPYTER_PATH`` (once)."""
    paths = [p for p in (environ.get("JUPYTER_PATH") or "").split(os.pathsep) if p]
    if str(DATA) not in paths:
        environ["JUPYTER_PATH"] = os.pathsep.join([str(DATA), *paths])
