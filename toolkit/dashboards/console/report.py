"""Exports of a session: the tidy CSV of every answer, and a self-contained HTML report.

The report embeds plotly.js once and every chart inline, so it opens anywhere with no
network; every piece of text in it is escaped.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ...analysis import discussion, tidy_export
from ...charts import classroom
from ...content.vocab import CARD_KINDS, GROUP_LABELS
from ...store.codes import display


def export_name(session, extension: str) -> str:
    """A file name for an export: ``workshop-CODE-YYYY-MM-DD.ext``."""
    day = (session.created_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d")
    return f"workshop-{session.code}-{day}.{extension}"


def csv_text(session, responses=None) -> str:
    """Every answer of the session, one row each (``analysis.tidy_export``), as CSV."""
    frame = session.responses() if responses is None else responses
    return tidy_export(frame).to_csv(index=False)


def html_report(session, responses=None, questions=None) -> str:
    """The session's report as one HTML page that needs nothing from the network.

    ``questions`` are the questions-box rows; only those approved for the screen appear.
    """
    frame = session.responses() if responses is None else responses
    programme = session.programme
    esc = html.escape
    parts = [f"<h1>{esc(session.title)}</h1>", _facts(session, frame)]

    discuss = discussion.discuss_next(programme, frame, top=5)
    if discuss:
        items = "".join(
            f"<li><b>{esc(d['title'])}</b>: {esc(d['reason'])}. <span class='muted'>{esc(d['text'])}</span>"
            f"<ul>{''.join(f'<li>{esc(p)}</li>' for p in d['prompts'])}</ul></li>" for d in discuss)
        parts.append(f"<section><h2>What to discuss next</h2><ol>{items}</ol></section>")

    changes = discussion.change_frame(frame)
    if not changes.empty:
        parts.append("<section><h2>Before and after</h2><p class='muted'>The same questions at the start and at "
                     "the end; the change counts students who answered both.</p>")
        for i in range(len(changes)):
            one = changes.iloc[[i]].reset_index(drop=True)
            row = one.iloc[0]
            parts.append(f"<h3>{esc(discussion.question_text(programme, row['item_id']))}</h3>"
                         + _chart(classroom.change_figure(programme, one, label="This class"))
                         + f"<p>{esc(discussion.paired_sentence(row))}</p>")
        parts.append("</section>")

    card_answers = frame[frame["activity_kind"].isin(CARD_KINDS)] if not frame.empty else frame
    if not card_answers.empty:
        parts.append("<section><h2>How the class sorted the cards</h2>"
                     "<p class='muted'>Each row is a card; the outlined cell is the expected answer.</p>"
                     + _chart(classroom.matrix_figure(programme, frame)) + cards_table(programme, frame) + "</section>")

    parts.append("<section><h2>Activity by activity</h2>")
    for act in programme.activities:
        parts.append(_activity(programme, act, frame))
    parts.append("</section>")

    shown = [q for q in (questions or []) if q.get("status") == "approved"]
    if shown:
        parts.append("<section><h2>Questions shown to the class</h2><ul>"
                     + "".join(f"<li>{esc(q['text'])}</li>" for q in shown) + "</ul></section>")

    parts.append("<footer>Answers are anonymous: no names, accounts or device details were collected. "
                 f"Report made {esc(datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'))}.</footer>")
    return _page(session.title, "\n".join(parts))


def _facts(session, frame) -> str:
    esc = html.escape
    facts = [("Join code", display(session.code)), ("Plan", session.plan_id), ("Deck", session.deck_id),
             ("Started", _when(session.created_at)), ("Students joined", str(session.respondents)),
             ("Answers", str(len(frame)))]
    facts += [(GROUP_LABELS[k], v) for k, v in session.labels.items() if v]
    return "<dl class='facts'>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(str(v))}</dd>" for k, v in facts) + "</dl>"


def _when(stamp) -> str:
    if stamp is None:
        return "-"
    if stamp.tzinfo is None:  # SQLite hands stored UTC times back without a zone
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _activity(programme, act, frame) -> str:
    esc = html.escape
    head = f"<h3>{act.index + 1}. {esc(act.title)} <span class='kind'>{esc(act.kind)}</span></h3>"
    if act.kind == "slide":
        return f"<article>{head}<p class='muted'>A slide: no answers.</p></article>"
    info = programme.reveal(act, private=True)
    if act.kind == "sort":
        body = _chart(classroom.matrix_figure(programme, frame, act)) + cards_table(programme, frame, act)
        return f"<article>{head}{body}</article>"
    if act.kind == "card":
        card = programme.card(act.items[0])
        text = f"<p class='scenario'>{esc(card['text'])}</p>"
        detail = (f"<p><b>Expected:</b> {esc(info['expected_label'])}. <b>Model:</b> {esc(info['model'])}.</p>"
                  + (f"<p><b>Signs:</b> {esc(', '.join(info['signs']))}</p>" if info["signs"] else "")
                  + f"<p><b>Teaching note:</b> {esc(info['note'])}</p>"
                  + "<p><b>Prompts:</b></p><ul>" + "".join(f"<li>{esc(p)}</li>" for p in info["prompts"]) + "</ul>")
    else:
        text = f"<p class='scenario'>{esc(programme.question(act.items[0])['text'])}</p>"
        detail = ((f"<p><b>Answer:</b> {esc(info['answer_label'])}</p>" if "answer_label" in info else "")
                  + (f"<p>{esc(info['note'])}</p>" if info.get("note") else ""))
    chart = _chart(classroom.activity_chart(programme, act, frame, revealed=True))
    return f"<article>{head}{text}{chart}{detail}</article>"


def cards_table(programme, frame, activity=None, css: str = "") -> str:
    """Per card (of one sort, or of the whole session): answers, the most chosen category,
    agreement and the share as expected, the most contested marked "discuss"."""
    rows = discussion.card_rows(programme, frame, activity)
    if rows.empty:
        return "<p class='muted'>No answers.</p>"
    esc = html.escape
    labels = {c["id"]: c["label"] for c in programme.categories()}
    flag = " <span class='tk-flag'>discuss</span>"
    body = "".join(
        f"<tr><td>{esc(r.label)}{flag if r.contested else ''}</td>"
        f"<td>{r.answers}</td><td>{esc(r.top_label)}</td><td>{r.agreement:.0%}</td>"
        f"<td>{r.match:.0%} <span class='muted tk-muted'>({esc(labels.get(r.expected, r.expected))})</span></td></tr>"
        for r in rows.itertuples())
    return (f"<table class='{css}'><thead><tr><th>Card</th><th>Answers</th><th>Most chosen</th><th>Agreement</th>"
            f"<th>As expected</th></tr></thead><tbody>{body}</tbody></table>")


def _chart(figure: go.Figure) -> str:
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False})


def _page(title: str, body: str) -> str:
    # plotly.js inline once, before any chart: the report opens with no network.
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} - workshop report</title>
<style>{_CSS}</style>
<script>{get_plotlyjs()}</script>
</head><body><main>
{body}
</main></body></html>
"""


_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1F2933; background: #F4F6F9; margin: 0; }
main { max-width: 980px; margin: 0 auto; padding: 32px 24px 64px; background: #fff; }
h1 { font-size: 30px; margin: 0 0 16px; }
h2 { font-size: 24px; margin: 40px 0 12px; border-bottom: 2px solid #E4E7EB; padding-bottom: 6px; }
h3 { font-size: 20px; margin: 28px 0 8px; }
.kind { font-size: 14px; color: #5B6B7F; font-weight: normal; text-transform: uppercase; letter-spacing: .05em; }
.scenario { font-size: 18px; }
.muted { color: #5B6B7F; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.facts dt { color: #5B6B7F; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 12px 0; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #E4E7EB; }
footer { margin-top: 48px; color: #5B6B7F; font-size: 14px; }
.tk-flag { background: #FDECEA; color: #B3261E; border-radius: 6px; padding: 1px 8px; font-size: 14px;
  font-weight: bold; }
"""
