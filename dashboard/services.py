"""The refresh: every topic's statements for a region, as of a date, in one transaction.

The region's figures are deleted and written anew under an advisory lock on the region, so two
refreshes started at once run one after the other and a page always reads one whole refresh.
Each statement is set-based (INSERT … SELECT … GROUP BY over the whole region): the number of
queries does not grow with the data. The same data and date give the same figures.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import Empty, Queue

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from casusregie.models import Region
from flags.services import thresholds_for

from .models import Figure, Refresh
from .periods import periods_as_of
from .topics import TOPICS
from .topics.base import ANALYZED, SETUP

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
    statements = [statement for topic in TOPICS for statement in topic.statements]
    connections_to_use = settings.DASHBOARD_REFRESH_CONNECTIONS
    if connection.in_atomic_block or connections_to_use < 2:
        # Inside a caller's transaction (tests, a shell) other connections cannot see its data.
        return _refresh_on_one_connection(as_of, region, params, statements, started)
    return _refresh_on_connections(as_of, region, params, statements, started, connections_to_use)


def _fill_periods(cursor, as_of: dt.date) -> None:
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


_PERIOD_COLUMNS = '(id smallint PRIMARY KEY, kind varchar(8), start date, "end" date)'


def _configure(cursor) -> None:
    # These statements run once; compiling them (JIT) costs more than it saves.
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '256MB'")


def _record(region: Region, as_of: dt.date, started: float, written: int) -> None:
    Refresh.objects.update_or_create(
        region=region,
        defaults={
            "as_of": as_of,
            "finished_at": timezone.now(),
            "duration_ms": round((time.perf_counter() - started) * 1000),
            "figures": written,
        },
    )


def _refresh_on_one_connection(
    as_of: dt.date, region: Region, params: dict, statements: list[str], started: float
) -> int:
    """Every statement in one transaction on this connection, over temporary tables."""
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REFRESH_LOCK_CLASS, region.pk])
        _configure(cursor)
        # ON COMMIT DROP cleans up after a real transaction; inside an outer one (tests, or a
        # caller's transaction) an earlier refresh's tables may still be there.
        names = ", ".join(["stat_period", *(name for name, _select in SETUP)])
        cursor.execute(f"DROP TABLE IF EXISTS {names}")
        cursor.execute(f"CREATE TEMP TABLE stat_period {_PERIOD_COLUMNS} ON COMMIT DROP")
        _fill_periods(cursor, as_of)
        for name, select in SETUP:
            cursor.execute(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {select}", params)
        for name in ANALYZED:
            cursor.execute(f"ANALYZE {name}")
        Figure.objects.filter(region=region).delete()
        for statement in statements:
            cursor.execute(statement, params)
            written += cursor.rowcount
        _record(region, as_of, started, written)
    return written


# The staged figures: the columns the statements write (``topics.base.insert``).
_FIGURE_COLUMNS = (
    "region_id, period_kind, period_start, period_end, dimension, member, label, measure,"
    " category, value, observations"
)


def _refresh_on_connections(
    as_of: dt.date,
    region: Region,
    params: dict,
    statements: list[str],
    started: float,
    workers: int,
) -> int:
    """The statements spread over ``workers`` connections of their own, which run side by side
    (PostgreSQL runs a statement on one core, and a temporary table is seen by its own session
    only): the region's tables are unlogged tables in a schema of the refresh's own, committed
    before the statements start, and each connection puts that schema first in its search path,
    so the statements' ``dashboard_figure`` is a staging table there. The figures are then
    replaced by the staged ones in one transaction, this connection's, which held the region's
    lock throughout: a page reads the old figures or the new ones, never a mix. The schema is
    dropped at the end, also when a statement failed (the old figures then stay)."""
    schema = f"dashboard_refresh_{int(region.pk)}"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REFRESH_LOCK_CLASS, region.pk])
            _on_own_connection(_build_schema, schema, as_of)
            # The region's tables side by side, then the statements that read them.
            _spread(
                schema,
                params,
                [
                    [f"CREATE UNLOGGED TABLE {name} AS {select}"]
                    + ([f"ANALYZE {name}"] if name in ANALYZED else [])
                    for name, select in SETUP
                ],
                workers,
            )
            _spread(schema, params, [[statement] for statement in statements], workers)
            Figure.objects.filter(region=region).delete()
            cursor.execute(
                f"INSERT INTO {Figure._meta.db_table} ({_FIGURE_COLUMNS})"  # noqa: S608 - our names
                f" SELECT {_FIGURE_COLUMNS} FROM {schema}.{Figure._meta.db_table}"
            )
            written = cursor.rowcount
            _record(region, as_of, started, written)
    finally:
        _on_own_connection(_drop_schema, schema)
    return written


def _on_own_connection(work, *args):
    """Run ``work(cursor, *args)`` on a connection of its own, in a thread of its own."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=_THREAD_PREFIX) as pool:
        return pool.submit(_on_thread_connection, work, *args).result()


def _on_thread_connection(work, *args):
    """Run ``work(cursor, *args)`` on this thread's connection, in autocommit, and close that
    connection after (a thread of the refresh's pools, never a request's)."""
    try:
        with connection.cursor() as cursor:
            return work(cursor, *args)
    finally:
        connection.close()


_THREAD_PREFIX = "dashboard-refresh"


def _search_path_first(cursor, schema: str) -> None:
    cursor.execute(
        "SELECT set_config('search_path', %s || ', ' || current_setting('search_path'), false)",
        [schema],
    )


def _build_schema(cursor, schema: str, as_of: dt.date) -> None:
    _drop_schema(cursor, schema)  # a crashed refresh's
    cursor.execute(f"CREATE SCHEMA {schema}")
    cursor.execute(
        f"CREATE UNLOGGED TABLE {schema}.{Figure._meta.db_table} AS"  # noqa: S608 - our names
        f" SELECT {_FIGURE_COLUMNS} FROM {Figure._meta.db_table} WITH NO DATA"
    )
    cursor.execute(f"CREATE UNLOGGED TABLE {schema}.stat_period {_PERIOD_COLUMNS}")
    _search_path_first(cursor, schema)
    _fill_periods(cursor, as_of)


def _spread(schema: str, params: dict, jobs: list[list[str]], workers: int) -> None:
    """Run the jobs (each a list of statements, run in order in one transaction) on ``workers``
    connections of their own, each taking the next job when it is done; the first failure
    stops the others after their current job and is raised here."""
    queue: Queue[list[str]] = Queue()
    for job in jobs:
        queue.put(job)
    failed = threading.Event()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=_THREAD_PREFIX) as pool:
        runs = [
            pool.submit(_on_thread_connection, _run_jobs, schema, params, queue, failed)
            for _ in range(workers)
        ]
        for run in runs:
            run.result()


def _run_jobs(cursor, schema: str, params: dict, queue: Queue, failed) -> None:
    """Take jobs off ``queue`` until it is empty (or another connection failed)."""
    _search_path_first(cursor, schema)
    while not failed.is_set():
        try:
            job = queue.get_nowait()
        except Empty:
            return
        try:
            with transaction.atomic():
                _configure(cursor)
                for statement in job:
                    cursor.execute(statement, params)
        except BaseException:
            failed.set()
            raise


def _drop_schema(cursor, schema: str) -> None:
    cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
