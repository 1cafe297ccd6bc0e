"""Each change that is news for a worker writes exactly one melding, for exactly that worker:
the case's current regisseur (a hand-over: the worker it is offered to), never the one who
made the change, never the others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from casusregie import services as core
from casusregie.models import Notification, NotificationKind, RegisseurPeriod
from escalations import services as table
from flags.services import sweep
from referrals import services as referrals
from referrals.lifecycle import Status
from tests.escalations.conftest import MEETING

from .conftest import make_case, notes_of, today

pytestmark = pytest.mark.django_db


def provider_steps(referral, provider, upto: str):
    """Take the provider's steps on a sent referral up to ``upto``."""
    by = referrals.Actor.of_provider(provider)
    if upto == "declined":
        return referrals.decline_referral(
            referral=referral, by=by, reason_code="no_capacity", no_alternative_known=True
        )
    referral = referrals.accept_referral(referral=referral, by=by)
    if upto in ("started", "ended"):
        referral = referrals.start_care(referral=referral, by=by)
    if upto == "ended":
        referral = referrals.end_care(referral=referral, by=by, end_code="31")
    return referral


# --- a provider's answer, start and end of care ------------------------------------------------


@pytest.mark.parametrize(
    "upto, kinds",
    [
        ("accepted", ["referral_accepted"]),
        ("declined", ["referral_declined"]),
        ("started", ["referral_accepted", "care_started"]),
        ("ended", ["referral_accepted", "care_started", "care_ended"]),
    ],
)
def test_each_provider_step_tells_the_regisseur_and_nobody_else(
    sent_referral, provider, anna, everyone, case, upto, kinds
):
    referral = sent_referral()
    assert not Notification.objects.exists()  # the regisseur's own sending is no news to her
    provider_steps(referral, provider, upto)
    assert [n.kind for n in notes_of(anna)] == kinds
    assert Notification.objects.exclude(recipient=anna).count() == 0
    for note in notes_of(anna):
        assert note.case == case
        assert (note.url_name, note.url_args) == ("family-detail", [case.family.ref])
        assert "Jeugdzorg Horizon" in note.text
        assert note.read_at is None and note.email_due is False


def test_the_texts_say_what_happened(sent_referral, provider, anna):
    provider_steps(sent_referral(), provider, "ended")
    day = today().strftime("%d-%m-%Y")
    assert [n.text for n in notes_of(anna)] == [
        "Jeugdzorg Horizon heeft de verwijzing voor Specialistische ambulante jeugdhulp "
        "toegewezen.",
        f"Jeugdzorg Horizon is op {day} gestart met de zorg: Specialistische ambulante jeugdhulp.",
        f"Jeugdzorg Horizon heeft de zorg (Specialistische ambulante jeugdhulp) op {day} "
        "beëindigd.",
    ]


def test_the_regisseurs_own_steps_and_the_systems_expiry_are_no_news(sent_referral, anna):
    referral = sent_referral()
    referrals.withdraw_referral(referral=referral, by=referrals.Actor.regisseur(anna))
    expiring = sent_referral()
    type(expiring).objects.filter(pk=expiring.pk).update(sent_on=today() - dt.timedelta(days=60))
    assert referrals.expire_unanswered(today()) == 1
    assert type(expiring).objects.get(pk=expiring.pk).status == Status.EXPIRED
    assert not Notification.objects.exists()


def test_a_case_without_a_regisseur_today_gets_no_melding(sent_referral, provider, case, anna):
    referral = sent_referral()
    RegisseurPeriod.objects.filter(case=case).update(until=today())
    provider_steps(referral, provider, "accepted")
    assert not Notification.objects.exists()


def test_after_a_hand_over_the_news_goes_to_the_new_regisseur(
    sent_referral, provider, case, anna, bram
):
    referral = sent_referral()
    transfer = core.propose_transfer(case=case, to_worker=bram, by=anna)
    core.confirm_transfer(transfer=transfer, by=bram)
    provider_steps(referral, provider, "accepted")
    assert [n.kind for n in notes_of(bram)] == ["transfer_offered", "referral_accepted"]
    assert notes_of(anna) == []


def test_a_step_that_is_rolled_back_leaves_no_melding(sent_referral, provider):
    referral = sent_referral()
    with pytest.raises(RuntimeError), transaction.atomic():
        provider_steps(referral, provider, "accepted")
        raise RuntimeError("the request failed after the step")
    assert not Notification.objects.exists()


def test_another_provider_is_refused_and_nobody_hears_of_it(sent_referral, anna):
    from tests.factories import ProviderFactory

    with pytest.raises(referrals.NotAllowed):
        referrals.accept_referral(
            referral=sent_referral(), by=referrals.Actor.of_provider(ProviderFactory())
        )
    assert not Notification.objects.exists()


# --- a regie hand-over waiting for me -----------------------------------------------------------


def test_a_proposed_hand_over_tells_the_worker_it_is_offered_to(case, anna, bram, lead, everyone):
    core.propose_transfer(case=case, to_worker=bram, by=lead)
    (note,) = Notification.objects.all()
    assert (note.recipient, note.kind, note.case) == (bram, "transfer_offered", case)
    assert (note.url_name, note.url_args) == ("caseload", [])
    assert note.text == (
        f"Lotte Leider stelt voor dat u de regie van casus {case.ref} overneemt. Bevestig de "
        "overdracht op Mijn caseload."
    )


