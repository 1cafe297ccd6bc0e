"""The Zorgbemiddelingstafel (issue 19 point 3): a placement goes through it, and its decision
becomes a referral in one step, as the expert table's maatwerk does.

The check of the issue: "a placement goes through the Zorgbemiddelingstafel"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from escalations import services
from escalations.models import CallerKind, Decision, Table, TableKind
from referrals.lifecycle import Status
from referrals.models import Referral
from tests.conftest import verified_login
from tests.factories import ProductFactory, ProviderFactory

from .conftest import MEETING, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def placement_table(region, chair, member):
    table = Table.objects.create(
        region=region,
        kind=TableKind.PLACEMENT,
        name="Zorgbemiddelingstafel Rijnmond",
        callers=[CallerKind.REGISSEUR],
    )
    table.members.set([chair, member])
    return table


@pytest.fixture
def at_placement(chair, regisseur, make_case, placement_table):
    """A case the regisseur called the Zorgbemiddelingstafel for, on its session's agenda."""
    case = make_case()
    escalation = services.call_table(
        table=placement_table, case=case, reason="Een plek in een gezinshuis.", by=regisseur
    )
    session = services.plan_session(**MEETING, held_on=today(), by=chair, table=placement_table)
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    return case, session, escalation


def place(chair, session, escalation, **kw):
    return services.record_decision(
        session=session,
        escalation=escalation,
        kind="placement",
        text="Plaatsing in het gezinshuis De Linde.",
        follow_up_on=today() + dt.timedelta(days=14),
        product=kw.get("product") or ProductFactory(name="Gezinshuis", specialist=False),
        providers=kw.get("providers") or [ProviderFactory(name="Gezinshuis De Linde")],
        by=chair,
    )


def test_a_placement_goes_through_the_zorgbemiddelingstafel(chair, regisseur, at_placement):
    case, session, escalation = at_placement
    decision = place(chair, session, escalation)
    assert decision.makes_referral and not decision.is_tailored
    (referral,) = services.send_tailored_referral(
        decision=decision,
        youth=case.family.youths.get(),
        question="Plaatsing zoals de tafel besloot.",
        by=regisseur,
    )
    assert (referral.provider.name, referral.product.name) == ("Gezinshuis De Linde", "Gezinshuis")
    assert referral.status == Status.SENT and referral.case == case
    assert list(decision.referrals.all()) == [referral]
    with pytest.raises(ValidationError, match="al verzonden"):
        services.send_tailored_referral(
            decision=decision, youth=case.family.youths.get(), question="x", by=regisseur
        )


def test_the_regisseur_sends_the_placement_from_the_inbox_in_one_step(
    client, chair, regisseur, at_placement
):
    case, session, escalation = at_placement
    place(chair, session, escalation)
    verified_login(client, regisseur)
    inbox = client.get(reverse("escalation-inbox")).content.decode()
    assert "Plaatsing: Gezinshuis" in inbox
    response = client.post(
        reverse("escalation-send-referral", args=[escalation.ref]),
        {
            f"verwijzing-{escalation.ref}-youth": case.family.youths.get().ref,
            f"verwijzing-{escalation.ref}-question": "Graag snel starten.",
        },
    )
    assert response.status_code == 302
    (referral,) = Referral.objects.filter(case=case)
    assert referral.status == Status.SENT and referral.provider.name == "Gezinshuis De Linde"


def test_a_placement_names_its_product_and_provider(chair, at_placement):
    _case, session, escalation = at_placement
    with pytest.raises(ValidationError, match="Een plaatsing noemt het product"):
        services.record_decision(
            session=session,
            escalation=escalation,
            kind="placement",
            text="x",
            follow_up_on=today(),
            by=chair,
        )


def test_only_the_zorgbemiddelingstafel_decides_a_placement(chair, session, make_case):
    escalation = services.submit_escalation(case=make_case(), reason="x", submitted_on=today())
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    with pytest.raises(ValidationError, match="neemt deze tafel niet"):
        place(chair, session, escalation)


def test_the_database_keeps_the_product_to_maatwerk_and_placements(chair, at_placement):
    _case, session, escalation = at_placement
    decision = place(chair, session, escalation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(product=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(kind="advice")
