"""Reads of the core that pages of several floors share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from .bsn import is_valid_bsn
from .bsn_vault import bsn_digest
from .models import (
    BreakGlassGrant,
    Carer,
    Case,
    Family,
    Municipality,
    Notification,
    RegisseurPeriod,
    Youth,
)
from .policies import family_or_404, visible_families


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


@dataclass(frozen=True)
class KnownPerson:
    """Someone on a registration form: a youth or a carer."""

    name: str
    birth_date: dt.date | None
    bsn: str = ""
    is_youth: bool = True


@dataclass(frozen=True)
class KnownFamily:
    """A family of the region in which someone on the form is already known. Outside the
    worker's scope only who to ask is shown (``ref`` is then None; ``pk`` is for the record of
    a registration despite the match, never shown)."""

    pk: int
    ref: str | None
    regisseur: str | None
    team: str | None


def _person_matches(people: list[KnownPerson], youths: bool) -> Q | None:
    conditions = [
        Q(bsn_hash=bsn_digest(p.bsn))
        for p in people
        if (p.is_youth or not youths) and p.bsn and is_valid_bsn(p.bsn)
    ]
    conditions += [
        Q(name__iexact=p.name.strip(), birth_date=p.birth_date)
        for p in people
        if p.is_youth == youths and p.name.strip() and p.birth_date
    ]
    return reduce(or_, conditions) if conditions else None


def known_families(
    user, municipality: Municipality, people: Iterable[KnownPerson]
) -> list[KnownFamily]:
    """The families of ``municipality``'s region in which a youth or carer on the form is
    already known: by BSN (youths and carers), or by name and birth date. Three queries
    (the families with who to ask; the worker's roles and scope among them), for any number
    of people."""
    people = list(people)
    in_region = Q(family__municipality__region_id=municipality.region_id)
    found = Q(pk__in=[])
    for model, youths in ((Youth, True), (Carer, False)):
        if (match := _person_matches(people, youths)) is not None:
            found |= Q(pk__in=model.objects.filter(match, in_region).values("family_id"))
    today = timezone.localdate()
    open_case = Case.objects.filter(family=OuterRef("pk"), closed_on__isnull=True)
    regisseur = (
        RegisseurPeriod.objects.in_force(today)
        .filter(case__family=OuterRef("pk"), case__closed_on__isnull=True)
        .values("worker__name")[:1]
    )
    families = list(
        Family.objects.filter(found)
        .annotate(
            team_name=Subquery(open_case.values("local_team__name")[:1]),
            regisseur_name=Subquery(regisseur),
        )
        .order_by("ref")
        .values("pk", "ref", "team_name", "regisseur_name")
    )
    if not families:
        return []
    mine = set(
        visible_families(user)
        .filter(pk__in=[f["pk"] for f in families])
        .values_list("pk", flat=True)
    )
    return [
        KnownFamily(
            pk=f["pk"],
            ref=f["ref"] if f["pk"] in mine else None,
            regisseur=f["regisseur_name"],
            team=f["team_name"],
        )
        for f in families
    ]


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


def break_glass_grants_for_review(lead) -> QuerySet[BreakGlassGrant]:
    """The break-the-glass grants on families with a case of the team lead's team, not yet
    reviewed first, then the newest (one query, with the worker and the family's ref)."""
    if not lead.local_team_id:
        return BreakGlassGrant.objects.none()
    return (
        BreakGlassGrant.objects.filter(
            Exists(Case.objects.filter(family=OuterRef("family"), local_team=lead.local_team_id))
        )
        .select_related("worker__local_team", "family", "reviewed_by")
        .order_by(F("reviewed_at").desc(nulls_first=True), "-granted_at", "-id")
    )
