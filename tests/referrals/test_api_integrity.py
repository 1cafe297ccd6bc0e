"""A change the database refuses is never a 500: a check answers 422 naming the rule, a
collision (unique, exclusion) 409; with and without an Idempotency-Key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import IdempotencyRecord, OutboxEvent, Referral

pytestmark = pytest.mark.django_db
BASE = "/api/v1/referrals/"


def _accept(api, referral: Referral, **headers):
    headers["HTTP_IF_MATCH"] = f'"{referral.version}"'
    return api.post(f"{BASE}{referral.ref}/accept/", {}, format="json", **headers)


def _sent_on(referral: Referral, day: dt.date) -> Referral:
    """An imported referral's sent_on, as the dossier import may bring it."""
    Referral.objects.filter(pk=referral.pk).update(sent_on=day)
    return Referral.objects.get(pk=referral.pk)


@pytest.mark.parametrize("key", [None, "k-after-today"])
def test_answering_a_referral_sent_after_today_is_422_naming_the_rule(api, make_referral, key):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    referral = _sent_on(make_referral(), tomorrow)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}

    response = _accept(api, referral, **headers)

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "rule_violated"
    assert body["rule"] == "referral_answered_after_sent"
    assert "beantwoord na verzending" in body["detail"]
    assert body["title"] == "Regel van de gegevens geschonden"
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.answered_on is None  # nothing changed
    assert not IdempotencyRecord.objects.exists()  # a refusal by the database is not stored
    if key:  # the same key again: the same answer, not a 500 from a missing record
        assert _accept(api, referral, **headers).status_code == 422


@pytest.mark.parametrize(
    ("offset", "expected"), [(-1, 200), (0, 200), (1, 422)], ids=["yesterday", "today", "tomorrow"]
)
def test_the_rule_holds_from_the_day_after_today(api, make_referral, offset, expected):
    day = timezone.localdate() + dt.timedelta(days=offset)
    referral = _sent_on(make_referral(), day)
    assert _accept(api, referral).status_code == expected


@pytest.mark.parametrize("key", [None, "k-collision"])
def test_a_unique_violation_is_409_with_a_dutch_message(api, make_referral, monkeypatch, key):
    referral = make_referral()
    taken = OutboxEvent.objects.get(referral=referral).event_id
    accept = services.accept_referral

    def colliding(**kwargs):
        updated = accept(**kwargs)
        # What a concurrent writer could leave behind: an event id that is already taken.
        OutboxEvent.objects.filter(referral=updated, kind="accepted").update(event_id=taken)
        return updated

    monkeypatch.setattr(services, "accept_referral", colliding)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}

    response = _accept(api, referral, **headers)

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "conflict"
    assert body["title"] == "Conflict met de huidige toestand"
    assert "gelijktijdige wijziging" in body["detail"]
    assert body["rule"]  # the unique index PostgreSQL named
    referral.refresh_from_db()
    assert referral.status == "sent"
