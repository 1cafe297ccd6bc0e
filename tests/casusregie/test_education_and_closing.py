"""The core's services for a youth's education and for closing and reopening a case (issue 16):
their rules, the database constraints behind them, and the 12-month boundary of herhaalde zorg."""

from __future__ import annotations

import datetime as dt

import pghistory.models
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casusregie import services
from casusregie.models import (
    Case,
    CloseReason,
    EducationPeriod,
    EducationStatus,
    RegieTransfer,
    RegisseurPeriod,
    Role,
    SchoolType,
    SweepRequest,
)
from tests.factories import (
    CaseFactory,
    EducationPeriodFactory,
    FamilyFactory,
    LocalTeamFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def team():
    return LocalTeamFactory()


@pytest.fixture
def regisseur(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR])


@pytest.fixture
def case(team, regisseur):
    family = FamilyFactory(municipality=team.municipalities.get())
    case = CaseFactory(family=family, local_team=team, opened_on=D(2024, 1, 8))
    RegisseurPeriodFactory(case=case, worker=regisseur, from_date=D(2024, 1, 8))
    return case


@pytest.fixture
def youth(case):
    return YouthFactory(family=case.family, birth_date=D(2012, 3, 1))


def close(case, by, **kwargs):
    values = {
        "reason": CloseReason.GOALS_REACHED,
        "closed_on": today(),
        "handed_over_to": "Buurtcentrum De Esch, jongerenwerk",
    }
    return services.close_case(case=case, by=by, **{**values, **kwargs})


# --- education ----------------------------------------------------------------------------------


def test_a_period_is_recorded_with_school_and_leerplicht_and_re_judges_the_case(
    youth, case, regisseur
):
    period = services.record_education_period(
        youth=youth,
        by=regisseur,
        status=EducationStatus.ATTENDING,
        from_date=D(2024, 9, 1),
        school="Vmbo De Brug",
        school_brin="12ab",
        school_type=SchoolType.REGULAR,
        attendance_officer="Fatima El Amrani",
        attendance_officer_phone="010-1234567",
        attendance_officer_email="leerplicht@example.org",
    )
    assert period.school_brin == "12AB"  # stored as BRIN writes it
    assert SweepRequest.objects.filter(case_id=case.pk).exists()


@pytest.mark.parametrize("brin", ["1AB", "12ABC", "AB12", "12-B"])
def test_a_brin_code_has_two_digits_and_two_letters_or_digits(youth, regisseur, brin):
    with pytest.raises(ValidationError) as refused:
        services.record_education_period(
            youth=youth,
            by=regisseur,
            status=EducationStatus.ATTENDING,
            from_date=D(2024, 9, 1),
            school_brin=brin,
        )
    assert "school_brin" in refused.value.error_dict


def test_the_database_refuses_a_brin_of_another_shape(youth):
    with pytest.raises(IntegrityError), transaction.atomic():
        EducationPeriodFactory(youth=youth, school_brin="AB12")


