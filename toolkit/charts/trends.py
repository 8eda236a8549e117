"""Charts of trends across sessions, from ``analysis.trends`` tables. Pure: DataFrame in, Figure out.

A hidden figure (too few respondents) is never drawn as a value: bars become full-height
grey placeholders labelled "hidden", heatmap cells grey cells labelled "hidden", line
points grey crosses on the axis, and every chart with any says how many it hides and why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.trends import threshold
from .style import ACCENT, FONT, HIDDEN_TEXT, INK, LAYOUT, NEUTRAL, SUPPRESSED, wrap

MONTH_BAR = 20 * 24 * 3600 * 1000  # a bar 20 days wide, in the milliseconds of a date axis
CHANGE_UP = ACCENT
# Calm, colour-blind-safe line colours for questions.
SERIES = ("#1565C0", "#E67E22", "#2E7D32", "#8E24AA", "#C62828", "#00838F", "#6D4C41", "#546E7A")


def _light_template() -> dict:
    """plotly_white's page, axes and fonts as a plain dict: the same look as
    ``style.base_figure``, but a page of seven charts redrawn on every filter change cannot
    afford plotly's full template object (tens of ms per figure)."""
    import plotly.io as pio
    full = pio.templates[LAYOUT["template"]].layout.to_plotly_json()
    keep = ("autotypenumbers", "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor", "plot_bgcolor",
            "xaxis", "yaxis", "title", "shapedefaults", "annotationdefaults")
    return {"layout": {k: full[k] for k in keep if k in full}}


_TEMPLATE = _light_template()


def _figure(title: str, height: int) -> go.Figure:
    layout = {k: v for k, v in LAYOUT.items() if k != "template"}
    # Leads read these at a desk, not from the back of a classroom: smaller type than the console.
    # Without a title (the page heads each chart itself) the top keeps room for the hidden note.
    layout.update(template=_TEMPLATE, height=height if title else height - 40,
                  font=dict(family=FONT, size=13, color="#1F2933"),
                  title=dict(text=title or "", x=0.01, font=dict(size=17)),
                  margin=dict(l=20, r=20, t=70 if title else 34, b=40))
    return go.Figure(layout=layout)


def hidden_note(fig: go.Figure, hidden: int, min_group_size: int | None = None, what: str = "",
                y: float = 1.02) -> go.Figure:
    """Say on the chart how many figures are hidden and why (nothing when none are)."""
    if hidden:
        k = threshold(min_group_size)
        fig.add_annotation(text=f"{hidden}{' ' + what if what else ''} hidden: fewer than {k} respondents",
                           xref="paper", yref="paper", x=1, y=y, xanchor="right", yanchor="bottom",
                           showarrow=False, font=dict(size=12, color=HIDDEN_TEXT),
                           bgcolor=SUPPRESSED, borderpad=4)
    return fig


def empty_figure(title: str, message: str = "No answers match these filters.", height: int = 260) -> go.Figure:
    """A chart-sized box saying there is nothing to draw."""
    fig = _figure(title, height)
    fig.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font=dict(size=15, color=HIDDEN_TEXT))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _month_dates(months: pd.Series) -> pd.Series:
    return pd.to_datetime(months.astype(str) + "-01")


def _all_months(months) -> list[str]:
    """Every month from the first to the last, so a month without sessions shows as a gap."""
    months = sorted(set(months))
    if not months:
        return []
    return [p.strftime("%Y-%m") for p in pd.period_range(months[0], months[-1], freq="M")]


def _month_label(month: str) -> str:
    return pd.Period(month, freq="M").strftime("%b %Y")


def _count_ticks(top: float) -> dict:
    """Whole-number ticks for counts (plotly would label 0.2, 0.4… for a count of one)."""
    return dict(dtick=1, tickformat="d") if top <= 8 else dict(tickformat=",d")


def _hidden_bars(fig, x, top: float, horizontal: bool = False, width=None):
    """Grey full-length placeholders where a bar is hidden."""
    if not len(x):
        return
    size = [top] * len(x)
    kwargs = dict(marker_color=SUPPRESSED, width=[width] * len(x) if width else None, text=["hidden"] * len(x), textposition="inside",
                  insidetextanchor="middle", textfont=dict(color=HIDDEN_TEXT, size=12), name="hidden",
                  hovertemplate="hidden: too few respondents<extra></extra>", showlegend=False)
    if horizontal:
        fig.add_bar(x=size, y=list(x), orientation="h", **kwargs)
    else:
        fig.add_bar(x=list(x), y=size, **kwargs)


