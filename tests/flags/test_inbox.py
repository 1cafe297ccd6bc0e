"""The flags inbox: my open flags worst first, explained, acknowledged, escalated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from casusregie.models import RegisseurPeriod, Role
from escalations.models import Escalation
from flags import selectors
from flags.models import Flag, FlagNote
from tests.conftest import verified_login
from tests.factories import CaseFactory, WorkerFactory

pytestmark = pytest.mark.django_db
INBOX_QUERIES = 12  # pinned: the same for one flag or many
OPENED = dt.date(2026, 1, 5)


@pytest.fixture
def anna():
    return WorkerFactory(roles=[Role.REGISSEUR])


def my_case(worker):
    case = CaseFactory(local_team=worker.local_team, opened_on=OPENED)
    worker.local_team.municipalities.add(case.family.municipality)
    RegisseurPeriod.objects.create(case=case, worker=worker, from_date=OPENED)
    return case


def flag(case, rule, severity, since=OPENED, owner="regisseur"):
    return Flag.objects.create(
        rule=rule,
        subject_type="case",
        subject_id=case.pk,
        case=case,
        severity=severity,
        opened_on=since,
        since=since,
        owner_role=owner,
    )


def test_worst_first_then_oldest(anna):
    case = my_case(anna)
    late_warning = flag(case, "NO_PLAN", "warning", OPENED)
    violation = flag(case, "NO_REGISSEUR", "violation", OPENED + dt.timedelta(days=9))
    old_violation = flag(my_case(anna), "NO_PLAN", "violation", OPENED - dt.timedelta(days=5))
    flag(CaseFactory(), "NO_PLAN", "violation")  # not my case
    flag(case, "ESCALATION_NOT_DISCUSSED", "violation", owner="expert_table_chair")  # not mine
    assert list(selectors.inbox(anna)) == [old_violation, violation, late_warning]


def test_the_inbox_explains_each_rule_and_links_to_the_place_to_act(client, anna):
    case = my_case(anna)
    flag(case, "NO_PLAN", "warning")
    verified_login(client, anna)
    page = client.get(reverse("flag-inbox")).content.decode()
    assert "Geen afgesproken plan" in page
    assert "Eén gezin, één plan" in page
    assert f"{reverse('family-detail', args=[case.family.ref])}#plan-title" in page


def test_acknowledging_keeps_the_flag_open_with_a_note(client, anna):
    f = flag(my_case(anna), "NO_PLAN", "warning")
    verified_login(client, anna)
    response = client.post(reverse("flag-acknowledge", args=[f.pk]), {"text": "Plan volgt"})
    assert response.status_code == 302
    note = FlagNote.objects.get(flag=f)
    assert (note.text, note.author, note.acknowledges) == ("Plan volgt", anna, True)
    f.refresh_from_db()
    assert f.resolved_on is None
    assert "Plan volgt" in client.get(reverse("flag-inbox")).content.decode()


def test_escalating_brings_the_case_to_the_table_once(client, anna):
    case = my_case(anna)
    first = flag(case, "NO_PLAN", "warning")
    second = flag(case, "NO_REGISSEUR", "violation")
    verified_login(client, anna)
    client.post(reverse("flag-escalate", args=[first.pk]), {"reason": "Geen passend aanbod"})
    client.post(reverse("flag-escalate", args=[second.pk]), {"reason": "Nog steeds niet"})
    escalation = Escalation.objects.get(case=case)
    assert escalation.reason == "Geen passend aanbod" and escalation.submitted_by == anna
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.escalation == second.escalation == escalation


def test_an_empty_question_does_not_escalate(client, anna):
    f = flag(my_case(anna), "NO_PLAN", "warning")
    verified_login(client, anna)
    client.post(reverse("flag-escalate", args=[f.pk]), {"reason": " "})
    assert not Escalation.objects.exists()


def test_the_inbox_has_a_constant_number_of_queries(client, anna):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    flag(my_case(anna), "NO_PLAN", "warning")
    verified_login(client, anna)
    client.get(reverse("flag-inbox"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("flag-inbox"))
    for _ in range(5):
        f = flag(my_case(anna), "NO_REGISSEUR", "violation")
        FlagNote.objects.create(flag=f, author=anna, text="gezien", acknowledges=True)
    with CaptureQueriesContext(connection) as six:
        assert client.get(reverse("flag-inbox")).status_code == 200
    assert len(six) == len(one) == INBOX_QUERIES
