"""The demo has sessions of the expert table as meetings (time, place or video link, invitees)
with a waiting escalation on the agenda; most waiting demo escalations have consent."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from escalations.models import AgendaItem, Escalation, Invitation, TableSession

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
