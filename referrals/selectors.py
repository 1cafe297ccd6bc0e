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

from .models import Provider, Referral


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
