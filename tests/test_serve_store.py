"""The store ``toolkit serve`` is given is the store its dashboards use.

The student API runs in the server; the facilitator's console and the trends page run in
kernels the server starts. Started exactly as the README says (``--db URL``, nothing of the
toolkit's in the environment), a session started on the console must reach a phone that
types its code, and the trends page must read the store the server was given; the same
holds when the store is named in ``TOOLKIT_DB_URL``, with ``--ToolkitApp.db_url`` or in a
Jupyter config file.
"""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from support.server import start_server
from toolkit.cli import main
from toolkit.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
KERNEL_START = 120_000
UPDATE = 20_000


def fill(url: str, sessions: int) -> None:
    """``toolkit demo --db URL``: a store with simulated sessions, as a programme lead has."""
    result = CliRunner().invoke(main, ["demo", "--db", url, "--sessions", str(sessions), "--seed", "5"])
    assert result.exit_code == 0, result.output


def trends_sessions(browser, served) -> str:
    """The number of sessions the trends page, opened from the printed address, shows."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(served.lines["Trends dashboard"], timeout=90_000)
        tile = page.locator(".tk-tile-sessions .tk-number")
        tile.wait_for(timeout=KERNEL_START)
        return tile.inner_text()
    finally:
        page.close()


@pytest.fixture(scope="module")
def pg_store(pg_server_url):
    """A schema of its own on the test PostgreSQL: the README's route for an organisation."""
    import psycopg
    schema = "serve_" + uuid.uuid4().hex[:10]
    plain = pg_server_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{pg_server_url}?options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.postgres
def test_toolkit_serve_db_runs_a_session_from_the_console_to_a_phone(pg_store, tmp_path_factory, browser,
                                                                     artifacts):
    fill(pg_store, 12)
    served = start_server(tmp_path_factory.mktemp("serve-db"), db_url=pg_store)
    try:
        assert "--db" in served.process.args and "TOOLKIT_DB_URL" not in served.env
        # The trends page reads the filled store.
        assert trends_sessions(browser, served) == "12"

        # The console starts a session; the address bar keeps no token once the page has loaded.
        context = browser.new_context(viewport=PROJECTOR)
        console = context.new_page()
        console.goto(served.lines["Facilitator dashboard"])
        start = console.get_by_role("button", name="Start session")
        start.wait_for(timeout=KERNEL_START)
        assert "token" not in console.url and console.url.endswith("/voila/render/facilitator.ipynb")
        plans = console.get_by_label("Plan")
        plans.select_option(label=next(t for t in plans.locator("option").all_inner_texts() if "25-minute" in t))
        start.click()
        code_box = console.locator(".tk-code")
        expect(code_box).to_be_visible(timeout=UPDATE)
        code = code_box.inner_text().replace("-", "").strip()

        # A phone types the code shown on the screen, and joins.
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(served.lines["Students join at"])
        phone.locator("#code").fill(code)
        phone.get_by_role("button", name="Join").click()
        expect(phone.locator("main")).to_have_attribute("data-screen", "lobby")
        expect(console.locator(".tk-lobby [data-joined]")).to_have_attribute("data-joined", "1", timeout=UPDATE)

        # A card: the console opens voting, the phone answers, the console counts it.
        console.locator(".tk-step", has_text="Card:").first.click()
        console.get_by_role("button", name="Open voting").click()
        expect(phone.locator("main")).to_have_attribute("data-screen", "vote", timeout=UPDATE)
        phone.get_by_role("button", name="Warning signs").click()
        expect(phone.get_by_role("status")).to_contain_text("Answer received")
        expect(console.locator(".tk-status [data-answered]")).to_have_attribute("data-answered", "1",
                                                                                 timeout=UPDATE)
        console.screenshot(path=str(artifacts / "serve-db-console.png"))
        phone.screenshot(path=str(artifacts / "serve-db-phone.png"))
        context.close()

        # All of it in the store named by --db, none in the default one.
        store = Store(pg_store)
        answers = store.responses(code)
        assert list(answers["value"]) == ["warning"]
        assert len(store.sessions()) == 13
        store.close()
    finally:
        served.stop()


@pytest.mark.parametrize("how", ["environment", "--ToolkitApp.db_url", "config file"])
def test_every_way_of_naming_the_store_reaches_the_trends_page(how, tmp_path, browser):
    url = f"sqlite:///{tmp_path / 'named.db'}"
    fill(url, 7)
    env, args = {}, []
    if how == "environment":
        env = {"TOOLKIT_DB_URL": url}
    elif how == "--ToolkitApp.db_url":
        args = [f"--ToolkitApp.db_url={url}"]
    else:
        config = tmp_path / "jupyter-config"
        config.mkdir()
        (config / "jupyter_server_config.json").write_text(json.dumps({"ToolkitApp": {"db_url": url}}))
    served = start_server(tmp_path, db_url=url, env=env, args=args, db_option=False)
    try:
        assert "--db" not in served.process.args
        assert trends_sessions(browser, served) == "7"
        # The student API reads the same store.
        code = Store(url).sessions()["code"].iloc[0]
        with httpx.Client(base_url=served.base_url, timeout=20) as phone:
            assert phone.get(f"toolkit/api/sessions/{code}").json()["status"] == "ended"
        assert re.search(r"toolkit: store <Store .*named\.db>", served.log())
    finally:
        served.stop()


def test_a_damaged_store_named_only_in_jupyters_configuration_is_refused_in_one_line(tmp_path):
    """The store is read through as the server starts wherever it was named, not only with --db."""
    import os
    import sqlite3
    import subprocess
    import sys

    from support.server import ROOT
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table invoices (id integer)")
    config = tmp_path / "jupyter-config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(json.dumps({"ToolkitApp": {"db_url": f"sqlite:///{foreign}"}
                                                                   }))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOOLKIT_")}
    env.update({"JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")})
    command = [sys.executable, "-m", "toolkit.cli", "serve", "--host", "127.0.0.1", "--port", "0", "--no-browser"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ") and "not a toolkit database" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
