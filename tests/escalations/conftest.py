"""Builders for the expert table: a region with its table, a case of a regisseur, sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casusregie.models import Consent, ConsentPurpose, Role
from escalations import services
from referrals.lifecycle import Status
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
    ReferralFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

D = dt.date

#: A session's time and place (a meeting: ``services.plan_session`` asks both).
MEETING = {
    "starts_at": dt.time(14, 0),
    "ends_at": dt.time(16, 0),
    "place": "Stadskantoor, zaal 3",
}


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


@pytest.fixture
def region():
    return RegionFactory(code="rijnmond", name="Rijnmond")


@pytest.fixture
def other_region():
    return RegionFactory(code="holland-rijnland", name="Holland Rijnland")


@pytest.fixture
def municipality(region):
    return MunicipalityFactory(code="GM0599", name="Rotterdam", region=region)


@pytest.fixture
def team(municipality):
    return LocalTeamFactory(municipalities=[municipality])


@pytest.fixture
def regisseur(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna Regisseur")


@pytest.fixture
def team_lead(team):
    return WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])


@pytest.fixture
def chair(region):
    return WorkerFactory(
        local_team=None, region=region, roles=[Role.EXPERT_TABLE_CHAIR], name="Fatima Voorzitter"
    )


@pytest.fixture
def member(region):
    return WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE], name="Eva Lid")


@pytest.fixture
def foreign_chair(other_region):
    return WorkerFactory(local_team=None, region=other_region, roles=[Role.EXPERT_TABLE_CHAIR])


@pytest.fixture
def foreign_member(other_region):
    return WorkerFactory(local_team=None, region=other_region, roles=[Role.EXPERT_TABLE])


@pytest.fixture
def policy_officer(region):
    return WorkerFactory(local_team=None, region=region, roles=[Role.POLICY])


@pytest.fixture
def make_case(municipality, team, regisseur):
    """An open case of ``regisseur`` with a youth, an established analysis (two explanations),
    an agreed plan and — unless ``consent=False`` — the family's consent for the table."""

    def make(
        *,
        opened_on: dt.date | None = None,
        consent: bool = True,
        analysis: bool = True,
        in_municipality=None,
        local_team=None,
        worker=None,
        youth_name: str = "Noah de Jong",
    ):
        opened_on = opened_on or days_ago(200)
        family = FamilyFactory(municipality=in_municipality or municipality)
        case = CaseFactory(family=family, local_team=local_team or team, opened_on=opened_on)
        RegisseurPeriodFactory(case=case, worker=worker or regisseur, from_date=opened_on)
        YouthFactory(family=family, name=youth_name)
        if analysis:
            a = AnalysisFactory(case=case, established_on=opened_on)
            a.explanations.create(position=0, text="Schulden geven spanning thuis.")
            a.explanations.create(position=1, text="Geen netwerk om op terug te vallen.")
        plan = PlanFactory(case=case, agreed_on=opened_on)
        plan.goals.create(position=0, text="Noah gaat weer naar school.")
        if consent:
            Consent.objects.create(
                case=case, purpose=ConsentPurpose.EXPERT_TABLE, given_on=opened_on
            )
        return case

    return make


@pytest.fixture
def declined_referral():
    def make(case, youth=None):
        return ReferralFactory(
            case=case,
            youth=youth or case.family.youths.first(),
            provider=ProviderFactory(name="Jeugdzorg Horizon"),
            product=ProductFactory(name="Dagbehandeling in groep"),
            status=Status.DECLINED,
            sent_on=days_ago(40),
            answered_on=days_ago(35),
            decline_reason="geen capaciteit",
        )

    return make


@pytest.fixture
def session(chair, member):
    """A session of the table today, planned by the chair with the member."""
    return services.plan_session(**MEETING, held_on=today(), members=[member], by=chair)


@pytest.fixture
def escalate(regisseur):
    def make(case, reason="Geen passend aanbod binnen de contracten.", submitted_on=None, **kw):
        return services.submit_escalation(
            case=case,
            reason=reason,
            by=regisseur,
            submitted_on=submitted_on or days_ago(20),
            **kw,
        )

    return make


@pytest.fixture
def tailored(chair, session):
    """Decide a tailored arrangement on ``escalation`` at ``session`` (non-specialist product
    and two providers without any contract, unless given)."""

    def make(escalation, *, product=None, providers=None, follow_up_on=None):
        services.add_to_agenda(session=session, escalation=escalation, by=chair)
        return services.record_decision(
            session=session,
            escalation=escalation,
            kind="tailored",
            text="Maatwerk: gezinsbegeleiding met onderwijszorg, start binnen twee weken.",
            follow_up_on=follow_up_on or today() + dt.timedelta(days=42),
            product=product or ProductFactory(name="Maatwerk gezin", specialist=False),
            providers=providers
            or [ProviderFactory(name="De Schakel"), ProviderFactory(name="Maaskant")],
            by=chair,
        )

    return make


@pytest.fixture
def advised(chair, session):
    """Put ``escalation`` on ``session``'s agenda and decide an advice on it."""

    def make(escalation):
        services.add_to_agenda(session=session, escalation=escalation, by=chair)
        return services.record_decision(
            session=session,
            escalation=escalation,
            kind="advice",
            text="x",
            follow_up_on=today(),
            by=chair,
        )

    return make


@pytest.fixture
def contract_for():
    def make(case, product):
        return ContractFactory(product=product, municipalities=[case.family.municipality])

    return make
