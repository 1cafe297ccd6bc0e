"""Writes of the GARP core that the pages call: registering a family, regie hand-over,
consent, reading meldingen, a youth's education, closing and reopening a case, breaking the
glass (inzage buiten het team) and its review. Each
checks its business rule and leaves the database invariants to PostgreSQL."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django_otp import login as otp_login

from .access_log import PURPOSE_FAMILY_ACCOUNT, Access, record_access
from .bsn import is_valid_bsn
from .bsn_vault import bsn_digest
from .enrolment import ENROLMENT_CODE_ALPHABET, enrolment_code_hash
from .models import (
    FAMILY_TEXT_MAX,
    SHARING_WITH_PROVIDER,
    AccessAction,
    BreakGlassGrant,
    BreakGlassReason,
    Carer,
    CarerDisclosure,
    CarerRelation,
    Case,
    CloseReason,
    Consent,
    ConsentPurpose,
    EducationPeriod,
    EnrolmentCode,
    Family,
    FamilyAccount,
    FamilyLoginCode,
    FamilyMessage,
    FamilyMove,
    IdentityProvider,
    InvolvedProfessional,
    LocalTeam,
    Municipality,
    Notification,
    NotificationKind,
    RegieTransfer,
    RegisseurPeriod,
    RegistrationDespiteMatch,
    Role,
    RoleMembership,
    RoleRequest,
    RoleRequestStatus,
    SingleSignOnDevice,
    Worker,
    Youth,
)
from .notifications import notify, notify_regisseur
from .policies import (
    CASE_WORK_ROLES,
    may_close_case,
    may_hand_over,
    roles_opening_family_data,
    visible_families,
)
from .rejudge import request_case_sweep
from .selectors import KnownFamily, KnownPerson, SingleSignOnRefused, known_families


@transaction.atomic
def record_consent(
    *,
    case: Case,
    purpose: str,
    given_on: dt.date,
    provider=None,
    by: Worker | None,
) -> Consent:
    """Record the family's consent to share for ``purpose`` (with ``provider`` where it names
    one). Sharing the analysis or the contact details needs a provider; the expert table is not
    a provider."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError(_("Onbekend doel van de toestemming."))
    if purpose in SHARING_WITH_PROVIDER and provider is None:
        raise ValidationError(_("Kies de zorgaanbieder waarmee gedeeld mag worden."))
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
def withdraw_consent(*, consent: Consent, by: Worker | None) -> Consent:
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
    # The professional's own account, if they log in here; set when they are added (a
    # correction through the people form keeps it).
    worker: Worker | None = None


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
    if professional.until is not None and professional.until < professional.from_date:
        raise ValidationError({"until": _("De einddatum ligt niet vóór de begindatum.")})
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
        InvolvedProfessional(
            case=case,
            worker=involvement.worker,
            **{k: getattr(involvement, k) for k in _INVOLVEMENT},
        )
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
    # a carer's contact details
    address: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Relationship:
    """Carer number ``carer`` stands as ``relation`` to youth number ``youth`` (positions in
    the lists given to ``register_family``), with or without gezag."""

    carer: int
    youth: int
    relation: str
    has_gezag: bool = False


class AlreadyKnown(Exception):
    """Someone on the form is already known in the region (1 Gezin): join that family or ask
    for a hand-over, or register anyway with a reason."""

    def __init__(self, families: list[KnownFamily]) -> None:
        super().__init__(f"{len(families)} known familie(s)")
        self.families = families


@transaction.atomic
def register_family(
    *,
    by: Worker,
    municipality: Municipality,
    carers: list[Person],
    youths: list[Person],
    relations: list[Relationship] | None = None,
    despite_known: str = "",
) -> Family:
    """A new family with its members and an open case of the worker's team; the worker who
    registers it is its regisseur from today (1 Gezin, 1 Regisseur).

    When a youth or carer is already known in the region (BSN, or name and birth date), this
    raises :class:`AlreadyKnown` — unless ``despite_known`` gives the worker's reason, which is
    recorded for each family matched (``RegistrationDespiteMatch``)."""
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
    known = known_families(
        by,
        municipality,
        [KnownPerson(p.name, p.birth_date, p.bsn, is_youth=True) for p in youths]
        + [KnownPerson(p.name, p.birth_date, p.bsn, is_youth=False) for p in carers],
    )
    reason = despite_known.strip()
    if known and not reason:
        raise AlreadyKnown(known)
    family = Family.objects.create(municipality=municipality)
    RegistrationDespiteMatch.objects.bulk_create(
        [
            RegistrationDespiteMatch(family=family, matched_id=k.pk, worker=by, reason=reason)
            for k in known
        ]
    )
    saved_carers, saved_youths = [], []
    for person in carers:
        carer = Carer(
            family=family,
            name=person.name,
            birth_date=person.birth_date,
            address=person.address,
            postcode=person.postcode,
            city=person.city,
            phone=person.phone,
            email=person.email,
        )
        carer.bsn = person.bsn
        carer.full_clean(exclude=["family"])
        carer.save()
        saved_carers.append(carer)
    for person in youths:
        youth = Youth(family=family, name=person.name, birth_date=person.birth_date)
        youth.bsn = person.bsn
        youth.full_clean(exclude=["family"])
        youth.save()
        saved_youths.append(youth)
    for r in relations or []:
        if not (0 <= r.carer < len(saved_carers) and 0 <= r.youth < len(saved_youths)):
            raise ValidationError(_("Een relatie hoort bij een opvoeder en een jeugdige."))
        relation = CarerRelation(
            carer=saved_carers[r.carer],
            youth=saved_youths[r.youth],
            relation=r.relation,
            has_gezag=r.has_gezag,
        )
        relation.full_clean()
        relation.save()
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
    A case without a regisseur (e.g. its regisseur left) gets one the same way. The case's row
    is locked first, so two proposals at once are taken one after the other."""
    case = Case.objects.select_for_update().get(pk=case.pk)
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


# -- moving: another team's area or municipality ----------------------------------------------
def _may_receive(worker: Worker, team: LocalTeam) -> bool:
    """The receiving team's lead, or a regisseur of it."""
    return (
        worker.is_active
        and worker.local_team_id == team.pk
        and bool(worker.role_codes() & {Role.TEAM_LEAD, Role.REGISSEUR})
    )


