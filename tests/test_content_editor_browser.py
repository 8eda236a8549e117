"""The content editor in a real Chromium through ``toolkit serve``: a facilitator writes a new
card and a new poll question into copies of shipped content, composes a 20-minute plan from
them, sees problems beside the fields, saves, and runs a session of the plan that a phone
answers. Screenshots land in test-artifacts/."""

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from playwright.sync_api import expect

from support.browser import PHONE, advance_to
from support.serve import start_server
from toolkit.cli import main
from toolkit.content import load_file
from toolkit.content.share import export_plan
from toolkit.store import Store

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(400)]

DESK = {"width": 1280, "height": 800}
KERNEL_START = 120_000  # ms: a Voila page waits for its kernel to run the notebook
CHECKED = 15_000  # ms: a change reaches the kernel, is checked, and the page redraws
CARD_TEXT = "Jess, 15, is given a new phone by a man of 24 she met at the bus station. He says to keep it secret."


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("editor")
    s = start_server(tmp, env={"TOOLKIT_OWN_CONTENT": str(tmp / "my-content")})
    s.own = tmp / "my-content"
    yield s
    s.stop()


def field(scope, name, tag="input"):
    return scope.locator(f".tk-field-{name} {tag}").first


def choose(select, pattern):
    """Choose the option whose words match ``pattern`` (the words are what a person sees)."""
    texts = select.locator("option").all_inner_texts()
    select.select_option(label=next(t for t in texts if re.search(pattern, t.replace("\xa0", " "))))


def shot(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"editor-{name}.png"))


