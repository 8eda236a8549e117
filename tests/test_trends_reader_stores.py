"""The trends page reads the same answers from SQLite and from PostgreSQL (where it copies
them out as CSV in one go)."""

from datetime import datetime, timezone

from toolkit import demo
from toolkit.store import trends as trends_data


def test_the_trends_reader_gives_every_answer_as_the_store_has_it(store):
    demo.simulate(store, sessions=6, seed=3, now=datetime(2026, 7, 1, 12, tzinfo=timezone.utc))
    compact = trends_data.load(store).responses
    tidy = store.responses()
    assert len(compact) == len(tidy) > 0
    key = ["session_id", "item_id", "respondent", "phase", "value"]

    def rows(frame):
        return sorted(tuple(None if v is None or v != v else str(v) for v in row) for row in
                      frame[key].astype(object).itertuples(index=False))

    assert rows(compact) == rows(tidy)
    assert compact["phase"].isna().any() and compact["phase"].notna().any()  # missing stays missing
