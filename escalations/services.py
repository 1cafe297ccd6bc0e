"""Writes of the expert table: bring a case to the table, plan a session, set its agenda,
record the decision, send the referral of a tailored arrangement, close the follow-up.

The sweep submits its escalations set-based in SQL (``flags.services``), with the same rule as
here: a case has at most one open escalation (a database constraint), and a new request for a
case that is already on the table joins the open escalation instead of making a second one.

Each action checks the actor against ``escalations.policies`` (views have checked the scope
already: this is the second line) and raises ``PermissionDenied``; a business rule that does not
hold raises ``ValidationError`` with a Dutch message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.models import Case, NotificationKind, Role, Worker, Youth
from casusregie.notifications import notify_regisseur
from casusregie.rejudge import request_case_sweep
from referrals import services as referrals
from referrals.lifecycle import Status

from . import policies
from .models import (
    AgendaItem,
    Decision,
    DecisionKind,
    Escalation,
    EscalationSource,
    TableSession,
)


def open_escalation_of(case: Case) -> Escalation | None:
    """The case's escalation that has not been discussed yet, if any."""
    return Escalation.objects.filter(case=case, discussed_on__isnull=True).first()


def _declined_of(case: Case, referrals: Iterable) -> list:
    chosen = list(referrals)
    for referral in chosen:
        if referral.case_id != case.pk or referral.status != Status.DECLINED:
            raise ValidationError(_("Kies alleen afgewezen verwijzingen van deze casus."))
    return chosen


def _joined(text: str, addition: str) -> str:
    """``text`` with ``addition`` as a new paragraph, unless it says that already."""
    addition = addition.strip()
    if not addition or addition in text:
        return text
    return f"{text}\n\n{addition}" if text else addition


def submit_escalation(
    *,
    case: Case,
    reason: str,
    by: Worker | None = None,
    source: str = EscalationSource.REGISSEUR,
    submitted_on: dt.date | None = None,
    tried: str = "",
    declined_referrals: Iterable = (),
    supplement: bool = False,
) -> Escalation:
    """Bring ``case`` to its region's expert table; the open escalation when there is one.

    A later request for a case already on the table attaches to the open escalation (a flag
    links to it, the sweep leaves it as it is). With ``supplement`` — the regisseur's own
    aanmelding form — its question and what was tried are added to the open escalation as new
    paragraphs and its declined referrals joined.
    """
    if case.closed_on is not None:
        raise ValidationError(_("Deze casus is gesloten."))
    declined = _declined_of(case, declined_referrals)
    existing = open_escalation_of(case)
    if existing is None:
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    case=case,
                    reason=reason.strip(),
                    tried=tried.strip(),
                    submitted_by=by,
                    source=source,
                    submitted_on=submitted_on or timezone.localdate(),
                )
                escalation.declined_referrals.add(*declined)
        except IntegrityError:
            # Someone else submitted one at the same moment: that one is the case's escalation.
            existing = open_escalation_of(case)
            if existing is None:
                raise
        else:
            request_case_sweep(
                case.pk
            )  # ESCALATION_NOT_DISCUSSED starts counting for this escalation
            return escalation
    if not supplement:
        return existing
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=existing.pk)
        reason_now, tried_now = _joined(escalation.reason, reason), _joined(escalation.tried, tried)
        if (reason_now, tried_now) != (escalation.reason, escalation.tried):
            escalation.reason, escalation.tried = reason_now, tried_now
            escalation.save(update_fields=["reason", "tried", "updated_at"])
        escalation.declined_referrals.add(*declined)
    return escalation


# --- the chair --------------------------------------------------------------------------------


def _ensure_chair(by: Worker, obj) -> None:
    if not policies.chairs_the_table(by, obj):
        raise PermissionDenied(_("Alleen de voorzitter van deze experttafel doet dit."))


def table_members(region_id: int):
    """The active workers at the region's table (members and chair)."""
    return Worker.objects.filter(
        is_active=True,
        region=region_id,
        role_memberships__role__in=[Role.EXPERT_TABLE, Role.EXPERT_TABLE_CHAIR],
    ).distinct()