def test_a_facilitator_writes_content_and_runs_it(served, browser, artifacts):
    page = browser.new_page(viewport=DESK)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served.lines["Content editor"], timeout=KERNEL_START)
    files = page.locator(".tk-file")
    files.first.wait_for(timeout=KERNEL_START)
    work = page.locator(".tk-work")
    shot(page, artifacts, "0-start")

    # Search by sign and age band narrows the list to decks with such cards, naming them.
    browse = page.locator(".tk-browse")
    browse.get_by_label("Sign", exact=True).select_option(label="A debt used to control them")
    expect(page.locator(".tk-hits li").first).to_be_visible(timeout=CHECKED)
    assert page.locator(".tk-file").count() >= 1
    assert all("Deck" in t for t in page.locator(".tk-facts").all_inner_texts())
    browse.get_by_label("Sign", exact=True).select_option(label="Any")

    # A shipped deck is read-only; Duplicate makes an editable copy.
    files.filter(has_text="Healthy or exploitative?").first.click()
    expect(work.locator("h2")).to_contain_text("Shipped: read-only", timeout=CHECKED)
    expect(field(work, "character")).to_be_disabled()
    expect(page.get_by_role("button", name="Save")).to_be_hidden()
    shot(page, artifacts, "1-shipped-deck")
    page.get_by_role("button", name="Duplicate").click()
    expect(work.locator("h2")).to_contain_text("(copy)", timeout=CHECKED)

    # A new card, written from scratch, with no expected category yet.
    page.get_by_role("button", name="Add card").click()
    card = work.locator(".tk-form").first
    # Type once the form shows the new card, as a person would: typing into the form while the
    # kernel is still drawing the new card races its values with the typed ones.
    expect(field(card, "id")).to_have_value(re.compile("new-card"), timeout=CHECKED)
    field(card, "id").fill("jess-phone")
    field(card, "character").fill("Jess")
    field(card, "age").fill("15")
    field(card, "text", "textarea").fill(CARD_TEXT)
    card.get_by_label("Model", exact=True).select_option(label="Inappropriate relationships (opportunistic)")
    card.get_by_label("Warning signs").select_option(label=["Age or power gap", "Secrecy",
                                                             "Gifts, compliments or flattery"])
    field(card, "note", "textarea").fill("A gift with a secret attached is how control starts: the age gap and "
                                         "the secrecy are the signs to name.")
    field(card, "prompts", "textarea").fill("Why might the man want the phone kept secret?\n"
                                            "Who could someone in Jess's place talk to?")
    expected_error = work.locator(".tk-field-expected .tk-error")
    expect(expected_error).to_have_text("is required but missing", timeout=CHECKED)
    expect(work.locator(".tk-field-prompts .tk-error")).to_have_count(0)
    work.locator(".tk-field-expected").scroll_into_view_if_needed()
    shot(page, artifacts, "2-card-error")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".tk-status")).to_contain_text("Not saved: fix the 1 problem", timeout=CHECKED)
    card.get_by_label("Expected answer").select_option(label="Exploitative")
    expect(expected_error).to_have_count(0, timeout=CHECKED)
    # The phone preview shows the card with the student page's own markup.
    phone = page.frame_locator(".tk-phone-screen")
    expect(phone.locator("h1")).to_have_text(CARD_TEXT, timeout=CHECKED)
    expect(phone.get_by_role("button", name="Exploitative")).to_be_visible()
    shot(page, artifacts, "3-card-fixed")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".tk-status")).to_contain_text("Saved to", timeout=CHECKED)
    deck_file = served.own / "decks" / "healthy-or-exploitative-copy.yaml"
    assert load_file(deck_file).card("jess-phone").expected == "exploitative"

    # A new poll question in a copy of the shipped poll bank.
    files.filter(has_text="Baseline and end-point").first.click()
    expect(work.locator("h2")).to_contain_text("Shipped", timeout=CHECKED)
    page.get_by_role("button", name="Duplicate").click()
    expect(work.locator("h2")).to_contain_text("measures (copy)", timeout=CHECKED)
    page.get_by_role("button", name="Add question").click()
    question = work.locator(".tk-form").nth(1)
    expect(field(question, "id")).to_have_value(re.compile("new-question"), timeout=CHECKED)
    field(question, "id").fill("gift-secret")
    field(question, "text", "textarea").fill("A gift that must be kept secret is a warning sign.")
    field(question, "options", "textarea").fill("True\nFalse\nNot sure")
    expect(question.get_by_label("Right answer").locator("option")).to_have_count(3, timeout=CHECKED)
    question.get_by_label("Right answer").select_option(label=["True"])
    expect(phone.get_by_role("button", name="Not sure")).to_be_visible(timeout=CHECKED)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".tk-status")).to_contain_text("Saved to", timeout=CHECKED)
    polls_file = served.own / "polls" / "core-measures-copy.yaml"
    assert load_file(polls_file).question("gift-secret").answer == "true"

    # A 20-minute plan from both copies: a definition slide, the new card, the new poll, help.
    page.get_by_role("button", name="New plan").click()
    expect(work.locator("h2")).to_contain_text("my-plan", timeout=CHECKED)
    plan = work.locator(".tk-top-fields").nth(2)
    field(plan, "title").fill("Gifts and secrets: 20 minutes")
    choose(plan.get_by_label("Deck"), r"\(healthy-or-exploitative-copy\)")
    choose(plan.get_by_label("Poll bank"), r"\(core-measures-copy\)")
    field(plan, "minutes").fill("20")
    activities = work.locator(".tk-activities")

    def add(kind):
        activities.get_by_label("Add", exact=True).select_option(label=kind)
        count = activities.get_by_label("Activities").locator("option").count()
        activities.get_by_role("button", name="Add activity").click()
        expect(activities.get_by_label("Activities").locator("option")).to_have_count(count + 1, timeout=CHECKED)

    add("Slide")
    expect(field(activities, "id")).to_have_value("slide-1", timeout=CHECKED)
    field(activities, "id").fill("what-is-exploitation")
    field(activities, "title").fill("What is exploitation?")
    field(activities, "body", "textarea").fill("Someone uses power over a young person to get something.\n"
                                               "It can start with gifts and secrets.\nIt is never the young "
                                               "person's fault.")
    field(activities, "minutes").fill("4")
    add("Card (class vote)")
    expect(activities.locator(".tk-field-card")).to_be_visible(timeout=CHECKED)
    choose(activities.get_by_label("Card", exact=True), "^Jess, 15")
    field(activities, "minutes").fill("5")
    add("Poll question")
    expect(activities.locator(".tk-field-question")).to_be_visible(timeout=CHECKED)
    choose(activities.get_by_label("Question", exact=True), "^A gift that must be kept secret")
    field(activities, "minutes").fill("2")
    add("Self-paced sort")
    expect(activities.locator(".tk-field-cards")).to_be_visible(timeout=CHECKED)
    expect(activities.locator(".tk-total")).to_contain_text("19 of 20 minutes", timeout=CHECKED)
    field(activities, "minutes").fill("10")
    # Over time: said beside the plan's minutes and in the running total, without blocking.
    expect(activities.locator(".tk-total")).to_contain_text("over the plan's time", timeout=CHECKED)
    expect(work.locator(".tk-top-fields .tk-field-minutes .tk-advice")).to_contain_text("more than the plan's 20")
    shot(page, artifacts, "4-plan-over-time")
    activities.get_by_role("button", name="Remove").click()
    expect(activities.get_by_label("Activities").locator("option")).to_have_count(3, timeout=CHECKED)
    add("Where to get help")
    expect(field(activities, "title")).to_have_value("Where to get help", timeout=CHECKED)
    field(activities, "minutes").fill("2")
    expect(activities.locator(".tk-total")).to_contain_text("13 of 20 minutes", timeout=CHECKED)
    expect(page.locator(".tk-ok")).to_contain_text("toolkit check would pass", timeout=CHECKED)
    expect(page.locator(".tk-screens li")).to_have_count(4, timeout=CHECKED)
    choose(page.get_by_label("Screen"), "^4\\.")
    expect(phone.locator("h1")).to_have_text("Where to get help", timeout=CHECKED)
    expect(phone.locator(".slide")).to_contain_text("Childline")
    shot(page, artifacts, "5-plan")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".tk-status")).to_contain_text("Saved to", timeout=CHECKED)
    plan_file = served.own / "plans" / "my-plan.yaml"
    assert errors == []

    # toolkit check passes the three files the editor wrote.
    result = CliRunner().invoke(main, ["check", str(deck_file), str(polls_file), str(plan_file)],
                                env={"TOOLKIT_OWN_CONTENT": str(served.own)})
    assert result.exit_code == 0, result.output
    assert result.output.count(": OK") == 3
    assert "  - kind: card\n    card: jess-phone\n    minutes: 5\n" in plan_file.read_text()

    # The console lists the plan and starts a session of it; a phone answers the new card.
    console = browser.new_page(viewport=DESK)
    console.goto(served.lines["Facilitator dashboard"], timeout=KERNEL_START)
    start = console.get_by_role("button", name="Start session")
    start.wait_for(timeout=KERNEL_START)
    expect(console.get_by_role("link", name="Write or adapt a plan")).to_have_attribute("href", "content.ipynb")
    choose(console.get_by_label("Plan"), "Gifts and secrets")
    console.screenshot(path=str(artifacts / "editor-console-start.png"))
    start.click()
    code_box = console.locator(".tk-code")
    expect(code_box).to_be_visible(timeout=CHECKED)
    code = code_box.inner_text().replace("-", "").strip()
    store = Store(served.db_url)
    session = store.find_session(code)
    assert session.title == "Gifts and secrets: 20 minutes"
    advance_to(session, "card-jess-phone")
    context = browser.new_context(**PHONE)
    student = context.new_page()
    student.goto(f"{served.lines['Students join at']}?code={code}")
    if student.get_by_role("button", name="Join").is_visible():
        student.get_by_role("button", name="Join").click()
    expect(student.locator("h1")).to_have_text(CARD_TEXT, timeout=CHECKED)
    student.get_by_role("button", name="Exploitative").click()
    expect(student.locator(".status")).to_contain_text("Answer received", timeout=CHECKED)
    answers = store.responses(code=code)
    assert list(answers["item_id"]) == ["jess-phone"] and list(answers["value"]) == ["exploitative"]
    student.screenshot(path=str(artifacts / "editor-6-phone-answers-new-card.png"))
    context.close()
    store.close()
    console.close()
    page.close()


