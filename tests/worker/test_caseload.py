"""Mijn caseload, the team lead's view, registering a family and the warm regie hand-over."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casusregie import services
from casusregie.models import Case, Family, RegieTransfer, RegisseurPeriod, Role
from flags.models import Flag
from plans.models import Action, Evaluation, Goal
from referrals.lifecycle import Status
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    PlanFactory,
    ReferralFactory,
    RegionFactory,
    WorkerFactory,
    YouthFactory,
    synthetic_bsn,
)
from worker.selectors import families as selectors

pytestmark = pytest.mark.django_db
# Pinned: the same number for one case or many (the cases and their flags, actions,
# evaluations and referrals in one query; youths prefetched).
CASELOAD_QUERIES = 15  # + the follow-ups of the expert table's decisions
TEAM_QUERIES = 12
OPENED = dt.date(2026, 1, 5)


@pytest.fixture
def team():
    return LocalTeamFactory(municipalities=[MunicipalityFactory(region=RegionFactory())])


@pytest.fixture
def anna(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna")


@pytest.fixture
def bram(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Bram")


def case_of(worker, team, *, name="Noor") -> Case:
    family = FamilyFactory(municipality=team.municipalities.get())
    YouthFactory(family=family, name=name)
    case = CaseFactory(family=family, local_team=team, opened_on=OPENED)
    if worker:
        RegisseurPeriod.objects.create(case=case, worker=worker, from_date=OPENED)
    return case


def flag(case, severity="warning", rule="NO_PLAN"):
    return Flag.objects.create(
        rule=rule,
        subject_type="case",
        subject_id=case.pk,
        case=case,
        severity=severity,
        opened_on=OPENED,
        since=OPENED,
        owner_role="regisseur",
    )


def test_the_caseload_holds_my_cases_worst_first_with_their_next_steps(anna, bram, team):
    quiet = case_of(anna, team, name="Sem")
    warned = case_of(anna, team, name="Lotte")
    flag(warned)
    violated = case_of(anna, team, name="Daan")
    flag(violated, "violation")
    flag(violated, "warning", rule="NO_REGISSEUR")
    case_of(bram, team)  # not mine
    plan = PlanFactory(case=quiet)
    goal = Goal.objects.create(plan=plan, text="Naar school")
    Action.objects.create(
        goal=goal, description="Later", owner="Anna", due_on=OPENED.replace(month=3)
    )
    Action.objects.create(
        goal=goal, description="Eerst", owner="Anna", due_on=OPENED.replace(month=2)
    )
    Evaluation.objects.create(plan=plan, planned_on=OPENED.replace(month=4))
    ReferralFactory(case=quiet, status=Status.SENT, sent_on=OPENED)

    cases = list(selectors.caseload(anna))

    assert [c.pk for c in cases] == [violated.pk, warned.pk, quiet.pk]
    assert (cases[0].open_flag_count, cases[0].has_violation) == (2, True)
    assert (cases[1].open_flag_count, cases[1].has_violation) == (1, False)
    assert cases[2].next_action == "Eerst"
    assert cases[2].next_evaluation == OPENED.replace(month=4)
    assert cases[2].referrals_waiting == 1


def test_a_handed_over_case_leaves_the_caseload_the_day_it_ends(anna, team):
    case = case_of(anna, team)
    today = timezone.localdate()
    RegisseurPeriod.objects.filter(case=case).update(until=today)
    assert list(selectors.caseload(anna)) == []
    RegisseurPeriod.objects.filter(case=case).update(until=today + dt.timedelta(days=1))
    assert list(selectors.caseload(anna)) == [case]


def where(ref: str, page: str) -> int | None:
    """Where ``ref`` stands on the page as a whole word (the ref f-8 is also the tail of
    utf-8), or None."""
    found = re.search(rf"(?<![\w-]){re.escape(ref)}(?![\w-])", page)
    return found.start() if found else None


def shows(ref: str, page: str) -> bool:
    return where(ref, page) is not None


def test_search_and_the_flag_filter(client, anna, team):
    noor = case_of(anna, team, name="Noor Bakker")
    sem = case_of(anna, team, name="Sem Visser")
    flag(sem)
    verified_login(client, anna)
    page = client.post(reverse("caseload"), {"q": "bakker"}).content.decode()
    assert shows(noor.family.ref, page) and not shows(sem.family.ref, page)
    page = client.get(reverse("caseload"), {"signalen": "1"}).content.decode()
    assert shows(sem.family.ref, page) and not shows(noor.family.ref, page)
    assert client.post(reverse("caseload"), {"q": noor.family.ref}).status_code == 200


def test_the_caseload_page_has_a_constant_number_of_queries(client, anna, team):
    case_of(anna, team)
    verified_login(client, anna)
    client.get(reverse("caseload"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("caseload"))
    for _ in range(6):
        flag(case_of(anna, team))
    with CaptureQueriesContext(connection) as seven:
        assert client.get(reverse("caseload")).status_code == 200
    assert (len(one), len(seven)) == (CASELOAD_QUERIES, CASELOAD_QUERIES)


def test_the_team_lead_sees_cases_without_regisseur_and_with_flags(client, anna, team):
    lead = WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])
    orphan = case_of(None, team)
    flagged = case_of(anna, team)
    flag(flagged)
    fine = case_of(anna, team)
    other_team = case_of(None, LocalTeamFactory())
    verified_login(client, lead)
    page = client.get(reverse("team")).content.decode()
    assert shows(orphan.family.ref, page) and shows(flagged.family.ref, page)
    assert not shows(fine.family.ref, page) and not shows(other_team.family.ref, page)
    assert where(orphan.family.ref, page) < where(flagged.family.ref, page)
    assert "geen regisseur" in page


def test_a_worker_registers_a_family_and_becomes_its_regisseur(client, anna, team):
    verified_login(client, anna)
    data = {
        "municipality": team.municipalities.get().pk,
        "jeugdige-TOTAL_FORMS": "3",
        "jeugdige-INITIAL_FORMS": "0",
        "jeugdige-MIN_NUM_FORMS": "1",
        "jeugdige-MAX_NUM_FORMS": "12",
        "jeugdige-0-name": "Noor de Jong",
        "jeugdige-0-birth_date": "2012-04-01",
        "jeugdige-0-bsn": synthetic_bsn(77),
        "opvoeder-TOTAL_FORMS": "2",
        "opvoeder-INITIAL_FORMS": "0",
        "opvoeder-MIN_NUM_FORMS": "0",
        "opvoeder-MAX_NUM_FORMS": "6",
        "opvoeder-0-name": "Rob de Jong",
    }
    response = client.post(reverse("family-register"), data)
    assert response.status_code == 302
    family = Family.objects.get(youths__name="Noor de Jong")
    assert response["Location"] == reverse("family-detail", args=[family.ref])
    case = family.cases.get()
    assert case.is_open and case.local_team == team
    assert selectors.current_regisseur(case).worker == anna
    assert family.youths.get().bsn == synthetic_bsn(77)
    assert family.carers.get().name == "Rob de Jong"
    assert synthetic_bsn(77) not in response["Location"]


def test_registering_needs_a_youth_and_a_valid_bsn(client, anna, team):
    verified_login(client, anna)
    data = {
        "municipality": team.municipalities.get().pk,
        "jeugdige-TOTAL_FORMS": "1",
        "jeugdige-INITIAL_FORMS": "0",
        "jeugdige-0-name": "Noor",
        "jeugdige-0-birth_date": "2012-04-01",
        "jeugdige-0-bsn": "123456789",
        "opvoeder-TOTAL_FORMS": "0",
        "opvoeder-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("family-register"), data)
    assert response.status_code == 400
    assert "11-proef" in response.content.decode()
    data["jeugdige-0-name"] = ""
    data["jeugdige-0-bsn"] = ""
    data["jeugdige-0-birth_date"] = ""
    assert client.post(reverse("family-register"), data).status_code == 400
    assert not Family.objects.exists()


def test_a_municipality_outside_the_team_is_refused(anna):
    other = MunicipalityFactory()
    with pytest.raises(services.ValidationError):
        services.register_family(
            by=anna,
            municipality=other,
            carers=[],
            youths=[services.Person("Noor", dt.date(2012, 1, 1))],
        )


def test_the_old_regisseur_keeps_regie_until_the_new_one_confirms(client, anna, bram, team):
    case = case_of(anna, team)
    verified_login(client, anna)
    response = client.post(
        reverse("regie-transfer-propose", args=[case.family.ref]),
        {"to_worker": bram.pk, "note": "Gezin kent Bram van school"},
    )
    assert response.status_code == 302
    transfer = RegieTransfer.objects.get(case=case)
    assert transfer.is_pending and transfer.from_worker == anna
    assert selectors.current_regisseur(case).worker == anna
    # only the new regisseur confirms
    assert client.post(reverse("regie-transfer-confirm", args=[transfer.pk])).status_code == 404
    verified_login(client, bram)
    caseload = client.get(reverse("caseload")).content.decode()
    assert "Regie aan u overgedragen" in caseload and "Gezin kent Bram van school" in caseload
    assert client.post(reverse("regie-transfer-confirm", args=[transfer.pk])).status_code == 302
    case.refresh_from_db()
    current = services.current_regisseur_of(case)
    assert current.worker == bram and current.from_date == timezone.localdate()
    old = RegisseurPeriod.objects.get(case=case, worker=anna)
    assert old.until == timezone.localdate()
    transfer.refresh_from_db()
    assert transfer.confirmed_on == timezone.localdate()


def test_one_pending_hand_over_per_case_and_it_can_be_withdrawn(anna, bram, team):
    case = case_of(anna, team)
    transfer = services.propose_transfer(case=case, to_worker=bram, by=anna)
    with pytest.raises(services.ValidationError):
        services.propose_transfer(case=case, to_worker=bram, by=anna)
    services.cancel_transfer(transfer=transfer, by=anna)
    assert services.propose_transfer(case=case, to_worker=bram, by=anna).is_pending


def test_a_hand_over_goes_to_a_colleague_of_the_team(anna, team):
    case = case_of(anna, team)
    stranger = WorkerFactory(roles=[Role.REGISSEUR])
    with pytest.raises(services.ValidationError):
        services.propose_transfer(case=case, to_worker=stranger, by=anna)


def test_the_team_view_and_the_family_list_have_constant_queries(client, anna, team):
    lead = WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD, Role.REGISSEUR])
    flag(case_of(None, team))
    verified_login(client, lead)
    counts = {}
    for label in ("one", "six"):
        for name in ("team", "family-list"):
            client.get(reverse(name))
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name)).status_code == 200
            counts[label, name] = len(queries)
        for _ in range(5):
            flag(case_of(None, team))
    assert (counts["one", "team"], counts["six", "team"]) == (TEAM_QUERIES, TEAM_QUERIES)
    assert counts["one", "family-list"] == counts["six", "family-list"] <= 16
