"""A server process leaves its startup heap out of later full collections, once."""

import subprocess
import sys

SETTLE_TWICE = """
import gc
from toolkit.server import heap
heap.settle()
frozen = gc.get_freeze_count()
hall = [[n] for n in range(5000)]  # what a hall brings in afterwards
heap.settle()
print(frozen > 0, gc.get_freeze_count() == frozen)
"""


def test_the_heap_is_settled_once_and_what_comes_later_is_collected_as_before():
    out = subprocess.run([sys.executable, "-c", SETTLE_TWICE], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
