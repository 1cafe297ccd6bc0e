"""The provider's portal: the inbox, the referral page and its answers, capacity, staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from analyses.models import Explanation
from casusregie.models import AccessLogEntry, Consent, ConsentPurpose
from plans import services as plans
from portal import selectors
from referrals import services
from referrals.lifecycle import Status
from referrals.models import OutboxEvent, ProductCapacity, Referral, ReferralEvent
from tests.conftest import verified_login
from tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(client, staff_user):
    return verified_login(client, staff_user)


def _referral_page(client, referral) -> str:
    response = client.get(reverse("portal-referral", args=[referral.ref]))
    assert response.status_code == 200
    return response.content.decode()


# --- who sees the portal ------------------------------------------------------------------------
def test_a_worker_without_membership_gets_404(client, regisseur, make_referral):
    referral = make_referral()
    client = verified_login(client, regisseur)
    assert client.get(reverse("portal-inbox")).status_code == 404
    assert client.get(reverse("portal-referral", args=[referral.ref])).status_code == 404


def test_a_provider_user_gets_404_on_the_worker_pages(portal, make_referral):
    referral = make_referral()
    assert portal.get(reverse("caseload")).status_code == 404
    assert portal.get(reverse("family-list")).status_code == 404
    assert portal.get(reverse("family-detail", args=[referral.case.family.ref])).status_code == 404
    assert portal.get(reverse("notifications")).status_code == 404
    home = portal.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("portal-inbox")


def test_without_the_second_factor_the_portal_asks_for_it(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("portal-inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp-setup"))


def test_a_deactivated_user_sees_no_portal(portal, staff_user):
    membership = staff_user.provider_membership
    membership.active, membership.deactivated_at = False, timezone.now()
    membership.save()
    assert portal.get(reverse("portal-inbox")).status_code == 404


def test_another_providers_user_gets_404_on_the_referral_and_its_actions(
    client, other_staff_user, make_referral
):
    referral = make_referral()
    client = verified_login(client, other_staff_user)
    assert client.get(reverse("portal-referral", args=[referral.ref])).status_code == 404
    for name in ("accept", "decline", "start", "end"):
        url = reverse(f"portal-referral-{name}", args=[referral.ref])
        assert client.post(url, {"version": 2}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.SENT


# --- the inbox -------------------------------------------------------------------------------
def test_the_inbox_shows_the_providers_open_referrals_oldest_first(
    portal, make_referral, other_provider, case, youth, product, provider
):
    newer = make_referral()
    older = make_referral()
    Referral.objects.filter(pk=older.pk).update(sent_on=newer.sent_on - dt.timedelta(days=3))
    foreign = make_referral(provider=other_provider)
    ReferralFactory(case=case, youth=youth, product=product, provider=provider)  # a draft
    page = portal.get(reverse("portal-inbox")).content.decode()
    assert page.index(older.ref) < page.index(newer.ref)
    assert foreign.ref not in page
    assert youth.bsn not in page


def test_the_inbox_logs_every_referral_it_shows(portal, make_referral, staff_user, provider):
    shown = [make_referral(), make_referral()]
    before = AccessLogEntry.objects.count()
    assert portal.get(reverse("portal-inbox")).status_code == 200
    entries = AccessLogEntry.objects.order_by("id")[before:]
    assert {e.object_ref for e in entries} == {r.ref for r in shown}
    assert all(e.actor_kind == "provider" for e in entries)
    assert all(e.actor.startswith(staff_user.ref) and provider.ref in e.actor for e in entries)


def test_the_inbox_filters_on_status(portal, make_referral, provider):
    sent, accepted = make_referral(), make_referral()
    services.accept_referral(referral=accepted, by=services.Actor.of_provider(provider))
    page = portal.get(reverse("portal-inbox"), {"status": "accepted"}).content.decode()
    assert accepted.ref in page and sent.ref not in page


def test_the_inbox_pages_by_keyset(portal, make_referral, provider):
    made = [make_referral() for _ in range(5)]
    Referral.objects.filter(pk=made[3].pk).update(sent_on=made[0].sent_on - dt.timedelta(days=1))
    expected = sorted(
        Referral.objects.filter(pk__in=[r.pk for r in made]), key=lambda r: (r.sent_on, r.pk)
    )
    seen: list[str] = []
    cursor = ""
    for _ in range(5):
        page = selectors.inbox(provider, cursor=cursor, size=2)
        seen += [row.referral.ref for row in page.rows]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == [r.ref for r in expected]
    first = portal.get(reverse("portal-inbox")).content.decode()
    assert 'rel="next"' not in first  # five fit on a page of fifty
    nonsense = portal.get(reverse("portal-inbox"), {"na": "gisteren"})
    assert nonsense.status_code == 200  # an unreadable cursor starts at the beginning


def test_the_inbox_shows_the_answer_norm(portal, make_referral):
    referral = make_referral()
    Referral.objects.filter(pk=referral.pk).update(
        sent_on=timezone.localdate() - dt.timedelta(days=10)
    )
    page = portal.get(reverse("portal-inbox")).content.decode()
    assert 'data-norm="answer" data-level="violation"' in page
    assert "norm van 5 werkdagen overschreden" in page


@pytest.mark.parametrize("count", [1, 8])
def test_the_inbox_costs_the_same_queries_whatever_its_size(
    portal, make_referral, django_assert_num_queries, count
):
    for _ in range(count):
        make_referral()
    # session, user, device, membership, the page, the thresholds, the log and its seal, the
    # session's save (a savepoint, the update, its release)
    with django_assert_num_queries(11):
        assert portal.get(reverse("portal-inbox")).status_code == 200


# --- the referral page -------------------------------------------------------------------------
def test_the_referral_page_shows_the_question_youth_and_regisseur_never_a_bsn(
    portal, make_referral, regisseur
):
    referral = make_referral()
    page = _referral_page(portal, referral)
    assert "Hulp bij angst en schoolverzuim." in page
    assert referral.youth.name in page and "1 maart 2012" in page
    assert regisseur.email in page
    assert referral.youth.bsn not in page
    assert 'id="not-shared"' in page


def _goal(case, text: str = "Weer naar school"):
    explanation = Explanation.objects.create(
        analysis=case.analyses.get(is_current=True), text="Angst rond school"
    )
    return plans.add_goal(
        plan=plans.start_plan(case=case), text=text, explanation_ids=[explanation.pk]
    )


def _share(case, provider):
    return Consent.objects.create(
        case=case,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        provider=provider,
        given_on=timezone.localdate(),
    )


def test_with_consent_the_analysis_and_the_goals_are_shown_and_gone_when_withdrawn(
    portal, make_referral, case, provider, regisseur
):
    referral = make_referral()
    _goal(case)
    consent = _share(case, provider)
    page = _referral_page(portal, referral)
    assert 'id="not-shared"' not in page and "Weer naar school" in page
    assert "Verklarende analyse" in page
    consent.withdrawn_on = timezone.localdate()
    consent.save()
    page = _referral_page(portal, referral)
    assert 'id="not-shared"' in page and "Weer naar school" not in page


def test_each_read_of_the_referral_is_logged_for_the_provider_user(
    portal, make_referral, staff_user
):
    referral = make_referral()
    before = AccessLogEntry.objects.count()
    _referral_page(portal, referral)
    [entry] = AccessLogEntry.objects.order_by("id")[before:]
    assert (entry.object_ref, entry.family_ref) == (referral.ref, referral.case.family.ref)
    assert entry.actor.startswith(f"{staff_user.ref} ({staff_user.username})")
    assert entry.purpose == "uitvoering verwijzing"


@pytest.mark.parametrize(("status", "queries"), [("sent", 13), ("accepted", 12)])
def test_the_referral_page_has_pinned_queries(
    portal, make_referral, provider, django_assert_num_queries, status, queries
):
    referral = make_referral()
    if status == "accepted":
        referral = services.accept_referral(
            referral=referral, by=services.Actor.of_provider(provider)
        )
    # session, user, device, membership, the referral, thresholds, log and seal, the session's
    # save (3); for a sent referral the decline form's providers and products; in care the
    # perspective plan's access check (the referral with its youth: none for a youth under 16)
    with django_assert_num_queries(queries):
        _referral_page(portal, referral)


def test_the_referral_page_with_a_shared_analysis_has_pinned_queries(
    portal, make_referral, case, provider, django_assert_num_queries
):
    referral = services.accept_referral(
        referral=make_referral(), by=services.Actor.of_provider(provider)
    )
    _goal(case)
    _share(case, provider)
    # + the analysis, its findings, its explanations, the plan's goals, its evaluations and
    # this provider's latest reports, the perspective plan's access check
    with django_assert_num_queries(18):
        _referral_page(portal, referral)


# --- the answers -------------------------------------------------------------------------------
def test_accept_start_and_end_on_the_page(portal, make_referral, provider, staff_user):
    referral = make_referral()
    url = lambda name: reverse(f"portal-referral-{name}", args=[referral.ref])  # noqa: E731
    assert portal.post(url("accept"), {"version": 2}).status_code == 302
    today = timezone.localdate().isoformat()
    assert portal.post(url("start"), {"version": 3, "started_on": today}).status_code == 302
    response = portal.post(url("end"), {"version": 4, "ended_on": today, "end_code": "31"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.end_code, referral.version) == (Status.ENDED, "31", 5)
    events = ReferralEvent.objects.filter(referral=referral, actor_kind="provider")
    assert {(e.actor_provider_id, e.actor_worker_id) for e in events} == {
        (provider.pk, staff_user.pk)
    }


def test_a_decline_without_the_choice_is_a_400_beside_the_field_input_kept(portal, make_referral):
    referral = make_referral()
    response = portal.post(
        reverse("portal-referral-decline", args=[referral.ref]),
        {"version": 2, "reason_code": "no_capacity", "reason": "Wachtlijst van 12 weken"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Geen nee zonder alternatief: noem een andere aanbieder" in page
    assert "Wachtlijst van 12 weken" in page
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_a_decline_with_none_known_is_recorded(portal, make_referral):
    referral = make_referral()
    response = portal.post(
        reverse("portal-referral-decline", args=[referral.ref]),
        {"version": 2, "reason_code": "no_capacity", "no_alternative_known": "on"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.no_alternative_known) == (Status.DECLINED, True)


def test_the_regisseur_sees_the_choice(client, make_referral, provider, other_provider, regisseur):
    none_known, with_alternative = make_referral(), make_referral()
    by = services.Actor.of_provider(provider)
    services.decline_referral(
        referral=none_known, by=by, reason_code="no_capacity", no_alternative_known=True
    )
    services.decline_referral(
        referral=with_alternative,
        by=by,
        reason_code="not_right_care",
        alternative_provider=other_provider,
    )
    client = verified_login(client, regisseur)
    page = client.get(reverse("family-detail", args=[none_known.case.family.ref])).content.decode()
    assert "De aanbieder kent geen alternatief." in page
    assert f"Voorgesteld alternatief: {other_provider.name}" in page


def test_a_bad_date_is_a_400_with_the_dutch_message(portal, make_referral, provider):
    referral = services.accept_referral(
        referral=make_referral(), by=services.Actor.of_provider(provider)
    )
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = portal.post(
        reverse("portal-referral-start", args=[referral.ref]), {"version": 3, "started_on": future}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "De start van de zorg ligt niet in de toekomst." in page and future in page


def test_a_change_by_the_api_meanwhile_is_a_409_with_the_current_state(portal, api, make_referral):
    referral = make_referral()
    shown = _referral_page(portal, referral)
    assert 'name="version" value="2"' in shown
    assert (
        api.post(
            f"/api/v1/referrals/{referral.ref}/accept/", {}, format="json", HTTP_IF_MATCH='"2"'
        ).status_code
        == 200
    )
    response = portal.post(
        reverse("portal-referral-decline", args=[referral.ref]),
        {"version": 2, "reason_code": "client_refuses"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Deze verwijzing is intussen gewijzigd" in page
    assert 'id="status">Toegewezen' in page and 'id="form-start"' in page
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_a_step_that_no_longer_applies_is_a_409(portal, make_referral, provider):
    referral = make_referral()
    response = portal.post(
        reverse("portal-referral-start", args=[referral.ref]),
        {"version": 2, "started_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 409
    assert "kan niet naar" in response.content.decode()


# --- webhook and portal agree ------------------------------------------------------------------
def _outbox(referral) -> list[tuple[str, str, str, int]]:
    return [
        (e.kind, e.payload["type"], e.payload["status"], e.payload["version"])
        for e in OutboxEvent.objects.filter(referral=referral).order_by("id")
    ]


def test_a_portal_change_puts_the_same_outbox_event_as_the_api(portal, api, make_referral):
    by_portal, by_api = make_referral(), make_referral()
    portal.post(reverse("portal-referral-accept", args=[by_portal.ref]), {"version": 2})
    api.post(f"/api/v1/referrals/{by_api.ref}/accept/", {}, format="json", HTTP_IF_MATCH='"2"')
    assert _outbox(by_portal) == _outbox(by_api)
    assert _outbox(by_portal)[-1] == ("accepted", "referral.accepted", "accepted", 3)
    event = OutboxEvent.objects.filter(referral=by_portal).last()
    assert event.provider_id == by_portal.provider_id


def test_an_api_change_shows_in_the_portal_at_once(portal, api, make_referral):
    referral = make_referral()
    assert "Verzonden" in _referral_page(portal, referral)
    api.post(f"/api/v1/referrals/{referral.ref}/accept/", {}, format="json", HTTP_IF_MATCH='"2"')
    page = _referral_page(portal, referral)
    assert 'id="status">Toegewezen' in page
    inbox = portal.get(reverse("portal-inbox"), {"status": "accepted"}).content.decode()
    assert referral.ref in inbox


# --- capacity ----------------------------------------------------------------------------------
def test_capacity_is_reported_as_through_the_api(
    portal, product, provider, django_assert_num_queries
):
    response = portal.post(
        reverse("portal-capacity"),
        {"product": product.pk, "available_places": 3, "expected_wait_days": 14},
    )
    assert response.status_code == 302
    capacity = ProductCapacity.objects.get(provider=provider, product=product)
    assert (capacity.available_places, capacity.expected_wait_days) == (3, 14)
    # session, user, device, membership, the capacities, the form's products, the session (3)
    with django_assert_num_queries(9):
        page = portal.get(reverse("portal-capacity")).content.decode()
    assert "Specialistische ambulante jeugdhulp" in page


def test_bad_capacity_is_a_400_beside_the_field(portal, product):
    response = portal.post(
        reverse("portal-capacity"), {"product": product.pk, "available_places": -1}
    )
    assert response.status_code == 400
    assert "has-error" in response.content.decode()


# --- the coordinator's staff page --------------------------------------------------------------
def test_only_the_coordinator_sees_the_staff_page(client, portal, coordinator):
    staff_link = f'href="{reverse("portal-staff")}"'
    assert staff_link not in portal.get(reverse("portal-inbox")).content.decode()
    assert portal.get(reverse("portal-staff")).status_code == 404
    client = verified_login(client, coordinator)
    assert staff_link in client.get(reverse("portal-inbox")).content.decode()
    assert client.get(reverse("portal-staff")).status_code == 200


def test_the_coordinator_adds_and_deactivates_staff_on_the_page(
    client, coordinator, provider, django_assert_num_queries
):
    client = verified_login(client, coordinator)
    response = client.post(
        reverse("portal-staff"),
        {
            "username": "sanne",
            "name": "Sanne de Vries",
            "email": "sanne@example.org",
            "password": "een-lang-startwachtwoord-42",
        },
    )
    assert response.status_code == 200
    assert 'id="enrolment-code"' in response.content.decode()
    membership = provider.memberships.get(worker__username="sanne")
    response = client.post(reverse("portal-staff-deactivate", args=[membership.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.active is False
    # session, user, device, membership, the members with their accounts, the session (3)
    with django_assert_num_queries(8):
        assert client.get(reverse("portal-staff")).status_code == 200


def test_a_coordinator_gets_404_on_another_providers_staff(client, coordinator, other_staff_user):
    client = verified_login(client, coordinator)
    membership = other_staff_user.provider_membership
    url = reverse("portal-staff-deactivate", args=[membership.pk])
    assert client.post(url).status_code == 404
    membership.refresh_from_db()
    assert membership.active
