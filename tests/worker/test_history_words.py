"""The change history reads in Dutch words and names the provider that answered."""

from __future__ import annotations

import datetime as dt

import pghistory
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from casusregie.models import RegisseurPeriod, Role
from referrals.models import ProviderAPIKey
from tests.conftest import verified_login
from tests.factories import (
    AnalysisFactory,
    CaseFactory,
    ContractFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    ProductFactory,
    ProviderFactory,
    RegionFactory,
    WorkerFactory,
    YouthFactory,
)
from worker.selectors import families as selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    municipality = MunicipalityFactory(region=RegionFactory())
    team = LocalTeamFactory(municipalities=[municipality])
    worker = WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna de Vries")
    family = FamilyFactory(municipality=municipality)
    youth = YouthFactory(family=family, name="Noor de Jong")
    case = CaseFactory(family=family, local_team=team, opened_on=dt.date(2026, 1, 5))
    RegisseurPeriod.objects.create(case=case, worker=worker, from_date=dt.date(2026, 1, 5))
    return worker, family, youth, case, municipality


def changes(family) -> list[dict]:
    return [line.changes for line in selectors.family_history(family)]


def test_choices_booleans_lists_and_dates_read_as_words(world):
    worker, family, youth, case, _ = world
    with pghistory.context(user=worker.pk):
        youth.has_startkwalificatie = True
        youth.save()
        analysis = AnalysisFactory(case=case, established_on=dt.date(2026, 2, 1))
        analysis.participants = ["youth", "carers"]
        analysis.save()
    everything = [value for c in changes(family) for value in c.values()]
    assert "ja" in everything
    assert "Jeugdige, Opvoeders" in everything
    assert "1 februari 2026" in everything
    assert "Vastgesteld" in everything  # the status's label, not "established"
    assert not any(v in ("True", "False", "established", "['youth', 'carers']") for v in everything)
    assert all(v not in (None, "", "–") for v in everything)


def test_a_providers_answer_is_credited_to_the_provider(client, world):
    worker, family, youth, case, municipality = world
    AnalysisFactory(case=case, established_on=dt.date(2026, 2, 1))
    product = ProductFactory(code="AMB-SPEC")
    provider = ProviderFactory(name="Jeugdzorg Horizon")
    ContractFactory(provider=provider, product=product, municipalities=[municipality])
    from referrals import services

    referral = services.create_referral(
        case=case,
        youth=youth,
        product=product,
        provider=provider,
        by=services.Actor.regisseur(worker),
        question="Hulp",
    )
    referral = services.send_referral(referral=referral, by=services.Actor.regisseur(worker))
    _, key = ProviderAPIKey.objects.create_key(name="t", provider=provider)
    api = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    answer = api.post(
        reverse("provider-referral-accept", args=[referral.ref]),
        {},
        format="json",
        HTTP_IF_MATCH=f'"{referral.version}"',
    )
    assert answer.status_code == 200, answer.content
    verified_login(client, worker)
    page = client.get(reverse("family-detail", args=[family.ref])).content.decode()
    assert "Jeugdzorg Horizon (zorgaanbieder)" in page
    lines = selectors.family_history(family)
    accepted = next(line for line in lines if line.changes.get("status") == "Toegewezen")
    assert accepted.user == "Jeugdzorg Horizon (zorgaanbieder)"


def test_the_heading_names_the_family_by_its_carers_and_municipality(client, world):
    from tests.factories import CarerFactory

    worker, family, youth, case, municipality = world
    verified_login(client, worker)
    url = reverse("family-detail", args=[family.ref])
    page = client.get(url).content.decode()
    assert f"Gezin De Jong, {municipality.name}" in page  # no carers yet: the youth's surname
    CarerFactory(family=family, name="Marieke de Jong")
    CarerFactory(family=family, name="Ahmed Yilmaz")
    page = client.get(url).content.decode()
    assert f"Gezin De Jong / Yilmaz, {municipality.name}" in page
    assert family.ref in page  # the ref stays, secondary


def test_the_flag_count_is_plural_in_dutch(client, world):
    from flags.models import Flag

    worker, family, youth, case, _ = world
    for rule in ("NO_PLAN", "NO_REGISSEUR", "THUISZITTER_3M"):
        Flag.objects.create(
            rule=rule,
            subject_type="case",
            subject_id=case.pk,
            case=case,
            severity="violation",
            opened_on=dt.date(2026, 2, 1),
            since=dt.date(2026, 2, 1),
            owner_role="regisseur",
        )
    verified_login(client, worker)
    page = client.get(reverse("caseload")).content.decode()
    assert "3 signalen, met overtreding" in page
    assert "3 overtreding" not in page
