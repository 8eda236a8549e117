"""Data-quality notes for a programme report: which sessions and answers the figures leave
out, and why. Pure: the trends frame's answers and sessions in, a list of sentences out."""

from __future__ import annotations

import pandas as pd

from .cells import Cells, respondent_key
from .suppression import threshold
from .trends import card_rows


def notes(responses: pd.DataFrame, sessions: pd.DataFrame | None = None, demo: int = 0,
          min_group_size: int | None = None) -> list[str]:
    """What a reader should know about the data behind the figures, in sentences.

    ``responses`` are the selected answers; ``sessions`` the selected sessions (with or
    without answers; ``status`` read when present); ``demo`` how many sessions of the store
    were simulated.
    """
    k = threshold(min_group_size)
    out = []
    if demo:
        out.append(f"Demonstration data: {demo:,} sessions in this store were simulated by toolkit demo. They "
                   "are not real answers and must not be reported as results.")
    answered = set(responses["session_id"].astype(str).unique()) if not responses.empty else set()
    if sessions is not None and len(sessions):
        silent = sessions[~sessions["session_id"].astype(str).isin(answered)]
        if len(silent):
            out.append(f"{_sessions(len(silent))} with no answers (never started, or nobody joined) "
                       f"{'is' if len(silent) == 1 else 'are'} not counted.")
        if "status" in sessions:
            running = sessions[sessions["session_id"].astype(str).isin(answered) & (sessions["status"] != "ended")]
            if len(running):
                out.append(f"{_sessions(len(running))} had not been ended when this was made; "
                           f"{'its' if len(running) == 1 else 'their'} answers so far are counted.")
    if responses.empty:
        return out
    per_session = Cells(responses, ["session_id"]).distinct(respondent_key(responses))
    small = per_session[per_session < k]
    if len(small):
        out.append(f"{_sessions(len(small))} left out: fewer than {k} students answered in "
                   f"{'it' if len(small) == 1 else 'each'} ({int(small.sum()):,} students in all), so "
                   f"{'its' if len(small) == 1 else 'their'} answers could point to individuals.")
    cards = card_rows(responses)
    if not cards.empty:
        cells = Cells(cards, ["session_id", "deck_id", "item_id"])
        few = cells.distinct(respondent_key(cards))[cells.cell] < k
        if few.any():
            out.append(f"{int(few.sum()):,} card answers left out: fewer than {k} students of their session "
                       "answered that card (late joiners, or a card skipped).")
    return out


def _sessions(n: int) -> str:
    return f"{n:,} session{'s' if n != 1 else ''}"


__all__ = ["notes"]
