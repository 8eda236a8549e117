"""Simulated past sessions, so the trends dashboard has something to show.

``simulate(store, sessions=N)`` writes N ended sessions spread over the past twelve
months: fictional schools and youth clubs, their groups, age bands, settings and
facilitators, running the shipped plans (or the plans given). Answers follow a few
plausible patterns: grey cards split the class, some exploitative cards are taken for
healthy (more often early in the year, before facilitators sharpened their framing),
younger groups say "not sure" more, and students know more at the end-point than at
the baseline. Nothing here describes a real person or place.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from . import config
from .content import Library, Programme, resolve_plan
from .content.vocab import CARD_KINDS
from .errors import Conflict
from .store.codes import ALPHABET, LENGTH

# Sessions written per transaction: few enough that a failure loses little, many enough
# that commits do not dominate.
BATCH = 25


@dataclass(frozen=True)
class Organisation:
    name: str
    setting: str
    groups: tuple[tuple[str, str], ...]  # (group label, age band)
    facilitators: tuple[str, ...]
    sizes: tuple[int, int]
    weight: float


ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation("Northfield Academy", "School classroom",
                 (("Year 8 Maple", "11-13"), ("Year 9 Oak", "14-16"), ("Year 10 Ash", "14-16"),
                  ("Year 11 Birch", "14-16")), ("Sam Patel", "Jo Morgan"), (22, 32), 3.0),
    Organisation("St Aidan's High School", "School classroom",
                 (("Year 7 Kestrel", "11-13"), ("Year 9 Heron", "14-16"), ("Year 10 Swift", "14-16")),
                 ("Alex Reid",), (18, 30), 2.0),
    Organisation("Hillcrest College", "College tutorial",
                 (("Health and Social Care L3", "17-18"), ("Public Services L2", "17-18")),
                 ("Priya Shah",), (12, 24), 1.0),
    Organisation("Riverside Youth Club", "Youth club",
                 (("Tuesday juniors", "11-13"), ("Thursday seniors", "14-16")), ("Chris Evans", "Jo Morgan"),
                 (8, 16), 1.5),
    Organisation("Eastgate Community Hub", "Youth club",
                 (("Girls' group", "14-16"), ("Detached outreach", "14-16")), ("Dee Okafor",), (8, 14), 1.0),
    Organisation("Meadowbank Learning Centre", "Alternative provision",
                 (("Key Stage 3", "11-13"), ("Key Stage 4", "14-16")), ("Alex Reid", "Dee Okafor"), (8, 12), 0.8),
)

# Exploitative cards a class most often takes for healthy: a "boyfriend" or a kind older
# friend looks like romance or generosity until the signs have been talked through.
TRICKY = {"jade-older-boyfriend": 0.34, "priya-prove-it": 0.22, "jordan-stays-over": 0.26,
          "ivy-modelling-offer": 0.3, "tyler-bed-for-the-night": 0.2, "aisha-flat-parties": 0.18,
          "leo-game-codes": 0.24, "chloe-lift-home": 0.22}
# Healthy cards with friction in them (an argument, saying no) that some call warning signs.
FRICTION = {"dev-and-keira-disagree": 0.3, "leah-says-no": 0.15, "ade-youth-worker": 0.18,
            "nadia-no-pictures": 0.12}

QUESTIONS = (
    "Is it still exploitation if the young person said yes?",
    "Can boys be exploited too?",
    "What should you do if a friend tells you something worrying?",
    "How can you tell if someone online is who they say they are?",
    "Can you get in trouble for telling a teacher?",
    "What if the older person is really nice?",
    "Is it ok to block someone who keeps messaging?",
    "Why would someone give you free stuff?",
)


@dataclass
class DemoResult:
    sessions: int
    responses: int
    questions: int


def shipped_programmes(library: Library | None = None) -> list[Programme]:
    """The plans in the library (the shipped ones by default), resolved and ready to run."""
    library = library or Library()
    programmes = []
    for plan in library.plans():
        programmes.append(resolve_plan(plan, library))
    if not programmes:
        raise Conflict("no session plans found to simulate: pass --plan FILE")
    return programmes


def programmes_for(plans) -> list[Programme]:
    """Resolve plans named on the command line: ids from the library, or plan files. A
    plan file's deck and poll bank are looked for beside it first (``../decks``,
    ``../polls``, ``../help``, the layout of a content folder), then in the library."""
    programmes = []
    for plan in plans:
        path = Path(plan)
        library = Library()
        if path.suffix in (".yaml", ".yml") or path.exists():
            root = path.resolve().parent.parent
            near = {"deck": [root / "decks"], "polls": [root / "polls"], "plan": [path.resolve().parent],
                    "help": [root / "help"]}
            library = Library({kind: near.get(kind, []) + dirs for kind, dirs in config.content_dirs().items()})
        programmes.append(resolve_plan(plan, library))
    return programmes


def simulate(store, sessions: int = 120, programmes: list[Programme] | None = None, seed: int | None = None,
             now: datetime | None = None, append: bool = False, progress=None) -> DemoResult:
    """Write ``sessions`` simulated ended sessions into ``store``; returns what was written.

    Refuses (Conflict) when the store already holds sessions, unless ``append``: demo
    answers mixed into real ones could not be told apart. ``progress(n)`` is called
    after each batch with the number of sessions just written.
    """
    refuse_mixing(store, append)
    programmes = programmes or shipped_programmes()
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    snapshot_ids = store.save_snapshots(programmes)
    result = DemoResult(0, 0, 0)
    weights = np.array([o.weight for o in ORGANISATIONS])
    pending: list[tuple[dict, list, list]] = []
    for index in range(sessions):
        org = ORGANISATIONS[rng.choice(len(ORGANISATIONS), p=weights / weights.sum())]
        group, band = org.groups[rng.integers(len(org.groups))]
        prog_index = _plan_for(programmes, band, org.setting, rng)
        pending.append(_session(programmes[prog_index], snapshot_ids[prog_index], org, group, band,
                                _when(now, org, rng), now, rng, pick))
        if len(pending) == BATCH or index == sessions - 1:
            _flush(store, pending, result)
            if progress:
                progress(len(pending))
            pending = []
    store.count_demo_sessions(result.sessions)
    return result


def refuse_mixing(store, append: bool = False) -> None:
    """Raise Conflict when ``store`` already holds sessions (unless ``append``)."""
    existing = store.session_count()
    if existing and not append:
        raise Conflict(f"the store at {store!r} already holds {existing} session(s); simulated sessions would "
                       "mix with them. Use an empty --db, or --append to add them anyway.")


def demo_sessions(store) -> int:
    """How many simulated sessions the store holds (0 for a store of real sessions)."""
    return store.demo_sessions()


def _flush(store, pending, result: DemoResult) -> None:
    store.write_sessions([p[0] for p in pending], [r for p in pending for r in p[1]],
                         [q for p in pending for q in p[2]])
    result.sessions += len(pending)
    result.responses += sum(len(p[1]) for p in pending)
    result.questions += sum(len(p[2]) for p in pending)


def _plan_for(programmes: list[Programme], band: str, setting: str, rng) -> int:
    """A plan suiting the group: its audience and, for youth clubs, a plan made for them."""
    scores = []
    for prog in programmes:
        score = 1.0
        audience = prog.plan.get("audience")
        if audience == band:
            score += 3
        if "youth" in prog.plan["id"]:
            score = score + 4 if setting == "Youth club" else 0.02  # a club's plan, rarely used elsewhere
        scores.append(score)
    p = np.array(scores) / sum(scores)
    return int(rng.choice(len(programmes), p=p))


def _when(now: datetime, org: Organisation, rng) -> datetime:
    """A plausible start within the past year: school hours on term-time weekdays,
    evenings for youth clubs."""
    for _ in range(100):
        day = now - timedelta(days=float(rng.uniform(1, 365)))
        if day.weekday() >= 5:
            continue
        if org.setting != "Youth club" and day.month == 8:
            continue  # summer holidays
        hour = int(rng.integers(18, 20)) if org.setting == "Youth club" else int(rng.integers(9, 15))
        return day.replace(hour=hour, minute=int(rng.choice([0, 10, 15, 30, 40, 45])), second=0, microsecond=0)
    return now - timedelta(days=30)


def _session(prog: Programme, snapshot_id: str, org: Organisation, group: str, band: str, start: datetime,
             now: datetime, rng, pick: random.Random) -> tuple[dict, list, list]:
    size = int(rng.integers(org.sizes[0], org.sizes[1] + 1))
    session_id = uuid.UUID(int=pick.getrandbits(128), version=4).hex
    # How far through the year (0 = a year ago): framing improves, fewer tricky misreads.
    progress_in_year = 1 - min(max((now - start).days / 365, 0), 1)
    cohort = {"skill": float(rng.normal(0, 0.35)), "year": progress_in_year,
              "young": band == "11-13", "older": band == "17-18"}
    students = _students(size, rng)
    # Some sessions run short of time: only part of the class finishes the self-paced sort.
    rushed = rng.random() < 0.12
    rows: list[dict] = []
    minute = 0.0
    for activity in prog.activities:
        at = start + timedelta(minutes=2 + minute)
        minute += float(activity.minutes)
        if not activity.votes:
            continue
        present = [s for s in students if s["arrive"] <= activity.index < s["leave"] and rng.random() > 0.03]
        if rushed and activity.kind == "sort":
            present = [s for s in present if rng.random() < 0.4]
        for item in activity.items:
            values = _answers(prog, activity, item, present, cohort, rng)
            for student, value in zip(present, values):
                if value is None:
                    continue
                stamp = at + timedelta(seconds=float(rng.uniform(5, 50 * activity.minutes)))
                rows.append({"session_id": session_id, "activity_id": activity.id, "item_id": item,
                             "phase": activity.phase, "respondent": student["number"], "value": value,
                             "created_at": stamp, "updated_at": stamp})
    end = start + timedelta(minutes=2 + minute + float(rng.uniform(0, 4)))
    labels_version = 1 + 3 * sum(a.votes for a in prog.activities) + len(prog.activities)
    session = {"id": session_id, "code": "".join(pick.choice(ALPHABET) for _ in range(LENGTH)),
               "title": prog.title, "plan_id": prog.plan["id"], "deck_id": prog.deck["id"],
               "snapshot_id": snapshot_id, "organisation": org.name, "group_label": group, "age_band": band,
               "setting": org.setting, "facilitator": org.facilitators[int(rng.integers(len(org.facilitators)))],
               "status": "ended", "current_index": len(prog.activities), "voting_open": False, "revealed": False,
               "version": labels_version, "respondents": size, "created_at": start,
               "started_at": start + timedelta(minutes=2), "ended_at": end, "updated_at": end}
    questions = []
    if prog.settings.get("questions_box") and rng.random() < 0.45:
        for text in pick.sample(QUESTIONS, int(rng.integers(1, 4))):
            stamp = start + timedelta(minutes=float(rng.uniform(5, minute)))
            questions.append({"session_id": session_id, "text": text, "status": "approved", "flagged": False,
                              "created_at": stamp, "updated_at": stamp})
    return session, rows, questions


def _students(size: int, rng) -> list[dict]:
    """The class: each with a knack for spotting signs, and a few arriving late or leaving early."""
    students = []
    for number in range(1, size + 1):
        arrive = 0 if rng.random() > 0.05 else 3  # missed the first polls
        leave = 10_000 if rng.random() > 0.05 else 12  # left before the end-point polls
        students.append({"number": number, "knack": float(rng.normal(0, 0.5)), "arrive": arrive, "leave": leave,
                         "base": None})
    return students


def _answers(prog: Programme, activity, item: str, present: list[dict], cohort: dict, rng) -> list:
    if activity.kind in CARD_KINDS:
        card = prog.card(item)
        options = [c["id"] for c in prog.categories()]
        return [_card_answer(card, options, s, cohort, activity.kind, rng) for s in present]
    question = prog.question(item)
    return [_poll_answer(question, activity.phase, s, cohort, rng) for s in present]


def _card_answer(card: dict, options: list[str], student: dict, cohort: dict, kind: str, rng) -> str:
    expected = card["expected"]
    skill = cohort["skill"] + student["knack"] + (0.25 if kind == "sort" else 0) + (0.2 if cohort["older"] else 0)
    weights = dict.fromkeys(options, 0.02)
    if expected == "healthy":
        friction = FRICTION.get(card["id"], 0.06)
        weights.update(healthy=0.86 - friction, warning=friction, exploitative=0.02)
    elif expected == "warning":
        # Grey cards: the class splits between "warning signs" and "exploitative".
        weights.update(warning=0.5, exploitative=0.28, healthy=0.12)
    else:
        tricky = TRICKY.get(card["id"], 0.05) * (1.6 - 1.1 * cohort["year"])
        weights.update(exploitative=0.8 - tricky, warning=0.14, healthy=tricky)
    if expected in weights:
        weights[expected] *= float(np.exp(0.9 * skill))
    if "not_sure" in weights:
        weights["not_sure"] = 0.05 + (0.07 if cohort["young"] else 0) + (0.05 if skill < -0.5 else 0)
    p = np.array([max(weights.get(o, 0.0), 0.0) for o in options])
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def _poll_answer(question: dict, phase: str | None, student: dict, cohort: dict, rng):
    kind = question["type"]
    learned = phase == "endpoint"
    skill = cohort["skill"] + student["knack"]
    key = ("poll", question["id"])
    if kind == "scale":
        scale = question.get("scale") or {"min": 1, "max": 5}
        lo, hi = scale["min"], scale["max"]
        if learned and student.get(key) is not None:
            value = student[key] + rng.normal(0.9, 0.7)
        else:
            value = rng.normal(lo + 0.42 * (hi - lo) + 0.4 * skill + (0.9 if learned else 0), 0.9)
        value = int(np.clip(round(value), lo, hi))
        if not learned:
            student[key] = value
        return str(value)
    if kind == "single":
        options = [o["id"] for o in question["options"]]
        answer = question.get("answer")
        if answer is None:
            return options[int(rng.integers(len(options)))]
        was_right = student.get(key)
        if learned and was_right is not None:
            right = was_right or rng.random() < 0.6
        else:
            right = rng.random() < 1 / (1 + np.exp(-(0.25 + skill + (1.2 if learned else 0))))
        if not learned:
            student[key] = right
        if right:
            return answer
        wrong = [o for o in options if o != answer]
        return wrong[0] if rng.random() < 0.65 or len(wrong) == 1 else wrong[1]
    if kind == "multiple":
        options = [o["id"] for o in question["options"]]
        answer = set(question.get("answer") or [])
        lift = 0.14 if learned else 0.0
        chosen = [o for o in options
                  if rng.random() < ((0.74 + lift + 0.08 * skill) if o in answer else (0.06 - lift / 5))]
        return ",".join(chosen or [options[0]])
    return None  # free text only goes to the questions box
