"""The family page's education and closing sections (issue 16): THUISZITTER_3M opens, moves and
clears from the pages alone; a case closes with its warme overdracht and stays readable; a
refusal is a 400 with the form as it was typed; every change is in the access log."""

from __future__ import annotations

import datetime as dt

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casusregie.models import AccessLogEntry, Case, CloseReason, EducationStatus, Role
from casusregie.services import add_months
from flags.models import Flag
from tests.conftest import verified_login
from tests.factories import (
    AnalysisFactory,
    CaseFactory,
    EducationPeriodFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def team():
    return LocalTeamFactory(municipalities=[MunicipalityFactory(region=RegionFactory())])


@pytest.fixture
def anna(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna de Vries")


@pytest.fixture
def case(team, anna):
    family = FamilyFactory(municipality=team.municipalities.get())
    case = CaseFactory(family=family, local_team=team, opened_on=today() - dt.timedelta(days=400))
    RegisseurPeriodFactory(case=case, worker=anna, from_date=case.opened_on)
    return case


@pytest.fixture
def noor(case):
    return YouthFactory(family=case.family, name="Noor de Jong", birth_date=dt.date(2012, 3, 1))


def page_url(case) -> str:
    return reverse("family-detail", args=[case.family.ref])


def period_post(youth, **values) -> dict:
    prefix = f"onderwijs-{youth.ref}"
    return {f"{prefix}-{name}": value for name, value in values.items()}


def open_thuiszitter(youth):
    return Flag.objects.filter(
        rule="THUISZITTER_3M", subject_id=youth.pk, resolved_on__isnull=True
    ).first()


def test_at_home_for_more_than_three_months_opens_the_flag_and_school_clears_it(
    client, anna, case, noor, django_capture_on_commit_callbacks
):
    verified_login(client, anna)
    home_since = today() - dt.timedelta(days=120)
    with django_capture_on_commit_callbacks(execute=True):  # the rulebook re-judges the case
        response = client.post(
            reverse("family-education-add", args=[case.family.ref, noor.ref]),
            period_post(
                noor,
                status=EducationStatus.ABSENT,
                from_date=home_since.isoformat(),
                school="Vmbo De Brug",
                school_brin="12ab",
                school_type="regular",
                attendance_officer="Fatima El Amrani",
                attendance_officer_phone="010-1234567",
            ),
        )
    assert response.status_code == 302
    flag = open_thuiszitter(noor)
    assert flag is not None
    assert (flag.severity, flag.since) == ("violation", add_months(home_since, 3))

    page = client.get(page_url(case)).content.decode()
    assert "Ingeschreven, thuis" in page and "BRIN 12AB" in page and "Fatima El Amrani" in page
    assert "Thuiszitter langer dan drie maanden" in page

    # A correction of the start date moves the flag's since.
    period = noor.education.get()
    later = today() - dt.timedelta(days=100)
    prefix = f"periode-{period.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("family-education-correct", args=[case.family.ref, period.pk]),
            {
                f"{prefix}-status": EducationStatus.ABSENT,
                f"{prefix}-from_date": later.isoformat(),
                f"{prefix}-school": "Vmbo De Brug",
            },
        )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.since == add_months(later, 3)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("family-education-add", args=[case.family.ref, noor.ref]),
            period_post(noor, status=EducationStatus.ATTENDING, from_date=today().isoformat()),
        )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.resolved_on, flag.resolution) == (today(), "condition_cleared")
    entries = AccessLogEntry.objects.filter(object_type="education_period", action="change")
    assert entries.count() == 3


def test_removing_the_school_period_reopens_the_flag(
    client, anna, case, noor, django_capture_on_commit_callbacks
):
    EducationPeriodFactory(youth=noor, status="absent", from_date=today() - dt.timedelta(days=200))
    school = EducationPeriodFactory(
        youth=noor, status="attending", from_date=today() - dt.timedelta(days=10)
    )
    verified_login(client, anna)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("family-education-remove", args=[case.family.ref, school.pk])
        )
    assert response.status_code == 302
    assert open_thuiszitter(noor).since == add_months(today() - dt.timedelta(days=200), 3)


