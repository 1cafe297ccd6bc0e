"""Writes of the GARP core that the pages call: registering a family, regie hand-over,
consent, reading meldingen. Each checks its business rule and leaves the database invariants to
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Carer,
    Case,
    Consent,
    ConsentPurpose,
    Family,
    Municipality,
    Notification,
    NotificationKind,
    RegieTransfer,
    RegisseurPeriod,
    Worker,
    Youth,
)
from .notifications import notify
from .rejudge import request_case_sweep


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


@dataclass(frozen=True)
class Person:
    name: str
    birth_date: dt.date | None
    bsn: str = ""


@transaction.atomic
def register_family(
    *, by: Worker, municipality: Municipality, carers: list[Person], youths: list[Person]
) -> Family:
    """A new family with its members and an open case of the worker's team; the worker who
    registers it is its regisseur from today (1 Gezin, 1 Regisseur)."""
    if by.local_team_id is None:
        raise ValidationError(_("Alleen een medewerker van een lokaal team registreert gezinnen."))
    if not by.local_team.municipalities.filter(pk=municipality.pk).exists():
        raise ValidationError(_("Uw team werkt niet voor deze gemeente."))
    if not youths:
        raise ValidationError(_("Een gezin heeft ten minste één jeugdige."))
    today = timezone.localdate()
    for person in [*carers, *youths]:
        if person.birth_date and person.birth_date > today:
            raise ValidationError(_("Een geboortedatum ligt niet in de toekomst."))
    family = Family.objects.create(municipality=municipality)
    for person in carers:
        carer = Carer(family=family, name=person.name, birth_date=person.birth_date)
        carer.bsn = person.bsn
        carer.full_clean(exclude=["family"])
        carer.save()
    for person in youths:
        youth = Youth(family=family, name=person.name, birth_date=person.birth_date)
        youth.bsn = person.bsn
        youth.full_clean(exclude=["family"])
        youth.save()
    case = Case.objects.create(family=family, local_team=by.local_team, opened_on=today)
    RegisseurPeriod.objects.create(case=case, worker=by, from_date=today)
    request_case_sweep(case)
    return family


def current_regisseur_of(case: Case, on: dt.date | None = None) -> RegisseurPeriod | None:
    on = on or timezone.localdate()
    return RegisseurPeriod.objects.in_force(on).filter(case=case).select_related("worker").first()


@transaction.atomic
def propose_transfer(*, case: Case, to_worker: Worker, by: Worker, note: str = "") -> RegieTransfer:
    """Propose a hand-over; the current regisseur keeps regie until ``to_worker`` confirms.
    A case without a regisseur (e.g. its regisseur left) gets one the same way."""
    if not case.is_open:
        raise ValidationError(_("Deze casus is gesloten."))
    current = current_regisseur_of(case)
    if current and current.worker_id == to_worker.pk:
        raise ValidationError(_("Deze medewerker is al de regisseur."))
    if to_worker.local_team_id != case.local_team_id or not to_worker.is_active:
        raise ValidationError(_("De nieuwe regisseur werkt in het team van deze casus."))
    if RegieTransfer.objects.filter(
        case=case, confirmed_on__isnull=True, cancelled_on__isnull=True
    ).exists():
        raise ValidationError(_("Voor deze casus staat al een overdracht open."))
    transfer = RegieTransfer.objects.create(
        case=case,
        from_worker=current.worker if current else None,
        to_worker=to_worker,
        proposed_by=by,
        note=note,
        proposed_on=timezone.localdate(),
    )
    notify(
        [to_worker.pk],
        NotificationKind.TRANSFER_OFFERED,
        case,
        _(
            "%(by)s stelt voor dat u de regie van casus %(case)s overneemt. Bevestig de "
            "overdracht op Mijn caseload."
        )
        % {"by": by, "case": case.ref},
        "caseload",
        [],
        by=by,
    )
    return transfer


@transaction.atomic
def confirm_transfer(*, transfer: RegieTransfer, by: Worker) -> RegisseurPeriod:
    """The new regisseur confirms: the old period ends today, the new one starts today."""
    transfer = RegieTransfer.objects.select_for_update().get(pk=transfer.pk)
    if not transfer.is_pending:
        raise ValidationError(_("Deze overdracht is al afgerond of ingetrokken."))
    if by.pk != transfer.to_worker_id:
        raise ValidationError(_("Alleen de nieuwe regisseur bevestigt de overdracht."))
    today = timezone.localdate()
    list(RegisseurPeriod.objects.select_for_update().filter(case=transfer.case_id))
    current = current_regisseur_of(transfer.case, today)
    if current is not None:
        current.until = today
        current.save(update_fields=["until"])
    period = RegisseurPeriod.objects.create(case=transfer.case, worker=by, from_date=today)
    transfer.confirmed_on = today
    transfer.save(update_fields=["confirmed_on"])
    _offer_settled(transfer)
    request_case_sweep(transfer.case)
    return period


@transaction.atomic
def cancel_transfer(*, transfer: RegieTransfer, by: Worker) -> RegieTransfer:
    transfer = RegieTransfer.objects.select_for_update().get(pk=transfer.pk)
    if not transfer.is_pending:
        raise ValidationError(_("Deze overdracht is al afgerond of ingetrokken."))
    transfer.cancelled_on = timezone.localdate()
    transfer.save(update_fields=["cancelled_on"])
    _offer_settled(transfer)
    return transfer


def _offer_settled(transfer: RegieTransfer) -> None:
    """A hand-over no longer waits: its melding to the receiver counts as read."""
    Notification.objects.filter(
        recipient=transfer.to_worker_id,
        case=transfer.case_id,
        kind=NotificationKind.TRANSFER_OFFERED,
        read_at__isnull=True,
    ).update(read_at=timezone.now())


# -- meldingen ----------------------------------------------------------------------------------
def mark_notification_read(*, worker: Worker, notification_id: int) -> Notification:
    """Mark one of the worker's own meldingen read (again: nothing changes); another worker's
    melding is not found (``Notification.DoesNotExist``: the page's 404)."""
    note = Notification.objects.get(pk=notification_id, recipient=worker)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


def mark_all_notifications_read(*, worker: Worker) -> int:
    """Mark every unread melding of the worker read; returns how many (one statement)."""
    return Notification.objects.filter(recipient=worker, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def set_email_notifications(*, worker: Worker, enabled: bool) -> Worker:
    """The worker's own choice: meldingen also by e-mail (from the next melding on)."""
    if enabled and not worker.email:
        raise ValidationError(
            _("Er is geen e-mailadres bij uw account bekend; vraag de functioneel beheerder.")
        )
    worker.email_notifications = enabled
    worker.save(update_fields=["email_notifications"])
    return worker
