"""Who referred (iJw verwijzer): a code list in codes.json, chosen in the wizard (default
gemeente), shown to the provider in the API."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from referrals import codes, services
from referrals.models import Referral, Referrer
from tests.conftest import verified_login
from tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def test_the_choices_are_the_ijw_code_list():
    assert set(Referrer.values) == set(codes.ijw_referrers())


def test_a_referral_is_referred_by_the_gemeente_unless_told():
    assert ReferralFactory().referrer == Referrer.MUNICIPALITY


def test_the_database_refuses_an_unknown_referrer():
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory(referrer="99")


@pytest.fixture
def contracted(case, youth, product, provider):
    return case, youth, product, provider


def _send(client, contracted, **extra):
    case, youth, product, provider = contracted
    return client.post(
        reverse("referral-wizard", args=[case.family.ref]),
        {"youth": youth.ref, "product": product.pk, "provider": provider.pk, "question": "Hulp"}
        | extra,
    )


def test_the_wizard_offers_the_referrers_with_the_gemeente_chosen(client, regisseur, contracted):
    case, youth, product, _provider = contracted
    verified_login(client, regisseur)
    url = reverse("referral-wizard", args=[case.family.ref])
    html = client.get(url, {"youth": youth.ref, "product": product.pk}).content.decode()
    assert '<option value="01" selected>Gemeente</option>' in html
    assert '<option value="02">Huisarts</option>' in html


def test_the_wizard_records_the_referrer_and_the_provider_sees_it(
    client, regisseur, contracted, api
):
    verified_login(client, regisseur)
    assert _send(client, contracted, referrer="02").status_code == 302
    referral = Referral.objects.get()
    assert referral.referrer == Referrer.GP
    body = api.get(f"/api/v1/referrals/{referral.ref}/").json()
    assert body["referrer"] == "02"


def test_the_wizard_without_a_choice_records_the_gemeente(client, regisseur, contracted):
    verified_login(client, regisseur)
    assert _send(client, contracted).status_code == 302
    assert Referral.objects.get().referrer == Referrer.MUNICIPALITY


def test_an_unknown_referrer_is_refused_not_a_500(client, regisseur, contracted):
    verified_login(client, regisseur)
    response = _send(client, contracted, referrer="99")
    assert response.status_code == 400  # the wizard again (the list only offers known ones)
    assert not Referral.objects.exists()


def test_create_referral_refuses_an_unknown_referrer(case, youth, product, provider, regisseur):
    with pytest.raises(services.InvalidInput, match="Kies wie"):
        services.create_referral(
            case=case,
            youth=youth,
            product=product,
            provider=provider,
            by=services.Actor.regisseur(regisseur),
            referrer="99",
        )
