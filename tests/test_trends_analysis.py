"""Trends across sessions, on a handful of answers whose figures are worked out by hand.

Three sessions: S1 (org A, group G1, January, respondents 1-3), S2 (org A, group G2,
January, respondents 1-4) and S3 (org B, group G1, February, respondents 1-2). Two cards:
c1 (expected exploitative, online model) and c2 (expected healthy). Two questions asked
before and after: conf (a 1-5 scale) and myth (right answer "myth", only in S1).
"""

import numpy as np
import pandas as pd
import pytest

from toolkit.analysis import trends as T
from toolkit.store.frames import RESPONSE_COLUMNS

SESSIONS = {
    "S1": dict(organisation="A", group="G1", age_band="14-16", setting="School", facilitator="F1",
               session_date="2026-01-10T10:00:00Z"),
    "S2": dict(organisation="A", group="G2", age_band="14-16", setting="School", facilitator="F2",
               session_date="2026-01-20T10:00:00Z"),
    "S3": dict(organisation="B", group="G1", age_band="11-13", setting="Youth club", facilitator="F1",
               session_date="2026-02-05T18:00:00Z"),
}
CARDS = {"c1": ("exploitative", "online"), "c2": ("healthy", "none")}
CARD_ANSWERS = {  # session: card: values by respondent 1, 2, ...
    "S1": {"c1": ["exploitative", "healthy", "exploitative"], "c2": ["healthy", "healthy", "warning"]},
    "S2": {"c1": ["exploitative", "exploitative", "warning", "exploitative"], "c2": ["healthy"] * 4},
    "S3": {"c1": ["healthy", "healthy"], "c2": ["healthy", "healthy"]},
}
POLL_ANSWERS = {  # session: (question, phase): {respondent: value}
    "S1": {("conf", "baseline"): {1: "2", 2: "3", 3: "1"}, ("conf", "endpoint"): {1: "4", 2: "3"},
           ("myth", "baseline"): {1: "myth", 2: "fact", 3: "fact"},
           ("myth", "endpoint"): {1: "myth", 2: "myth", 3: "myth"}},
    "S2": {("conf", "baseline"): {1: "3", 2: "3", 3: "2", 4: "4"},
           ("conf", "endpoint"): {1: "4", 2: "5", 3: "3", 4: "4"}},
    "S3": {("conf", "baseline"): {1: "1"}, ("conf", "endpoint"): {1: "2", 2: "3"}},
}


def answer(session, activity_kind, activity_id, item_id, item_type, respondent, value, expected=None,
           model=None, phase=None):
    labels = SESSIONS[session]
    return dict(session_id=session, code=session, plan_id="plan", deck_id="deck", **labels,
                activity_id=activity_id, activity_kind=activity_kind, phase=phase, item_id=item_id,
                item_type=item_type, respondent=respondent, value=value, expected=expected,
                correct=None if expected is None else value == expected, model=model,
                answered_at=labels["session_date"])


def frame(rows) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    out["session_date"] = pd.to_datetime(out["session_date"], utc=True)
    out["answered_at"] = pd.to_datetime(out["answered_at"], utc=True)
    return out


@pytest.fixture
def responses() -> pd.DataFrame:
    rows = []
    for session, cards in CARD_ANSWERS.items():
        for card, values in cards.items():
            expected, model = CARDS[card]
            for respondent, value in enumerate(values, 1):
                rows.append(answer(session, "card", f"card-{card}", card, "card", respondent, value, expected, model))
    for session, polls in POLL_ANSWERS.items():
        for (question, phase), values in polls.items():
            kind, expected = ("scale", None) if question == "conf" else ("single", "myth")
            for respondent, value in values.items():
                rows.append(answer(session, "poll", f"{phase}-{question}", question, kind, respondent, value,
                                   expected, phase=phase))
    return frame(rows)


def one(table: pd.DataFrame, **keys) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for name, value in keys.items():
        mask &= (table[name] == value).to_numpy()
    assert mask.sum() == 1, f"expected one row for {keys}, found {mask.sum()}"
    return table[mask].iloc[0]


