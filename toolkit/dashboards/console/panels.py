"""The stage (what the class sees: the activity, voting, results once revealed) and the
private panel beside it (teaching notes, what to discuss next, the session's details)."""

from __future__ import annotations

import html

import ipywidgets as W

from ...analysis import discussion
from ...charts import classroom
from ...store.codes import display
from ..widgets.layout import toggle_class, visible
from ..widgets.live_chart import LiveChart
from .cards import cards_table
from .run import KEY_HELP


def _lines(text: str) -> str:
    return "".join(f"<li>{html.escape(line)}</li>" for line in text.splitlines() if line.strip())


def heading_html(snapshot) -> str:
    """The activity on screen, large: what it is, its card, question or slide text, and
    either the options to choose from or, once revealed, the expected answer."""
    programme, act = snapshot.programme, snapshot.activity
    total = len(programme.activities)
    place = f"{act.index + 1} of {total}"
    esc = html.escape
    revealed = snapshot.session.revealed and act.votes
    if act.kind == "slide":
        return (f"<div class='tk-kicker'>{place}</div><div class='tk-headline'>{esc(act.title)}</div>"
                f"<ul class='tk-slide'>{_lines(act.body or '')}</ul>")
    if act.kind == "card":
        card = programme.card(act.items[0])
        chips = "".join(f"<span class='tk-chip'><span class='tk-swatch' style='background:{c['colour']}'></span>"
                        f"{esc(c['label'])}</span>" for c in programme.categories())
        below = reveal_html(snapshot) if revealed else f"<div class='tk-chips'>{chips}</div>"
        return f"<div class='tk-kicker'>Card · {place}</div><div class='tk-text'>{esc(card['text'])}</div>{below}"
    if act.kind == "poll":
        q = programme.question(act.items[0])
        options = classroom.options_for_chart(programme, act)
        how = "Choose all that apply:" if q["type"] == "multiple" else "Choose one:"
        chips = "".join(f"<span class='tk-chip'>{esc(o['label'])}</span>" for o in options)
        below = reveal_html(snapshot) if revealed else \
            f"<div class='tk-chips'><span class='tk-muted tk-how'>{how}</span>{chips}</div>"
        return (f"<div class='tk-kicker'>{esc(act.title)} · {place}</div><div class='tk-text'>{esc(q['text'])}</div>"
                f"{below}")
    n = len(act.items)
    return (f"<div class='tk-kicker'>Sort · {place}</div><div class='tk-headline'>{esc(act.title)}</div>"
            f"<div class='tk-lead'>Sort the {n} cards on your phone, at your own pace.</div>")


def status_html(snapshot) -> str:
    """Whether voting is open and how many have answered."""
    session, act = snapshot.session, snapshot.activity
    joined = session.respondents
    n = snapshot.answered
    if act.kind == "sort":
        total = sum(snapshot.counts.values())
        answered = (f"<b data-answered='{n}'>{n}</b> of {joined} sorting · {total} card "
                    f"{'answer' if total == 1 else 'answers'}")
    else:
        answered = f"<b data-answered='{n}'>{n}</b> of {joined} answered"
    if session.voting_open:
        return f"<div class='tk-status tk-open'><span class='tk-dot'></span>Voting open · {answered}</div>"
    if session.revealed:
        return f"<div class='tk-status'><span class='tk-dot'></span>Revealed · {answered}</div>"
    if n:
        return f"<div class='tk-status'><span class='tk-dot'></span>Voting closed · {answered}</div>"
    return (f"<div class='tk-status'><span class='tk-dot'></span>Voting not open yet · "
            f"<b data-answered='0'>{joined}</b> joined</div>")


def reveal_html(snapshot) -> str:
    """The expected answer and the signs (cards), or the answer and its note (polls), as
    shown to the class."""
    programme, act = snapshot.programme, snapshot.activity
    info = programme.reveal(act, private=False)
    esc = html.escape
    if act.kind == "card":
        colour = classroom.category_colours(programme).get(info["expected"], "#5B6B7F")
        signs = ("<p><b>Signs:</b> " + " · ".join(esc(s) for s in info["signs"]) + "</p>") if info["signs"] else ""
        return (f"<div class='tk-reveal'><p class='tk-expected'><span class='tk-swatch' "
                f"style='background:{colour}'></span>Expected: {esc(info['expected_label'])}</p>{signs}</div>")
    if act.kind == "poll":
        answer = f"<p class='tk-expected'>Answer: {esc(info['answer_label'])}</p>" if "answer_label" in info else ""
        note = f"<p>{esc(info['note'])}</p>" if info.get("note") else ""
        return f"<div class='tk-reveal'>{answer}{note}</div>" if answer or note else ""
    return ""


