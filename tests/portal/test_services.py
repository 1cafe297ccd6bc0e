"""Provider users and the decline's alternative: the services' rules and the database's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from casusregie.models import Notification, Role, RoleMembership
from casusregie.working_days import add_working_days, working_days_after
from flags.rules import Thresholds
from portal.selectors import answer_norm, waiting_norm
from referrals import services
from referrals.lifecycle import Status
from referrals.models import ProviderMembership, ProviderRole, Referral, ReferralEvent
from tests.factories import (
    LocalTeamFactory,
    ProductFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db


# --- geen nee zonder alternatief -------------------------------------------------------------
@pytest.mark.parametrize("code", ["no_capacity", "not_right_care"])
def test_a_decline_for_no_capacity_or_wrong_care_needs_the_choice(make_referral, provider, code):
    referral = make_referral()
    with pytest.raises(services.InvalidInput) as refused:
        services.decline_referral(
            referral=referral, by=services.Actor.of_provider(provider), reason_code=code
        )
    assert refused.value.code == "alternative_required"
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_none_known_is_a_choice_and_is_recorded(make_referral, provider):
    declined = services.decline_referral(
        referral=make_referral(),
        by=services.Actor.of_provider(provider),
        reason_code="no_capacity",
        no_alternative_known=True,
    )
    assert declined.no_alternative_known is True
    assert declined.events.last().data["no_alternative_known"] is True


def test_the_regisseur_is_told_the_choice(make_referral, provider, other_provider, regisseur):
    by = services.Actor.of_provider(provider)
    services.decline_referral(
        referral=make_referral(), by=by, reason_code="no_capacity", no_alternative_known=True
    )
    services.decline_referral(
        referral=make_referral(),
        by=by,
        reason_code="no_capacity",
        alternative_provider=other_provider,
    )
    texts = list(
        Notification.objects.filter(recipient=regisseur)
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert texts[0].endswith("afgewezen. De aanbieder kent geen alternatief.")
    assert texts[1].endswith("afgewezen. Voorgesteld alternatief: Andere Aanbieder.")


def test_an_alternative_product_is_a_choice_too(make_referral, provider):
    other = ProductFactory(code="AMB-BASIS")
    declined = services.decline_referral(
        referral=make_referral(),
        by=services.Actor.of_provider(provider),
        reason_code="not_right_care",
        alternative_product=other,
    )
    assert (declined.alternative_product, declined.no_alternative_known) == (other, False)


def test_an_alternative_and_none_known_together_are_refused(make_referral, provider):
    with pytest.raises(services.InvalidInput) as refused:
        services.decline_referral(
            referral=make_referral(),
            by=services.Actor.of_provider(provider),
            reason_code="no_capacity",
            alternative_provider=ProviderFactory(),
            no_alternative_known=True,
        )
    assert refused.value.code == "alternative_and_none_known"


def test_other_reasons_need_no_alternative(make_referral, provider):
    declined = services.decline_referral(
        referral=make_referral(),
        by=services.Actor.of_provider(provider),
        reason_code="client_refuses",
    )
    assert declined.status == Status.DECLINED and declined.no_alternative_known is False


def test_the_database_refuses_a_decline_without_the_choice(make_referral):
    referral = make_referral()
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(
            status=Status.DECLINED,
            answered_on=referral.sent_on,
            decline_code="no_capacity",
            decline_reason="Geen capaciteit",
        )


def test_the_database_refuses_none_known_beside_an_alternative(make_referral):
    referral = make_referral()
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(
            status=Status.DECLINED,
            answered_on=referral.sent_on,
            decline_code="no_capacity",
            decline_reason="Geen capaciteit",
            alternative_provider=ProviderFactory(),
            no_alternative_known=True,
        )


def test_the_api_obeys_the_rule(api, make_referral):
    referral = make_referral()
    path = f"/api/v1/referrals/{referral.ref}/decline/"
    refused = api.post(path, {"reason_code": "no_capacity"}, format="json", HTTP_IF_MATCH='"2"')
    assert refused.status_code == 400
    assert refused.json()["code"] == "alternative_required"
    done = api.post(
        path,
        {"reason_code": "no_capacity", "no_alternative_known": True},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert done.status_code == 200
    assert done.json()["no_alternative_known"] is True


# --- the event records the provider and the provider user -----------------------------------
def test_a_provider_users_step_records_both(make_referral, provider, staff_user):
    referral = services.accept_referral(
        referral=make_referral(), by=services.Actor.of_provider(provider, staff_user)
    )
    event = ReferralEvent.objects.filter(referral=referral).last()
    assert (event.actor_kind, event.actor_provider, event.actor_worker) == (
        "provider",
        provider,
        staff_user,
    )
    assert event.data["provider_user"] == staff_user.ref


# --- provider users hold no local role ------------------------------------------------------
def test_one_provider_per_worker(provider, other_provider, staff_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderMembership.objects.create(worker=staff_user, provider=other_provider)


def test_a_worker_of_a_local_team_cannot_become_a_provider_user(provider):
    worker = WorkerFactory(roles=[])  # with a local team
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderMembership.objects.create(worker=worker, provider=provider)


def test_a_worker_with_a_role_cannot_become_a_provider_user(provider):
    worker = WorkerFactory(local_team=None, roles=[Role.POLICY])
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderMembership.objects.create(worker=worker, provider=provider)


def test_a_provider_user_gets_no_role_nor_team(staff_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleMembership.objects.create(worker=staff_user, role=Role.REGISSEUR)
    staff_user.local_team = LocalTeamFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        staff_user.save()


def test_the_admin_check_names_the_rule(provider):
    with pytest.raises(services.InvalidInput) as refused:
        services.check_provider_user(WorkerFactory(roles=[]))
    assert refused.value.code == "provider_user_has_local_role"


# --- the coordinator manages their own provider's staff -------------------------------------
def test_the_coordinator_adds_staff_with_an_enrolment_code(provider, coordinator):
    membership, code = services.add_provider_staff(
        provider=provider,
        by=coordinator,
        username="nieuw",
        name="Nieuwe Medewerker",
        email="nieuw@example.org",
        password="een-lang-startwachtwoord-42",
    )
    assert (membership.provider, membership.role, membership.created_by) == (
        provider,
        ProviderRole.STAFF,
        coordinator,
    )
    assert membership.worker.check_password("een-lang-startwachtwoord-42")
    assert membership.worker.enrolment_codes.filter(used_at__isnull=True).count() == 1
    assert len(code.replace("-", "")) == 12


def test_staff_cannot_add_staff(provider, staff_user):
    with pytest.raises(services.NotAllowed):
        services.add_provider_staff(
            provider=provider,
            by=staff_user,
            username="x",
            name="X",
            email="",
            password="een-lang-startwachtwoord-42",
        )


def test_a_coordinator_cannot_add_to_another_provider(other_provider, coordinator):
    with pytest.raises(services.NotAllowed):
        services.add_provider_staff(
            provider=other_provider,
            by=coordinator,
            username="x",
            name="X",
            email="",
            password="een-lang-startwachtwoord-42",
        )


def test_a_weak_password_is_refused_in_dutch(provider, coordinator):
    with pytest.raises(services.InvalidInput) as refused:
        services.add_provider_staff(
            provider=provider, by=coordinator, username="x", name="X", email="", password="123"
        )
    assert refused.value.field == "password"


def test_the_coordinator_deactivates_staff(provider, coordinator, staff_user):
    membership = services.deactivate_provider_member(
        membership=staff_user.provider_membership, by=coordinator
    )
    staff_user.refresh_from_db()
    assert (membership.active, membership.deactivated_by, staff_user.is_active) == (
        False,
        coordinator,
        False,
    )


def test_a_coordinator_touches_no_other_providers_staff(coordinator, other_staff_user):
    with pytest.raises(services.NotAllowed):
        services.deactivate_provider_member(
            membership=other_staff_user.provider_membership, by=coordinator
        )
    other_staff_user.refresh_from_db()
    assert other_staff_user.is_active


def test_a_coordinator_does_not_deactivate_a_coordinator(provider, coordinator):
    second = ProviderMembershipFactory(provider=provider, role=ProviderRole.COORDINATOR)
    with pytest.raises(services.NotAllowed):
        services.deactivate_provider_member(membership=second, by=coordinator)
    with pytest.raises(services.NotAllowed):
        services.deactivate_provider_member(
            membership=coordinator.provider_membership, by=coordinator
        )


# --- the answer norm: 5 working days, as the rulebook counts them ----------------------------
MONDAY = dt.date(2026, 11, 2)  # no holidays in the week after


@pytest.mark.parametrize(
    ("today", "elapsed", "level"),
    [
        (dt.date(2026, 11, 6), 4, ""),  # Friday: the 4th working day after Monday
        (dt.date(2026, 11, 7), 4, ""),  # Saturday: still 4
        (dt.date(2026, 11, 9), 5, "violation"),  # Monday: the 5th working day
        (dt.date(2026, 11, 10), 6, "violation"),  # Tuesday: the 6th
    ],
)
def test_the_answer_norm_on_the_4th_5th_and_6th_working_day(today, elapsed, level):
    norm = answer_norm(MONDAY, Thresholds(violation=5), today)
    assert (norm.elapsed, norm.level(today)) == (elapsed, level)
    assert norm.due_on == add_working_days(MONDAY, 5) == dt.date(2026, 11, 9)


def test_the_answer_norm_skips_a_holiday():
    # sent on Wednesday 23 December 2026: Christmas Day (Friday the 25th) is no working day
    sent, today = dt.date(2026, 12, 23), dt.date(2026, 12, 30)
    norm = answer_norm(sent, Thresholds(violation=5), today)
    assert norm.elapsed == working_days_after(sent, today) == 4
    assert norm.level(today) == ""
    assert norm.due_on == dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("days", "level"), [(27, ""), (28, "warning"), (69, "warning"), (70, "violation")]
)
def test_the_waiting_norm_is_the_treeknorm(days, level):
    today = MONDAY + dt.timedelta(days=days)
    norm = waiting_norm(MONDAY, Thresholds(warning=28, violation=70), today)
    assert (norm.elapsed, norm.level(today)) == (days, level)
