"""The expert table's services: escalate, plan, set the agenda, decide, send maatwerk, close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casusregie.models import RegisseurPeriod
from escalations import services
from escalations.models import AgendaItem, Decision, Escalation, EscalationSource
from flags.models import Flag
from flags.services import escalate_flag, sweep
from referrals import services as referrals
from referrals.lifecycle import Status
from referrals.models import Referral, ReferralEvent
from tests.factories import ProductFactory, ProviderFactory, WorkerFactory

from .conftest import MEETING, days_ago, today

pytestmark = pytest.mark.django_db


# --- 1. escalation --------------------------------------------------------------------------------


def test_the_regisseur_escalates_with_the_question_what_was_tried_and_declined_referrals(
    make_case, regisseur, declined_referral
):
    case = make_case()
    declined = declined_referral(case)
    escalation = services.submit_escalation(
        case=case,
        reason="Welke combinatie van onderwijs en zorg past?",
        tried="Ambulante begeleiding, schoolmaatschappelijk werk.",
        declined_referrals=[declined],
        by=regisseur,
    )
    assert escalation.source == EscalationSource.REGISSEUR
    assert escalation.tried == "Ambulante begeleiding, schoolmaatschappelijk werk."
    assert list(escalation.declined_referrals.all()) == [declined]
    assert escalation.submitted_on == today()


def test_only_declined_referrals_of_the_case_can_be_named(make_case, regisseur, declined_referral):
    case, other = make_case(), make_case()
    with pytest.raises(ValidationError):
        services.submit_escalation(
            case=case, reason="x", declined_referrals=[declined_referral(other)], by=regisseur
        )
    sent = declined_referral(case)
    sent.status, sent.decline_reason = Status.SENT, ""
    sent.answered_on = None
    sent.save()
    with pytest.raises(ValidationError):
        services.submit_escalation(case=case, reason="x", declined_referrals=[sent], by=regisseur)
    assert not Escalation.objects.exists()


def test_a_closed_case_is_not_escalated(make_case, regisseur):
    case = make_case()
    case.closed_on = today()
    case.save()
    with pytest.raises(ValidationError):
        services.submit_escalation(case=case, reason="x", by=regisseur)


def test_the_regisseur_s_later_aanmelding_supplements_the_open_escalation(
    make_case, regisseur, declined_referral
):
    case = make_case()
    first = services.submit_escalation(case=case, reason="Vraag één", tried="A", by=regisseur)
    declined = declined_referral(case)
    again = services.submit_escalation(
        case=case,
        reason="Vraag twee",
        tried="B",
        declined_referrals=[declined],
        by=regisseur,
        supplement=True,
    )
    assert again == first
    again.refresh_from_db()
    assert again.reason == "Vraag één\n\nVraag twee"
    assert again.tried == "A\n\nB"
    assert list(again.declined_referrals.all()) == [declined]
    # the same words twice are not repeated
    services.submit_escalation(case=case, reason="Vraag twee", by=regisseur, supplement=True)
    again.refresh_from_db()
    assert again.reason == "Vraag één\n\nVraag twee"


def test_the_regisseur_s_question_joins_an_escalation_the_rulebook_submitted(make_case, regisseur):
    """The sweep submits in SQL and says what was tried (the declined referral, with its
    reason); the regisseur adds to it."""
    case = make_case()
    declined = case.referrals.create(
        youth=case.family.youths.get(),
        product=ProductFactory(),
        provider=ProviderFactory(),
        status=Status.DECLINED,
        sent_on=days_ago(60),
        answered_on=days_ago(59),
        decline_reason="vol",
    )
    sweep(today())  # DECLINED_WITHOUT_ALTERNATIVE escalates at once (escalate_after 0)
    auto = Escalation.objects.get(case=case)
    rulebook_tried = (
        f"- {declined.product.name} bij {declined.provider.name}: "
        f"afgewezen op {days_ago(59):%d-%m-%Y}, reden: vol"
    )
    assert (auto.source, auto.tried) == (EscalationSource.RULEBOOK, rulebook_tried)
    assert list(auto.declined_referrals.all()) == [declined]
    joined = services.submit_escalation(
        case=case,
        reason="Graag maatwerk.",
        tried="Twee aanbieders",
        by=regisseur,
        supplement=True,
    )
    assert joined == auto
    joined.refresh_from_db()
    assert joined.reason.endswith("Graag maatwerk.")
    assert joined.tried == f"{rulebook_tried}\n\nTwee aanbieders"
    assert joined.source == EscalationSource.RULEBOOK


def test_without_supplement_a_later_trigger_joins_and_leaves_the_question(
    make_case, regisseur, declined_referral
):
    case = make_case()
    first = services.submit_escalation(case=case, reason="Vraag één", by=regisseur)
    again = services.submit_escalation(
        case=case, reason="Vraag twee", declined_referrals=[declined_referral(case)], by=regisseur
    )
    assert again == first and again.reason == "Vraag één"
    assert not again.declined_referrals.exists()


def test_escalating_a_flag_attaches_to_the_open_escalation(make_case, regisseur, escalate):
    case = make_case()
    escalation = escalate(case)
    flag = Flag.objects.create(
        rule="NO_PLAN",
        subject_type="case",
        subject_id=case.pk,
        case=case,
        severity="warning",
        since=days_ago(3),
        opened_on=days_ago(3),
        owner_role="regisseur",
    )
    escalate_flag(flag=flag, by=regisseur, reason="Ook het plan loopt vast.")
    flag.refresh_from_db()
    assert flag.escalation == escalation
    assert Escalation.objects.count() == 1


# --- 3. sessions, agenda, decisions ---------------------------------------------------------------


def test_the_chair_plans_a_session_with_members_of_the_table(chair, member):
    session = services.plan_session(**MEETING, held_on=today(), members=[member], by=chair)
    assert session.region_id == chair.region_id
    assert set(session.members.all()) == {chair, member}  # the chair is always a member
    assert session.planned_by == chair


def test_only_the_chair_plans_a_session(member, regisseur):
    for worker in (member, regisseur):
        with pytest.raises(PermissionDenied):
            services.plan_session(**MEETING, held_on=today(), by=worker)


def test_members_of_a_session_sit_at_that_table(chair, regisseur, foreign_member):
    for outsider in (regisseur, foreign_member):
        with pytest.raises(ValidationError):
            services.plan_session(**MEETING, held_on=today(), members=[outsider], by=chair)


def test_the_chair_puts_an_escalation_on_the_agenda_once(make_case, escalate, chair, session):
    escalation = escalate(make_case())
    item = services.add_to_agenda(session=session, escalation=escalation, by=chair)
    again = services.add_to_agenda(session=session, escalation=escalation, by=chair)
    assert item == again and AgendaItem.objects.count() == 1


def test_only_the_chair_of_that_table_sets_its_agenda(
    make_case, escalate, member, foreign_chair, session
):
    escalation = escalate(make_case())
    with pytest.raises(PermissionDenied):
        services.add_to_agenda(session=session, escalation=escalation, by=member)
    with pytest.raises(PermissionDenied):
        services.add_to_agenda(session=session, escalation=escalation, by=foreign_chair)


def test_an_escalation_of_another_region_is_not_on_this_table(
    make_case, escalate, chair, session, other_region, regisseur
):
    from tests.factories import LocalTeamFactory, MunicipalityFactory

    elsewhere = MunicipalityFactory(code="GM0546", region=other_region)
    case = make_case(
        in_municipality=elsewhere, local_team=LocalTeamFactory(municipalities=[elsewhere])
    )
    with pytest.raises(PermissionDenied):
        services.add_to_agenda(session=session, escalation=escalate(case), by=chair)


def test_a_session_before_the_submission_cannot_discuss_it(make_case, escalate, chair):
    escalation = escalate(make_case(), submitted_on=today())
    earlier = services.plan_session(**MEETING, held_on=days_ago(1), by=chair)
    with pytest.raises(ValidationError):
        services.add_to_agenda(session=earlier, escalation=escalation, by=chair)


def test_recording_the_decision_marks_the_escalation_discussed_on_the_session_date(
    make_case, escalate, chair
):
    escalation = escalate(make_case(), submitted_on=days_ago(20))
    held = services.plan_session(**MEETING, held_on=days_ago(2), by=chair)
    services.add_to_agenda(session=held, escalation=escalation, by=chair)
    decision = services.record_decision(
        session=held,
        escalation=escalation,
        kind="advice",
        text="Betrek de leerplichtambtenaar.",
        follow_up_on=today(),
        by=chair,
    )
    escalation.refresh_from_db()
    assert escalation.discussed_on == days_ago(2)
    assert (decision.kind, decision.session, decision.decided_by) == ("advice", held, chair)
    assert decision.product is None


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("return", "", "Schrijf de redenen op."),
        ("advice", "  ", "Schrijf het advies of de afspraken op."),
        ("tailored", "maatwerk", "Een maatwerkarrangement noemt het product"),
        ("unknown", "x", "Kies het soort besluit."),
    ],
)
def test_a_decision_says_what_it_decides(make_case, escalate, chair, session, kind, text, message):
    escalation = escalate(make_case())
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    with pytest.raises(ValidationError, match=message):
        services.record_decision(
            session=session,
            escalation=escalation,
            kind=kind,
            text=text,
            follow_up_on=today(),
            by=chair,
        )
    escalation.refresh_from_db()
    assert escalation.discussed_on is None


def test_a_decision_is_for_an_agenda_item_once_and_not_before_the_session(
    make_case, escalate, chair, session
):
    escalation = escalate(make_case())
    args = {"kind": "advice", "text": "advies", "follow_up_on": today(), "by": chair}
    with pytest.raises(ValidationError, match="niet op de agenda"):
        services.record_decision(session=session, escalation=escalation, **args)
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    with pytest.raises(ValidationError, match="vóór de zitting"):
        services.record_decision(
            session=session, escalation=escalation, **(args | {"follow_up_on": days_ago(1)})
        )
    services.record_decision(session=session, escalation=escalation, **args)
    with pytest.raises(ValidationError, match="al besloten"):
        services.record_decision(session=session, escalation=escalation, **args)
    future = services.plan_session(**MEETING, held_on=today() + dt.timedelta(days=7), by=chair)
    second = escalate(make_case())
    services.add_to_agenda(session=future, escalation=second, by=chair)
    with pytest.raises(ValidationError, match="op of na de dag van de zitting"):
        services.record_decision(session=future, escalation=second, **args)


def test_only_the_chair_records_a_decision(make_case, escalate, chair, member, session):
    escalation = escalate(make_case())
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    with pytest.raises(PermissionDenied):
        services.record_decision(
            session=session,
            escalation=escalation,
            kind="advice",
            text="x",
            follow_up_on=today(),
            by=member,
        )


def test_a_non_tailored_decision_names_no_product(make_case, escalate, chair, session):
    escalation = escalate(make_case())
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    decision = services.record_decision(
        session=session,
        escalation=escalation,
        kind="protection_table",
        text="Naar de Beschermingstafel, met de ouders erbij.",
        follow_up_on=today(),
        product=ProductFactory(),
        providers=[ProviderFactory()],
        by=chair,
    )
    assert decision.product is None and not decision.providers.exists()


def test_the_agenda_item_comes_off_the_agenda_until_it_is_decided(
    make_case, escalate, chair, session, advised
):
    escalation = escalate(make_case())
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    services.remove_from_agenda(session=session, escalation=escalation, by=chair)
    assert not AgendaItem.objects.exists()
    advised(escalation)
    with pytest.raises(ValidationError):
        services.remove_from_agenda(session=session, escalation=escalation, by=chair)


def test_discussing_resolves_escalation_not_discussed_in_the_next_sweep(
    make_case, escalate, chair, session, django_capture_on_commit_callbacks
):
    case = make_case()
    escalation = escalate(case, submitted_on=days_ago(30))  # > 10 working days ago
    sweep(today())
    flag = Flag.objects.get(rule="ESCALATION_NOT_DISCUSSED", resolved_on__isnull=True)
    assert (flag.subject_id, flag.severity) == (escalation.pk, "violation")
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.record_decision(
            session=session,
            escalation=escalation,
            kind="advice",
            text="advies",
            follow_up_on=today(),
            by=chair,
        )
    assert callbacks, "record_decision asks for a sweep of the case"
    flag.refresh_from_db()
    assert (flag.resolved_on, flag.resolution) == (today(), "condition_cleared")


# --- 4. back to the regisseur ---------------------------------------------------------------------


def test_a_tailored_arrangement_becomes_referrals_sent_in_one_step(
    make_case, escalate, regisseur, tailored
):
    case = make_case()
    decision = tailored(escalate(case))
    youth = case.family.youths.get()
    sent = services.send_tailored_referral(
        decision=decision, youth=youth, question="Start binnen twee weken.", by=regisseur
    )
    assert [r.provider.name for r in sent] == ["De Schakel", "Maaskant"]
    assert {r.status for r in sent} == {Status.SENT}
    assert {r.product for r in sent} == {decision.product}
    assert set(decision.referrals.all()) == set(sent)
    drafts = ReferralEvent.objects.filter(referral__in=sent, to_status=Status.DRAFT)
    assert {e.data["tailored_decision"] for e in drafts} == {decision.escalation.ref}
    with pytest.raises(ValidationError, match="al verzonden"):
        services.send_tailored_referral(decision=decision, youth=youth, question="x", by=regisseur)


def test_maatwerk_keeps_the_analysis_rule_for_specialist_products(
    make_case, escalate, regisseur, tailored
):
    case = make_case(analysis=False)
    decision = tailored(escalate(case), product=ProductFactory(specialist=True))
    with pytest.raises(referrals.ReferralRefused) as refused:
        services.send_tailored_referral(
            decision=decision, youth=case.family.youths.get(), question="x", by=regisseur
        )
    assert refused.value.code == "analysis_not_established"
    assert not Referral.objects.exists()  # all or none


def test_only_the_current_regisseur_sends_the_maatwerk_referral(
    make_case, escalate, team_lead, tailored
):
    case = make_case()
    decision = tailored(escalate(case))
    with pytest.raises(referrals.NotAllowed):
        services.send_tailored_referral(
            decision=decision, youth=case.family.youths.get(), question="x", by=team_lead
        )


def test_an_advice_is_no_referral(make_case, escalate, advised, regisseur):
    case = make_case()
    escalation = escalate(case)
    advice = advised(escalation)
    with pytest.raises(ValidationError, match="geen maatwerkarrangement"):
        services.send_tailored_referral(
            decision=advice, youth=case.family.youths.get(), question="x", by=regisseur
        )


# create_referral's explicit maatwerk path -------------------------------------------------------


def test_without_a_tailored_decision_the_contract_check_still_applies(make_case, regisseur):
    case = make_case()
    with pytest.raises(referrals.InvalidInput) as refused:
        referrals.create_referral(
            case=case,
            youth=case.family.youths.get(),
            product=ProductFactory(),
            provider=ProviderFactory(),
            by=referrals.Actor.regisseur(regisseur),
        )
    assert refused.value.code == "no_contract"


def test_a_tailored_decision_lets_the_referral_bypass_the_contract_check(
    make_case, escalate, regisseur, tailored
):
    case = make_case()
    decision = tailored(escalate(case))
    referral = referrals.create_referral(
        case=case,
        youth=case.family.youths.get(),
        product=decision.product,
        provider=decision.providers.get(name="Maaskant"),
        by=referrals.Actor.regisseur(regisseur),
        tailored=services.tailored_arrangement(decision=decision, case=case),
    )
    assert referral.status == Status.DRAFT


@pytest.mark.parametrize("mismatch", ["product", "provider", "case", "closed"])
def test_a_tailored_decision_covers_only_what_the_table_decided(
    make_case, escalate, regisseur, tailored, chair, mismatch
):
    case = make_case()
    decision = tailored(escalate(case))
    product, provider = decision.product, decision.providers.first()
    target = case
    if mismatch == "product":
        product = ProductFactory()
    elif mismatch == "provider":
        provider = ProviderFactory()
    elif mismatch == "case":
        target = make_case()
    else:
        services.close_escalation(escalation=decision.escalation, by=chair)
    with pytest.raises(referrals.InvalidInput) as refused:
        referrals.create_referral(
            case=target,
            youth=target.family.youths.get(),
            product=product,
            provider=provider,
            by=referrals.Actor.regisseur(regisseur),
            tailored=services.tailored_arrangement(decision=decision, case=target),
        )
    assert refused.value.code == "not_tailored"


def test_an_advice_decision_opens_no_contract_bypass(make_case, escalate, regisseur, advised):
    case = make_case()
    escalation = escalate(case)
    advice = advised(escalation)
    with pytest.raises(referrals.InvalidInput) as refused:
        referrals.create_referral(
            case=case,
            youth=case.family.youths.get(),
            product=ProductFactory(),
            provider=ProviderFactory(),
            by=referrals.Actor.regisseur(regisseur),
            tailored=services.tailored_arrangement(decision=advice, case=case),
        )
    assert refused.value.code == "not_tailored"


# closing the follow-up ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["regisseur", "chair"])
def test_the_regisseur_or_the_chair_closes_the_follow_up(
    make_case, escalate, tailored, regisseur, chair, who
):
    decision = tailored(escalate(make_case()))
    closer = regisseur if who == "regisseur" else chair
    escalation = services.close_escalation(escalation=decision.escalation, by=closer)
    assert (escalation.closed_on, escalation.closed_by) == (today(), closer)
    with pytest.raises(ValidationError, match="al afgerond"):
        services.close_escalation(escalation=escalation, by=closer)


def test_others_do_not_close_the_follow_up(
    make_case, escalate, tailored, member, foreign_chair, team, team_lead
):
    decision = tailored(escalate(make_case()))
    colleague = WorkerFactory(local_team=team)
    for outsider in (member, foreign_chair, colleague, team_lead):
        with pytest.raises(PermissionDenied):
            services.close_escalation(escalation=decision.escalation, by=outsider)


def test_an_escalation_closes_only_after_its_discussion(make_case, escalate, regisseur):
    escalation = escalate(make_case())
    with pytest.raises(ValidationError, match="nog niet besproken"):
        services.close_escalation(escalation=escalation, by=regisseur)


def test_the_new_regisseur_after_a_hand_over_follows_up(
    make_case, escalate, tailored, regisseur, team
):
    case = make_case()
    decision = tailored(escalate(case))
    successor = WorkerFactory(local_team=team)
    RegisseurPeriod.objects.filter(case=case).update(until=today())
    RegisseurPeriod.objects.create(case=case, worker=successor, from_date=today())
    with pytest.raises(PermissionDenied):
        services.close_escalation(escalation=decision.escalation, by=regisseur)
    assert services.close_escalation(escalation=decision.escalation, by=successor).closed_on


def test_the_database_keeps_one_decision_per_escalation(make_case, escalate, tailored, session):
    from django.db import IntegrityError, transaction

    decision = tailored(escalate(make_case()))
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            escalation=decision.escalation,
            session=session,
            kind="advice",
            text="x",
            follow_up_on=today(),
        )
