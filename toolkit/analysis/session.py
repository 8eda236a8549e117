"""Analysis of one session's answers (or any set of sessions), for the facilitator.

Every function takes the tidy responses DataFrame that ``Store.responses`` returns (one
row per answer: activity_id, item_id, phase, respondent, value, expected, ...) and
returns a new DataFrame; none reads the store or changes its input.
"""

from __future__ import annotations

import pandas as pd

from ..content.vocab import CARD_KINDS, PHASES

EXPORT_COLUMNS = ["session_id", "code", "plan_id", "deck_id", "organisation", "group", "age_band", "setting",
                  "facilitator", "session_date", "activity_id", "activity_kind", "phase", "item_id", "item_type",
                  "respondent", "value", "expected", "correct", "model", "answered_at"]


def explode_multiple(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per chosen option: a multiple-choice answer "a,b" becomes two rows."""
    if responses.empty:
        return responses.copy()
    out = responses.copy()
    multiple = out["item_type"].eq("multiple") if "item_type" in out else pd.Series(False, index=out.index)
    out["value"] = out["value"].astype(str).where(~multiple, out["value"].astype(str).str.split(","))
    return out.explode("value", ignore_index=True)


def distribution(responses: pd.DataFrame, activity_id: str | None = None, item_id: str | None = None,
                 options: list[dict] | None = None) -> pd.DataFrame:
    """How many chose each value: columns value, label, count, percent.

    With ``options`` (``[{id, label}]``) every option appears, in order, zeros included,
    and percentages are of respondents (so multiple-choice shares can add to more than 100).
    """
    rows = responses
    if activity_id is not None:
        rows = rows[rows["activity_id"] == activity_id]
    if item_id is not None:
        rows = rows[rows["item_id"] == item_id]
    respondents = rows.groupby(["session_id", "respondent"]).ngroups if not rows.empty else 0
    counts = explode_multiple(rows)["value"].astype(str).value_counts() if not rows.empty else pd.Series(dtype=int)
    if options is not None:
        ids = [str(o["id"]) for o in options]
        labels = {str(o["id"]): o.get("label", o["id"]) for o in options}
        extra = [v for v in counts.index if v not in labels]  # answers to options since removed
        ids += extra
    else:
        ids = list(counts.index)
        labels = {}
    frame = pd.DataFrame({"value": ids})
    frame["label"] = [labels.get(v, v) for v in ids]
    frame["count"] = [int(counts.get(v, 0)) for v in ids]
    frame["percent"] = (100 * frame["count"] / respondents).round(1) if respondents else 0.0
    return frame


def results_matrix(responses: pd.DataFrame, categories: list[str] | None = None,
                   activity_kinds: tuple[str, ...] = CARD_KINDS) -> pd.DataFrame:
    """Cards × categories: how many put each card in each category (card rows in first-seen order)."""
    rows = responses[responses["activity_kind"].isin(activity_kinds)] if not responses.empty else responses
    if rows.empty:
        return pd.DataFrame(0, index=pd.Index([], name="item_id"), columns=pd.Index(categories or [], name="value"))
    matrix = pd.crosstab(rows["item_id"], rows["value"])
    order = list(dict.fromkeys(rows["item_id"]))
    cols = list(categories or []) + [c for c in matrix.columns if c not in (categories or [])]
    return matrix.reindex(index=order, columns=cols, fill_value=0)


def card_summary(responses: pd.DataFrame, activity_kinds: tuple[str, ...] = CARD_KINDS) -> pd.DataFrame:
    """Per card: answers, the most chosen category and its share (agreement), the expected
    category and the share that matched it.

    Columns: item_id, answers, top, agreement, expected, match, split.
    ``agreement`` is the share of the most chosen category (1 = everyone agreed);
    ``split`` is 1 minus agreement; ``match`` is the share answering as expected.
    "Not sure" counts as an answer that does not match.
    """
    rows = responses[responses["activity_kind"].isin(activity_kinds)] if not responses.empty else responses
    columns = ["item_id", "answers", "top", "agreement", "expected", "match", "split"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    grouped = rows.groupby("item_id", sort=False)
    answers = grouped.size()
    counts = rows.groupby(["item_id", "value"], sort=False).size()
    top = counts.groupby(level=0).idxmax().map(lambda pair: pair[1])
    agreement = counts.groupby(level=0).max() / answers
    expected = grouped["expected"].first()
    match = grouped.apply(lambda g: float((g["value"] == g["expected"]).mean()), include_groups=False)
    out = pd.DataFrame({"answers": answers, "top": top, "agreement": agreement.round(3),
                        "expected": expected, "match": match.round(3)})
    out["split"] = (1 - out["agreement"]).round(3)
    return out.reset_index()[columns]


def contested_cards(responses: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """Cards ranked for discussion: furthest from the expected answer first, then most split.

    Adds ``score`` = (1 - match) + split / 2 (a card the class got wrong outranks one it
    merely disagreed on) and ``reason`` in words.
    """
    summary = card_summary(responses)
    if summary.empty:
        return summary.assign(score=pd.Series(dtype=float), reason=pd.Series(dtype=str))
    summary["score"] = ((1 - summary["match"]) + summary["split"] / 2).round(3)
    summary["reason"] = [_reason(m, s) for m, s in zip(summary["match"], summary["split"])]
    ranked = summary.sort_values(["score", "answers"], ascending=[False, False], kind="stable")
    return (ranked.head(top) if top else ranked).reset_index(drop=True)


def _reason(match: float, split: float) -> str:
    parts = []
    if match < 0.5:
        parts.append(f"only {round(100 * match)}% chose the expected answer")
    elif match < 0.8:
        parts.append(f"{round(100 * match)}% chose the expected answer")
    if split >= 0.4:
        # Said as it was: "split" read as half and half when 7 of 12 agreed.
        parts.append(f"answers were divided: the most chosen had {round(100 * (1 - split))}%")
    return "; ".join(parts) or "the class mostly agreed with the expected answer"


def change(responses: pd.DataFrame) -> pd.DataFrame:
    """Baseline → end-point change per question repeated at both ends.

    For a scale question the score is the mean answer; for a question with an answer it
    is the share correct. ``paired_change`` is the mean change among respondents who
    answered both (within a session), with ``paired`` how many did.
    Columns: item_id, item_type, baseline, endpoint, change, paired, paired_change,
    baseline_n, endpoint_n.
    """
    columns = ["item_id", "item_type", "baseline", "endpoint", "change", "paired", "paired_change",
               "baseline_n", "endpoint_n"]
    rows = responses[responses["phase"].isin(PHASES)] if not responses.empty else responses
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.assign(score=_score(rows))
    rows = rows[rows["score"].notna()]
    out = []
    for item_id, group in rows.groupby("item_id", sort=False):
        base = group[group["phase"] == "baseline"]
        end = group[group["phase"] == "endpoint"]
        if base.empty or end.empty:
            continue
        paired = base.merge(end, on=["session_id", "respondent"], suffixes=("_b", "_e"))
        diff = paired["score_e"] - paired["score_b"]
        out.append({"item_id": item_id, "item_type": group["item_type"].iloc[0],
                    "baseline": round(base["score"].mean(), 3), "endpoint": round(end["score"].mean(), 3),
                    "change": round(end["score"].mean() - base["score"].mean(), 3),
                    "paired": len(paired), "paired_change": round(diff.mean(), 3) if len(paired) else None,
                    "baseline_n": len(base), "endpoint_n": len(end)})
    return pd.DataFrame(out, columns=columns)


def _score(rows: pd.DataFrame) -> pd.Series:
    """A number per answer: the value of a scale answer, 1/0 for correct/incorrect, else NaN."""
    scale = pd.to_numeric(rows["value"].where(rows["item_type"] == "scale"), errors="coerce")
    correct = (rows["value"] == rows["expected"]).astype(float).where(rows["expected"].notna())
    return scale.fillna(correct)


def tidy_export(responses: pd.DataFrame) -> pd.DataFrame:
    """The responses as exported to CSV: one row per answer, stable columns, ISO timestamps."""
    out = responses.reindex(columns=EXPORT_COLUMNS).copy()
    for col in ("session_date", "answered_at"):
        out[col] = pd.to_datetime(out[col], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out
