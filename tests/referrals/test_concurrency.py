"""Races on one referral: exactly one answer wins, the others get 409."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from referrals.models import OutboxEvent, ReferralEvent

from .conftest import api_client


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_answers_have_exactly_one_winner(make_referral, provider):
    referral = make_referral()
    clients = [api_client(provider) for _ in range(20)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    lock = threading.Lock()

    def answer(i: int) -> None:
        try:
            barrier.wait()
            if i % 2:
                path, data = "accept/", {}
            else:
                path, data = (
                    "decline/",
                    {"reason_code": "no_capacity", "no_alternative_known": True},
                )
            response = clients[i].post(
                f"/api/v1/referrals/{referral.ref}/{path}",
                data,
                format="json",
                HTTP_IF_MATCH='"2"',
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 19
    referral.refresh_from_db()
    assert referral.status in ("accepted", "declined") and referral.version == 3
    assert ReferralEvent.objects.filter(referral=referral, from_status="sent").count() == 1
    assert OutboxEvent.objects.filter(referral=referral).exclude(kind="sent").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_sent_twice_at_once_changes_once(make_referral, provider):
    referral = make_referral()
    clients = [api_client(provider) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list = []

    def accept(client) -> None:
        try:
            barrier.wait()
            answers.append(
                client.post(
                    f"/api/v1/referrals/{referral.ref}/accept/",
                    {},
                    format="json",
                    HTTP_IF_MATCH='"2"',
                    HTTP_IDEMPOTENCY_KEY="same-key",
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert ReferralEvent.objects.filter(referral=referral, to_status="accepted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_answer_committing_during_the_expiry_run_wins_and_the_run_goes_on(
    make_referral, provider
):
    """The provider's accept holds the referral's row when the daily expiry reaches it: the
    run waits for the lock, reads the answer, leaves that referral be and expires the next."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from referrals import services
    from referrals.models import Referral

    answered, due = make_referral(), make_referral()
    today = timezone.localdate()
    Referral.objects.filter(pk__in=[answered.pk, due.pk]).update(
        sent_on=today - dt.timedelta(days=60)
    )
    locked, release = threading.Event(), threading.Event()

    def provider_accepts() -> None:
        try:
            with transaction.atomic():
                services.accept_referral(
                    referral=Referral.objects.get(pk=answered.pk),
                    by=services.Actor.of_provider(provider),
                )
                locked.set()
                release.wait(timeout=10)  # committed only once the run has begun
        finally:
            connections.close_all()

    answer = threading.Thread(target=provider_accepts)
    answer.start()
    assert locked.wait(timeout=10)
    threading.Timer(1.0, release.set).start()
    expired = services.expire_unanswered(today)
    answer.join()

    answered.refresh_from_db()
    due.refresh_from_db()
    assert expired == 1
    assert answered.status == "accepted" and answered.expired_on is None
    assert due.status == "expired" and due.expired_on is not None
