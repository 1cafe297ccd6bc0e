"""The referral lifecycle as services: who may do what, history, outbox, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from analyses.models import AnalysisStatus
from referrals import services
from referrals.lifecycle import Status
from referrals.models import OutboxEvent, ReferralEvent
from tests.factories import ProductFactory, WorkerFactory

pytestmark = pytest.mark.django_db
Actor = services.Actor


def test_the_whole_lifecycle_writes_history_and_outbox(make_referral, provider, regisseur):
    referral = make_referral()
    by = Actor.of_provider(provider)
    referral = services.accept_referral(referral=referral, by=by)
    referral = services.start_care(referral=referral, by=by)
    referral = services.end_care(referral=referral, by=by, end_code="31")
    assert referral.status == Status.ENDED
    assert referral.end_reason == "Beëindigd volgens plan"
    assert referral.version == 5
    events = list(
        ReferralEvent.objects.filter(referral=referral).values_list("to_status", "actor_kind")
    )
    assert events == [
        ("draft", "regisseur"),
        ("sent", "regisseur"),
        ("accepted", "provider"),
        ("started", "provider"),
        ("ended", "provider"),
    ]
    assert list(OutboxEvent.objects.values_list("kind", flat=True)) == [
        "sent",
        "accepted",
        "started",
        "ended",
    ]


def test_sending_a_specialist_referral_needs_an_established_analysis(make_referral, case):
    case.analyses.update(status=AnalysisStatus.DRAFT, established_on=None)
    draft = make_referral(send=False)
    with pytest.raises(services.ReferralRefused) as refused:
        services.send_referral(
            referral=draft, by=Actor.regisseur(draft.case.regisseurs.get().worker)
        )
    assert refused.value.code == "analysis_not_established"
    assert "verklarende analyse" in refused.value.message
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_non_specialist_referral_may_be_sent_without_analysis(
    make_referral, case, provider, municipality
):
    from tests.factories import ContractFactory

    case.analyses.all().delete()
    basic = ProductFactory(code="AMB-BAS", specialist=False)
    ContractFactory(provider=provider, product=basic, municipalities=[municipality])
    assert make_referral(product=basic).status == Status.SENT


def test_only_the_current_regisseur_sends(make_referral, regisseur):
    draft = make_referral(send=False)
    stranger = WorkerFactory(local_team=regisseur.local_team)
    with pytest.raises(services.NotAllowed):
        services.send_referral(referral=draft, by=Actor.regisseur(stranger))


def test_only_the_addressed_provider_answers(make_referral, other_provider):
    referral = make_referral()
    with pytest.raises(services.NotAllowed) as refused:
        services.accept_referral(referral=referral, by=Actor.of_provider(other_provider))
    assert refused.value.code == "not_addressed"


def test_a_provider_cannot_send_and_a_regisseur_cannot_accept(make_referral, provider, regisseur):
    referral = make_referral()
    with pytest.raises(services.NotAllowed):
        services.accept_referral(referral=referral, by=Actor.regisseur(regisseur))


@pytest.mark.parametrize("step", ["start", "end", "send"])
def test_steps_that_do_not_apply_are_refused(make_referral, provider, regisseur, step):
    referral = make_referral()
    with pytest.raises(services.ReferralRefused) as refused:
        if step == "start":
            services.start_care(referral=referral, by=Actor.of_provider(provider))
        elif step == "end":
            services.end_care(referral=referral, by=Actor.of_provider(provider), end_code="31")
        else:
            services.send_referral(referral=referral, by=Actor.regisseur(regisseur))
    assert refused.value.code == "invalid_transition"


def test_a_decline_names_a_reason_from_the_code_list(make_referral, provider, other_provider):
    referral = make_referral()
    by = Actor.of_provider(provider)
    with pytest.raises(services.InvalidInput):
        services.decline_referral(referral=referral, by=by, reason_code="geen zin")
    with pytest.raises(services.InvalidInput):
        services.decline_referral(referral=referral, by=by, reason_code="other", reason=" ")
    declined = services.decline_referral(
        referral=referral, by=by, reason_code="no_capacity", alternative_provider=other_provider
    )
    assert (declined.decline_code, declined.decline_reason) == ("no_capacity", "Geen capaciteit")
    assert declined.alternative_provider == other_provider


def test_a_stale_version_is_refused(make_referral, provider):
    referral = make_referral()
    with pytest.raises(services.StaleVersion):
        services.accept_referral(
            referral=referral, by=Actor.of_provider(provider), expected_version=referral.version - 1
        )


def test_withdrawing_a_sent_referral(make_referral, regisseur):
    referral = services.withdraw_referral(referral=make_referral(), by=Actor.regisseur(regisseur))
    assert referral.status == Status.WITHDRAWN


@pytest.mark.parametrize(
    ("sent_on", "as_of", "expired"),
    [
        (dt.date(2026, 10, 27), dt.date(2026, 11, 23), False),  # 19 working days
        (dt.date(2026, 10, 27), dt.date(2026, 11, 24), True),  # 20 working days
    ],
)
def test_unanswered_referrals_expire_after_the_configured_working_days(
    make_referral, sent_on, as_of, expired
):
    referral = make_referral()
    type(referral).objects.filter(pk=referral.pk).update(sent_on=sent_on)
    assert services.expire_unanswered(as_of) == int(expired)
    referral.refresh_from_db()
    assert (referral.status == Status.EXPIRED) == expired


def test_an_answer_racing_the_expiry_wins_and_the_run_goes_on(make_referral, monkeypatch):
    first, second = make_referral(), make_referral()
    type(first).objects.filter(pk__in=[first.pk, second.pk]).update(sent_on=dt.date(2026, 10, 27))
    locked = services._locked

    def provider_answered_first(referral):
        # The provider's accept committed after the run chose the referral, before its lock:
        # the locked row reads accepted.
        row = locked(referral)
        if row.pk == first.pk:
            row.status = Status.ACCEPTED
        return row

    monkeypatch.setattr(services, "_locked", provider_answered_first)
    assert services.expire_unanswered(dt.date(2026, 11, 24)) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.SENT, Status.EXPIRED)
    assert not first.events.filter(to_status=Status.EXPIRED).exists()


def test_a_change_re_judges_the_case(make_referral, django_capture_on_commit_callbacks):
    from casusregie.models import SweepRequest
    from flags.tasks import sweep_requested

    with django_capture_on_commit_callbacks() as callbacks:
        referral = make_referral()
    assert SweepRequest.objects.filter(case_id=referral.case_id).exists()
    assert sweep_requested.soon in callbacks
