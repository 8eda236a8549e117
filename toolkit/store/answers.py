"""What students write: joining a session, answering, and the anonymous questions box.

A device is known only by a hash of its random cookie token, per session; the hash maps
to an in-session respondent number, drawn at random (join order would let a facilitator
watching the lobby counter put a name to a number), and is deleted when the session ends.
Answer times are kept to the minute, for the same reason.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..errors import BadRequest, Busy, Conflict, Invalid, NotFound, Stale
from ..safeguarding import clean_text, may_be_disclosure
from .codes import looks_valid, normalise
from .engine import busy_as_error, contention
from .schema import devices, questions, responses, sessions
from .session import now

QUESTION_MAX = 280
# Respondent numbers: six digits, drawn at random within a session.
RESPONDENT_LOW, RESPONDENT_HIGH = 100_000, 999_999


def token_hash(session_id: str, token: str) -> str:
    return hashlib.sha256(f"{session_id}:{token}".encode()).hexdigest()


def need_token(token) -> None:
    # Without this every device sending no cookie would share one respondent number.
    if not isinstance(token, str) or not token.strip():
        raise BadRequest("no device token: reload the page to get one")


# The statements of the answer path, built once: a hall sends hundreds of answers a second,
# and building each statement anew cost more CPU than running it.
_LIVE = (select(sessions).where(sessions.c.code == bindparam("code"))
         .order_by((sessions.c.status == "ended").asc(), sessions.c.created_at.desc()).limit(1))
_LOCKED = select(sessions).where(sessions.c.id == bindparam("session_id")).with_for_update(read=True)
_RESPONDENT = select(devices.c.respondent).where(devices.c.session_id == bindparam("session_id"),
                                                 devices.c.token_hash == bindparam("token_hash"))
_EXISTING = select(responses.c.id).where(
    responses.c.session_id == bindparam("session_id"), responses.c.activity_id == bindparam("activity_id"),
    responses.c.item_id == bindparam("item_id"), responses.c.respondent == bindparam("respondent"))
_NUMBER_TAKEN = select(devices.c.respondent).where(devices.c.session_id == bindparam("session_id"),
                                                   devices.c.respondent == bindparam("respondent"))
INSERT = insert(responses)
INSERT_DEVICE = insert(devices)
_CHANGE = update(responses).where(responses.c.id == bindparam("response_id")).values(
    value=bindparam("new_value", type_=responses.c.value.type),
    updated_at=bindparam("stamp", type_=responses.c.updated_at.type))
# A numbered answer changes the stored one only if that one is not numbered higher: the
# test is part of the write, so two taps crossing on their way in leave the later one.
_CHANGE_IN_ORDER = update(responses).where(
    responses.c.id == bindparam("response_id"),
    or_(responses.c.seq.is_(None), responses.c.seq <= bindparam("at_least", type_=responses.c.seq.type))).values(
    value=bindparam("new_value", type_=responses.c.value.type),
    updated_at=bindparam("stamp", type_=responses.c.updated_at.type),
    seq=bindparam("new_seq", type_=responses.c.seq.type))
_STORED_SEQ = select(responses.c.seq).where(responses.c.id == bindparam("response_id"))


def live_row(conn, code: str, lock: bool = False):
    """The session a join code names: the live one, else the most recent ended one."""
    code = normalise(code)
    if not looks_valid(code):
        raise NotFound(f"no session with code {code!r}: check the code on the screen")
    row = conn.execute(_LIVE, {"code": code}).first()
    if row is None:
        raise NotFound(f"no session with code {code!r}: check the code on the screen")
    if lock and conn.dialect.name != "sqlite":
        # Held while an answer is written, so "Close voting" waits for answers in flight
        # (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers, so the second
        # read would only repeat the first).
        row = conn.execute(_LOCKED, {"session_id": row.id}).one()
    return row


def respondent_for(conn, session_id: str, token: str) -> int | None:
    return conn.execute(_RESPONDENT, {"session_id": session_id,
                                      "token_hash": token_hash(session_id, token)}).scalar()


def join(engine, code: str, token: str, admit=None) -> tuple:
    """Register a device in a session; returns (the session's row, respondent number, new).

    ``admit``, when given, is called before a device new to the session is added, inside
    the transaction; it raises to refuse it (the server's per-address limit)."""
    need_token(token)
    for attempt in range(3):
        try:
            with busy_as_error(), engine.begin() as conn:
                row = live_row(conn, code)
                if row.status == "ended":
                    raise Conflict("this session has ended")
                known = respondent_for(conn, row.id, token)
                if known is not None:
                    return row, known, False
                if admit is not None:
                    admit()
                # The status test is part of the write, not only of the read above: on
                # PostgreSQL the session may have ended since, and a device link made now
                # would outlive the end that was meant to destroy them all. The update also
                # locks the session's row until commit, so joins to one session draw their
                # numbers one at a time and never the same one.
                counted = conn.execute(update(sessions).where(sessions.c.id == row.id, sessions.c.status != "ended")
                                       .values(respondents=sessions.c.respondents + 1)
                                       .returning(sessions.c.respondents)).scalar()
                if counted is None:
                    raise Conflict("this session has ended")
                number = free_number(conn, row.id)
                conn.execute(INSERT_DEVICE, {"session_id": row.id, "token_hash": token_hash(row.id, token),
                                             "respondent": number})
                return row, number, True
        except IntegrityError:
            # The same device joined twice at once; the other request registered it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def draw_number() -> int:
    """A respondent number drawn evenly from six digits (taken or not)."""
    return RESPONDENT_LOW + secrets.randbelow(RESPONDENT_HIGH - RESPONDENT_LOW + 1)


def free_number(conn, session_id: str) -> int:
    """A respondent number no device of the session holds, drawn evenly from six digits."""
    while True:
        number = draw_number()
        if conn.execute(_NUMBER_TAKEN, {"session_id": session_id, "respondent": number}).first() is None:
            return number


def to_the_minute(moment):
    """A time with its seconds dropped: answer times are kept no finer than the minute."""
    return moment.replace(second=0, microsecond=0)


class _NotJoined(Exception):
    pass


def record(engine, programme_for, code: str, token: str, activity_id: str, value, item: str | None = None,
           seq: int | None = None, admit=None) -> bool:
    """Store or change one answer; True when it is the device's first for this item.

    Refuses (NotFound, Conflict, Invalid) unless the activity is the current one and
    voting is open, and the value is one of its options. A device answering for the
    first time is registered first, in a transaction of its own (``admit`` as for ``join``).
    ``seq``, the page's number for the tap, makes the last tap win: an answer numbered below
    the stored one is refused (``Stale``) and changes nothing; without it the answer always
    replaces.
    """
    need_token(token)
    for attempt in range(4):
        try:
            return _record_once(engine, programme_for, code, token, str(activity_id), value, item, seq)
        except _NotJoined:
            join(engine, code, token, admit)
        except IntegrityError:
            # Two answers from one device crossed; the retry finds the first and updates it.
            if attempt == 3:
                raise
        except OperationalError as exc:
            # Recording is safe to repeat after PostgreSQL undid it; a SQLite lock timeout is
            # not worth waiting out twice.
            if contention(exc) is None:
                raise
            if contention(exc) == "locked":
                raise Busy("the database is busy: please send that again") from None
    raise Busy("the answer could not be recorded: please send it again")


def _record_once(engine, programme_for, code, token, activity_id, value, item, seq) -> bool:
    with engine.begin() as conn:
        row = live_row(conn, code, lock=True)
        if row.status == "ended":
            raise Conflict("this session has ended: answers are closed")
        programme = programme_for(row.snapshot_id, conn)
        if not programme.has_activity(activity_id):
            raise Invalid(f"no activity {activity_id!r} in this session")
        activity = programme.activity(activity_id)
        if row.status != "running" or row.current_index != activity.index:
            raise Conflict("that question is not on screen any more")
        if not row.voting_open:
            raise Conflict("voting is closed for this question")
        item_id, stored = programme.normalise(activity, value, item)
        respondent = respondent_for(conn, row.id, token)
        if respondent is None:
            raise _NotJoined()
        existing = conn.execute(_EXISTING, {"session_id": row.id, "activity_id": activity.id, "item_id": item_id,
                                            "respondent": respondent}).scalar()
        stamp = to_the_minute(now())
        if existing is None:
            conn.execute(INSERT, {"session_id": row.id, "activity_id": activity.id, "item_id": item_id,
                                   "phase": activity.phase, "respondent": respondent, "value": stored,
                                   "created_at": stamp, "updated_at": stamp, "seq": seq})
            return True
        change(conn, existing, stored, seq, stamp)
        return False


def change(conn, response_id: int, stored: str, seq: int | None, stamp) -> None:
    """Change a stored answer; with ``seq``, only if the stored one is not numbered higher
    (else ``Stale``, and nothing changes)."""
    if seq is None:
        conn.execute(_CHANGE, {"response_id": response_id, "new_value": stored, "stamp": stamp})
        return
    changed = conn.execute(_CHANGE_IN_ORDER, {"response_id": response_id, "new_value": stored, "stamp": stamp,
                                              "at_least": seq, "new_seq": seq}).rowcount
    if not changed:
        later = conn.execute(_STORED_SEQ, {"response_id": response_id}).scalar()
        raise Stale(f"this device already sent a later answer (seq {later}) for this; send seq {later + 1} or "
                    "higher to change it", seq=later)


def mine(engine, code: str, token: str, activity_id: str) -> dict[str, str]:
    """The answers this device gave for an activity: ``{item: value}``."""
    from .engine import reading
    with reading(engine) as conn:
        row = live_row(conn, code)
        respondent = respondent_for(conn, row.id, token)
        if respondent is None:
            return {}
        rows = conn.execute(select(responses.c.item_id, responses.c.value).where(
            responses.c.session_id == row.id, responses.c.activity_id == activity_id,
            responses.c.respondent == respondent)).all()
    return dict(rows)


def ask(engine, programme_for, code: str, text: str) -> int:
    """Put a question in the anonymous box, pending the facilitator's approval."""
    if not isinstance(text, str):
        raise Invalid("a question is text")
    sent = len(text)
    flagged = may_be_disclosure(text)  # before cleaning: it reads invisible characters both ways
    text = clean_text(text)
    if not text:
        raise Invalid("the question is empty")
    with busy_as_error(), engine.begin() as conn:
        row = live_row(conn, code, lock=True)  # so a question cannot slip in after the end
        if row.status == "ended":
            raise Conflict("this session has ended")
        programme = programme_for(row.snapshot_id, conn)
        if not programme.settings.get("questions_box"):
            raise Conflict("the questions box is not open in this session")
        limit = _question_limit(programme)
        # Counted as sent: the box on the page holds no more, whatever cleaning takes out.
        if sent > limit:
            raise Invalid(f"a question is at most {limit} characters (this one has {sent})")
        stamp = now()
        on_screen = (programme.activities[row.current_index].id if row.status == "running" else row.status)
        return conn.execute(insert(questions).values(
            session_id=row.id, text=text, status="pending", flagged=flagged, on_screen=on_screen,
            created_at=stamp, updated_at=stamp).returning(questions.c.id)).scalar_one()


def _question_limit(programme) -> int:
    """The plan's prompt question sets the length; the column holds at most 1,000."""
    prompt = programme.settings.get("questions_prompt")
    try:
        limit = programme.question(prompt).get("max_length", QUESTION_MAX) if prompt else QUESTION_MAX
    except KeyError:
        limit = QUESTION_MAX
    return min(int(limit), 1000)


def count_answers(conn, session_id: str, activity_id: str) -> dict[str, int]:
    rows = conn.execute(select(responses.c.item_id, func.count()).where(
        responses.c.session_id == session_id, responses.c.activity_id == activity_id)
        .group_by(responses.c.item_id)).all()
    return dict(rows)