# -- the suppression rule ------------------------------------------------------------
def test_suppress_blanks_every_figure_of_a_small_row_and_flags_it():
    table = pd.DataFrame({"month": ["2026-01", "2026-02"], "respondents": [7, 2], "answers": [20, 4],
                          "match": [0.5, 1.0]})
    out = T.suppress(table, "month", min_group_size=3)
    assert list(out["suppressed"]) == [False, True]
    assert out.loc[0, "respondents"] == 7 and out.loc[0, "match"] == 0.5
    assert out.loc[1, ["respondents", "answers", "match"]].isna().all()
    assert out.loc[1, "month"] == "2026-02"  # the key stays, so the chart can say what is hidden
    assert list(table["respondents"]) == [7, 2]  # the input is untouched


def test_suppress_can_blank_a_subset_without_hiding_the_row():
    table = pd.DataFrame({"item_id": ["q"], "respondents": [9], "paired": [2], "paired_change": [0.5]})
    out = T.suppress(table, "item_id", n="paired", columns=["paired", "paired_change"], min_group_size=3,
                     flag=False)
    assert not out.loc[0, "suppressed"]
    assert out.loc[0, "respondents"] == 9
    assert out.loc[0, ["paired", "paired_change"]].isna().all()


def test_the_threshold_defaults_to_the_setting(monkeypatch):
    assert T.threshold() == 5
    monkeypatch.setenv("TOOLKIT_MIN_GROUP_SIZE", "8")
    assert T.threshold() == 8
    assert T.threshold(3) == 3


# -- filters -------------------------------------------------------------------------
def test_filters_pick_sessions_by_label_list_and_date(responses):
    assert set(T.filter_responses(responses, organisation="A")["session_id"]) == {"S1", "S2"}
    assert set(T.filter_responses(responses, group=["G1"])["session_id"]) == {"S1", "S3"}
    assert set(T.filter_responses(responses, since="2026-02-01")["session_id"]) == {"S3"}
    assert set(T.filter_responses(responses, until="2026-01-20")["session_id"]) == {"S1"}  # until is exclusive
    assert set(T.filter_responses(responses, organisation="A", facilitator="F2")["session_id"]) == {"S2"}
    assert T.filter_responses(responses, organisation="nobody").empty
    with pytest.raises(TypeError):
        T.filter_responses(responses, colour="blue")


def test_a_blank_label_is_chosen_as_not_set(responses):
    responses.loc[responses["session_id"] == "S3", "organisation"] = None
    assert set(T.filter_responses(responses, organisation=T.NOT_SET)["session_id"]) == {"S3"}


# -- headline and volume -------------------------------------------------------------
def test_headline_counts_sessions_distinct_respondents_and_answers(responses):
    row = T.headline(responses, min_group_size=2).iloc[0]
    assert (row["sessions"], row["respondents"], row["answers"]) == (3, 9, len(responses))
    assert row["median_per_session"] == 3  # sizes 3, 4, 2
    # S3 (two respondents) is left out whole at a threshold of three: 7 of its answers.
    row = T.headline(responses, min_group_size=3).iloc[0]
    assert (row["sessions"], row["respondents"], row["answers"]) == (2, 7, len(responses) - 7)
    assert not row["suppressed"]
    small = T.headline(T.filter_responses(responses, organisation="B"), min_group_size=3).iloc[0]
    assert small["suppressed"] and pd.isna(small["sessions"]) and pd.isna(small["respondents"])


def test_sessions_by_month_hides_a_month_of_two_respondents(responses):
    table = T.sessions_by_month(responses, min_group_size=3)
    january = one(table, month="2026-01")
    assert (january["sessions"], january["respondents"]) == (2, 7)
    february = one(table, month="2026-02")
    assert february["suppressed"] and pd.isna(february["sessions"])


def test_respondents_per_session_in_bands(responses):
    table = T.respondents_per_session(responses, bands=(1, 3, 5), min_group_size=3)
    assert list(table["band"]) == ["3-4"]  # the session of two is left out, not shown as a band
    assert one(table, band="3-4")["sessions"] == 2 and one(table, band="3-4")["respondents"] == 7
    assert list(T.respondents_per_session(responses, bands=(1, 3, 5), min_group_size=2)["band"]) == ["1-2", "3-4"]


