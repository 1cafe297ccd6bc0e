"""A region's tables (issue 19 point 3): the expert table every region has, and the tables it
configures (Beschermingstafel, Zorgbemiddelingstafel, others) with their members and callers."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from casusregie.admin_roles import ensure_functional_admin_group
from casusregie.models import Role
from escalations import policies, services
from escalations.models import Table, TableKind
from tests.conftest import verified_login
from tests.factories import RegionFactory, WorkerFactory
from worker.selectors import expert_table as selectors

from .conftest import MEETING, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def protection(region, chair, member):
    """The region's Beschermingstafel, with the chair and the member at it."""
    table = Table.objects.create(
        region=region,
        kind=TableKind.PROTECTION,
        name="Beschermingstafel Rijnmond",
        callers=["regisseur", "gi", "veilig_thuis"],
    )
    table.members.set([chair, member])
    return table


def test_a_new_region_gets_its_expert_table(region):
    (table,) = region.tables.all()
    assert (table.kind, table.name) == (TableKind.EXPERT_TABLE, "Regionale Experttafel")
    assert services.expert_table_of(region.pk) == table


def test_a_region_has_one_expert_table(region):
    with pytest.raises(IntegrityError), transaction.atomic():
        Table.objects.create(region=region, kind=TableKind.EXPERT_TABLE, name="Tweede")


def test_an_escalation_goes_to_the_expert_table_unless_told(make_case, escalate, protection):
    first = escalate(make_case())
    assert first.table == services.expert_table_of(protection.region_id)
    second = escalate(make_case(), table=protection)
    assert second.table == protection


def test_a_case_waits_at_one_table_at_a_time(make_case, escalate, protection):
    case = make_case()
    escalate(case)
    with pytest.raises(ValidationError, match="al open bij een andere tafel"):
        escalate(case, table=protection)


def test_a_table_of_another_region_is_refused(make_case, escalate, other_region):
    foreign = services.expert_table_of(other_region.pk)
    with pytest.raises(ValidationError, match="niet bij de regio"):
        escalate(make_case(), table=foreign)


def test_who_sits_at_which_table(region, chair, member, protection):
    outsider = WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE])
    expert = services.expert_table_of(region.pk)
    assert set(policies.tables_of(member)) == {expert, protection}
    assert list(policies.tables_of(outsider)) == [expert]  # not listed at the Beschermingstafel
    # a listed worker without a table role does not sit at it
    bare = WorkerFactory(local_team=None, region=region, roles=[])
    protection.members.add(bare)
    assert not policies.tables_of(bare).exists()
    assert policies.chairs_the_table(chair, protection)
    assert not policies.chairs_the_table(member, protection)


def test_the_queue_is_per_table(client, region, member, protection, make_case, escalate):
    at_expert = escalate(make_case())
    at_protection = escalate(make_case(), table=protection)
    verified_login(client, member)
    expert_page = client.get(reverse("expert-table-queue")).content.decode()
    assert at_expert.ref in expert_page and at_protection.ref not in expert_page
    assert "Beschermingstafel Rijnmond" in expert_page  # the table choice
    url = f"{reverse('expert-table-queue')}?tafel={protection.ref}"
    page = client.get(url).content.decode()
    assert "Wachtrij Beschermingstafel Rijnmond" in page
    assert at_protection.ref in page and at_expert.ref not in page


def test_a_table_one_does_not_sit_at_is_a_404(client, region, protection, make_case, escalate):
    outsider = WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE])
    escalation = escalate(make_case(), table=protection)
    verified_login(client, outsider)
    for name in ("expert-table-queue", "expert-table-sessions"):
        assert client.get(f"{reverse(name)}?tafel={protection.ref}").status_code == 404
        assert client.get(f"{reverse(name)}?tafel=t-bestaat-niet").status_code == 404
    assert escalation not in policies.table_escalations(outsider)


