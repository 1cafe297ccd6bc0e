"""Writes of the GARP core that pages call: consent (with its access-log entry)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Case, Consent, ConsentPurpose, Worker


@transaction.atomic
def record_consent(
    *,
    case: Case,
    purpose: str,
    given_on: dt.date,
    provider=None,
    by: Worker,
) -> Consent:
    """Record the family's consent to share for ``purpose`` (with ``provider`` where it names
    one). Sharing the analysis needs a provider; the expert table is not a provider."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError(_("Onbekend doel van de toestemming."))
    if purpose == ConsentPurpose.SHARE_ANALYSIS and provider is None:
        raise ValidationError(_("Kies de zorgaanbieder waarmee de analyse gedeeld mag worden."))
    if purpose == ConsentPurpose.EXPERT_TABLE:
        provider = None
    if given_on > timezone.localdate():
        raise ValidationError(_("Toestemming kan niet in de toekomst gegeven zijn."))
    if not case.is_open:
        raise ValidationError(_("Deze casus is gesloten."))
    consent = Consent(
        case=case, purpose=purpose, provider=provider, given_on=given_on, recorded_by=by
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def withdraw_consent(*, consent: Consent, by: Worker) -> Consent:
    """Withdrawal takes effect at once: from today the consent is no longer in force."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("Deze toestemming is al ingetrokken."))
    today = timezone.localdate()
    # A consent given today and withdrawn today: withdrawn_on == given_on, never in force.
    consent.withdrawn_on = max(today, consent.given_on)
    consent.save(update_fields=["withdrawn_on"])
    return consent
