"""No trend figure ever rests on fewer respondents than the threshold, whatever the answers.

Hypothesis draws random sets of sessions (sizes, labels, dates, who answered what) and a
random threshold and filter; every table the trends page can show is then checked
against counts recomputed here from the raw answers: a row that is shown rests on at
least the threshold of distinct (session, respondent) pairs, and a hidden row shows no
figure at all.
"""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from toolkit.analysis import trends as T
from toolkit.store.frames import RESPONSE_COLUMNS

CARDS = {"c1": ("exploitative", "online"), "c2": ("healthy", "none"), "c3": ("warning", "peer")}
VALUES = ["healthy", "warning", "exploitative", "not_sure"]
LABELS = {"organisation": ["A", "B", None], "group": ["G1", "G2"], "age_band": ["11-13", "14-16"],
          "setting": ["School", "Club"], "facilitator": ["F1", "F2"]}
MONTHS = ["2026-01-15", "2026-02-15", "2026-03-15"]


@st.composite
def answer_sets(draw):
    rows = []
    for s in range(draw(st.integers(1, 6))):
        labels = {name: draw(st.sampled_from(options)) for name, options in LABELS.items()}
        date = draw(st.sampled_from(MONTHS))
        size = draw(st.integers(1, 9))
        base = dict(session_id=f"s{s}", code=f"s{s}", plan_id="plan", deck_id="deck", session_date=date,
                    answered_at=date, **labels)
        for r in range(1, size + 1):
            for card in draw(st.lists(st.sampled_from(sorted(CARDS)), unique=True, max_size=3)):
                kind = draw(st.sampled_from(["card", "sort"]))
                expected, model = CARDS[card]
                value = draw(st.sampled_from(VALUES))
                rows.append({**base, "activity_id": f"{kind}-{card}", "activity_kind": kind, "phase": None,
                             "item_id": card, "item_type": "card", "respondent": r, "value": value,
                             "expected": expected, "correct": value == expected, "model": model})
            for phase in draw(st.lists(st.sampled_from(["baseline", "endpoint"]), unique=True)):
                rows.append({**base, "activity_id": f"{phase}-conf", "activity_kind": "poll", "phase": phase,
                             "item_id": "conf", "item_type": "scale", "respondent": r,
                             "value": str(draw(st.integers(1, 5))), "expected": None, "correct": None,
                             "model": None})
                value = draw(st.sampled_from(["myth", "fact"]))
                if draw(st.booleans()):
                    rows.append({**base, "activity_id": f"{phase}-myth", "activity_kind": "poll", "phase": phase,
                                 "item_id": "myth", "item_type": "single", "respondent": r, "value": value,
                                 "expected": "myth", "correct": value == "myth", "model": None})
    frame = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    frame["session_date"] = pd.to_datetime(frame["session_date"], utc=True)
    return frame


def pairs(rows: pd.DataFrame) -> pd.Series:
    return rows["session_id"].astype(str) + "#" + rows["respondent"].astype(str)


def kept(rows: pd.DataFrame, within: list[str], k: int) -> pd.DataFrame:
    """The answers whose session gave their cell (``within`` a session) at least k respondents:
    the secondary rule, recomputed here with plain pandas."""
    if rows.empty:
        return rows
    work = rows.assign(_p=pairs(rows))
    group = [work["session_id"].astype(str)] + [work[c].astype(str) for c in within]
    return rows[(work.groupby(group, dropna=False)["_p"].transform("nunique") >= k).to_numpy()]


def true_respondents(rows: pd.DataFrame, keys: list[str]) -> dict:
    if rows.empty:
        return {}
    work = rows.assign(_p=pairs(rows), month=T.month_of(rows))
    for key in keys:
        if key != "month":
            work[key] = work[key].astype(object).where(work[key].notna(), T.NOT_SET)
    counts = work.groupby(keys, dropna=False)["_p"].nunique()
    return {k if isinstance(k, tuple) else (k,): v for k, v in counts.items()}