@transaction.atomic
def propose_move(
    *,
    case: Case,
    to_team: LocalTeam,
    to_municipality: Municipality,
    by: Worker,
    note: str = "",
) -> FamilyMove:
    """Propose that the family's case goes to ``to_team`` (the family to ``to_municipality``);
    the case's current regisseur or its team lead proposes, and until the receiving side
    confirms, the old team keeps the case and its regie."""
    case = Case.objects.select_for_update().select_related("family").get(pk=case.pk)
    if not case.is_open:
        raise ValidationError(_("Deze casus is gesloten."))
    current = current_regisseur_of(case)
    is_regisseur = current is not None and current.worker_id == by.pk
    is_lead = Role.TEAM_LEAD in by.role_codes() and by.local_team_id == case.local_team_id
    if not (is_regisseur or is_lead):
        raise ValidationError(
            _("Alleen de regisseur of de teamleider van deze casus stelt een verhuizing voor.")
        )
    if not to_team.municipalities.filter(pk=to_municipality.pk).exists():
        raise ValidationError(_("Het ontvangende team werkt niet voor deze gemeente."))
    if to_team.pk == case.local_team_id and to_municipality.pk == case.family.municipality_id:
        raise ValidationError(_("Kies een ander team of een andere gemeente."))
    if FamilyMove.objects.filter(
        case=case, confirmed_on__isnull=True, cancelled_on__isnull=True
    ).exists():
        raise ValidationError(_("Voor deze casus staat al een verhuizing open."))
    move = FamilyMove.objects.create(
        case=case,
        from_team_id=case.local_team_id,
        to_team=to_team,
        from_municipality_id=case.family.municipality_id,
        to_municipality=to_municipality,
        proposed_by=by,
        note=note.strip(),
        proposed_on=timezone.localdate(),
    )
    # A hand-over waiting for the receiving team: its lead and its regisseurs hear of it.
    receivers = Worker.objects.filter(
        local_team=to_team,
        is_active=True,
        role_memberships__role__in=[Role.TEAM_LEAD, Role.REGISSEUR],
    ).values_list("pk", flat=True)
    notify(
        receivers,
        NotificationKind.TRANSFER_OFFERED,
        case,
        _(
            "Het gezin van casus %(case)s verhuist naar %(municipality)s: %(team)s stelt voor "
            "dat uw team de casus overneemt. Bevestig de verhuizing op Mijn caseload."
        )
        % {"case": case.ref, "municipality": to_municipality.name, "team": case.local_team.name},
        "caseload",
        [],
        by=by,
    )
    return move


@transaction.atomic
def confirm_move(*, move: FamilyMove, by: Worker, regisseur: Worker | None = None) -> FamilyMove:
    """The receiving side confirms: the case goes to the receiving team and the family to the
    new municipality today; the old regisseur's period ends and the new regisseur's begins
    (``regisseur``, a regisseur of the receiving team; by default the confirming worker when
    they are a regisseur, else none yet — NO_REGISSEUR then counts). A pending regie hand-over
    inside the old team is cancelled."""
    move = FamilyMove.objects.select_for_update().select_related("case__family").get(pk=move.pk)
    if not move.is_pending:
        raise ValidationError(_("Deze verhuizing is al afgerond of ingetrokken."))
    if not _may_receive(by, move.to_team):
        raise ValidationError(
            _("Alleen de teamleider of een regisseur van het ontvangende team bevestigt.")
        )
    if regisseur is None and Role.REGISSEUR in by.role_codes():
        regisseur = by
    if regisseur is not None and not (
        regisseur.is_active
        and regisseur.local_team_id == move.to_team_id
        and Role.REGISSEUR in regisseur.role_codes()
    ):
        raise ValidationError(_("De nieuwe regisseur is een regisseur van het ontvangende team."))
    today = timezone.localdate()
    case = move.case
    list(RegisseurPeriod.objects.select_for_update().filter(case=case))
    current = current_regisseur_of(case, today)
    if current is not None:
        current.until = today
        current.save(update_fields=["until"])
    if regisseur is not None:
        RegisseurPeriod.objects.create(case=case, worker=regisseur, from_date=today)
    RegieTransfer.objects.filter(
        case=case, confirmed_on__isnull=True, cancelled_on__isnull=True
    ).update(cancelled_on=today)
    case.local_team_id = move.to_team_id
    case.save(update_fields=["local_team"])
    family = case.family
    family.municipality_id = move.to_municipality_id
    family.save(update_fields=["municipality", "updated_at"])
    move.confirmed_on, move.confirmed_by = today, by
    move.save(update_fields=["confirmed_on", "confirmed_by"])
    request_case_sweep(case)
    return move