def test_two_periods_of_a_youth_do_not_start_on_the_same_day(youth, regisseur):
    services.record_education_period(
        youth=youth, by=regisseur, status=EducationStatus.ATTENDING, from_date=D(2024, 9, 1)
    )
    with pytest.raises(ValidationError, match="al een periode vanaf die datum"):
        services.record_education_period(
            youth=youth, by=regisseur, status=EducationStatus.ABSENT, from_date=D(2024, 9, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        EducationPeriodFactory(youth=youth, from_date=D(2024, 9, 1))


def test_a_period_starts_neither_in_the_future_nor_before_birth(youth, regisseur):
    for from_date, message in [
        (today() + dt.timedelta(days=1), "toekomst"),
        (D(2012, 2, 28), "geboortedatum"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.record_education_period(
                youth=youth, by=regisseur, status=EducationStatus.ABSENT, from_date=from_date
            )


def test_a_correction_keeps_the_history_and_a_removal_too(youth, regisseur):
    period = services.record_education_period(
        youth=youth, by=regisseur, status=EducationStatus.ABSENT, from_date=D(2024, 9, 1)
    )
    services.correct_education_period(
        period=period, by=regisseur, status=EducationStatus.NOT_ENROLLED, school="Geen"
    )
    period.refresh_from_db()
    assert (period.status, period.school) == (EducationStatus.NOT_ENROLLED, "Geen")
    services.remove_education_period(period=period, by=regisseur)
    assert not EducationPeriod.objects.filter(pk=period.pk).exists()
    events = pghistory.models.Events.objects.references(youth).filter(
        pgh_model="casusregie.EducationPeriodEvent"
    )
    assert sorted(e.pgh_label for e in events) == ["delete", "insert", "update"]
    statuses = {e.pgh_data["status"] for e in events}
    assert statuses == {EducationStatus.ABSENT, EducationStatus.NOT_ENROLLED}


def test_the_education_of_a_closed_case_is_not_changed(case, youth, regisseur):
    close(case, regisseur)
    with pytest.raises(ValidationError, match="geen open casus"):
        services.record_education_period(
            youth=youth, by=regisseur, status=EducationStatus.ABSENT, from_date=D(2024, 9, 1)
        )


# --- closing ------------------------------------------------------------------------------------


def test_closing_records_why_when_and_to_whom_and_ends_the_regie(case, regisseur, team):
    RegieTransfer.objects.create(
        case=case,
        from_worker=regisseur,
        to_worker=WorkerFactory(local_team=team),
        proposed_by=regisseur,
        proposed_on=today(),
    )
    closed = close(case, regisseur, closed_on=today() - dt.timedelta(days=2))
    assert (closed.closed_on, closed.close_reason, closed.closed_by) == (
        today() - dt.timedelta(days=2),
        CloseReason.GOALS_REACHED,
        regisseur,
    )
    assert closed.handed_over_to == "Buurtcentrum De Esch, jongerenwerk"
    assert RegisseurPeriod.objects.get(case=case).until == today() - dt.timedelta(days=2)
    assert not RegieTransfer.objects.filter(case=case, cancelled_on__isnull=True).exists()
    assert SweepRequest.objects.filter(case_id=case.pk).exists()


def test_the_team_lead_of_the_case_s_team_closes_it_a_colleague_does_not(case, team):
    colleague = WorkerFactory(local_team=team, roles=[Role.REGISSEUR])
    with pytest.raises(PermissionDenied):
        close(case, colleague)
    other_lead = WorkerFactory(roles=[Role.TEAM_LEAD])
    with pytest.raises(PermissionDenied):
        close(case, other_lead)
    lead = WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])
    assert close(case, lead).closed_by == lead


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"reason": ""}, "reason"),
        ({"reason": "onbekend"}, "reason"),
        ({"handed_over_to": "  "}, "handed_over_to"),
        ({"reason": CloseReason.OTHER, "note": ""}, "note"),
        ({"closed_on": D(2024, 1, 7)}, "closed_on"),
        ({"closed_on": dt.date.max}, "closed_on"),
    ],
)
def test_closing_refuses_what_is_missing_or_impossible(case, regisseur, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        close(case, regisseur, **kwargs)
    assert field in refused.value.error_dict
    case.refresh_from_db()
    assert case.is_open


def test_a_death_needs_no_warme_overdracht(case, regisseur):
    closed = close(case, regisseur, reason=CloseReason.DECEASED, handed_over_to="")
    assert closed.handed_over_to == ""


def test_closing_on_the_day_it_opened_is_allowed(case, regisseur):
    assert close(case, regisseur, closed_on=case.opened_on).closed_on == case.opened_on


def test_a_closed_case_is_not_closed_again(case, regisseur):
    close(case, regisseur)
    with pytest.raises(ValidationError, match="al gesloten"):
        close(case, regisseur)


@pytest.mark.parametrize(
    "values",
    [
        {"closed_on": None, "close_reason": CloseReason.MOVED, "handed_over_to": "x"},
        {"closed_on": D(2025, 1, 1), "close_reason": CloseReason.MOVED, "handed_over_to": ""},
        {"closed_on": D(2025, 1, 1), "close_reason": CloseReason.OTHER, "handed_over_to": "x"},
        {"closed_on": D(2025, 1, 1), "close_reason": "weg", "handed_over_to": "x"},
        {"closed_on": D(2023, 12, 31), "close_reason": ""},
    ],
)
def test_the_database_holds_the_closing_rules(case, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(**values)


def test_an_imported_closed_case_may_lack_a_reason(case):
    Case.objects.filter(pk=case.pk).update(closed_on=D(2025, 1, 1))  # the dossier: closed_on only


# --- reopening: herhaalde zorg ------------------------------------------------------------------


@pytest.mark.parametrize(
    "closed_on, opened_on, repeat",
    [
        (D(2025, 3, 31), D(2026, 3, 30), True),  # the day before the 12 months
        (D(2025, 3, 31), D(2026, 3, 31), True),  # on it: still within 12 months
        (D(2025, 3, 31), D(2026, 4, 1), False),  # the day after
        (D(2024, 2, 29), D(2025, 2, 28), True),  # clamped to the month's last day
        (D(2024, 2, 29), D(2025, 3, 1), False),
    ],
)
def test_a_case_reopened_within_12_months_of_the_closing_is_repeat_care(
    case, regisseur, closed_on, opened_on, repeat
):
    close(case, regisseur, closed_on=closed_on)
    new = services.reopen_case(family=case.family, by=regisseur, opened_on=opened_on)
    assert new.is_repeat_care is repeat
    assert new.opened_on == opened_on
    assert RegisseurPeriod.objects.get(case=new).worker == regisseur


def test_a_first_case_is_no_repeat_care_and_a_family_has_one_open_case(case, regisseur):
    with pytest.raises(ValidationError, match="al een open casus"):
        services.reopen_case(family=case.family, by=regisseur)
    assert case.is_repeat_care is False
    close(case, regisseur)
    services.reopen_case(family=case.family, by=regisseur)
    with pytest.raises(ValidationError, match="al een open casus"):
        services.reopen_case(family=case.family, by=regisseur)


def test_a_reopening_does_not_open_before_the_closing_nor_for_another_team_s_municipality(
    case, regisseur
):
    close(case, regisseur, closed_on=D(2025, 6, 1))
    with pytest.raises(ValidationError, match="vóór het sluiten"):
        services.reopen_case(family=case.family, by=regisseur, opened_on=D(2025, 5, 31))
    with pytest.raises(ValidationError, match="gemeente"):
        services.reopen_case(family=case.family, by=WorkerFactory())


def test_a_team_lead_reopens_without_becoming_regisseur(case, regisseur, team):
    close(case, regisseur)
    lead = WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])
    new = services.reopen_case(family=case.family, by=lead)
    assert not RegisseurPeriod.objects.filter(case=new).exists()


def test_add_months_clamps_like_the_rulebook():
    assert services.add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert services.add_months(D(2027, 11, 30), 3) == D(2028, 2, 29)
    assert services.add_months(D(2026, 1, 31), 12) == D(2027, 1, 31)
