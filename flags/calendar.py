"""The working-day calendar: Monday–Friday less Dutch national holidays (`holidays`, NL)."""

from __future__ import annotations

import datetime as dt

import holidays

FIRST_DAY = dt.date(1970, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
CALENDAR_LOCK = (7412, 0)


def calendar_rows(first: dt.date = FIRST_DAY, last: dt.date = LAST_DAY):
    """Yield (day, is_working_day, ordinal): ordinal counts working days up to and including day."""
    nl = holidays.country_holidays("NL", years=range(first.year, last.year + 1))
    ordinal = 0
    day = first
    while day <= last:
        working = day.weekday() < 5 and day not in nl
        ordinal += working
        yield day, working, ordinal
        day += dt.timedelta(days=1)


def ensure_calendar(day: dt.date) -> None:
    """Make sure the calendar table covers ``day`` (it is filled by a migration; a flushed test
    database or a date past its end fills it again)."""
    from django.db import connection, transaction

    from .models import CalendarDay

    if CalendarDay.objects.filter(day=day).exists():
        return
    with transaction.atomic():
        # Two sweeps that find the table empty at once: one fills it, the other waits and sees.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", CALENDAR_LOCK)
        if CalendarDay.objects.filter(day=day).exists():
            return
        first = min(FIRST_DAY, day.replace(month=1, day=1))
        last = max(LAST_DAY, day.replace(month=12, day=31))
        CalendarDay.objects.all().delete()
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(day=d, is_working_day=w, ordinal=o)
                for d, w, o in calendar_rows(first, last)
            ],
            batch_size=5000,
        )
