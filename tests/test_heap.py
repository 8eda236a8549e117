"""A server process leaves its startup heap out of later full collections, once, and collects
its young generation less often from then on."""

import subprocess
import sys

SETTLE_TWICE = """
import gc
from toolkit.server import heap
before = gc.get_threshold()
heap.settle()
frozen = gc.get_freeze_count()
after = gc.get_threshold()
hall = [[n] for n in range(5000)]  # what a hall brings in afterwards
heap.settle()
print(frozen > 0, gc.get_freeze_count() == frozen, before[0] < after[0] == heap.YOUNG,
      before[1:] == after[1:], gc.get_threshold() == after)
"""


def test_the_heap_is_settled_once_and_what_comes_later_is_collected_as_before():
    out = subprocess.run([sys.executable, "-c", SETTLE_TWICE], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"] * 5