@transaction.atomic
def cancel_move(*, move: FamilyMove, by: Worker) -> FamilyMove:
    """Withdrawn by the proposing side (its proposer, the case's team lead) or declined by the
    receiving side (its team lead or a regisseur)."""
    move = FamilyMove.objects.select_for_update().get(pk=move.pk)
    proposing = by.pk == move.proposed_by_id or (
        Role.TEAM_LEAD in by.role_codes() and by.local_team_id == move.from_team_id
    )
    if not (proposing or _may_receive(by, move.to_team)):
        raise ValidationError(_("Alleen het voorstellende of het ontvangende team trekt dit in."))
    if not move.is_pending:
        raise ValidationError(_("Deze verhuizing is al afgerond of ingetrokken."))
    move.cancelled_on = timezone.localdate()
    move.save(update_fields=["cancelled_on"])
    return move


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
    FamilyMove.objects.filter(  # a move of a closed case no longer waits either
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


# --- roles: four eyes for the roles that open family data -------------------------------------

PURPOSE_ROLE_GRANT = "functioneel beheer: rol toegekend na goedkeuring (vier ogen)"
PURPOSE_ROLE_REMOVAL = "functioneel beheer: rol ingetrokken"


def may_decide_role_requests(worker: Worker) -> bool:
    """An administrator who approves or refuses role requests (a second pair of eyes)."""
    return worker.is_active and (
        worker.is_superuser or worker.has_perm("casusregie.decide_rolerequest")
    )


def _check_not_a_provider_user(worker: Worker | None) -> None:
    """A provider user holds no role of the municipality (the database refuses it too)."""
    if (
        worker is not None
        and worker.pk is not None
        and Worker.objects.filter(pk=worker.pk, provider_membership__isnull=False).exists()
    ):
        raise ValidationError(
            _("Een medewerker van een zorgaanbieder krijgt geen rol in de gemeente of regio.")
        )


def check_direct_role(*, worker: Worker | None, role: str, by: Worker) -> None:
    """May ``by`` give ``worker`` the role ``role`` at once, in the worker's form?

    A superuser (the technical set-up account) may; a functional administrator gives only
    roles that open no family data, and never to their own account; nobody gives a role to a
    provider user (``referrals.ProviderMembership``). Raises ValidationError."""
    _check_not_a_provider_user(worker)
    if by.is_superuser:
        return
    if worker is not None and worker.pk == by.pk:
        raise ValidationError(_("U kunt de rollen van uw eigen account niet wijzigen."))
    if role in roles_opening_family_data():
        raise ValidationError(
            _(
                "Deze rol geeft toegang tot gezinsgegevens: vraag hem aan bij Rolaanvragen; "
                "hij gaat in zodra een tweede beheerder de aanvraag goedkeurt."
            )
        )


def check_role_request(*, worker: Worker, role: str, by: Worker) -> None:
    """The rules of a new role request; raises ValidationError."""
    _check_not_a_provider_user(worker)
    if worker.pk == by.pk:
        raise ValidationError(_("U kunt geen rol voor uzelf aanvragen."))
    if role not in roles_opening_family_data():
        raise ValidationError(
            _("Deze rol geeft geen toegang tot gezinsgegevens: geef hem direct bij de medewerker.")
        )
    if RoleMembership.objects.filter(worker=worker, role=role).exists():
        raise ValidationError(_("De medewerker heeft deze rol al."))
    if RoleRequest.objects.filter(
        worker=worker, role=role, status=RoleRequestStatus.PENDING
    ).exists():
        raise ValidationError(_("Deze rol is voor deze medewerker al aangevraagd."))


def submit_role_request(role_request: RoleRequest) -> RoleRequest:
    """Save a new request (``worker``, ``role``, ``requested_by`` set): nothing is given yet."""
    check_role_request(
        worker=role_request.worker, role=role_request.role, by=role_request.requested_by
    )
    role_request.status = RoleRequestStatus.PENDING
    role_request.decided_by = role_request.decided_at = None
    role_request.save()
    return role_request


def request_role(*, worker: Worker, role: str, by: Worker, reason: str = "") -> RoleRequest:
    return submit_role_request(
        RoleRequest(worker=worker, role=role, requested_by=by, reason=reason)
    )


def _decide(role_request: RoleRequest, by: Worker) -> RoleRequest:
    """The request, locked, when ``by`` may decide it now; raises otherwise."""
    locked = (
        RoleRequest.objects.select_for_update().select_related("worker").get(pk=role_request.pk)
    )
    if not locked.is_pending:
        raise ValidationError(_("Over deze aanvraag is al beslist."))
    if by.pk == locked.requested_by_id:
        raise PermissionDenied(_("Een tweede beheerder beslist: niet wie de rol aanvroeg."))
    if by.pk == locked.worker_id:
        raise PermissionDenied(_("De medewerker beslist niet over de eigen rol."))
    if not may_decide_role_requests(by):
        raise PermissionDenied(_("U mag niet over rolaanvragen beslissen."))
    return locked


def _actor(worker: Worker) -> str:
    return f"{worker.ref} ({worker.get_username()})"


@transaction.atomic
def approve_role_request(*, role_request: RoleRequest, by: Worker, origin: str = "") -> RoleRequest:
    """The second administrator approves: the role is given now, and the grant goes into the
    access log (who approved, whose request, for whom) in the same transaction."""
    locked = _decide(role_request, by)
    RoleMembership.objects.get_or_create(worker_id=locked.worker_id, role=locked.role)
    locked.status = RoleRequestStatus.APPROVED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    record_access(
        actor_kind="worker",
        actor=_actor(by),
        accesses=[Access("", "role_membership", locked.worker.ref)],
        action=AccessAction.CHANGE,
        purpose=f"{PURPOSE_ROLE_GRANT}: {locked.role}, aanvraag {locked.pk} "
        f"van {locked.requested_by.ref}",
        origin=origin,
    )
    return locked


@transaction.atomic
def refuse_role_request(*, role_request: RoleRequest, by: Worker) -> RoleRequest:
    """The second administrator refuses: no role is given."""
    locked = _decide(role_request, by)
    locked.status = RoleRequestStatus.REFUSED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


def check_role_removal(*, membership: RoleMembership, by: Worker) -> None:
    if not by.is_superuser and membership.worker_id == by.pk:
        raise ValidationError(_("U kunt de rollen van uw eigen account niet wijzigen."))


@transaction.atomic
def remove_role(*, membership: RoleMembership, by: Worker, origin: str = "") -> None:
    """Take a role away: in force at once (the worker's next request). A role that opened
    family data goes into the access log."""
    check_role_removal(membership=membership, by=by)
    role, worker_ref = membership.role, membership.worker.ref
    membership.delete()
    if role in roles_opening_family_data():
        record_access(
            actor_kind="worker",
            actor=_actor(by),
            accesses=[Access("", "role_membership", worker_ref)],
            action=AccessAction.CHANGE,
            purpose=f"{PURPOSE_ROLE_REMOVAL}: {role}",
            origin=origin,
        )


def verify_by_identity_provider(request, *, worker: Worker, provider: IdentityProvider) -> None:
    """Count the identity provider's asserted second factor as this session's (django-otp),
    as the TOTP step does: only call it right after the provider asserted one."""
    device, _created = SingleSignOnDevice.objects.get_or_create(
        user=worker,
        identity_provider=provider,
        defaults={"name": provider.name[:64], "confirmed": True},
    )
    otp_login(request, device)


# -- the second factor's first enrolment ------------------------------------------------------
def issue_enrolment_code(worker: Worker, *, issued_by: Worker | None) -> str:
    """A new one-time enrolment code for ``worker`` (replacing an unused one), returned once.

    ``issued_by`` is the administrator (``None``: an operator's ``manage.py enrolment_code``);
    nobody issues one for their own account.
    """
    if issued_by is not None and issued_by.pk == worker.pk:
        raise PermissionDenied(_("U kunt geen inschrijfcode voor uw eigen account uitgeven."))
    groups = ["".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _ in range(4)) for _ in range(3)]
    code = "-".join(groups)
    now = timezone.now()
    with transaction.atomic():
        EnrolmentCode.objects.filter(worker=worker, used_at__isnull=True).delete()
        EnrolmentCode.objects.create(
            worker=worker,
            code_hash=enrolment_code_hash(code),
            issued_by=issued_by,
            issued_at=now,
            expires_at=now + dt.timedelta(hours=settings.ENROLMENT_CODE_HOURS),
        )
    return code


