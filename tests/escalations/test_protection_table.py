"""The Beschermingstafel (issue 19 point 3): called by the regisseur, a GI or Veilig Thuis
(recorded as involved professionals of the case), always with the parents invited; it can ask
the Raad voor de Kinderbescherming for an investigation (recorded, dated; the outcome later).

The check of the issue: "a GI worker calls the Beschermingstafel"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from casusregie.models import CarerRelation, Notification, Role
from escalations import services
from escalations.models import CallerKind, EscalationSource, InvitationKind, Table, TableKind
from tests.conftest import verified_login
from tests.factories import CarerFactory, InvolvedProfessionalFactory, WorkerFactory
from worker.selectors import expert_table as selectors

from .conftest import MEETING, days_ago, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def protection(region, chair, member):
    table = Table.objects.create(
        region=region,
        kind=TableKind.PROTECTION,
        name="Beschermingstafel Rijnmond",
        callers=[CallerKind.REGISSEUR, CallerKind.GI, CallerKind.VEILIG_THUIS],
    )
    table.members.set([chair, member])
    return table


@pytest.fixture
def gi_worker():
    """A worker of a gecertificeerde instelling: an account without a role of the region."""
    return WorkerFactory(local_team=None, region=None, roles=[], name="Gijs GI")


def involve(case, worker, role="gi_jeugdbescherming", **kw):
    return InvolvedProfessionalFactory(
        case=case, worker=worker, role=role, organisation="William Schrikker Stichting", **kw
    )


def parents(case, *, email_second: str = "vader@example.org"):
    """Two parents with gezag over the youth, and a step-parent without."""
    youth = case.family.youths.get()
    mother = CarerFactory(family=case.family, name="Moeder Jansen", email="moeder@example.org")
    father = CarerFactory(family=case.family, name="Vader Jansen", email=email_second)
    step = CarerFactory(family=case.family, name="Stiefvader", email="stief@example.org")
    for carer, gezag in ((mother, True), (father, True), (step, False)):
        CarerRelation.objects.create(
            carer=carer, youth=youth, relation="parent" if gezag else "other", has_gezag=gezag
        )
    return mother, father, step


def test_a_gi_worker_calls_the_beschermingstafel(client, make_case, gi_worker, protection):
    case = make_case()
    involve(case, gi_worker)
    verified_login(client, gi_worker)
    listing = client.get(reverse("table-call-list")).content.decode()
    assert case.family.ref in listing and "Beschermingstafel Rijnmond" in listing
    prefix = f"{protection.ref}-{case.ref}"
    response = client.post(
        reverse("table-call", args=[protection.ref, case.ref]),
        {f"{prefix}-reason": "Zorgen over de veiligheid thuis.", f"{prefix}-tried": "Gesprekken"},
    )
    assert response.status_code == 302
    (escalation,) = protection.escalations.all()
    assert escalation.case == case and escalation.submitted_by == gi_worker
    assert (escalation.called_as, escalation.source) == (
        CallerKind.GI,
        EscalationSource.PROFESSIONAL,
    )
    assert escalation.reason == "Zorgen over de veiligheid thuis."


def test_veilig_thuis_and_the_regisseur_may_call_it(make_case, regisseur, protection):
    vt = WorkerFactory(local_team=None, region=None, roles=[])
    case = make_case()
    involve(case, vt, role="veilig_thuis", holds_regie=False)
    assert services.caller_kinds_of(vt, case, protection) == {CallerKind.VEILIG_THUIS}
    escalation = services.call_table(table=protection, case=case, reason="melding", by=vt)
    assert escalation.called_as == CallerKind.VEILIG_THUIS
    other = make_case()
    assert services.caller_kinds_of(regisseur, other, protection) == {CallerKind.REGISSEUR}
    # the call page offers the Beschermingstafel, not the expert table (the family page's)
    rows = {case: [t.name for t in tables] for case, tables, _ in selectors.calls(regisseur)}
    assert rows[other] == ["Beschermingstafel Rijnmond"]
    by_regisseur = services.call_table(table=protection, case=other, reason="x", by=regisseur)
    assert by_regisseur.called_as == CallerKind.REGISSEUR


def test_who_may_not_call_it(client, make_case, gi_worker, protection, member):
    case = make_case()
    # not involved, involved as something else, involved no longer, or a member (not a caller)
    assert services.caller_kinds_of(gi_worker, case, protection) == set()
    school = WorkerFactory(local_team=None, roles=[])
    involve(case, school, role="school")
    assert services.caller_kinds_of(school, case, protection) == set()
    ended = WorkerFactory(local_team=None, roles=[])
    involve(case, ended, from_date=days_ago(100), until=days_ago(1))
    assert services.caller_kinds_of(ended, case, protection) == set()
    assert services.caller_kinds_of(member, case, protection) == set()
    with pytest.raises(PermissionDenied):
        services.call_table(table=protection, case=case, reason="x", by=gi_worker)
    verified_login(client, gi_worker)
    prefix = f"{protection.ref}-{case.ref}"
    url = reverse("table-call", args=[protection.ref, case.ref])
    assert client.post(url, {f"{prefix}-reason": "x"}).status_code == 404
    assert not protection.escalations.exists()


def test_a_member_calls_when_the_table_lets_its_members(make_case, member, protection):
    protection.callers = [CallerKind.TABLE_MEMBER]
    protection.save()
    escalation = services.call_table(table=protection, case=make_case(), reason="x", by=member)
    assert escalation.called_as == CallerKind.TABLE_MEMBER


def test_another_region_s_table_may_not_be_called(make_case, gi_worker, other_region):
    foreign = Table.objects.create(
        region=other_region, kind=TableKind.PROTECTION, name="Elders", callers=[CallerKind.GI]
    )
    case = make_case()
    involve(case, gi_worker)
    assert services.caller_kinds_of(gi_worker, case, foreign) == set()


def test_the_parents_with_gezag_are_always_invited(
    chair, make_case, gi_worker, protection, mailoutbox, django_capture_on_commit_callbacks
):
    case = make_case()
    involve(case, gi_worker)
    mother, father, _step = parents(case, email_second="")
    escalation = services.call_table(table=protection, case=case, reason="x", by=gi_worker)
    session = services.plan_session(**MEETING, held_on=today(), by=chair, table=protection)
    with django_capture_on_commit_callbacks(execute=True):
        item = services.add_to_agenda(session=session, escalation=escalation, by=chair)
    # the parent with an address gets the invitation by e-mail; the other is invited otherwise
    assert [m.to for m in mailoutbox] == [["moeder@example.org"]]
    assert protection.name in mailoutbox[0].subject
    family = item.invitations.filter(kind=InvitationKind.FAMILY).order_by("name")
    assert [(i.carer, i.name, i.email) for i in family] == [
        (mother, "Moeder Jansen", "moeder@example.org"),
        (father, "Vader Jansen", ""),  # no address: invited otherwise, still recorded
    ]


def test_the_expert_table_does_not_invite_the_parents_by_itself(chair, session, make_case):
    case = make_case()
    parents(case)
    escalation = services.submit_escalation(case=case, reason="x", submitted_on=days_ago(1))
    item = services.add_to_agenda(session=session, escalation=escalation, by=chair)
    assert not item.invitations.filter(kind=InvitationKind.FAMILY).exists()


@pytest.fixture
def at_protection(chair, make_case, gi_worker, protection):
    case = make_case()
    involve(case, gi_worker)
    escalation = services.call_table(table=protection, case=case, reason="x", by=gi_worker)
    session = services.plan_session(**MEETING, held_on=today(), by=chair, table=protection)
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    return session, escalation


def test_the_table_asks_the_raad_for_an_investigation_recorded_and_dated(
    chair, regisseur, at_protection
):
    session, escalation = at_protection
    decision = services.record_decision(
        session=session,
        escalation=escalation,
        kind="raad_request",
        text="Verzoek tot onderzoek naar een kinderbeschermingsmaatregel.",
        follow_up_on=today() + dt.timedelta(days=56),
        by=chair,
    )
    assert (decision.passed_to, decision.passed_on) == ("raad", today())
    assert decision.awaits_outcome
    later = services.record_outcome(
        decision=decision, outcome="De Raad start een onderzoek.", on=today(), by=chair
    )
    assert (later.outcome, later.outcome_on, later.outcome_by) == (
        "De Raad start een onderzoek.",
        today(),
        chair,
    )
    assert not later.awaits_outcome
    assert Notification.objects.filter(recipient=regisseur, text__contains="De Raad start").exists()
    with pytest.raises(ValidationError, match="al vastgelegd"):
        services.record_outcome(decision=decision, outcome="nogmaals", on=today(), by=chair)


def test_the_raad_request_s_dates_have_their_bounds(chair, member, at_protection):
    session, escalation = at_protection
    with pytest.raises(ValidationError, match="tussen de zitting en vandaag"):
        services.record_decision(
            session=session,
            escalation=escalation,
            kind="raad_request",
            text="x",
            follow_up_on=today(),
            passed_on=today() + dt.timedelta(days=1),
            by=chair,
        )
    decision = services.record_decision(
        session=session,
        escalation=escalation,
        kind="raad_request",
        text="x",
        follow_up_on=today(),
        by=chair,
    )
    with pytest.raises(ValidationError, match="tussen het doorzetten en vandaag"):
        services.record_outcome(decision=decision, outcome="x", on=days_ago(1), by=chair)
    with pytest.raises(PermissionDenied):
        services.record_outcome(decision=decision, outcome="x", on=today(), by=member)


def test_each_table_takes_its_own_kinds_of_decision(chair, session, at_protection, make_case):
    protection_session, escalation = at_protection
    with pytest.raises(ValidationError, match="neemt deze tafel niet"):
        services.record_decision(
            session=protection_session,
            escalation=escalation,
            kind="tailored",
            text="x",
            follow_up_on=today(),
            by=chair,
        )
    at_expert = services.submit_escalation(case=make_case(), reason="x", submitted_on=today())
    services.add_to_agenda(session=session, escalation=at_expert, by=chair)
    with pytest.raises(ValidationError, match="neemt deze tafel niet"):
        services.record_decision(
            session=session,
            escalation=at_expert,
            kind="raad_request",
            text="x",
            follow_up_on=today(),
            by=chair,
        )


def test_the_chair_records_the_raad_request_and_its_outcome_on_the_session_page(
    client, chair, at_protection
):
    session, escalation = at_protection
    verified_login(client, chair)
    page = client.get(reverse("expert-table-session", args=[session.ref])).content.decode()
    assert "Verzoek tot onderzoek aan de Raad voor de Kinderbescherming" in page
    assert "Maatwerkarrangement" not in page  # not a decision of this table
    prefix = f"besluit-{escalation.ref}"
    response = client.post(
        reverse("expert-table-decision", args=[session.ref, escalation.ref]),
        {
            f"{prefix}-kind": "raad_request",
            f"{prefix}-text": "Verzoek tot onderzoek.",
            f"{prefix}-follow_up_on": today().isoformat(),
            f"{prefix}-passed_on": today().isoformat(),
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("expert-table-session", args=[session.ref])).content.decode()
    assert "Raad voor de Kinderbescherming" in page and "Uitkomst" in page
    prefix = f"uitkomst-{escalation.ref}"
    response = client.post(
        reverse("expert-table-outcome", args=[session.ref, escalation.ref]),
        {f"{prefix}-outcome": "Onderzoek gestart.", f"{prefix}-outcome_on": today().isoformat()},
    )
    assert response.status_code == 302
    escalation.decision.refresh_from_db()
    assert (escalation.decision.outcome, escalation.decision.outcome_on) == (
        "Onderzoek gestart.",
        today(),
    )
    page = client.get(reverse("expert-table-session", args=[session.ref])).content.decode()
    assert "Onderzoek gestart." in page


def test_a_worker_without_involvements_has_an_empty_call_page(client, region):
    worker = WorkerFactory(local_team=None, region=region, roles=[Role.POLICY])
    verified_login(client, worker)
    response = client.get(reverse("table-call-list"))
    assert response.status_code == 200
    assert "Er zijn geen casussen" in response.content.decode()
