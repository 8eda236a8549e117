"""Pure pandas analysis of answers: a tidy DataFrame of responses in, DataFrames out.

``session`` holds what a facilitator needs about one class; ``trends`` what a programme
lead needs across sessions, with small groups suppressed.
"""

from .session import (card_summary, change, contested_cards, distribution, explode_multiple, results_matrix,
                      tidy_export)

__all__ = ["card_summary", "change", "contested_cards", "distribution", "explode_multiple", "results_matrix",
           "tidy_export"]
