"""Passing a case above the region (issue 19 point 3): any table may pass a case to BREN or G7,
recorded with the date, and the outcome recorded later on the session page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from escalations import services
from escalations.models import Decision, Table, TableKind
from tests.conftest import verified_login

from .conftest import MEETING, days_ago, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_agenda(chair, session, make_case):
    escalation = services.submit_escalation(
        case=make_case(), reason="Geen plek in de regio.", submitted_on=days_ago(3)
    )
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    return escalation


def above(chair, session, escalation, **kw):
    return services.record_decision(
        session=session,
        escalation=escalation,
        kind="above_region",
        text="Naar het bovenregionaal expertisenetwerk.",
        follow_up_on=today() + dt.timedelta(days=28),
        by=chair,
        **kw,
    )


def test_the_table_passes_a_case_above_the_region_with_date_and_later_outcome(
    chair, regisseur, session, on_agenda
):
    decision = above(chair, session, on_agenda, passed_to="bren")
    assert (decision.passed_to, decision.passed_on) == ("bren", today())
    assert decision.awaits_outcome
    done = services.record_outcome(
        decision=decision, outcome="BREN vond een plek buiten de regio.", on=today(), by=chair
    )
    assert (done.outcome, done.outcome_on, done.outcome_by) == (
        "BREN vond een plek buiten de regio.",
        today(),
        chair,
    )


def test_above_the_region_is_bren_or_g7(chair, session, on_agenda):
    with pytest.raises(ValidationError, match="BREN of G7"):
        above(chair, session, on_agenda)
    with pytest.raises(ValidationError, match="BREN of G7"):
        above(chair, session, on_agenda, passed_to="raad")
    assert above(chair, session, on_agenda, passed_to="g7").passed_to == "g7"


def test_every_kind_of_table_may_pass_a_case_above_the_region(region, chair, member, make_case):
    for kind in (TableKind.PROTECTION, TableKind.PLACEMENT, TableKind.OTHER):
        table = Table.objects.create(
            region=region, kind=kind, name=f"Tafel {kind}", callers=["table_member"]
        )
        table.members.set([chair, member])
        escalation = services.call_table(table=table, case=make_case(), reason="x", by=member)
        session = services.plan_session(**MEETING, held_on=today(), by=chair, table=table)
        services.add_to_agenda(session=session, escalation=escalation, by=chair)
        assert above(chair, session, escalation, passed_to="g7").passed_to == "g7"


def test_the_database_ties_to_whom_to_the_kind(chair, session, on_agenda):
    decision = above(chair, session, on_agenda, passed_to="bren")
    for wrong in ({"passed_to": "raad"}, {"passed_to": "", "passed_on": None}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Decision.objects.filter(pk=decision.pk).update(**wrong)
    with pytest.raises(IntegrityError), transaction.atomic():  # an outcome before passing on
        Decision.objects.filter(pk=decision.pk).update(outcome="x", outcome_on=days_ago(1))


def test_the_session_page_records_passing_above_and_its_outcome(client, chair, session, on_agenda):
    verified_login(client, chair)
    page = client.get(reverse("expert-table-session", args=[session.ref])).content.decode()
    assert "Bovenregionaal doorzetten (BREN of G7)" in page
    prefix = f"besluit-{on_agenda.ref}"
    response = client.post(
        reverse("expert-table-decision", args=[session.ref, on_agenda.ref]),
        {
            f"{prefix}-kind": "above_region",
            f"{prefix}-text": "Naar G7.",
            f"{prefix}-follow_up_on": today().isoformat(),
            f"{prefix}-passed_to": "g7",
        },
    )
    assert response.status_code == 302
    on_agenda.refresh_from_db()
    assert (on_agenda.decision.passed_to, on_agenda.decision.passed_on) == ("g7", today())
    page = client.get(reverse("expert-table-session", args=[session.ref])).content.decode()
    assert "De uitkomst is nog niet vastgelegd." in page
    prefix = f"uitkomst-{on_agenda.ref}"
    response = client.post(
        reverse("expert-table-outcome", args=[session.ref, on_agenda.ref]),
        {f"{prefix}-outcome": "G7 neemt de casus op.", f"{prefix}-outcome_on": today().isoformat()},
    )
    assert response.status_code == 302
    page = client.get(reverse("expert-table-session", args=[session.ref])).content.decode()
    assert "G7 neemt de casus op." in page


def test_no_outcome_form_for_a_decision_that_passes_nothing_on(client, chair, session, on_agenda):
    services.record_decision(
        session=session,
        escalation=on_agenda,
        kind="advice",
        text="x",
        follow_up_on=today(),
        by=chair,
    )
    verified_login(client, chair)
    page = client.get(reverse("expert-table-session", args=[session.ref])).content.decode()
    assert "Uitkomst vastleggen" not in page
    prefix = f"uitkomst-{on_agenda.ref}"
    response = client.post(
        reverse("expert-table-outcome", args=[session.ref, on_agenda.ref]),
        {f"{prefix}-outcome": "x", f"{prefix}-outcome_on": today().isoformat()},
    )
    assert response.status_code == 404
