"""Which screen a student sees, and the small calculations the page shows.

The server renders these screens for the first paint and for phones without JavaScript;
``static/join.js`` renders the same screens from the same public state when it changes.
Keep the two in step: the names and markup match.
"""

from __future__ import annotations

from tornado.escape import url_escape

from ..store.codes import display, looks_valid, normalise

KNOWN_CATEGORIES = ("healthy", "warning", "exploitative", "not_sure")
ANONYMITY = ("This is anonymous, so nobody here knows it is you. To get help, talk to a trusted adult "
             "or call:")

# Every sentence a student reads is the page's own, written for an 11-year-old; the API's
# messages stay precise for developers and never reach the screen. static/join.js holds
# the same sentences for the live page (tests/test_student_words.py keeps them the same).
RECEIVED = "Answer received. You can change it until voting closes."
# One-time notes after a form without JavaScript, by the key the redirect carries.
NOTES = {
    "closed": "Your answer was not saved: voting had closed.",
    "invalid": "That answer couldn't be used. Please choose again.",
    "limited": "Your answer was not saved: too many taps at once. Wait a moment, then tap it again.",
    "busy": "Your answer was not saved: the workshop was very busy. Please tap it again.",
    "box": "The questions box is closed right now.",
}
# What a refusal means to the student, by the error's kind (or, failing that, its status).
WORDS = {
    "no_code": "Type the code from the screen first.",
    "not_found": "That code doesn't match a workshop. Check it against the code on the screen: 7 letters and numbers.",
    "ended": "That workshop has ended. Check the code on the screen.",
    "too_many_requests": "Too many tries. Wait a minute, then try again.",
    "wrong_codes": "Too many wrong codes. Wait a minute, then check the code on the screen.",
    "devices": "Too many phones have joined from this network. If you changed browser, go back to the one "
               "you joined with.",
    "questions": "You've sent lots of questions. Wait a minute before sending another.",
    "empty": "Write your question first.",
    "too_long": "Your question is too long. Make it shorter, then press Send.",
    "forbidden": "Something went wrong. Reload the page and try again.",
    "too_large": "That was too long to send.",
    "busy": "The workshop is very busy. Wait a moment and try again.",
    "error": "Something went wrong. Wait a moment and try again.",
}
# What each screen is called, in the page title (with the activity's and the session's).
TITLES = {"lobby": "You're in", "slide": "Slide", "vote": "Question", "sort": "Sort the cards", "reveal": "Answers",
          "summary": "All done", "ended": "Workshop ended", "ask": "Ask a question", "sent": "Question sent"}


def clean_code(raw: str | None) -> str:
    """What a student typed or the QR carried, as a join code ('' when it cannot be one)."""
    code = normalise(raw or "")[:20]
    return code if looks_valid(code) else ""


def screen_name(state: dict | None, view: str | None = None) -> str:
    """enter | lobby | slide | vote | reveal | sort | summary | ended | ask | sent."""
    if state is None:
        return "enter"
    status = state["status"]
    if status == "ended":
        return "ended"
    if view in ("ask", "sent") and state.get("questions_box"):
        return view
    if status == "lobby":
        return "lobby"
    if status == "summary":
        return "summary"
    activity = state["activity"]
    if activity["kind"] == "slide":
        return "slide"
    if state["revealed"]:
        return "reveal"
    return "sort" if activity["kind"] == "sort" else "vote"


def help_intro(help_: dict) -> str:
    """The help panel's opening: the region's own words when they say it is anonymous."""
    intro = (help_ or {}).get("intro") or ""
    return intro if "anonymous" in intro.lower() else (ANONYMITY + (" " + intro if intro else ""))


def tel(phone: str) -> str:
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def cat_class(option_id: str) -> str:
    return f"cat-{option_id}" if option_id in KNOWN_CATEGORIES else "cat-other"


def width_class(fraction: float) -> str:
    """A bar width as a class in steps of 5%: the page's CSP allows no inline styles."""
    return f"w{int(round(max(0.0, min(1.0, fraction)) * 20)) * 5}"


def bars(activity: dict, results: dict | None, mine: dict) -> list[dict]:
    """The class split for the reveal: one bar per option, widest = most chosen."""
    results = results or {}
    counts = [(o, int(results.get(o["id"], 0))) for o in activity["options"]]
    total = sum(n for _, n in counts)
    chosen = set()
    for value in mine.values():
        chosen.update(str(value).split(","))
    out = []
    for option, n in counts:
        share = n / total if total else 0.0
        out.append({"id": option["id"], "label": option["label"], "count": n, "percent": int(round(share * 100)),
                    "width": width_class(share), "cat": cat_class(option["id"]), "mine": option["id"] in chosen})
    return out


