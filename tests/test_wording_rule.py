"""``toolkit check`` flags prompts and student-facing text that put the weight on the young
person, and help written out where the session's region should decide.

The rule lives in ``toolkit.content.wording`` (one source of truth: an editor warns with
the same function); these tests run it on the prompts a safeguarding review rejected, on
the shipped content, and through the CLI as an author would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.content import check_files
from toolkit.content.wording import blaming_phrases

ROOT = Path(__file__).resolve().parents[1]

# Prompts from earlier versions of the shipped decks that a designated safeguarding lead
# rejected, and the mistakes authors of new decks make most.
OLD_PROMPTS = [
    ("What made Chloe easy for this man to target?", "Chloe"),
    ("What safer options might Chloe have had?", "Chloe"),
    ("Where could Tyler have gone for help that night?", "Tyler"),
    ("Who else could Theo have told?", "Theo"),
    ("What should Ivy have done when the message came?", "Ivy"),
    ("Why didn't Noah tell anyone straight away?", "Noah"),
    ("Why did Chloe get in the car?", "Chloe"),
    ("Was it Ruby's fault that the photo went round?", "Ruby"),
    ("Is Kai partly to blame for going to the flat?", "Kai"),
    ("How could Mia avoid being targeted?", "Mia"),
    ("If Jade hadn't taken the drinks, would this have happened?", "Jade"),
    ("Should Grace have been more careful online?", "Grace"),
    ("What could Leo do differently next time?", "Leo"),
    ("Did Aisha put herself at risk by going?", "Aisha"),
    ("Who is to blame here?", "Zara"),
]

# What the same discussions ask now: the exploiter's behaviour, the power gap, help now.
NEW_PROMPTS = [
    ("What does the man use to get power over Chloe?", "Chloe"),
    ("Who can a young person stuck late at night call, and what should they expect?", "Chloe"),
    ("How does the man turn a bed for the night into a \"debt\"?", "Tyler"),
    ("Where can a young person who has run away get help, day or night?", "Tyler"),
    ("Why might a boy in Noah's place find it hard to tell anyone?", "Noah"),
    ("Who is responsible for the harm here?", "Ruby"),
    ("It is never her fault, even if she agreed.", "Jade"),
    ("Noah is not to blame and not in trouble.", "Noah"),
    ("The adults who use young people are the ones to blame.", "Kayla"),
    ("What would pressure have looked like here?", "Ella"),
    ("Why did the player send the game codes first?", "Leo"),
]


@pytest.mark.parametrize("prompt,name", OLD_PROMPTS, ids=[p for p, _ in OLD_PROMPTS])
def test_old_prompts_are_caught(prompt, name):
    found = blaming_phrases(prompt, [name])
    assert found, f"not flagged: {prompt}"
    assert all(f.phrase in prompt and f.message for f in found)


@pytest.mark.parametrize("prompt,name", NEW_PROMPTS, ids=[p for p, _ in NEW_PROMPTS])
def test_new_prompts_pass(prompt, name):
    assert blaming_phrases(prompt, [name]) == []


def test_every_shipped_prompt_and_student_text_passes():
    from toolkit.content.wording import student_fields
    files = sorted(p for folder in ("data", "sessions/plans") for p in (ROOT / folder).rglob("*.yaml"))
    checked = 0
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for where, text, names in student_fields(data, data["kind"]):
            assert blaming_phrases(text, names) == [], f"{path.name} {where}: {text}"
            checked += 1
    assert checked > 300


def _deck(prompts: list[str], note: str = "Ben is never to blame; do not ask what he could have done.") -> str:
    items = "\n".join(f"      - {p!r}" for p in prompts)
    return f"""\
