"""The demo has a session of the expert table with a waiting escalation on its agenda."""

import io

import pytest
from django.core.management import call_command

from escalations.models import AgendaItem, TableSession

pytestmark = pytest.mark.django_db


def test_the_demo_plans_a_session_with_an_escalation_on_its_agenda_once():
    call_command("demo_data", stdout=io.StringIO())
    session = TableSession.objects.get(ref="demo-zitting-1")
    assert {m.username for m in session.members.all()} == {"fatima", "eva"}
    item = AgendaItem.objects.get(session=session)
    assert item.escalation.discussed_on is None
    assert item.escalation.case.consents.filter(purpose="expert_table").exists()
    call_command("demo_data", stdout=io.StringIO())
    assert AgendaItem.objects.count() == 1 and TableSession.objects.count() == 1
