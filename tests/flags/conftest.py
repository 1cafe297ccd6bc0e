"""Builders for rulebook tests: a case that satisfies GARP unless a test says otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from casusregie.models import Case, Role
from flags.models import Flag
from flags.selectors import flags_for_export
from flags.services import sweep
from tests.factories import (
    AnalysisFactory,
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    PlanFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

D = dt.date


@pytest.fixture
def region():
    return RegionFactory(code="rijnmond", name="Rijnmond")


@pytest.fixture
def municipality(region):
    return MunicipalityFactory(code="GM0599", name="Rotterdam", region=region)


@pytest.fixture
def team(municipality):
    return LocalTeamFactory(municipalities=[municipality])


@pytest.fixture
def regisseur(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR])


@pytest.fixture
def team_lead(team):
    return WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])


@pytest.fixture
def garp_case(municipality, team, regisseur):
    """Make an open case with a regisseur, an established analysis and an agreed plan."""

    def make(
        opened_on: dt.date = D(2026, 1, 5),
        *,
        regisseur_from: dt.date | None = None,
        with_regisseur: bool = True,
        analysis_on: dt.date | None = None,
        plan_agreed_on: dt.date | None = None,
        with_analysis: bool = True,
        with_plan: bool = True,
    ) -> Case:
        family = FamilyFactory(municipality=municipality)
        case = CaseFactory(family=family, local_team=team, opened_on=opened_on)
        if with_regisseur:
            RegisseurPeriodFactory(
                case=case, worker=regisseur, from_date=regisseur_from or opened_on
            )
        if with_analysis:
            AnalysisFactory(case=case, established_on=analysis_on or opened_on)
        if with_plan:
            PlanFactory(case=case, agreed_on=plan_agreed_on or opened_on)
        return case

    return make


@pytest.fixture
def youth_in():
    def make(case: Case, birth_date: dt.date = D(2012, 3, 1), **kwargs):
        return YouthFactory(family=case.family, birth_date=birth_date, **kwargs)

    return make


def flags_on(day: dt.date, rule: str | None = None) -> set[tuple]:
    """Sweep as of ``day``; the open flags as (rule, subject ref, severity, since, escalated)."""
    sweep(day)
    return {
        (f["rule"], f["subject"]["ref"], f["severity"], f["since"], f["escalated"])
        for f in flags_for_export()
        if rule is None or f["rule"] == rule
    }


def only_flag(day: dt.date, rule: str) -> tuple[str, str] | None:
    """Sweep as of ``day``; (severity, since) of the one open flag of ``rule``, or None."""
    found = flags_on(day, rule)
    assert len(found) <= 1, found
    if not found:
        return None
    ((_, _, severity, since, _),) = found
    return severity, since


def open_flag(rule: str) -> Flag:
    return Flag.objects.get(rule=rule, resolved_on__isnull=True)
