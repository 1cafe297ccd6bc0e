"""The referral wizard: proposals with reasons, sending, and the refusal without analysis."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analyses.models import Analysis
from referrals.models import Referral
from tests.conftest import verified_login

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
