"""Working days: Monday–Friday less Dutch national holidays (`holidays`, NL).

The one definition of a working day. The rulebook keeps it as a table for its SQL
(``flags.calendar``, filled from ``calendar_rows``); the referral lifecycle asks it in Python
(``last_day_before``), for the few days around one date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache

import holidays

FIRST_DAY = dt.date(1970, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


def _holidays(first: dt.date, last: dt.date) -> holidays.HolidayBase:
    return _holidays_of_years(first.year, last.year)


@cache
def _holidays_of_years(first_year: int, last_year: int) -> holidays.HolidayBase:
    # The same years' holidays, built once per process (a page asks for many dates).
    return holidays.country_holidays("NL", years=range(first_year, last_year + 1))


def calendar_rows(
    first: dt.date = FIRST_DAY, last: dt.date = LAST_DAY
) -> Iterator[tuple[dt.date, bool, int]]:
    """Yield (day, is_working_day, ordinal): ordinal counts working days up to and including day."""
    nl = _holidays(first, last)
    ordinal = 0
    day = first
    while day <= last:
        working = day.weekday() < 5 and day not in nl
        ordinal += working
        yield day, working, ordinal
        day += dt.timedelta(days=1)


def last_day_before(day: dt.date, working_days: int) -> dt.date:
    """The last day that still leaves ``working_days`` working days up to and including ``day``:
    whatever was sent on or before it has had that many working days by ``day``. (In ordinals:
    the latest day whose ordinal is at most ``ordinal(day) - working_days``.)"""
    if working_days <= 0:
        return day
    # Seven calendar days hold at least three working days, even around Christmas and Easter.
    first = day - dt.timedelta(days=7 * (working_days // 3 + 2))
    nl = _holidays(first, day)
    counted, current = 0, day
    while True:
        if current.weekday() < 5 and current not in nl:
            counted += 1
            if counted == working_days:
                return current - dt.timedelta(days=1)
        current -= dt.timedelta(days=1)


def add_working_days(day: dt.date, working_days: int) -> dt.date:
    """The day on which ``working_days`` working days after ``day`` have passed (``day`` itself
    not counted): the ``working_days``-th working day after it."""
    nl = _holidays(day, day + dt.timedelta(days=7 * (working_days // 3 + 2)))
    counted, current = 0, day
    while counted < working_days:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in nl:
            counted += 1
    return current


def working_days_after(day: dt.date, until: dt.date) -> int:
    """How many working days lie after ``day`` up to and including ``until`` (``day`` itself
    not counted, as in ``add_working_days``): ``add_working_days(day, n) <= until`` exactly when
    this is at least ``n``. 0 when ``until`` is not after ``day``."""
    if until <= day:
        return 0
    nl = _holidays(day, until)
    counted, current = 0, day
    while current < until:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in nl:
            counted += 1
    return counted