kind: deck
id: author-deck
title: An author's deck
cards:
  - id: ben-lift
    character: Ben
    age: 14
    text: Ben, 14, is offered a lift home by a man in his thirties who says it will cost him.
    expected: exploitative
    model: opportunistic
    signs: [age_power_gap, something_in_return]
    note: {note}
    prompts:
{items}
"""


def test_check_names_the_file_line_card_and_phrase_and_fails(tmp_path):
    deck = tmp_path / "author-deck.yaml"
    deck.write_text(_deck(["What made Ben easy to target?", "What does the man want?"]))
    result = CliRunner().invoke(main, ["check", str(deck)])
    assert result.exit_code == 1
    line = next(l for l in result.output.splitlines() if "easy to target" in l)
    assert line.startswith(f"{deck}:14: card 'ben-lift', prompt #1, field 'prompts': 'easy to target'")
    assert "the exploiter chooses" in line
    assert "Ask about the exploiter's behaviour, the power gap, or where anyone in that situation can get " \
           "help now." in line
    assert "What does the man want" not in result.output


def test_a_private_note_may_quote_what_not_to_ask(tmp_path):
    deck = tmp_path / "author-deck.yaml"
    deck.write_text(_deck(["What does the man want?", "Who can help someone in Ben's place?"]))
    assert check_files([deck])[str(deck)] == []


def test_the_rule_covers_slides_and_poll_text(tmp_path):
    plan = yaml.safe_load((ROOT / "sessions/plans/short-25.yaml").read_text(encoding="utf-8"))
    plan["activities"][0]["body"] += "Think about what the characters should have done.\n"
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    problems = [str(p) for p in check_files([path])[str(path)]]
    assert any("activity 'ground-rules', field 'body': 'should have done'" in p for p in problems), problems

    polls = yaml.safe_load((ROOT / "data/polls/core-measures.yaml").read_text(encoding="utf-8"))
    polls["id"] = "author-polls"
    polls["questions"][2]["note"] = "Myth. But was it partly their fault for going?"
    path = tmp_path / "polls.yaml"
    path.write_text(yaml.safe_dump(polls, sort_keys=False))
    problems = [str(p) for p in check_files([path])[str(path)]]
    assert any("question 'myth-only-girls', field 'note': 'partly their fault'" in p
               or "question 'myth-only-girls', field 'note'" in p for p in problems), problems


# -- help that follows the session's region --------------------------------------------------

def _plan_with_slide(tmp_path, body: str, pin: str | None = None) -> Path:
    plan = yaml.safe_load((ROOT / "sessions/plans/short-25.yaml").read_text(encoding="utf-8"))
    plan["id"] = "author-plan"
    plan["activities"][-1]["body"] = body
    if pin:
        plan["settings"]["help_region"] = pin
    path = tmp_path / "author-plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False, allow_unicode=True))
    return path


def test_a_help_number_written_into_a_slide_is_flagged_with_the_placeholder_to_use(tmp_path):
    path = _plan_with_slide(tmp_path, "Call Childline on 0800 11 11, or 999 in an emergency.\n")
    problems = [str(p) for p in check_files([path])[str(path)]]
    assert any("writes the help number 0800 1111" in p and "{help:childline.phone}" in p for p in problems), problems
    assert any("writes the help number 999" in p and "{help:emergency.phone}" in p for p in problems), problems


def test_a_placeholder_every_region_can_fill_passes_and_one_missing_somewhere_is_named(tmp_path):
    good = _plan_with_slide(tmp_path, "{help}\nIn danger now? Call {help:emergency.phone}.\n")
    assert check_files([good])[str(good)] == []
    only_uk = _plan_with_slide(tmp_path, "Anonymous tip-offs: {help:fearless}.\n")
    problems = [str(p) for p in check_files([only_uk])[str(only_uk)]]
    assert any("{help:fearless} names a help resource the help file for region 'ie' does not have" in p
               and "data/help/ie.yaml" in p for p in problems), problems
    # A plan pinned to a UK region is checked against that region only.
    pinned = _plan_with_slide(tmp_path, "Anonymous tip-offs: {help:fearless}.\n", pin="uk")
    assert check_files([pinned])[str(pinned)] == []


def test_a_misspelt_placeholder_is_named(tmp_path):
    path = _plan_with_slide(tmp_path, "{help: childline}\n{Help}\n")
    problems = [str(p) for p in check_files([path])[str(path)]]
    assert sum("is not a help placeholder" in p for p in problems) == 2, problems