@transaction.atomic
def plan_session(*, held_on: dt.date, by: Worker, members: Iterable[Worker] = ()) -> TableSession:
    """The chair plans a session of their table; the chair is always one of its members."""
    region = policies.chaired_region_id(by)
    if region is None:
        raise PermissionDenied(_("Alleen de voorzitter van een experttafel plant een zitting."))
    chosen = {m.pk for m in members} | {by.pk}
    allowed = set(table_members(region).filter(pk__in=chosen).values_list("pk", flat=True))
    if chosen - allowed:
        raise ValidationError(_("Kies alleen leden van deze experttafel."))
    session = TableSession.objects.create(region_id=region, held_on=held_on, planned_by=by)
    session.members.set(sorted(chosen))
    return session


@transaction.atomic
def add_to_agenda(*, session: TableSession, escalation: Escalation, by: Worker) -> AgendaItem:
    """Put a waiting escalation of the table's region on the session's agenda (once)."""
    _ensure_chair(by, session)
    escalation = Escalation.objects.select_related("case__family__municipality").get(
        pk=escalation.pk
    )
    if policies.region_of(escalation) != session.region_id:
        raise PermissionDenied(_("Deze aanmelding hoort niet bij deze experttafel."))
    if not escalation.is_waiting:
        raise ValidationError(_("Deze aanmelding is al besproken."))
    if escalation.submitted_on > session.held_on:
        raise ValidationError(_("De zitting is eerder dan de aanmelding."))
    position = session.items.count() + 1
    item, _created = AgendaItem.objects.get_or_create(
        session=session, escalation=escalation, defaults={"position": position}
    )
    return item


@transaction.atomic
def remove_from_agenda(*, session: TableSession, escalation: Escalation, by: Worker) -> None:
    """Take an escalation off the agenda, as long as the table has not decided on it there."""
    _ensure_chair(by, session)
    if Decision.objects.filter(session=session, escalation=escalation).exists():
        raise ValidationError(_("Over deze aanmelding is op deze zitting al besloten."))
    AgendaItem.objects.filter(session=session, escalation=escalation).delete()


@transaction.atomic
def record_decision(
    *,
    session: TableSession,
    escalation: Escalation,
    kind: str,
    text: str,
    follow_up_on: dt.date,
    by: Worker,
    product=None,
    providers: Iterable = (),
) -> Decision:
    """The chair records the table's decision on an agenda item: the escalation is discussed
    on the session's date (ESCALATION_NOT_DISCUSSED resolves at the case's next sweep), and
    the case's regisseur gets a melding."""
    _ensure_chair(by, session)
    if not AgendaItem.objects.filter(session=session, escalation=escalation).exists():
        raise ValidationError(_("Deze aanmelding staat niet op de agenda van deze zitting."))
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_waiting:
        raise ValidationError(_("Over deze aanmelding is al besloten."))
    if kind not in DecisionKind.values:
        raise ValidationError(_("Kies het soort besluit."))
    if session.held_on > timezone.localdate():
        raise ValidationError(_("Een besluit wordt vastgelegd op of na de dag van de zitting."))
    if follow_up_on < session.held_on:
        raise ValidationError(_("Het vervolg ligt niet vóór de zitting."))
    if not text.strip():
        raise ValidationError(
            _("Schrijf de redenen op.")
            if kind == DecisionKind.RETURN
            else _("Schrijf het advies of de afspraken op.")
        )
    providers = list(providers)
    if kind == DecisionKind.TAILORED:
        if product is None or not providers:
            raise ValidationError(
                _("Een maatwerkarrangement noemt het product en de aanbieder(s) die het leveren.")
            )
    else:
        product, providers = None, []
    escalation.discussed_on = session.held_on
    escalation.save(update_fields=["discussed_on", "updated_at"])
    decision = Decision.objects.create(
        escalation=escalation,
        session=session,
        kind=kind,
        text=text.strip(),
        product=product,
        follow_up_on=follow_up_on,
        decided_by=by,
    )
    decision.providers.set(providers)
    notify_regisseur(
        escalation.case_id,
        NotificationKind.TABLE_DECISION,
        _("De Regionale Experttafel besloot op %(day)s: %(kind)s.")
        % {"day": session.held_on.strftime("%d-%m-%Y"), "kind": decision.get_kind_display()},
        "escalation-inbox",
        [],
        by=by,
    )
    request_case_sweep(escalation.case_id)
    return decision


