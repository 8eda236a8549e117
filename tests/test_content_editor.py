"""The content editor in the kernel: the own-content folder, drafts checked by toolkit
check's rules, saving without overwriting, sharing, and the dashboard's widgets driven as a
facilitator would."""

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.content import Library, check_files, load_file, own, resolve_plan
from toolkit.content.advice import plan_advice, reading_grade
from toolkit.content.drafts import check_draft
from toolkit.content.share import export_plan, import_share
from toolkit.errors import Conflict, ContentError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def own_dir(tmp_path, monkeypatch):
    folder = tmp_path / "my-content"
    monkeypatch.setenv("TOOLKIT_OWN_CONTENT", str(folder))
    return folder


def shipped(path: str) -> dict:
    return yaml.safe_load((ROOT / path).read_text())


def test_every_shipped_file_written_by_the_editor_passes_check_unchanged(tmp_path):
    files = sorted((ROOT / "data" / "decks").glob("*.yaml")) + sorted((ROOT / "data" / "polls").glob("*.yaml")) \
        + sorted((ROOT / "sessions" / "plans").glob("*.yaml"))
    written = []
    for path in files:
        out = tmp_path / path.name
        out.write_text(own.dump(yaml.safe_load(path.read_text())))
        written.append(out)
        assert load_file(out) == load_file(path), path.name
    assert all(problems == [] for problems in check_files(written).values())
    text = (tmp_path / "healthy-or-exploitative.yaml").read_text()
    assert text.startswith("kind: deck\nid: healthy-or-exploitative\ntitle: ")
    assert "  signs: [age_power_gap, something_in_return" in text or "signs: [" in text


def test_a_draft_card_shows_each_problem_on_its_field_with_the_rules_of_check():
    deck = shipped("data/decks/healthy-or-exploitative.yaml")
    deck["id"] = "mine"
    card = deck["cards"][2]
    del card["expected"]
    card["prompts"] = ["Why didn't Maya tell anyone?"]
    card["model"] = "nonsense"
    checked = check_draft(deck, "mine.yaml")
    fields = checked.by_field(("cards", 2))
    assert fields["expected"] == ["is required but missing"]
    assert "unknown model 'nonsense'" in fields["model"][0]
    assert "asks why the young person did not act" in fields["prompts"][0]
    assert not checked.ok and checked.by_field(("cards", 3)) == {}
    # A shipped deck's id cannot be claimed by a second file.
    deck["id"] = "healthy-or-exploitative"
    assert "already used by" in check_draft(deck, "mine.yaml").by_field(())["id"][0]


def test_advice_reading_level_card_before_definition_and_time():
    assert reading_grade("Sam is 14. He gets lifts from a man. The man asks for a favour back.") < 7
    assert reading_grade("Notwithstanding considerable organisational complexity, exploitation "
                         "frequently incorporates manipulative psychological interdependencies between individuals.") > 7
    plan = shipped("sessions/plans/short-25.yaml")
    assert plan_advice(plan) == []
    plan["minutes"] = 10
    acts = plan["activities"]
    first_card = next(i for i, a in enumerate(acts) if a["kind"] == "card")
    acts.insert(0, acts.pop(first_card))
    advice = dict(plan_advice(plan))
    assert "before the slide that says what exploitation is" in advice[("activities", 0)]
    assert "more than the plan's 10" in advice[("minutes",)]


def test_saving_never_overwrites_a_file_changed_since_it_was_opened(own_dir):
    path = own.path_for("deck", "mine")
    first = own.save("kind: deck\n", path, None)
    with pytest.raises(Conflict, match="already exists"):
        own.save("kind: deck\n", path, None)
    path.write_text("kind: deck\n# changed in another editor\n")
    with pytest.raises(Conflict, match="changed on disk"):
        own.save("kind: deck\nid: mine\n", path, first)
    assert path.read_text().endswith("# changed in another editor\n")
    with pytest.raises(Conflict, match="shipped"):
        own.save("x", ROOT / "data" / "decks" / "online-safety.yaml", own.digest(ROOT / "data/decks/online-safety.yaml"))


def test_own_files_join_the_library_and_toolkit_check(own_dir):
    plan = shipped("sessions/plans/short-25.yaml")
    plan.update(id="my-short", title="My short lesson")
    own.save(own.dump(plan), own.path_for("plan", "my-short"), None)
    assert "my-short" in [p.id for p in Library().plans()]
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert f"{own_dir / 'plans' / 'my-short.yaml'}: OK" in result.output
    assert "healthy-or-exploitative.yaml: OK" in result.output