class ChangeBox:
    """Before → after for one repeated question, with the paired change in words."""

    def __init__(self):
        self.title = W.HTML()
        self.chart = LiveChart()
        self.note = W.HTML()
        self.widget = W.VBox([self.title, self.chart.widget, self.note])

    def update(self, programme, row_frame, with_question: bool = False) -> None:
        """Draw one question's change; ``with_question`` names it (the stage shows it above)."""
        row = row_frame.iloc[0]
        question = f": {html.escape(discussion.question_text(programme, row['item_id']))}" if with_question else ""
        self.title.value = f"<h3>Before and after{question}</h3>"
        self.chart.draw(classroom.change_figure(programme, row_frame, label="This class"))
        self.note.value = f"<p class='tk-small'>{html.escape(discussion.paired_sentence(row))}</p>"


class Stage:
    """What the class sees about the activity on screen. Results stay hidden until
    "Reveal" unless the plan shows them live; a sort's matrix fills in privately first."""

    def __init__(self):
        self.heading = W.HTML()
        self.status = W.HTML()
        self.preview_note = W.HTML("<div class='tk-private-tag'>Private until you reveal</div>"
                                   "<p class='tk-small tk-muted'>The class's sort fills in here as they answer. "
                                   "Hidden in presentation mode until you press Reveal.</p>")
        self.distribution = LiveChart()
        self.matrix = LiveChart()
        self.table = W.HTML()
        self.change = ChangeBox()
        # A poll's answers and, at the end-point, its change: side by side when there is room.
        pair = W.HBox([self.distribution.widget, self.change.widget])
        pair.add_class("tk-pair")
        self.results = W.VBox([self.preview_note, pair, self.matrix.widget, self.table])
        self.results.add_class("tk-card")
        top = W.VBox([self.heading, self.status])
        top.add_class("tk-card")
        self.widget = W.VBox([top, self.results])
        self._drawn: tuple | None = None

    def update(self, snapshot, presenting: bool) -> None:
        act = snapshot.activity
        self.heading.value = heading_html(snapshot)
        self.status.value = status_html(snapshot) if act.votes else ""
        visible(self.status, act.votes)
        public = snapshot.results_visible
        preview = act.kind == "sort" and not public
        visible(self.results, public or (preview and not presenting))
        toggle_class(self.results, "tk-sort-preview", preview)
        visible(self.preview_note, preview)
        self.distribution.show(public and act.kind in ("card", "poll"))
        self.matrix.show(act.kind == "sort" and (public or preview))
        visible(self.table, act.kind == "sort" and (public or preview))
        revealed = snapshot.session.revealed
        changes = discussion.change_frame(snapshot.responses, act.items[0]) \
            if revealed and act.kind == "poll" and act.phase == "endpoint" else None
        visible(self.change.widget, changes is not None and not changes.empty)
        # Charts are redrawn only when the session or its answers changed, not when
        # presentation mode only hid or showed the panels around them.
        if not (public or preview) or snapshot.fingerprint == self._drawn:
            return
        self._drawn = snapshot.fingerprint
        if act.kind == "sort":
            self.matrix.draw(classroom.matrix_figure(snapshot.programme, snapshot.responses, act, revealed=revealed))
            self.table.value = cards_table(snapshot.programme, snapshot.responses, act, css="tk-table")
        else:
            self.distribution.draw(classroom.activity_chart(snapshot.programme, act, snapshot.responses, revealed))
        if changes is not None and not changes.empty:
            self.change.update(snapshot.programme, changes)


