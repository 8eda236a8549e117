"""One settings table (``toolkit.config.SETTINGS``): the README, the server's Jupyter config
traits and the values the server runs with all follow it."""

import re
from pathlib import Path

import pytest

from support.server import toolkit_server_config
from toolkit import config
from toolkit.server.app import ToolkitApp

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def readme_row(name: str) -> list[str]:
    row = next(line for line in README.splitlines() if line.startswith(f"| `{name}` |"))
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_the_readme_gives_each_setting_its_variable_jupyter_name_and_default(setting):
    name, env, jupyter, default, what = readme_row(setting.name)
    assert env == f"`{setting.env}`"
    assert jupyter == (f"`{setting.jupyter}`" if setting.jupyter else "")
    if setting.default is not None:
        assert default == f"`{setting.default}`"
    assert what


def test_the_server_has_a_config_trait_for_each_setting_it_reads_and_no_other():
    traits = ToolkitApp.class_own_traits(config=True)
    settings = {s.jupyter.split(".", 1)[1]: s for s in config.SETTINGS if s.jupyter}
    assert all(s.jupyter.startswith("ToolkitApp.") for s in settings.values())
    # "announce" and "verify_store" are no settings: they are how toolkit serve asks the
    # server to print its URLs and to read the store through as it starts.
    assert set(traits) == set(settings) | {"announce", "verify_store"}
    for name, setting in settings.items():
        trait = traits[name]
        assert trait.default_value is None, f"{name}: unset must mean 'the environment, else the default'"
        assert setting.env in trait.help and setting.help in trait.help


def test_the_readme_names_each_toolkitapp_option_once():
    options = set(re.findall(r"`ToolkitApp\.(\w+)`", README))
    assert options == {s.jupyter.split(".", 1)[1] for s in config.SETTINGS if s.jupyter}


@pytest.fixture
def jp_server_config(sqlite_url, monkeypatch):
    # One limit from Jupyter's config, one from the environment, one where both are set.
    monkeypatch.setenv("TOOLKIT_WRONG_CODES_PER_MINUTE", "7")
    monkeypatch.setenv("TOOLKIT_QUESTIONS_PER_MINUTE", "9")
    return toolkit_server_config(sqlite_url, answers_per_second=3.0, questions_per_minute=2.0)


def test_jupyter_config_wins_over_the_environment_which_wins_over_the_default(jp_serverapp, sqlite_url):
    (app,) = jp_serverapp.extension_manager.extension_apps["toolkit"]
    context = app.context
    assert context.answer_limit.rate == 3.0  # Jupyter config
    assert context.codes.misses.rate == 7.0  # environment
    assert context.question_limit.rate == 2.0  # Jupyter config over the environment
    assert app.setting("db_url") == sqlite_url and app.store.url == sqlite_url
    assert app.watch_interval == 0.05 and context.watcher.interval == 0.05


def test_a_negative_limit_in_the_jupyter_config_is_refused():
    from traitlets import TraitError
    with pytest.raises(TraitError):
        ToolkitApp(answers_per_second=-1.0)