# -- cards ---------------------------------------------------------------------------
def test_card_match_by_month(responses):
    table = T.card_match_by_month(responses, min_group_size=3)
    c1 = one(table, item_id="c1", month="2026-01")
    assert (c1["respondents"], c1["answers"], c1["expected"]) == (7, 7, "exploitative")
    assert c1["match"] == pytest.approx(5 / 7, abs=1e-3)
    assert one(table, item_id="c2", month="2026-01")["match"] == pytest.approx(6 / 7, abs=1e-3)
    hidden = one(table, item_id="c1", month="2026-02")
    assert hidden["suppressed"] and pd.isna(hidden["match"]) and pd.isna(hidden["answers"])


def test_misjudged_cards_say_where_students_put_them(responses):
    table = T.misjudged_cards(responses, min_group_size=3)
    assert list(table["item_id"]) == ["c1", "c2"]  # lowest match first
    c1 = table.iloc[0]
    assert c1["match"] == pytest.approx(5 / 7, abs=1e-3)  # S3's two students are too few to count
    assert c1["share_healthy"] == pytest.approx(1 / 7, abs=1e-3)
    assert c1["share_warning"] == pytest.approx(1 / 7, abs=1e-3)
    assert c1["model"] == "online"
    c2 = table.iloc[1]
    assert c2["match"] == pytest.approx(6 / 7, abs=1e-3)
    assert c2["put_as"] == "warning"
    every = T.misjudged_cards(responses, min_group_size=2).iloc[0]
    assert every["match"] == pytest.approx(5 / 9, abs=1e-3)
    assert every["put_as"] == "healthy" and every["put_as_share"] == pytest.approx(3 / 9, abs=1e-3)


def test_a_card_seen_by_too_few_is_listed_last_and_blank(responses):
    table = T.misjudged_cards(T.filter_responses(responses, organisation="B"), min_group_size=3)
    assert table["suppressed"].all()
    figures = ["match", "match_low", "match_high", "put_as"] + [c for c in table if c.startswith("share_")]
    assert table[figures].isna().all().all()


def test_accuracy_by_model(responses):
    table = T.accuracy_by_model(responses, min_group_size=3)
    assert one(table, model="online")["match"] == pytest.approx(5 / 7, abs=1e-3)
    assert one(table, model="none")["match"] == pytest.approx(6 / 7, abs=1e-3)
    assert one(table, model="none")["cards"] == 1
    by_band = T.accuracy_by_model(responses, by="age_band", min_group_size=3)
    assert one(by_band, age_band="14-16", model="online")["match"] == pytest.approx(5 / 7, abs=1e-3)
    assert one(by_band, age_band="11-13", model="online")["suppressed"]


# -- baseline to end-point -----------------------------------------------------------
def test_change_pairs_each_students_answers_within_a_session(responses):
    table = T.change_by(responses, min_group_size=2)
    conf = one(table, item_id="conf")
    assert conf["baseline"] == pytest.approx(18 / 7, abs=1e-3)  # S3's one baseline answer is too few
    assert conf["endpoint"] == pytest.approx(28 / 8, abs=1e-3)
    assert (conf["baseline_n"], conf["endpoint_n"], conf["paired"], conf["respondents"]) == (7, 8, 6, 9)
    assert conf["paired_change"] == pytest.approx(1.0)
    assert conf["change"] == pytest.approx(1.0)  # enough pairs: the paired change
    assert conf["method"] == "paired"
    table = T.change_by(responses, min_group_size=3)
    conf = one(table, item_id="conf")  # S1's two end-point answers are too few now
    assert conf["baseline"] == pytest.approx(18 / 7, abs=1e-3)
    assert conf["endpoint"] == pytest.approx(16 / 4, abs=1e-3)
    assert (conf["baseline_n"], conf["endpoint_n"], conf["paired"], conf["respondents"]) == (7, 4, 4, 7)
    myth = one(table, item_id="myth")
    assert (myth["baseline"], myth["endpoint"]) == (pytest.approx(1 / 3, abs=1e-3), 1.0)
    assert myth["paired_change"] == pytest.approx(2 / 3, abs=1e-3)


