"""Session analysis on small answer sets whose results are worked out by hand."""

import pandas as pd
import pytest

from toolkit import analysis
from toolkit.charts import change_chart, distribution_chart, matrix_chart

CATS = ["healthy", "warning", "exploitative", "not_sure"]


def answers(rows):
    """Build a responses frame from (activity, kind, item, item_type, phase, respondent, value, expected)."""
    frame = pd.DataFrame(rows, columns=["activity_id", "activity_kind", "item_id", "item_type", "phase",
                                        "respondent", "value", "expected"])
    frame["session_id"] = "s1"
    return frame


@pytest.fixture
def class_answers():
    rows = []
    # Card "ben": 2 exploitative, 1 warning, 1 not sure; expected exploitative.
    for r, v in enumerate(["exploitative", "warning", "exploitative", "not_sure"], 1):
        rows.append(("card-ben", "card", "ben", "card", None, r, v, "exploitative"))
    # Card "ana": 3 healthy, 1 exploitative; expected healthy.
    for r, v in enumerate(["healthy", "healthy", "exploitative", "healthy"], 1):
        rows.append(("card-ana", "card", "ana", "card", None, r, v, "healthy"))
    # Card "cal": 1 healthy, 1 warning; expected exploitative (the class got it wrong).
    for r, v in enumerate(["healthy", "warning"], 1):
        rows.append(("card-cal", "card", "cal", "card", None, r, v, "exploitative"))
    # Confidence 1-5 before and after: respondents 1-3 answer both; 4 only before; 5 only after.
    for r, v in [(1, "2"), (2, "3"), (3, "1"), (4, "5")]:
        rows.append(("baseline-conf", "poll", "conf", "scale", "baseline", r, v, None))
    for r, v in [(1, "4"), (2, "3"), (3, "3"), (5, "2")]:
        rows.append(("endpoint-conf", "poll", "conf", "scale", "endpoint", r, v, None))
    # Myth question, answer "myth": before 1 of 3 right, after 3 of 3 right.
    for r, v in [(1, "fact"), (2, "myth"), (3, "not_sure")]:
        rows.append(("baseline-myth", "poll", "myth", "single", "baseline", r, v, "myth"))
    for r, v in [(1, "myth"), (2, "myth"), (3, "myth")]:
        rows.append(("endpoint-myth", "poll", "myth", "single", "endpoint", r, v, "myth"))
    # Multiple choice: respondent 1 picks two options, respondent 2 one.
    rows.append(("poll-help", "poll", "help", "multiple", None, 1, "childline,adult", "childline,adult"))
    rows.append(("poll-help", "poll", "help", "multiple", None, 2, "adult", "childline,adult"))
    return answers(rows)


def test_distribution_counts_and_percent(class_answers):
    options = [{"id": c, "label": c.title()} for c in CATS]
    dist = analysis.distribution(class_answers, "card-ben", options=options)
    assert list(dist["value"]) == CATS
    assert list(dist["count"]) == [0, 1, 2, 1]
    assert list(dist["percent"]) == [0.0, 25.0, 50.0, 25.0]
    assert dist.loc[dist["value"] == "warning", "label"].item() == "Warning"


def test_distribution_of_multiple_choice_counts_each_option_against_respondents(class_answers):
    options = [{"id": "childline", "label": "Childline"}, {"id": "adult", "label": "Adult"},
               {"id": "nobody", "label": "Nobody"}]
    dist = analysis.distribution(class_answers, "poll-help", options=options)
    assert list(dist["count"]) == [1, 2, 0]
    assert list(dist["percent"]) == [50.0, 100.0, 0.0]  # of 2 respondents


def test_results_matrix(class_answers):
    matrix = analysis.results_matrix(class_answers, CATS)
    assert list(matrix.index) == ["ben", "ana", "cal"]
    assert list(matrix.columns) == CATS
    assert matrix.loc["ben"].tolist() == [0, 1, 2, 1]
    assert matrix.loc["ana"].tolist() == [3, 0, 1, 0]
    assert matrix.loc["cal"].tolist() == [1, 1, 0, 0]


def test_card_summary_agreement_and_match(class_answers):
    summary = analysis.card_summary(class_answers).set_index("item_id")
    assert summary.loc["ben", "answers"] == 4
    assert summary.loc["ben", "top"] == "exploitative"
    assert summary.loc["ben", "agreement"] == 0.5
    assert summary.loc["ben", "match"] == 0.5
    assert summary.loc["ana", "agreement"] == 0.75 and summary.loc["ana", "match"] == 0.75
    assert summary.loc["cal", "match"] == 0.0 and summary.loc["cal", "agreement"] == 0.5


def test_contested_cards_rank_wrong_before_split(class_answers):
    ranked = analysis.contested_cards(class_answers)
    # cal: (1 - 0) + 0.5/2 = 1.25; ben: 0.5 + 0.25 = 0.75; ana: 0.25 + 0.125 = 0.375
    assert list(ranked["item_id"]) == ["cal", "ben", "ana"]
    assert list(ranked["score"]) == [1.25, 0.75, 0.375]
    assert "only 0%" in ranked.loc[0, "reason"]
    assert analysis.contested_cards(class_answers, top=1)["item_id"].tolist() == ["cal"]


def test_change_is_paired_within_the_session(class_answers):
    change = analysis.change(class_answers).set_index("item_id")
    conf = change.loc["conf"]
    assert conf["baseline"] == pytest.approx((2 + 3 + 1 + 5) / 4)
    assert conf["endpoint"] == pytest.approx((4 + 3 + 3 + 2) / 4)
    assert conf["paired"] == 3
    assert conf["paired_change"] == pytest.approx(((4 - 2) + (3 - 3) + (3 - 1)) / 3, abs=1e-3)
    myth = change.loc["myth"]
    assert myth["baseline"] == pytest.approx(1 / 3, abs=1e-3) and myth["endpoint"] == 1.0
    assert myth["paired_change"] == pytest.approx(2 / 3, abs=1e-3)


def test_pairing_never_crosses_sessions(class_answers):
    other = class_answers.copy()
    other["session_id"] = "s2"
    other = other[~((other["phase"] == "endpoint"))]  # s2 has baselines only
    change = analysis.change(pd.concat([class_answers, other])).set_index("item_id")
    assert change.loc["conf", "paired"] == 3
    assert change.loc["conf", "baseline_n"] == 8


def test_empty_inputs_give_empty_frames():
    empty = answers([])
    assert analysis.card_summary(empty).empty
    assert analysis.contested_cards(empty).empty
    assert analysis.change(empty).empty
    assert analysis.results_matrix(empty, CATS).shape == (0, 4)
    assert analysis.distribution(empty, "x", options=[{"id": "a", "label": "A"}])["count"].tolist() == [0]


def test_charts_carry_the_numbers(class_answers):
    dist = analysis.distribution(class_answers, "card-ben", options=[{"id": c, "label": c} for c in CATS])
    fig = distribution_chart(dist, {"exploitative": "#C62828"}, expected="exploitative", title="Ben")
    assert list(fig.data[0].x) == [0, 1, 2, 1]
    assert fig.data[0].marker.color[2] == "#C62828"
    assert fig.data[0].y[2].startswith("✔")
    matrix = analysis.results_matrix(class_answers, CATS)
    heat = matrix_chart(matrix, expected={"ben": "exploitative"})
    assert heat.data[0].text.tolist()[0] == [0, 1, 2, 1]
    assert len(heat.layout.shapes) == 1
    bars = change_chart(analysis.change(class_answers))
    assert list(bars.data[1].x) == pytest.approx([3.0, 100.0])
