"""Reads of flags: the export format, open flags of a case, a worker's inbox."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value, When

from casusregie.models import Case, Youth
from escalations.models import Escalation
from referrals.models import Referral

from .models import Flag, Notification, OwnerRole, RuleSetting, SubjectType
from .rules import RULES_BY_CODE, Thresholds

_REF_MODELS = {
    SubjectType.YOUTH: Youth,
    SubjectType.CASE: Case,
    SubjectType.REFERRAL: Referral,
    SubjectType.ESCALATION: Escalation,
}


def with_subject_ref(flags: QuerySet[Flag]) -> QuerySet[Flag]:
    """Annotate ``subject_ref``: the ref of the youth, case, referral or escalation (one query)."""
    return flags.annotate(
        subject_ref=SqlCase(
            *[
                When(
                    subject_type=kind,
                    then=Subquery(
                        model.objects.filter(pk=OuterRef("subject_id")).values("ref")[:1]
                    ),
                )
                for kind, model in _REF_MODELS.items()
            ],
            default=Value(""),
            output_field=CharField(),
        )
    )


def flags_for_export(*, include_resolved: bool = False) -> list[dict[str, Any]]:
    """The ``export_flags`` document: sorted by rule, then subject type, then ref."""
    flags = (
        Flag.objects.all() if include_resolved else Flag.objects.filter(resolved_on__isnull=True)
    )
    rows = with_subject_ref(flags).values(
        "rule",
        "subject_type",
        "subject_ref",
        "severity",
        "since",
        "escalated_on",
        "opened_on",
        "resolved_on",
    )
    out = [
        {
            "rule": r["rule"],
            "subject": {"type": r["subject_type"], "ref": r["subject_ref"]},
            "severity": r["severity"],
            "since": r["since"].isoformat(),
            "escalated": r["escalated_on"] is not None,
            "opened_on": r["opened_on"].isoformat(),
            "resolved_on": r["resolved_on"].isoformat() if r["resolved_on"] else None,
        }
        for r in rows
    ]
    out.sort(key=lambda f: (f["rule"], f["subject"]["type"], f["subject"]["ref"], f["opened_on"]))
    return out


def open_flags_of_case(case: Case) -> QuerySet[Flag]:
    # "violation" sorts before "warning": ascending is worst first
    return with_subject_ref(Flag.objects.filter(case=case, resolved_on__isnull=True)).order_by(
        "severity", "since"
    )


def unread_notifications(worker) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=worker, read_at__isnull=True)
        .select_related("flag")
        .order_by("-created_on", "-id")
    )


def inbox(worker, today=None) -> QuerySet[Flag]:
    """The worker's open flags, worst first: flags a regisseur owns on the cases where the
    worker is regisseur today, and for a team lead those their role owns in their team."""
    from django.db.models import Q
    from django.utils import timezone

    from casusregie.models import RegisseurPeriod
    from casusregie.policies import roles_of

    today = today or timezone.localdate()
    mine = RegisseurPeriod.objects.in_force(today).filter(worker=worker).values("case")
    scope = Q(owner_role=OwnerRole.REGISSEUR, case__in=mine)
    if "team_lead" in roles_of(worker) and worker.local_team_id:
        scope |= Q(owner_role=OwnerRole.TEAM_LEAD, case__local_team=worker.local_team_id)
    flags = Flag.objects.filter(scope, resolved_on__isnull=True, case__closed_on__isnull=True)
    return (
        with_subject_ref(flags)
        .select_related("case__family", "escalation")
        .prefetch_related("notes")
        .order_by("severity", "since", "id")
    )


def thresholds_of_rules(
    codes: Collection[str], region_ids: Collection[int]
) -> dict[int, dict[str, Thresholds]]:
    """Per region, the thresholds of the rules ``codes``: the region's own settings, else the
    rulebook's defaults (as ``services.thresholds_for``, for several regions in one query)."""
    own = {
        (s.region_id, s.rule): s
        for s in RuleSetting.objects.filter(
            rule__in=list(codes), region__in=list(region_ids)
        ).order_by()
    }
    result: dict[int, dict[str, Thresholds]] = {}
    for region_id in region_ids:
        result[region_id] = {}
        for code in codes:
            s = own.get((region_id, code))
            result[region_id][code] = (
                Thresholds(
                    warning=s.warning, violation=s.violation, escalate_after=s.escalate_after
                )
                if s
                else RULES_BY_CODE[code].defaults
            )
    return result
