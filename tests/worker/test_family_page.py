"""The family page: masked BSN with logged reveal, change history, consent that takes effect."""

from __future__ import annotations

import datetime as dt

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casusregie.admin_roles import ensure_functional_admin_group
from casusregie.models import AccessLogEntry, Consent, ConsentPurpose, Role
from referrals.lifecycle import Status
from referrals.models import ProviderAPIKey
from tests.conftest import verified_login
from tests.factories import (
    AnalysisFactory,
    CarerFactory,
    CaseFactory,
    EscalationFactory,
    FamilyFactory,
    InvolvedProfessionalFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    ProviderFactory,
    ReferralFactory,
    RegionFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db
# pinned: the same for a family of one or of many members (+1 in issue 19: at the table
# without consent?)
PAGE_QUERIES = 37


@pytest.fixture
def team():
    return LocalTeamFactory(municipalities=[MunicipalityFactory(region=RegionFactory())])


@pytest.fixture
def family(team):
    family = FamilyFactory(municipality=team.municipalities.get())
    CaseFactory(family=family, local_team=team, opened_on=dt.date(2026, 1, 5))
    return family


@pytest.fixture
def youth(family):
    return YouthFactory(family=family, name="Noor de Jong")


@pytest.fixture
def worker(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna de Vries")


def test_the_page_masks_the_bsn_and_shows_it_only_on_request(client, worker, family, youth):
    verified_login(client, worker)
    page = client.get(reverse("family-detail", args=[family.ref])).content.decode()
    assert youth.bsn not in page
    assert youth.bsn_masked in page
    assert "Toon BSN" in page
    before = AccessLogEntry.objects.filter(object_type="youth_bsn").count()
    shown = client.post(
        reverse("family-reveal-bsn", args=[family.ref]),
        {"person": youth.ref},
        HTTP_HX_REQUEST="true",
    )
    assert shown.status_code == 200
    assert youth.bsn in shown.content.decode()
    entry = AccessLogEntry.objects.filter(object_type="youth_bsn").latest("id")
    assert AccessLogEntry.objects.filter(object_type="youth_bsn").count() == before + 1
    assert (entry.family_ref, entry.object_ref, entry.purpose) == (
        family.ref,
        youth.ref,
        "inzage BSN (op verzoek getoond)",
    )
    assert youth.bsn not in str(entry.__dict__)


def test_without_javascript_the_reveal_shows_the_page_with_the_bsn(client, worker, family, youth):
    verified_login(client, worker)
    page = client.post(reverse("family-reveal-bsn", args=[family.ref]), {"person": youth.ref})
    assert page.status_code == 200
    assert youth.bsn in page.content.decode()


def test_a_bsn_of_another_family_is_not_revealed(client, worker, family, youth):
    other = YouthFactory(family=FamilyFactory(municipality=family.municipality))
    verified_login(client, worker)
    response = client.post(reverse("family-reveal-bsn", args=[family.ref]), {"person": other.ref})
    assert response.status_code == 404


def test_the_history_shows_who_changed_what(client, worker, family, youth):
    with pghistory.context(user=worker.pk):
        youth.name = "Noor van Dijk"
        youth.save()
    verified_login(client, worker)
    page = client.get(reverse("family-detail", args=[family.ref])).content.decode()
    assert "Wijzigingsgeschiedenis" in page
    assert "Noor van Dijk" in page
    assert "Anna de Vries" in page


def test_the_page_has_a_constant_number_of_queries(client, worker, family, youth):
    CarerFactory(family=family)
    with pghistory.context(user=worker.pk):  # a history with an author, as in real use
        youth.name = "Noor van Dijk"
        youth.save()
    verified_login(client, worker)
    url = reverse("family-detail", args=[family.ref])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(4):
        YouthFactory(family=family)
        CarerFactory(family=family)
        InvolvedProfessionalFactory(case=family.cases.get())
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    # session, user, device, roles; the family with 19 prefetches (members, case, regisseurs,
    # consents, involved professionals, analysis, plan, referrals, flags, hand-over);
    # permissions; access log; history
    assert len(small) == PAGE_QUERIES
    assert len(large) == len(small), "\n".join(q["sql"][:150] for q in large.captured_queries)


def test_the_list_searches_by_name_and_never_by_bsn(client, worker, family, youth):
    verified_login(client, worker)
    by_name = client.post(reverse("family-list"), {"q": "Noor"}).content.decode()
    assert family.ref in by_name
    by_bsn = client.post(reverse("family-list"), {"q": youth.bsn}).content.decode()
    assert family.ref not in by_bsn


def _api_for(provider) -> APIClient:
    _, key = ProviderAPIKey.objects.create_key(name="t", provider=provider)
    return APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")


def test_consent_to_share_the_analysis_and_its_withdrawal_take_effect_at_once(
    client, worker, family, youth
):
    case = family.cases.get()
    AnalysisFactory(case=case, established_on=dt.date(2026, 2, 1))
    provider = ProviderFactory()
    referral = ReferralFactory(
        case=case, youth=youth, provider=provider, status=Status.SENT, sent_on=dt.date(2026, 2, 2)
    )
    api = _api_for(provider)
    detail = reverse("provider-referral-detail", args=[referral.ref])
    assert api.get(detail).json()["analysis"] is None

    verified_login(client, worker)
    response = client.post(
        reverse("family-consent-add", args=[family.ref]),
        {
            "purpose": ConsentPurpose.SHARE_ANALYSIS,
            "provider": provider.pk,
            "given_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert api.get(detail).json()["analysis"] is not None

    consent = Consent.objects.get(case=case, provider=provider)
    client.post(reverse("family-consent-withdraw", args=[family.ref, consent.pk]))
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert api.get(detail).json()["analysis"] is None


def test_sharing_the_analysis_needs_a_provider(client, worker, family):
    verified_login(client, worker)
    response = client.post(
        reverse("family-consent-add", args=[family.ref]),
        {"purpose": ConsentPurpose.SHARE_ANALYSIS, "given_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert "Kies de zorgaanbieder" in response.content.decode()
    assert not Consent.objects.exists()


def test_the_expert_table_loses_access_the_moment_consent_is_withdrawn(
    client, worker, family, youth
):
    case = family.cases.get()
    EscalationFactory(case=case, submitted_on=dt.date(2026, 3, 2))
    expert = WorkerFactory(
        local_team=None, region=family.municipality.region, roles=[Role.EXPERT_TABLE]
    )
    url = reverse("family-detail", args=[family.ref])
    verified_login(client, expert)
    assert client.get(url).status_code == 404  # escalated, but no consent yet
    consent = Consent.objects.create(
        case=case, purpose=ConsentPurpose.EXPERT_TABLE, given_on=dt.date(2026, 3, 1)
    )
    assert client.get(url).status_code == 200
    verified_login(client, worker)
    client.post(reverse("family-consent-withdraw", args=[family.ref, consent.pk]))
    verified_login(client, expert)
    assert client.get(url).status_code == 404


def test_the_team_lead_exports_the_access_history(client, team, family, youth, worker):
    verified_login(client, worker)
    client.get(reverse("family-detail", args=[family.ref]))
    lead = WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])
    verified_login(client, lead)
    response = client.get(reverse("family-access-history", args=[family.ref]))
    assert response.status_code == 200
    rows = response.content.decode().splitlines()
    assert rows[0].startswith("tijdstip,gebruiker")
    assert any(worker.ref in row and "youth" in row for row in rows[1:])
    assert AccessLogEntry.objects.filter(
        family_ref=family.ref, action="export", actor__startswith=lead.ref
    ).exists()


def test_the_functional_administrator_sees_no_family_in_the_admin(client, family, youth):
    admin_user = WorkerFactory(local_team=None, roles=[Role.ADMIN], is_staff=True)
    admin_user.groups.add(ensure_functional_admin_group())
    verified_login(client, admin_user)
    assert client.get(reverse("admin:referrals_contract_changelist")).status_code == 200
    assert client.get(reverse("admin:casusregie_family_changelist")).status_code == 403
    change = client.get(reverse("admin:casusregie_youth_change", args=[youth.pk]))
    assert change.status_code in (302, 403)
    assert youth.name not in change.content.decode()


def test_a_superuser_reading_a_family_in_the_admin_is_logged(client, family, youth):
    superuser = WorkerFactory(local_team=None, is_staff=True, is_superuser=True)
    verified_login(client, superuser)
    before = AccessLogEntry.objects.count()
    assert client.get(reverse("admin:casusregie_youth_change", args=[youth.pk])).status_code == 200
    assert client.get(reverse("admin:casusregie_youth_changelist")).status_code == 200
    entries = list(AccessLogEntry.objects.order_by("id")[before:])
    assert [(e.object_type, e.object_ref, e.purpose) for e in entries] == [
        ("youth", youth.ref, "functioneel beheer"),
        ("youth", youth.ref, "functioneel beheer"),
    ]
