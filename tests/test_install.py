"""Installing is not enabling: the built wheel changes no other Jupyter server.

The toolkit's extension serves public pages and writes a database, so after ``pip install``
a plain ``jupyter server`` (or ``jupyter lab``) in any folder must stay as it was; only
``toolkit serve``, and a deployment that opts in (docs/deploy.md), load it. Checked on the
real wheel: built from the project's files, installed into a prefix of its own, and a real
Jupyter Server started from that prefix as a user would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from support.server import ROOT, free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=180, **kwargs)
    assert result.returncode == 0, f"{args}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from a clean copy of the project, installed (without dependencies,
    which are this environment's) under a prefix of its own: (wheel, environment)."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    files = run("git", "ls-files", cwd=ROOT).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(work / "dist"),
        str(source))
    [wheel] = (work / "dist").glob("workshop_toolkit-*.whl")
    prefix = work / "prefix"
    # --ignore-installed: without it pip removes the toolkit installed in this environment (the
    # editable install the rest of the suite and the dashboards' kernels import) before
    # installing into the prefix.
    before = _installed_here()
    run(sys.executable, "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q", "--prefix", str(prefix),
        str(wheel))
    assert _installed_here() == before, "installing into a prefix changed this environment's toolkit"
    purelib = sysconfig.get_path("purelib", vars={"base": str(prefix), "platbase": str(prefix)})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOOLKIT_", "JUPYTER"))}
    env.update({
        # The prefix as the environment the wheel went into: its packages first, and its
        # etc/jupyter where Jupyter looks for what installed packages enable.
        "PYTHONPATH": purelib, "PATH": f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "JUPYTER_CONFIG_PATH": str(prefix / "etc" / "jupyter"),
        "JUPYTER_CONFIG_DIR": str(work / "user-config"), "JUPYTER_DATA_DIR": str(work / "user-data"),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"), "JUPYTER_TOKEN": "t" * 32,
    })
    found = run(sys.executable, "-c", "import toolkit; print(toolkit.__file__)", env=env, cwd=work).stdout
    assert found.strip().startswith(purelib), f"the installed wheel is imported, not {found}"
    return wheel, env, work


def _installed_here() -> str | None:
    """Where this environment's own installed toolkit lives, read by a fresh interpreter."""
    found = subprocess.run([sys.executable, "-m", "pip", "show", "-f", "workshop-toolkit"], capture_output=True,
                           text=True, timeout=60, cwd="/")
    return found.stdout if found.returncode == 0 else None


def jupyter_server(env: dict, folder: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """A plain ``jupyter server`` started in ``folder``; returns it and its address once it answers."""
    port = free_port()
    folder.mkdir(exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyter_server", f"--port={port}", "--no-browser",
                                    "--ServerApp.port_retries=0", "--allow-root"], cwd=folder, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "api/status", params={"token": env["JUPYTER_TOKEN"]}, timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"jupyter server did not start:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def test_the_wheel_carries_no_jupyter_configuration(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("toolkit/server/") for n in names)
    assert not [n for n in names if "etc/jupyter" in n or n.endswith("toolkit.json")], names


def test_a_plain_jupyter_server_after_install_is_unchanged_until_a_deployment_opts_in(installed):
    _, env, work = installed
    listed = run(sys.executable, "-m", "jupyter_server", "extension", "list", env=env, cwd=work)
    assert "toolkit" not in listed.stdout + listed.stderr

    folder = work / "someone-elses-project"
    process, base = jupyter_server(env, folder, work / "plain.log")
    try:
        assert httpx.get(base + "toolkit/join", timeout=10).status_code == 404
        assert httpx.get(base + "toolkit/api/openapi.json", timeout=10).status_code == 404
    finally:
        stop(process)
    assert not (folder / "sessions").exists(), "no database written into the folder"
    assert "toolkit |" not in (work / "plain.log").read_text(), "Jupyter loaded no toolkit extension"

    # A deployment opts in, as docs/deploy.md says (a file of its own in jupyter_server_config.d;
    # `jupyter server extension enable` only toggles extensions that ship such a file): then it loads.
    opt_in = Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.d" / "toolkit.json"
    opt_in.parent.mkdir(parents=True, exist_ok=True)
    opt_in.write_text('{"ServerApp": {"jpserver_extensions": {"toolkit": true}}}')
    process, base = jupyter_server(env, folder, work / "opted-in.log")
    try:
        page = httpx.get(base + "toolkit/join", timeout=10)
        assert page.status_code == 200 and "Childline" in page.text
    finally:
        stop(process)
    assert "toolkit | extension was successfully loaded" in (work / "opted-in.log").read_text()