# -- volume ------------------------------------------------------------------------
def sessions_chart(table: pd.DataFrame, title: str = "Sessions per month",
                   min_group_size: int | None = None) -> go.Figure:
    """Bars of sessions per month (``trends.sessions_by_month``)."""
    if table.empty:
        return empty_figure(title)
    fig = _figure(title, 340)
    shown = table[~table["suppressed"]]
    hidden = table[table["suppressed"]]
    fig.add_bar(x=_month_dates(shown["month"]), y=shown["sessions"].astype(float), marker_color=ACCENT,
                width=[MONTH_BAR] * len(shown),
                text=shown["sessions"].astype(str), textposition="outside", cliponaxis=False,
                customdata=np.stack([shown["respondents"].astype(float), shown["answers"].astype(float)], axis=-1)
                if len(shown) else None,
                hovertemplate="%{x|%B %Y}: %{y} sessions<br>%{customdata[0]:,.0f} respondents, "
                              "%{customdata[1]:,.0f} answers<extra></extra>")
    top = float(shown["sessions"].max()) if len(shown) else 1.0
    _hidden_bars(fig, _month_dates(hidden["month"]), top, width=MONTH_BAR)
    months = _all_months(table["month"])
    first, last = pd.Timestamp(months[0] + "-01"), pd.Timestamp(months[-1] + "-01")
    # A fixed bar width and range: a few months far apart would otherwise get bars months wide.
    fig.update_xaxes(tickformat="%b<br>%Y", dtick="M1", title_text=None,
                     range=[first - pd.Timedelta(days=20), last + pd.Timedelta(days=20)])
    fig.update_yaxes(title_text="sessions", rangemode="tozero", **_count_ticks(top))
    fig.update_layout(bargap=0.25)
    return hidden_note(fig, len(hidden), min_group_size, "months" if len(hidden) > 1 else "month")


def size_chart(table: pd.DataFrame, title: str = "Respondents per session",
               min_group_size: int | None = None) -> go.Figure:
    """Bars of how many sessions had how many respondents (``trends.respondents_per_session``)."""
    if table.empty:
        return empty_figure(title)
    fig = _figure(title, 340)
    shown = table[~table["suppressed"]]
    hidden = table[table["suppressed"]]
    fig.add_bar(x=shown["band"], y=shown["sessions"].astype(float), marker_color=NEUTRAL,
                text=shown["sessions"].astype(str), textposition="outside", cliponaxis=False,
                hovertemplate="%{x} respondents: %{y} sessions<extra></extra>")
    top = float(shown["sessions"].max()) if len(shown) else 1.0
    _hidden_bars(fig, hidden["band"], top)
    fig.update_xaxes(title_text="respondents in the session", type="category",
                     categoryorder="array", categoryarray=list(table["band"]))
    fig.update_yaxes(title_text="sessions", rangemode="tozero", **_count_ticks(top))
    return hidden_note(fig, len(hidden), min_group_size, "bands" if len(hidden) > 1 else "band")