# --- back to the regisseur --------------------------------------------------------------------


def tailored_arrangement(*, decision: Decision, case: Case) -> referrals.TailoredArrangement:
    """The table's open tailored arrangement for ``case``, for ``referrals.create_referral``;
    refused (``not_tailored``) when the decision is advice, of another case, or its follow-up
    was closed meanwhile (read from the database)."""
    open_tailored = (
        Decision.objects.filter(
            pk=decision.pk,
            kind=DecisionKind.TAILORED,
            escalation__case=case,
            escalation__closed_on__isnull=True,
        )
        .select_related("escalation")
        .first()
    )
    if open_tailored is None:
        raise referrals.InvalidInput(
            "not_tailored",
            _("Dit is geen open maatwerkarrangement van de experttafel voor deze casus."),
        )
    return referrals.TailoredArrangement(
        ref=open_tailored.escalation.ref,
        case_id=case.pk,
        product_id=open_tailored.product_id,
        provider_ids=frozenset(open_tailored.providers.values_list("pk", flat=True)),
    )


@transaction.atomic
def send_tailored_referral(*, decision: Decision, youth: Youth, question: str, by: Worker) -> list:
    """The regisseur turns a tailored arrangement into referrals in one step: one per provider
    the table named, created and sent at once (all or none). The contract check does not apply
    to maatwerk; the analysis rule for specialist products does (``referrals.services``)."""
    decision = (
        Decision.objects.select_for_update().select_related("escalation__case").get(pk=decision.pk)
    )
    if not decision.is_tailored:
        raise ValidationError(_("Dit besluit is geen maatwerkarrangement."))
    if decision.escalation.is_closed:
        raise ValidationError(_("Het vervolg van deze aanmelding is al afgerond."))
    if decision.referrals.exists():
        raise ValidationError(_("De verwijzing voor dit maatwerk is al verzonden."))
    if not question.strip():
        raise ValidationError(_("Schrijf de hulpvraag voor de aanbieder op."))
    actor = referrals.Actor.regisseur(by)
    arrangement = tailored_arrangement(decision=decision, case=decision.escalation.case)
    sent = []
    for provider in decision.providers.order_by("name"):
        referral = referrals.create_referral(
            case=decision.escalation.case,
            youth=youth,
            product=decision.product,
            provider=provider,
            by=actor,
            question=question.strip(),
            tailored=arrangement,
        )
        sent.append(referrals.send_referral(referral=referral, by=actor))
    decision.referrals.add(*sent)
    return sent


@transaction.atomic
def close_escalation(*, escalation: Escalation, by: Worker) -> Escalation:
    """The follow-up of the table's decision is done: the escalation closes (regisseur or chair)."""
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__family__municipality")
        .get(pk=escalation.pk)
    )
    if not (policies.is_regisseur_of(by, escalation) or policies.chairs_the_table(by, escalation)):
        raise PermissionDenied(_("Alleen de regisseur of de voorzitter rondt het vervolg af."))
    if escalation.is_waiting:
        raise ValidationError(_("Deze aanmelding is nog niet besproken."))
    if escalation.is_closed:
        raise ValidationError(_("Het vervolg van deze aanmelding is al afgerond."))
    escalation.closed_on = max(timezone.localdate(), escalation.discussed_on)
    escalation.closed_by = by
    escalation.save(update_fields=["closed_on", "closed_by", "updated_at"])
    return escalation
