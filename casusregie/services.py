"""Writes of the GARP core that the pages call: registering a family, regie hand-over,
consent, a youth's education, closing and reopening a case. Each checks its business rule and
leaves the database invariants to PostgreSQL."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Carer,
    Case,
    CloseReason,
    Consent,
    ConsentPurpose,
    EducationPeriod,
    Family,
    Municipality,
    RegieTransfer,
    RegisseurPeriod,
    Role,
    Worker,
    Youth,
)
from .policies import may_close_case
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


# --- education ----------------------------------------------------------------------------------

#: The fields of an education period that a regisseur records (besides the youth).
EDUCATION_FIELDS = (
    "status",
    "from_date",
    "school",
    "school_brin",
    "school_type",
    "attendance_officer",
    "attendance_officer_phone",
    "attendance_officer_email",
)


def _open_case_of_youth(youth: Youth) -> Case:
    case = Case.objects.filter(family=youth.family_id, closed_on__isnull=True).first()
    if case is None:
        raise ValidationError(_("Dit gezin heeft geen open casus."))
    return case


def _check_period(period: EducationPeriod) -> None:
    if period.from_date > timezone.localdate():
        raise ValidationError({"from_date": _("Een periode begint niet in de toekomst.")})
    if period.from_date < period.youth.birth_date:
        raise ValidationError({"from_date": _("Een periode begint niet vóór de geboortedatum.")})
    period.school_brin = (period.school_brin or "").strip().upper()
    period.full_clean()


@transaction.atomic
def record_education_period(*, youth: Youth, by: Worker, **fields) -> EducationPeriod:
    """A new period of the youth's education from ``from_date`` (until the next period's start);
    the case is re-judged on commit, so THUISZITTER_3M opens, moves or clears."""
    unknown = set(fields) - set(EDUCATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    case = _open_case_of_youth(youth)
    blank = {name: "" for name in EDUCATION_FIELDS if name not in ("status", "from_date")}
    period = EducationPeriod(youth=youth, **(blank | fields))
    _check_period(period)
    period.save()
    request_case_sweep(case)
    return period


@transaction.atomic
def correct_education_period(*, period: EducationPeriod, by: Worker, **fields) -> EducationPeriod:
    """Correct a recorded period; what it said before stays in the change history."""
    unknown = set(fields) - set(EDUCATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    period = EducationPeriod.objects.select_for_update().select_related("youth").get(pk=period.pk)
    case = _open_case_of_youth(period.youth)
    for name, value in fields.items():
        setattr(period, name, value)
    _check_period(period)
    period.save()
    request_case_sweep(case)
    return period


@transaction.atomic
def remove_education_period(*, period: EducationPeriod, by: Worker) -> None:
    """Remove a period recorded in error (the history keeps it); the one before it then lasts
    until the next."""
    period = EducationPeriod.objects.select_for_update().select_related("youth").get(pk=period.pk)
    case = _open_case_of_youth(period.youth)
    period.delete()
    request_case_sweep(case)


# --- closing and reopening -----------------------------------------------------------------------

#: "Herhaalde zorg": a new case opened within this many months of the family's last closing.
REPEAT_CARE_MONTHS = 12


def add_months(day: dt.date, months: int) -> dt.date:
    """The calendar date ``months`` after ``day``, clamped to the month's last day (as the
    rulebook and PostgreSQL's ``make_interval``: 29 February + 12 months = 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def close_case(
    *,
    case: Case,
    by: Worker,
    reason: str,
    closed_on: dt.date,
    handed_over_to: str = "",
    note: str = "",
) -> Case:
    """Close the case: why, on which day, and to whom the family is handed over (the warme
    overdracht to the pedagogische basis; not when the youth died). Only its current regisseur
    or the team lead of its team. The regisseur's period ends, a pending hand-over is
    cancelled, and on commit the rulebook resolves the case's open flags (``case_closed``).
    The analysis and the plan stay as they are, readable."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise ValidationError(_("Deze casus is al gesloten."))
    if not may_close_case(by, case, current_regisseur_of(case)):
        raise PermissionDenied(_("Alleen de regisseur of de teamleider sluit deze casus af."))
    errors: dict[str, str] = {}
    if reason not in CloseReason.values:
        errors["reason"] = _("Kies een reden.")
    handed_over_to, note = handed_over_to.strip(), note.strip()
    if reason != CloseReason.DECEASED and not handed_over_to:
        errors["handed_over_to"] = _(
            "Vul in aan wie het gezin wordt overgedragen (warme overdracht)."
        )
    if reason == CloseReason.OTHER and not note:
        errors["note"] = _("Licht de reden 'anders' toe.")
    if closed_on > timezone.localdate():
        errors["closed_on"] = _("De sluitdatum ligt niet in de toekomst.")
    elif closed_on < case.opened_on:
        errors["closed_on"] = _(
            "De sluitdatum ligt niet vóór de opening van de casus (%(on)s)."
        ) % {"on": case.opened_on.strftime("%d-%m-%Y")}
    if errors:
        raise ValidationError(errors)
    case.closed_on, case.close_reason, case.close_note = closed_on, reason, note
    case.handed_over_to, case.closed_by = handed_over_to, by
    case.full_clean(exclude=["family", "local_team"])
    case.save()
    for period in RegisseurPeriod.objects.select_for_update().filter(case=case, until__isnull=True):
        period.until = max(closed_on, period.from_date)
        period.save(update_fields=["until"])
    RegieTransfer.objects.filter(
        case=case, confirmed_on__isnull=True, cancelled_on__isnull=True
    ).update(cancelled_on=timezone.localdate())
    request_case_sweep(case)
    return case


def is_repeat_care(last_closed_on: dt.date | None, opened_on: dt.date) -> bool:
    """Herhaalde zorg: opened on or before the day 12 months after the last closing."""
    return last_closed_on is not None and opened_on <= add_months(
        last_closed_on, REPEAT_CARE_MONTHS
    )


@transaction.atomic
def reopen_case(*, family: Family, by: Worker, opened_on: dt.date | None = None) -> Case:
    """A new case for a family whose last case closed: of the worker's team, with the worker
    as its regisseur when they hold that role (a team lead assigns one by a hand-over). Recorded
    as herhaalde zorg when it opens within 12 months of the last closing."""
    today = timezone.localdate()
    opened_on = opened_on or today
    if by.local_team_id is None:
        raise ValidationError(_("Alleen een medewerker van een lokaal team opent een casus."))
    if not by.local_team.municipalities.filter(pk=family.municipality_id).exists():
        raise ValidationError(_("Uw team werkt niet voor de gemeente van dit gezin."))
    cases = list(Case.objects.select_for_update().filter(family=family))
    if any(c.is_open for c in cases):
        raise ValidationError(_("Dit gezin heeft al een open casus."))
    last_closed_on = max((c.closed_on for c in cases), default=None)
    if opened_on > today:
        raise ValidationError(_("Een casus opent niet in de toekomst."))
    if last_closed_on is not None and opened_on < last_closed_on:
        raise ValidationError(_("De nieuwe casus opent niet vóór het sluiten van de vorige."))
    case = Case(
        family=family,
        local_team=by.local_team,
        opened_on=opened_on,
        is_repeat_care=is_repeat_care(last_closed_on, opened_on),
    )
    case.full_clean(exclude=["family", "local_team"], validate_constraints=False)
    case.save()
    if Role.REGISSEUR in by.role_codes():
        RegisseurPeriod.objects.create(case=case, worker=by, from_date=opened_on)
    request_case_sweep(case)
    return case
