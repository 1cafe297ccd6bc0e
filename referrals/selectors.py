"""Reads of referrals: what a provider may see, with no N+1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import JSONObject
from django.utils import timezone

from analyses.models import Analysis, DomainFinding, Explanation
from casusregie.models import Consent, ConsentPurpose, RegisseurPeriod
from plans.models import PerspectiveKind, PerspectivePlan
from plans.services import PERSPECTIVE_FROM_AGE, birthday

from .lifecycle import Status
from .models import Provider, Referral

#: A provider has the youth in its care while its referral is accepted or started.
IN_CARE = (Status.ACCEPTED, Status.STARTED)


def consent_in_force(provider_id, on: dt.date) -> Q:
    return Q(
        provider=provider_id,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on__lte=on,
    ) & (Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))


def addressed_to(provider: Provider) -> QuerySet[Referral]:
    """The referrals addressed to ``provider``: sent to it, so not drafts. Only their keys: for
    a change, which the service reads again under lock."""
    return _addressed(provider).only("pk")


def _addressed(provider: Provider) -> QuerySet[Referral]:
    return Referral.objects.filter(provider=provider).exclude(status="draft")


def referrals_for_provider(provider: Provider) -> QuerySet[Referral]:
    """The referrals addressed to ``provider`` (not drafts), ready for the API serializer.

    One query: the youth, product and municipality joined; ``analysis_shared`` (the family's
    consent to share the analysis with this provider, in force today) and ``regisseur_contact``
    (name and e-mail of today's regisseur, or None) as subqueries. The analysis itself is
    loaded only for the referrals that may show it: ``with_shared_analyses``.
    """
    today = timezone.localdate()
    consent = Consent.objects.filter(consent_in_force(provider.pk, today), case=OuterRef("case"))
    regisseur = (
        RegisseurPeriod.objects.in_force(today)
        .filter(case=OuterRef("case"))
        .order_by()
        .values(contact=JSONObject(name="worker__name", email="worker__email"))[:1]
    )
    return (
        _addressed(provider)
        .select_related("youth", "product__segment", "case__family__municipality")
        # Of the joined rows only what the representation and the access log use: fewer
        # values to convert per row. A provider never gets the BSN: it is not even read.
        .only(
            *(f.name for f in Referral._meta.concrete_fields),
            "youth__name",
            "youth__birth_date",
            "product__code",
            "product__name",
            "product__segment__code",
            "product__ijw_category",
            "product__specialist",
            "product__out_of_home",
            "product__crisis",
            "case__family__ref",
            "case__family__municipality__code",
            "case__family__municipality__name",
        )
        .annotate(analysis_shared=Exists(consent), regisseur_contact=Subquery(regisseur))
    )


def with_shared_analyses(referrals: Sequence[Referral]) -> Sequence[Referral]:
    """Load the current analysis (findings, explanations) of the cases of those ``referrals``
    whose family consented to share it: three queries when any did, none otherwise."""
    cases = [r.case for r in referrals if getattr(r, "analysis_shared", False)]
    if cases:
        # The models' default orderings start with a foreign key, which orders by the related
        # model's ordering: a join per query. Within one analysis these orders are the same.
        current = (
            Analysis.objects.filter(is_current=True)
            .order_by()
            .prefetch_related(
                Prefetch("findings", queryset=DomainFinding.objects.order_by("domain")),
                Prefetch("explanations", queryset=Explanation.objects.order_by("position", "id")),
            )
        )
        prefetch_related_objects(cases, Prefetch("analyses", queryset=current))
    return referrals


# --- the perspective plan a provider drafts -----------------------------------------------------


def referral_for_perspective(provider: Provider, ref: str) -> Referral | None:
    """The referral ``ref`` addressed to ``provider``, with what deciding on its perspective
    plan needs, in one query: the youth (name, birth date; never the BSN), the product's
    out-of-home mark, the case (open?) and its family's ref (the access log), and
    ``consent_in_force`` (the family's consent to share with this provider, today)."""
    today = timezone.localdate()
    consent = Consent.objects.filter(consent_in_force(provider.pk, today), case=OuterRef("case"))
    return (
        _addressed(provider)
        .filter(ref=ref)
        .select_related("youth", "product", "case__family")
        .only(
            "pk",
            "ref",
            "status",
            "version",
            "case_id",
            "youth_id",
            "product_id",
            "provider_id",
            "youth__name",
            "youth__birth_date",
            "youth__family_id",
            "product__out_of_home",
            "case__family_id",
            "case__closed_on",
            "case__family__ref",
        )
        .annotate(consent_in_force=Exists(consent))
        .first()
    )


def perspective_kinds(referral: Referral, on: dt.date) -> list[str]:
    """Which perspective plans the referral's provider may draft for its youth on ``on``:
    none unless the youth is in its care (referral accepted or started); the plan for
    returning home when the product places the youth out of home (``out_of_home``); the
    toekomstplan 18-/18+ from the 16th birthday on. The first is the default."""
    if referral.status not in IN_CARE:
        return []
    kinds = []
    if referral.product.out_of_home:
        kinds.append(PerspectiveKind.RETURN_HOME.value)
    if on >= birthday(referral.youth.birth_date, PERSPECTIVE_FROM_AGE):
        kinds.append(PerspectiveKind.TRANSITION_18.value)
    return kinds


def perspective_plan_of(referral: Referral, kind: str) -> PerspectivePlan | None:
    """The perspective plan of ``kind`` for the referral's case and youth, with who drafted
    and who agreed it (one query)."""
    return (
        PerspectivePlan.objects.filter(
            case_id=referral.case_id, youth_id=referral.youth_id, kind=kind
        )
        .select_related("drafted_by_provider", "drafted_by_worker", "agreed_by")
        .order_by("started_on", "pk")
        .first()
    )
