"""Celery tasks of the dashboard: the refresh, nightly (beat) and on demand (the button)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(name="dashboard.tasks.refresh_statistics", **RETRY)
def refresh_statistics(as_of: str | None = None, region_id: int | None = None) -> dict:
    """Refresh the figures of one region (the button) or of all (beat, after the sweep)."""
    import datetime as dt

    from casusregie.models import Region

    from . import services

    region = Region.objects.get(pk=region_id) if region_id is not None else None
    day = dt.date.fromisoformat(as_of) if as_of else None
    result = services.refresh_statistics(day, region=region)
    return {
        "as_of": result.as_of.isoformat(),
        "regions": result.regions,
        "figures": result.figures,
        "seconds": round(result.seconds, 1),
    }
