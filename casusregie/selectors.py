"""Reads for the worker pages: families within the reader's scope, with no N+1.

Every function takes the reading user: the scope comes from ``policies.visible_families``, so a
family outside it is simply not found (a 404, never a 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pghistory.models
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Carer, Case, Consent, EducationPeriod, Family, RegisseurPeriod, Worker, Youth
from .policies import visible_families

FAMILY_LIST_PAGE = 25


def family_list(user, query: str = "") -> QuerySet[Family]:
    """Families in scope, searchable by family ref or a member's name (never by BSN)."""
    families = visible_families(user).select_related("municipality")
    query = query.strip()
    if query:
        families = families.filter(
            Q(ref__iexact=query)
            | Q(youths__name__icontains=query)
            | Q(carers__name__icontains=query)
        ).distinct()
    return families.prefetch_related(
        Prefetch("youths", queryset=Youth.objects.order_by("birth_date", "ref")),
        Prefetch("carers", queryset=Carer.objects.order_by("ref")),
    ).order_by("ref")


def family_for_page(user, ref: str) -> Family:
    """One family with everything its page shows; ``Family.DoesNotExist`` when out of scope."""
    return (
        visible_families(user)
        .select_related("municipality")
        .prefetch_related(
            Prefetch("carers", queryset=Carer.objects.order_by("ref")),
            Prefetch(
                "youths",
                queryset=Youth.objects.order_by("birth_date", "ref").prefetch_related(
                    Prefetch("education", queryset=EducationPeriod.objects.order_by("-from_date"))
                ),
            ),
            Prefetch(
                "cases",
                queryset=Case.objects.select_related("local_team")
                .order_by("-opened_on")
                .prefetch_related(
                    Prefetch(
                        "regisseurs",
                        queryset=RegisseurPeriod.objects.select_related("worker").order_by(
                            "-from_date"
                        ),
                    ),
                    Prefetch(
                        "consents",
                        queryset=Consent.objects.select_related("provider", "recorded_by"),
                    ),
                ),
            ),
        )
        .get(ref=ref)
    )


def current_regisseur(case: Case) -> RegisseurPeriod | None:
    """From the prefetched periods: the one in force today."""
    today = timezone.localdate()
    for period in case.regisseurs.all():
        if period.from_date <= today and (period.until is None or period.until > today):
            return period
    return None


def consent_in_force(consent: Consent) -> bool:
    today = timezone.localdate()
    return consent.given_on <= today and (
        consent.withdrawn_on is None or consent.withdrawn_on > today
    )


@dataclass(frozen=True)
class HistoryLine:
    at: Any
    label: str
    model: str
    changes: dict[str, Any]
    user: str


HISTORY_LIMIT = 50
HIDDEN_FIELDS = {"id", "created_at", "updated_at", "version"}
LABELS = {"insert": _("aangemaakt"), "update": _("gewijzigd"), "delete": _("verwijderd")}


def _readable(event_model_label: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The tracked model's Dutch name and its fields by their Dutch names (no ids, no BSN)."""
    try:
        event_model = apps.get_model(event_model_label)
        model = event_model.pgh_tracked_model
    except (LookupError, AttributeError):
        return event_model_label.split(".")[-1], {}
    fields = {}
    for name, value in data.items():
        if name in HIDDEN_FIELDS or name.startswith("pgh_") or name.endswith("_id"):
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        fields[str(field.verbose_name)] = value
    return str(model._meta.verbose_name), fields


def family_history(family: Family, limit: int = HISTORY_LIMIT) -> list[HistoryLine]:
    """The change history (django-pghistory) of the family, its members and cases: newest
    first, with who made each change. BSNs are never in the history tables."""
    groups = [[family], list(family.carers.all()), list(family.youths.all())]
    groups.append(list(family.cases.all()))
    events = []
    for objects in filter(None, groups):  # references() takes one model at a time
        events += (
            pghistory.models.Events.objects.references(objects)
            .order_by("-pgh_created_at", "-pgh_id")
            .values(
                "pgh_slug",
                "pgh_created_at",
                "pgh_label",
                "pgh_model",
                "pgh_diff",
                "pgh_data",
                "pgh_context",
            )[:limit]
        )
    unique = {e["pgh_slug"]: e for e in events}  # an event can reference two of the objects
    events = sorted(unique.values(), key=lambda e: e["pgh_created_at"], reverse=True)[:limit]
    user_ids = {
        (e["pgh_context"] or {}).get("user") for e in events if (e["pgh_context"] or {}).get("user")
    }
    names = {w.pk: str(w) for w in Worker.objects.filter(pk__in=user_ids)}
    lines = []
    for e in events:
        diff = e["pgh_diff"] or {}
        if e["pgh_label"] == "insert" or not diff:
            data = e["pgh_data"] or {}
        else:
            data = {k: v[1] for k, v in diff.items()}
        model, shown = _readable(e["pgh_model"], data)
        user_id = (e["pgh_context"] or {}).get("user")
        lines.append(
            HistoryLine(
                at=e["pgh_created_at"],
                label=LABELS.get(e["pgh_label"], e["pgh_label"]),
                model=model,
                changes=shown,
                user=names.get(user_id, "") if user_id else "",
            )
        )
    return lines
