"""escalations.policies: who sits at which table, who chairs it, whose escalation it is."""

from __future__ import annotations

import pytest

from escalations import policies
from escalations.models import Escalation, TableSession
from escalations.services import expert_table_of
from tests.factories import WorkerFactory

from .conftest import today

pytestmark = pytest.mark.django_db


def test_members_and_the_chair_sit_at_their_region_s_table(
    region, other_region, member, chair, regisseur, policy_officer
):
    assert policies.table_region_id(member) == policies.table_region_id(chair) == region.pk
    assert policies.table_region_id(regisseur) is None
    assert policies.table_region_id(policy_officer) is None  # policy staff: aggregates only
    assert member.has_perm("escalations.view_table", region)
    assert not member.has_perm("escalations.view_table", other_region)
    assert not regisseur.has_perm("escalations.view_table", region)


def test_only_the_chair_chairs_and_only_their_own_table(region, other_region, member, chair):
    assert chair.has_perm("escalations.chair_table", region)
    assert not chair.has_perm("escalations.chair_table", other_region)
    assert not member.has_perm("escalations.chair_table", region)


def test_an_inactive_member_sits_nowhere(member):
    member.is_active = False
    member.save()
    assert policies.table_region_id(member) is None


def test_querysets_follow_the_same_rule(
    make_case, escalate, chair, member, foreign_member, regisseur
):
    escalation = escalate(make_case())
    session = TableSession.objects.create(
        region=chair.region, table=expert_table_of(chair.region_id), held_on=today()
    )
    assert list(policies.table_escalations(member)) == [escalation]
    assert not policies.table_escalations(foreign_member).exists()
    assert not policies.table_escalations(regisseur).exists()
    assert list(policies.table_sessions(chair)) == [session]
    assert not policies.table_sessions(foreign_member).exists()


def test_the_regisseur_of_the_case_today_is_the_escalation_s_regisseur(
    make_case, escalate, regisseur, team, chair
):
    escalation = escalate(make_case())
    colleague = WorkerFactory(local_team=team)
    assert regisseur.has_perm("escalations.send_tailored_referral", escalation)
    assert not colleague.has_perm("escalations.send_tailored_referral", escalation)
    assert regisseur.has_perm("escalations.close_escalation", escalation)
    assert chair.has_perm("escalations.close_escalation", escalation)
    assert not colleague.has_perm("escalations.close_escalation", escalation)
    assert list(policies.regisseur_escalations(regisseur)) == [escalation]


def test_the_summary_needs_the_consent_in_force_on_the_day(make_case, escalate):
    from casusregie.models import Consent

    with_consent, without = escalate(make_case()), escalate(make_case(consent=False))
    rows = dict(
        Escalation.objects.annotate(c=policies.consent_in_force(today())).values_list("pk", "c")
    )
    assert rows == {with_consent.pk: True, without.pk: False}
    Consent.objects.update(given_on=today())  # given today: in force today
    assert (
        Escalation.objects.annotate(c=policies.consent_in_force(today())).get(pk=with_consent.pk).c
    )
