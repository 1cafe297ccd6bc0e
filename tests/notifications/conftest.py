"""A case of a regisseur (Anna) in a team with a colleague (Bram) and a team lead, a youth with
a BSN, a contracted provider, and the region's expert table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casusregie.models import Notification, Role
from referrals import services as referrals
from tests.factories import (
    AnalysisFactory,
    CaseFactory,
    ContractFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    PlanFactory,
    ProductFactory,
    ProviderFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
    synthetic_bsn,
)

OPENED = dt.date(2026, 1, 5)
YOUTH_NAME = "Noor Verbeek"


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
def anna(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna de Vries")


@pytest.fixture
def bram(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Bram Jansen")


@pytest.fixture
def lead(team):
    return WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD], name="Lotte Leider")


@pytest.fixture
def chair(region):
    return WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE_CHAIR])


@pytest.fixture
def everyone(anna, bram, lead, chair):
    return [anna, bram, lead, chair]


def make_case(team, regisseur=None, *, opened_on: dt.date = OPENED, garp: bool = True):
    """A case of ``team`` (with ``regisseur`` from its opening); ``garp``: with an established
    analysis and an agreed plan, so that no rule flags it today (the sweep a change requests
    on commit opens nothing); without them the sweep opens flags."""
    family = FamilyFactory(municipality=team.municipalities.get())
    youth = YouthFactory(family=family, name=YOUTH_NAME)
    youth.bsn = synthetic_bsn(4711)
    youth.save()
    case = CaseFactory(family=family, local_team=team, opened_on=opened_on)
    if regisseur is not None:
        RegisseurPeriodFactory(case=case, worker=regisseur, from_date=opened_on)
    if garp:
        AnalysisFactory(case=case, established_on=opened_on + dt.timedelta(days=20))
        PlanFactory(case=case, agreed_on=opened_on + dt.timedelta(days=30))
    return case


@pytest.fixture
def case(team, anna):
    return make_case(team, anna)


@pytest.fixture
def product():
    return ProductFactory(code="AMB-SPEC", name="Specialistische ambulante jeugdhulp")


@pytest.fixture
def provider(product, municipality):
    provider = ProviderFactory(ref="p-horizon", name="Jeugdzorg Horizon")
    ContractFactory(provider=provider, product=product, municipalities=[municipality])
    return provider


@pytest.fixture
def sent_referral(case, product, provider, anna):
    """A referral of Anna's case, sent to the provider today."""

    def make(on_case=None, by=None):
        on_case = on_case or case
        actor = referrals.Actor.regisseur(by or anna)
        referral = referrals.create_referral(
            case=on_case,
            youth=on_case.family.youths.get(),
            product=product,
            provider=provider,
            by=actor,
            question="Hulp bij angst en schoolverzuim.",
        )
        return referrals.send_referral(referral=referral, by=actor)

    return make


def notes_of(worker) -> list[Notification]:
    return list(Notification.objects.filter(recipient=worker).order_by("id"))


def today() -> dt.date:
    return timezone.localdate()