def test_a_session_is_planned_for_a_table_with_its_members(region, chair, member, protection):
    outsider = WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE])
    session = services.plan_session(
        **MEETING, held_on=today(), members=[member], by=chair, table=protection
    )
    assert session.table == protection and session.region == region
    assert set(session.members.all()) == {chair, member}
    with pytest.raises(ValidationError, match="leden van deze tafel"):
        services.plan_session(
            **MEETING, held_on=today(), members=[outsider], by=chair, table=protection
        )
    # the expert table's members are everyone with a table role in the region
    at_expert = services.plan_session(**MEETING, held_on=today(), members=[outsider], by=chair)
    assert at_expert.table.is_expert_table


def test_only_a_chair_at_the_table_plans_its_session(region, chair, protection):
    other = Table.objects.create(region=region, kind=TableKind.OTHER, name="Onderwijstafel")
    with pytest.raises(PermissionDenied):
        services.plan_session(**MEETING, held_on=today(), by=chair, table=other)


def test_an_escalation_goes_only_on_its_own_table_s_agenda(
    chair, session, protection, make_case, escalate
):
    escalation = escalate(make_case(), table=protection)
    with pytest.raises(PermissionDenied, match="niet bij deze tafel"):
        services.add_to_agenda(session=session, escalation=escalation, by=chair)
    own = services.plan_session(**MEETING, held_on=today(), by=chair, table=protection)
    item = services.add_to_agenda(session=own, escalation=escalation, by=chair)
    assert item.session == own


def test_the_same_hour_warning_is_per_table(chair, session, protection):
    """A session of another table at the same hour is no clash; one of the same table is."""
    other_table = services.plan_session(**MEETING, held_on=today(), by=chair, table=protection)
    assert selectors.overlapping_sessions(other_table) == []
    same_table = services.plan_session(**MEETING, held_on=today(), by=chair, table=protection)
    assert selectors.overlapping_sessions(same_table) == [other_table]
    assert selectors.overlapping_sessions(session) == []


def test_the_sessions_page_plans_for_the_chosen_table(client, chair, member, protection):
    verified_login(client, chair)
    url = f"{reverse('expert-table-session-plan')}?tafel={protection.ref}"
    response = client.post(
        url,
        {
            "held_on": today().isoformat(),
            "starts_at": "10:00",
            "ends_at": "11:00",
            "place": "Zaal 1",
            "members": [member.pk],
        },
    )
    assert response.status_code == 302
    (session,) = protection.sessions.all()
    assert set(session.members.all()) == {chair, member}
    listing = client.get(f"{reverse('expert-table-sessions')}?tafel={protection.ref}")
    assert "Zittingen van Beschermingstafel Rijnmond" in listing.content.decode()
    expert = client.get(reverse("expert-table-sessions")).content.decode()
    assert session.ref not in expert


def test_the_functional_administrator_configures_a_table(client, region):
    admin_user = WorkerFactory(roles=[Role.ADMIN], is_staff=True)
    admin_user.groups.add(ensure_functional_admin_group())
    verified_login(client, admin_user)
    worker = WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE])
    response = client.post(
        reverse("admin:escalations_table_add"),
        {
            "region": region.pk,
            "kind": "placement",
            "name": "Zorgbemiddelingstafel Rijnmond",
            "members": [worker.pk],
            "callers": ["regisseur", "table_member"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    table = Table.objects.get(name="Zorgbemiddelingstafel Rijnmond")
    assert (table.kind, table.callers) == ("placement", ["regisseur", "table_member"])
    assert list(table.members.all()) == [worker]


def test_another_region_s_new_region_has_its_own_expert_table():
    a, b = RegionFactory(), RegionFactory()
    assert services.expert_table_of(a.pk) != services.expert_table_of(b.pk)


def test_a_session_or_escalation_of_a_table_one_does_not_sit_at_is_a_404(
    client, region, chair, protection, make_case, escalate
):
    outsider = WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE_CHAIR])
    escalation = escalate(make_case(), table=protection)
    session = services.plan_session(**MEETING, held_on=today(), by=chair, table=protection)
    verified_login(client, outsider)
    assert client.get(reverse("expert-table-session", args=[session.ref])).status_code == 404
    agenda = reverse("expert-table-agenda-add", args=[escalation.ref])
    assert client.post(agenda, {f"agenda-{escalation.ref}-session": session.ref}).status_code == 404
    assert not session.items.exists()