def confirm_first_device_by_single_sign_on(device) -> None:
    """Confirm ``device`` after a single sign-on: the identity provider stood in for the
    enrolment code (``views.accounts.otp_setup``)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def confirm_first_device(worker: Worker, enrolment_code_id: int, device) -> bool:
    """Use the enrolment code and confirm ``device`` together; ``False`` when the code is no
    longer valid (used, replaced or expired meanwhile): then nothing changes."""
    now = timezone.now()
    with transaction.atomic():
        code = (
            EnrolmentCode.objects.select_for_update()
            .filter(pk=enrolment_code_id, worker=worker, used_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if code is None:
            return False
        code.used_at = now
        code.save(update_fields=["used_at"])
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


# --- breaking the glass (doorbreken: inzage buiten het team) ----------------------------------

PURPOSE_BREAK_GLASS = "inzage buiten het team"
PURPOSE_BREAK_GLASS_REVIEW = "toezicht op inzage buiten het team"


def break_glass_hours() -> int:
    return settings.BREAK_GLASS_HOURS


def _break_glass_candidates(by: Worker) -> Q:
    """A filter on Family: the families ``by`` may break the glass for — of a municipality of
    their own region (their team's, or their own region's), with a case (someone's team lead
    reviews it)."""
    regions = Municipality.objects.filter(local_teams=by.local_team_id).values("region_id")
    in_region = Q(municipality__region_id__in=regions)
    if by.region_id:
        in_region |= Q(municipality__region_id=by.region_id)
    return in_region & Q(pk__in=Case.objects.values("family_id"))


@transaction.atomic
def break_glass(
    *, by: Worker, ref: str, reason: str, explanation: str, origin: str = ""
) -> BreakGlassGrant | None:
    """Open the family ``ref`` to ``by`` for ``BREAK_GLASS_HOURS`` hours, with the reason and
    its explanation; written to the access log (the reason as the purpose) and told to the team
    lead(s) of the family's case, all in this transaction.

    Only for a case-work worker (regisseur, team lead), and only for a family of their region
    with a case, outside what they already see. Anything else — no such ref, another region, a
    family without a case — returns None, the same answer, so the page leaks nothing about a
    ref before a grant is made (and logged)."""
    explanation = explanation.strip()
    if reason not in BreakGlassReason.values or not explanation:
        raise ValidationError(_("Kies een reden en licht die toe."))
    if not by.is_active or not by.role_codes() & CASE_WORK_ROLES:
        return None
    family = (
        Family.objects.filter(_break_glass_candidates(by), ref=ref.strip())
        .exclude(pk__in=visible_families(by).values("pk"))
        .first()
    )
    if family is None:
        return None
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        worker=by,
        family=family,
        reason=reason,
        explanation=explanation,
        granted_at=now,
        expires_at=now + dt.timedelta(hours=break_glass_hours()),
    )
    label = BreakGlassReason(reason).label
    record_access(
        actor_kind="worker",
        actor=f"{by.ref} ({by.get_username()})",
        accesses=[Access(family.ref, "break_glass", str(grant.pk))],
        action=AccessAction.READ,
        purpose=f"{PURPOSE_BREAK_GLASS}: {label}: {explanation}",
        origin=origin,
    )
    case = (
        Case.objects.filter(family=family)
        .order_by(F("closed_on").desc(nulls_first=True), "-opened_on", "-id")
        .first()
    )
    leads = Worker.objects.filter(
        local_team=case.local_team_id, is_active=True, role_memberships__role=Role.TEAM_LEAD
    ).values_list("pk", flat=True)
    notify(
        leads,
        NotificationKind.BREAK_GLASS,
        case,
        _(
            "%(worker)s (%(team)s) heeft het gezin van casus %(case)s geopend buiten het team: "
            "%(reason)s. Beoordeel het op Inzage buiten het team."
        )
        % {
            "worker": by,
            "team": by.local_team.name if by.local_team_id else "—",
            "case": case.ref,
            "reason": label,
        },
        "break-glass-review",
        [],
        by=by,
    )
    return grant


@transaction.atomic
def review_break_glass(
    *, grant: BreakGlassGrant, by: Worker, note: str = "", origin: str = ""
) -> BreakGlassGrant:
    """The team lead of a team with a case of the family marks a grant reviewed, with a note;
    in the access log in the same transaction."""
    grant = BreakGlassGrant.objects.select_for_update().select_related("family").get(pk=grant.pk)
    if Role.TEAM_LEAD not in by.role_codes() or not by.local_team_id:
        raise PermissionDenied
    if not Case.objects.filter(family=grant.family_id, local_team=by.local_team_id).exists():
        raise PermissionDenied
    if grant.is_reviewed:
        raise ValidationError(_("Deze inzage is al beoordeeld."))
    grant.reviewed_by = by
    grant.reviewed_at = timezone.now()
    grant.review_note = note.strip()
    grant.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    record_access(
        actor_kind="worker",
        actor=f"{by.ref} ({by.get_username()})",
        accesses=[Access(grant.family.ref, "break_glass", str(grant.pk))],
        action=AccessAction.CHANGE,
        purpose=PURPOSE_BREAK_GLASS_REVIEW,
        origin=origin,
    )
    return grant


# --- the gezinsportaal: accounts for the family, their login, questions, consent --------------

#: A youth has an account of their own from this age; from ``FAMILY_EARLY_AGE`` only with the
#: regisseur's recorded reason (Jeugdwet/WGBO: competent from 12, own rights from 16).
FAMILY_OWN_AGE = 16
FAMILY_EARLY_AGE = 12
FAMILY_LINK_SCOPE = "gezinsportaal"
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def family_plain_text(text: str, *, max_length: int = FAMILY_TEXT_MAX) -> str:
    """A text the family (or a worker answering it) writes: hostile input. Plain text only —
    no HTML, no control characters —, not empty, at most ``max_length`` characters."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(_("Schrijf eerst uw bericht."))
    if len(text) > max_length:
        raise ValidationError(
            _("Uw tekst is te lang: ten hoogste %(max)s tekens.") % {"max": max_length}
        )
    if _HTML.search(text) or _CONTROL.search(text):
        raise ValidationError(_("Gebruik gewone tekst, zonder code of opmaak (zoals < en >)."))
    return text