# -- cards -------------------------------------------------------------------------
def card_month_chart(table: pd.DataFrame, card_labels: dict | None = None, category_labels: dict | None = None,
                     order: list | None = None, title: str = "Cards answered as expected, by month",
                     min_group_size: int | None = None) -> go.Figure:
    """Cards × months heatmap of the share matching the expected category
    (``trends.card_match_by_month``), each cell's 95% interval in its hover; hidden cells
    grey and labelled. Cards are keyed by deck and id: two decks sharing a card id keep a
    row each. ``order`` lists cards first, as ``(deck_id, item_id)`` pairs or bare ids."""
    if table.empty:
        return empty_figure(title)
    card_labels = card_labels or {}
    category_labels = category_labels or {}
    months = _all_months(table["month"])
    frame = table.assign(_card=list(zip(table["deck_id"].astype(str), table["item_id"].astype(str))))
    present = list(dict.fromkeys(sorted(frame["_card"])))
    wanted = []
    for entry in order or []:
        wanted += [c for c in present if (c == tuple(entry) if isinstance(entry, tuple) else c[1] == entry)]
    cards = list(dict.fromkeys(wanted + present))
    decks = {deck for deck, _ in cards}
    expected = frame.drop_duplicates("_card").set_index("_card")["expected"]
    shared = {i for _, i in cards if sum(1 for _, j in cards if j == i) > 1}
    rows = [f"{card_labels.get(i, i)}{' · ' + d if i in shared and len(decks) > 1 else ''} "
            f"({category_labels.get(expected.get((d, i)), expected.get((d, i)))})" for d, i in cards]

    def grid(column, aggfunc="first"):
        out = frame.pivot_table(index="_card", columns="month", values=column, aggfunc=aggfunc, dropna=False)
        return out.reindex(index=pd.Index(cards, tupleize_cols=False), columns=months)

    share = grid("match").astype(float).to_numpy() * 100
    hidden = frame[frame["suppressed"]].pivot_table(index="_card", columns="month", values="suppressed",
                                                    aggfunc="any")
    hidden = hidden.reindex(index=pd.Index(cards, tupleize_cols=False), columns=months).eq(True).to_numpy()
    extra = np.stack([grid(c).astype(float).to_numpy() for c in ("answers", "match_low", "match_high")], axis=-1)
    extra[..., 1:] *= 100
    x = [_month_label(m) for m in months]
    fig = _figure(title, max(320, 110 + 24 * len(cards)))
    if hidden.any():
        fig.add_heatmap(z=np.where(hidden, 1.0, np.nan), x=x, y=rows, showscale=False,
                        colorscale=[[0, SUPPRESSED], [1, SUPPRESSED]], zmin=0, zmax=1, xgap=2, ygap=2,
                        text=np.where(hidden, "hidden", ""), texttemplate="%{text}",
                        textfont=dict(size=10, color=HIDDEN_TEXT), hovertemplate="%{y}<br>%{x}: hidden, too few "
                        "respondents<extra></extra>")
    text = np.where(np.isnan(share), "", np.char.add(np.round(np.nan_to_num(share)).astype(int).astype(str), "%"))
    fig.add_heatmap(z=share, x=x, y=rows, zmin=0, zmax=100, xgap=2, ygap=2, text=text, texttemplate="%{text}",
                    textfont=dict(size=11), customdata=extra,
                    colorscale=[[0, "#C62828"], [0.5, "#F7E08A"], [1, "#2E7D32"]],
                    colorbar=dict(title=dict(text="% as<br>expected"), thickness=12, len=0.6),
                    hovertemplate="%{y}<br>%{x}: %{z:.0f}% as expected (95% CI %{customdata[1]:.0f}–"
                                  "%{customdata[2]:.0f}%, %{customdata[0]:,.0f} answers)<extra></extra>")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top", type="category")
    return hidden_note(fig, int(hidden.sum()), min_group_size, "cells" if hidden.sum() > 1 else "cell")


