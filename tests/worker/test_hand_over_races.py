"""Double confirmation and racing proposals of a hand-over or a move: a Dutch message (409, or
the form's error), never a 500 — sequentially and with two real connections at once."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from casusregie import services
from casusregie.models import Case, FamilyMove, RegieTransfer, RegisseurPeriod, Role
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    RegionFactory,
    WorkerFactory,
    YouthFactory,
)

ALREADY_SETTLED = "Deze overdracht is al afgerond of ingetrokken."


@pytest.fixture
def team():
    return LocalTeamFactory(municipalities=[MunicipalityFactory(region=RegionFactory())])


@pytest.fixture
def anna(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna")


@pytest.fixture
def bram(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Bram")


@pytest.fixture
def chantal(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Chantal")


@pytest.fixture
def case(anna, team) -> Case:
    family = FamilyFactory(municipality=team.municipalities.get())
    YouthFactory(family=family, name="Noor")
    case = CaseFactory(family=family, local_team=team)
    RegisseurPeriod.objects.create(case=case, worker=anna, from_date=case.opened_on)
    return case


def _confirm(client: Client, transfer: RegieTransfer):
    return client.post(reverse("regie-transfer-confirm", args=[transfer.pk]))


def _in_background(request) -> tuple[threading.Thread, dict]:
    """Run ``request()`` in a thread of its own (its own database connection)."""
    outcome: dict = {}

    def run():
        try:
            outcome["response"] = request()
        except Exception as exc:  # a 500: the test client re-raises the view's exception
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _wait_until_a_backend_waits_for_a_lock(timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


# -- sequential --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_confirming_a_hand_over_twice_answers_409_in_dutch(client, case, anna, bram):
    transfer = services.propose_transfer(case=case, to_worker=bram, by=anna)
    verified_login(client, bram)
    assert _confirm(client, transfer).status_code == 302
    second = _confirm(client, transfer)
    assert second.status_code == 409
    assert ALREADY_SETTLED in second.content.decode()
    assert RegisseurPeriod.objects.filter(case=case, worker=bram).count() == 1


@pytest.mark.django_db
def test_withdrawing_a_settled_hand_over_answers_409(client, case, anna, bram):
    transfer = services.propose_transfer(case=case, to_worker=bram, by=anna)
    services.confirm_transfer(transfer=transfer, by=bram)
    verified_login(client, anna)
    response = client.post(reverse("regie-transfer-cancel", args=[transfer.pk]))
    assert response.status_code == 409
    assert ALREADY_SETTLED in response.content.decode()


@pytest.mark.django_db
def test_confirming_a_move_twice_answers_409_in_dutch(client, case, anna, team):
    other = LocalTeamFactory(
        municipalities=[MunicipalityFactory(region=team.municipalities.get().region)]
    )
    receiver = WorkerFactory(local_team=other, roles=[Role.REGISSEUR])
    move = services.propose_move(
        case=case, to_team=other, to_municipality=other.municipalities.get(), by=anna
    )
    verified_login(client, receiver)
    url = reverse("family-move-confirm", args=[move.pk])
    assert client.post(url).status_code == 302
    second = client.post(url)
    assert second.status_code == 409
    assert "Deze verhuizing is al afgerond of ingetrokken." in second.content.decode()
    assert FamilyMove.objects.get().confirmed_by == receiver


# -- two connections at once -------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_confirmation_racing_another_answers_409_not_500(case, anna, bram):
    transfer = services.propose_transfer(case=case, to_worker=bram, by=anna)
    client = verified_login(Client(), bram)
    with transaction.atomic():
        services.confirm_transfer(transfer=transfer, by=bram)  # holds the transfer's row lock
        thread, outcome = _in_background(lambda: _confirm(client, transfer))
        assert _wait_until_a_backend_waits_for_a_lock()  # the second one found it pending
    thread.join(30)

    assert "error" not in outcome, outcome.get("error")
    assert outcome["response"].status_code == 409
    assert ALREADY_SETTLED in outcome["response"].content.decode()
    assert RegisseurPeriod.objects.filter(case=case, worker=bram).count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_proposals_give_one_hand_over_and_a_dutch_message(case, anna, bram, chantal):
    client = verified_login(Client(), anna)
    url = reverse("regie-transfer-propose", args=[case.family.ref])
    with transaction.atomic():
        services.propose_transfer(case=case, to_worker=bram, by=anna)  # not yet committed
        thread, outcome = _in_background(
            lambda: client.post(url, {"to_worker": chantal.pk, "note": ""}, follow=True)
        )
        assert _wait_until_a_backend_waits_for_a_lock()
    thread.join(30)

    assert "error" not in outcome, outcome.get("error")
    response = outcome["response"]
    assert response.status_code == 200  # the family page, with the refusal as its message
    assert "Voor deze casus staat al een overdracht open." in response.content.decode()
    assert list(RegieTransfer.objects.values_list("to_worker", flat=True)) == [bram.pk]