FIGURES = {"sessions", "respondents", "answers", "median_per_session", "match", "match_low", "match_high",
           "not_sure", "cards", "put_as", "put_as_share", "baseline", "endpoint", "change", "change_low",
           "change_high", "method", "paired", "paired_change", "baseline_n", "endpoint_n"}


def assert_hidden_rows_are_blank(table: pd.DataFrame) -> None:
    figures = [c for c in table.columns if c in FIGURES or c.startswith("share_")]
    hidden = table[table["suppressed"]]
    assert hidden[figures].isna().all().all(), hidden


def assert_shown_rows_rest_on_enough(table, rows, keys, k) -> None:
    truth = true_respondents(rows, keys)
    for _, row in table[~table["suppressed"]].iterrows():
        key = tuple(row[c] for c in keys)
        assert truth.get(key, 0) >= k, (key, truth.get(key), k)
        assert row["respondents"] == truth[key]


def check_all(rows: pd.DataFrame, k: int) -> None:
    cards = rows[rows["activity_kind"].isin(["card", "sort"])] if not rows.empty else rows

    head = T.headline(rows, min_group_size=k)
    assert_hidden_rows_are_blank(head)
    if not head["suppressed"].iloc[0]:
        assert head["respondents"].iloc[0] == pairs(kept(rows, [], k)).nunique()
        assert rows.empty or head["respondents"].iloc[0] >= k  # none at all is no one to point at

    months = T.sessions_by_month(rows, min_group_size=k)
    assert_hidden_rows_are_blank(months)
    assert_shown_rows_rest_on_enough(months, kept(rows, [], k), ["month"], k)

    sizes = T.respondents_per_session(rows, min_group_size=k)
    assert_hidden_rows_are_blank(sizes)
    assert (sizes.loc[~sizes["suppressed"], "respondents"] >= k).all()

    table = T.card_match_by_month(rows, min_group_size=k)
    assert_hidden_rows_are_blank(table)
    assert_shown_rows_rest_on_enough(table, kept(cards, ["deck_id", "item_id"], k), ["deck_id", "item_id", "month"],
                                     k)

    table = T.misjudged_cards(rows, min_group_size=k)
    assert_hidden_rows_are_blank(table)
    assert_shown_rows_rest_on_enough(table, kept(cards, ["deck_id", "item_id"], k), ["deck_id", "item_id"], k)

    for by in ([], ["age_band"], ["organisation", "group"]):
        table = T.accuracy_by_model(rows, by=by, min_group_size=k)
        assert_hidden_rows_are_blank(table)
        assert_shown_rows_rest_on_enough(table, kept(cards, ["model"], k), by + ["model"], k)

    for by in ([], ["month"], ["organisation", "group"], ["facilitator"]):
        table = T.change_by(rows, by=by, min_group_size=k)
        assert_hidden_rows_are_blank(table)
        ends = rows[rows["phase"].isin(["baseline", "endpoint"])] if not rows.empty else rows
        for phase, column in (("baseline", "baseline_n"), ("endpoint", "endpoint_n")):
            at_end = kept(ends[ends["phase"] == phase], ["item_id"], k) if not ends.empty else ends
            truth = true_respondents(at_end, by + ["item_id"])
            for _, row in table[~table["suppressed"]].iterrows():
                assert truth.get(tuple(row[c] for c in by + ["item_id"]), 0) == row[column] >= k
        shown_pairs = table[table["paired_change"].notna()]
        assert (shown_pairs["paired"] >= k).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=answer_sets(), k=st.integers(1, 7), org=st.sampled_from([None, "A", "B", T.NOT_SET]),
       month=st.sampled_from([None, "2026-02-01"]))
def test_no_table_shows_a_group_below_the_threshold(rows, k, org, month):
    selected = T.filter_responses(rows, organisation=org, since=month)
    check_all(selected, k)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=answer_sets())
