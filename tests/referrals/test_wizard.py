"""The referral wizard: proposals with reasons, sending, the refusal without analysis, the
crisis route without it, and bridging support recorded when sending."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from analyses.models import Analysis
from referrals.models import Referral
from tests.conftest import verified_login
from tests.factories import (
    ContractFactory,
    ProductFactory,
    ProviderFactory,
    RegionFactory,
    SegmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contracted(case, youth, product, provider):
    return case, youth, product, provider


def test_proposals_come_with_their_reasons(client, regisseur, contracted):
    case, youth, product, provider = contracted
    verified_login(client, regisseur)
    url = reverse("referral-wizard", args=[case.family.ref])
    page = client.get(url, {"youth": youth.ref, "product": product.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert provider.name in html
    assert "Gecontracteerd voor" in html


def test_choosing_nothing_is_explained(client, regisseur, contracted):
    case, youth, _product, _provider = contracted
    verified_login(client, regisseur)
    page = client.get(reverse("referral-wizard", args=[case.family.ref]), {"youth": youth.ref})
    assert "Kies een product of een segment" in page.content.decode()


def test_sending_creates_a_sent_referral(client, regisseur, contracted):
    case, youth, product, provider = contracted
    verified_login(client, regisseur)
    response = client.post(
        reverse("referral-wizard", args=[case.family.ref]),
        {"youth": youth.ref, "product": product.pk, "provider": provider.pk, "question": "Hulp"},
    )
    assert response.status_code == 302
    referral = Referral.objects.get(case=case)
    assert (referral.status, referral.provider, referral.question) == ("sent", provider, "Hulp")


def test_without_an_established_analysis_the_referral_is_refused_in_dutch(
    client, regisseur, contracted
):
    case, youth, product, provider = contracted
    Analysis.objects.filter(case=case).update(status="draft", established_on=None)
    verified_login(client, regisseur)
    response = client.post(
        reverse("referral-wizard", args=[case.family.ref]),
        {"youth": youth.ref, "product": product.pk, "provider": provider.pk, "question": "Hulp"},
    )
    assert response.status_code == 409
    assert "verklarende analyse met het gezin is vastgesteld" in response.content.decode()
    assert not Referral.objects.exists()


# -- the crisis route and bridging when sending (issue 15) ------------------------------------
@pytest.fixture
def crisis(municipality):
    """A contracted crisis product (crisis help at home: not out of home)."""
    product = ProductFactory(
        code="CRISIS-AMB", name="Crisishulp thuis", segment="crisis", crisis=True
    )
    provider = ProviderFactory(ref="p-crisis", name="Crisisdienst Rijnmond")
    ContractFactory(provider=provider, product=product, municipalities=[municipality])
    return product, provider


def test_the_crisis_route_is_on_the_page_at_once(client, regisseur, contracted, crisis):
    case, youth, product, provider = contracted
    verified_login(client, regisseur)
    page = client.get(reverse("referral-wizard", args=[case.family.ref]))
    assert page.status_code == 200
    html = page.content.decode()
    crisis_part = html.split('id="crisis-title"')[1].split('id="stap1"')[0]
    assert "Crisisdienst Rijnmond" in crisis_part and "Crisishulp thuis" in crisis_part
    assert provider.name not in crisis_part  # only crisis products
    assert "zonder vastgestelde verklarende analyse" in crisis_part
    assert "CRISIS_ANALYSIS_OVERDUE" in crisis_part and "14 dagen" in crisis_part
    assert f'value="{youth.ref}"' in crisis_part  # the send form is for a youth of the family


def test_crisis_care_is_sent_without_an_established_analysis(client, regisseur, contracted, crisis):
    case, youth, _product, _provider = contracted
    product, provider = crisis
    Analysis.objects.filter(case=case).update(status="draft", established_on=None)
    verified_login(client, regisseur)
    url = reverse("referral-wizard", args=[case.family.ref])
    assert "nog niet vastgesteld" in client.get(url).content.decode()
    response = client.post(
        url,
        {"youth": youth.ref, "product": product.pk, "provider": provider.pk, "question": "Nu"},
        follow=True,
    )
    referral = Referral.objects.get(case=case)
    assert (referral.status, referral.product) == ("sent", product)
    html = response.content.decode()
    assert "is verzonden" in html and "CRISIS_ANALYSIS_OVERDUE" in html


def test_no_contracted_crisis_care_is_said_so(client, regisseur, contracted):
    case, *_ = contracted
    verified_login(client, regisseur)
    html = client.get(reverse("referral-wizard", args=[case.family.ref])).content.decode()
    assert "geen gecontracteerde crisiszorg" in html


def test_bridging_is_recorded_when_sending(client, regisseur, contracted):
    case, youth, product, provider = contracted
    verified_login(client, regisseur)
    today = timezone.localdate()
    response = client.post(
        reverse("referral-wizard", args=[case.family.ref]),
        {
            "youth": youth.ref,
            "product": product.pk,
            "provider": provider.pk,
            "question": "Hulp",
            "bridging_description": "Wekelijks gesprek met de jeugdverpleegkundige",
            "bridging_by": "Wijkteam Noord",
            "bridging_from": today.isoformat(),
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(case=case)
    assert (referral.bridging_from, referral.bridging_by) == (today, "Wijkteam Noord")
    assert referral.bridging_description == "Wekelijks gesprek met de jeugdverpleegkundige"
    assert referral.events.filter(data__bridging_from=today.isoformat()).exists()


@pytest.mark.parametrize(
    "bridging, error",
    [
        ({"bridging_from": "TODAY"}, "Beschrijf wat de overbrugging is."),
        ({"bridging_description": "Gesprekken"}, "Vul in vanaf wanneer de overbrugging loopt."),
        ({"bridging_by": "Buurtcoach"}, "Vul in vanaf wanneer de overbrugging loopt."),
        (
            {"bridging_description": "Gesprekken", "bridging_from": "YESTERDAY"},
            "De overbrugging begint niet vóór",
        ),
        ({"bridging_description": "Gesprekken", "bridging_from": "morgen"}, "geldige datum"),
    ],
)
def test_bad_bridging_is_explained_in_dutch_and_nothing_is_sent(
    client, regisseur, contracted, bridging, error
):
    case, youth, product, provider = contracted
    today = timezone.localdate()
    days = {"TODAY": today, "YESTERDAY": today - dt.timedelta(days=1)}
    bridging = {k: days[v].isoformat() if v in days else v for k, v in bridging.items()}
    verified_login(client, regisseur)
    response = client.post(
        reverse("referral-wizard", args=[case.family.ref]),
        {
            "youth": youth.ref,
            "product": product.pk,
            "provider": provider.pk,
            "question": "Hulp",
            **bridging,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html and "Nog niet verzonden" in html
    assert "Hulp</textarea>" in html  # the question is kept
    assert not Referral.objects.exists()


def test_a_missing_question_is_explained_beside_the_field(client, regisseur, contracted):
    case, youth, product, provider = contracted
    verified_login(client, regisseur)
    response = client.post(
        reverse("referral-wizard", args=[case.family.ref]),
        {"youth": youth.ref, "product": product.pk, "provider": provider.pk, "question": ""},
    )
    assert response.status_code == 400
    assert "Vul de hulpvraag voor de aanbieder in." in response.content.decode()
    assert not Referral.objects.exists()


def test_the_segments_offered_are_the_familys_regions(client, regisseur, contracted, municipality):
    case, *_ = contracted
    own = SegmentFactory(region=municipality.region, code="ambulant", name="Ambulante hulp")
    SegmentFactory(region=RegionFactory(code="elders"), code="lot_a", name="Perceel A elders")
    verified_login(client, regisseur)
    html = client.get(reverse("referral-wizard", args=[case.family.ref])).content.decode()
    assert own.name in html and "Perceel A elders" not in html


def test_choosing_a_segment_proposes_its_products(client, regisseur, contracted, municipality):
    case, youth, _product, provider = contracted
    segment = SegmentFactory(region=municipality.region, code="pleegzorg", name="Pleegzorg")
    foster = ProductFactory(code="PLEEG", name="Pleegzorg", segment=segment, out_of_home=True)
    ContractFactory(provider=provider, product=foster, municipalities=[municipality])
    verified_login(client, regisseur)
    page = client.get(
        reverse("referral-wizard", args=[case.family.ref]),
        {"youth": youth.ref, "segment": segment.pk},
    )
    html = page.content.decode().split('id="stap2"')[1]
    assert "Pleegzorg" in html and "Specialistische ambulante jeugdhulp" not in html
    assert "perspectiefplan voor terugkeer" in html
