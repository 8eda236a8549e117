"""One session's results in its programme's words: the cards worth discussing, the table of
how the class sorted them, and the change from baseline to end-point in a sentence.

Pure: a programme and a responses DataFrame (``Store.responses``) in, a DataFrame, a list
or a string out. The console, its summary and the HTML report all read from here.
"""

from __future__ import annotations

import pandas as pd

from .session import card_summary, change, contested_cards


def card_label(programme, card_id: str, words: int = 6) -> str:
    """A card as a chart label: the first words of its scenario."""
    text = programme.card(card_id)["text"].split()
    return " ".join(text[:words]) + (" …" if len(text) > words else "")


def card_rows(programme, responses: pd.DataFrame, activity=None, top: int = 3) -> pd.DataFrame:
    """Per card: answers, most chosen, agreement, share as expected, and whether it is among
    the ``top`` most contested and worth discussing (under 80% as expected, or split).
    Columns of ``analysis.card_summary`` plus label, top_label, contested."""
    rows = responses
    if activity is not None and not rows.empty:
        rows = rows[rows["activity_id"] == activity.id]
    summary = card_summary(rows)
    if summary.empty:
        return summary.assign(label=[], top_label=[], contested=[])
    labels = {c["id"]: c["label"] for c in programme.categories()}
    ranked = contested_cards(rows, top=top)
    worth = ranked[(ranked["match"] < 0.8) | (ranked["split"] >= 0.4)]
    contested = set(worth["item_id"])
    summary["label"] = [card_label(programme, c) for c in summary["item_id"]]
    summary["top_label"] = [labels.get(v, v) for v in summary["top"]]
    summary["contested"] = [c in contested for c in summary["item_id"]]
    return summary


def discuss_next(programme, responses: pd.DataFrame, top: int = 3) -> list[dict]:
    """Cards to talk about next, most contested first: label, text, reason, prompts."""
    ranked = contested_cards(responses, top=top)
    out = []
    for row in ranked.itertuples():
        card = programme.card(row.item_id)
        out.append({"id": row.item_id, "title": f"{card['character']}, {card['age']}", "text": card["text"],
                    "reason": row.reason, "answers": int(row.answers), "prompts": list(card["prompts"])})
    return out


def question_text(programme, question_id: str) -> str:
    return programme.question(question_id)["text"]


def change_frame(responses: pd.DataFrame, item: str | None = None) -> pd.DataFrame:
    """Baseline → end-point change per repeated question (paired within the session)."""
    frame = change(responses)
    return frame[frame["item_id"] == item].reset_index(drop=True) if item is not None else frame


def paired_sentence(row) -> str:
    """The paired change of one question in words, for under its chart."""
    if not row["paired"]:
        return "Nobody answered both times yet, so there is no paired change."
    if row["item_type"] == "scale":
        delta = f"{row['paired_change']:+.1f} points on the 1–5 scale"
    else:
        delta = f"{100 * row['paired_change']:+.0f} percentage points correct"
    people = "student" if row["paired"] == 1 else "students"
    return f"Among the {row['paired']} {people} who answered both times: {delta}."