def test_change_by_month_and_by_group(responses):
    months = T.change_by(responses, by="month", min_group_size=3)
    january = one(months, month="2026-01", item_id="conf")
    assert january["baseline"] == pytest.approx(18 / 7, abs=1e-3)
    assert january["endpoint"] == pytest.approx(16 / 4, abs=1e-3)
    assert january["paired_change"] == pytest.approx(1.0)
    assert one(months, month="2026-02", item_id="conf")["suppressed"]
    groups = T.change_by(responses, by=["organisation", "group"], min_group_size=3)
    assert one(groups, organisation="A", group="G2", item_id="conf")["change"] == pytest.approx(1.0)
    assert one(groups, organisation="A", group="G1", item_id="conf")["suppressed"]  # two answered at the end
    relaxed = T.change_by(responses, by=["organisation", "group"], min_group_size=2)
    g1 = one(relaxed, organisation="A", group="G1", item_id="conf")
    assert (g1["baseline"], g1["endpoint"], g1["paired_change"]) == (2.0, 3.5, 1.0)


def test_change_falls_back_to_the_difference_of_means_when_pairs_are_few():
    rows = [answer("S1", "poll", "baseline-conf", "conf", "scale", r, "2", phase="baseline") for r in (1, 2, 3)]
    rows += [answer("S1", "poll", "endpoint-conf", "conf", "scale", r, "4", phase="endpoint") for r in (3, 4, 5)]
    row = T.change_by(frame(rows), min_group_size=3).iloc[0]
    assert not row["suppressed"]
    assert row["change"] == pytest.approx(2.0)
    assert pd.isna(row["paired"]) and pd.isna(row["paired_change"])  # one pair: too few to show
    assert row["method"] == "unpaired"
    assert (row["change_low"], row["change_high"]) == (2.0, 2.0)  # no spread at either end


def test_respondent_numbers_are_never_matched_across_sessions(responses):
    # Respondent 1 of S3 answered only at the end in S3; respondent 1 of S1 and S2 both
    # answered at both ends. Seven pairs, not more.
    assert one(T.change_by(responses, min_group_size=1), item_id="conf")["paired"] == 7


# -- no answer-level output ----------------------------------------------------------
@pytest.mark.parametrize("name", ["headline", "sessions_by_month", "respondents_per_session", "card_match_by_month",
                                  "misjudged_cards", "accuracy_by_model", "change_by"])
def test_outputs_are_aggregates_not_answers(responses, name):
    table = getattr(T, name)(responses, min_group_size=1)
    assert "respondent" not in table.columns and "value" not in table.columns
    assert len(table) < len(responses)


@pytest.mark.parametrize("name", ["headline", "sessions_by_month", "respondents_per_session", "card_match_by_month",
                                  "misjudged_cards", "accuracy_by_model", "change_by"])
def test_every_function_takes_an_empty_frame(name):
    table = getattr(T, name)(frame([]), min_group_size=3)
    assert "suppressed" in table.columns


def test_categorical_frames_give_the_same_tables(responses):
    coded = responses.copy()
    for col in ("session_id", "organisation", "group", "item_id", "value", "expected", "model", "phase",
                "activity_kind", "item_type"):
        coded[col] = coded[col].astype("category")
    for name in ("card_match_by_month", "misjudged_cards", "accuracy_by_model", "change_by"):
        a = getattr(T, name)(responses, min_group_size=2)
        b = getattr(T, name)(coded, min_group_size=2)
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                      check_categorical=False)


def test_two_decks_sharing_a_card_id_never_merge():
    from toolkit.charts import trends as C
    rows = []
    for deck, session, value in (("deck-a", "S1", "exploitative"), ("deck-b", "S2", "healthy")):
        for r in range(1, 6):
            row = answer(session, "card", "card-c1", "c1", "card", r, value, "exploitative", "online")
            rows.append(dict(row, deck_id=deck))
    table = T.card_match_by_month(frame(rows), min_group_size=5)
    assert list(zip(table["deck_id"], table["match"])) == [("deck-a", 1.0), ("deck-b", 0.0)]
    fig = C.card_month_chart(table, {"c1": "Jo, 14"}, min_group_size=5)
    rows_drawn = list(fig.data[-1].y)
    assert len(rows_drawn) == 2 and rows_drawn[0] != rows_drawn[1]  # "Jo, 14 · deck-a", "Jo, 14 · deck-b"
    assert [v for v in np.asarray(fig.data[-1].z, dtype=float).ravel()] == [100.0, 0.0]
