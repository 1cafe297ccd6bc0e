"""The refresh: every topic's statements for a region, as of a date, in one transaction.

The region's figures are deleted and written anew under an advisory lock on the region, so two
refreshes started at once run one after the other and a page always reads one whole refresh.
Each statement is set-based (INSERT … SELECT … GROUP BY over the whole region): the number of
queries does not grow with the data. The same data and date give the same figures.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from casusregie.models import Region
from flags.services import thresholds_for

from .models import Figure, Refresh
from .periods import periods_as_of
from .topics import TOPICS
from .topics.base import SETUP, TEMP_TABLES

logger = logging.getLogger(__name__)

REFRESH_LOCK_CLASS = 7412  # first key of pg_advisory_xact_lock(int, int); the second the region
TREEKNORM_ACCEPT_DAYS = 28  # 4 weeks from sent to accepted, when a region sets no warning


@dataclass
class RefreshResult:
    as_of: dt.date
    regions: int = 0
    figures: int = 0
    seconds: float = 0.0
    per_region: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Norms:
    """The region's treeknorm (days) and thuiszitter thresholds (months), from the rulebook."""

    accept_days: int
    start_days: int
    thuiszitter_warning_months: int
    thuiszitter_violation_months: int


def norms_for(region: Region) -> Norms:
    """The treeknorm as the region's WAITING_TIME_EXCEEDED thresholds say it: sent → accepted
    within the warning (28 days), accepted → started within the violation minus the warning
    (70 − 28 = 42 days); the thuiszitter thresholds of THUISZITTER_3M."""
    thresholds = thresholds_for(region)
    waiting = thresholds["WAITING_TIME_EXCEEDED"]
    accept = waiting.warning if waiting.warning is not None else TREEKNORM_ACCEPT_DAYS
    thuis = thresholds["THUISZITTER_3M"]
    return Norms(
        accept_days=accept,
        start_days=max(waiting.violation - accept, 0),
        thuiszitter_warning_months=thuis.warning if thuis.warning is not None else thuis.violation,
        thuiszitter_violation_months=thuis.violation,
    )


def refresh_statistics(
    as_of: dt.date | None = None, *, region: Region | None = None
) -> RefreshResult:
    """Refresh the figures of ``region`` (default: every region) as of ``as_of`` (today)."""
    as_of = as_of or timezone.localdate()
    regions = Region.objects.filter(pk=region.pk) if region else Region.objects.all()
    result = RefreshResult(as_of=as_of)
    started = time.perf_counter()
    for r in regions.order_by("pk"):
        written = _refresh_region(as_of, r)
        result.regions += 1
        result.figures += written
        result.per_region[r.code] = written
    result.seconds = time.perf_counter() - started
    logger.info(
        "dashboard refresh as of %s: %s regions, %s figures in %.1f s",
        as_of,
        result.regions,
        result.figures,
        result.seconds,
    )
    return result


def _refresh_region(as_of: dt.date, region: Region) -> int:
    started = time.perf_counter()
    norms = norms_for(region)
    params = {
        "region": region.pk,
        "region_code": region.code,
        "region_name": region.name,
        "d": as_of,
        "accept_norm": norms.accept_days,
        "start_norm": norms.start_days,
        "thuiszitter_warning": norms.thuiszitter_warning_months,
        "thuiszitter_violation": norms.thuiszitter_violation_months,
    }
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REFRESH_LOCK_CLASS, region.pk])
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # ON COMMIT DROP cleans up after a real transaction; inside an outer one (tests, or a
        # caller's transaction) an earlier refresh's tables may still be there.
        cursor.execute(f"DROP TABLE IF EXISTS stat_period, {', '.join(TEMP_TABLES)}")
        cursor.execute(
            "CREATE TEMP TABLE stat_period"
            ' (id smallint PRIMARY KEY, kind varchar(8), start date, "end" date) ON COMMIT DROP'
        )
        periods = periods_as_of(as_of)
        cursor.execute(
            'INSERT INTO stat_period (id, kind, start, "end")'
            " SELECT * FROM unnest(%s::smallint[], %s::varchar[], %s::date[], %s::date[])",
            [
                list(range(len(periods))),
                [p.kind for p in periods],
                [p.start for p in periods],
                [p.end for p in periods],
            ],
        )
        cursor.execute("ANALYZE stat_period")
        for statement in SETUP:
            cursor.execute(statement, params)
        Figure.objects.filter(region=region).delete()
        for topic in TOPICS:
            for statement in topic.statements:
                cursor.execute(statement, params)
                written += cursor.rowcount
        Refresh.objects.update_or_create(
            region=region,
            defaults={
                "as_of": as_of,
                "finished_at": timezone.now(),
                "duration_ms": round((time.perf_counter() - started) * 1000),
                "figures": written,
            },
        )
    return written