def misjudged_chart(table: pd.DataFrame, card_labels: dict | None = None, category_labels: dict | None = None,
                    colours: dict | None = None, title: str = "Most misjudged cards: where students put them",
                    min_group_size: int | None = None) -> go.Figure:
    """Stacked bars per card of the share put in each category (``trends.misjudged_cards``),
    the expected category named in the card's label."""
    if table.empty:
        return empty_figure(title)
    card_labels, category_labels, colours = card_labels or {}, category_labels or {}, colours or {}
    labels = [wrap(f"{card_labels.get(i, i)}: expected {category_labels.get(e, e)}", 40)
              + (f"<br><span style='font-size:11px'>as expected {100 * m:.0f}% (95% CI {100 * lo:.0f}–"
                 f"{100 * hi:.0f}%)</span>" if pd.notna(m) else "")
              for i, e, m, lo, hi in zip(table["item_id"], table["expected"], table["match"].astype(float),
                                         table["match_low"].astype(float), table["match_high"].astype(float))]
    fig = _figure(title, max(300, 110 + 46 * len(table)))
    shown = ~table["suppressed"].to_numpy()
    share_cols = [c for c in table.columns if c.startswith("share_")]
    known = list(category_labels)
    share_cols.sort(key=lambda c: known.index(c[6:]) if c[6:] in known else len(known))
    for col in share_cols:
        value = col[6:]
        share = table[col].astype(float).fillna(0).to_numpy() * 100
        share = np.where(shown, share, np.nan)
        fig.add_bar(y=labels, x=share, orientation="h", name=category_labels.get(value, value),
                    marker_color=colours.get(value, NEUTRAL),
                    text=[f"{v:.0f}%" if v >= 6 else "" for v in np.nan_to_num(share)], textposition="inside",
                    insidetextanchor="middle", textfont=dict(color="white"),
                    hovertemplate="%{y}<br>" + category_labels.get(value, value) + ": %{x:.0f}%<extra></extra>")
    _hidden_bars(fig, [lbl for lbl, ok in zip(labels, shown) if not ok], 100.0, horizontal=True)
    fig.update_layout(barmode="stack", showlegend=True,
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, traceorder="normal"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(range=[0, 100], ticksuffix="%", title_text="share of answers")
    return hidden_note(fig, int((~shown).sum()), min_group_size, "cards" if (~shown).sum() > 1 else "card")


def model_chart(table: pd.DataFrame, model_labels: dict | None = None,
                title: str = "Cards answered as expected, by exploitation model",
                min_group_size: int | None = None) -> go.Figure:
    """Horizontal bars of the share matching the expected category per model
    (``trends.accuracy_by_model`` without a breakdown)."""
    if table.empty:
        return empty_figure(title)
    model_labels = model_labels or {}
    table = table.sort_values("match", ascending=True, na_position="first")
    labels = [wrap(model_labels.get(m, m), 30) for m in table["model"]]
    fig = _figure(title, max(300, 100 + 48 * len(table)))
    shown = ~table["suppressed"].to_numpy()
    match = table["match"].astype(float).to_numpy() * 100
    not_sure = table["not_sure"].astype(float).to_numpy() * 100
    low = table["match_low"].astype(float).to_numpy() * 100
    high = table["match_high"].astype(float).to_numpy() * 100
    fig.add_bar(y=[l for l, ok in zip(labels, shown) if ok], x=match[shown], orientation="h", marker_color=ACCENT,
                name="as expected", text=[f"{v:.0f}%" for v in match[shown]], textposition="inside",
                insidetextanchor="start",
                error_x=dict(type="data", symmetric=False, array=(high - match)[shown],
                             arrayminus=(match - low)[shown], color=INK, thickness=1.5, width=5),
                customdata=np.stack([not_sure[shown], table["answers"].astype(float).to_numpy()[shown],
                                     low[shown], high[shown]], axis=-1),
                hovertemplate="%{y}<br>%{x:.0f}% as expected (95% CI %{customdata[2]:.0f}–%{customdata[3]:.0f}%), "
                              "%{customdata[0]:.0f}% not sure<br>%{customdata[1]:,.0f} answers<extra></extra>")
    _hidden_bars(fig, [l for l, ok in zip(labels, shown) if not ok], 100.0, horizontal=True)
    fig.update_xaxes(range=[0, 100], ticksuffix="%", title_text="answers matching the expected category")
    fig.update_yaxes(automargin=True, categoryorder="array", categoryarray=labels)
    return hidden_note(fig, int((~shown).sum()), min_group_size, "models" if (~shown).sum() > 1 else "model")


def model_side_chart(table: pd.DataFrame, order: list, model_labels: dict | None = None,
                     title: str = "Cards answered as expected, by model, compared",
                     min_group_size: int | None = None) -> go.Figure:
    """A bar per side of a comparison within each model (``compare.compare(...).cards``),
    each with its 95% Wilson interval; hidden sides say so."""
    if table.empty:
        return empty_figure(title)
    model_labels = model_labels or {}
    models = sorted(set(table["model"]), key=lambda m: str(model_labels.get(m, m)))
    labels = [wrap(model_labels.get(m, m), 30) for m in models]
    fig = _figure(title, max(300, 110 + 22 * len(models) * max(len(order), 1)))
    hidden_total = 0
    for n, side in enumerate(order):
        rows = table[table["side"] == side].set_index("model").reindex(models)
        match = rows["match"].astype(float).to_numpy() * 100
        low = rows["match_low"].astype(float).to_numpy() * 100
        high = rows["match_high"].astype(float).to_numpy() * 100
        hidden = rows["suppressed"].eq(True).to_numpy()
        hidden_total += int(hidden.sum())
        fig.add_bar(y=labels, x=np.where(hidden, 0, match), orientation="h", name=str(side),
                    marker_color=SERIES[n % len(SERIES)],
                    # Figures inside their bars (the interval runs past the end); "hidden" beside a bar of none.
                    text=[("hidden: too few" if h else f"{v:.0f}%" if not np.isnan(v) else "")
                          for v, h in zip(match, hidden)],
                    textposition=["outside" if h else "inside" for h in hidden], insidetextanchor="start",
                    textfont=dict(size=11), cliponaxis=False,
                    error_x=dict(type="data", symmetric=False, array=high - match, arrayminus=match - low,
                                 color=INK, thickness=1.2, width=3),
                    customdata=np.stack([low, high], axis=-1),
                    hovertemplate=f"{side}<br>%{{y}}: %{{x:.0f}}% as expected (95% CI %{{customdata[0]:.0f}}–"
                                  f"%{{customdata[1]:.0f}}%)<extra></extra>")
    fig.update_layout(barmode="group", showlegend=True, legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0))
    fig.update_xaxes(range=[0, 108], ticksuffix="%", title_text="answers matching the expected category")
    fig.update_yaxes(automargin=True, autorange="reversed")
    return hidden_note(fig, hidden_total, min_group_size, "figures" if hidden_total > 1 else "figure")


