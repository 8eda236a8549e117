"""Comparisons a lead asks for: school terms, one organisation against the others, each
side with its intervals and a reading in words."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from toolkit.analysis import compare as K
from toolkit.store.frames import RESPONSE_COLUMNS


def test_school_terms_in_england():
    assert K.term_of(date(2026, 10, 14))[2] == "Autumn term 2026"
    assert K.term_of(date(2026, 2, 1))[:2] == (pd.Timestamp(2026, 1, 1), pd.Timestamp(2026, 4, 1))
    assert K.previous_term(date(2026, 10, 14))[2] == "Summer term 2026"
    assert K.previous_term(date(2026, 1, 5))[2] == "Autumn term 2025"
    assert K.school_year_of(date(2026, 3, 1))[2] == "School year 2025–26"


def test_a_change_read_in_plain_words():
    row = {"item_type": "scale", "change": 0.8, "change_low": 0.6, "change_high": 1.0, "method": "paired",
           "paired": 1240, "baseline_n": 1300, "endpoint_n": 1290, "suppressed": False}
    assert K.read_change(row) == ("Improved by 0.8 points on a 1–5 scale, 95% CI 0.6 to 1.0, "
                                  "from 1,240 paired answers.")
    share = dict(row, item_type="single", change=-0.04, change_low=-0.11, change_high=0.03, method="unpaired")
    assert K.read_change(share, "Age of consent") == (
        "Age of consent: No clear change (−4 percentage points of students answering right), 95% CI −11 to 3, "
        "from 1,300 answers before and 1,290 after (not paired: too few students answered both).")
    fell = dict(row, change=-0.5, change_low=-0.7, change_high=-0.3)
    assert K.read_change(fell).startswith("Fell by 0.5 points")
    assert K.read_change(dict(row, suppressed=True, change=np.nan), min_group_size=5) == \
        "hidden: fewer than 5 students answered at one end."


def _answers(sessions):
    rows = []
    for sid, (org, day, shift) in sessions.items():
        for r in range(1, 9):
            base = dict(session_id=sid, code=sid, plan_id="p", deck_id="d", organisation=org, group="G",
                        age_band="14-16", setting="School", facilitator="F", session_date=pd.Timestamp(day, tz="UTC"),
                        activity_kind="poll", item_id="conf", item_type="scale", respondent=r, expected=None,
                        correct=None, model=None, answered_at=pd.Timestamp(day, tz="UTC"))
            before = 1 + r % 3
            rows.append(dict(base, activity_id="b", phase="baseline", value=str(before)))
            rows.append(dict(base, activity_id="e", phase="endpoint", value=str(min(5, before + shift))))
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS)


def test_this_term_against_last_and_one_organisation_against_the_others():
    frame = _answers({"s1": ("A", "2026-05-10", 1), "s2": ("B", "2026-06-10", 1), "s3": ("A", "2026-10-01", 2),
                      "s4": ("B", "2026-11-01", 2), "s5": ("B", "2025-11-01", 0)})
    terms = K.compare(frame, "term", today=date(2026, 11, 20), min_group_size=5)
    assert terms.order == ["Summer term 2026", "Autumn term 2026"]
    change = terms.change.set_index("side")
    assert change.loc["Summer term 2026", "change"] == pytest.approx(1.0)
    assert change.loc["Autumn term 2026", "change"] == pytest.approx(2.0)
    assert "Autumn term 2025" not in change.index  # neither this term nor the last
    assert change.loc["Autumn term 2026", "reading"].startswith(
        "conf: Improved by 2.0 points on a 1–5 scale, 95% CI 2.0 to 2.0, from 16 paired answers")
    orgs = K.compare(frame, "organisation", "A", min_group_size=5)
    assert orgs.order == ["A", K.OTHERS]
    assert set(orgs.change["side"]) == {"A", K.OTHERS}
    assert orgs.change.set_index("side").loc[K.OTHERS, "paired"] == 24
    assert set(K.sides(frame, "organisation")["side"]) == {"A", "B"}
    assert set(K.sides(frame, "group", "A · G")["side"]) == {"A · G", K.OTHERS}
    with pytest.raises(ValueError, match="unknown comparison"):
        K.sides(frame, "colour")


def test_models_compared_side_by_side_with_intervals_and_hidden_sides_said():
    from toolkit.charts import trends as C
    rows = []
    for sid, org, n in (("s1", "A", 8), ("s2", "B", 3)):
        for r in range(1, n + 1):
            rows.append(dict(session_id=sid, code=sid, plan_id="p", deck_id="d", organisation=org, group="G",
                             age_band="14-16", setting="School", facilitator="F",
                             session_date=pd.Timestamp("2026-03-01", tz="UTC"), activity_id="c", activity_kind="card",
                             phase=None, item_id="c1", item_type="card", respondent=r,
                             value="exploitative" if r % 4 else "healthy", expected="exploitative", correct=None,
                             model="online", answered_at=pd.Timestamp("2026-03-01", tz="UTC")))
    result = K.compare(pd.DataFrame(rows, columns=RESPONSE_COLUMNS), "organisation", min_group_size=5)
    cards = result.cards.set_index("side")
    assert cards.loc["A", "match"] == pytest.approx(6 / 8, abs=1e-3)
    assert cards.loc["A", "match_low"] < 0.75 < cards.loc["A", "match_high"]
    assert cards.loc["B", "suppressed"]
    fig = C.model_side_chart(result.cards, result.order, min_group_size=5)
    assert [bar.name for bar in fig.data] == ["A", "B"]
    assert fig.data[0].error_x.array is not None and "hidden: too few" in fig.data[1].text


@pytest.mark.parametrize("groups", [["Riverside"], ["Riverside", "All others"]])
def test_a_change_chart_of_one_question_draws_for_one_group_or_several(groups):
    """One question and one side (a new store's first sessions) is a chart of one short panel."""
    from toolkit.charts.change import change_group_chart, question_chart

    table = pd.DataFrame({"side": groups, "item_id": "confidence", "item_type": "scale",
                          "change": 0.5, "change_low": 0.2, "change_high": 0.8, "suppressed": False,
                          "method": "paired", "paired": 12, "baseline_n": 12, "endpoint_n": 12})
    fig = change_group_chart(table, "side", {"confidence": "How sure are you?"})
    assert [trace.type for trace in fig.data if trace.x is not None and len(trace.x)]
    assert fig.layout.annotations[0].text.startswith("How sure")
    alone = question_chart(table.head(1).drop(columns="side"), {"confidence": "How sure are you?"})
    assert [trace.type for trace in alone.data if trace.x is not None and len(trace.x)]
