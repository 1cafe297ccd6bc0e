"""Retention (Jeugdwet art. 7.3.10 via 7.3.8: 20 years, the setting ``RETENTION_YEARS``).

A family's data is destroyed when it has no open case and its most recently closed case closed
more than the retention period ago: ``closed_on < as_of − RETENTION_YEARS`` (calendar years; a
29 February minus whole years that is no leap year is 28 February). Exactly the period ago is
kept, the day after it goes. A family that never had a case is not destroyed here.

Everything hanging off the family goes, set-based (one DELETE per table, whatever the number of
families), in one transaction: escalations, referrals (with their lifecycle events, outbox and
deliveries), flags, notes and notifications, cases with regisseurs, consents, analyses and plans,
youths, carers, education periods, the family — and the django-pghistory copies of all of them.
The access log stays (it is append-only and holds no names); each destroyed family gets a
"destroy" entry in it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from .access_log import Access, record_access
from .models import AccessAction, Case, Family

PURPOSE = "bewaartermijn verstreken (Jeugdwet art. 7.3.10)"

# Every model whose history django-pghistory keeps, with its lookup to the family. A test keeps
# this in step with the tracked models, so a new tracked model cannot escape the purge.
FAMILY_PATHS: dict[str, str] = {
    "casusregie.Family": "pk",
    "casusregie.Carer": "family",
    "casusregie.Youth": "family",
    "casusregie.EducationPeriod": "youth__family",
    "casusregie.Case": "family",
    "casusregie.RegisseurPeriod": "case__family",
    "casusregie.Consent": "case__family",
    "analyses.Analysis": "case__family",
    "analyses.DomainFinding": "analysis__case__family",
    "analyses.Explanation": "analysis__case__family",
    "analyses.Strength": "analysis__case__family",
    "plans.Plan": "case__family",
    "plans.Goal": "plan__case__family",
    "plans.Action": "goal__plan__case__family",
    "plans.Evaluation": "plan__case__family",
    "plans.PerspectivePlan": "case__family",
    "referrals.Referral": "case__family",
}
# Deleted first, in this order: they PROTECT the rows after them.
PROTECTING = [
    ("escalations.Escalation", "case__family"),
    ("referrals.Referral", "case__family"),
    ("casusregie.Case", "family"),
    ("casusregie.Family", "pk"),
]


def cutoff(as_of: dt.date, years: int | None = None) -> dt.date:
    return as_of - relativedelta(years=settings.RETENTION_YEARS if years is None else years)


def expired_families(as_of: dt.date, years: int | None = None) -> QuerySet[Family]:
    """Families with no open case whose last case closed before ``cutoff(as_of)``."""
    limit = cutoff(as_of, years)
    recent_or_open = Case.objects.filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=limit), family=OuterRef("pk")
    )
    return Family.objects.filter(
        Exists(Case.objects.filter(family=OuterRef("pk"))), ~Exists(recent_or_open)
    )


def tracked_event_models() -> dict[str, type]:
    """Tracked model label → its pghistory event model."""
    from pghistory.models import Event

    return {
        m.pgh_tracked_model._meta.label: m
        for m in apps.get_models()
        if issubclass(m, Event) and getattr(m, "pgh_tracked_model", None)
    }


def _rows(label: str, path: str, family_ids) -> QuerySet:
    return apps.get_model(label).objects.filter(**{f"{path}__in": family_ids})


def plan(as_of: dt.date, years: int | None = None) -> Counter:
    """What a purge would destroy: rows per table (and "families"). Writes nothing."""
    families = expired_families(as_of, years).values("pk")
    counts = Counter({"families": expired_families(as_of, years).count()})
    for label, path in FAMILY_PATHS.items():
        counts[label] = _rows(label, path, families).count()
    counts["escalations.Escalation"] = _rows(
        "escalations.Escalation", "case__family", families
    ).count()
    return +counts


@transaction.atomic
def purge(as_of: dt.date, years: int | None = None) -> Counter:
    """Destroy the expired families and everything of theirs; returns rows deleted per table."""
    family_refs = list(expired_families(as_of, years).select_for_update().values_list("pk", "ref"))
    counts: Counter = Counter({"families": len(family_refs)})
    if not family_refs:
        return counts
    family_ids = [pk for pk, _ref in family_refs]
    events = tracked_event_models()
    # The ids of every tracked row, read before they go: their history goes after them.
    tracked_ids = {
        label: list(_rows(label, path, family_ids).values_list("pk", flat=True))
        for label, path in FAMILY_PATHS.items()
        if label in events
    }
    for label, path in PROTECTING:
        _total, per_model = _rows(label, path, family_ids).delete()
        counts.update(per_model)
    for label, ids in tracked_ids.items():
        if ids:
            deleted, _ = events[label].objects.filter(pgh_obj_id__in=ids).delete()
            counts[events[label]._meta.label] += deleted
    record_access(
        actor_kind="system",
        actor="purge_expired",
        accesses=[Access(ref, "family", ref) for _pk, ref in family_refs],
        action=AccessAction.DESTROY,
        purpose=PURPOSE,
    )
    return +counts
