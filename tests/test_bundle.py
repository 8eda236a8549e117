"""Session bundles: sessions exported on one laptop and merged into another store.

A source store holds simulated ended sessions and one live session whose students
answered and asked questions (one approved, one pending, one hidden). It is exported,
then imported into an empty store (SQLite and PostgreSQL); importing again changes
nothing, a different copy of a session is reported and kept, a live join code that
clashes comes in ended, and a broken bundle is refused whole.
"""

import gzip
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from toolkit import bundle, demo
from toolkit.cli import main
from toolkit.errors import ToolkitError
from toolkit.store import Store
from toolkit.store.schema import devices, questions, responses, sessions


@pytest.fixture
def source(tmp_path, programme):
    store = Store(f"sqlite:///{tmp_path / 'laptop.db'}")
    demo.simulate(store, sessions=3, programmes=[programme], seed=11)
    live = store.start_session(programme, organisation="Northfield Academy", group="Year 9 Oak")
    live.next()  # the ground rules slide
    live.next()  # the baseline confidence poll
    live.open_voting()
    for n in range(6):
        store.record_response(live.code, f"phone-{n}", live.current_activity.id, str(1 + n % 5))
    approved = store.submit_question(live.code, "Can boys be exploited too?")
    store.set_question_status(approved, "approved")
    store.submit_question(live.code, "a question still waiting")
    hidden = store.submit_question(live.code, "a question the facilitator hid")
    store.set_question_status(hidden, "hidden")
    store.live = live
    yield store
    store.close()


def counts(store) -> dict:
    with store.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (sessions, responses, questions, devices)}


def answers(store):
    frame = store.responses().drop(columns=["answered_at"])
    return frame.sort_values(["session_id", "activity_id", "item_id", "respondent"]).reset_index(drop=True)


def test_a_bundle_carries_sessions_answers_and_approved_questions_only(source, tmp_path):
    path = tmp_path / "laptop.json"
    written = bundle.export_bundle(source, path)
    data = json.loads(path.read_text())
    assert data["format"] == bundle.FORMAT and data["version"] == bundle.VERSION
    assert written == {"sessions": 4, "responses": len(data["responses"]["rows"]),
                       "questions": len(data["questions"]["rows"])}
    texts = [dict(zip(data["questions"]["columns"], row))["text"] for row in data["questions"]["rows"]]
    assert "Can boys be exploited too?" in texts
    assert "a question still waiting" not in texts and "a question the facilitator hid" not in texts
    assert "devices" not in data and "token_hash" not in path.read_text()


def test_export_then_import_gives_the_same_sessions_and_answers(source, tmp_path, store):
    path = tmp_path / "laptop.json.gz"
    bundle.export_bundle(source, path)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    report = bundle.import_bundles(store, [path])
    assert len(report.imported) == 4 and not report.conflicts and not report.ended
    assert len(answers(store)) == len(answers(source))
    assert answers(store).equals(answers(source))
    mine = store.sessions().set_index("session_id").sort_index()
    theirs = source.sessions().set_index("session_id").sort_index()
    cols = ["code", "plan_id", "organisation", "group", "status", "respondents", "created_at", "ended_at"]
    assert mine[cols].equals(theirs[cols])
    live = store.session(source.live.id)
    assert live.status == "lobby" or live.status == "running"  # still live: no clash here
    assert [q["text"] for q in store.questions(source.live.id)] == ["Can boys be exploited too?"]
    assert counts(store)["devices"] == 0


def test_importing_twice_changes_nothing(source, tmp_path, store):
    path = tmp_path / "laptop.json"
    bundle.export_bundle(source, path)
    bundle.import_bundles(store, [path])
    before = counts(store), answers(store)
    again = bundle.import_bundles(store, [path, path])
    assert not again.imported and len(again.present) == 4 and not again.conflicts
    assert counts(store) == before[0]
    assert answers(store).equals(before[1])


def test_a_different_copy_of_a_session_is_reported_not_overwritten(source, tmp_path, sqlite_url):
    path = tmp_path / "laptop.json"
    bundle.export_bundle(source, path)
    target = Store(sqlite_url)
    bundle.import_bundles(target, [path])
    victim = target.sessions()["session_id"].iloc[0]
    with target.engine.begin() as conn:
        first = conn.execute(select(responses.c.id, responses.c.value).where(responses.c.session_id == victim)
                             .order_by(responses.c.id)).first()
        conn.execute(update(responses).where(responses.c.id == first.id).values(value="not_sure"))
    report = bundle.import_bundles(target, [path])
    assert [s["id"] for s in report.conflicts] == [victim]
    assert len(report.present) == 3
    assert any("Conflict" in line and victim in line for line in report.lines())
    with target.engine.connect() as conn:
        assert conn.execute(select(responses.c.value).where(responses.c.id == first.id)).scalar() == "not_sure"


def test_a_live_session_whose_code_is_in_use_here_comes_in_ended(source, tmp_path, sqlite_url, programme):
    path = tmp_path / "laptop.json"
    bundle.export_bundle(source, path)
    target = Store(sqlite_url)
    here = target.start_session(programme)
    with target.engine.begin() as conn:
        conn.execute(update(sessions).where(sessions.c.id == here.id).values(code=source.live.code))
    report = bundle.import_bundles(target, [path])
    assert [s["id"] for s in report.ended] == [source.live.id]
    assert target.session(source.live.id).status == "ended"
    assert target.session(here.id).status == "lobby"
    assert target.find_session(source.live.code).id == here.id  # students still reach the live one here
    assert "as ended" in report.lines()[0] and source.live.code in report.lines()[0]


