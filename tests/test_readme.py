"""The README stays true: its commands are the ones CI runs, its settings the real ones."""

import re
from pathlib import Path

from toolkit import config

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _commands():
    return re.findall(r"```bash\n(.+?)\n```", README)


def test_readme_opens_with_install_and_run_then_install_and_test():
    run, test = _commands()[:2]
    assert run == "pip install -e . && toolkit serve"
    assert test.startswith("pip install -e '.[test]'") and "pytest" in test


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    test = _commands()[1]
    assert test in ci, f"{test!r} is not a line of .ci/run"


def test_every_setting_is_documented():
    for setting in config.SETTINGS:
        row = next((line for line in README.splitlines() if line.startswith(f"| `{setting.name}` |")), None)
        assert row, f"setting {setting.name} is missing from the README's configuration table"
        assert f"`{setting.env}`" in row
        if setting.default is not None:
            assert f"`{setting.default}`" in row


def test_the_public_surfaces_are_documented():
    for name in ["toolkit serve", "toolkit check", "toolkit demo", "toolkit export", "toolkit import", "toolkit report",
                 "Download report",
                 "Facilitator dashboard:", "Trends dashboard:", "Content editor:", "Students join at:", "toolkit/api/openapi.json",
                 "Start session", "Open voting", "Close voting", "Reveal", "Next", "End session",
                 "Presentation mode", "open_store", "start_session", "find_session", "responses"]:
        assert name in README, name
