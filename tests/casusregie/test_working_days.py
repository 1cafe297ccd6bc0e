"""The one definition of a working day, asked in Python (referral expiry) and as a table (the
rules' SQL): both give the same day."""

import datetime as dt

import pytest

from casusregie.working_days import calendar_rows, last_day_before

FIRST, LAST = dt.date(2025, 11, 1), dt.date(2028, 2, 1)


@pytest.fixture(scope="module")
def ordinals() -> list[tuple[dt.date, int]]:
    return [(day, ordinal) for day, _working, ordinal in calendar_rows(FIRST, LAST)]


def table_answer(ordinals, day: dt.date, n: int) -> dt.date:
    """What the calendar table answers: the latest day whose ordinal is ≤ ordinal(day) - n."""
    ordinal = dict(ordinals)[day]
    return max(d for d, o in ordinals if o <= ordinal - n and d <= day)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 10, 11, 25])
def test_last_day_before_agrees_with_the_calendar_table_every_day(ordinals, n):
    for day, _ordinal in ordinals[60:]:
        assert last_day_before(day, n) == table_answer(ordinals, day, n), day


def test_easter_monday_and_good_friday_are_not_working_days():
    # 2027: Good Friday 26 March, Easter Monday 29 March. Five working days up to and including
    # Friday 2 April are 2, 1, 31, 30 March and 25 March: sent on the 24th or earlier.
    assert last_day_before(dt.date(2027, 4, 2), 5) == dt.date(2027, 3, 24)
    # A Sunday counts as no working day: one working day up to it is the Friday before.
    assert last_day_before(dt.date(2027, 4, 4), 1) == dt.date(2027, 4, 1)
