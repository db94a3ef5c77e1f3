"""Property tests of the pieces the limits and journals are built on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from emulators.allegro.formats import b64_event_id, iso, parse_b64_event_id, parse_iso
from emulators.allegro.journals import Journal
from emulators.allegro.limits import SlidingWindow

steps = st.lists(st.tuples(st.floats(min_value=0, max_value=40, allow_nan=False), st.integers(1, 50)),
                 max_size=60)


@given(steps)
def test_sliding_window_matches_a_naive_count(plan):
    window, now, history = SlidingWindow(60.0), 1000.0, []
    for gap, weight in plan:
        now += gap
        window.add(now, weight)
        history.append((now, weight))
        expected = sum(w for t, w in history if t > now - 60.0)
        assert window.total(now) == expected
        assert window.peak >= expected


@given(st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=40),
       st.integers(0, 39), st.booleans())
def test_journal_from_means_strictly_after_and_ids_increase(gaps, pick, base64_ids):
    journal, now = Journal(retention=10_000, base64_ids=base64_ids), 5000.0
    for gap in gaps:
        now += gap
        journal.append(now, {"type": "X"})
    seqs = [e.seq for e in journal.events]
    assert seqs == sorted(set(seqs))  # strictly increasing even for equal timestamps
    cursor = journal.events[pick % len(journal.events)]
    after = journal.read(now, journal.parse_cursor(cursor.id), 1000, None)
    assert [e.id for e in after] == [e.id for e in journal.events if e.seq > cursor.seq]


@given(st.integers(min_value=1_000_000_000_000_000, max_value=9_999_999_999_999_999))
def test_event_ids_round_trip(micros):
    assert parse_b64_event_id(b64_event_id(micros)) == micros


@given(st.floats(min_value=0, max_value=4_000_000_000, allow_nan=False))
def test_timestamps_are_utc_millis_with_z(timestamp):
    text = iso(timestamp)
    assert text.endswith("Z") and len(text) == 24
    assert abs(parse_iso(text) - timestamp) < 0.001