def _check_current_regisseur(case: Case, by: Worker) -> None:
    period = current_regisseur_of(case)
    if period is None or period.worker_id != by.pk:
        raise ValidationError(_("Alleen de regisseur van dit gezin kan dit doen."))


def family_link_token(account: FamilyAccount) -> str:
    """A login link's key for ``account``: signed, short-lived (``FAMILY_LINK_MINUTES``), and
    void once used (``last_login`` changes; django-sesame)."""
    from sesame.tokens_v2 import create_token

    return create_token(account, scope=FAMILY_LINK_SCOPE)


def _mail_link(account: FamilyAccount, *, invitation: bool) -> None:
    from django.core.mail import send_mail
    from django.urls import reverse

    token = family_link_token(account)
    link = f"{settings.SITE_URL}{reverse('family-link')}?{settings.SESAME_TOKEN_NAME}={token}"
    minutes = settings.FAMILY_LINK_MINUTES
    if invitation:
        subject = _("Uitnodiging voor het gezinsportaal")
        intro = _("Uw regisseur nodigt u uit voor het gezinsportaal. Daar ziet u uw plan.")
    else:
        subject = _("Inloggen op het gezinsportaal")
        intro = _("U vroeg om in te loggen op het gezinsportaal.")
    body = "\n\n".join(
        [
            str(intro),
            _("Klik op deze link om in te loggen (de link werkt %(minutes)s minuten, één keer):")
            % {"minutes": minutes},
            link,
            _("Daarna krijgt u een code in een tweede e-mail."),
            _("Vroeg u hier niet om? Dan kunt u deze e-mail weggooien."),
        ]
    )
    transaction.on_commit(
        lambda: send_mail(str(subject), body, settings.DEFAULT_FROM_EMAIL, [account.email])
    )


