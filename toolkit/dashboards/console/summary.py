"""The summary after the last activity, and the screen after the end: every chart of the
session, what to discuss, and the exports."""

from __future__ import annotations

from typing import Callable

import ipywidgets as W

from ...analysis import discussion
from ...charts import classroom
from ...charts.style import wrap
from ...content.vocab import CARD_KINDS
from ..widgets.layout import row, visible
from ..widgets.live_chart import LiveChart
from .page import templates
from .panels import ChangeBox
from .cards import cards_table


class SummaryPanel:
    """All the session's results on one page; redrawn only when the answers change."""

    def __init__(self, exports: list[W.Widget], on_new_session: Callable[[], None], console: bool = True):
        self.banner = W.HTML()
        self.new_session = W.Button(description="Start another session", button_style="primary")
        self.new_session.on_click(lambda _: on_new_session())
        self.exports = row(exports)
        # The projector view shows the results only: no exports, nothing to start.
        self.head = W.VBox()
        self.head.add_class("tk-card")
        self.show_exports(console)
        head = self.head
        self.matrix = LiveChart()
        self.table = W.HTML()
        self.cards = W.VBox([W.HTML(templates.macro("summary.html", "cards_heading")),
                             self.matrix.widget, self.table])
        self.changes = W.VBox()
        self.polls = W.VBox()
        for box in (self.cards, self.changes, self.polls):
            box.add_class("tk-card")
        self.widget = W.VBox([head, self.cards, self.changes, self.polls])
        self.widget.add_class("tk-column")
        self.widget.add_class("tk-summary")
        self._change_boxes: dict[str, ChangeBox] = {}
        self._poll_charts: dict[str, LiveChart] = {}
        self._drawn = None

    def show_exports(self, console: bool) -> None:
        """The exports and "Start another session" on the console; the results alone on the
        projector view."""
        self.head.children = [self.banner, self.exports, self.new_session] if console else [self.banner]

    def update(self, snapshot) -> None:
        session = snapshot.session
        ended = session.status == "ended"
        self.banner.value = _banner(session)
        visible(self.new_session, ended)
        if snapshot.fingerprint == self._drawn:
            return
        self._drawn = snapshot.fingerprint
        programme, frame = snapshot.programme, snapshot.responses
        has_cards = not frame.empty and frame["activity_kind"].isin(CARD_KINDS).any()
        visible(self.cards, has_cards)
        if has_cards:
            self.matrix.draw(classroom.matrix_figure(programme, frame))
            self.table.value = cards_table(programme, frame, css="tk-table")
        self._draw_changes(programme, frame)
        self._draw_polls(programme, frame)

    def _draw_changes(self, programme, frame) -> None:
        changes = discussion.change_frame(frame)
        boxes = []
        for i in range(len(changes)):
            row = changes.iloc[[i]]
            item = row["item_id"].iloc[0]
            box = self._change_boxes.setdefault(item, ChangeBox())
            box.update(programme, row.reset_index(drop=True), with_question=True)
            boxes.append(box.widget)
        self.changes.children = ([W.HTML(templates.macro("summary.html", "changes_heading"))] + boxes) if boxes else []
        visible(self.changes, bool(boxes))

    def _draw_polls(self, programme, frame) -> None:
        charts = []
        for act in programme.activities:
            if act.kind != "poll" or act.phase:
                continue
            chart = self._poll_charts.setdefault(act.id, LiveChart())
            title = discussion.question_text(programme, act.items[0])
            chart.draw(classroom.activity_chart(programme, act, frame, revealed=True, title=wrap(title, 60)))
            charts.append(chart.widget)
        self.polls.children = [W.HTML(templates.macro("summary.html", "polls_heading"))] + charts if charts else []
        visible(self.polls, bool(charts))


def _banner(session) -> str:
    return templates.macro("summary.html", "banner", session.status == "ended", session.title)
