"""The toolkit's server extension in-process (pytest-jupyter's ``jp_serverapp``) on a SQLite
file of its own, a store beside it and a session of the mini plan. A test module imports
the fixtures it wants by name."""

import pytest

from toolkit.store import Store

from .server import toolkit_server_config


@pytest.fixture
def jp_server_config(sqlite_url):
    return toolkit_server_config(sqlite_url)


@pytest.fixture
def store(sqlite_url, jp_serverapp):
    s = Store(sqlite_url)
    yield s
    s.close()


@pytest.fixture
def session(store, programme):
    return store.start_session(programme)
