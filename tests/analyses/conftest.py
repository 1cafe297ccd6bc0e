"""An open case of a local team, its regisseur, and workers who may not see it."""

from __future__ import annotations

import datetime as dt

import pytest

from casusregie.models import Role
from tests.factories import (
    CarerFactory,
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

OPENED = dt.date(2026, 1, 5)


@pytest.fixture
def municipality():
    return MunicipalityFactory(code="GM0599", name="Rotterdam", region=RegionFactory())


@pytest.fixture
def team(municipality):
    return LocalTeamFactory(municipalities=[municipality])


@pytest.fixture
def regisseur(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Sanne Bakker")


@pytest.fixture
def family(municipality):
    return FamilyFactory(municipality=municipality)


@pytest.fixture
def case(family, team, regisseur):
    case = CaseFactory(family=family, local_team=team, opened_on=OPENED)
    RegisseurPeriodFactory(case=case, worker=regisseur, from_date=OPENED)
    return case


@pytest.fixture
def youth(family):
    return YouthFactory(family=family, name="Noor de Jong", birth_date=dt.date(2012, 3, 1))


@pytest.fixture
def carer(family):
    return CarerFactory(family=family, name="Anna de Jong")


@pytest.fixture
def other_team_worker():
    """A regisseur of a team in another municipality: the family is out of their scope."""
    other = MunicipalityFactory(code="GM0363", name="Amsterdam", region=RegionFactory())
    return WorkerFactory(local_team=LocalTeamFactory(municipalities=[other]))


@pytest.fixture
def policy_worker(municipality):
    return WorkerFactory(local_team=None, region=municipality.region, roles=[Role.POLICY])


@pytest.fixture
def foreign_case():
    """An open case of another family, in another municipality and team."""
    other = MunicipalityFactory(code="GM0034", name="Almere", region=RegionFactory())
    return CaseFactory(
        family=FamilyFactory(municipality=other),
        local_team=LocalTeamFactory(municipalities=[other]),
        opened_on=OPENED,
    )
