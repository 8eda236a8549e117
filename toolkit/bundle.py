"""Moving sessions between stores: a session bundle file, exported and imported.

A facilitator runs sessions on a laptop, often offline; a programme lead gathers them
into one store. ``export_bundle`` writes the chosen sessions with the content snapshots
they ran, their answers and their approved questions (pending and hidden questions may
hold a disclosure and never leave the laptop; device links are never written).
``import_bundles`` merges bundles into a store:

- idempotent by session id: a session already here with the same content is skipped;
- a session id already here with different content is reported and left as it is;
- a session that was still live, whose join code a live session here already uses, is
  imported as ended (its code stays; only the live one here can be joined);
- every bundle is read and checked in full before anything is written, and everything
  is written in one transaction: a broken bundle is refused whole and nothing changes.

The file is JSON (gzip-compressed when the name ends ``.gz``): ``format``, ``version``,
then tables as ``{"columns": [...], "rows": [[...], ...]}``. Which columns, and what each
may hold, follow the store's tables (``store.bundles``): a schema change that adds or drops
a column changes the bundle, so ``VERSION`` moves with ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .content import Programme
from .errors import BadRequest, NotFound
from .store.bundles import BOOLEAN, COLUMNS, INTEGER, SPEC, TEXT, TIME
from .store.codes import looks_valid
from .store.session import STATUSES

FORMAT = "workshop-toolkit-sessions"
VERSION = 1

# The tables and their columns, as the store defines them (``store.bundles``).
TABLES = COLUMNS
SESSION_COLUMNS, SNAPSHOT_COLUMNS = COLUMNS["sessions"], COLUMNS["snapshots"]
RESPONSE_COLUMNS, QUESTION_COLUMNS = COLUMNS["responses"], COLUMNS["questions"]
# Facts a later export of the same session may legitimately change (it was still running).
_VOLATILE = ("status", "current_index", "voting_open", "revealed", "version", "respondents", "ended_at",
             "updated_at")


# -- export --------------------------------------------------------------------------
def _iso(value) -> str | None:
    """A stored time as ISO 8601 UTC (the store keeps UTC; SQLite hands it back naive)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _cell(column: str, value, minute: bool = False):
    if column.endswith("_at"):
        if minute and value is not None and not isinstance(value, str):
            # Answers and questions leave no finer than the minute: a time to the second could
            # be matched to the child seen tapping.
            value = value.replace(second=0, microsecond=0)
        return _iso(value)
    if column in ("voting_open", "revealed", "flagged"):
        return bool(value)
    return value


def _selected(store, code: str | None) -> list:
    if code is not None:
        return [store.find_session(code).id]
    return store.session_ids()


def export_bundle(store, path: str | Path, code: str | None = None) -> dict:
    """Write the store's sessions (or the one ``code`` names) to a bundle file at ``path``.

    Returns counts: ``{"sessions": n, "responses": n, "questions": n}``. Answers are
    streamed to the file, so a large store does not need to fit in memory twice.
    """
    path = Path(path)
    ids = _selected(store, code)
    counts = {"sessions": len(ids), "responses": 0, "questions": 0}
    opener = gzip.open if path.name.endswith(".gz") else open
    tmp = path.with_name(path.name + ".part")
    with store.bundle_reader() as reader, opener(tmp, "wt", encoding="utf-8") as out:
        out.write(f'{{"format": {json.dumps(FORMAT)}, "version": {VERSION}, '
                  f'"exported_at": {json.dumps(_iso(datetime.now(timezone.utc)))}, '
                  f'"toolkit_version": {json.dumps(__version__)},\n')
        session_rows = _cells(SESSION_COLUMNS, reader.sessions(ids))
        snapshot_ids = sorted({row[SESSION_COLUMNS.index("snapshot_id")] for row in session_rows})
        snapshot_rows = _cells(SNAPSHOT_COLUMNS, reader.snapshots(snapshot_ids))
        question_rows = _cells(QUESTION_COLUMNS, reader.approved_questions(ids), minute=True)
        counts["questions"] = len(question_rows)
        for name, columns, rows in (("sessions", SESSION_COLUMNS, session_rows),
                                    ("snapshots", SNAPSHOT_COLUMNS, snapshot_rows),
                                    ("questions", QUESTION_COLUMNS, question_rows)):
            out.write(f'"{name}": {json.dumps({"columns": columns, "rows": rows})},\n')
        out.write(f'"responses": {{"columns": {json.dumps(RESPONSE_COLUMNS)}, "rows": [')
        first = True
        for row in reader.responses(ids):
            out.write(("\n" if first else ",\n")
                      + json.dumps([_cell(c, v, minute=True) for c, v in zip(RESPONSE_COLUMNS, row)]))
            first = False
            counts["responses"] += 1
        out.write("\n]}}\n")
    tmp.replace(path)
    return counts


