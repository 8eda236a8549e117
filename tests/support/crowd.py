"""A class of phones in another process: answering whatever is on screen while voting is open.

Run with multiprocessing (spawn) so each worker has its own interpreter, engine and
connections, as separate server processes would. Everything a worker was told was
recorded comes back, so the test can look for each answer in the database.
"""

from __future__ import annotations

import random
import threading
import traceback
from dataclasses import dataclass


@dataclass
class Plan:
    """What one worker does: answer ``target`` times for ``tokens`` (at random, or in order)."""

    url: str
    code: str
    worker: int
    target: int
    tokens: list[str]
    in_order: bool = False
    # Above 1: answers go in groups of this many at once through the server's write path
    # (``Store.queue_response``, group commit), each group awaited before the next.
    group: int = 1


@dataclass
class Signals:
    """Shared between the driver and the workers (all from one multiprocessing context).

    ``voting`` is set while the facilitator has voting open; answers sent just as it
    closes are the point of the exercise. ``progress`` and ``finished`` count answers
    acknowledged and workers done, under ``progressed``, so the driver waits on a
    condition rather than sleeping. ``start`` lines the workers up before they begin.
    """

    voting: object
    progress: object
    finished: object
    progressed: object
    results: object
    start: object


def answer_while_open(plan: Plan, signals: Signals) -> None:
    """Answer until ``plan.target`` answers were acknowledged; put a report on ``results``."""
    acks, refused, errors = [], 0, []
    try:
        from toolkit.errors import Conflict
        from toolkit.store import Store

        store = Store(plan.url)
        rng = random.Random(plan.worker)
        signals.start.wait(timeout=60)
        while len(acks) < plan.target:
            if not signals.voting.wait(timeout=30):
                errors.append("voting stayed closed for 30 s")
                break
            state = store.public_state(plan.code)
            activity = state["activity"]
            if activity is None or activity["kind"] == "slide":
                refused += 1
                continue
            token = plan.tokens[len(acks) % len(plan.tokens)] if plan.in_order else rng.choice(plan.tokens)
            options = [o["id"] for o in activity["options"]]
            item = rng.choice(activity["cards"])["id"] if activity["kind"] == "sort" else None
            if activity.get("type") == "multiple":
                chosen = rng.sample(options, rng.randint(1, len(options)))
                value, stored = chosen, ",".join(o for o in options if o in chosen)
            else:
                value = stored = rng.choice(options)
            sends = [(token, activity["id"], item, value, stored)]
            if plan.group > 1:  # more of the same screen, the same device's answers among them
                sends += [(rng.choice(plan.tokens) if rng.random() < 0.7 else token, activity["id"],
                           rng.choice(activity["cards"])["id"] if item else None, v, v)
                          for v in rng.choices(options, k=min(plan.group, plan.target - len(acks)) - 1)
                          if activity.get("type") != "multiple"]
            outcomes = _send(store, plan, sends)
            for (token, act, item, _, stored), (new, error) in zip(sends, outcomes):
                if isinstance(error, Conflict):
                    refused += 1  # voting closed or the screen moved on: the phone would say so
                    continue
                if error is not None:
                    raise error
                acks.append((token, act, item, stored, new))
                with signals.progressed:
                    signals.progress.value += 1
                    signals.progressed.notify_all()
        store.close()
    except BaseException:  # noqa: BLE001 - reported to the test, which fails on it
        errors.append(traceback.format_exc())
    finally:
        signals.results.put({"worker": plan.worker, "acks": acks, "refused": refused, "errors": errors})
        with signals.progressed:
            signals.finished.value += 1
            signals.progressed.notify_all()


def _send(store, plan: Plan, sends: list[tuple]) -> list[tuple]:
    """Record ``sends`` (token, activity, item, value, stored): [(new, error)] in order."""
    if plan.group <= 1:
        out = []
        for token, act, item, value, _ in sends:
            try:
                out.append((store.record_response(plan.code, token, act, value, item=item), None))
            except Exception as exc:  # noqa: BLE001 - the caller decides
                out.append((None, exc))
        return out
    out: list = [None] * len(sends)
    left = threading.Semaphore(0)

    def done_at(i):
        def done(first, error):
            out[i] = (first, error)
            left.release()
        return done
    for i, (token, act, item, value, _) in enumerate(sends):
        store.queue_response(plan.code, token, act, value, item, done=done_at(i))
    for _ in sends:
        assert left.acquire(timeout=60), "an answer was never acknowledged nor refused"
    return out


def answer_until_killed(url: str, code: str, worker: int, activity: str, items: list[str], options: list[str],
                        acks) -> None:
    """Sort every card for ten phones, round after round (round r answers options[r % n]),
    each round sent through group commit at once; report each acknowledged round down the
    pipe ``acks`` as [(token, item, round, new)], until the process is killed. A pipe, not a
    queue: a queue's feeder thread dies with the process and loses what it still held, where
    ``send`` has written to the pipe before the next round starts."""
    from toolkit.store import Store

    store = Store(url)
    tokens = [f"killed-{worker}-{i}" for i in range(10)]
    for rnd in range(10**6):
        sends = [(t, item) for t in tokens for item in items]
        outcomes = _send(store, Plan(url, code, worker, 0, tokens, group=len(sends)),
                         [(t, activity, item, options[rnd % len(options)], None) for t, item in sends])
        for _, error in outcomes:
            if error is not None:
                raise error
        acks.send([(token, item, rnd, new) for (token, item), (new, _) in zip(sends, outcomes)])


def join_until_killed(url: str, code: str, worker: int, acks) -> None:
    """Join new devices through group commit, fifty at a time, until the process is killed;
    report each acknowledged group down the pipe ``acks`` as [(token, respondent, new)] (a
    pipe: see ``answer_until_killed``)."""
    from toolkit.store import Store

    store = Store(url)
    for rnd in range(10**6):
        tokens = [f"joined-{worker}-{rnd}-{i}" for i in range(50)]
        out: list = [None] * len(tokens)
        left = threading.Semaphore(0)

        def done_at(i):
            def done(result, error):
                out[i] = (result, error)
                left.release()
            return done
        for i, token in enumerate(tokens):
            store.queue_join(code, token, done=done_at(i))
        for _ in tokens:
            assert left.acquire(timeout=60), "a join was never acknowledged nor refused"
        for _, error in out:
            if error is not None:
                raise error
        acks.send([(token, result[1], result[2]) for token, (result, _) in zip(tokens, out)])
