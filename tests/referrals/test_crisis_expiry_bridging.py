"""Rulebook version 2 in the referral lifecycle: crisis care before the analysis, expiry that
records its date, and bridging support on a waiting referral."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from referrals import services
from referrals.lifecycle import Status
from referrals.models import OutboxEvent, Referral
from tests.factories import ContractFactory, ProductFactory, WorkerFactory

pytestmark = pytest.mark.django_db
Actor = services.Actor


@pytest.fixture
def without_analysis(case):
    case.analyses.all().delete()
    return case


@pytest.fixture
def crisis(provider, municipality):
    product = ProductFactory(
        code="CRISIS", segment="crisis", specialist=True, out_of_home=True, crisis=True
    )
    ContractFactory(provider=provider, product=product, municipalities=[municipality])
    return product


def test_a_crisis_referral_is_sent_and_started_without_an_established_analysis(
    without_analysis, make_referral, crisis, provider
):
    referral = make_referral(product=crisis)
    assert referral.status == Status.SENT
    by = Actor.of_provider(provider)
    referral = services.accept_referral(referral=referral, by=by)
    referral = services.start_care(referral=referral, by=by)
    assert referral.status == Status.STARTED


def test_a_specialist_referral_that_is_not_crisis_care_still_needs_the_analysis(
    without_analysis, make_referral
):
    draft = make_referral(send=False)
    with pytest.raises(services.ReferralRefused) as refused:
        services.send_referral(
            referral=draft, by=Actor.regisseur(draft.case.regisseurs.get().worker)
        )
    assert refused.value.code == "analysis_not_established"


def _send_in_sql(referral: Referral) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_referral SET status = 'sent', sent_on = %s WHERE id = %s",
            [dt.date.today(), referral.pk],
        )


def test_the_database_lets_a_crisis_referral_be_sent_without_analysis(
    without_analysis, make_referral, crisis
):
    draft = make_referral(product=crisis, send=False)
    _send_in_sql(draft)  # past the service: the trigger is the invariant
    draft.refresh_from_db()
    assert draft.status == Status.SENT


def test_the_database_refuses_sending_other_specialist_care_without_analysis(
    without_analysis, make_referral
):
    draft = make_referral(send=False)
    with (
        pytest.raises(IntegrityError, match="sent only with an established analysis"),
        transaction.atomic(),
    ):
        _send_in_sql(draft)


# -- expiry ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("as_of", "expired_on"),
    [
        (dt.date(2026, 11, 24), dt.date(2026, 11, 24)),  # on the day: 20 working days
        (dt.date(2026, 11, 30), dt.date(2026, 11, 24)),  # a late run still dates it truly
    ],
)
def test_an_expired_referral_records_the_day_it_expired(make_referral, as_of, expired_on):
    referral = make_referral()
    Referral.objects.filter(pk=referral.pk).update(sent_on=dt.date(2026, 10, 27))
    assert services.expire_unanswered(as_of) == 1
    referral.refresh_from_db()
    assert (referral.status, referral.expired_on) == (Status.EXPIRED, expired_on)
    event = referral.events.get(to_status=Status.EXPIRED)
    assert event.data == {"expired_on": expired_on.isoformat()}
    assert OutboxEvent.objects.filter(referral=referral, kind="expired").exists()


@override_settings(REFERRAL_EXPIRY_WORKING_DAYS=10)
def test_expiry_counts_working_days_across_easter(make_referral):
    """Sent Mon 15 Mar 2027: 10 working days skip Good Friday (26 Mar) and Easter Monday
    (29 Mar), so the referral expires on Wed 31 Mar, not on Tue 30 Mar."""
    referral = make_referral()
    Referral.objects.filter(pk=referral.pk).update(sent_on=dt.date(2027, 3, 15))
    assert services.expire_unanswered(dt.date(2027, 3, 30)) == 0
    assert services.expire_unanswered(dt.date(2027, 3, 31)) == 1
    referral.refresh_from_db()
    assert referral.expired_on == dt.date(2027, 3, 31)


def test_the_database_keeps_expired_on_to_expired_referrals(make_referral):
    referral = make_referral()
    with (
        pytest.raises(IntegrityError, match="referral_expired_on_fits_status"),
        transaction.atomic(),
    ):
        Referral.objects.filter(pk=referral.pk).update(expired_on=dt.date.today())
    with (
        pytest.raises(IntegrityError, match="referral_expired_on_fits_status"),
        transaction.atomic(),
    ):
        Referral.objects.filter(pk=referral.pk).update(status=Status.EXPIRED)


# -- bridging -------------------------------------------------------------------------------
def test_the_regisseur_records_bridging_on_a_waiting_referral(make_referral, regisseur):
    referral = make_referral()
    referral = services.record_bridging(
        referral=referral,
        by=Actor.regisseur(regisseur),
        on_from=referral.sent_on,
        description="  Wekelijks gesprek met de jeugdconsulent  ",
        provided_by="Wijkteam Delfshaven",
    )
    referral.refresh_from_db()
    assert (referral.bridging_from, referral.bridging_description, referral.bridging_by) == (
        referral.sent_on,
        "Wekelijks gesprek met de jeugdconsulent",
        "Wijkteam Delfshaven",
    )
    assert referral.status == Status.SENT
    assert referral.version == 3
    event = referral.events.order_by("-pk").first()
    assert (event.from_status, event.to_status) == (Status.SENT, Status.SENT)
    assert OutboxEvent.objects.filter(referral=referral, kind="bridging").exists()


def test_bridging_may_not_start_before_the_referral_was_sent(make_referral, regisseur):
    referral = make_referral()
    with pytest.raises(services.InvalidInput) as refused:
        services.record_bridging(
            referral=referral,
            by=Actor.regisseur(regisseur),
            on_from=referral.sent_on - dt.timedelta(days=1),
            description="Gesprek",
        )
    assert (refused.value.code, refused.value.field) == ("bridging_before_sent", "from")


def test_bridging_names_what_is_done(make_referral, regisseur):
    referral = make_referral()
    with pytest.raises(services.InvalidInput) as refused:
        services.record_bridging(
            referral=referral,
            by=Actor.regisseur(regisseur),
            on_from=referral.sent_on,
            description="   ",
        )
    assert refused.value.code == "bridging_description_required"


def test_only_the_current_regisseur_records_bridging(make_referral, regisseur):
    referral = make_referral()
    colleague = WorkerFactory(local_team=regisseur.local_team)
    with pytest.raises(services.NotAllowed):
        services.record_bridging(
            referral=referral,
            by=Actor.regisseur(colleague),
            on_from=referral.sent_on,
            description="Gesprek",
        )


def test_bridging_belongs_to_a_referral_that_still_waits(make_referral, regisseur, provider):
    referral = make_referral()
    by = Actor.of_provider(provider)
    referral = services.accept_referral(referral=referral, by=by)
    services.record_bridging(  # accepted: still waiting for the start of care
        referral=referral,
        by=Actor.regisseur(regisseur),
        on_from=referral.sent_on,
        description="Gesprek",
    )
    referral = services.start_care(referral=Referral.objects.get(pk=referral.pk), by=by)
    with pytest.raises(services.ReferralRefused) as refused:
        services.record_bridging(
            referral=referral,
            by=Actor.regisseur(regisseur),
            on_from=referral.sent_on,
            description="Gesprek",
        )
    assert refused.value.code == "not_waiting"


def test_the_database_refuses_incomplete_or_early_bridging(make_referral):
    referral = make_referral()
    for values in (
        {"bridging_from": referral.sent_on},  # no description
        {"bridging_description": "Gesprek"},  # no date
        {"bridging_from": referral.sent_on - dt.timedelta(days=1), "bridging_description": "G"},
    ):
        with (
            pytest.raises(IntegrityError, match="referral_bridging_complete"),
            transaction.atomic(),
        ):
            Referral.objects.filter(pk=referral.pk).update(**values)