@pytest.mark.parametrize("settle", ["confirm", "cancel"])
def test_a_settled_hand_over_no_longer_waits_in_the_inbox(case, anna, bram, settle):
    transfer = core.propose_transfer(case=case, to_worker=bram, by=anna)
    if settle == "confirm":
        core.confirm_transfer(transfer=transfer, by=bram)
    else:
        core.cancel_transfer(transfer=transfer, by=anna)
    (note,) = notes_of(bram)
    assert note.read_at is not None


def test_a_refused_hand_over_writes_nothing(case, anna):
    with pytest.raises(core.ValidationError):
        core.propose_transfer(case=case, to_worker=anna, by=anna)  # already the regisseur
    assert not Notification.objects.exists()


# --- a decision of the expert table -------------------------------------------------------------


def decide(case, anna, chair, kind="advice"):
    escalation = table.submit_escalation(
        case=case, reason="Geen passend aanbod.", by=anna, submitted_on=today()
    )
    session = table.plan_session(**MEETING, held_on=today(), by=chair)
    table.add_to_agenda(session=session, escalation=escalation, by=chair)
    return table.record_decision(
        session=session,
        escalation=escalation,
        kind=kind,
        text="Advies: gezinsbegeleiding met onderwijszorg.",
        follow_up_on=today() + dt.timedelta(days=42),
        by=chair,
    )


def test_a_decision_of_the_table_tells_the_regisseur_and_nobody_else(case, anna, chair, everyone):
    decide(case, anna, chair)
    invitation, note = Notification.objects.order_by("id")
    assert (invitation.recipient, invitation.kind) == (anna, "table_invitation")
    assert (note.recipient, note.kind, note.case) == (anna, "table_decision", case)
    assert (note.url_name, note.url_args) == ("escalation-inbox", [])
    follow_up = today() + dt.timedelta(days=42)
    assert note.text == (
        f"De Regionale Experttafel besloot op {today():%d-%m-%Y}: Advies aan de regisseur. "
        f"Vervolg op {follow_up:%d-%m-%Y}."
    )


def test_a_refused_decision_writes_nothing(case, anna, chair):
    with pytest.raises(table.ValidationError):
        decide(case, anna, chair, kind="no_such_kind")
    assert not Notification.objects.filter(kind="table_decision").exists()


# --- new flags on my case -----------------------------------------------------------------------

SWEPT_ON = dt.date(2026, 6, 1)  # long after OPENED: a case without analysis or plan has flags


@pytest.fixture
def flagged(team, anna):
    """Two of Anna's cases without analysis and plan (flags on the sweep), one without a
    regisseur."""
    return (
        make_case(team, anna, garp=False),
        make_case(team, anna, garp=False),
        make_case(team, None, garp=False),
    )


def test_a_sweep_tells_the_regisseur_once_per_case_of_the_flags_it_opened(flagged, anna, lead):
    from flags.models import Flag

    mine, also_mine, nobodys = flagged
    result = sweep(SWEPT_ON)
    assert result.opened >= 3
    notes = notes_of(anna)
    assert sorted(n.case_id for n in notes) == sorted([mine.pk, also_mine.pk])
    assert result.regisseur_notices == 2
    assert not Notification.objects.filter(case=nobodys).exists()
    assert not Notification.objects.exclude(recipient=anna).exists()
    for note in notes:
        opened = Flag.objects.filter(case=note.case_id, opened_on=SWEPT_ON).count()
        assert note.kind == NotificationKind.FLAG_OPENED
        assert (note.url_name, note.url_args) == ("family-detail", [note.case.family.ref])
        if opened == 1:
            assert note.text.startswith("Nieuw signaal: ")
        else:
            assert note.text.startswith(f"{opened} nieuwe signalen: ")


def test_a_second_sweep_opens_nothing_and_tells_nobody(flagged, anna):
    sweep(SWEPT_ON)
    before = Notification.objects.count()
    again = sweep(SWEPT_ON)
    assert (again.opened, again.regisseur_notices) == (0, 0)
    later = sweep(SWEPT_ON + dt.timedelta(days=1))
    assert later.opened == 0
    assert Notification.objects.count() == before


def test_only_the_newly_opened_flag_is_news(flagged, anna):
    from flags.models import Flag

    mine = flagged[0]
    sweep(SWEPT_ON)
    Notification.objects.all().delete()
    flag = Flag.objects.filter(case=mine).order_by("id").first()
    # The condition of one flag cleared and returned: the sweep opens a new flag for it.
    Flag.objects.filter(pk=flag.pk).update(resolved_on=SWEPT_ON, resolution="condition_cleared")
    result = sweep(SWEPT_ON + dt.timedelta(days=1))
    assert result.opened == 1
    (note,) = Notification.objects.all()
    assert (note.recipient, note.case) == (anna, mine)
    assert note.text.startswith("Nieuw signaal: ")


def test_a_requested_sweep_of_one_case_tells_its_regisseur(flagged, anna):
    from flags.services import sweep_requested

    mine = flagged[0]
    sweep(SWEPT_ON, case_ids=[mine.pk])
    assert [n.case_id for n in notes_of(anna)] == [mine.pk]
    assert sweep_requested(SWEPT_ON).cases == 0
