"""The content editor: browse decks, poll banks and plans; duplicate shipped ones into the
own-content folder; edit cards, questions and plans with fields checked as you type by
``toolkit check``'s rules; preview them as a phone shows them; save, share and import.

``show()`` is what ``notebooks/content.ipynb`` runs in Voilà.
"""

from __future__ import annotations

import ipywidgets as W

from ... import config
from ...content.catalogue import Entry, entries
from ...content.drafts import Checked
from ...content.library import Library
from ...content.share import export_plan, import_share
from ...errors import Conflict, ContentError, ToolkitError
from ..widgets.browser import Download
from ..widgets.layout import row, visible
from .browse import BrowsePanel
from .document import NEW_TITLES, Document
from .files import ItemsEditor, PlanEditor, new_deck, new_plan, new_polls
from .items import CardForm, QuestionForm, new_card, new_question
from .page import piece, stylesheet
from .preview import PhonePreview


class EditorDashboard:
    """The whole editor as widgets (``.widget``)."""

    def __init__(self, library: Library | None = None):
        self.library = library or Library()
        self.doc: Document | None = None
        self.checked: Checked | None = None

        self.new_buttons = {kind: W.Button(description=title, tooltip=f"Start a {title[4:]} of your own")
                            for kind, title in NEW_TITLES.items()}
        for kind, button in self.new_buttons.items():
            button.on_click(lambda _, k=kind: self.new(k))
        self.upload = W.FileUpload(accept=".yaml,.yml", multiple=False, description="Import a shared plan…",
                                   layout=W.Layout(width="auto"))
        self.upload.add_class("tk-import")  # its stylesheet drops the count ipywidgets puts after the label
        self.upload.observe(self._uploaded, "value")
        self.import_message = W.HTML()
        self.replace_button = W.Button(description="Replace my files", button_style="danger")
        self.cancel_button = W.Button(description="Cancel import")
        self.replace_button.on_click(lambda _: self.finish_import(replace=True))
        self.cancel_button.on_click(lambda _: self.finish_import(replace=False))
        self.import_choice = row([self.replace_button, self.cancel_button])
        visible(self.import_choice, False)
        self._pending: tuple[bytes, str] | None = None
        header = W.VBox([W.HTML(piece("heading", str(config.own_content()))),
                         row([*self.new_buttons.values(), self.upload]), self.import_message, self.import_choice])
        header.add_class("tk-top")

        self.browse = BrowsePanel(self.open)
        self.preview = PhonePreview(self.library)

        self.doc_head = W.HTML(piece("welcome"))
        self.duplicate_button = W.Button(description="Duplicate", tooltip="An editable copy in your own folder")
        self.save_button = W.Button(description="Save", button_style="primary")
        self.reload_button = W.Button(description="Reload from disk")
        self.copy_button = W.Button(description="Save as a copy")
        self.delete_button = W.Button(description="Delete", tooltip="Remove this file from your own folder")
        self.confirm_delete_button = W.Button(description="Delete the file", button_style="danger")
        self.keep_button = W.Button(description="Keep it")
        self.export = Download("Export plan to share", self.export_file, on_error=self._failed,
                               hint="The plan with its deck and poll bank, as one file")
        self.duplicate_button.on_click(lambda _: self.duplicate())
        self.save_button.on_click(lambda _: self.save())
        self.reload_button.on_click(lambda _: self.reload())
        self.copy_button.on_click(lambda _: self.save_copy())
        self.delete_button.on_click(lambda _: self.ask_delete())
        self.confirm_delete_button.on_click(lambda _: self.delete())
        self.keep_button.on_click(lambda _: self.keep())
        self.actions = row([self.duplicate_button, self.save_button, self.reload_button, self.copy_button, self.export,
                            self.delete_button])
        self.delete_choice = row([self.confirm_delete_button, self.keep_button])
        visible(self.delete_choice, False)
        self.status = W.HTML()
        self.status.add_class("tk-status")
        self.summary = W.HTML()
        self.deck_editor = ItemsEditor(self.changed, "cards", "card", CardForm, new_card)
        self.polls_editor = ItemsEditor(self.changed, "questions", "question", QuestionForm, new_question)
        self.plan_editor = PlanEditor(self.changed)
        self.editors = {"deck": self.deck_editor, "polls": self.polls_editor, "plan": self.plan_editor}
        for editor in self.editors.values():
            visible(editor.widget, False)
        work = W.VBox([self.doc_head, self.actions, self.status, self.delete_choice, self.summary,
                       *[e.widget for e in self.editors.values()]])
        work.add_class("tk-work")
        visible(self.actions, False)

        body = W.HBox([self.browse.widget, work, self.preview.widget])
        body.add_class("tk-body")
        self.widget = W.VBox([stylesheet(), header, body])
        self.widget.add_class("tk-editor")
        self.refresh_list()

    # -- the list ------------------------------------------------------------------
    def refresh_list(self) -> None:
        self.library = Library(self.library.dirs)
        self.preview.library = self.library
        self.entries = entries(self.library)
        self.browse.load(self.entries, current=self.doc.path if self.doc and not self.doc.is_new else None)

    def taken_ids(self, kind: str) -> set[str]:
        return {e.ident for e in self.entries if e.kind == kind}

    # -- opening -------------------------------------------------------------------
    def open(self, entry: Entry) -> None:
        self.show_doc(Document.from_entry(entry))
        self.browse.load(self.entries, current=entry.path)

    def find(self, kind: str, ident: str) -> Entry:
        return next(e for e in self.entries if e.kind == kind and e.ident == ident)

    def new(self, kind: str) -> None:
        taken, n = self.taken_ids(kind), 2
        ident = f"my-{kind}"
        while ident in taken:
            ident, n = f"my-{kind}-{n}", n + 1
        data = {"deck": new_deck, "polls": new_polls}.get(kind, lambda i: new_plan(i, self.library))(ident)
        self.show_doc(Document.new(kind, data), status=piece("status", "new", ""))

    def show_doc(self, doc: Document, status: str = "") -> None:
        self.doc = doc
        for kind, editor in self.editors.items():
            visible(editor.widget, kind == doc.kind)
        editor = self.editors[doc.kind]
        if doc.kind == "plan":
            editor.load(doc.data, self.library)
        else:
            editor.load(doc.data)
        editor.enable(doc.editable)
        visible(self.actions, True)
        visible(self.duplicate_button, True)
        visible(self.save_button, doc.editable)
        visible(self.reload_button, doc.editable and not doc.is_new)
        visible(self.copy_button, False)
        visible(self.export, doc.kind == "plan")
        visible(self.delete_button, doc.editable and not doc.is_new)
        visible(self.delete_choice, False)
        self.status.value = status
        self.validate()

    # -- checking ------------------------------------------------------------------
    def changed(self) -> None:
        if self.doc is None:
            return
        self.doc.dirty = True
        checked = self.validate()
        if checked.ok and "tk-refused" in self.status.value:
            self.status.value = ""  # the refusal was about problems that are fixed now

    def validate(self) -> Checked:
        doc = self.doc
        self.checked = doc.check(self.library)
        self.doc_head.value = piece("doc_head", doc.data.get("title") or doc.data.get("id") or "Untitled", doc.kind,
                                    doc.editable, str(doc.target()), doc.is_new or doc.dirty)
        self.editors[doc.kind].show(self.checked, self.preview)
        problems = [_where(p) for _, p in self.checked.problems]
        advice = len(self.checked.advice)
        self.summary.value = piece("summary", problems, advice, doc.editable)
        return self.checked

    # -- saving --------------------------------------------------------------------
    def save(self) -> bool:
        doc = self.doc
        if doc is None or not doc.editable:
            return False
        checked = self.validate()
        if not checked.ok:
            self.status.value = piece("status", "refused", len(checked.problems))
            return False
        try:
            doc.save(checked.text)
        except Conflict as exc:
            self.status.value = piece("status", "conflict", exc.message)
            visible(self.copy_button, True)
            visible(self.reload_button, not doc.is_new)
            return False
        self.refresh_list()
        visible(self.reload_button, True)
        visible(self.copy_button, False)
        self.status.value = piece("status", "saved", str(doc.path), doc.kind == "plan")
        self.validate()
        return True

    def save_copy(self) -> bool:
        if self.doc is None:
            return False
        copy = self.doc.copy(self.taken_ids(self.doc.kind) | {self.doc.data.get("id")}, " (my version)")
        self.show_doc(copy)
        return self.save()

    def reload(self) -> None:
        if self.doc is None or self.doc.is_new:
            return
        self.show_doc(self.doc.reload(), status=piece("status", "reloaded", self.doc.name))

    def duplicate(self) -> None:
        if self.doc is None:
            return
        taken = self.taken_ids(self.doc.kind) | {self.doc.data.get("id")}
        self.show_doc(self.doc.copy(taken), status=piece("status", "duplicated", self.doc.name))

    # -- deleting ------------------------------------------------------------------
    def users(self) -> list[Entry]:
        """The plans that name the open deck or poll bank (as saved on disk)."""
        doc = self.doc
        if doc is None or doc.kind == "plan" or doc.is_new:
            return []
        ident = next((e.ident for e in self.entries if e.path == doc.path), None)
        return [e for e in self.entries if e.kind == "plan" and ident and e.data.get(doc.kind) == ident]

    def ask_delete(self) -> None:
        """Ask before deleting; a deck or poll bank a plan still uses is not offered."""
        doc = self.doc
        if doc is None or not doc.editable or doc.is_new:
            return
        users = self.users()
        if users:
            self.status.value = piece("status", "in_use", [e.path.name for e in users])
            return
        self.status.value = piece("status", "ask_delete", doc.name, unsaved=doc.dirty)
        visible(self.delete_choice, True)

    def keep(self) -> None:
        visible(self.delete_choice, False)
        self.status.value = ""

    def delete(self) -> bool:
        doc = self.doc
        visible(self.delete_choice, False)
        if doc is None or not doc.editable or doc.is_new or self.users():
            return False
        try:
            doc.delete()
        except Conflict as exc:
            self.status.value = piece("status", "not_deleted", exc.message)
            return False
        self.doc = self.checked = None
        for editor in self.editors.values():
            visible(editor.widget, False)
        visible(self.actions, False)
        self.doc_head.value = piece("welcome")
        self.summary.value = self.import_message.value = ""
        self.preview.show(None, "Open a card, a question or a plan to see it as a phone shows it.")
        self.refresh_list()
        self.status.value = piece("status", "deleted", doc.name)
        return True

    # -- sharing -------------------------------------------------------------------
    def export_file(self) -> tuple[str, str, bytes]:
        if self.doc is None or self.doc.kind != "plan":
            raise ToolkitError("open a plan to export it")
        if not self.validate().ok:
            raise ToolkitError("fix the plan's problems before exporting it")
        name, text = export_plan(self.doc.data, self.library)
        return name, "application/yaml", text.encode("utf-8")

    def _uploaded(self, change) -> None:
        files = list(change["new"] or ())
        if files:
            self.import_file(bytes(files[0]["content"]), files[0]["name"])

    def import_file(self, body: bytes, name: str, replace: bool = False) -> bool:
        """Import a shared plan file; ids already taken by other files are asked about first."""
        visible(self.import_choice, False)
        try:
            result = import_share(body, name, self.library, replace=replace)
        except ContentError as exc:
            self.import_message.value = piece("import_problems", name, [_where(p) for p in exc.problems])
            return False
        except ToolkitError as exc:
            self.import_message.value = piece("import_problems", name, [str(exc)])
            return False
        if result.taken and not replace:
            self._pending = (body, name)
            self.import_message.value = piece("import_taken", [f"{k} {i!r} ({p.name})" for k, i, p in result.taken])
            visible(self.import_choice, True)
            return False
        self._pending = None
        self.refresh_list()
        self.import_message.value = piece("import_done", [p.name for p in result.written], result.same)
        return True

    def finish_import(self, replace: bool) -> None:
        pending, self._pending = self._pending, None
        visible(self.import_choice, False)
        if pending and replace:
            self.import_file(*pending, replace=True)
        else:
            self.import_message.value = piece("import_cancelled")

    def _failed(self, exc: Exception) -> None:
        self.status.value = piece("status", "failed", str(exc))


def _where(problem) -> str:
    """A problem without the file's path (the editor shows which file is open)."""
    parts = [p for p in (problem.item, f"field {problem.field!r}" if problem.field else None) if p]
    return (", ".join(parts) + ": " if parts else "") + problem.message


def show() -> EditorDashboard | None:
    """Display the editor in the notebook (what ``notebooks/content.ipynb`` runs)."""
    from IPython.display import display
    try:
        dashboard = EditorDashboard()
    except ToolkitError as exc:
        display(W.HTML(piece("cannot_open", str(exc))))
        return None
    display(dashboard.widget)
    return dashboard
