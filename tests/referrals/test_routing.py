"""Routing proposals: contracted providers, lighter care first, shortest wait, with reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import ProductCapacity
from referrals.routing import propose
from tests.factories import ContractFactory, ProductFactory, ProviderFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_providers_with_a_valid_contract_are_proposed_shortest_wait_first(
    youth, product, provider, other_provider, municipality, case
):
    today = timezone.localdate()
    for p, days in ((provider, 30), (other_provider, 5)):
        ReferralFactory(
            case=case,
            youth=youth,
            product=product,
            provider=p,
            status="accepted",
            sent_on=today - dt.timedelta(days=40),
            answered_on=today - dt.timedelta(days=40 - days),
        )
    expired = ProviderFactory(name="Verlopen Contract")
    ContractFactory(
        provider=expired,
        product=product,
        municipalities=[municipality],
        valid_from=dt.date(2020, 1, 1),
        valid_until=today - dt.timedelta(days=1),
    )
    proposals = propose(youth, product=product, on=today)
    assert [p.provider for p in proposals] == [other_provider, provider]
    assert proposals[0].median_wait_days == 5
    assert any("5 dagen" in r for r in proposals[0].reasons)


def test_ambulant_offers_come_before_residential_ones(youth, provider, municipality):
    verblijf = ProductFactory(code="VERB", segment="verblijf")
    ambulant = ProductFactory(code="AMB", segment="ambulant")
    for product in (verblijf, ambulant):
        ContractFactory(provider=provider, product=product, municipalities=[municipality])
    proposals = propose(youth, on=timezone.localdate())
    segments = [p.product.segment for p in proposals]
    assert segments.index("ambulant") < segments.index("verblijf")


def test_after_a_decline_the_next_proposal_is_another_provider(
    make_referral, youth, product, provider, other_provider
):
    referral = make_referral()
    services.decline_referral(
        referral=referral, by=services.Actor.of_provider(provider), reason_code="no_capacity"
    )
    assert [p.provider for p in propose(youth, product=product, on=timezone.localdate())] == [
        other_provider
    ]


def test_when_nobody_is_left_there_is_no_proposal(make_referral, youth, product, provider):
    services.decline_referral(
        referral=make_referral(), by=services.Actor.of_provider(provider), reason_code="no_capacity"
    )
    assert propose(youth, product=product, on=timezone.localdate()) == []


def test_full_providers_come_after_those_with_places(youth, product, provider, other_provider):
    ProductCapacity.objects.create(provider=provider, product=product, available_places=0)
    ProductCapacity.objects.create(provider=other_provider, product=product, available_places=2)
    proposals = propose(youth, product=product, on=timezone.localdate())
    assert [p.provider for p in proposals] == [other_provider, provider]
    assert "Meldt 2 vrije plaatsen" in proposals[0].reasons