def test_a_shared_plan_imports_whole_or_not_at_all(own_dir):
    deck = shipped("data/decks/online-safety.yaml")
    deck.update(id="club-deck", title="Club deck")
    plan = shipped("sessions/plans/online-safety-30.yaml")
    plan.update(id="club-plan", title="Club plan", deck="club-deck")
    library = Library().with_files([load_file(_write(own_dir.parent / "d.yaml", deck))])
    name, text = export_plan(plan, library)
    assert name == "club-plan.share.yaml" and text.count("\n---\n") == 2

    broken = text.replace("title: Club deck", "title: ''")
    with pytest.raises(ContentError, match="title"):
        import_share(broken.encode(), name)
    assert not own_dir.exists() or own.own_files() == []

    done = import_share(text.encode(), name)
    assert sorted(p.name for p in done.written) == ["club-deck.yaml", "club-plan.yaml"]
    assert "polls 'core-measures'" in done.same
    assert resolve_plan("club-plan").title == "Club plan"
    again = import_share(text.replace("Club plan", "Club plan, longer").encode(), name)
    assert again.written == [] and [t[1] for t in again.taken] == ["club-plan"]
    assert load_file(own.path_for("plan", "club-plan")).title == "Club plan"
    replaced = import_share(text.replace("Club plan", "Club plan, longer").encode(), name, replace=True)
    assert own.path_for("plan", "club-plan") in replaced.written
    assert load_file(own.path_for("plan", "club-plan")).title == "Club plan, longer"


def _write(path: Path, data: dict) -> Path:
    path.write_text(own.dump(data))
    return path


def test_duplicate_edit_fix_save_in_the_editor_and_the_console_lists_the_plan(own_dir, sqlite_url):
    from toolkit.dashboards.console.start import StartPanel
    from toolkit.dashboards.editor import EditorDashboard
    from toolkit.store import Store

    store = Store(sqlite_url)
    console = StartPanel(store, Library(), lambda *a: None, lambda *a: None)
    editor = EditorDashboard()
    editor.open(editor.find("deck", "healthy-or-exploitative"))
    assert editor.save_button.layout.display == "none"  # shipped: read-only
    assert all(f.control.disabled for f in editor.deck_editor.form.fields.values())
    editor.duplicate()
    form = editor.deck_editor.form
    assert editor.doc.data["id"] == "healthy-or-exploitative-copy" and not form.fields["text"].control.disabled
    form.fields["expected"].control.value = ""
    assert "is required but missing" in form.fields["expected"].message.value
    assert not editor.save() and "Not saved" in editor.status.value
    assert not (own_dir / "decks").exists()
    form.fields["expected"].control.value = "warning"
    form.fields["text"].control.value = "Maya, 14, and Sami, 14, are going out. Sami checks Maya's phone every day."
    assert form.fields["expected"].message.value == ""
    assert editor.save(), editor.status.value
    saved = own_dir / "decks" / "healthy-or-exploitative-copy.yaml"
    assert load_file(saved).cards[0].expected == "warning"

    # A plan on the copied deck, composed with fields: 20 minutes of shipped and new content.
    editor.new("plan")
    plan = editor.plan_editor
    plan.top.fields["title"].control.value = "Twenty minutes"
    plan.top.fields["deck"].control.value = "healthy-or-exploitative-copy"
    plan.top.fields["polls"].control.value = "core-measures"
    plan.top.fields["minutes"].control.value = 20
    acts = plan.activities
    acts.add("slide")
    acts.form.fields["id"].control.value = "what-is-exploitation"
    acts.form.fields["title"].control.value = "What is exploitation?"
    acts.form.fields["body"].control.value = "Someone uses power over a young person.\nIt is never their fault."
    acts.add("card")
    acts.add("poll")
    acts.add("help")
    assert "of 20 minutes" in acts.total.value and "to spare" in acts.total.value
    acts.add("sort")
    acts.form.fields["minutes"].control.value = 20
    assert "over the plan's time" in acts.total.value
    assert "more than the plan&#x27;s 20" in plan.top.fields["minutes"].message.value
    acts.delete()
    assert editor.checked.ok, editor.summary.value
    assert editor.save(), editor.status.value
    assert check_files([own_dir / "plans" / "my-plan.yaml"]) == {str(own_dir / "plans" / "my-plan.yaml"): []}
    console.refresh_resume()
    assert "my-plan" in dict(console.plan.options).values()
    assert "screen by screen" in editor.preview.screens.value


def test_a_file_changed_on_disk_is_not_overwritten_and_can_be_saved_as_a_copy(own_dir):
    from toolkit.dashboards.editor import EditorDashboard
    polls = shipped("data/polls/core-measures.yaml")
    polls.update(id="my-polls", title="My polls")
    path = own.path_for("polls", "my-polls")
    own.save(own.dump(polls), path, None)
    editor = EditorDashboard()
    editor.open(editor.find("polls", "my-polls"))
    path.write_text(path.read_text().replace("My polls", "Changed elsewhere"))
    editor.polls_editor.form.fields["text"].control.value = "How sure are you that you could spot the signs?"
    assert not editor.save() and "changed on disk" in editor.status.value
    assert "Changed elsewhere" in path.read_text()
    assert editor.save_copy(), editor.status.value
    assert load_file(own.path_for("polls", "my-polls-copy")).questions[0].text.startswith("How sure")