def test_a_wrong_brin_is_a_400_with_the_message_next_to_the_field_and_nothing_lost(
    client, anna, case, noor
):
    verified_login(client, anna)
    response = client.post(
        reverse("family-education-add", args=[case.family.ref, noor.ref]),
        period_post(
            noor,
            status=EducationStatus.ABSENT,
            from_date="2026-09-01",
            school="Het Lyceum aan de Maas",
            school_brin="A1B2",
            attendance_officer_email="geen-e-mail",
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Een BRIN-code heeft 4 tekens" in page
    assert "Voer een geldig e-mailadres in." in page
    assert 'value="Het Lyceum aan de Maas"' in page and 'value="A1B2"' in page
    assert not noor.education.exists()


def test_a_second_period_from_the_same_day_is_refused_on_the_page(client, anna, case, noor):
    EducationPeriodFactory(youth=noor, from_date=dt.date(2024, 9, 1))
    verified_login(client, anna)
    response = client.post(
        reverse("family-education-add", args=[case.family.ref, noor.ref]),
        period_post(noor, status=EducationStatus.ABSENT, from_date="2024-09-01"),
    )
    assert response.status_code == 400
    assert "al een periode vanaf die datum" in response.content.decode()


def test_bad_input_is_a_400_not_a_500(client, anna, case, noor):
    verified_login(client, anna)
    url = reverse("family-education-add", args=[case.family.ref, noor.ref])
    for values in [{}, period_post(noor, status="weg", from_date="31-31-2026")]:
        assert client.post(url, values).status_code == 400
    close = reverse("family-case-close", args=[case.family.ref])
    assert client.post(close, {"afsluiten-closed_on": "gisteren"}).status_code == 400


def test_a_worker_of_another_team_gets_a_404(client, case, noor):
    period = EducationPeriodFactory(youth=noor)
    outsider = WorkerFactory(roles=[Role.REGISSEUR, Role.TEAM_LEAD])
    verified_login(client, outsider)
    ref = case.family.ref
    for url in [
        reverse("family-education-add", args=[ref, noor.ref]),
        reverse("family-education-correct", args=[ref, period.pk]),
        reverse("family-education-remove", args=[ref, period.pk]),
        reverse("family-case-close", args=[ref]),
        reverse("family-case-reopen", args=[ref]),
    ]:
        assert client.post(url, {}).status_code == 404, url


def test_a_period_of_another_family_is_not_found(client, anna, case):
    other = EducationPeriodFactory(youth=YouthFactory(family=FamilyFactory()))
    verified_login(client, anna)
    url = reverse("family-education-remove", args=[case.family.ref, other.pk])
    assert client.post(url).status_code == 404


def close_post(**values) -> dict:
    return {f"afsluiten-{name}": value for name, value in values.items()}


def test_closing_resolves_the_flags_and_shows_the_case_read_only(
    client, anna, case, noor, django_capture_on_commit_callbacks
):
    AnalysisFactory(case=case)
    EducationPeriodFactory(youth=noor, status="absent", from_date=today() - dt.timedelta(days=200))
    verified_login(client, anna)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("family-education-add", args=[case.family.ref, noor.ref]),
            period_post(noor, status="not_enrolled", from_date=today().isoformat()),
        )
    assert Flag.objects.filter(case=case, resolved_on__isnull=True).exists()
    page = client.get(page_url(case)).content.decode()
    assert "Casus afsluiten (warme overdracht)" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("family-case-close", args=[case.family.ref]),
            close_post(
                reason=CloseReason.GOALS_REACHED,
                handed_over_to="Buurthuis De Esch, jongerenwerker Sem",
                closed_on=today().isoformat(),
            ),
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.closed_on, case.close_reason, case.closed_by) == (
        today(),
        CloseReason.GOALS_REACHED,
        anna,
    )
    flags = Flag.objects.filter(case=case)
    assert flags.exists()
    assert {(f.resolved_on, f.resolution) for f in flags} == {(today(), "case_closed")}
    assert AccessLogEntry.objects.filter(
        object_type="case", object_ref=case.ref, action="change"
    ).exists()

    page = client.get(page_url(case)).content.decode()
    assert "Casus gesloten" in page and "Buurthuis De Esch, jongerenwerker Sem" in page
    assert "Doelen bereikt: afgeschaald naar de basis" in page
    assert "Versie 1" in page  # the analysis stays readable
    for editing in [
        "Analyse bewerken",
        "Plan opstellen",
        "Regie overdragen",
        "Periode vastleggen",
        "Corrigeren",
        "Casus afsluiten (warme overdracht)",
    ]:
        assert editing not in page, editing
    assert "Nieuwe casus openen" in page


def test_a_closing_refused_keeps_what_was_typed(client, anna, case):
    verified_login(client, anna)
    response = client.post(
        reverse("family-case-close", args=[case.family.ref]),
        close_post(
            reason=CloseReason.OTHER,
            handed_over_to="Huisarts Van Leeuwen",
            closed_on=(today() + dt.timedelta(days=3)).isoformat(),
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "De sluitdatum ligt niet in de toekomst." in page
    assert "Licht de reden" in page
    assert 'value="Huisarts Van Leeuwen"' in page
    case.refresh_from_db()
    assert case.is_open


def test_only_the_regisseur_or_the_team_lead_sees_and_uses_the_closing_form(client, case, team):
    colleague = WorkerFactory(local_team=team, roles=[Role.REGISSEUR])
    verified_login(client, colleague)
    assert "Casus afsluiten" not in client.get(page_url(case)).content.decode()
    response = client.post(
        reverse("family-case-close", args=[case.family.ref]),
        close_post(reason="moved", handed_over_to="Gemeente Delft", closed_on=today()),
    )
    assert response.status_code == 403
    lead = WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])
    verified_login(client, lead)
    assert "Casus afsluiten" in client.get(page_url(case)).content.decode()
    response = client.post(
        reverse("family-case-close", args=[case.family.ref]),
        close_post(reason="moved", handed_over_to="Gemeente Delft", closed_on=today()),
    )
    assert response.status_code == 302


def test_reopening_on_the_page_is_recorded_as_repeat_care(client, anna, case):
    Case.objects.filter(pk=case.pk).update(
        closed_on=today() - dt.timedelta(days=30),
        close_reason=CloseReason.FAMILY_STOPS,
        handed_over_to="Wijkcentrum",
    )
    verified_login(client, anna)
    response = client.post(reverse("family-case-reopen", args=[case.family.ref]), follow=True)
    assert response.status_code == 200
    assert "herhaalde zorg" in response.content.decode()
    new = Case.objects.get(family=case.family, closed_on__isnull=True)
    assert new.is_repeat_care and new.opened_on == today()
    assert client.post(reverse("family-case-reopen", args=[case.family.ref])).status_code == 400


def test_the_education_section_costs_no_query_per_youth_or_period(client, anna, case, noor):
    with pghistory.context(user=anna.pk):  # a history with an author, as in real use
        EducationPeriodFactory(youth=noor)
    verified_login(client, anna)
    url = page_url(case)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(3):
        youth = YouthFactory(family=case.family)
        for year in range(3):
            EducationPeriodFactory(youth=youth, from_date=dt.date(2018 + year, 9, n + 1))
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), "\n".join(q["sql"][:200] for q in large.captured_queries)
