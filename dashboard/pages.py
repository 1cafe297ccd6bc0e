"""The dashboard's pages, the choices on them, and the tables of one page or of all.

Shared by the worker pages, their CSV downloads and the JSON export, so all three show the
same figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from casusregie.models import Region

from . import selectors, tables
from .models import Dimension, PeriodKind, Refresh
from .periods import Period, default_period, period_from_code, periods_as_of


@dataclass(frozen=True)
class Page:
    slug: str
    url_name: str
    title: object
    build: Callable[[tables.Context], list[tables.Table]]
    breakdown: bool = True


PAGES = [
    Page("overzicht", "dashboard", _("Overzicht"), tables.trend_tables, breakdown=False),
    Page("zorg", "dashboard-care", _("In zorg en doorstroom"), tables.care_tables),
    Page("wachttijden", "dashboard-waiting", _("Wachttijden"), tables.waiting_tables),
    Page("verwijzingen", "dashboard-referrals", _("Verwijzingen"), tables.referral_tables),
    Page("jeugdigen", "dashboard-youth", _("Thuiszitters en 18-/18+"), tables.youth_tables),
    Page("experttafel", "dashboard-table", _("Experttafel en signalen"), tables.table_tables),
]
PAGES_BY_SLUG = {p.slug: p for p in PAGES}

# The breakdown in URLs and the API (Dutch), and the dimension it means.
BREAKDOWNS = {
    "regio": Dimension.REGION,
    "gemeente": Dimension.MUNICIPALITY,
    "team": Dimension.LOCAL_TEAM,
    "segment": Dimension.SEGMENT,
    "product": Dimension.PRODUCT,
    "aanbieder": Dimension.PROVIDER,
}


def breakdown_of(dimension: str) -> str:
    """The URL's word for a dimension: ``gemeente`` for municipality."""
    return next(word for word, d in BREAKDOWNS.items() if d == dimension)


class BadChoice(ValueError):
    """A period or breakdown that is not offered."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def offered_periods(refresh: Refresh) -> list[Period]:
    """The periods to choose from: years, quarters and months, the latest first."""
    order = {PeriodKind.YEAR: 0, PeriodKind.QUARTER: 1, PeriodKind.MONTH: 2}
    chosen = [p for p in periods_as_of(refresh.as_of) if p.kind in order]
    return sorted(chosen, key=lambda p: (order[p.kind], -p.start.toordinal()))


def choose(refresh: Refresh, period_code: str | None, breakdown: str | None) -> tuple[Period, str]:
    """The period and dimension asked for (the defaults when not given)."""
    period = default_period(refresh.as_of)
    if period_code:
        found = period_from_code(period_code, refresh.as_of)
        if found is None or found.kind == PeriodKind.NOW:
            raise BadChoice("periode", str(_("Deze periode is er niet.")))
        period = found
    dimension = Dimension.REGION
    if breakdown:
        if breakdown not in BREAKDOWNS:
            raise BadChoice("indeling", str(_("Deze indeling is er niet.")))
        dimension = BREAKDOWNS[breakdown]
    return period, dimension


def context(region: Region, refresh: Refresh, period: Period, dimension: str) -> tables.Context:
    """Everything the tables are made from: the figures of the period (one query) and the
    region's months for the trend tables (one more)."""
    return tables.Context(
        region=region,
        period=period,
        dimension=dimension,
        figures=selectors.figures(region, period, dimension),
        months=[p for p in periods_as_of(refresh.as_of) if p.kind == PeriodKind.MONTH],
        monthly=selectors.monthly(region, tables.TREND_MEASURES),
    )


def published(ctx: tables.Context) -> dict[str, list[tables.Table]]:
    """Every page's tables of one view, guarded together (``tables.finish``): each page and
    the JSON export show a part of the same whole, so no two of them can be set side by side
    to give a hidden cell away."""
    built = {page.slug: page.build(ctx) for page in PAGES}
    tables.finish([t for page_tables in built.values() for t in page_tables])
    return built
