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
    """Lighter care first, read from the marks and the iJw category, never from a segment's
    code (every region names its own): ambulant (45) before dagbehandeling (41) before care
    out of home (foster care, 43, before residential, 44), crisis care last."""
    made = {
        name: ProductFactory(code=name, segment=f"lot_{i}", ijw_category=category, **marks)
        for i, (name, category, marks) in enumerate(
            [
                ("CRISIS", "44", {"crisis": True, "out_of_home": True}),
                ("VERBLIJF", "44", {"out_of_home": True}),
                ("PLEEGZORG", "43", {"out_of_home": True}),
                ("DAGBEHANDELING", "41", {}),
                ("AMBULANT", "45", {}),
            ]
        )
    }
    for product in made.values():
        ContractFactory(provider=provider, product=product, municipalities=[municipality])
    proposals = propose(youth, on=timezone.localdate())
    order = [p.product.code for p in proposals if p.product.code in made]
    assert order == ["AMBULANT", "DAGBEHANDELING", "PLEEGZORG", "VERBLIJF", "CRISIS"]
    reasons = {p.product.code: " ".join(p.reasons) for p in proposals}
    assert "Ambulant en thuisnabij" in reasons["AMBULANT"]
    assert "Dagbehandeling" in reasons["DAGBEHANDELING"]
    assert "perspectiefplan voor terugkeer" in reasons["VERBLIJF"]
    assert "vóór de verklarende analyse" in reasons["CRISIS"]


def test_crisis_help_at_home_comes_after_all_other_care(youth, provider, municipality):
    """Crisis help at home (not out of home) is still crisis care: last, after residential."""
    home = ProductFactory(code="CRISIS-THUIS", ijw_category="45", crisis=True)
    stay = ProductFactory(code="VERBLIJF", ijw_category="44", out_of_home=True)
    for product in (home, stay):
        ContractFactory(provider=provider, product=product, municipalities=[municipality])
    order = [p.product.code for p in propose(youth, on=timezone.localdate())]
    assert order.index("VERBLIJF") < order.index("CRISIS-THUIS")


def test_the_crisis_route_proposes_crisis_products_only(youth, provider, municipality):
    crisis = ProductFactory(code="CRISIS", crisis=True, out_of_home=True)
    ContractFactory(provider=provider, product=crisis, municipalities=[municipality])
    proposals = propose(youth, crisis=True, on=timezone.localdate())
    assert [p.product for p in proposals] == [crisis]


def test_a_segment_proposes_its_own_products(youth, provider, municipality, product):
    foster = ProductFactory(code="PLEEG", segment="pleegzorg", out_of_home=True)
    ContractFactory(provider=provider, product=foster, municipalities=[municipality])
    proposals = propose(youth, segment=foster.segment, on=timezone.localdate())
    assert [p.product for p in proposals] == [foster]


def test_after_a_decline_the_next_proposal_is_another_provider(
    make_referral, youth, product, provider, other_provider
):
    referral = make_referral()
    services.decline_referral(
        referral=referral,
        by=services.Actor.of_provider(provider),
        reason_code="no_capacity",
        no_alternative_known=True,
    )
    assert [p.provider for p in propose(youth, product=product, on=timezone.localdate())] == [
        other_provider
    ]


def test_when_nobody_is_left_there_is_no_proposal(make_referral, youth, product, provider):
    services.decline_referral(
        referral=make_referral(),
        by=services.Actor.of_provider(provider),
        reason_code="no_capacity",
        no_alternative_known=True,
    )
    assert propose(youth, product=product, on=timezone.localdate()) == []


def test_full_providers_come_after_those_with_places(youth, product, provider, other_provider):
    ProductCapacity.objects.create(provider=provider, product=product, available_places=0)
    ProductCapacity.objects.create(provider=other_provider, product=product, available_places=2)
    proposals = propose(youth, product=product, on=timezone.localdate())
    assert [p.provider for p in proposals] == [other_provider, provider]
    assert "Meldt 2 vrije plaatsen" in proposals[0].reasons
