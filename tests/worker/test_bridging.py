"""The family page's waiting referrals: their bridging support (overbrugging) shown, recorded
and replaced by the current regisseur; refusals in Dutch; expired referrals with their date."""

from __future__ import annotations

import datetime as dt

import pghistory
import pytest
from django.db import connection
from django.template.defaultfilters import date
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casusregie.access_log import PURPOSE_CASE_WORK
from casusregie.models import AccessAction, AccessLogEntry, Role
from referrals.lifecycle import Status
from referrals.models import Referral
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    ProviderFactory,
    ReferralFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db

SENT = dt.date(2026, 11, 2)


@pytest.fixture
def team():
    return LocalTeamFactory(municipalities=[MunicipalityFactory(region=RegionFactory())])


@pytest.fixture
def regisseur(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna de Vries")


@pytest.fixture
def case(team, regisseur):
    case = CaseFactory(
        family=FamilyFactory(municipality=team.municipalities.get()),
        local_team=team,
        opened_on=dt.date(2026, 1, 5),
    )
    RegisseurPeriodFactory(case=case, worker=regisseur)
    return case


@pytest.fixture
def youth(case):
    return YouthFactory(family=case.family, name="Noor de Jong")


def waiting(case, youth, **fields) -> Referral:
    return ReferralFactory(
        case=case,
        youth=youth,
        provider=ProviderFactory(name="Jeugdzorg Horizon"),
        status=Status.SENT,
        sent_on=SENT,
        **fields,
    )


def post(client, case, referral, version=None, **fields):
    prefix = f"overbrugging-{referral.ref}"
    data = {f"{prefix}-version": version or referral.version}
    data |= {f"{prefix}-bridging_{k}": v for k, v in fields.items()}
    return client.post(reverse("referral-bridging", args=[case.family.ref, referral.ref]), data)


def test_a_waiting_referral_without_bridging_says_so_and_offers_the_form(
    client, regisseur, case, youth
):
    referral = waiting(case, youth)
    verified_login(client, regisseur)
    html = client.get(reverse("family-detail", args=[case.family.ref])).content.decode()
    assert "Nog geen overbrugging tijdens het wachten." in html
    assert reverse("referral-bridging", args=[case.family.ref, referral.ref]) in html
    assert "Overbrugging vastleggen" in html


def test_the_regisseur_records_bridging_and_it_is_logged(client, regisseur, case, youth):
    referral = waiting(case, youth)
    verified_login(client, regisseur)
    response = post(
        client,
        case,
        referral,
        description="Wekelijks gesprek met de jeugdverpleegkundige",
        by="Wijkteam Noord",
        **{"from": "2026-11-09"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.bridging_from == dt.date(2026, 11, 9)
    assert referral.bridging_description == "Wekelijks gesprek met de jeugdverpleegkundige"
    assert referral.bridging_by == "Wijkteam Noord"
    assert AccessLogEntry.objects.filter(
        object_type="referral",
        object_ref=referral.ref,
        action=AccessAction.CHANGE,
        purpose=PURPOSE_CASE_WORK,
    ).exists()
    page = client.get(reverse("family-detail", args=[case.family.ref])).content.decode()
    assert "Wekelijks gesprek met de jeugdverpleegkundige" in page
    assert "door Wijkteam Noord" in page and f"vanaf {date(dt.date(2026, 11, 9), 'j F Y')}" in page
    assert "Overbrugging wijzigen" in page


def test_recording_again_replaces_the_bridging(client, regisseur, case, youth):
    referral = waiting(
        case, youth, bridging_from=SENT, bridging_description="Buurtcoach", bridging_by=""
    )
    verified_login(client, regisseur)
    response = post(client, case, referral, description="Dagbesteding", by="", **{"from": SENT})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.bridging_description, referral.bridging_from) == ("Dagbesteding", SENT)


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"description": "", "from": "2026-11-09"}, "Beschrijf wat de overbrugging is."),
        ({"description": "Gesprekken", "from": ""}, "Vul in vanaf wanneer de overbrugging loopt."),
        ({"description": "Gesprekken", "from": "2026-11-01"}, "begint niet vóór 2 november 2026"),
        ({"description": "Gesprekken", "from": "1 nov"}, "Vul een geldige datum in."),
    ],
)
def test_bad_input_is_explained_in_dutch(client, regisseur, case, youth, fields, error):
    referral = waiting(case, youth)
    verified_login(client, regisseur)
    response = post(client, case, referral, **fields)
    assert response.status_code == 400
    assert error in response.content.decode()
    referral.refresh_from_db()
    assert referral.bridging_from is None


def test_a_stale_page_is_refused_in_dutch(client, regisseur, case, youth):
    referral = waiting(case, youth)
    Referral.objects.filter(pk=referral.pk).update(version=3)
    verified_login(client, regisseur)
    response = post(client, case, referral, version=1, description="Gesprekken", **{"from": SENT})
    assert response.status_code == 400
    assert "intussen gewijzigd" in response.content.decode()
    referral.refresh_from_db()
    assert referral.bridging_from is None


def test_only_the_current_regisseur_records_bridging(client, team, case, youth):
    referral = waiting(case, youth)
    lead = WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])
    verified_login(client, lead)
    page = client.get(reverse("family-detail", args=[case.family.ref])).content.decode()
    assert "Nog geen overbrugging" in page and "Overbrugging vastleggen" not in page
    response = post(client, case, referral, description="Gesprekken", **{"from": SENT})
    assert response.status_code == 400
    assert "Alleen de huidige regisseur" in response.content.decode()


def test_care_that_started_no_longer_takes_bridging(client, regisseur, case, youth):
    referral = waiting(case, youth)
    Referral.objects.filter(pk=referral.pk).update(
        status=Status.STARTED, answered_on=SENT, started_on=SENT
    )
    verified_login(client, regisseur)
    response = post(client, case, referral, description="Gesprekken", **{"from": SENT})
    assert response.status_code == 400
    assert "wacht op de start van de zorg" in response.content.decode()


def test_a_referral_of_another_family_is_not_found(client, regisseur, case, youth):
    other = ReferralFactory(status=Status.SENT, sent_on=SENT)
    verified_login(client, regisseur)
    response = client.post(
        reverse("referral-bridging", args=[case.family.ref, other.ref]), {"x": "1"}
    )
    assert response.status_code == 404


def test_an_expired_referral_shows_when_it_expired(client, regisseur, case, youth):
    ReferralFactory(
        case=case, youth=youth, status=Status.EXPIRED, sent_on=SENT, expired_on=dt.date(2026, 12, 1)
    )
    verified_login(client, regisseur)
    html = client.get(reverse("family-detail", args=[case.family.ref])).content.decode()
    assert f"verlopen zonder antwoord op {date(dt.date(2026, 12, 1), 'j F Y')}" in html
    assert "Nog geen overbrugging" not in html


def test_waiting_referrals_cost_no_extra_queries(client, regisseur, case, youth):
    waiting(case, youth)
    verified_login(client, regisseur)
    url = reverse("family-detail", args=[case.family.ref])
    with pghistory.context(user=regisseur.pk):  # a history with an author, as in real use
        youth.name = "Noor van Dijk"
        youth.save()
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(3):
        waiting(case, youth, bridging_from=timezone.localdate(), bridging_description="Gesprek")
    with CaptureQueriesContext(connection) as four:
        assert client.get(url).status_code == 200
    assert len(four) == len(one), "\n".join(q["sql"][:150] for q in four.captured_queries)
