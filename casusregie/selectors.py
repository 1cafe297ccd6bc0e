"""Reads of the core that pages of several floors share."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Case, Family, Notification, Youth
from .policies import family_or_404


def families_for_case_work() -> QuerySet[Family]:
    """Families with their municipality, youths and cases: what a page that works on a family's
    case needs of the family (the editors, the referral wizard, bringing a case to the table).
    Not scoped: pass it to ``policies.family_or_404``."""
    return Family.objects.select_related("municipality").prefetch_related(
        Prefetch("youths", queryset=Youth.objects.order_by("birth_date", "ref")),
        Prefetch(
            "cases", queryset=Case.objects.select_related("local_team").order_by("-opened_on")
        ),
    )


def family_for_case_work_or_404(user, ref: str, perm: str) -> Family:
    """The family ``ref`` with what case work needs (``families_for_case_work``), when ``user``
    may see it and holds ``perm`` on it; otherwise a 404 (``policies.family_or_404``)."""
    return family_or_404(user, ref, perm, families=families_for_case_work())


def open_case_of(family: Family) -> Case | None:
    """From the prefetched cases: the family's open case (at most one, by constraint)."""
    return next((c for c in family.cases.all() if c.is_open), None)


def notifications_of(worker) -> QuerySet[Notification]:
    """The worker's meldingen, newest first (``notice_page_idx``), with their case's ref."""
    return (
        Notification.objects.filter(recipient=worker)
        .select_related("case")
        .only("kind", "text", "url_name", "url_args", "created_at", "read_at", "case__ref")
        .order_by("-created_at", "-id")
    )


def unread_notification_count(worker) -> int:
    """How many of the worker's meldingen are unread: one query on ``notice_unread_idx``."""
    return Notification.objects.filter(recipient=worker, read_at__isnull=True).count()