@transaction.atomic
def invite_family_member(
    *,
    case: Case,
    by: Worker,
    email: str,
    carer: Carer | None = None,
    youth: Youth | None = None,
    early_reason: str = "",
    origin: str = "",
) -> FamilyAccount:
    """The regisseur invites a carer with gezag, or a youth from 16 (from 12 with a reason), to
    the gezinsportaal: an account, and a login link by e-mail. In the access log."""
    _check_current_regisseur(case, by)
    if not case.is_open:
        raise ValidationError(_("Deze casus is gesloten."))
    if (carer is None) == (youth is None):
        raise ValidationError(_("Kies één opvoeder of jongere."))
    person = carer or youth
    if person.family_id != case.family_id:
        raise ValidationError(_("Deze persoon hoort niet bij dit gezin."))
    early_reason = (early_reason or "").strip()
    if carer is not None:
        if not CarerRelation.objects.filter(carer=carer, has_gezag=True).exists():
            raise ValidationError(_("Alleen een opvoeder met gezag krijgt een account."))
        early_reason = ""
    else:
        age = age_on(youth.birth_date, timezone.localdate())
        if age < FAMILY_EARLY_AGE:
            raise ValidationError(_("Een jongere krijgt een account vanaf 12 jaar."))
        if age < FAMILY_OWN_AGE and not early_reason:
            raise ValidationError(
                _("Een jongere onder de 16 krijgt alleen een account met uw reden.")
            )
        if age >= FAMILY_OWN_AGE:
            early_reason = ""
    account = FamilyAccount(
        family=case.family,
        carer=carer,
        youth=youth,
        email=email,
        invited_by=by,
        early_reason=family_plain_text(early_reason) if early_reason else "",
    )
    account.full_clean(exclude=["invited_by"], validate_constraints=False)
    if FamilyAccount.objects.filter(
        Q(carer=carer) if carer else Q(youth=youth), is_active=True
    ).exists():
        raise ValidationError(_("Deze persoon heeft al een account."))
    account.save()
    record_access(
        actor_kind="worker",
        actor=_actor(by),
        accesses=[Access(case.family.ref, "family_account", account.ref)],
        action=AccessAction.CHANGE,
        purpose=PURPOSE_FAMILY_ACCOUNT
        + (f": onder de 16, reden: {early_reason}" if early_reason else ""),
        origin=origin,
    )
    _mail_link(account, invitation=True)
    return account


@transaction.atomic
def deactivate_family_account(*, account: FamilyAccount, by: Worker, origin: str = "") -> None:
    """The regisseur ends an account: it logs in no more (its links and codes die with it)."""
    case = account.family.cases.filter(closed_on__isnull=True).first()
    if case is not None:
        _check_current_regisseur(case, by)
    account.is_active, account.deactivated_at = False, timezone.now()
    account.save(update_fields=["is_active", "deactivated_at"])
    record_access(
        actor_kind="worker",
        actor=_actor(by),
        accesses=[Access(account.family.ref, "family_account", account.ref)],
        action=AccessAction.CHANGE,
        purpose=PURPOSE_FAMILY_ACCOUNT + ": account beëindigd",
        origin=origin,
    )