class PrivatePanel:
    """The facilitator's eyes only: notes for the activity, what to discuss next, the
    questions box and the session's details with the keyboard shortcuts. Hidden in
    presentation mode."""

    def __init__(self, questions_widget: W.Widget):
        self.notes = W.HTML()
        self.discuss = W.HTML()
        self.details = W.HTML()
        for box in (self.notes, self.discuss, self.details):
            box.add_class("tk-card")
        self.questions = questions_widget
        self.widget = W.VBox([self.notes, self.discuss, questions_widget, self.details])
        self.widget.add_class("tk-private")

    def update(self, snapshot, join_url: str | None, questions_waiting: bool = False) -> None:
        """Redraw; waiting questions go to the top, where a possible disclosure is seen at once."""
        order = ([self.questions, self.notes, self.discuss] if questions_waiting
                 else [self.notes, self.discuss, self.questions]) + [self.details]
        if list(self.widget.children) != order:
            self.widget.children = order
        notes = notes_html(snapshot)
        self.notes.value = notes
        visible(self.notes, bool(notes))
        session = snapshot.session
        show_discuss = session.status in ("summary", "ended") or session.revealed
        items = discussion.discuss_next(snapshot.programme, snapshot.responses) if show_discuss else []
        self.discuss.value = discuss_html(items) if items else ""
        visible(self.discuss, bool(items))
        self.details.value = details_html(session, join_url)


def notes_html(snapshot) -> str:
    act = snapshot.activity
    if act is None or act.kind == "slide":
        return ""
    programme = snapshot.programme
    info = programme.reveal(act, private=True)
    esc = html.escape
    tag = "<div class='tk-private-tag'>Private · teaching notes</div>"
    if act.kind == "card":
        signs = ", ".join(info["signs"]) or "none"
        prompts = "".join(f"<li>{esc(p)}</li>" for p in info["prompts"])
        return (f"{tag}<p><b>Expected:</b> {esc(info['expected_label'])}<br><b>Model:</b> {esc(info['model'])}<br>"
                f"<b>Signs:</b> {esc(signs)}</p><h3>Teaching note</h3><p class='tk-note'>{esc(info['note'])}</p>"
                f"<h3>Discussion prompts</h3><ul>{prompts}</ul>")
    if act.kind == "poll":
        answer = f"<p><b>Answer:</b> {esc(info['answer_label'])}</p>" if "answer_label" in info else ""
        note = f"<p class='tk-note'>{esc(info['note'])}</p>" if info.get("note") else ""
        return f"{tag}{answer}{note}" if answer or note else ""
    labels = {c["id"]: c["label"] for c in programme.categories()}
    rows = "".join(f"<li>{esc(discussion.card_label(programme, c['id']))}: <b>{esc(labels[c['expected']])}</b></li>"
                   for c in (programme.card(i) for i in act.items))
    return f"{tag}<h3>Expected answers</h3><ul class='tk-small'>{rows}</ul>"


def discuss_html(items: list[dict]) -> str:
    esc = html.escape
    body = "".join(f"<li><b>{esc(d['title'])}</b>: {esc(d['reason'])}.<ul class='tk-small'>"
                   + "".join(f"<li>{esc(p)}</li>" for p in d["prompts"]) + "</ul></li>" for d in items)
    return f"<div class='tk-private-tag'>Private</div><h2>What to discuss next</h2><ol>{body}</ol>"


def details_html(session, join_url: str | None) -> str:
    esc = html.escape
    labels = " · ".join(esc(v) for v in session.labels.values() if v) or "no group labels"
    keys = "".join(f"<tr><td><kbd>{esc(k)}</kbd></td><td>{esc(label)}</td></tr>" for k, label in KEY_HELP)
    join = f"<br>Join: {esc(join_url)}" if join_url else ""
    # Relative, so it keeps this page's path; the login cookie stands in for the token.
    projector = (f"<p class='tk-small'><a href='?view=projector&amp;session={session.code}' target='_blank'>"
                 "Open the projector view</a> in a second window: what the class sees, nothing private.</p>")
    return (f"<div class='tk-private-tag'>Private · session</div><p class='tk-small'>Code "
            f"<b>{display(session.code)}</b> · {esc(session.plan_id)}<br>{labels}{join}</p>{projector}"
            f"<h3>Keyboard</h3><table class='tk-table tk-small'>{keys}</table>")