# -- baseline to end-point ---------------------------------------------------------
def _is_scale(table: pd.DataFrame) -> pd.Series:
    return table["item_type"].astype(str) == "scale"


def change_month_chart(table: pd.DataFrame, question_labels: dict | None = None,
                       title: str = "Change from baseline to end-point, by month",
                       min_group_size: int | None = None) -> go.Figure:
    """Lines of each question's change per month (``trends.change_by(by="month")``): scale
    questions as a change of mean on the left, right/wrong questions as percentage points
    on the right; hidden months as grey crosses on the zero line."""
    if table.empty:
        return empty_figure(title, "No baseline and end-point answers match these filters.")
    question_labels = question_labels or {}
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, figure=_figure(title, 440),
                        subplot_titles=("Scale questions: change in mean (1–5), 95% CI",
                                        "Questions with a right answer: change in % right, 95% CI"))
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.18, x=0), margin=dict(t=100 if title else 70))
    months = _all_months(table["month"])
    dates = _month_dates(pd.Series(months))
    hidden_total = 0
    for colour_index, (item, rows) in enumerate(table.groupby("item_id", sort=True)):
        scale = _is_scale(rows).iloc[0]
        col = 1 if scale else 2
        rows = rows.set_index("month").reindex(months)
        factor = 1 if scale else 100
        value = rows["change"].astype(float) * factor
        low, high = rows["change_low"].astype(float) * factor, rows["change_high"].astype(float) * factor
        colour = SERIES[colour_index % len(SERIES)]
        name = wrap(question_labels.get(item, item), 45)
        places = 1 if scale else 0
        fig.add_scatter(x=dates, y=value, mode="lines+markers", name=name, line=dict(color=colour, width=2),
                        connectgaps=False, row=1, col=col,
                        error_y=dict(type="data", symmetric=False, array=(high - value).to_numpy(),
                                     arrayminus=(value - low).to_numpy(), color=colour, thickness=1.2, width=4),
                        customdata=np.stack([low.to_numpy(), high.to_numpy()], axis=-1),
                        hovertemplate=f"{name}<br>%{{x|%B %Y}}: %{{y:+.{places}f}}"
                                      f"{'' if scale else ' points'} (95% CI %{{customdata[0]:.{places}f}} to "
                                      f"%{{customdata[1]:.{places}f}})<extra></extra>")
        hidden = rows["suppressed"].eq(True).to_numpy()
        if hidden.any():
            hidden_total += int(hidden.sum())
            fig.add_scatter(x=dates[hidden], y=[0] * int(hidden.sum()), mode="markers", showlegend=False,
                            marker=dict(symbol="x-thin", size=10, line=dict(width=2, color=HIDDEN_TEXT)),
                            hovertemplate=f"{name}<br>%{{x|%B %Y}}: hidden, too few respondents<extra></extra>",
                            row=1, col=col)
    fig.update_xaxes(tickformat="%b<br>%Y")
    fig.update_yaxes(zeroline=True, zerolinecolor="#9AA5B1", title_text="points on the 1–5 scale", row=1, col=1)
    fig.update_yaxes(zeroline=True, zerolinecolor="#9AA5B1", ticksuffix="", title_text="percentage points", row=1, col=2)
    return hidden_note(fig, hidden_total, min_group_size, "points" if hidden_total > 1 else "point", y=1.12)


__all__ = ["sessions_chart", "size_chart", "card_month_chart", "misjudged_chart", "model_chart", "model_side_chart",
           "change_month_chart", "hidden_note", "empty_figure"]