def _broken(tmp_path, source, change) -> str:
    path = tmp_path / "good.json"
    bundle.export_bundle(source, path)
    data = json.loads(path.read_text())
    out = tmp_path / "broken.json"
    text = change(data)
    out.write_text(text if isinstance(text, str) else json.dumps(data))
    return str(out)


def _drop_column(data):
    table = data["responses"]
    i = table["columns"].index("respondent")
    table["columns"].pop(i)
    for row in table["rows"]:
        row.pop(i)


def _bad_type(data):
    data["responses"]["rows"][0][data["responses"]["columns"].index("respondent")] = "one"


def _edited_snapshot(data):
    row = data["snapshots"]["rows"][0]
    row[1] = row[1].replace("Mini plan", "Mini plan, edited")


def _orphan_answer(data):
    data["responses"]["rows"][0][0] = "f" * 32


def _pending_question(data):
    data["questions"]["rows"][0][data["questions"]["columns"].index("status")] = "pending"


BROKEN = {
    "not JSON": (lambda data: "this is not json", "JSON is broken"),
    "cut short": (lambda data: json.dumps(data)[:-400], "ends too soon"),
    "another format": (lambda data: data.update(format="spreadsheet"), "not a session bundle"),
    "newer version": (lambda data: data.update(version=99), "newer toolkit"),
    "missing table": (lambda data: data.pop("sessions"), "sessions table is missing"),
    "missing column": (_drop_column, "lacks the column 'respondent'"),
    "wrong type": (_bad_type, "is not a whole number"),
    "edited snapshot": (_edited_snapshot, "does not match its content"),
    "orphan answer": (_orphan_answer, "does not hold"),
    "pending question": (_pending_question, "only approved questions"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_bundle_is_refused_whole(source, tmp_path, sqlite_url, case):
    change, message = BROKEN[case]
    good = tmp_path / "other.json"
    bundle.export_bundle(source, good)
    broken = _broken(tmp_path, source, change)
    target = Store(sqlite_url)
    before = counts(target)
    with pytest.raises(ToolkitError) as caught:
        bundle.import_bundles(target, [good, broken])  # the good one is not written either
    assert message in str(caught.value) and "broken.json" in str(caught.value)
    assert "Nothing was imported" in str(caught.value)
    assert counts(target) == before


def test_a_truncated_gzip_bundle_is_refused(source, tmp_path, sqlite_url):
    path = tmp_path / "laptop.json.gz"
    bundle.export_bundle(source, path)
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ToolkitError, match="damaged or cut short"):
        bundle.import_bundles(Store(sqlite_url), [cut])


def test_the_cli_exports_csv_and_bundles_and_imports_them(source, tmp_path):
    runner = CliRunner()
    csv = tmp_path / "answers.csv"
    result = runner.invoke(main, ["export", "--db", source.url, "-o", str(csv)])
    assert result.exit_code == 0, result.output
    assert csv.read_text().splitlines()[0].startswith("session_id,code,plan_id")
    one = tmp_path / "one.json"
    result = runner.invoke(main, ["export", "--db", source.url, "--session", source.live.code, "-o", str(one)])
    assert result.exit_code == 0 and "Wrote 1 session " in result.output
    target = f"sqlite:///{tmp_path / 'lead.db'}"
    result = runner.invoke(main, ["import", "--db", target, str(one)])
    assert result.exit_code == 0 and "Imported 1 session " in result.output
    result = runner.invoke(main, ["import", "--db", target, str(one)])
    assert result.exit_code == 0 and "1 already here" in result.output
    with gzip.open(tmp_path / "bad.json.gz", "wt") as out:
        out.write("{}")
    result = runner.invoke(main, ["import", "--db", target, str(tmp_path / "bad.json.gz")])
    assert result.exit_code == 2 and "not a session bundle" in result.output and "Traceback" not in result.output


def test_the_bundle_holds_each_table_as_the_store_has_it_but_its_own_numbers(source, tmp_path, sqlite_url):
    """Columns, lengths and empties come from the schema: every column but row ids, the
    page's tap numbers and a live session's own state (which activities it revealed, where it
    was when a question came in) travels, and a value longer than its column is refused by name."""
    path = tmp_path / "laptop.json"
    bundle.export_bundle(source, path)
    data = json.loads(path.read_text())
    for table, columns in ((sessions, data["sessions"]["columns"]), (responses, data["responses"]["columns"]),
                           (questions, data["questions"]["columns"])):
        stays = ("seq", "revealed_ids", "on_screen")
        assert columns == [c.name for c in table.columns
                           if c.name not in stays and (c.name != "id" or table is sessions)]
    data["sessions"]["rows"][0][data["sessions"]["columns"].index("group_label")] = "x" * 121
    long = tmp_path / "long.json"
    long.write_text(json.dumps(data))
    with pytest.raises(ToolkitError, match="sessions row 1, group_label: is longer than 120 characters"):
        bundle.import_bundles(Store(sqlite_url), [long])
