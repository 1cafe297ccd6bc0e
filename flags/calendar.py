"""The working-day calendar as a table, for the rules' SQL: every day with its working-day
ordinal, from the one definition of a working day (``casusregie.working_days``)."""

from __future__ import annotations

import datetime as dt

from casusregie.working_days import FIRST_DAY, LAST_DAY, calendar_rows

CALENDAR_LOCK = (7412, 0)


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
