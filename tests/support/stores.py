"""Stores for tests: a SQLite file per test, and the machine's PostgreSQL where it answers."""

import os
import uuid

import pytest

from toolkit.store import Store

PG_URL = os.environ.get("TOOLKIT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available(url: str) -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        return f"no PostgreSQL at {url}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def pg_server_url():
    """The PostgreSQL server URL; skipped with the reason where none answers, failed in CI."""
    reason = _pg_available(PG_URL)
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(reason)
    return PG_URL


@pytest.fixture
def pg_url(pg_server_url):
    """A fresh schema of its own on the test PostgreSQL, dropped afterwards."""
    import psycopg
    schema = "t_" + uuid.uuid4().hex[:12]
    plain = pg_server_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in pg_server_url else "?"
    yield f"{pg_server_url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'toolkit.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """Each store test runs on a SQLite file and on PostgreSQL (marked ``postgres``, so the
    fast loop, ``-m "not postgres"``, leaves it out)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'toolkit.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()
