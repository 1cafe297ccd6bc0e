"""The demo has sessions of the expert table as meetings (time, place or video link, invitees)
with a waiting escalation on the agenda; most waiting demo escalations have consent."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from casusregie.models import Region, Worker
from escalations.models import AgendaItem, Escalation, Invitation, Table, TableSession
from worker.selectors import expert_table as selectors

pytestmark = pytest.mark.django_db


def test_the_demo_plans_a_session_with_an_escalation_on_its_agenda_once():
    call_command("demo_data", stdout=io.StringIO())
    session = TableSession.objects.get(ref="demo-zitting-1")
    assert {m.username for m in session.members.all()} == {"fatima", "eva"}
    assert (session.starts_at, session.ends_at) == (dt.time(14), dt.time(16))
    assert session.place == "Stadskantoor, zaal 3"
    morning = TableSession.objects.get(ref="demo-zitting-2")
    assert morning.held_on == session.held_on and morning.video_url.startswith("https://")
    item = AgendaItem.objects.get(session=session)
    assert item.escalation.discussed_on is None
    assert item.escalation.case.consents.filter(purpose="expert_table").exists()
    kinds = sorted(Invitation.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == ["member", "member", "regisseur"]
    waiting = Escalation.objects.filter(ref__startswith="demo-e", discussed_on__isnull=True)
    consented = waiting.filter(case__consents__purpose="expert_table").distinct().count()
    assert waiting.count() >= 2 and consented == waiting.count() - 1
    call_command("demo_data", stdout=io.StringIO())
    assert AgendaItem.objects.count() == 1 and TableSession.objects.count() == 2
    assert Invitation.objects.count() == 4


def test_the_demo_region_has_its_three_tables_and_a_gi_worker_who_may_call_one():
    call_command("demo_data", stdout=io.StringIO())
    region = Region.objects.get(code="rijnmond")
    tables = Table.objects.filter(region=region)
    assert sorted(tables.values_list("kind", flat=True)) == [
        "expert_table",
        "placement",
        "protection",
    ]
    for table in tables.exclude(kind="expert_table"):
        assert {m.username for m in table.members.all()} == {"fatima", "eva"}
    gijs = Worker.objects.get(username="gijs")
    (involvement,) = gijs.involvements.all()
    assert involvement.role.startswith("gi_") and involvement.until is None
    ((case, callable_tables, _open),) = selectors.calls(gijs)
    assert case == involvement.case
    assert [t.name for t in callable_tables] == ["Beschermingstafel Rijnmond"]
    call_command("demo_data", stdout=io.StringIO())
    assert Table.objects.filter(region=region).count() == 3
