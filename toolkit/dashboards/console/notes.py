"""The teaching notes of a plan as one page to print or read on another device before the
lesson: with one screen mirrored to the projector, the facilitator's notes need not be
opened in front of the class at all."""

from __future__ import annotations

from markupsafe import Markup

from ..widgets.style import css
from .page import HERE, templates
from .run import step_label


def notes_rows(programme) -> list[dict]:
    """Every activity with what the facilitator needs of it: the expected answer, the
    exploitation model and signs, the teaching note and the prompts; the minutes planned."""
    labels = {c["id"]: c["label"] for c in programme.categories()}
    rows = []
    for act in programme.activities:
        row = {"number": act.index + 1, "label": step_label(programme, act), "minutes": act.minutes,
               "kind": act.kind}
        if act.kind == "card":
            info = programme.reveal(act, private=True)
            row.update(text=programme.card(act.items[0])["text"], expected=info["expected_label"],
                       model=info["model"], signs=", ".join(info["signs"]) or "none", note=info["note"],
                       prompts=info["prompts"])
        elif act.kind == "poll":
            info = programme.reveal(act, private=True)
            row.update(text=programme.question(act.items[0])["text"], answer=info.get("answer_label"),
                       note=info.get("note"))
        elif act.kind == "sort":
            row["cards"] = [(programme.card(i)["text"], labels[programme.card(i)["expected"]]) for i in act.items]
        rows.append(row)
    return rows


def notes_page(programme) -> str:
    return templates.render("notes.html", title=programme.title, rows=notes_rows(programme),
                            stylesheet=Markup(css(HERE / "static" / "report.css")))


def notes_name(programme) -> str:
    return f"teaching-notes-{programme.plan['id']}.html"
