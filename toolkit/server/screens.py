"""Which screen a student sees, and the small calculations the page shows.

The server renders these screens for the first paint and for phones without JavaScript;
``static/join.js`` renders the same screens from the same public state when it changes.
Keep the two in step: the names and markup match.
"""

from __future__ import annotations

from ..store.codes import display, looks_valid, normalise

KNOWN_CATEGORIES = ("healthy", "warning", "exploitative", "not_sure")
ANONYMITY = ("This is anonymous, so nobody here knows it is you. To get help, talk to a trusted adult "
             "or call:")

NOTES = {
    "closed": "Your answer was not counted: voting had closed or the question had changed.",
    "invalid": "That answer could not be used. Please choose again.",
    "limited": "Too many taps at once. Wait a moment and try again.",
    "box": "The questions box is not open in this session.",
    "busy": "Your answer was not saved: the server was busy. Please tap it again.",
}


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


def page_title(name: str, state: dict | None) -> str:
    if state is None:
        return "Join the workshop"
    return state["title"]


__all__ = ["clean_code", "screen_name", "help_intro", "tel", "cat_class", "width_class", "bars", "label_of",
           "sort_position", "paragraphs", "page_title", "display", "NOTES"]
