"""A family moves to another team's area or municipality: proposed by its regisseur or team
lead, confirmed by the receiving team; until then the old regie stays; access follows the case.
To another region: a dossier of that family alone, logged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casusregie import services
from casusregie.models import AccessLogEntry, FamilyMove, RegisseurPeriod, Role
from dossier.importer import validate_dossier
from tests.conftest import verified_login
from tests.factories import (
    CarerFactory,
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    RegionFactory,
    WorkerFactory,
    YouthFactory,
)
from worker.selectors import families as selectors

pytestmark = pytest.mark.django_db
OPENED = dt.date(2026, 1, 5)


@pytest.fixture
def region():
    return RegionFactory()


@pytest.fixture
def rotterdam(region):
    return MunicipalityFactory(region=region, name="Rotterdam")


@pytest.fixture
def schiedam(region):
    return MunicipalityFactory(region=region, name="Schiedam")


@pytest.fixture
def noord(rotterdam):
    return LocalTeamFactory(name="Wijkteam Noord", municipalities=[rotterdam])


@pytest.fixture
def west(schiedam):
    return LocalTeamFactory(name="Jeugdteam Schiedam", municipalities=[schiedam])


@pytest.fixture
def anna(noord):
    return WorkerFactory(local_team=noord, roles=[Role.REGISSEUR], name="Anna")


@pytest.fixture
def dirk(west):
    return WorkerFactory(local_team=west, roles=[Role.REGISSEUR], name="Dirk")


@pytest.fixture
def sanne(west):
    return WorkerFactory(local_team=west, roles=[Role.TEAM_LEAD], name="Sanne")


@pytest.fixture
def case(anna, noord, rotterdam):
    family = FamilyFactory(municipality=rotterdam)
    YouthFactory(family=family, name="Fenna")
    CarerFactory(family=family, name="Marieke")
    case = CaseFactory(family=family, local_team=noord, opened_on=OPENED)
    RegisseurPeriod.objects.create(case=case, worker=anna, from_date=OPENED)
    return case


def sees(client, case) -> int:
    return client.get(reverse("family-detail", args=[case.family.ref])).status_code


def test_the_move_is_proposed_confirmed_and_access_follows_the_case(
    client, case, anna, dirk, west, schiedam
):
    verified_login(client, anna)
    page = client.get(reverse("family-detail", args=[case.family.ref])).content.decode()
    assert "Gezin verhuist" in page and "Jeugdteam Schiedam (Schiedam)" in page
    response = client.post(
        reverse("family-move-propose", args=[case.family.ref]),
        {"destination": f"{west.pk}:{schiedam.pk}", "note": "Verhuist per 1 december"},
    )
    assert response.status_code == 302
    move = FamilyMove.objects.get()
    assert move.is_pending and move.from_team == case.local_team

    # until confirmed, the old team keeps the case and its regie; the receiving team may
    # already open the family to prepare (need to know during the hand-over, issue 17)
    assert services.current_regisseur_of(case).worker == anna
    verified_login(client, dirk)
    assert sees(client, case) == 200
    caseload = client.get(reverse("caseload")).content.decode()
    assert "Verhuizingen naar uw team" in caseload and "Verhuist per 1 december" in caseload
    assert "Fenna" not in caseload  # the caseload names only the family's ref

    response = client.post(reverse("family-move-confirm", args=[move.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    case.family.refresh_from_db()
    assert (case.local_team, case.family.municipality) == (west, schiedam)
    assert services.current_regisseur_of(case).worker == dirk
    old = RegisseurPeriod.objects.get(case=case, worker=anna)
    assert old.until == timezone.localdate()
    assert sees(client, case) == 200
    verified_login(client, anna)
    assert sees(client, case) == 404


def test_a_team_lead_confirms_and_names_the_new_regisseur(case, anna, dirk, sanne, west, schiedam):
    move = services.propose_move(case=case, to_team=west, to_municipality=schiedam, by=anna)
    services.confirm_move(move=move, by=sanne, regisseur=dirk)
    assert services.current_regisseur_of(case).worker == dirk


def test_a_team_lead_may_confirm_without_a_regisseur_yet(case, anna, sanne, west, schiedam):
    move = services.propose_move(case=case, to_team=west, to_municipality=schiedam, by=anna)
    services.confirm_move(move=move, by=sanne)
    assert services.current_regisseur_of(case) is None  # NO_REGISSEUR counts from today


def test_only_the_receiving_side_confirms(case, anna, west, schiedam, noord):
    move = services.propose_move(case=case, to_team=west, to_municipality=schiedam, by=anna)
    colleague = WorkerFactory(local_team=noord, roles=[Role.REGISSEUR, Role.TEAM_LEAD])
    with pytest.raises(ValidationError):
        services.confirm_move(move=move, by=colleague)
    with pytest.raises(ValidationError):
        services.confirm_move(move=move, by=anna)


def test_only_the_regisseur_or_team_lead_proposes(case, noord, west, schiedam):
    colleague = WorkerFactory(local_team=noord, roles=[Role.REGISSEUR])
    with pytest.raises(ValidationError, match="regisseur of de teamleider"):
        services.propose_move(case=case, to_team=west, to_municipality=schiedam, by=colleague)


def test_the_receiving_team_must_work_for_the_municipality(case, anna, west, rotterdam):
    with pytest.raises(ValidationError, match="werkt niet voor deze gemeente"):
        services.propose_move(case=case, to_team=west, to_municipality=rotterdam, by=anna)


def test_one_pending_move_per_case(case, anna, west, schiedam):
    services.propose_move(case=case, to_team=west, to_municipality=schiedam, by=anna)
    with pytest.raises(ValidationError, match="al een verhuizing open"):
        services.propose_move(case=case, to_team=west, to_municipality=schiedam, by=anna)


def test_the_receiving_side_declines(client, case, anna, dirk, west, schiedam):
    move = services.propose_move(case=case, to_team=west, to_municipality=schiedam, by=anna)
    verified_login(client, dirk)
    assert client.post(reverse("family-move-cancel", args=[move.pk])).status_code == 302
    move.refresh_from_db()
    assert move.cancelled_on == timezone.localdate()
    case.refresh_from_db()
    assert case.local_team_id != west.pk
    assert sees(client, case) == 404  # declined: no longer the receiving team


def test_a_stranger_cannot_touch_a_move(client, case, anna, west, schiedam, region):
    move = services.propose_move(case=case, to_team=west, to_municipality=schiedam, by=anna)
    stranger = WorkerFactory(
        local_team=LocalTeamFactory(municipalities=[MunicipalityFactory(region=region)]),
        roles=[Role.REGISSEUR, Role.TEAM_LEAD],
    )
    verified_login(client, stranger)
    assert client.post(reverse("family-move-confirm", args=[move.pk])).status_code == 404
    assert client.post(reverse("family-move-cancel", args=[move.pk])).status_code == 404


def test_the_destinations_are_the_regions_teams_and_their_municipalities(
    case, noord, west, rotterdam, schiedam, django_assert_num_queries
):
    zuid = LocalTeamFactory(name="Wijkteam Zuid", municipalities=[rotterdam])
    with django_assert_num_queries(1):
        destinations = selectors.move_destinations(case)
    assert [label for _, label in destinations] == [
        "Wijkteam Zuid (Rotterdam)",
        "Jeugdteam Schiedam (Schiedam)",
    ]
    assert f"{zuid.pk}:{rotterdam.pk}" in dict(destinations)


def test_the_dossier_for_another_region_holds_this_family_alone_and_is_logged(
    client, case, anna, noord, rotterdam
):
    other = FamilyFactory(municipality=rotterdam)
    YouthFactory(family=other, name="Iemand Anders")
    WorkerFactory(local_team=noord, roles=[Role.REGISSEUR], name="Niet Betrokken")
    verified_login(client, anna)
    response = client.get(reverse("dossier-family-export", args=[case.family.ref]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    doc = json.loads(response.content)
    assert [f["ref"] for f in doc["families"]] == [case.family.ref]
    assert [w["name"] for w in doc["workers"]] == ["Anna"]
    assert doc["contracts"] == []
    assert validate_dossier(doc) == []
    entry = AccessLogEntry.objects.get(object_type="dossier")
    assert (entry.family_ref, entry.action, entry.purpose) == (
        case.family.ref,
        "export",
        "verhuizing naar een andere regio",
    )


def test_only_the_regisseur_or_team_lead_downloads_the_dossier(client, case, noord):
    colleague = WorkerFactory(local_team=noord, roles=[Role.REGISSEUR])
    verified_login(client, colleague)
    assert client.get(reverse("dossier-family-export", args=[case.family.ref])).status_code == 404


def test_the_receiving_team_hears_of_the_move(case, anna, dirk, sanne, west, schiedam):
    from casusregie.models import Notification

    services.propose_move(case=case, to_team=west, to_municipality=schiedam, by=anna)
    got = set(Notification.objects.values_list("recipient__name", "kind"))
    assert got == {("Dirk", "transfer_offered"), ("Sanne", "transfer_offered")}
