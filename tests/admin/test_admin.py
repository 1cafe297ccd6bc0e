"""Reference data is manageable in Django admin; every page opens for the administrator."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from casusregie.admin_roles import ensure_functional_admin_group
from casusregie.models import Role
from referrals.models import Contract, Product, Segment
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    MunicipalityFactory,
    ProductFactory,
    ProviderFactory,
    RegionFactory,
    SegmentFactory,
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


# -- segments are a region's records, products carry the marks (issue 15) -----------------------
@pytest.fixture
def functional_admin(client):
    user = WorkerFactory(roles=[Role.ADMIN], is_staff=True)
    user.groups.add(ensure_functional_admin_group())
    return verified_login(client, user)


def test_the_functional_administrator_adds_a_regions_segment(functional_admin):
    region = RegionFactory(code="rijnmond", name="Rijnmond")
    response = functional_admin.post(
        reverse("admin:referrals_segment_add"),
        {"region": region.pk, "code": "lot_a", "name": "Perceel A: pleegzorg"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    segment = Segment.objects.get(code="lot_a")
    assert (segment.region, segment.name) == (region, "Perceel A: pleegzorg")
    listing = functional_admin.get(reverse("admin:referrals_segment_changelist")).content.decode()
    assert "Perceel A: pleegzorg" in listing and "Rijnmond" in listing


def test_a_segment_code_is_checked_and_unique_within_its_region(admin_client):
    region = RegionFactory(code="rijnmond")
    SegmentFactory(region=region, code="ambulant")
    add = reverse("admin:referrals_segment_add")
    bad = admin_client.post(add, {"region": region.pk, "code": "Lot A", "name": "Lot A"})
    assert bad.status_code == 200
    assert "Kleine letters, cijfers en _" in bad.content.decode()
    twice = admin_client.post(add, {"region": region.pk, "code": "ambulant", "name": "Nogmaals"})
    assert twice.status_code == 200 and Segment.objects.filter(code="ambulant").count() == 1
    elsewhere = RegionFactory(code="holland_rijnland")
    other = admin_client.post(add, {"region": elsewhere.pk, "code": "ambulant", "name": "Amb"})
    assert other.status_code == 302  # another region may use the same code


def test_a_product_is_made_with_its_segment_and_marks(functional_admin):
    segment = SegmentFactory(code="crisis", name="Crisis")
    response = functional_admin.post(
        reverse("admin:referrals_product_add"),
        {
            "code": "CRISIS-OPV",
            "name": "Crisisopvang",
            "segment": segment.pk,
            "specialist": "on",
            "out_of_home": "on",
            "crisis": "on",
            "ijw_category": "44",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(code="CRISIS-OPV")
    assert (product.segment, product.specialist, product.out_of_home, product.crisis) == (
        segment,
        True,
        True,
        True,
    )


def test_the_product_list_shows_and_filters_by_the_marks(admin_client):
    ProductFactory(code="PLEEG", name="Pleegzorg", segment="pleegzorg", out_of_home=True)
    ProductFactory(code="AMB", name="Ambulant", segment="ambulant")
    url = reverse("admin:referrals_product_changelist")
    page = admin_client.get(url).content.decode()
    assert "buiten huis" in page.lower() and "crisiszorg" in page.lower()
    filtered = admin_client.get(url, {"out_of_home__exact": "1"}).content.decode()
    assert "PLEEG" in filtered and ">AMB<" not in filtered


@pytest.mark.parametrize("who", ["functional_admin", "admin_client"])
def test_the_change_history_has_no_page_in_the_admin(request, who):
    """pghistory's event list (every change of every family, unscoped, unlogged) is not in the
    admin: not for the functional administrator, not for a superuser."""
    client = request.getfixturevalue(who)
    CaseFactory()
    assert not [m for m in admin.site._registry if m._meta.app_label == "pghistory"]
    assert client.get("/admin/pghistory/events/").status_code == 404
    assert client.get("/admin/pghistory/context/").status_code == 404
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/pghistory/" not in index.content.decode()


def test_the_youth_admin_searches_by_reference_not_by_name(admin_client):
    """Its search is a GET (?q=…): a name there would be in the URL and the server's log."""
    youth = YouthFactory(name="Noor Zoekvanger")
    url = reverse("admin:casusregie_youth_changelist")
    link = reverse("admin:casusregie_youth_change", args=[youth.pk])
    assert link in admin_client.get(url, {"q": youth.ref}).content.decode()
    assert link not in admin_client.get(url, {"q": "Zoekvanger"}).content.decode()
