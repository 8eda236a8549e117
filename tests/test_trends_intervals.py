"""The trends tables' 95% intervals: the same as scipy's on the raw answers, and right about
95% of the time on answers simulated with a known effect.

Each simulated "session" carries a group label of its own, so one call of a trends function
gives one interval per repetition: 400 repetitions in one table. With 400, the share of
intervals covering the truth has a standard error of about 1.1 points at 95%, so 95% and
80% are far apart (more than ten standard errors).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from toolkit.analysis import trends as T
from toolkit.store.frames import RESPONSE_COLUMNS

REPEATS = 400
STUDENTS = 30
SCALE = np.arange(1, 6)
BASELINE_P = np.array([0.10, 0.25, 0.30, 0.25, 0.10])
ENDPOINT_P = np.array([0.05, 0.15, 0.30, 0.30, 0.20])


def row(session, phase, item, item_type, respondent, value, expected=None, kind="poll", model=None):
    return dict(session_id=session, code=session, plan_id="plan", deck_id="deck", organisation="Org",
                group=session, age_band="14-16", setting="School", facilitator="F",
                session_date=pd.Timestamp("2026-03-02", tz="UTC"), activity_id=f"{phase or kind}-{item}",
                activity_kind=kind, phase=phase, item_id=item, item_type=item_type, respondent=respondent,
                value=value, expected=expected, correct=None, model=model,
                answered_at=pd.Timestamp("2026-03-02", tz="UTC"))


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS)


def coverage(table: pd.DataFrame, truth: float, low="change_low", high="change_high") -> float:
    assert len(table) == REPEATS and not table["suppressed"].any()
    inside = (table[low].astype(float) <= truth) & (truth <= table[high].astype(float))
    return float(inside.mean())


def test_paired_intervals_cover_a_known_change_about_95_percent_of_the_time():
    rng = np.random.default_rng(16)
    rows = []
    for s in range(REPEATS):
        before = rng.choice(SCALE, size=STUDENTS, p=BASELINE_P)
        # Most students move up one point (none past 5): the true mean change is 0.6 × P(before < 5).
        after = np.minimum(5, before + (rng.random(STUDENTS) < 0.6))
        for r in range(STUDENTS):
            rows.append(row(f"s{s}", "baseline", "conf", "scale", r + 1, str(before[r])))
            rows.append(row(f"s{s}", "endpoint", "conf", "scale", r + 1, str(after[r])))
    table = T.change_by(frame(rows), by="group", min_group_size=5)
    assert (table["method"] == "paired").all()
    truth = 0.6 * (1 - BASELINE_P[-1])
    assert 0.92 <= coverage(table, truth) <= 0.97
    assert table["change"].astype(float).mean() == pytest.approx(truth, abs=0.02)


def test_welch_intervals_cover_a_known_difference_when_nobody_answered_both_ends():
    rng = np.random.default_rng(17)
    rows = []
    for s in range(REPEATS):
        before = rng.choice(SCALE, size=STUDENTS, p=BASELINE_P)
        after = rng.choice(SCALE, size=STUDENTS + 5, p=ENDPOINT_P)
        rows += [row(f"s{s}", "baseline", "conf", "scale", r + 1, str(v)) for r, v in enumerate(before)]
        rows += [row(f"s{s}", "endpoint", "conf", "scale", r + 101, str(v)) for r, v in enumerate(after)]
    table = T.change_by(frame(rows), by="group", min_group_size=5)
    assert (table["method"] == "unpaired").all()
    truth = float(SCALE @ ENDPOINT_P - SCALE @ BASELINE_P)
    assert 0.92 <= coverage(table, truth) <= 0.97


def test_wilson_intervals_cover_a_known_share_about_95_percent_of_the_time():
    rng = np.random.default_rng(18)
    rows = []
    for s in range(REPEATS):
        right = rng.random(STUDENTS) < 0.7
        rows += [row(f"s{s}", None, "c1", "card", r + 1, "exploitative" if ok else "healthy", "exploitative", "card",
                     "online") for r, ok in enumerate(right)]
    table = T.accuracy_by_model(frame(rows), by="group", min_group_size=5)
    assert 0.92 <= coverage(table, 0.7, "match_low", "match_high") <= 0.98


def test_intervals_are_scipys_on_the_raw_answers():
    rng = np.random.default_rng(19)
    rows, raw = [], {}
    for s, (paired, n) in enumerate([(True, 12), (False, 9), (True, 40)]):
        before = rng.choice(SCALE, size=n, p=BASELINE_P)
        after = rng.choice(SCALE, size=n + (0 if paired else 3), p=ENDPOINT_P)
        offset = 0 if paired else 100
        rows += [row(f"s{s}", "baseline", "conf", "scale", r + 1, str(v)) for r, v in enumerate(before)]
        rows += [row(f"s{s}", "endpoint", "conf", "scale", r + 1 + offset, str(v)) for r, v in enumerate(after)]
        right = rng.random(n) < 0.6
        rows += [row(f"s{s}", None, "c1", "card", r + 1, "healthy" if ok else "warning", "healthy", "card", "none")
                 for r, ok in enumerate(right)]
        raw[f"s{s}"] = (paired, before, after, int(right.sum()), n)
    change = T.change_by(frame(rows), by="group", min_group_size=5).set_index("group")
    shares = T.accuracy_by_model(frame(rows), by="group", min_group_size=5).set_index("group")
    for group, (paired, before, after, hits, n) in raw.items():
        if paired:
            expected = stats.ttest_rel(after, before).confidence_interval(0.95)
            assert change.loc[group, "method"] == "paired"
        else:
            expected = stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
            assert change.loc[group, "method"] == "unpaired"
        assert change.loc[group, "change_low"] == pytest.approx(expected.low, abs=1e-3)
        assert change.loc[group, "change_high"] == pytest.approx(expected.high, abs=1e-3)
        wilson = stats.binomtest(hits, n).proportion_ci(0.95, method="wilson")
        assert shares.loc[group, "match_low"] == pytest.approx(wilson.low, abs=1e-3)
        assert shares.loc[group, "match_high"] == pytest.approx(wilson.high, abs=1e-3)
