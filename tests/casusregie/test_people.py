"""The people around the family: involved professionals and regie bij de GI (services and the
database's constraints)."""

from __future__ import annotations

import datetime as dt

import pghistory.models
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casusregie import services
from casusregie.models import InvolvedProfessional, InvolvedRole, Role, SweepRequest
from casusregie.services import Involvement
from tests.factories import (
    CaseFactory,
    GiRegieFactory,
    InvolvedProfessionalFactory,
    LocalTeamFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def case():
    return CaseFactory(local_team=LocalTeamFactory(), opened_on=D(2026, 1, 5))


@pytest.fixture
def regisseur(case):
    worker = WorkerFactory(local_team=case.local_team, roles=[Role.REGISSEUR])
    RegisseurPeriodFactory(case=case, worker=worker, from_date=case.opened_on)
    return worker


def huisarts(**kwargs) -> Involvement:
    return Involvement(
        **{
            "role": InvolvedRole.GP,
            "organisation": "Huisartsenpraktijk De Linde",
            "from_date": D(2026, 2, 2),
            "contact_name": "dr. M. Yilmaz",
            "phone": "071 512 34 56",
            "email": "praktijk@delinde.example",
            **kwargs,
        }
    )


def test_the_regisseur_adds_a_huisarts(case, regisseur):
    added = services.add_involved_professional(case=case, involvement=huisarts(), by=regisseur)
    assert (added.role, added.organisation, added.until, added.holds_regie) == (
        "huisarts",
        "Huisartsenpraktijk De Linde",
        None,
        False,
    )
    assert not SweepRequest.objects.filter(case_id=case.pk).exists()  # no rule reads a huisarts


def test_the_team_lead_of_the_case_s_team_may_add_too(case, regisseur):
    lead = WorkerFactory(local_team=case.local_team, roles=[Role.TEAM_LEAD])
    services.add_involved_professional(case=case, involvement=huisarts(), by=lead)
    assert case.involved.count() == 1


@pytest.mark.parametrize("who", ["colleague", "other_lead"])
def test_nobody_else_records_the_people_around_the_family(case, regisseur, who):
    if who == "colleague":  # a regisseur of the team, but not this case's
        by = WorkerFactory(local_team=case.local_team, roles=[Role.REGISSEUR])
    else:  # a team lead of another team
        by = WorkerFactory(local_team=LocalTeamFactory(), roles=[Role.TEAM_LEAD])
    with pytest.raises(ValidationError, match="regisseur of de teamleider"):
        services.add_involved_professional(case=case, involvement=huisarts(), by=by)
    assert not case.involved.exists()


def test_a_closed_case_gets_no_new_people(case, regisseur):
    lead = WorkerFactory(local_team=case.local_team, roles=[Role.TEAM_LEAD])
    case.closed_on = D(2026, 3, 1)
    case.save()
    with pytest.raises(ValidationError, match="gesloten"):
        services.add_involved_professional(case=case, involvement=huisarts(), by=lead)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "bel maar"}, "phone", "telefoonnummer"),
        ({"email": "geen-adres"}, "email", "e-mailadres"),
        ({"organisation": ""}, "organisation", "Dit veld"),
        ({"from_date": D(2099, 1, 1)}, "from_date", "toekomst"),
        ({"holds_regie": True}, "holds_regie", "Alleen een GI"),
    ],
)
def test_bad_input_is_refused_in_dutch_at_its_field(case, regisseur, changes, field, message):
    with pytest.raises(ValidationError) as refused:
        services.add_involved_professional(case=case, involvement=huisarts(**changes), by=regisseur)
    assert field in refused.value.message_dict
    assert message in " ".join(refused.value.message_dict[field])