def label_of(activity: dict, value: str | None) -> str:
    if not value:
        return ""
    labels = {o["id"]: o["label"] for o in activity["options"]}
    return ", ".join(labels.get(v, v) for v in str(value).split(","))


def sort_position(activity: dict, mine: dict, card: str | None) -> int | None:
    """Which card of a self-paced sort to show (0-based), or None for the 'all sorted' view.

    ``card`` is the 1-based position from the page's links; without it, the first card
    not yet sorted.
    """
    cards = activity["cards"]
    if card == "done":
        return None
    if card and card.isdigit() and 1 <= int(card) <= len(cards):
        return int(card) - 1
    for i, c in enumerate(cards):
        if c["id"] not in mine:
            return i
    return None


def paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def words(kind: str | None, status: int = 400) -> str:
    """A student's words for a refusal, by the error's kind, else by its status."""
    if kind in WORDS:
        return WORDS[kind]
    return WORDS.get({403: "forbidden", 404: "not_found", 413: "too_large", 429: "too_many_requests",
                      503: "busy"}.get(status, ""), WORDS["error"])


def page_title(name: str, state: dict | None) -> str:
    """The screen's name first, so a screen reader (and a tab list) says where the student is."""
    if state is None:
        return "Join the workshop"
    title = TITLES[name]
    if name in ("slide", "vote", "reveal"):
        title += ": " + state["activity"]["title"]
    return f"{title} - {state['title']}"


def option_name(activity: dict, index: int) -> str | None:
    """A scale's end buttons say what they mean ("1, Not at all"); None keeps the label as the name."""
    scale = activity.get("scale") or {}
    options = activity["options"]
    if activity.get("type") != "scale":
        return None
    end = scale.get("low") if index == 0 else scale.get("high") if index == len(options) - 1 else None
    return f"{options[index]['label']}, {end}" if end else None


def reloads(name: str, state: dict | None) -> bool:
    """Without JavaScript, whether a screen may reload itself: only where nothing can be lost.
    Never while voting is open (unsent ticks, focus) nor while typing a question."""
    if name in ("lobby", "slide", "summary", "reveal"):
        return True
    return name in ("vote", "sort") and not state["voting_open"]


def namespace(name: str, state: dict | None, *, help_: dict, page_url: str, css_url: str, js_url: str,
              xsrf_html: str = "", code: str = "", mine=None, position=None, note=None, error=None, text="",
              boot=None, auto_join: bool = False) -> dict:
    """Everything ``templates/join.html`` is rendered with: by the page itself, and by the
    content editor's phone preview (``preview.py``), so both show the same markup.

    ``refresh`` is true where a screen may reload itself without JavaScript: only where
    nothing can be lost; where the student is answering or typing, a button checks instead."""
    activity = (state or {}).get("activity") or {}
    mine = mine or {}
    chosen: set[str] = set()
    if activity.get("kind") in ("card", "poll") and mine:
        chosen = set(str(next(iter(mine.values()))).split(","))
    return dict(
        name=name, state=state, activity=activity, code=code, code_input=code,
        code_display=display(code) if state else "", page_title=page_title(name, state),
        mine=mine, chosen=chosen, position=position, note=note, error=error, text=text,
        help=help_, boot=boot, auto_join=auto_join, refresh=reloads(name, state),
        received=RECEIVED, option_name=option_name,
        ask_link=bool(state and state.get("questions_box")) and name not in ("ended", "ask", "sent", "enter"),
        sorted_count=sum(1 for c in activity.get("cards", []) if c["id"] in mine),
        card_text={c["id"]: c["text"] for c in activity.get("cards", [])},
        class_bars=bars(activity, state.get("results"), mine) if name == "reveal" and activity.get(
            "kind") != "sort" else [],
        xsrf_html=xsrf_html, page_url=page_url, css_url=css_url, js_url=js_url, url_escape=url_escape,
        paragraphs=paragraphs, cat_class=cat_class, width_class=width_class, label_of=label_of,
        help_intro=help_intro, tel=tel, len=len, sorted=sorted, enumerate=enumerate,
    )


__all__ = ["namespace", "clean_code", "screen_name", "help_intro", "tel", "cat_class", "width_class", "bars", "label_of",
           "sort_position", "paragraphs", "page_title", "option_name", "reloads", "words", "display", "NOTES",
           "RECEIVED", "WORDS", "TITLES"]
