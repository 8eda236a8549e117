"""The cyclic garbage collector in a process that holds a hall of phones.

A ``toolkit serve`` process carries a large heap that lives as long as it does: Jupyter
Server, Voilà, and what they build on first use (the JSON Schema format checker behind
Jupyter's event log alone parses a grammar into some 50,000 objects). Every full collection
walked all of it again, beside the hall's own objects: about thirty full collections in a
2,000-phone lesson, each one stopping every request in flight in that process for 60-200 ms
(BENCHMARKS.md section 13).

A hall also makes objects that live for seconds: each phone's kept-alive connection waits
for its next answer with a fresh future, timer and coroutines after every answer. With
Python's default of a young collection every 700 new objects, they outlived two young
collections and were moved to the oldest generation, some 20,000 a second at 500 answers a
second, and it was those that set off the full collections (BENCHMARKS.md section 14).
"""

from __future__ import annotations

import gc

# New objects between young collections (Python's default: 700). Large enough that an
# object living a few seconds is gone before the second young collection would promote it;
# small enough that a young collection is still a few milliseconds.
YOUNG = 20_000

_settled = False


def settle() -> None:
    """Once per process, when its first phone joins: collect, then leave everything alive at
    that moment out of later collections (``gc.freeze``), and collect the young generation
    less often (``YOUNG``).

    By then the process has started and built what it builds on first use; its hall has not
    come in yet. Reference counting still frees anything frozen that is dropped later; only a
    reference cycle among those objects would stay until the process ends."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
