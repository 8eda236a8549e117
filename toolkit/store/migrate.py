"""Upgrading older databases, one schema version at a time.

``STEPS[n]`` takes a database from version ``n`` to ``n + 1`` inside one transaction;
the version row is written in the same transaction, so a failed step changes nothing.
"""

from __future__ import annotations

from sqlalchemy import update

from ..errors import StoreError
from .schema import SCHEMA_VERSION, meta, metadata


def _from_0(conn) -> None:
    # Version 0 databases held only the toolkit_meta table; the session tables came later.
    metadata.create_all(conn)


STEPS = {0: _from_0}


def upgrade(engine, version: int) -> None:
    while version < SCHEMA_VERSION:
        step = STEPS.get(version)
        if step is None:
            raise StoreError(f"no upgrade from schema {version}; nothing was changed")
        with engine.begin() as conn:
            step(conn)
            conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(version + 1)))
        version += 1
