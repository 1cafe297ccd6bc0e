"""Reference data is manageable in Django admin; every page opens for the administrator."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from casusregie.models import Role
from referrals.models import Contract
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    MunicipalityFactory,
    ProductFactory,
    ProviderFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def admin_client(client):
    user = WorkerFactory(roles=[Role.ADMIN], is_staff=True, is_superuser=True)
    return verified_login(client, user)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_changelist_opens(admin_client, model):
    CaseFactory()
    YouthFactory()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_add_form_opens_or_is_refused(admin_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    assert admin_client.get(url).status_code in (200, 403)


def test_a_contract_is_created_through_the_admin(admin_client):
    provider, product = ProviderFactory(), ProductFactory()
    municipality = MunicipalityFactory()
    response = admin_client.post(
        reverse("admin:referrals_contract_add"),
        {
            "provider": provider.pk,
            "product": product.pk,
            "municipalities": [municipality.pk],
            "valid_from": "2027-01-01",
            "valid_until": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get()
    assert contract.valid_from == dt.date(2027, 1, 1)
    assert list(contract.municipalities.all()) == [municipality]


def test_the_youth_admin_never_shows_a_bsn(admin_client):
    youth = YouthFactory()
    response = admin_client.get(reverse("admin:casusregie_youth_change", args=[youth.pk]))
    assert youth.bsn not in response.content.decode()


def test_a_worker_without_staff_rights_is_sent_to_the_login(client):
    verified_login(client, WorkerFactory())
    response = client.get(reverse("admin:casusregie_region_changelist"), follow=True)
    assert response.request["PATH_INFO"] == reverse("login")


def test_staff_without_the_second_factor_is_sent_to_the_login(client):
    client.force_login(WorkerFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:casusregie_region_changelist"), follow=True)
    assert response.request["PATH_INFO"] == reverse("login")
