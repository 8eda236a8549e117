"""The words a student reads: the page's own, for an 11-year-old, the same with and without
JavaScript, and never the API's messages (those stay precise, for developers)."""

import html
import json
import re
from pathlib import Path

from toolkit.server import screens

SERVER = Path(__file__).resolve().parent.parent / "toolkit" / "server"
JS = (SERVER / "static" / "join.js").read_text()
TEMPLATE = (SERVER / "templates" / "join.html").read_text()
# Words a student should not meet: staff and developer words, and the grown-up phrasing the
# help used to have.
NOT_FOR_STUDENTS = ("facilitator", "immediate", "session", "activity", "conflict", "request", "server", "xsrf",
                    "token", "database", "invalid", "status", "error")


def js_sentences() -> list[str]:
    """Every string literal in the script that reads as words (has a space)."""
    found = [json.loads(m.group(0)) for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"', JS)]
    return [s for s in found if " " in s and not s.startswith(("sessions/", "[^"))]


def template_text() -> str:
    text = re.sub(r"{%.*?%}|{{.*?}}", " ", TEMPLATE, flags=re.S)
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", text, flags=re.S)
    return " ".join(html.unescape(text).split())


def test_the_live_page_says_what_the_server_rendered_page_says():
    shared = [screens.RECEIVED, screens.NOTES["closed"], screens.NOTES["invalid"], screens.NOTES["box"],
              *(screens.WORDS[k] for k in ("not_found", "forbidden", "empty", "too_long", "questions", "devices", "error")),
              *screens.TITLES.values()]
    literals = [json.loads(m.group(0)) for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"', JS)]
    for words in shared:
        assert words in literals, f"join.js does not say {words!r} as screens.py does"
    sentences = js_sentences()
    for words in ("You're in", "That's all the questions", "The workshop has ended", "All sorted",
                  "Voting isn't open right now. Wait for the next question.",
                  "Listen to the workshop leader. Questions will show up here.", "Tick all that fit, then press Send",
                  "Ask a question without giving your name", "Only the workshop leader sees it."):
        assert words in template_text() and any(words in s for s in sentences), words


def test_no_student_words_are_for_staff_or_developers():
    texts = js_sentences() + [template_text()] + list(screens.NOTES.values()) + list(screens.WORDS.values()) + [
        screens.RECEIVED, screens.ANONYMITY]
    for text in texts:
        for word in NOT_FOR_STUDENTS:
            assert not re.search(rf"\b{word}", text, re.I), f"{word!r} in {text!r}"


def test_the_page_never_shows_an_api_message():
    # It keys its words on the error's kind and status; the message is for developers.
    assert ".message" not in JS and "message" not in TEMPLATE
    assert "exc.message" not in (SERVER / "pages.py").read_text()


def test_sentences_are_short():
    for text in js_sentences() + list(screens.NOTES.values()) + list(screens.WORDS.values()):
        for sentence in re.split(r"(?<=[.?!:])\s+", text):
            assert len(sentence.split()) <= 16, sentence
