"""A small content library (tests/fixtures/content) the core tests run against."""

from pathlib import Path

import pytest

from toolkit.content import Library, resolve_plan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "content"


def fixture_dirs(root: Path = FIXTURES) -> dict:
    return {"deck": [root / "decks"], "polls": [root / "polls"], "plan": [root / "plans"], "help": [root / "help"]}


@pytest.fixture
def library() -> Library:
    return Library(fixture_dirs())


@pytest.fixture
def programme(library):
    """The mini plan: slide, baseline polls, two cards, a multiple-choice poll, a sort, end-point polls."""
    return resolve_plan("mini-plan", library)
