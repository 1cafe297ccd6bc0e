"""Need to know per team (issue 17): a case-work worker sees the families with a case of their
own team, the receiving side of a pending move or hand-over, and a family they broke the glass
for while the grant is in force — not every family of the municipalities their team serves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casusregie.models import Family, FamilyMove, RegieTransfer, Role
from casusregie.policies import family_or_404, family_scope, may_see_family, visible_families
from tests.factories import (
    BreakGlassGrantFactory,
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db
OPENED = dt.date(2026, 1, 5)


@pytest.fixture
def city():
    """One municipality served by two teams (Delfshaven and Noord of one Rotterdam)."""
    rotterdam = MunicipalityFactory(code="GM0599")
    delfshaven = LocalTeamFactory(municipalities=[rotterdam])
    noord = LocalTeamFactory(municipalities=[rotterdam])
    return rotterdam, delfshaven, noord


def family_of(team, municipality, **case):
    family = FamilyFactory(municipality=municipality)
    CaseFactory(family=family, local_team=team, opened_on=OPENED, **case)
    return family


def sees(user, family, at=None) -> bool:
    return Family.objects.filter(family_scope(user, at=at), pk=family.pk).exists()


@pytest.mark.parametrize("role", [Role.REGISSEUR, Role.TEAM_LEAD])
def test_own_team_yes_other_team_of_the_same_municipality_no(city, role):
    rotterdam, delfshaven, noord = city
    worker = WorkerFactory(local_team=delfshaven, roles=[role])
    own, other = family_of(delfshaven, rotterdam), family_of(noord, rotterdam)
    assert sees(worker, own)
    assert not sees(worker, other)
    assert list(visible_families(worker)) == [own]


def test_a_family_without_any_case_is_nobodys(city):
    rotterdam, delfshaven, _ = city
    worker = WorkerFactory(local_team=delfshaven, roles=[Role.REGISSEUR])
    assert not sees(worker, FamilyFactory(municipality=rotterdam))


def test_a_closed_case_keeps_the_family_with_the_team_that_had_it(city):
    rotterdam, delfshaven, noord = city
    family = family_of(
        delfshaven,
        rotterdam,
        closed_on=dt.date(2026, 3, 1),
        close_reason="goals_reached",
        handed_over_to="Buurthuis",
    )
    assert sees(WorkerFactory(local_team=delfshaven, roles=[Role.REGISSEUR]), family)
    assert not sees(WorkerFactory(local_team=noord, roles=[Role.REGISSEUR]), family)


@pytest.mark.parametrize("role", [Role.REGISSEUR, Role.TEAM_LEAD])
def test_the_receiving_team_of_a_pending_move_yes_until_it_is_cancelled(city, role):
    rotterdam, delfshaven, noord = city
    family = family_of(noord, rotterdam)
    receiver = WorkerFactory(local_team=delfshaven, roles=[role])
    bystander = WorkerFactory(local_team=LocalTeamFactory(municipalities=[rotterdam]), roles=[role])
    move = FamilyMove.objects.create(
        case=family.cases.get(),
        from_team=noord,
        to_team=delfshaven,
        from_municipality=rotterdam,
        to_municipality=rotterdam,
        proposed_by=WorkerFactory(local_team=noord),
        proposed_on=OPENED,
    )
    assert sees(receiver, family)
    assert not sees(bystander, family)
    move.cancelled_on = OPENED
    move.save()
    assert not sees(receiver, family)


def test_the_receiver_of_a_pending_hand_over_yes_and_no_one_else_by_it(city):
    rotterdam, delfshaven, noord = city
    family = family_of(noord, rotterdam)
    # a hand-over to someone outside the case's team (imported, or their team changed since)
    receiver = WorkerFactory(local_team=delfshaven, roles=[Role.REGISSEUR])
    colleague = WorkerFactory(local_team=delfshaven, roles=[Role.REGISSEUR])
    transfer = RegieTransfer.objects.create(
        case=family.cases.get(),
        to_worker=receiver,
        proposed_by=WorkerFactory(local_team=noord),
        proposed_on=OPENED,
    )
    assert sees(receiver, family)
    assert not sees(colleague, family)
    transfer.confirmed_on = OPENED
    transfer.save()
    assert not sees(receiver, family)


@pytest.mark.parametrize("role", [Role.REGISSEUR, Role.TEAM_LEAD])
def test_a_grant_in_force_yes_for_its_worker_only(city, role):
    rotterdam, delfshaven, noord = city
    family = family_of(noord, rotterdam)
    worker = WorkerFactory(local_team=delfshaven, roles=[role])
    colleague = WorkerFactory(local_team=delfshaven, roles=[role])
    BreakGlassGrantFactory(worker=worker, family=family)
    assert sees(worker, family)
    assert may_see_family(worker, family)
    assert family_or_404(worker, family.ref) == family
    assert not sees(colleague, family)
    assert not sees(worker, family_of(noord, rotterdam))  # that family only


@pytest.mark.parametrize(
    "offset, expected",
    [
        (dt.timedelta(minutes=-1), True),  # the minute before expiry
        (dt.timedelta(0), False),  # at expiry
        (dt.timedelta(minutes=1), False),  # the minute after
    ],
)
def test_a_grant_holds_until_the_moment_it_expires(city, offset, expected):
    rotterdam, delfshaven, noord = city
    family = family_of(noord, rotterdam)
    worker = WorkerFactory(local_team=delfshaven, roles=[Role.REGISSEUR])
    grant = BreakGlassGrantFactory(worker=worker, family=family)
    assert sees(worker, family, at=grant.expires_at + offset) is expected


def test_a_grant_holds_from_the_moment_it_is_granted(city):
    rotterdam, delfshaven, noord = city
    family = family_of(noord, rotterdam)
    worker = WorkerFactory(local_team=delfshaven, roles=[Role.REGISSEUR])
    grant = BreakGlassGrantFactory(worker=worker, family=family)
    assert not sees(worker, family, at=grant.granted_at - dt.timedelta(seconds=1))
    assert sees(worker, family, at=grant.granted_at)


def test_an_expired_grant_is_a_404_now(city):
    rotterdam, delfshaven, noord = city
    family = family_of(noord, rotterdam)
    worker = WorkerFactory(local_team=delfshaven, roles=[Role.REGISSEUR])
    past = timezone.now() - dt.timedelta(hours=25)
    BreakGlassGrantFactory(worker=worker, family=family, granted_at=past)
    assert not visible_families(worker).filter(pk=family.pk).exists()
    assert not worker.has_perm("casusregie.view_family_record", family)


def test_roles_without_case_work_get_nothing_from_a_team_or_a_grant(city):
    rotterdam, delfshaven, _ = city
    family = family_of(delfshaven, rotterdam)
    policy = WorkerFactory(local_team=delfshaven, roles=[Role.POLICY])
    BreakGlassGrantFactory(worker=policy, family=family)
    assert not sees(policy, family)


def test_a_grant_does_not_make_one_the_team_lead_of_the_family(city):
    rotterdam, delfshaven, noord = city
    family = family_of(noord, rotterdam)
    lead = WorkerFactory(local_team=delfshaven, roles=[Role.TEAM_LEAD])
    BreakGlassGrantFactory(worker=lead, family=family)
    assert lead.has_perm("casusregie.change_family_record", family)
    assert not lead.has_perm("casusregie.export_access_history", family)
    own_lead = WorkerFactory(local_team=noord, roles=[Role.TEAM_LEAD])
    assert own_lead.has_perm("casusregie.export_access_history", family)


def test_the_scope_is_one_query_for_a_list_and_for_one_family(city, django_assert_num_queries):
    rotterdam, delfshaven, noord = city
    worker = WorkerFactory(local_team=delfshaven, roles=[Role.REGISSEUR])
    families = [family_of(delfshaven, rotterdam) for _ in range(3)]
    BreakGlassGrantFactory(worker=worker, family=family_of(noord, rotterdam))
    worker.role_codes()  # read once per request
    with django_assert_num_queries(1):
        assert len(list(visible_families(worker))) == 4
    with django_assert_num_queries(1):
        assert may_see_family(worker, families[0])


def test_one_gezin_still_looks_region_wide_but_gives_no_ref_of_another_teams_family(city):
    from casusregie.selectors import KnownPerson, known_families
    from tests.factories import YouthFactory

    rotterdam, delfshaven, noord = city
    family = family_of(noord, rotterdam)
    YouthFactory(family=family, name="Noor de Jong", birth_date=dt.date(2012, 4, 1))
    worker = WorkerFactory(local_team=delfshaven, roles=[Role.REGISSEUR])
    [known] = known_families(worker, rotterdam, [KnownPerson("noor de jong", dt.date(2012, 4, 1))])
    assert (known.pk, known.ref, known.team) == (family.pk, None, noord.name)
    BreakGlassGrantFactory(worker=worker, family=family)
    [known] = known_families(worker, rotterdam, [KnownPerson("Noor de Jong", dt.date(2012, 4, 1))])
    assert known.ref == family.ref
