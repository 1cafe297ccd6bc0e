"""Reads of the dashboard: the region's latest refresh and its figures. Nothing else is read."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from casusregie.models import Region

from .models import Dimension, Figure, PeriodKind, Refresh
from .periods import Period


def latest_refresh(region: Region) -> Refresh | None:
    return Refresh.objects.filter(region=region).first()


@dataclass
class FigureSet:
    """Figures keyed by (member, measure, category, is-now); members in order with labels."""

    values: dict[tuple[str, str, str, bool], tuple[float | None, int | None]] = field(
        default_factory=dict
    )
    members: dict[str, dict[str, str]] = field(default_factory=dict)  # dimension → member → label

    def value(self, member: str, measure: str, category: str = "", now: bool = False):
        return self.values.get((member, measure, category, now), (None, None))


def figures(region: Region, period: Period, dimension: str) -> FigureSet:
    """The figures of ``period`` (and of "now") for ``dimension`` and the region as a whole."""
    rows = (
        Figure.objects.filter(region=region, dimension__in={dimension, Dimension.REGION})
        .filter(
            Q(period_kind=period.kind, period_start=period.start) | Q(period_kind=PeriodKind.NOW)
        )
        .values_list(
            "period_kind",
            "dimension",
            "member",
            "label",
            "measure",
            "category",
            "value",
            "observations",
        )
    )
    result = FigureSet()
    labels: dict[str, dict[str, str]] = {}
    for kind, dim, member, label, measure, category, value, observations in rows:
        now = kind == PeriodKind.NOW and period.kind != PeriodKind.NOW
        result.values[(member, measure, category, now)] = (value, observations)
        labels.setdefault(dim, {})[member] = label
    for dim, members in labels.items():
        result.members[dim] = dict(sorted(members.items(), key=lambda item: item[1].lower()))
    return result


def monthly(region: Region, measures: list[str]) -> dict[tuple[str, str], dict]:
    """The region's monthly figures of ``measures``: (measure, category) → {month start: …}."""
    rows = Figure.objects.filter(
        region=region,
        period_kind=PeriodKind.MONTH,
        dimension=Dimension.REGION,
        measure__in=measures,
    ).values_list("measure", "category", "period_start", "value", "observations")
    result: dict[tuple[str, str], dict] = {}
    for measure, category, start, value, observations in rows:
        result.setdefault((measure, category), {})[start] = (value, observations)
    return result
