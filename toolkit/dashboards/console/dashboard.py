"""The facilitator's console: start a session, run it activity by activity, reveal the
class's answers, and end with a summary and exports.

``show()`` is what ``notebooks/facilitator.ipynb`` runs in Voilà. The console is one
``FacilitatorDashboard``: panels from the modules beside this one, a control bar with
keyboard shortcuts, and a timer that redraws from the store when something changed.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import parse_qs

import ipywidgets as W

from ...content import Library
from ...errors import ToolkitError
from ...store import Store, open_store
from ...store.codes import display, normalise
from ..widgets.browser import AddressParam, ChartFitter, Download, Drawn, KeepInView
from ..widgets.chart import PlotlyLoader
from ..widgets.layout import toggle_class, visible
from .disclosures import record_name, safeguarding_record
from .joining import JoinPage, join_page
from .live import Refresher, Snapshot, look
from .lobby import LobbyPanel
from .page import stylesheet, templates
from .panels import PrivatePanel, Stage
from .questions import QuestionsPanel, approved_html
from .report import csv_text, export_name, html_report
from .run import ActivityList, Controls
from .start import StartPanel
from .summary import SummaryPanel
from .timer import Countdown

log = logging.getLogger(__name__)
REDRAW_FAILED = "The screen could not be redrawn; it will try again"
# What ``_build_session_screens`` makes: asking for any of them before the first session
# builds them all (a script, or a test, may reach for the exports before starting one).
SESSION_SCREENS = frozenset({"joinline", "controls", "mode", "take_off", "timer", "lobby", "stage", "activities",
                             "safeguarding", "questions", "private", "approved", "csv_download", "html_download",
                             "summary"})


class FacilitatorDashboard:
    """The whole console as widgets (``.widget``) over one store.

    Every action goes to the store first and the screen is redrawn from what the store
    then holds, so two consoles on one session, or one picked up after a restart, agree.
    With ``projector`` it is the view for a second screen: what the class sees of the
    session the console drives, with no controls and nothing private.

    Most classrooms mirror the laptop to the projector, so the console opens in
    presentation mode: nothing private (expected answers, teaching notes, questions) is on
    screen until the facilitator opens the notes, and a banner always says which it is.
    """

    def __init__(self, store: Store | None = None, library: Library | None = None, join: JoinPage | None = None,
                 refresh_seconds: float | None = None, projector: bool = False):
        self.projector = projector
        self.store = store or open_store()
        self.library = library or Library()
        self.join = join or join_page()
        self.session = None
        self.snapshot: Snapshot | None = None
        self._rendered: tuple | None = None  # the fingerprint on screen

        self.title = W.HTML(templates.macro("dashboard.html", "title"))
        self.presentation = W.ToggleButton(description="Presentation mode", value=True,
                                           tooltip="On: nothing private on screen. Off: your notes open, "
                                                   "and a mirrored projector shows them too (key: P)")
        self.presentation.observe(lambda _: self.render(), "value")
        self.message = W.HTML()
        self.message.add_class("tk-message")
        self.start = StartPanel(self.store, self.library, self.start_session, self.attach)
        self.waiting = W.HTML(templates.macro("dashboard.html", "waiting"))
        self.address = AddressParam(param="session", on_opened=self.opened)

        # The start screen is all the page draws on opening. What runs a session (the
        # controls, the activity list, the stage, the private panel, the summary: two
        # thirds of the widgets) is built once the start screen has been drawn, while the
        # facilitator fills it in (or at once, for a session picked up), and plotly.js for
        # its charts is sent once a session is shown: the console is ready sooner, and
        # "Start session" opens the lobby as fast as before.
        self._session_screens = False
        self._charts = False
        self.header = W.HBox([self.title, self.presentation])
        self.header.add_class("tk-header")
        self.top = W.VBox([self.header])
        self.top.add_class("tk-top")
        self.body = W.HBox(layout=W.Layout(display="none"))
        self.body.add_class("tk-body")
        self.widget = W.VBox([stylesheet(), self.address, Drawn(self.drawn), self.top, self.message,
                              self.start.widget, self.waiting, self.body])
        self.widget.add_class("tk-root")
        self.refresher = Refresher(self.refresh, refresh_seconds)
        self.render()

    def __getattr__(self, name):
        # Only reached for an attribute not set yet: one of the session's screens.
        if name in SESSION_SCREENS and not self.__dict__.get("_session_screens", True):
            self._build_session_screens()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def drawn(self) -> None:
        """The page has drawn the start screen: catch up with the store (a kernel kept warm
        built it before the sessions started since), then build the session's screens."""
        self.start.choose_last_plan()
        self._build_session_screens()

    def _build_session_screens(self) -> None:
        """Build, once, every screen of a running session and put it in the page."""
        if self._session_screens:
            return
        self._session_screens = True
        self.joinline = W.HTML()
        self.joinline.add_class("tk-joinline")
        self.controls = Controls(self.act, self.toggle_presentation, answered=self._answered_now)
        self.mode = W.HTML()
        self.mode.add_class("tk-mode")
        self.take_off = W.Button(description="Take questions off screen",
                                 tooltip="The questions on the class's screen go back to your private list")
        self.take_off.on_click(lambda _: self.questions.take_all_off())
        self.timer = Countdown()
        self.lobby = LobbyPanel()
        self.stage = Stage()
        self.activities = ActivityList(self.go_to, footer=[self.controls.end], header=[self.timer.widget])
        self.safeguarding = Download("For the safeguarding lead (HTML)", self.safeguarding_file, on_error=self._failed,
                                     hint="Every question of this session as written, with the time and the "
                                          "activity on screen: private, for your designated safeguarding lead")
        self.questions = QuestionsPanel(self.set_question_status, export=self.safeguarding)
        self.private = PrivatePanel(self.questions.widget)
        self.approved = W.HTML()
        self.approved.add_class("tk-card")
        self.csv_download = Download("Download answers (CSV)", self.csv_file, on_error=self._failed,
                                     hint="Every answer, one row each, for a spreadsheet")
        self.html_download = Download("Download report (HTML)", self.html_file, on_error=self._failed,
                                      hint="Every chart in one file that opens without internet")
        self.summary = SummaryPanel([self.csv_download, self.html_download], self.close_session,
                                    console=not self.projector)
        self.render()  # each hidden or shown as it should be before it reaches the page

        self.header.children = [self.title, *self.controls.steps, self.joinline, self.presentation]
        self.top.children = [self.header, self.mode]
        centre = W.VBox([self.lobby.widget, self.stage.widget, self.summary.widget, self.approved, self.take_off])
        centre.add_class("tk-stage")
        self.body.children = [self.activities.widget, centre, self.private.widget]
        page = [ChartFitter(), KeepInView(selector=".tk-step.tk-current")]
        if not self.projector:
            page.append(self.controls.keys)
        children = list(self.widget.children)
        children[children.index(self.top) + 1:children.index(self.top) + 1] = [self.controls.confirm]
        self.widget.children = page + children

    # -- what the facilitator does ------------------------------------------------------
    def start_session(self, programme, labels: dict) -> None:
        """Start a session of ``programme`` with the group ``labels``; it opens in the lobby."""
        self.attach(self.store.start_session(programme, **labels))

    def attach(self, session) -> None:
        """Show ``session`` (a new one, or one picked up after a refresh or a restart)."""
        self._build_session_screens()
        self.session = session
        self.snapshot = self._rendered = None
        self.message.value = ""
        self.address.value = session.code
        self.refresh()
        if not self._charts:
            # After the session's first screen, so that is drawn before the page runs plotly.js.
            self._charts = True
            self.widget.children = [PlotlyLoader(), *self.widget.children]

    def resume(self, code: str) -> bool:
        """Pick up the session with this join code; False (with a message) if there is none."""
        try:
            session = self.store.find_session(code)
        except ToolkitError as exc:
            self._failed(exc)
            return False
        self.attach(session)
        return True

    def opened(self, query: dict) -> None:
        """The page's address, as the page reports it once it shows: pick up the session it
        names, as the projector view if it asks for one. (A kernel kept warm for the page
        ran before the page existed; one started for it read the address already.)"""
        if query.get("view", [""])[0] == "projector" and not self.projector:
            self.become_projector()
        code = query.get("session", [""])[0]
        if code and (self.session is None or self.session.code != normalise(code)):
            self.resume(code)

    def become_projector(self) -> None:
        """Turn this console into the projector view: no controls, nothing private."""
        self.projector = True
        self.presentation.value = True
        if self._session_screens:
            self.widget.children = [w for w in self.widget.children if w is not self.controls.keys]
            self.summary.show_exports(False)
        self.render()

    def close_session(self) -> None:
        """Leave the session on screen (it carries on, or stays ended) and go back to the start."""
        self.session = None
        self.snapshot = self._rendered = None
        self.address.value = ""
        self.start.refresh_resume()
        self.render()

    def act(self, verb: str) -> None:
        """Run a session verb ("open_voting", "reveal", "next", "end", ...) and redraw."""
        if self.session is not None:
            self._do(getattr(self.session, verb))

    def _answered_now(self) -> int:
        # Read at the moment of the click: answers may have come in since the last redraw.
        if self.session is None or self.session.current_activity is None:
            return 0
        return max(self.session.counts().values(), default=0)

    def go_to(self, index: int) -> None:
        """Jump to an activity (the activity list)."""
        if self.session is not None:
            self._do(lambda: self.session.go_to(index))

    def set_question_status(self, question_id: int, status: str) -> None:
        """Approve a question for the screen, or hide it."""
        self._do(lambda: self.store.set_question_status(question_id, status))

    def _do(self, change) -> None:
        # The store refuses what no longer fits (another console moved the session on):
        # say why, then show the session as it now is.
        try:
            change()
            self.message.value = ""
        except ToolkitError as exc:
            self._failed(exc)
        self.refresh()

    def toggle_presentation(self) -> None:
        self.presentation.value = not self.presentation.value

    def _failed(self, exc: Exception, context: str = "") -> None:
        text = f"{context}: {exc}" if context else str(exc)
        self.message.value = templates.macro("dashboard.html", "error", text)

    # -- exports ------------------------------------------------------------------------
    def csv_file(self) -> tuple[str, str, bytes]:
        """The session's answers as a CSV download: (file name, mime type, bytes)."""
        return export_name(self.session, "csv"), "text/csv", csv_text(self.session).encode("utf-8")

    def safeguarding_file(self) -> tuple[str, str, bytes]:
        """The private record of every question for the safeguarding lead, as a download."""
        body = safeguarding_record(self.session, self.session.questions())
        return record_name(self.session), "text/html", body.encode("utf-8")

    def html_file(self) -> tuple[str, str, bytes]:
        """The session's self-contained HTML report as a download."""
        body = html_report(self.session, questions=self.session.questions())
        return export_name(self.session, "html"), "text/html", body.encode("utf-8")

    # -- keeping the screen up to date --------------------------------------------------
    def refresh(self, force: bool = False) -> bool:
        """Re-read the store and redraw if anything changed (or ``force``); the timer calls this.

        Returns whether it redrew.
        """
        if self.session is None:
            self.start.refresh_resume()
            return False
        self.timer.tick()
        now = look(self.store, self.session)
        if now.fingerprint == self._rendered and not force:
            return False
        self.snapshot = now
        try:
            self.render()
        except Exception as exc:  # shown, and tried again on the next tick rather than left stale
            log.exception("redrawing the console failed")
            self._failed(exc, REDRAW_FAILED)
            return False
        if REDRAW_FAILED in self.message.value:
            self.message.value = ""
        self._rendered = now.fingerprint
        return True

    @property
    def presenting(self) -> bool:
        return self.presentation.value

    def render(self) -> None:
        """Draw every panel from the last snapshot (no store reads beyond what it needs)."""
        snap = self.snapshot if self.session is not None else None
        console = not self.projector
        visible(self.start.widget, snap is None and console)
        visible(self.waiting, snap is None and self.projector)
        visible(self.body, snap is not None)
        visible(self.title, snap is None)
        visible(self.presentation, snap is not None and console)
        if not self._session_screens:
            return
        self.controls.update(snap)
        for button in self.controls.steps:
            visible(button, snap is not None and console)
        visible(self.activities.widget, console)
        visible(self.mode, snap is not None and console)
        toggle_class(self.widget, "tk-notes-open", snap is not None and console and not self.presenting)
        if snap is None:
            self.joinline.value = ""
            return
        session = snap.session
        status = session.status
        self.joinline.value = self._joinline(session)
        self.activities.update(session)
        questions = snap.questions
        approved = approved_html(questions) if status != "ended" else ""
        self.approved.value = approved
        visible(self.approved, bool(approved))
        visible(self.take_off, bool(approved) and console)
        waiting = sum(q["status"] == "pending" for q in questions)
        self.mode.value = templates.macro("dashboard.html", "mode", self.presenting, waiting, status == "lobby",
                                          session.code)
        act = session.current_activity
        self.timer.update((session.id, status, session.current_index), act.minutes if act is not None else None)
        # The lobby is projected for joining and needs the width; nothing private is due yet.
        private = not self.presenting and status != "lobby"
        visible(self.private.widget, private)
        visible(self.questions.widget, bool(snap.programme.settings.get("questions_box")))
        if private:
            self.questions.update(questions)
            self.private.update(snap, self.join.url(session.code), questions_waiting=bool(waiting),
                                local_warning=self.join.warning)
        # Charts last: their messages are the heaviest for the page to apply.
        visible(self.lobby.widget, status == "lobby")
        visible(self.stage.widget, status == "running")
        visible(self.summary.widget, status in ("summary", "ended"))
        if status == "lobby":
            self.lobby.update(snap, self.join)
        elif status == "running":
            self.stage.update(snap, self.presenting)
        else:
            self.summary.update(snap)

    def _joinline(self, session) -> str:
        if session.status in ("lobby", "ended"):
            return ""
        where = self.join.base.split("://", 1)[-1] if self.join.base else "the join page"
        return templates.macro("dashboard.html", "joinline", display(session.code), session.respondents, where)


def show(store: Store | None = None, library: Library | None = None) -> FacilitatorDashboard:
    """Display the facilitator's console and keep it live.

    In Voilà, ``?session=CODE`` in the page's address picks that session up again, so a
    browser refresh (or a restarted server) returns to the session on screen; adding
    ``view=projector`` shows it as the class sees it, for a second screen.
    """
    from IPython.display import display as ipy_display

    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    dashboard = FacilitatorDashboard(store, library, projector=query.get("view", [""])[0] == "projector")
    code = query.get("session", [""])[0]
    if code:
        dashboard.resume(code)
    ipy_display(dashboard.widget)
    dashboard.refresher.start()
    return dashboard
