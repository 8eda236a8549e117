"""The record for the safeguarding lead: every question of a session as it was written,
flagged ones first, each with the time (to the minute) and what was on the class's screen.

Made only on the facilitator's request, from the private panel, as a file to hand to the
designated safeguarding lead. It is never part of the class's report, the bundles or the
trends: those carry only the questions the class saw.
"""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from ...store.codes import display
from ..widgets.style import css
from .page import HERE, templates
from .questions import STATUS_WORDS, flag_reason
from .start import local_time
from .run import step_label


def where_it_came(programme, on_screen: str | None) -> str:
    """What was on the class's screen when a question came in, in words."""
    if on_screen in (None, ""):
        return "not recorded"
    if on_screen == "lobby":
        return "the lobby, before the first activity"
    if on_screen in ("summary", "ended"):
        return "the summary, after the last activity"
    for act in programme.activities:
        if act.id == on_screen:
            return f"{act.index + 1}. {step_label(programme, act)}"
    return on_screen


def record_rows(session, questions: list[dict]) -> list[dict]:
    """The questions as the record lists them: flagged first, then in the order they came."""
    rows = []
    for q in sorted(questions, key=lambda q: (not q["flagged"], q["id"])):
        words, personal = flag_reason(q["text"]) if q["flagged"] else ([], [])
        rows.append({"text": q["text"], "flagged": bool(q["flagged"]), "words": words + personal,
                     "time": local_time(q["created_at"], "%d %b %Y, %H:%M"),
                     "where": where_it_came(session.programme, q.get("on_screen")),
                     "status": STATUS_WORDS.get(q["status"], q["status"])})
    return rows


def safeguarding_record(session, questions: list[dict]) -> str:
    """The record as one HTML page that prints and opens anywhere without a network."""
    labels = " · ".join(v for v in session.labels.values() if v) or "no group labels"
    return templates.render("safeguarding.html", title=session.title, code=display(session.code), labels=labels,
                            started=local_time(session.started_at or session.created_at, "%d %b %Y, %H:%M"),
                            rows=record_rows(session, questions),
                            stylesheet=Markup(css(HERE / "static" / "report.css")),
                            made=datetime.now().astimezone().strftime("%d %b %Y, %H:%M"))


def record_name(session) -> str:
    """The file name: says what it is and which session, not who is in it."""
    stamp = (session.started_at or session.created_at)
    day = local_time(stamp, "%Y-%m-%d") if stamp else "session"
    return f"for-the-safeguarding-lead-{session.code}-{day}.html"
