"""The periods the dashboard offers: recent months, quarters and years, and "now".

A period is a closed range of days [start, end]. The period that holds the refresh date ends on
that date (a month "so far"), so no figure counts days that have not happened. Codes in URLs:
``2026-09`` (a month), ``2026-K3`` (a quarter), ``2026`` (a year).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import PeriodKind

MONTHS = 13  # a year of trend plus the same month a year before
QUARTERS = 5
YEARS = 3
SHORT_MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
MONTH_NAMES = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date

    @property
    def code(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-K{(self.start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        return "nu"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            text = f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        elif self.kind == PeriodKind.QUARTER:
            text = _("%(q)se kwartaal %(year)s") % {
                "q": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        elif self.kind == PeriodKind.YEAR:
            text = str(self.start.year)
        else:
            return _("nu (%(day)s)") % {"day": _day(self.end)}
        if self.end < _calendar_end(self.kind, self.start):
            text += " " + _("t/m %(day)s") % {"day": _day(self.end)}
        return text

    @property
    def short_label(self) -> str:
        """For a chart's axis: ``sep 2026``."""
        if self.kind == PeriodKind.MONTH:
            return f"{SHORT_MONTHS[self.start.month - 1]} {self.start.year}"
        return self.code


def _day(day: dt.date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _calendar_end(kind: str, start: dt.date) -> dt.date:
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    return _add_months(start, months) - dt.timedelta(days=1)


def periods_as_of(as_of: dt.date) -> list[Period]:
    """Every period the refresh computes, as of ``as_of``: oldest first within each kind."""
    result = []
    month = as_of.replace(day=1)
    quarter = dt.date(as_of.year, (as_of.month - 1) // 3 * 3 + 1, 1)
    for kind, first, count, step in (
        (PeriodKind.MONTH, month, MONTHS, 1),
        (PeriodKind.QUARTER, quarter, QUARTERS, 3),
        (PeriodKind.YEAR, dt.date(as_of.year, 1, 1), YEARS, 12),
    ):
        for back in range(count - 1, -1, -1):
            start = _add_months(first, -back * step)
            result.append(Period(kind, start, min(_calendar_end(kind, start), as_of)))
    result.append(Period(PeriodKind.NOW, as_of, as_of))
    return result


def period_from_code(code: str, as_of: dt.date) -> Period | None:
    """The period with this code among those computed as of ``as_of``; None if not offered."""
    return next((p for p in periods_as_of(as_of) if p.code == code), None)


def default_period(as_of: dt.date) -> Period:
    """The current year so far: the broadest view, the fewest cells under five."""
    return next(p for p in periods_as_of(as_of) if p.kind == PeriodKind.YEAR and p.end == as_of)
