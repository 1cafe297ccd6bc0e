"""Reads of referrals: what a provider may see, with no N+1."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from analyses.models import Analysis
from casusregie.models import Consent, ConsentPurpose, RegisseurPeriod

from .models import Provider, Referral


def consent_in_force(provider_id, on: dt.date) -> Q:
    return Q(
        provider=provider_id,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on__lte=on,
    ) & (Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))


def referrals_for_provider(provider: Provider) -> QuerySet[Referral]:
    """The referrals addressed to ``provider`` (not drafts), ready for the API serializer."""
    today = timezone.localdate()
    consent = Consent.objects.filter(consent_in_force(provider.pk, today), case=OuterRef("case"))
    return (
        Referral.objects.filter(provider=provider)
        .exclude(status="draft")
        .select_related("youth", "product", "case__family__municipality")
        .prefetch_related(
            Prefetch(
                "case__regisseurs",
                queryset=RegisseurPeriod.objects.select_related("worker"),
            ),
            Prefetch(
                "case__analyses",
                queryset=Analysis.objects.filter(is_current=True).prefetch_related(
                    "findings", "explanations"
                ),
            ),
        )
        .annotate(analysis_shared=Exists(consent))
    )