def test_a_shared_plan_is_imported_whole_or_refused_whole_and_can_be_deleted(served, browser, artifacts, tmp_path):
    page = browser.new_page(viewport=DESK)
    page.goto(served.lines["Content editor"], timeout=KERNEL_START)
    page.locator(".tk-file").first.wait_for(timeout=KERNEL_START)
    top = page.locator(".tk-top")

    def upload(name, text):
        path = tmp_path / name
        path.write_text(text)
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name=re.compile("Import a shared plan")).click()
        chooser.value.set_files(str(path))

    upload("broken.share.yaml", "kind: plan\nid: club-plan\ntitle: Club\ndeck: no-such-deck\nactivities:\n"
                                "  - kind: card\n    card: nobody\n")
    expect(top.locator(".tk-problems")).to_contain_text("was not imported", timeout=CHECKED)
    expect(top.locator(".tk-problems")).to_contain_text("no deck with id 'no-such-deck'")
    shot(page, artifacts, "7-import-refused")
    assert not (served.own / "plans" / "club-plan.yaml").exists()

    plan = yaml.safe_load((ROOT / "sessions" / "plans" / "short-25.yaml").read_text())
    plan.update(id="club-plan", title="Club plan")
    _, text = export_plan(plan)
    upload("club-plan.share.yaml", text)
    expect(top.locator(".tk-ok")).to_contain_text("Imported: club-plan.yaml", timeout=CHECKED)
    expect(page.locator(".tk-file", has_text="Club plan")).to_be_visible()
    # The button reads as before, without the count of files chosen ipywidgets puts after it.
    page.wait_for_function("() => { const e = document.querySelector('.tk-import');"
                           " return e && getComputedStyle(e).fontSize === '0px'"
                           " && getComputedStyle(e, '::before').content === '\"Import a shared plan…\"'; }",
                           timeout=CHECKED)
    upload("club-plan.share.yaml", text.replace("title: Club plan", "title: Club plan, revised"))
    expect(top.locator(".tk-problems")).to_contain_text("plan 'club-plan'", timeout=CHECKED)
    assert load_file(served.own / "plans" / "club-plan.yaml").title == "Club plan"
    page.get_by_role("button", name="Replace my files").click()
    expect(top.locator(".tk-ok")).to_contain_text("Imported: club-plan.yaml", timeout=CHECKED)
    assert load_file(served.own / "plans" / "club-plan.yaml").title == "Club plan, revised"

    # The facilitator changes their mind: the imported plan is deleted, after asking.
    page.locator(".tk-file", has_text="Club plan, revised").click()
    work = page.locator(".tk-work")
    expect(work).to_contain_text("Club plan, revised", timeout=CHECKED)
    work.get_by_role("button", name="Delete", exact=True).click()
    expect(work.locator(".tk-status")).to_contain_text("Delete club-plan.yaml?", timeout=CHECKED)
    shot(page, artifacts, "8-delete-asked")
    assert (served.own / "plans" / "club-plan.yaml").exists()
    work.get_by_role("button", name="Delete the file").click()
    expect(work.locator(".tk-status")).to_contain_text("Deleted club-plan.yaml", timeout=CHECKED)
    expect(page.locator(".tk-file", has_text="Club plan")).to_have_count(0)
    shot(page, artifacts, "9-deleted")
    assert not (served.own / "plans" / "club-plan.yaml").exists()
    page.close()