def _cells(columns, rows, minute: bool = False) -> list[list]:
    return [[_cell(c, v, minute) for c, v in zip(columns, row)] for row in rows]


# -- reading and checking ------------------------------------------------------------
class BrokenBundle(BadRequest):
    """A bundle that cannot be imported as it is; nothing from it was written."""


def read_bundle(path: str | Path) -> dict:
    """Read and check a bundle file completely; returns its tables as lists of dicts.

    Raises ``BrokenBundle`` naming the file and what is wrong: not JSON, truncated,
    another format or a newer version, a missing table or column, a value of the wrong
    kind, an answer to a session or activity the bundle does not hold, a snapshot whose
    content does not match its id.
    """
    path = Path(path)
    where = str(path)

    def fail(message: str):
        raise BrokenBundle(message + ". Nothing was imported.", where=where)

    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read the file: {exc.strerror or exc}")
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            fail(f"the compressed file is damaged or cut short ({exc})")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError:
        fail("not a session bundle: the file is not text (UTF-8 JSON)")
    except json.JSONDecodeError as exc:
        # A file cut short breaks on its last line; a damaged one somewhere inside.
        cut = "\n" not in text[exc.pos:].strip()
        fail("not a session bundle: the JSON is broken: " + ("it ends too soon (cut short while copying?)" if cut
                                                          else f"{exc.msg} at line {exc.lineno}"))
    return check_bundle(data, where)