def test_ending_takes_effect_on_the_date_given(case, regisseur):
    added = services.add_involved_professional(case=case, involvement=huisarts(), by=regisseur)
    ended = services.end_involved_professional(
        professional=added, until=D(2026, 4, 1), by=regisseur
    )
    assert ended.until == D(2026, 4, 1)
    assert not InvolvedProfessional.objects.in_force(D(2026, 4, 1)).exists()
    assert InvolvedProfessional.objects.in_force(D(2026, 3, 31)).get() == added
    with pytest.raises(ValidationError, match="al beëindigd"):
        services.end_involved_professional(professional=added, until=D(2026, 5, 1), by=regisseur)


def test_an_end_before_the_start_is_refused(case, regisseur):
    added = services.add_involved_professional(case=case, involvement=huisarts(), by=regisseur)
    with pytest.raises(ValidationError) as refused:
        services.end_involved_professional(professional=added, until=D(2026, 1, 1), by=regisseur)
    assert "vóór de begindatum" in " ".join(refused.value.message_dict["until"])


def test_a_correction_is_kept_in_the_history(case, regisseur):
    added = services.add_involved_professional(case=case, involvement=huisarts(), by=regisseur)
    services.correct_involved_professional(
        professional=added, involvement=huisarts(contact_name="dr. M. Yılmaz"), by=regisseur
    )
    added.refresh_from_db()
    assert added.contact_name == "dr. M. Yılmaz"
    events = pghistory.models.Events.objects.references(added).order_by("pgh_id")
    assert [e.pgh_label for e in events] == ["insert", "update"]


def test_the_gi_takes_regie_and_the_case_is_judged_again(case, regisseur):
    gi = services.add_involved_professional(
        case=case,
        involvement=Involvement(
            role=InvolvedRole.GI_YOUTH_PROTECTION,
            organisation="Jeugdbescherming west",
            from_date=D(2026, 2, 2),
            holds_regie=True,
        ),
        by=regisseur,
    )
    assert gi.holds_regie and gi.is_gi
    assert SweepRequest.objects.filter(case_id=case.pk).exists()
    # The local regisseur stays involved.
    assert services.current_regisseur_of(case).worker == regisseur


def test_the_database_refuses_an_end_before_the_start():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvolvedProfessionalFactory(from_date=D(2026, 3, 2), until=D(2026, 3, 1))


def test_an_end_on_the_start_day_is_allowed():
    assert InvolvedProfessionalFactory(from_date=D(2026, 3, 2), until=D(2026, 3, 2)).pk


def test_the_database_refuses_regie_for_anyone_but_a_gi():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvolvedProfessionalFactory(role="veilig_thuis", holds_regie=True)


def test_the_database_refuses_an_unknown_role():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvolvedProfessionalFactory(role="tandarts")


def test_two_gis_do_not_hold_regie_at_the_same_time(case):
    GiRegieFactory(case=case, from_date=D(2026, 1, 5), until=D(2026, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        GiRegieFactory(case=case, from_date=D(2026, 5, 1), role="gi_jeugdreclassering")
    GiRegieFactory(case=case, from_date=D(2026, 6, 1), role="gi_jeugdreclassering")
    GiRegieFactory(case=case, from_date=D(2026, 1, 5), holds_regie=False)  # involved, no regie
    assert case.involved.count() == 3


def test_today_is_not_the_future(case, regisseur):
    today = timezone.localdate()
    added = services.add_involved_professional(
        case=case, involvement=huisarts(from_date=today), by=regisseur
    )
    assert added.from_date == today


def test_a_second_gi_with_regie_at_the_same_time_is_refused_in_dutch(case, regisseur):
    gi = Involvement(
        role=InvolvedRole.GI_YOUTH_PROTECTION,
        organisation="Jeugdbescherming west",
        from_date=D(2026, 2, 2),
        holds_regie=True,
    )
    services.add_involved_professional(case=case, involvement=gi, by=regisseur)
    with pytest.raises(ValidationError, match="In deze periode heeft al een GI de regie."):
        services.add_involved_professional(
            case=case,
            involvement=Involvement(
                role=InvolvedRole.GI_YOUTH_PROBATION,
                organisation="Jeugdreclassering west",
                from_date=D(2026, 3, 2),
                holds_regie=True,
            ),
            by=regisseur,
        )
    assert case.involved.count() == 1
