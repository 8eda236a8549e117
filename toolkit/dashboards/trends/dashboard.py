"""The programme lead's trends page: filters, headline numbers, charts and their tables.

``show()`` is what ``notebooks/trends.ipynb`` runs in Voilà. The page reads the store
once (``Store.trends_frame``) and recomputes every table from that frame in memory when a
filter changes, so a change redraws in well under two seconds even on thousands of
sessions. Every figure goes through ``analysis.trends``, which hides anything resting on
fewer than ``min_group_size`` respondents; the page shows nothing else.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date, timedelta

import ipywidgets as W
import pandas as pd

from ...analysis import compare as K
from ...analysis import trends as T
from ...charts import change as CH
from ...charts import trends as C
from ...content.vocab import GROUP_LABELS
from ...errors import ToolkitError
from ...store import Store, open_store
from ..widgets.browser import ChartFitter, Download, Drawn
from ..widgets.chart import Chart, PlotlyLoader
from . import report
from .page import stylesheet, templates
from .views import download_link, headline_html, readings_html, table_html

ALL = "All"
FILTERS = (*GROUP_LABELS.items(), ("plan_id", "Plan"), ("deck_id", "Deck"))  # (analysis name, label)
# What "Compare" offers first (label: comparison kind); "<organisation> against all others"
# follows for each organisation in the store.
COMPARE = {"Groups": "group", "Organisations": "organisation", "This term against last": "term",
           "Age bands": "age_band", "Settings": "setting", "Deck versions": "deck_version",
           "Facilitators": "facilitator", "Plans": "plan_id"}
AGAINST = " against all others"
ANY_TIME, CHOSEN_DATES = "Any time", "Dates chosen below"


def _term(pick):
    def dates(today):
        start, end, _ = pick(today)
        return start.date(), (end - pd.Timedelta(days=1)).date()  # the "to" day is included
    return dates


# Presets a lead asks for, as (first day, last day) from today; school terms as in England.
PERIODS = {ANY_TIME: lambda today: (None, None), "This term": _term(K.term_of),
           "Last term": _term(K.previous_term), "This school year": _term(K.school_year_of)}
DEFAULT_COMPARE = "This term against last"


class Panel:
    """One chart with its explanation, and the table behind it to read or download."""

    def __init__(self, title: str, blurb: str, filename: str, extra: list | None = None, after: list | None = None):
        self.filename = filename
        self.chart = Chart()
        self.table = W.HTML()
        self.download = W.HTML()
        self.download.add_class("tk-tablebar")
        heading = W.HTML(templates.macro("page.html", "panel_heading", title, blurb))
        self.widget = W.VBox([heading, *(extra or []), self.chart, *(after or []), self.table, self.download])
        self.widget.add_class("tk-panel")
        self.widget.add_class(f"tk-panel-{filename}")

    def show(self, figure, table: pd.DataFrame, shown: pd.DataFrame | None = None) -> None:
        self.chart.show(figure)
        self.table.value = table_html(shown if shown is not None else table)
        self.download.value = download_link(table, f"{self.filename}.csv")


class TrendsDashboard:
    """The whole trends page as widgets (``.widget``) over one store."""

    def __init__(self, store: Store | None = None, min_group_size: int | None = None):
        self.store = store or open_store()
        self.k = T.threshold(min_group_size)
        self.loaded = self.store.trends_frame()
        self.demo = self.store.demo_sessions()
        self._quiet = False
        self.last_seconds = 0.0
        self.tables: T.Tables | None = None
        self._cache: dict = {}

        # Each control's own description is its label: a screen reader names the control by it.
        self.period = W.Dropdown(description="Dates", options=list(PERIODS) + [CHOSEN_DATES], value=ANY_TIME,
                                 layout=W.Layout(width="100%"))
        self.since = W.DatePicker(description="From", layout=W.Layout(width="100%"))
        self.until = W.DatePicker(description="To", layout=W.Layout(width="100%"))
        self.choices = {name: W.Dropdown(description=label, options=[ALL], value=ALL, layout=W.Layout(width="100%"))
                        for name, label in FILTERS}
        # Two sides by default: a long list of groups makes a tall chart to scroll past.
        self.compare = W.Dropdown(options=list(COMPARE), value=DEFAULT_COMPARE, description="Compare",
                                  layout=W.Layout(width="100%"))
        self.download_report = Download("Download report", self._report,
                                        hint="The programme report for these filters, as one HTML page that "
                                             "opens offline and prints", on_error=self._report_failed)
        self.reset_button = W.Button(description="Clear filters", tooltip="Show every session again")
        self.reload_button = W.Button(description="Reload data", tooltip="Read sessions added since the page opened")
        self.status = W.HTML()
        self.status.add_class("tk-status")

        cells = [self._filter("Dates", self.period), self._filter("From", self.since), self._filter("To", self.until)]
        cells += [self._filter(label, self.choices[name]) for name, label in FILTERS]
        cells.append(self._filter("Compare", self.compare))
        filters = W.Box(cells)
        filters.add_class("tk-filters")
        actions = W.HBox([self.reset_button, self.reload_button, self.download_report, self.status])
        actions.add_class("tk-actions")
        self.heading = W.HTML()
        top = W.VBox([self.heading, filters, actions])
        top.add_class("tk-top")

        self.headline = W.HTML()
        self.headline.add_class("tk-headline")
        self.readings = W.HTML()
        self.readings.add_class("tk-readings-box")
        self.comparison: K.Comparison | None = None
        self.note = W.HTML()
        self.panels = {
            "months": Panel("Sessions per month", "How many sessions were run each month.", "sessions-by-month"),
            "sizes": Panel("Respondents per session", "How many students answered in each session, in bands.",
                           "respondents-per-session"),
            "cards": Panel("Cards answered as expected, by month",
                           "The share of students who put each card where the deck expects, month by month. "
                           "Most misjudged cards first.", "cards-by-month"),
            "misjudged": Panel("Most misjudged cards",
                               "Where students put the cards they most often misjudged.", "misjudged-cards"),
            "models": Panel("By exploitation model, compared",
                            "The share of card answers matching the expected category, for each model of "
                            "exploitation the cards show and each side of the comparison chosen above, with its "
                            "95% confidence interval.", "accuracy-by-model"),
            "change_months": Panel("Baseline to end-point, by month",
                                   "How much answers improved between the start and the end of a session. "
                                   "Pairs each student's own answers within a session where possible.",
                                   "change-by-month"),
            "compare": Panel("Change from start to end, compared",
                             "Each question's change for each side of the comparison chosen above, with its 95% "
                             "confidence interval: a dot and its line. A line crossing zero means no clear change.",
                             "comparison", after=[self.readings]),
        }
        sizes_row = W.HBox([self.panels["months"].widget, self.panels["sizes"].widget])
        sizes_row.add_class("tk-row")
        body = W.VBox([self.headline, self.note, self.panels["compare"].widget, sizes_row,
                       self.panels["cards"].widget, self.panels["misjudged"].widget, self.panels["models"].widget,
                       self.panels["change_months"].widget])
        body.add_class("tk-body")
        self.widget = W.VBox([stylesheet(), PlotlyLoader(), ChartFitter(), Drawn(self.drawn), top, body])
        self.widget.add_class("tk-trends")

        for picker in (self.since, self.until):
            picker.observe(self._changed, "value")
        self.period.observe(self._period_chosen, "value")
        for name, dropdown in self.choices.items():
            dropdown.observe(self._changed, "value")
        self.compare.observe(self._changed, "value")
        self.reset_button.on_click(lambda _: self.clear())
        self.reload_button.on_click(lambda _: self.reload())
        self._set_options()
        self.refresh()

    # -- building ---------------------------------------------------------------------
    @staticmethod
    def _filter(label: str, widget) -> W.VBox:
        box = W.VBox([widget])
        box.add_class("tk-filter")
        box.add_class("tk-filter-" + label.lower().replace(" ", "-"))
        return box

    def _set_options(self) -> None:
        """Offer the values present; group and facilitator narrow to the organisation chosen."""
        sessions = self.loaded.sessions
        org = self.choices["organisation"].value
        with self._hold():
            for name, dropdown in self.choices.items():
                rows = sessions
                if name in ("group", "facilitator") and org != ALL:
                    rows = sessions[_matches(sessions["organisation"], org)]
                values = rows[name] if name in rows else pd.Series(dtype=object)
                options = [ALL] + sorted({str(v) for v in values.dropna()})
                if values.isna().any():
                    options.append(T.NOT_SET)
                labels = [(self.loaded.content.plans.get(v, v) if name == "plan_id" else v, v) for v in options]
                current = dropdown.value
                dropdown.options = labels
                dropdown.value = current if current in options else ALL
            orgs = sorted({str(v) for v in sessions["organisation"].dropna()}) if "organisation" in sessions else []
            options = list(COMPARE) + [org + AGAINST for org in orgs]
            current = self.compare.value
            self.compare.options = options
            self.compare.value = current if current in options else DEFAULT_COMPARE

    @contextmanager
    def _hold(self):
        """Change widgets without each change redrawing the page."""
        before, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = before

    # -- what the lead chose ----------------------------------------------------------
    def selection(self) -> dict:
        """The filters as ``analysis.trends.filter_responses`` arguments."""
        chosen = {name: dropdown.value for name, dropdown in self.choices.items() if dropdown.value != ALL}
        if self.since.value:
            chosen["since"] = pd.Timestamp(self.since.value)
        if self.until.value:
            chosen["until"] = pd.Timestamp(self.until.value) + timedelta(days=1)  # the "to" day is included
        return chosen

    def set_filters(self, **values) -> None:
        """Set filters from code (``organisation="…"``, ``since=date``…) and redraw once."""
        with self._hold():
            for name, value in values.items():
                if name in ("since", "until"):
                    getattr(self, name).value = value
                else:
                    self.choices[name].value = ALL if value is None else value
            if "since" in values or "until" in values:
                self.period.value = CHOSEN_DATES if (self.since.value or self.until.value) else ANY_TIME
            self._set_options()
        self.refresh()

    def clear(self) -> None:
        """Show every session again."""
        with self._hold():
            self.since.value = None
            self.until.value = None
            self.period.value = ANY_TIME
            for dropdown in self.choices.values():
                dropdown.value = ALL
            self._set_options()
        self.refresh()

    def reload(self) -> None:
        """Read the store again if sessions or answers were added since the page opened."""
        if self.store.trends_stamp() != self.loaded.stamp:
            self.loaded = self.store.trends_frame()
            self._cache.clear()
            self.demo = self.store.demo_sessions()
            self._set_options()
        self.refresh()

    def drawn(self) -> None:
        """The page has drawn: read the store again if sessions were added since it was read
        (a kernel kept warm read it before the page was opened)."""
        if self.store.trends_stamp() != self.loaded.stamp:
            self.reload()

    def _period_chosen(self, change) -> None:
        """A preset sets both dates (and redraws once); "chosen dates" leaves them be."""
        if self._quiet or change["new"] == CHOSEN_DATES:
            return
        since, until = PERIODS[change["new"]](date.today())
        with self._hold():
            self.since.value, self.until.value = since, until
        self.refresh()

    def _changed(self, change) -> None:
        if change["owner"] in (self.since, self.until) and not self._quiet:
            with self._hold():
                self.period.value = CHOSEN_DATES if (self.since.value or self.until.value) else ANY_TIME
        if self._quiet:
            return
        if change["owner"] is self.choices["organisation"]:
            self._set_options()
        self.refresh()

    # -- drawing ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute every table for the current filters and redraw."""
        started = time.perf_counter()
        self.status.value = "Updating…"
        selection = self.selection()
        rows = T.filter_responses(self.loaded.responses, **selection)
        content = self.loaded.content
        k = self.k
        kind, value = self.comparing()
        chosen = tuple(sorted((name, str(v)) for name, v in selection.items()))
        tables = self._cache.pop(chosen, None) or T.compute(rows, min_group_size=self.k)
        self._cache[chosen] = tables  # most recent last: a lead going back to a view gets it at once
        key = (chosen, kind, value)
        comparison = self._cache.pop(key, None) or K.compare(rows, kind, value, question_labels=content.questions,
                                                              min_group_size=k)
        self._cache[key] = comparison
        while len(self._cache) > 24:
            self._cache.pop(next(iter(self._cache)))
        self.tables, self.comparison = tables, comparison
        self.heading.value = self._heading()
        self.headline.value = headline_html(tables.headline, k)
        self.note.value = self._note(rows)
        order = list(tables.misjudged["item_id"])
        p = self.panels
        p["months"].show(C.sessions_chart(tables.months, title="", min_group_size=k), tables.months)
        p["sizes"].show(C.size_chart(tables.sizes, title="", min_group_size=k), tables.sizes)
        p["cards"].show(C.card_month_chart(tables.card_months, content.cards, content.categories, order=order,
                                           title="", min_group_size=k),
                        tables.card_months, self._named(tables.card_months))
        p["misjudged"].show(C.misjudged_chart(tables.misjudged.head(10), content.cards, content.categories,
                                              content.colours, title="", min_group_size=k),
                            tables.misjudged, self._named(tables.misjudged))
        # The comparison chosen at the top applies here too: a bar per side within each model.
        models = comparison.cards
        p["models"].show(C.model_side_chart(models, comparison.order, content.models, title="", min_group_size=k),
                         models, models.assign(model=models["model"].map(lambda m: content.models.get(m, m))))
        p["change_months"].show(C.change_month_chart(tables.change_months, content.questions, title="",
                                                     min_group_size=k), tables.change_months)
        # The CSV keeps each reading in words; the table on the page has them under the chart.
        p["compare"].show(CH.comparison_chart(comparison, content.questions, title="", min_group_size=k),
                          comparison.change, comparison.change.drop(columns="reading"))
        self.readings.value = readings_html(comparison, content.questions, k)
        self.last_seconds = time.perf_counter() - started
        self.status.value = f"Updated in {self.last_seconds:.2f} s"

    def comparing(self) -> tuple[str, str | None]:
        """The comparison chosen, as ``compare.compare`` arguments: (kind, one side or None)."""
        label = self.compare.value
        if label in COMPARE:
            return COMPARE[label], None
        return "organisation", label[: -len(AGAINST)]

    def _report(self) -> tuple[str, str, bytes]:
        """The programme report for what the page shows (the "Download report" button)."""
        html = report.build(self.loaded, self.selection(), demo=self.demo, min_group_size=self.k)
        return report.filename(), "text/html", html.encode("utf-8")

    def _report_failed(self, exc: Exception) -> None:
        self.status.value = f"The report could not be made: {exc}"

    def _named(self, table: pd.DataFrame) -> pd.DataFrame:
        """A table as shown on the page: cards by their character's name."""
        if "item_id" not in table:
            return table
        cards = self.loaded.content.cards
        return table.assign(card=table["item_id"].map(lambda i: cards.get(i, i)))

    def _heading(self) -> str:
        return templates.macro("page.html", "heading", f"{self.demo:,}" if self.demo else None, self.k)

    def _note(self, rows: pd.DataFrame) -> str:
        if self.since.value and self.until.value and self.since.value > self.until.value:
            return templates.macro("page.html", "note", "reversed")
        if not self.loaded.responses.empty and rows.empty:
            return templates.macro("page.html", "note", "no match")
        if self.loaded.responses.empty:
            return templates.macro("page.html", "note", "empty")
        return ""


def _matches(column: pd.Series, value: str) -> pd.Series:
    return column.isna() if value == T.NOT_SET else column == value


def show(store: Store | None = None) -> TrendsDashboard | None:
    """Display the trends page (what ``notebooks/trends.ipynb`` runs).

    A store that cannot be opened is said in words on the page (Voila hides tracebacks).
    """
    from IPython.display import display
    try:
        dashboard = TrendsDashboard(store)
    except ToolkitError as exc:
        display(W.VBox([stylesheet(), W.HTML(templates.macro("page.html", "cannot_open", str(exc)))])
                .add_class("tk-trends"))
        return None
    display(dashboard.widget)
    return dashboard


__all__ = ["TrendsDashboard", "show"]