def request_family_link(email: str) -> None:
    """A new login link for the active account with this address, if there is one; the caller
    answers the same either way (nobody learns whether an address has an account)."""
    for account in FamilyAccount.objects.filter(email__iexact=email.strip(), is_active=True):
        _mail_link(account, invitation=False)


def _active_account(pk) -> FamilyAccount | None:
    return FamilyAccount.objects.filter(pk=pk, is_active=True).first()


@transaction.atomic
def use_family_link(token: str) -> FamilyAccount | None:
    """The account a login link is for, if it is valid, unexpired and unused; using it voids it
    (and every other link sent before)."""
    from sesame.tokens_v2 import parse_token

    account = parse_token(token, _active_account, scope=FAMILY_LINK_SCOPE)
    if account is None:
        return None
    account = FamilyAccount.objects.select_for_update().get(pk=account.pk)
    if parse_token(token, lambda pk: account, scope=FAMILY_LINK_SCOPE) is None:
        return None  # used meanwhile by a request that got the lock first
    account.last_login = timezone.now()
    account.save(update_fields=["last_login"])
    return account


def family_code_hash(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"family-code:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def send_family_code(account: FamilyAccount) -> None:
    """The second step: a fresh 6-digit code by e-mail; older unused codes die."""
    from django.core.mail import send_mail

    now = timezone.now()
    FamilyLoginCode.objects.filter(account=account, used_at__isnull=True).update(
        expires_at=now, attempts=settings.FAMILY_CODE_ATTEMPTS
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    FamilyLoginCode.objects.create(
        account=account,
        code_hash=family_code_hash(code),
        expires_at=now + dt.timedelta(minutes=settings.FAMILY_CODE_MINUTES),
    )
    body = _(
        "Uw code voor het gezinsportaal is %(code)s. De code werkt %(minutes)s minuten. "
        "Geef deze code aan niemand, ook niet aan iemand die zegt dat hij van de gemeente is."
    ) % {"code": code, "minutes": settings.FAMILY_CODE_MINUTES}
    transaction.on_commit(
        lambda: send_mail(
            str(_("Uw code voor het gezinsportaal")),
            body,
            settings.DEFAULT_FROM_EMAIL,
            [account.email],
        )
    )


@transaction.atomic
def verify_family_code(account: FamilyAccount, code: str) -> bool:
    """True once for the right code within its time; a wrong try counts against it."""
    now = timezone.now()
    current = (
        FamilyLoginCode.objects.select_for_update()
        .filter(account=account, used_at__isnull=True, expires_at__gt=now)
        .filter(attempts__lt=settings.FAMILY_CODE_ATTEMPTS)
        .order_by("-created_at")
        .first()
    )
    if current is None:
        return False
    if not hmac.compare_digest(current.code_hash, family_code_hash((code or "").strip())):
        current.attempts += 1
        current.save(update_fields=["attempts"])
        return False
    current.used_at = now
    current.save(update_fields=["used_at"])
    return True


def broker_subject_key(issuer: str, subject: str) -> str:
    """What ``FamilyAccount.broker_subject`` holds for the broker's ``sub``: an HMAC-SHA256
    under ``BSN_HASH_KEY`` over the issuer and the subject. Bound to the issuer (a subject
    counts only for the broker that gave it) and never the subject in clear (a broker may use
    the BSN itself as the subject)."""
    message = f"family-broker:{issuer}\n{subject}".encode()
    return hmac.new(settings.BSN_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()


def _broker_refused(reason: str) -> SingleSignOnRefused:
    return SingleSignOnRefused(
        _(
            "Wij vinden bij deze inlog geen account voor het gezinsportaal. Uw regisseur kan u "
            "uitnodigen; met een uitnodiging logt u ook in met uw e-mailadres."
        ),
        reason,
    )


def _youth_may_log_in(youth: Youth, account: FamilyAccount) -> bool:
    age = age_on(youth.birth_date, timezone.localdate())
    return age >= FAMILY_OWN_AGE or (age >= FAMILY_EARLY_AGE and bool(account.early_reason))


@sensitive_variables("identifier", "digest")
@transaction.atomic
def family_account_for_broker(*, issuer: str, subject: str, identifier: str) -> FamilyAccount:
    """The family account a broker's (DigiD) login is for: matched, never created.

    First by the broker's subject stored at an earlier login (``broker_subject_key``); else by
    the BSN the broker asserts (``identifier``): the one active account whose carer or youth
    has that BSN, which then keeps the subject for the next logins. Refused
    (``SingleSignOnRefused``, the reason without personal data): no account, more than one, a
    subject whose account's person has another BSN, a youth under the age the account needs.
    """
    if not subject:
        raise _broker_refused("no subject")
    key = broker_subject_key(issuer, subject)
    accounts = FamilyAccount.objects.select_for_update(of=("self",)).select_related(
        "carer", "youth"
    )
    identifier = (identifier or "").strip()
    digest = bsn_digest(identifier) if is_valid_bsn(identifier) else ""
    account = accounts.filter(broker_subject=key, is_active=True).first()
    if account is not None:
        known = account.person.bsn_hash
        if digest and known and not hmac.compare_digest(known, digest):
            raise _broker_refused("subject and BSN name different people")
    else:
        if not digest:
            raise _broker_refused("no valid BSN asserted")
        matches = list(
            accounts.filter(Q(carer__bsn_hash=digest) | Q(youth__bsn_hash=digest), is_active=True)[
                :2
            ]
        )
        if not matches:
            raise _broker_refused("no active account for this BSN")
        if len(matches) > 1:
            raise _broker_refused("more than one account for this BSN")
        account = matches[0]
    if account.youth_id and not _youth_may_log_in(account.youth, account):
        raise SingleSignOnRefused(
            _(
                "Je bent nog te jong om zelf in te loggen op het gezinsportaal. Vraag je "
                "regisseur wat wel kan."
            ),
            "youth under the age limit",
        )
    # An ended account may still hold the subject: it moves to the account that logs in now.
    FamilyAccount.objects.filter(broker_subject=key).exclude(pk=account.pk).update(
        broker_subject=""
    )
    account.broker_subject = key
    account.last_login = timezone.now()
    account.save(update_fields=["broker_subject", "last_login"])
    return account


def _open_case_of_family(family_id: int) -> Case:
    case = Case.objects.filter(family_id=family_id, closed_on__isnull=True).first()
    if case is None:
        raise ValidationError(_("Er is geen lopende hulp meer voor uw gezin."))
    return case


@transaction.atomic
def ask_regisseur(*, account: FamilyAccount, text: str) -> FamilyMessage:
    """A question from the family to its regisseur, with a melding for the regisseur."""
    case = _open_case_of_family(account.family_id)
    message = FamilyMessage.objects.create(case=case, account=account, text=family_plain_text(text))
    notify_regisseur(
        case,
        NotificationKind.FAMILY_MESSAGE,
        _("Nieuwe vraag van het gezin in het gezinsportaal"),
        url_name="family-portal-worker",
        url_args=[case.family.ref],
    )
    return message


@transaction.atomic
def answer_family(*, case: Case, by: Worker, text: str) -> FamilyMessage:
    """The regisseur answers in the family's thread; the family's questions count as read."""
    _check_current_regisseur(case, by)
    message = FamilyMessage.objects.create(case=case, worker=by, text=family_plain_text(text))
    mark_family_messages_read(case=case)
    return message


def mark_family_messages_read(*, case: Case) -> int:
    return FamilyMessage.objects.filter(
        case=case, account__isnull=False, read_at__isnull=True
    ).update(read_at=timezone.now())


@transaction.atomic
def give_consent_by_family(*, account: FamilyAccount, purpose: str, provider=None) -> Consent:
    """The family gives consent itself (today), for a provider of its referrals or the table."""
    case = _open_case_of_family(account.family_id)
    if (
        purpose in SHARING_WITH_PROVIDER
        and provider is not None
        and not case.referrals.filter(provider=provider).exists()
    ):
        raise ValidationError(_("Deze zorgaanbieder hoort niet bij uw hulp."))
    if Consent.objects.filter(
        case=case, purpose=purpose, provider=provider, withdrawn_on__isnull=True
    ).exists():
        raise ValidationError(_("Deze toestemming geeft u al."))
    consent = record_consent(
        case=case, purpose=purpose, provider=provider, given_on=timezone.localdate(), by=None
    )
    consent.given_by_account = account
    consent.save(update_fields=["given_by_account"])
    return consent


@transaction.atomic
def withdraw_consent_by_family(*, account: FamilyAccount, consent: Consent) -> Consent:
    """The family withdraws its consent: in force no more from this moment (provider API, the
    provider's portal and the expert table follow on their next request)."""
    if consent.case.family_id != account.family_id:
        raise ValidationError(_("Deze toestemming hoort niet bij uw gezin."))
    consent = withdraw_consent(consent=consent, by=None)
    consent.withdrawn_by_account = account
    consent.save(update_fields=["withdrawn_by_account"])
    return consent


@transaction.atomic
def decide_carer_disclosure(
    *, youth: Youth, item_type: str, item_ref: str, shown: bool, by: Worker, origin: str = ""
) -> CarerDisclosure:
    """The regisseur decides whether the carers see an item about a youth of 16 or older in
    the gezinsportaal; the choice is in the access log."""
    case = _open_case_of_family(youth.family_id)
    _check_current_regisseur(case, by)
    disclosure, _created = CarerDisclosure.objects.update_or_create(
        item_type=item_type,
        item_ref=item_ref,
        defaults={"youth": youth, "shown": shown, "decided_by": by, "decided_at": timezone.now()},
    )
    record_access(
        actor_kind="worker",
        actor=_actor(by),
        accesses=[Access(youth.family.ref, item_type, item_ref)],
        action=AccessAction.CHANGE,
        purpose=(
            "gezinsportaal: zichtbaar gemaakt voor de ouders"
            if shown
            else "gezinsportaal: niet zichtbaar voor de ouders"
        ),
        origin=origin,
    )
    return disclosure
