"""Idempotent repeats of the provider API (issue 17.6): nothing personal is stored, a repeat is
rebuilt now (consent as it is now) and logged, and a key is remembered for
IDEMPOTENCY_TTL_HOURS (24 by default) and then counts as new."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from casusregie.models import AccessLogEntry, Consent, ConsentPurpose
from referrals import services
from referrals.models import IdempotencyRecord, OutboxEvent
from referrals.tasks import delete_expired_idempotency_records

pytestmark = pytest.mark.django_db
BASE = "/api/v1/referrals/"


def accept(api, referral, key: str = "k-1", version: int = 2):
    return api.post(
        f"{BASE}{referral.ref}/accept/",
        {},
        format="json",
        HTTP_IF_MATCH=f'"{version}"',
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.fixture
def consent(case, provider):
    return Consent.objects.create(
        case=case,
        provider=provider,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on=dt.date(2026, 2, 1),
    )


def test_a_repeat_after_consent_was_withdrawn_has_no_analysis(api, make_referral, consent):
    referral = make_referral()
    first = accept(api, referral)
    assert first.status_code == 200
    assert first.json()["analysis"]["status"] == "established"
    consent.withdrawn_on = timezone.localdate()
    consent.save()

    again = accept(api, referral)
    assert again.status_code == 200
    assert again["Idempotency-Replayed"] == "true"
    assert again.json()["analysis"] is None
    assert again.json()["status"] == "accepted" and again["ETag"] == '"3"'
    assert OutboxEvent.objects.filter(kind="accepted").count() == 1


def test_a_repeat_shows_the_referral_as_it_is_now(api, make_referral):
    referral = make_referral()
    accept(api, referral)
    today = timezone.localdate().isoformat()
    api.post(
        f"{BASE}{referral.ref}/start/", {"started_on": today}, format="json", HTTP_IF_MATCH='"3"'
    )
    again = accept(api, referral)
    assert again["Idempotency-Replayed"] == "true"
    assert again.json()["status"] == "started" and again["ETag"] == '"4"'


def test_a_repeat_is_in_the_access_log(api, make_referral, provider):
    referral = make_referral()
    accept(api, referral)
    family = referral.case.family.ref
    before = AccessLogEntry.objects.filter(family_ref=family).count()
    accept(api, referral)
    entries = list(AccessLogEntry.objects.filter(family_ref=family).order_by("id"))
    assert len(entries) == before + 1
    replayed = entries[-1]
    assert (replayed.actor_kind, replayed.action, replayed.object_ref) == (
        "provider",
        "read",
        referral.ref,
    )
    assert replayed.actor.startswith(provider.ref)


def test_no_personal_data_is_stored_with_the_key(api, make_referral, consent, youth):
    referral = make_referral()
    accept(api, referral)
    record = IdempotencyRecord.objects.get()
    assert (record.status_code, record.referral_ref, record.problem) == (200, referral.ref, None)
    stored = str({f.name: getattr(record, f.attname) for f in record._meta.concrete_fields})
    assert youth.name not in stored and "analysis" not in stored


def test_a_refused_request_is_repeated_as_refused(api, make_referral):
    referral = make_referral()
    first = accept(api, referral, version=9)
    assert first.status_code == 412
    again = accept(api, referral, version=9)
    assert again.status_code == 412 and again["Idempotency-Replayed"] == "true"
    assert again["Content-Type"] == "application/problem+json"
    assert again.json() == first.json()


def _age(record: IdempotencyRecord, by: dt.timedelta) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - by)


TTL = dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def test_the_default_ttl_is_24_hours():
    assert settings.IDEMPOTENCY_TTL_HOURS == 24


def test_a_key_just_before_its_ttl_is_still_a_repeat(api, make_referral):
    referral = make_referral()
    accept(api, referral)
    _age(IdempotencyRecord.objects.get(), TTL - dt.timedelta(minutes=1))
    again = accept(api, referral)
    assert again["Idempotency-Replayed"] == "true"


def test_a_key_past_its_ttl_counts_as_a_new_request(api, make_referral):
    """The change is tried again (here refused: the referral was accepted already) and the
    key's record is replaced by the new answer's."""
    referral = make_referral()
    accept(api, referral)
    old = IdempotencyRecord.objects.get()
    _age(old, TTL)
    again = accept(api, referral)
    assert "Idempotency-Replayed" not in again
    assert again.status_code == 409
    record = IdempotencyRecord.objects.get()
    assert record.pk != old.pk and record.status_code == 409


def test_the_clean_up_deletes_records_at_their_ttl_and_keeps_younger_ones(api, make_referral):
    referral, other = make_referral(), make_referral()
    accept(api, referral, key="old")
    accept(api, other, key="young")
    _age(IdempotencyRecord.objects.get(key="old"), TTL)
    _age(IdempotencyRecord.objects.get(key="young"), TTL - dt.timedelta(seconds=5))
    assert delete_expired_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["young"]


def test_the_ttl_is_a_setting(settings, api, make_referral):
    settings.IDEMPOTENCY_TTL_HOURS = 1
    referral = make_referral()
    accept(api, referral)
    _age(IdempotencyRecord.objects.get(), dt.timedelta(hours=1))
    assert services.delete_expired_idempotency_records(timezone.now()) == 1


def test_the_clean_up_is_in_beat_s_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "referrals.tasks.delete_expired_idempotency_records" in tasks