def test_search_by_text_model_sign_and_age_band():
    from toolkit.content.catalogue import entries, search
    found = entries()
    by_model = {e.ident: hits for e, hits in search(found, model="online")}
    assert by_model and all(e == "deck" for e in {x.kind for x, _ in search(found, model="online")})
    deck = next(e for e in found if e.ident == "online-safety")
    assert [deck.items()[i]["model"] for i in by_model["online-safety"]] == ["online"] * len(by_model["online-safety"])
    young = search(found, sign="secrecy", age="11-13")
    assert young and all("11-13" in e.items()[i]["ages"] and "secrecy" in e.items()[i]["signs"]
                         for e, hits in young for i in hits)
    assert {e.ident for e, _ in search(found, kind="plan", age="17-18")} == {"college-17-18"} | {
        e.ident for e in found if e.kind == "plan" and e.data.get("audience") is None}
    assert [e.ident for e, _ in search(found, text="county lines")][0] == "criminal-exploitation"
    assert search(found, text="no card says this, ever") == []


def test_the_editor_marks_hard_reading_beside_the_scenario_and_previews_the_card(own_dir):
    from toolkit.dashboards.editor import EditorDashboard
    editor = EditorDashboard()
    editor.new("deck")
    form = editor.deck_editor.form
    form.fields["text"].control.value = ("Notwithstanding considerable organisational complexity, exploitation frequently "
                                         "incorporates manipulative psychological interdependencies.")
    assert "reads at about grade" in form.fields["text"].message.value
    assert "tk-advised" in form.fields["text"].widget._dom_classes
    assert "once this card has no problems" in editor.preview.phone.value
    for name, value in (("character", "Ola"), ("age", 13), ("expected", "healthy"),
                        ("text", "Ola, 13, and Remi, 13, walk home from school together."),
                        ("note", "Same age, out in the open: nothing is owed."),
                        ("prompts", "What makes this friendship feel safe?")):
        form.fields[name].control.value = value
    editor.deck_editor.top.fields["title"].control.value = "My deck"
    assert editor.checked.ok, editor.summary.value
    assert "srcdoc=" in editor.preview.phone.value and "walk home from school together" in editor.preview.phone.value


def test_the_content_notebook_is_thin_and_committed_clean():
    import json
    notebook = json.loads((ROOT / "notebooks" / "content.ipynb").read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert len(code) == 1 and code[0]["outputs"] == [] and code[0]["execution_count"] is None
    assert "from toolkit.dashboards.editor import show" in "".join(code[0]["source"])


def test_a_card_before_the_definition_slide_is_pointed_out_until_the_slide_moves_up(own_dir):
    from toolkit.dashboards.editor import EditorDashboard
    editor = EditorDashboard()
    editor.new("plan")
    acts = editor.plan_editor.activities
    acts.add("card")
    acts.add("slide")
    acts.form.fields["id"].control.value = "what-is-exploitation"
    assert "Activity 1 comes before the slide that says what exploitation is" in acts.messages.value
    acts.move(-1)
    assert acts.messages.value == "" and [a["kind"] for a in acts.items] == ["slide", "card"]


def test_an_own_file_is_deleted_after_asking_unless_a_plan_uses_it_or_it_changed(own_dir):
    from toolkit.dashboards.editor import EditorDashboard
    deck = shipped("data/decks/healthy-or-exploitative.yaml")
    deck.update(id="my-deck", title="My deck")
    deck_path = own.path_for("deck", "my-deck")
    own.save(own.dump(deck), deck_path, None)
    plan = shipped("sessions/plans/short-25.yaml")
    plan.update(id="my-plan", title="My plan", deck="my-deck")
    plan_path = own.path_for("plan", "my-plan")
    own.save(own.dump(plan), plan_path, None)
    editor = EditorDashboard()

    editor.open(editor.find("deck", "healthy-or-exploitative"))  # shipped: nothing to delete
    assert editor.delete_button.layout.display == "none"
    editor.ask_delete()
    assert not editor.delete() and editor.delete_choice.layout.display == "none"

    editor.open(editor.find("deck", "my-deck"))  # a plan still names it: not offered
    assert editor.delete_button.layout.display != "none"
    editor.ask_delete()
    assert "Not deleted" in editor.status.value and "my-plan.yaml uses this file" in editor.status.value
    assert editor.delete_choice.layout.display == "none" and not editor.delete() and deck_path.exists()

    editor.open(editor.find("plan", "my-plan"))  # asked, kept
    editor.ask_delete()
    assert "Delete my-plan.yaml?" in editor.status.value and editor.delete_choice.layout.display != "none"
    editor.keep()
    assert plan_path.exists() and editor.status.value == ""

    plan_path.write_text(plan_path.read_text().replace("My plan", "Changed elsewhere"))  # changed on disk
    editor.ask_delete()
    assert not editor.delete() and "changed on disk" in editor.status.value and plan_path.exists()

    editor.reload()
    editor.ask_delete()
    assert editor.delete(), editor.status.value
    assert not plan_path.exists() and "Deleted my-plan.yaml" in editor.status.value
    assert editor.doc is None and editor.actions.layout.display == "none"
    assert ("plan", "my-plan") not in {(e.kind, e.ident) for e in editor.entries}

    editor.open(editor.find("deck", "my-deck"))  # no plan names it now
    editor.ask_delete()
    assert editor.delete() and not deck_path.exists()
    assert load_file(ROOT / "data/decks/healthy-or-exploitative.yaml")  # shipped files untouched
