"""Starting a session: choose a plan (shipped or uploaded), describe the group, start;
or pick up a session that is still running."""

from __future__ import annotations

import tempfile
from datetime import timezone
from pathlib import Path
from typing import Callable

import ipywidgets as W

from ...content import Library, check_files, load_file, resolve_plan
from ...content.library import find_help, region_for
from ...content.models import Plan
from ...content.vocab import AGE_BANDS, GROUP_LABELS
from ...errors import ToolkitError
from ...store.codes import display
from ..widgets.browser import Download
from ..widgets.layout import row
from .notes import notes_name, notes_page
from .page import templates

LABEL_HINTS = {  # the text labels' placeholders (the age band is a choice)
    "organisation": "e.g. Riverside Academy",
    "group": "e.g. Year 9, class B",
    "setting": "e.g. school, youth club",
    "facilitator": "initials or a team name",
}
UPLOAD_VALUE = "upload:"
FULL_LESSON = "lesson-50"  # offered first until a session has been run


class StartPanel:
    """The first screen. ``on_start(programme, labels)`` and ``on_resume(session)`` are the
    dashboard's; this panel only gathers what they need."""

    def __init__(self, store, library: Library, on_start: Callable, on_resume: Callable):
        self.store = store
        self.library = library
        self.on_start = on_start
        self.on_resume = on_resume
        self._uploaded: dict[str, object] = {}  # dropdown value -> Programme
        self._shipped = {p.id: p for p in sorted(library.plans(), key=lambda p: p.title)}

        self.plan = W.Dropdown(description="Plan", options=self._plan_options(), value=self._first_plan())
        self.plan_info = W.HTML()
        self._helps = library.helps()
        self.region = W.Dropdown(description="Help for", options=[
            (h.region, ident) for ident, h in sorted(self._helps.items(), key=lambda kv: kv[1].region)])
        self.region_info = W.HTML(_piece("region_hint"))
        self.upload = W.FileUpload(accept=".yaml,.yml", multiple=True, description="Upload a plan…",
                                   layout=W.Layout(width="auto"))
        self.upload.add_class("tk-upload")  # its stylesheet drops the count ipywidgets puts after the label
        self.notes = Download("Teaching notes (HTML)", self.notes_file,
                              hint="The plan's expected answers, notes and prompts, to print or read on another "
                                   "device before the lesson", on_error=self._notes_failed)
        self.upload_result = W.HTML()
        self.labels: dict[str, W.Widget] = {
            name: W.Text(description=GROUP_LABELS[name], placeholder=hint) for name, hint in LABEL_HINTS.items()}
        self.labels["age_band"] = W.Dropdown(description=GROUP_LABELS["age_band"],
                                             options=[("-", "")] + [(a, a) for a in AGE_BANDS])
        self.start_button = W.Button(description="Start session", button_style="primary")
        self.message = W.HTML()
        self.resume_list = W.VBox()

        self.plan.observe(lambda _: self._plan_changed(), "value")
        self.upload.observe(self._upload_changed, "value")
        self.start_button.on_click(lambda _: self.start())
        self._plan_changed()

        order = ["organisation", "group", "age_band", "setting", "facilitator"]
        labels = W.GridBox([self.labels[name] for name in order])
        labels.add_class("tk-labels")
        upload = row([self.upload, W.HTML(_piece("upload_hint"))])
        start = W.VBox([
            W.HTML(_piece("start_heading")), self.plan, self.plan_info, row([self.notes, W.HTML(_piece("notes_hint"))]),
            upload, self.upload_result,
            row([self.region, self.region_info]),
            W.HTML(_piece("group_heading")),
            labels, self.start_button, self.message])
        start.add_class("tk-card")
        resume = W.VBox([W.HTML(_piece("resume_heading")), self.resume_list])
        resume.add_class("tk-card")
        self.widget = W.HBox([start, resume])
        self.widget.add_class("tk-start")
        self.refresh_resume()

    # -- plans ------------------------------------------------------------------------
    def _plan_options(self) -> list[tuple[str, str]]:
        shipped = [(_plan_label(p), p.id) for p in self._shipped.values()]
        uploaded = [(f"Uploaded: {_programme_label(prog)}", key) for key, prog in self._uploaded.items()]
        return uploaded + shipped

    def _first_plan(self) -> str | None:
        """The plan used last, else the full lesson, else the first in the list."""
        values = [v for _, v in self.plan.options] if hasattr(self, "plan") else [v for _, v in self._plan_options()]
        for choice in (self.store.last_plan_id(), FULL_LESSON):
            if choice in values:
                return choice
        return values[0] if values else None

    def choose_last_plan(self) -> None:
        """Choose the plan used last again, as on opening (a console kept warm was built
        before the sessions started since)."""
        first = self._first_plan()
        if first is not None and first != self.plan.value:
            self.plan.value = first

    def notes_file(self) -> tuple[str, str, bytes]:
        """The chosen plan's teaching notes as a download."""
        programme = self.selected_programme()
        return notes_name(programme), "text/html", notes_page(programme).encode("utf-8")

    def _notes_failed(self, exc: Exception) -> None:
        self.message.value = _piece("problem", str(exc))

    def _plan_changed(self) -> None:
        self._show_plan()
        value = self.plan.value
        if value is None:
            return
        plan = self._uploaded[value].plan if value.startswith(UPLOAD_VALUE) else self._shipped[value]
        # The region the plan pins, else the configured one; the facilitator may change it.
        region = region_for(plan)
        if region in self._helps:
            self.region.value = region

    def _show_plan(self) -> None:
        value = self.plan.value
        if value is None:
            self.plan_info.value = _piece("no_plans")
            return
        plan = self._uploaded[value].plan if value.startswith(UPLOAD_VALUE) else self._shipped[value].model_dump()
        count = len(plan["activities"])
        facts = [f"{count} activities"]
        if plan.get("audience"):
            facts.append(f"for ages {plan['audience']}")
        if (plan.get("settings") or {}).get("show_results_live"):
            facts.append("results shown live")
        self.plan_info.value = _piece("plan_info", plan.get("description") or "", ", ".join(facts))

    def selected_programme(self):
        """The chosen plan resolved with its deck, poll bank and the chosen region's help
        (ContentError if broken)."""
        value = self.plan.value
        if value is None:
            raise ToolkitError("choose a plan, or upload one")
        region = self.region.value
        if value.startswith(UPLOAD_VALUE):
            programme = self._uploaded[value]
            return programme if region is None else programme.with_help(find_help(region, self.library))
        return resolve_plan(self._shipped[value], self.library, help_region=region)

    # -- uploads ----------------------------------------------------------------------
    def _upload_changed(self, change) -> None:
        files = [(f["name"], bytes(f["content"])) for f in change["new"] or ()]
        if files:
            self.load_files(files)

    def load_files(self, files: list[tuple[str, bytes]]) -> bool:
        """Check uploaded content files; a good plan among them becomes selectable.

        Problems are shown in the panel, named by the uploaded file's name and line.
        """
        with tempfile.TemporaryDirectory(prefix="toolkit-upload-") as folder:
            paths = []
            for name, body in files:
                path = Path(folder) / Path(name).name
                if path.suffix not in (".yaml", ".yml"):
                    path = path.with_suffix(path.suffix + ".yaml")
                path.write_bytes(body)
                paths.append(path)
            # A library of its own, so an uploaded deck never shadows a shipped one elsewhere.
            scratch = Library(self.library.dirs)
            results = check_files(paths, scratch)
            problems = [str(p).replace(folder + "/", "") for found in results.values() for p in found]
            if problems:
                self._show_upload(problems=problems)
                return False
            plans = [p for p in paths if isinstance(load_file(p), Plan)]
            if not plans:
                self._show_upload(problems=["None of these files is a plan (kind: plan). Upload a plan, with its "
                                            "deck and poll bank if they are not in the library."])
                return False
            added = []
            for path in plans:
                try:
                    programme = resolve_plan(path, scratch)
                except ToolkitError as exc:
                    self._show_upload(problems=[str(exc).replace(folder + "/", "")])
                    return False
                key = UPLOAD_VALUE + programme.plan["id"]
                self._uploaded[key] = programme
                added.append(key)
        self.plan.options = self._plan_options()
        self.plan.value = added[0]
        self._show_upload(ok=[self._uploaded[k].title for k in added])
        return True

    def _show_upload(self, problems=(), ok=()) -> None:
        if problems:
            self.upload_result.value = _piece("upload_problems", list(problems))
        else:
            self.upload_result.value = _piece("upload_ready", ", ".join(ok))

    # -- starting and resuming --------------------------------------------------------
    def group_labels(self) -> dict[str, str]:
        return {name: field.value.strip() for name, field in self.labels.items() if field.value.strip()}

    def start(self) -> None:
        self.message.value = ""
        try:
            programme = self.selected_programme()
            self.on_start(programme, self.group_labels())
        except ToolkitError as exc:
            self.message.value = _piece("problem", str(exc))

    def refresh_plans(self) -> None:
        """Re-read the plans when a plan file was added, changed or removed (the content
        editor saves into the own-content folder while the console is open)."""
        seen = _files_seen(self.library.paths("plan"))
        if seen == getattr(self, "_plans_seen", None):
            return
        first = not hasattr(self, "_plans_seen")
        self._plans_seen = seen
        if first:
            return
        chosen = self.plan.value
        self.library = type(self.library)(self.library.dirs)
        self._shipped = {p.id: p for p in sorted(self.library.plans(), key=lambda p: p.title)}
        self.plan.options = self._plan_options()
        if chosen in dict(self._plan_options()).values():
            self.plan.value = chosen

    def refresh_resume(self) -> tuple:
        """List the sessions not yet ended; returns what was listed (to notice changes)."""
        self.refresh_plans()
        live = self.store.live_sessions()[:8]
        seen = tuple((s.id, s.version, s.respondents) for s in live)
        if seen == getattr(self, "_listed", None):
            return seen
        self._listed = seen
        if not live:
            self.resume_list.children = [W.HTML(_piece("no_session"))]
            return seen
        rows = []
        for session in live:
            button = W.Button(description="Resume", tooltip=f"Pick up session {display(session.code)}")
            button.on_click(lambda _, s=session: self.on_resume(s))
            rows.append(row([W.HTML(_session_line(session), layout=W.Layout(flex="1 1 auto")), button]))
        self.resume_list.children = rows
        return seen


def local_time(stamp, fmt: str = "%d %b %H:%M") -> str:
    """A stored UTC time in this computer's time zone (SQLite hands it back without one)."""
    if stamp is None:
        return ""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone().strftime(fmt)


def _files_seen(paths) -> tuple:
    out = []
    for path in paths:
        try:
            out.append((str(path), path.stat().st_mtime_ns))
        except OSError:
            continue
    return tuple(out)


def _plan_label(plan: Plan) -> str:
    return f"{plan.title}" + (f" ({plan.minutes:g} min)" if plan.minutes else "")


def _programme_label(programme) -> str:
    minutes = programme.plan.get("minutes")
    return programme.title + (f" ({minutes:g} min)" if minutes else "")


def _session_line(session) -> str:
    where = {"lobby": "in the lobby", "summary": "at the summary"}.get(session.status)
    if where is None:
        act = session.current_activity
        where = f"activity {act.index + 1} of {len(session.activities)}"
    group = " · ".join(v for v in session.labels.values() if v)
    return _piece("session_line", display(session.code), session.title, where, session.respondents,
                  local_time(session.created_at), group)


def _piece(name: str, *args) -> str:
    return templates.macro("start.html", name, *args)
