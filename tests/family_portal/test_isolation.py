# ruff: noqa: F811
"""Point 5: safe by construction. Every family URL × another family's account; a family session
on every page of the worker site, the provider's portal and the admin; workers and provider
users on the family's pages; nothing personal in the family's URLs; the WCAG basics."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casusregie.models import Consent, ConsentPurpose, FamilyMessage
from family_portal import urls as family_urls
from tests.casusregie.test_access_matrix import (  # noqa: F401
    FAMILY_PORTAL_PAGES,
    PAGES,
    PORTAL_PAGES,
    _client,
    _request,
    world,
    world_of_the_module,
)
from tests.casusregie.test_accessibility import PageAudit
from tests.factories import CarerFactory, CaseFactory, FamilyFactory, RegisseurPeriodFactory

from .conftest import family_login, make_account

pytestmark = pytest.mark.django_db

GET_PAGES = [
    "family-home",
    "family-plan",
    "family-analysis",
    "family-help",
    "family-consent",
    "family-questions",
    "family-history",
]
LOGIN_STEPS = {
    "family-login",
    "family-link",
    "family-code",
    "family-broker-start",  # DigiD: tests/family_portal/test_broker_login.py
    "family-broker-callback",
}
FAMILY_ONLY = sorted(FAMILY_PORTAL_PAGES - LOGIN_STEPS)


def test_the_family_urls_are_the_matrix_list_and_carry_nothing_personal():
    names = {p.name for p in family_urls.urlpatterns}
    assert names == FAMILY_PORTAL_PAGES
    routes = {str(p.pattern) for p in family_urls.urlpatterns}
    assert all(
        "<" not in r or r == "mijn-gezin/toestemming/<int:consent_id>/intrekken/" for r in routes
    )


@pytest.fixture
def other(world):  # noqa: F811
    """Another family (of the same team), with its own account, consent and a message."""
    case = world.own.cases.get()
    family = FamilyFactory(municipality=world.own.municipality)
    other_case = CaseFactory(family=family, local_team=case.local_team, opened_on=case.opened_on)
    RegisseurPeriodFactory(case=other_case, worker=world.users["regisseur"])
    carer = CarerFactory(family=family, name="Andere Ouder")
    consent = Consent.objects.create(
        case=other_case, purpose=ConsentPurpose.EXPERT_TABLE, given_on=case.opened_on
    )
    FamilyMessage.objects.create(case=other_case, text="GEHEIM VAN HET ANDERE GEZIN")
    return make_account(carer=carer), consent


@pytest.fixture
def own_account(world):  # noqa: F811
    carer = CarerFactory(family=world.own, name="Eigen Ouder")
    return make_account(carer=carer)


def _url(name: str, consent_id: int) -> str:
    if name == "family-consent-withdraw-own":
        return reverse(name, args=[consent_id])
    return reverse(name)


@pytest.mark.parametrize("name", FAMILY_ONLY)
def test_another_familys_account_probes_every_family_url(client, world, other, own_account, name):
    """The intruder is the other family's account; the target is ``world.own``'s data."""
    intruder, _consent = other
    family_login(client, intruder)
    target_consent = world.own_consent
    method = "post" if name in {"family-consent-withdraw-own", "family-logout"} else "get"
    response = getattr(client, method)(_url(name, target_consent.pk))
    if name == "family-consent-withdraw-own":
        assert response.status_code == 404
        target_consent.refresh_from_db()
        assert target_consent.withdrawn_on is None
        return
    body = response.content.decode()
    assert world.own.ref not in body and world.own_youth.name not in body
    assert "Eigen Ouder" not in body


@pytest.mark.parametrize("name", GET_PAGES)
def test_a_family_sees_its_own_and_not_the_other(client, world, other, own_account, name):
    family_login(client, own_account)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "GEHEIM VAN HET ANDERE GEZIN" not in response.content.decode()
    assert "Andere Ouder" not in response.content.decode()


WORKER_SITE = sorted(
    n for n in PAGES if n not in {"login", "logout", "oidc-start", "oidc-callback"}
)


@pytest.mark.parametrize("name", WORKER_SITE)
def test_a_family_session_reaches_nothing_of_the_worker_site(client, world, own_account, name):
    family_login(client, own_account)
    response = _request(client, world, name, PAGES[name], "own")
    if name in {"otp-verify", "otp-setup"}:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == 302, f"a family account reached {name}"
    assert response["Location"].startswith(reverse("login"))


def test_a_family_session_reaches_no_admin_and_no_api(client, world, own_account):
    family_login(client, own_account)
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/v1/referrals/").status_code in (401, 403)


@pytest.mark.parametrize("role", ["regisseur", "team_lead", "admin", "provider_staff"])
@pytest.mark.parametrize("name", GET_PAGES)
def test_workers_and_providers_are_sent_to_the_family_login(client, world, role, name):
    client = _client(client, world, role)
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"] == reverse("family-login")


@pytest.mark.parametrize("name", [*GET_PAGES, "family-login", "family-link"])
def test_every_family_page_meets_the_wcag_basics(client, world, own_account, name):
    family_login(client, own_account)
    response = client.get(reverse(name))
    assert response.status_code == 200
    audit = PageAudit()
    audit.feed(response.content.decode())
    assert audit.lang == "nl"
    assert {"main", "header", "footer"} <= set(audit.landmarks)
    assert audit.h1 == 1, f"{name}: {audit.h1} h1 elements"
    for field in audit.fields:
        labelled = field.get("id") in audit.labels or field.get("aria-label") or field["_in_label"]
        assert labelled, f"{name}: a field without a label: {field}"
    assert all(audit.buttons), f"{name}: a button without text"
