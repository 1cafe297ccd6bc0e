"""Writes of the GARP core that the pages call: registering a family, regie hand-over,
consent. Each checks its business rule and leaves the database invariants to PostgreSQL."""

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
    InvolvedProfessional,
    Municipality,
    RegieTransfer,
    RegisseurPeriod,
    Worker,
    Youth,
)
from .policies import may_hand_over
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


# --- the people around the family (betrokken professionals; regie bij de GI) ------------------


@dataclass(frozen=True)
class Involvement:
    """What a worker records of an involved professional."""

    role: str
    organisation: str
    from_date: dt.date
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    holds_regie: bool = False
    until: dt.date | None = None


#: The fields of an ``Involvement``, as they are on ``InvolvedProfessional``.
_INVOLVEMENT = (
    "role",
    "organisation",
    "from_date",
    "contact_name",
    "phone",
    "email",
    "holds_regie",
    "until",
)


def _may_edit_people(case: Case, by: Worker) -> None:
    """The case's current regisseur or the team lead of its team (as for a hand-over)."""
    if not may_hand_over(by, case, current_regisseur_of(case)):
        raise ValidationError(
            _("Alleen de regisseur of de teamleider van deze casus legt betrokkenen vast.")
        )
    if not case.is_open:
        raise ValidationError(_("Deze casus is gesloten."))


def _save_involved(professional: InvolvedProfessional) -> InvolvedProfessional:
    if professional.holds_regie and not professional.is_gi:
        raise ValidationError(
            {
                "holds_regie": _(
                    "Alleen een GI (jeugdbescherming of jeugdreclassering) kan de regie hebben."
                )
            }
        )
    if professional.from_date > timezone.localdate():
        raise ValidationError({"from_date": _("De begindatum ligt niet in de toekomst.")})
    professional.full_clean()
    professional.save()
    return professional


@transaction.atomic
def add_involved_professional(
    *, case: Case, involvement: Involvement, by: Worker
) -> InvolvedProfessional:
    """Record who else is involved with the family. A GI under a child-protection measure may
    hold regie for its period; the local regisseur stays involved."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _may_edit_people(case, by)
    professional = _save_involved(
        InvolvedProfessional(case=case, **{k: getattr(involvement, k) for k in _INVOLVEMENT})
    )
    if professional.holds_regie:
        request_case_sweep(case)
    return professional


@transaction.atomic
def end_involved_professional(
    *, professional: InvolvedProfessional, until: dt.date, by: Worker
) -> InvolvedProfessional:
    """The professional is no longer involved from ``until`` on (a GI's regie ends with it)."""
    professional = InvolvedProfessional.objects.select_for_update().get(pk=professional.pk)
    _may_edit_people(professional.case, by)
    if professional.until is not None:
        raise ValidationError(_("Deze betrokkenheid is al beëindigd."))
    if until < professional.from_date:
        raise ValidationError({"until": _("De einddatum ligt niet vóór de begindatum.")})
    professional.until = until
    _save_involved(professional)
    if professional.holds_regie:
        request_case_sweep(professional.case)
    return professional


@transaction.atomic
def correct_involved_professional(
    *, professional: InvolvedProfessional, involvement: Involvement, by: Worker
) -> InvolvedProfessional:
    """Correct what was recorded (a typo, a wrong date); the change history keeps the old."""
    professional = InvolvedProfessional.objects.select_for_update().get(pk=professional.pk)
    _may_edit_people(professional.case, by)
    touched_regie = professional.holds_regie or involvement.holds_regie
    for key in _INVOLVEMENT:
        setattr(professional, key, getattr(involvement, key))
    _save_involved(professional)
    if touched_regie:
        request_case_sweep(professional.case)
    return professional


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
    return RegieTransfer.objects.create(
        case=case,
        from_worker=current.worker if current else None,
        to_worker=to_worker,
        proposed_by=by,
        note=note,
        proposed_on=timezone.localdate(),
    )


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
    request_case_sweep(transfer.case)
    return period


@transaction.atomic
def cancel_transfer(*, transfer: RegieTransfer, by: Worker) -> RegieTransfer:
    transfer = RegieTransfer.objects.select_for_update().get(pk=transfer.pk)
    if not transfer.is_pending:
        raise ValidationError(_("Deze overdracht is al afgerond of ingetrokken."))
    transfer.cancelled_on = timezone.localdate()
    transfer.save(update_fields=["cancelled_on"])
    return transfer
