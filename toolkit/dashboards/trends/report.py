"""The programme report: one self-contained HTML page a commissioner can read, print or file.

``toolkit report`` and the trends page's "Download report" button both make it here from
the trends frame and a selection of sessions. The page (``templates/report.html``,
``static/report.css``) embeds plotly.js once and every chart inline, so it opens with no
network and asks no other host for anything; charts have a fixed width that fits an A4
page, so it prints as it shows. Every figure comes from ``analysis`` and is suppressed
there; every value put into the page is escaped.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from ...analysis import compare as K
from ...analysis import quality
from ...analysis import trends as T
from ...analysis.suppression import floor
from ...charts import change as CH
from ...charts import trends as C
from ...content.vocab import GROUP_LABELS
from .page import HERE, templates

FILTER_LABELS = {**GROUP_LABELS, "plan_id": "Plan", "deck_id": "Deck"}
WIDTH = 680  # pixels: an A4 page's printable width at 96 per inch, with 12 mm margins
COMPARISONS = ("term", "age_band", "setting", "deck_version")
DAY = "%d/%m/%Y"  # dates as a UK reader writes them


def select_sessions(sessions: pd.DataFrame, selection: dict) -> pd.DataFrame:
    """The sessions (with or without answers) that ``selection`` picks, as the answers are picked."""
    if sessions.empty:
        return sessions
    return T.filter_responses(sessions.assign(session_date=sessions["created_at"]), **selection)


def _chart(figure, width: int = WIDTH) -> Markup:
    figure.update_layout(width=width, autosize=False)
    return Markup(figure.to_html(full_html=False, include_plotlyjs=False,
                                 config={"displayModeBar": False, "responsive": False, "staticPlot": False}))


def _day(value) -> str:
    return pd.Timestamp(value).strftime(DAY)


def _filters(selection: dict, plans: dict) -> list[tuple[str, str]]:
    shown = []
    if selection.get("since") is not None:
        shown.append(("From", _day(selection["since"])))
    if selection.get("until") is not None:
        # The page and the command pass the day after the last one wanted.
        shown.append(("To", _day(pd.Timestamp(selection["until"]) - pd.Timedelta(days=1))))
    for name, label in FILTER_LABELS.items():
        value = selection.get(name)
        if value is not None:
            values = [value] if isinstance(value, str) else list(value)
            shown.append((label, ", ".join(plans.get(v, v) if name == "plan_id" else v for v in values)))
    return shown


def _percent(value, places: int = 0) -> str:
    return "" if pd.isna(value) else f"{100 * float(value):.{places}f}%"


def _interval(low, high, percent: bool, places: int = 1) -> str:
    if pd.isna(low) or pd.isna(high):
        return ""
    if percent:
        return f"{100 * float(low):.0f}% to {100 * float(high):.0f}%"
    return f"{float(low):.{places}f} to {float(high):.{places}f}"


def _change_rows(table: pd.DataFrame, questions: dict, k: int) -> list[dict]:
    rows = []
    for _, row in table.iterrows():
        scale = str(row["item_type"]) == "scale"
        hidden = bool(row["suppressed"])
        fmt = (lambda v: "" if pd.isna(v) else f"{float(v):.2f}") if scale else _percent
        change = row["change"]
        rows.append(dict(
            question=questions.get(row["item_id"], row["item_id"]), hidden=hidden,
            kind="mean on a 1–5 scale" if scale else "share answering right",
            baseline=fmt(row["baseline"]), endpoint=fmt(row["endpoint"]),
            change="" if pd.isna(change) else (f"{float(change):+.2f}" if scale else f"{100 * float(change):+.0f} pts"),
            interval=("" if pd.isna(change) else
                      _interval(row["change_low"], row["change_high"], False, 2) if scale else
                      f"{100 * float(row['change_low']):+.0f} to {100 * float(row['change_high']):+.0f} pts"),
            method="" if hidden else ("paired" if row["method"] == "paired" else "unpaired (Welch)"),
            reading=K.read_change(row, "", k)))
    for row in rows:  # a printed minus sign, as in the readings
        for name in ("baseline", "endpoint", "change", "interval"):
            row[name] = row[name].replace("-", "−")
    return rows


def _comparison(rows: pd.DataFrame, kind: str, questions: dict, k: int, today, value=None) -> dict | None:
    result = K.compare(rows, kind, value, today=today, question_labels=questions, min_group_size=k)
    shown = result.change[~result.change["suppressed"]]
    if shown["side"].nunique() < 2:
        return None  # one side only: nothing to compare
    order = {side: n for n, side in enumerate(result.order)}
    table = result.change.assign(_o=result.change["side"].map(order)).sort_values(["item_id", "_o"])
    rows, spans = [], table.groupby("item_id", sort=False).size()
    for n, (_, r) in enumerate(table.iterrows()):
        first = n == 0 or table["item_id"].iloc[n - 1] != r["item_id"]
        rows.append(dict(side=r["side"], question=questions.get(r["item_id"], r["item_id"]),
                         span=int(spans[r["item_id"]]) if first else 0, reading=K.read_change(r, "", k),
                         hidden=bool(r["suppressed"])))
    return dict(title=result.title, rows=rows)


def build(loaded, selection: dict | None = None, demo: int = 0, min_group_size: int | None = None,
          today: date | None = None, generated: datetime | None = None) -> str:
    """The programme report for the sessions ``selection`` picks (``trends.filter_responses``
    arguments) from a trends frame (``Store.trends_frame()``), as one HTML page."""
    selection = dict(selection or {})
    k = T.threshold(min_group_size)
    content = loaded.content
    rows = T.filter_responses(loaded.responses, **selection)
    sessions = select_sessions(loaded.sessions, selection)
    counted = floor(rows, [], k)
    today = today or date.today()
    generated = generated or datetime.now(timezone.utc)

    head = T.headline(rows, min_group_size=k).iloc[0]
    tiles = [("Sessions", head["sessions"]), ("Students", head["respondents"]), ("Answers", head["answers"]),
             ("Students per session (median)", head["median_per_session"])]
    tiles = [(label, "hidden" if head["suppressed"] else ("–" if pd.isna(v) else f"{float(v):,.0f}"))
             for label, v in tiles]

    ends = T.phase_rows(rows)
    change = T.change_by(ends, min_group_size=k)
    change_chart = None
    if not change.empty and (~change["suppressed"]).any():
        change_chart = _chart(CH.question_chart(change, content.questions, min_group_size=k))
    cards = T.card_rows(rows)
    misjudged = T.misjudged_cards(cards, min_group_size=k)
    misjudged = misjudged[~misjudged["suppressed"]].head(10)
    models = T.accuracy_by_model(cards, min_group_size=k)
    comparisons = [c for c in (_comparison(rows, kind, content.questions, k, today) for kind in COMPARISONS) if c]
    org = selection.get("organisation")
    if isinstance(org, str) or (isinstance(org, (list, tuple)) and len(org) == 1):
        # A report on one organisation sets it against all the others (same dates and labels).
        org = org if isinstance(org, str) else org[0]
        others = {name: value for name, value in selection.items() if name != "organisation"}
        against = _comparison(T.filter_responses(loaded.responses, **others), "organisation", content.questions, k,
                              today, org)
        if against:
            comparisons.insert(0, against)

    return templates.render(
        "report.html", stylesheet=Markup((HERE / "static" / "report.css").read_text(encoding="utf-8")),
        plotlyjs=Markup(get_plotlyjs()), k=k, demo=demo, tiles=tiles,
        generated=generated.strftime(DAY + " %H:%M UTC"),
        first=_day(counted["session_date"].min()) if not counted.empty else None,
        last=_day(counted["session_date"].max()) if not counted.empty else None,
        filters=_filters(selection, content.plans), notes=quality.notes(rows, sessions, demo, k),
        change=_change_rows(change, content.questions, k), change_chart=change_chart,
        misjudged=[dict(card=content.cards.get(r["item_id"], r["item_id"]),
                        text=content.card_texts.get(r["item_id"], ""), deck=r["deck_id"],
                        expected=content.categories.get(r["expected"], r["expected"]),
                        match=_percent(r["match"]), interval=_interval(r["match_low"], r["match_high"], True),
                        put_as=content.categories.get(r["put_as"], r["put_as"]) if pd.notna(r["put_as"]) else "",
                        put_as_share=_percent(r["put_as_share"]), answers=f"{int(r['answers']):,}")
                   for _, r in misjudged.iterrows()],
        misjudged_chart=_chart(C.misjudged_chart(misjudged, content.cards, content.categories, content.colours,
                                                 title="", min_group_size=k)) if len(misjudged) else None,
        models=[dict(model=content.models.get(r["model"], r["model"]), hidden=bool(r["suppressed"]),
                     match=_percent(r["match"]), interval=_interval(r["match_low"], r["match_high"], True),
                     not_sure=_percent(r["not_sure"]),
                     answers="" if pd.isna(r["answers"]) else f"{int(r['answers']):,}")
                for _, r in models.iterrows()],
        comparisons=comparisons)


def filename(selection: dict | None = None, today: date | None = None) -> str:
    """A file name for the report: ``programme-report-YYYY-MM-DD.html``."""
    return f"programme-report-{(today or date.today()).isoformat()}.html"


__all__ = ["build", "filename", "select_sessions"]
