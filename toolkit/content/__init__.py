"""Decks, poll banks, session plans and help files: loaded from YAML and validated.

``load_file(path)`` reads any content file; ``Library`` finds files by id;
``check_files(paths)`` reports every problem in a set of files, resolving a plan's deck
and poll bank among the files given and the library; ``resolve_plan`` turns a plan into
the ``Programme`` a session runs.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ContentError, Problem
from .loader import parse, read_yaml
from .library import Examined, Library, check_files, examine, expand, load_file, resolve_plan
from .models import Card, Deck, Help, Plan, PollBank, Question, activity_id
from .programme import Programme

__all__ = ["Examined", "examine", "expand", "Library", "check_files", "load_file", "resolve_plan", "Programme",
           "Card", "Deck", "Help", "Plan", "PollBank", "Question", "activity_id", "ContentError", "Problem", "parse",
           "read_yaml", "Path"]