def test_no_table_has_a_row_per_answer_or_per_student(rows):
    for name in ("headline", "sessions_by_month", "respondents_per_session", "card_match_by_month",
                 "misjudged_cards", "accuracy_by_model", "change_by"):
        table = getattr(T, name)(rows, min_group_size=1)
        assert "respondent" not in table.columns and "value" not in table.columns
        # One row per group at most: never more rows than distinct students and items.
        assert len(table) <= max(1, len(rows.drop_duplicates(["item_id", "session_id"])) * 3 + 12)


def test_the_default_threshold_is_five():
    rows = pd.DataFrame([{c: None for c in RESPONSE_COLUMNS}]).iloc[:0]
    assert T.threshold() == 5
    empty = T.headline(rows).iloc[0]
    assert not empty["suppressed"] and empty["sessions"] == 0  # no answers: nothing to hide
    assert np.isnan(float(empty["median_per_session"]))


# -- no subtraction of two views reaches a small group ---------------------------------
COUNTS = {"sessions_by_month": (["month"], ["respondents"]),
          "card_match_by_month": (["deck_id", "item_id", "month"], ["respondents", "answers"]),
          "misjudged_cards": (["deck_id", "item_id"], ["respondents", "answers"]),
          "accuracy_by_model": (["model"], ["respondents", "answers"]),
          "change_by": (["item_id"], ["respondents", "baseline_n", "endpoint_n", "paired"])}
NARROWER = st.one_of(
    st.tuples(st.sampled_from(sorted(LABELS)), st.just(None)),
    st.tuples(st.sampled_from(["since", "until"]), st.sampled_from(["2026-01-20", "2026-02-01", "2026-03-01"])))


def shown_counts(table: pd.DataFrame, keys: list[str], columns: list[str]) -> dict:
    out = {}
    for _, row in table[~table["suppressed"]].iterrows():
        for col in columns:
            if pd.notna(row[col]):
                out[tuple(row[c] for c in keys) + (col,)] = int(row[col])
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=answer_sets(), k=st.integers(2, 6), org=st.sampled_from([None, "A", "B"]), narrower=NARROWER,
       data=st.data())
def test_two_filtered_views_never_differ_by_a_small_group(rows, k, org, narrower, data):
    """A lead sees one view, then narrows it by one more filter of the page: for every cell
    and count shown in the wider view, the narrower view shows the same, nothing (the
    cell hidden or gone: it held none of the wider view's counted answers), or at least
    k fewer respondents, answers or pairs. So subtracting the two never shows a group
    smaller than k."""
    name, value = narrower
    if value is None:
        value = data.draw(st.sampled_from([v if v is not None else T.NOT_SET for v in LABELS[name]]))
    wide_filters = {"organisation": org} if org else {}
    assume(name not in wide_filters)  # a second organisation would not narrow the first
    narrow_filters = {**wide_filters, name: value}
    wide = T.filter_responses(rows, **wide_filters)
    narrow = T.filter_responses(rows, **narrow_filters)
    assert len(narrow) <= len(wide)
    head_w, head_n = T.headline(wide, min_group_size=k), T.headline(narrow, min_group_size=k)
    for col in ("respondents", "answers"):
        a = 0 if head_w["suppressed"].iloc[0] else int(head_w[col].iloc[0])
        b = 0 if head_n["suppressed"].iloc[0] else int(head_n[col].iloc[0])
        assert a - b == 0 or a - b >= k, (col, a, b)
    for function, (keys, columns) in COUNTS.items():
        wider = shown_counts(getattr(T, function)(wide, min_group_size=k), keys, columns)
        narrower_counts = shown_counts(getattr(T, function)(narrow, min_group_size=k), keys, columns)
        for cell, a in wider.items():
            b = narrower_counts.get(cell, 0)
            assert a - b == 0 or a - b >= k, (function, cell, a, b, k)
        for cell, b in narrower_counts.items():
            assert b >= k and cell in wider, (function, cell, b)
