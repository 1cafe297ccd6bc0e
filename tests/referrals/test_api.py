"""The provider API, walked from sent to ended; isolation; concurrency controls; errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.models import Consent, ConsentPurpose
from casusregie.working_days import add_working_days
from referrals import services
from referrals.models import IdempotencyRecord, OutboxEvent
from tests.referrals.conftest import PUBLIC_IP

pytestmark = pytest.mark.django_db
BASE = "/api/v1/referrals/"


def post(api, path, data=None, version=None, **headers):
    if version is not None:
        headers["HTTP_IF_MATCH"] = f'"{version}"'
    return api.post(path, data or {}, format="json", **headers)


def test_a_provider_walks_a_referral_from_sent_to_ended(api, make_referral):
    referral = make_referral()
    listed = api.get(BASE)
    assert listed.status_code == 200
    assert [r["ref"] for r in listed.json()["results"]] == [referral.ref]

    got = api.get(f"{BASE}{referral.ref}/")
    assert got.status_code == 200 and got["ETag"] == '"2"'
    body = got.json()
    assert body["status"] == "sent"
    assert body["youth"] == {"name": "Noor de Jong", "birth_date": "2012-03-01"}
    assert body["municipality"] == {"code": "GM0599", "name": "Rotterdam"}
    assert body["regisseur"]["email"].endswith("@example.org")
    assert body["question"] == "Hulp bij angst en schoolverzuim."

    accepted = post(api, f"{BASE}{referral.ref}/accept/", version=2)
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted" and accepted["ETag"] == '"3"'
    today = timezone.localdate().isoformat()
    started = post(api, f"{BASE}{referral.ref}/start/", {"started_on": today}, version=3)
    assert started.json()["started_on"] == today
    ended = post(api, f"{BASE}{referral.ref}/end/", {"end_code": "38"}, version=4)
    assert ended.status_code == 200
    assert ended.json()["end_reason"] == "Overstap naar andere aanbieder"


def test_the_provider_never_sees_a_bsn_or_the_analysis_without_consent(
    api, make_referral, case, provider
):
    referral = make_referral()
    body = api.get(f"{BASE}{referral.ref}/").json()
    assert referral.youth.bsn not in str(body)
    assert body["analysis"] is None

    consent = Consent.objects.create(
        case=case,
        provider=provider,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on=dt.date(2026, 2, 1),
    )
    assert api.get(f"{BASE}{referral.ref}/").json()["analysis"]["status"] == "established"

    consent.withdrawn_on = timezone.localdate()
    consent.save()
    assert api.get(f"{BASE}{referral.ref}/").json()["analysis"] is None


ENDPOINTS = [
    ("get", ""),
    ("post", "accept/"),
    ("post", "decline/"),
    ("post", "start/"),
    ("post", "end/"),
]


@pytest.mark.parametrize(("method", "suffix"), ENDPOINTS)
def test_a_foreign_provider_gets_404_on_every_endpoint(foreign_api, make_referral, method, suffix):
    referral = make_referral()
    path = f"{BASE}{referral.ref}/{suffix}"
    response = getattr(foreign_api, method)(
        path,
        {"reason_code": "no_capacity", "end_code": "31"},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert referral.ref not in response.content.decode()


def test_a_foreign_provider_does_not_list_the_referral(foreign_api, make_referral):
    make_referral()
    assert foreign_api.get(BASE).json()["results"] == []


def test_drafts_are_not_visible_to_the_provider(api, make_referral):
    draft = make_referral(send=False)
    assert api.get(f"{BASE}{draft.ref}/").status_code == 404


@pytest.mark.parametrize("header", [None, "Api-Key onzin", "Bearer x"])
def test_without_a_valid_key_the_answer_is_401(client, make_referral, header):
    make_referral()
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(BASE, **extra)
    assert response.status_code == 401
    assert response.json()["code"] in ("not_authenticated", "authentication_failed")


def test_a_state_change_without_if_match_is_428(api, make_referral):
    referral = make_referral()
    response = post(api, f"{BASE}{referral.ref}/accept/")
    assert response.status_code == 428
    assert response.json()["title"] == "Versie vereist"


def test_a_stale_if_match_is_412(api, make_referral):
    referral = make_referral()
    response = post(api, f"{BASE}{referral.ref}/accept/", version=1)
    assert response.status_code == 412
    assert response.json()["code"] == "stale_version"


def test_answering_twice_is_a_409_conflict(api, make_referral):
    referral = make_referral()
    assert post(api, f"{BASE}{referral.ref}/accept/", version=2).status_code == 200
    again = post(
        api,
        f"{BASE}{referral.ref}/decline/",
        {"reason_code": "no_capacity", "no_alternative_known": True},
        version=2,
    )
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_bad_input_is_a_problem_with_invalid_params(api, make_referral):
    referral = make_referral()
    response = post(api, f"{BASE}{referral.ref}/decline/", {"reason_code": "geen zin"}, version=2)
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["code"] == "invalid"
    assert body["invalid_params"][0]["name"] == "reason_code"
    assert body["title"] == "Ongeldige invoer"


def test_a_future_start_date_is_refused(api, make_referral):
    referral = make_referral()
    post(api, f"{BASE}{referral.ref}/accept/", version=2)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = post(api, f"{BASE}{referral.ref}/start/", {"started_on": tomorrow}, version=3)
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "started_on"


def test_the_same_idempotency_key_replays_the_first_answer(api, make_referral):
    referral = make_referral()
    path = f"{BASE}{referral.ref}/accept/"
    first = post(api, path, version=2, HTTP_IDEMPOTENCY_KEY="k-123")
    second = post(api, path, version=2, HTTP_IDEMPOTENCY_KEY="k-123")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second["Idempotency-Replayed"] == "true"
    assert OutboxEvent.objects.filter(kind="accepted").count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_refused(api, make_referral):
    referral = make_referral()
    post(api, f"{BASE}{referral.ref}/accept/", version=2, HTTP_IDEMPOTENCY_KEY="k-1")
    other = post(api, f"{BASE}{referral.ref}/start/", version=3, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


def test_list_filters_by_status_and_updated_since(api, make_referral, provider):
    first = make_referral()
    second = make_referral()
    post(api, f"{BASE}{second.ref}/accept/", version=2)
    accepted = api.get(BASE, {"status": "accepted"}).json()["results"]
    assert [r["ref"] for r in accepted] == [second.ref]
    since = api.get(BASE, {"updated_since": "2999-01-01T00:00:00Z"}).json()["results"]
    assert since == []
    assert {
        r["ref"] for r in api.get(BASE, {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"]
    } == {first.ref, second.ref}


def test_the_list_is_cursor_paginated(api, make_referral):
    refs = {make_referral().ref for _ in range(3)}
    page = api.get(BASE, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    rest = api.get(page["next"]).json()
    assert {r["ref"] for r in page["results"] + rest["results"]} == refs


def test_the_list_has_a_constant_number_of_queries(api, make_referral):
    make_referral()
    with CaptureQueriesContext(connection) as one:
        assert api.get(BASE).status_code == 200
    for _ in range(5):
        make_referral()
    with CaptureQueriesContext(connection) as six:
        assert len(api.get(BASE).json()["results"]) == 6
    assert len(six) == len(one)


def test_reading_costs_three_queries_and_a_shared_analysis_three_more(
    api, make_referral, case, provider, django_assert_num_queries
):
    """The key (with its provider), the page (youth, product, municipality, regisseur and
    consent in the same query) and the access log (the entries, the chain's seal); the
    analysis only for a family that consented to share it."""
    referral = make_referral()
    with django_assert_num_queries(4):
        assert api.get(BASE, {"status": "sent"}).status_code == 200
    with django_assert_num_queries(4):
        assert api.get(f"{BASE}{referral.ref}/").json()["regisseur"]["email"]
    Consent.objects.create(
        case=case,
        provider=provider,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on=dt.date(2026, 2, 1),
    )
    with django_assert_num_queries(7):
        assert api.get(BASE).json()["results"][0]["analysis"]["status"] == "established"


def test_an_answer_costs_a_fixed_number_of_queries(api, make_referral, django_assert_num_queries):
    """Key; idempotency look-up; the referral's key; under lock: read, update, event, outbox,
    the regisseur's melding, sweep request (savepoints around the service); the new
    representation; access log (the entries, the chain's seal); idempotency record."""
    referral = make_referral()
    with django_assert_num_queries(17):
        response = post(api, f"{BASE}{referral.ref}/accept/", version=2, HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 200


def test_the_written_out_representation_equals_the_field_by_field_one(
    api, make_referral, case, provider
):
    """``ProviderReferralSerializer.to_representation`` is written out for speed; it must say
    exactly what DRF's rendering of the declared fields says, in every state."""
    from rest_framework import serializers

    from referrals import selectors
    from referrals.api.serializers import ProviderReferralSerializer

    today = timezone.localdate()
    sent, declined, ended = make_referral(), make_referral(), make_referral()
    post(
        api,
        f"{BASE}{declined.ref}/decline/",
        {"reason_code": "no_capacity", "reason": "Vol.", "no_alternative_known": True},
        2,
    )
    post(api, f"{BASE}{ended.ref}/accept/", version=2)
    post(api, f"{BASE}{ended.ref}/start/", {"started_on": today.isoformat()}, 3)
    post(api, f"{BASE}{ended.ref}/end/", {"end_code": "31", "reason": "Klaar."}, 4)
    Consent.objects.create(
        case=case,
        provider=provider,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on=dt.date(2026, 2, 1),
    )
    referrals = list(selectors.referrals_for_provider(provider).order_by("id"))
    selectors.with_shared_analyses(referrals)
    assert [r.ref for r in referrals] == [sent.ref, declined.ref, ended.ref]
    serializer = ProviderReferralSerializer()
    for referral in referrals:
        field_by_field = serializers.ModelSerializer.to_representation(serializer, referral)
        assert serializer.to_representation(referral) == dict(field_by_field)
        assert (
            list(serializer.to_representation(referral)) == ProviderReferralSerializer.Meta.fields
        )
    assert serializer.to_representation(referrals[0])["analysis"]["status"] == "established"
    assert serializer.to_representation(referrals[2])["ended_on"] == today.isoformat()


def test_capacity_is_reported_per_product(api, product):
    response = api.post(
        "/api/v1/capacity/",
        {"product": product.code, "available_places": 3, "expected_wait_days": 14},
        format="json",
    )
    assert response.status_code == 201
    api.post("/api/v1/capacity/", {"product": product.code, "available_places": 0}, format="json")
    listed = api.get("/api/v1/capacity/").json()
    assert [(c["product"], c["available_places"]) for c in listed] == [(product.code, 0)]


def test_a_webhook_is_registered_without_echoing_its_secret(api, resolve):
    resolve["aanbieder.example.org"] = [PUBLIC_IP]
    response = api.put(
        "/api/v1/webhook/",
        {"url": "https://aanbieder.example.org/hook", "secret": "s" * 24},
        format="json",
    )
    assert response.status_code == 200
    assert "secret" not in response.json()
    assert api.get("/api/v1/webhook/").json()["url"] == "https://aanbieder.example.org/hook"


def test_the_schema_and_the_docs_are_served(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()


def test_requests_are_throttled_per_key(api, foreign_api, make_referral, monkeypatch):
    from referrals.api.authentication import ProviderRateThrottle

    monkeypatch.setattr(ProviderRateThrottle, "THROTTLE_RATES", {"provider": "3/minute"})
    codes = [api.get(BASE).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert foreign_api.get(BASE).status_code == 200  # another key has its own budget


# -- v2: the product's marks, expiry and bridging support (issue 15) ---------------------------
def test_the_provider_sees_the_products_marks(api, make_referral):
    body = api.get(f"{BASE}{make_referral().ref}/").json()
    assert body["product"] == {
        "code": "AMB-SPEC",
        "name": "Specialistische ambulante jeugdhulp",
        "segment": "ambulant",
        "ijw_category": "",
        "specialist": True,
        "out_of_home": False,
        "crisis": False,
    }
    assert body["expired_on"] is None and body["bridging"] is None


def test_the_provider_sees_the_bridging_support_and_hears_of_it(
    api, make_referral, regisseur, django_assert_num_queries
):
    referral = make_referral()
    today = timezone.localdate()
    services.record_bridging(
        referral=referral,
        by=services.Actor.regisseur(regisseur),
        on_from=today,
        description="Wekelijks gesprek met de jeugdverpleegkundige",
        provided_by="Wijkteam Noord",
    )
    with django_assert_num_queries(4):  # the bridging costs no query of its own
        body = api.get(f"{BASE}{referral.ref}/").json()
    assert body["bridging"] == {
        "from": today.isoformat(),
        "description": "Wekelijks gesprek met de jeugdverpleegkundige",
        "by": "Wijkteam Noord",
    }
    assert body["version"] == 3  # sent (2), bridging (3): If-Match follows it
    event = OutboxEvent.objects.filter(referral=referral).order_by("id").last()
    assert (event.kind, event.payload["type"]) == ("bridging", "referral.bridging")


def test_the_provider_sees_when_a_referral_expired(api, make_referral):
    referral = make_referral()
    sent = referral.sent_on - dt.timedelta(days=40)
    type(referral).objects.filter(pk=referral.pk).update(sent_on=sent)
    assert services.expire_unanswered(timezone.localdate()) == 1
    body = api.get(f"{BASE}{referral.ref}/").json()
    assert body["status"] == "expired"
    assert body["expired_on"] == add_working_days(sent, 20).isoformat()


def test_the_written_out_representation_holds_for_bridging_and_expiry(
    api, make_referral, regisseur
):
    from rest_framework import serializers

    from referrals import selectors
    from referrals.api.serializers import ProviderReferralSerializer

    bridged, expired = make_referral(), make_referral()
    services.record_bridging(
        referral=bridged,
        by=services.Actor.regisseur(regisseur),
        on_from=bridged.sent_on,
        description="Buurtcoach",
    )
    type(expired).objects.filter(pk=expired.pk).update(
        sent_on=expired.sent_on - dt.timedelta(days=40)
    )
    services.expire_unanswered(timezone.localdate())
    serializer = ProviderReferralSerializer()
    provider = bridged.provider
    for referral in selectors.referrals_for_provider(provider).order_by("id"):
        field_by_field = serializers.ModelSerializer.to_representation(serializer, referral)
        assert serializer.to_representation(referral) == dict(field_by_field)
    shown = api.get(f"{BASE}{bridged.ref}/").json()["bridging"]
    assert shown == {"from": bridged.sent_on.isoformat(), "description": "Buurtcoach", "by": ""}
