"""Bad files: a database that is damaged, cut short, foreign or from a newer toolkit, and
content files cut short or full of garbage. Each gets one clear line saying what is wrong
and where (``toolkit serve`` too: no traceback, a non-zero exit), and nothing is written.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from support.server import ROOT, free_port
from toolkit.cli import main
from toolkit.content import ContentError, check_files
from toolkit.server import context as server_context
from toolkit.store import Store
from toolkit.store.schema import SCHEMA_VERSION

pytestmark = pytest.mark.timeout(120)

SHIPPED = sorted([*(ROOT / "data").rglob("*.yaml"), *(ROOT / "sessions" / "plans").glob("*.yaml")])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"


def _plain(path: Path):
    conn = sqlite3.connect(path)
    return conn


def random_bytes(path: Path) -> None:
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(16_384)))


def cut_in_half(path: Path) -> None:
    Store(f"sqlite:///{path}").close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])


def newer(path: Path) -> None:
    Store(f"sqlite:///{path}").close()
    conn = _plain(path)
    with conn:
        conn.execute("UPDATE toolkit_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.close()


def foreign(path: Path) -> None:
    conn = _plain(path)
    with conn:
        conn.execute("CREATE TABLE pupils (name TEXT)")
    conn.close()


def damaged_inside(path: Path) -> None:
    """A good database of some size whose middle pages are overwritten (a disk error, a copy
    cut short): its first pages, all that opening reads, are intact."""
    Store(f"sqlite:///{path}").close()
    conn = _plain(path)
    with conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.executemany("INSERT INTO questions (session_id, text, status, flagged, created_at, updated_at) "
                         "VALUES ('s', ?, 'pending', 0, '2026-01-01', '2026-01-01')",
                         [(f"question {i} " + "x" * 200,) for i in range(4000)])
    conn.close()
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff\x00" * 8192)


def a_folder(path: Path) -> None:
    path.mkdir()


BAD_DATABASES = {
    "random-bytes": (random_bytes, "cannot read the database"),
    "cut-in-half": (cut_in_half, "database disk image is malformed"),
    "damaged-inside": (damaged_inside, "is damaged"),
    "newer-toolkit": (newer, f"written by a newer toolkit (schema {SCHEMA_VERSION + 1}"),
    "not-ours": (foreign, "is not a toolkit database"),
    "a-folder": (a_folder, "cannot read the database"),
}


def serve(db_url: str, home: Path) -> subprocess.Popen:
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(home / "jupyter-runtime"), "PYTHONUNBUFFERED": "1"}
    env.pop("TOOLKIT_DB_URL", None)
    return subprocess.Popen([sys.executable, "-m", "toolkit.cli", "serve", "--no-browser", "--host", "127.0.0.1",
                             "--port", str(free_port()), "--db", db_url], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_serve_refuses_a_bad_database_with_one_clean_line_and_changes_nothing(tmp_path):
    """Every case at once, each its own ``toolkit serve`` (they run side by side)."""
    cases = {}
    for name, (make, says) in BAD_DATABASES.items():
        folder = tmp_path / name
        folder.mkdir()
        path = folder / "toolkit.db"
        make(path)
        cases[name] = (path, says, digest(path), sorted(os.listdir(folder)))
    cases["no-such-folder"] = (Path("/proc/no-such-folder/toolkit.db"), "cannot use the folder /proc/no-such-folder",
                               None, None)
    urls = {name: f"sqlite:///{path}" for name, (path, *_) in cases.items()}
    urls["postgresql-not-there"] = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    cases["postgresql-not-there"] = (None, "cannot read the database at postgresql+psycopg://postgres@127.0.0.1:1",
                                     None, None)
    running = {name: serve(url, tmp_path) for name, url in urls.items()}
    for name, process in running.items():
        try:
            out, err = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"{name}: toolkit serve started on a bad database:\n{out}{err}")
        path, says, before, files = cases[name]
        assert process.returncode == 2, (name, process.returncode, out, err)
        assert "Traceback" not in out + err, (name, err)
        lines = [line for line in (out + err).splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: ") and says in lines[0], (name, lines)
        if before is not None:
            assert digest(path) == before, f"{name}: the file was changed"
            assert sorted(os.listdir(path.parent)) == files, f"{name}: files were left beside it"


@pytest.mark.parametrize("command", [["export", "-o", "{out}.csv"], ["export", "-o", "{out}.json"],
                                     ["demo", "--sessions", "1"], ["import", "{out}.json"]],
                         ids=["export-csv", "export-bundle", "demo", "import"])
@pytest.mark.parametrize("case", ["random-bytes", "newer-toolkit", "not-ours"])
def test_every_command_refuses_a_bad_database_cleanly(tmp_path, command, case):
    make, says = BAD_DATABASES[case]
    path = tmp_path / "toolkit.db"
    make(path)
    before = digest(path)
    args = [part.replace("{out}", str(tmp_path / "out")) for part in command]
    result = CliRunner().invoke(main, [args[0], "--db", f"sqlite:///{path}", *args[1:]])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith("Error: ") and says in result.output, result.output
    assert digest(path) == before
    assert not (tmp_path / "out.csv").exists()


def test_a_good_database_passes_the_full_read(tmp_path, programme):
    store = Store(f"sqlite:///{tmp_path / 'good.db'}")
    session = store.start_session(programme)
    session.next()
    store.verify()
    store.close()


# -- content files ------------------------------------------------------------------------

def cuts(text: str, count: int = 12) -> list[int]:
    """Places to cut a file: spread through it, and inside its first quoted string."""
    step = max(1, len(text) // count)
    places = list(range(step, len(text) - 1, step))
    quote = text.find('"')
    if quote > 0:
        places.append(quote + 2)
    return places


@pytest.mark.parametrize("shipped", SHIPPED, ids=[p.name for p in SHIPPED])
def test_a_content_file_cut_short_gives_problems_naming_it_never_a_crash(tmp_path, shipped):
    text = shipped.read_text()
    named = 0
    for i, at in enumerate(cuts(text)):
        cut = tmp_path / f"{i:02d}-{shipped.name}"
        cut.write_text(text[:at])
        problems = check_files([cut])[str(cut)]
        for problem in problems:
            assert str(problem).startswith(str(cut)), problem
        named += bool(problems)
        assert cut.read_text() == text[:at], "checking changes nothing"
    assert named, f"no cut of {shipped.name} was noticed"


def test_check_names_a_cut_plan_in_one_pass_and_fails(tmp_path):
    plan = (ROOT / "sessions" / "plans" / "lesson-50.yaml").read_text()
    at = plan.index("activities:") + len("activities:\n  - {kind: sl")
    cut = tmp_path / "cut.yaml"
    cut.write_text(plan[:at])
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(bytes(range(256)) * 8)
    result = CliRunner().invoke(main, ["check", str(cut), str(garbage)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{cut}:" in result.output and f"{garbage}:" in result.output
    assert "is not UTF-8 text" in result.output
    assert "2 of 2 files have problems" in result.output


def test_a_session_is_not_started_from_a_cut_plan_and_nothing_is_written(tmp_path):
    plan = (ROOT / "sessions" / "plans" / "lesson-50.yaml").read_text()
    cut = tmp_path / "cut.yaml"
    cut.write_text(plan[: plan.index("activities:") + len("activities:\n  - {kind: sl")])
    store = Store(f"sqlite:///{tmp_path / 'toolkit.db'}")
    with pytest.raises(ContentError) as caught:
        store.start_session(cut)
    assert str(cut) in str(caught.value)
    assert store.live_sessions() == []
    conn = _plain(tmp_path / "toolkit.db")
    assert conn.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)
    conn.close()
    store.close()
    result = CliRunner().invoke(main, ["demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--sessions", "1",
                                       "--plan", str(cut)])
    assert result.exit_code != 0 and result.output.startswith("Error: ") and str(cut) in result.output, \
        result.output


def test_a_broken_help_file_leaves_the_built_in_help_on_the_student_page(tmp_path, monkeypatch):
    help_dir = tmp_path / "data" / "help"
    help_dir.mkdir(parents=True)
    uk = (ROOT / "data" / "help" / "uk.yaml").read_text()
    (help_dir / "uk.yaml").write_text(uk[: len(uk) // 2] + '\n  - {name: "cut off')
    monkeypatch.setenv("TOOLKIT_HOME", str(tmp_path))
    shown = server_context.default_help("uk")
    assert {r["phone"] for r in shown["resources"]} >= {"0800 1111", "0808 800 5000", "999"}