def check_bundle(data, where: str = "bundle") -> dict:
    """Check a parsed bundle; returns ``{table: [row dicts]}`` or raises ``BrokenBundle``."""
    def fail(message: str):
        raise BrokenBundle(message + ". Nothing was imported.", where=where)

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        fail(f"not a session bundle (expected \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        fail("the bundle has no format version")
    if version > VERSION:
        fail(f"the bundle was written by a newer toolkit (format version {version}; this one reads up to "
             f"{VERSION}); upgrade the toolkit to import it")
    tables = {}
    for name, columns in TABLES.items():
        table = data.get(name)
        if not isinstance(table, dict) or not isinstance(table.get("columns"), list) \
                or not isinstance(table.get("rows"), list):
            fail(f"the {name} table is missing or not a table of columns and rows")
        missing = [c for c in columns if c not in table["columns"]]
        if missing:
            fail(f"the {name} table lacks the column {missing[0]!r}")
        unknown = [c for c in table["columns"] if c not in columns]
        if unknown:
            fail(f"the {name} table has an unknown column {unknown[0]!r}")
        if len(set(table["columns"])) != len(table["columns"]):
            fail(f"the {name} table names a column twice")
        rows = []
        for number, row in enumerate(table["rows"], 1):
            if not isinstance(row, list) or len(row) != len(table["columns"]):
                fail(f"{name} row {number} does not have {len(table['columns'])} values")
            record = dict(zip(table["columns"], row))
            for column, value in record.items():
                problem = _bad_value(name, column, value)
                if problem:
                    fail(f"{name} row {number}, {column}: {problem}")
            rows.append(record)
        tables[name] = rows
    _check_links(tables, fail)
    return tables


def _bad_value(table: str, column: str, value) -> str | None:
    spec = SPEC[table][column]
    kind, nullable, longest = spec.kind, spec.nullable, spec.longest
    if value is None:
        return None if nullable else "is empty"
    if kind == TEXT:
        if not isinstance(value, str) or (not value and not nullable):
            return "is not text" if not isinstance(value, str) else "is empty"
        if longest and len(value) > longest:
            return f"is longer than {longest} characters"
    elif kind == INTEGER:
        if not isinstance(value, int) or isinstance(value, bool):
            return "is not a whole number"
    elif kind == BOOLEAN:
        if not isinstance(value, bool):
            return "is not true or false"
    elif kind == TIME:
        if not isinstance(value, str):
            return "is not a time"
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return f"is not an ISO 8601 time ({value!r})"
    return None


def _check_links(tables: dict, fail) -> None:
    snapshots_by_id = {}
    for row in tables["snapshots"]:
        body = row["body"]
        if hashlib.sha256(body.encode()).hexdigest() != row["id"]:
            fail(f"snapshot {row['id'][:12]}… does not match its content (edited or damaged)")
        try:
            snapshots_by_id[row["id"]] = Programme.from_snapshot(json.loads(body))
        except Exception as exc:  # any failure to rebuild the plan means the snapshot is unusable
            fail(f"snapshot {row['id'][:12]}… is not a readable session plan ({type(exc).__name__})")
    seen = set()
    for row in tables["sessions"]:
        if row["id"] in seen:
            fail(f"session {row['id']} appears twice")
        seen.add(row["id"])
        if row["status"] not in STATUSES:
            fail(f"session {row['id']} has an unknown status {row['status']!r}")
        if not looks_valid(row["code"]):
            fail(f"session {row['id']} has a malformed join code {row['code']!r}")
        if row["snapshot_id"] not in snapshots_by_id:
            fail(f"session {row['id']} ran a plan snapshot the bundle does not hold")
    programme_of = {row["id"]: snapshots_by_id[row["snapshot_id"]] for row in tables["sessions"]}
    answered = set()
    for number, row in enumerate(tables["responses"], 1):
        programme = programme_of.get(row["session_id"])
        if programme is None:
            fail(f"responses row {number} belongs to a session the bundle does not hold")
        if not programme.has_activity(row["activity_id"]):
            fail(f"responses row {number} answers an activity ({row['activity_id']!r}) its session's plan lacks")
        key = (row["session_id"], row["activity_id"], row["item_id"], row["respondent"])
        if key in answered:
            fail(f"responses row {number} repeats an answer already in the bundle")
        answered.add(key)
    for number, row in enumerate(tables["questions"], 1):
        if row["session_id"] not in programme_of:
            fail(f"questions row {number} belongs to a session the bundle does not hold")
        if row["status"] != "approved":
            fail(f"questions row {number} is {row['status']!r}: only approved questions travel in bundles")


# -- import --------------------------------------------------------------------------
@dataclass
class ImportReport:
    """What an import did, session by session."""

    imported: list[dict] = field(default_factory=list)
    present: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    ended: list[dict] = field(default_factory=list)  # imported as ended: their code is live here
    responses: int = 0
    questions: int = 0

    def lines(self) -> list[str]:
        """The report in words, one line per session that needs a word, then a summary."""
        out = []
        for s in self.ended:
            out.append(f"Imported {_describe(s)} as ended: its join code {s['code']} belongs to a live session "
                       "in this store.")
        for s in self.conflicts:
            out.append(f"Conflict: session {s['id']} ({_describe(s)}) is already in this store with different "
                       "answers or labels; kept the copy here, imported nothing for it.")
        out.append(f"Imported {len(self.imported)} session{'s' if len(self.imported) != 1 else ''} "
                   f"({self.responses:,} answers, {self.questions} approved questions); "
                   f"{len(self.present)} already here; {len(self.conflicts)} "
                   f"conflict{'s' if len(self.conflicts) != 1 else ''}.")
        return out


def _describe(session: dict) -> str:
    labels = [session.get("organisation"), session.get("group_label")]
    when = (session.get("created_at") or "")[:10]
    return f"{session['code']} ({', '.join(l for l in labels if l) or 'no labels'}, {when})"


def import_bundles(store, paths) -> ImportReport:
    """Merge bundle files into ``store``; every bundle is checked before anything is written."""
    bundles = [read_bundle(p) for p in paths]
    if not bundles:
        raise NotFound("no bundle files given")
    incoming: dict[str, dict] = {}
    report = ImportReport()
    snapshot_bodies: dict[str, str] = {}
    for tables in bundles:
        for row in tables["snapshots"]:
            snapshot_bodies[row["id"]] = row["body"]
        answers = _group(tables["responses"])
        asked = _group(tables["questions"])
        for row in tables["sessions"]:
            entry = {"session": row, "responses": answers.get(row["id"], []), "questions": asked.get(row["id"], [])}
            earlier = incoming.get(row["id"])
            if earlier is None:
                incoming[row["id"]] = entry
            elif _fingerprint(earlier) != _fingerprint(entry):
                report.conflicts.append(row)  # two bundles disagree about one session: take neither
                earlier["conflict"] = True
    _merge(store, incoming, snapshot_bodies, report)
    return report


def _merge(store, incoming: dict, snapshot_bodies: dict, report: ImportReport) -> None:
    """Write the new sessions of ``incoming`` in one transaction, filling ``report``."""
    with store.bundle_merge() as merge:
        here = {session_id: _fingerprint({**found, "session": {c: _cell(c, v) for c, v in found["session"].items()}})
                for session_id, found in merge.existing(list(incoming)).items()}
        live_codes = merge.live_codes()
        to_write, response_rows, question_rows = [], [], []
        for session_id, entry in incoming.items():
            row = entry["session"]
            if entry.get("conflict"):
                continue
            if session_id in here:
                if here[session_id] == _fingerprint(entry):
                    report.present.append(row)
                else:
                    report.conflicts.append(row)
                continue
            values = {c: _value(c, row[c]) for c in SESSION_COLUMNS}
            if row["status"] != "ended":
                if row["code"] in live_codes:
                    values.update(status="ended", voting_open=False, revealed=False,
                                  ended_at=values["ended_at"] or values["updated_at"])
                    report.ended.append(row)
                else:
                    live_codes.add(row["code"])
            to_write.append(values)
            response_rows += [{c: _value(c, r[c]) for c in RESPONSE_COLUMNS} for r in entry["responses"]]
            question_rows += [{c: _value(c, q[c]) for c in QUESTION_COLUMNS} for q in entry["questions"]]
            report.imported.append(row)
        merge.write(snapshot_bodies, to_write, response_rows, question_rows)
        report.responses, report.questions = len(response_rows), len(question_rows)


def _group(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["session_id"], []).append(row)
    return out


def _value(column: str, value):
    if column.endswith("_at") and value is not None:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    return value


def _fingerprint(entry: dict) -> str:
    """What makes two copies of a session the same: its labels, plan and answers, not how
    far through it was (status, version and such may differ between two exports)."""
    session = {c: v for c, v in entry["session"].items() if c not in _VOLATILE}
    session["created_at"] = _iso(_value("created_at", session["created_at"]))
    session["started_at"] = _iso(_value("started_at", session["started_at"]))
    answers = sorted((r["activity_id"], r["item_id"], r["phase"] or "", r["respondent"], r["value"])
                     for r in entry["responses"])
    asked = sorted(q["text"] for q in entry["questions"])
    body = json.dumps([sorted(session.items()), answers, asked], default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()
