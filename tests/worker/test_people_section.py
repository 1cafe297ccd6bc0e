"""The family page's section "Betrokkenen": add and end involved professionals, regie bij de
GI, the referrers; Dutch messages at the field, nothing typed lost, every change logged."""

from __future__ import annotations

import datetime as dt

import pghistory
import pghistory.models
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casusregie.models import AccessLogEntry, InvolvedProfessional, Role
from referrals.models import Referrer
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    GiRegieFactory,
    InvolvedProfessionalFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    ReferralFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date
PINNED_CORRECTION_QUERIES = 47


@pytest.fixture
def team():
    return LocalTeamFactory(municipalities=[MunicipalityFactory(region=RegionFactory())])


@pytest.fixture
def case(team):
    family = FamilyFactory(municipality=team.municipalities.get())
    YouthFactory(family=family, name="Noor de Jong")
    return CaseFactory(family=family, local_team=team, opened_on=D(2026, 1, 5))


@pytest.fixture
def regisseur(team, case):
    worker = WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna de Vries")
    RegisseurPeriodFactory(case=case, worker=worker, from_date=case.opened_on)
    return worker


def page_url(case) -> str:
    return reverse("family-detail", args=[case.family.ref])


def add_url(case) -> str:
    return reverse("family-involved-add", args=[case.family.ref])


def posted(**changes) -> dict:
    return {
        "role": "huisarts",
        "organisation": "Huisartsenpraktijk De Linde",
        "contact_name": "dr. M. Yilmaz",
        "phone": "071 512 34 56",
        "email": "praktijk@delinde.example",
        "from_date": "2026-02-02",
        **changes,
    }


def test_the_regisseur_adds_a_huisarts_and_the_change_is_logged(client, case, regisseur):
    verified_login(client, regisseur)
    response = client.post(add_url(case), posted())
    assert response.status_code == 302
    professional = InvolvedProfessional.objects.get()
    assert (professional.case, professional.role) == (case, "huisarts")
    entry = AccessLogEntry.objects.filter(action="change").get()
    assert (entry.family_ref, entry.object_type, entry.object_ref, entry.purpose) == (
        case.family.ref,
        "involved_professional",
        str(professional.pk),
        "regie en hulpverlening",
    )
    page = client.get(page_url(case)).content.decode()
    assert "Huisartsenpraktijk De Linde" in page
    assert "dr. M. Yilmaz" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "bel maar"}, "phone", "Vul een telefoonnummer in"),
        ({"email": "geen-adres"}, "email", "Voer een geldig e-mailadres in."),
        ({"organisation": ""}, "organisation", "Dit veld is vereist."),
        ({"role": ""}, "role", "Dit veld is vereist."),
        ({"role": "tandarts"}, "role", "Selecteer een geldige keuze."),
        ({"from_date": "32-13-2026"}, "from_date", "Voer een geldige datum in."),
        ({"from_date": "2099-01-01"}, "from_date", "De begindatum ligt niet in de toekomst."),
        ({"holds_regie": "on"}, "holds_regie", "Alleen een GI"),
    ],
)
def test_bad_input_is_a_400_with_a_dutch_message_at_the_field_and_nothing_lost(
    client, case, regisseur, changes, field, message
):
    verified_login(client, regisseur)
    response = client.post(add_url(case), posted(**changes))
    assert response.status_code == 400
    form = response.context["involved_form"]
    assert any(message in e for e in form.errors[field]), form.errors
    page = response.content.decode()
    assert f'id="id_{field}"' in page
    assert "has-error" in page
    for key, value in posted(**changes).items():
        if key not in {field, "role"}:
            assert f'value="{value}"' in page, key  # what was typed is still there
    assert not InvolvedProfessional.objects.exists()
    assert not AccessLogEntry.objects.filter(action="change").exists()


def test_a_gi_with_regie_is_shown_as_regie_bij_de_gi(client, case, regisseur):
    verified_login(client, regisseur)
    response = client.post(
        add_url(case),
        posted(role="gi_jeugdbescherming", organisation="Jeugdbescherming west", holds_regie="on"),
    )
    assert response.status_code == 302
    page = client.get(page_url(case)).content.decode()
    assert "Regie bij de GI" in page
    assert "Jeugdbescherming west" in page
    assert "Anna de Vries" in page  # the local regisseur stays


def test_ending_an_involvement(client, case, regisseur):
    professional = InvolvedProfessionalFactory(case=case, from_date=D(2026, 2, 2))
    verified_login(client, regisseur)
    url = reverse("family-involved-end", args=[case.family.ref, professional.pk])
    prefix = f"einde-{professional.pk}"
    bad = client.post(url, {f"{prefix}-until": "2026-01-01"})
    assert bad.status_code == 400
    assert "De einddatum ligt niet vóór de begindatum." in bad.content.decode()
    assert 'value="2026-01-01"' in bad.content.decode()
    empty = client.post(url, {f"{prefix}-until": ""})
    assert empty.status_code == 400
    assert "Dit veld is vereist." in empty.content.decode()
    today = timezone.localdate()
    good = client.post(url, {f"{prefix}-until": today.isoformat()})
    assert good.status_code == 302
    professional.refresh_from_db()
    assert professional.until == today
    assert AccessLogEntry.objects.filter(
        action="change", object_type="involved_professional", object_ref=str(professional.pk)
    ).exists()
    page = client.get(page_url(case)).content.decode()
    assert "Eerder betrokken" in page


def test_a_colleague_of_the_team_is_refused_with_a_message(client, team, case, regisseur):
    colleague = WorkerFactory(local_team=team, roles=[Role.REGISSEUR])
    verified_login(client, colleague)
    page = client.get(page_url(case)).content.decode()
    assert "Betrokkene toevoegen" not in page
    response = client.post(add_url(case), posted())
    assert response.status_code == 400
    assert "Alleen de regisseur of de teamleider" in response.content.decode()
    assert not InvolvedProfessional.objects.exists()


def test_the_team_lead_adds_too(client, team, case, regisseur):
    lead = WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])
    verified_login(client, lead)
    assert client.post(add_url(case), posted()).status_code == 302


def test_outside_the_scope_it_is_a_404(client, case, regisseur):
    stranger = WorkerFactory(local_team=LocalTeamFactory(), roles=[Role.REGISSEUR])
    professional = InvolvedProfessionalFactory(case=case)
    verified_login(client, stranger)
    assert client.post(add_url(case), posted()).status_code == 404
    url = reverse("family-involved-end", args=[case.family.ref, professional.pk])
    assert client.post(url, {}).status_code == 404


def test_ending_someone_of_another_family_is_a_404(client, case, regisseur):
    other = InvolvedProfessionalFactory()
    verified_login(client, regisseur)
    url = reverse("family-involved-end", args=[case.family.ref, other.pk])
    assert client.post(url, {}).status_code == 404


def test_the_page_shows_who_referred(client, case, regisseur):
    youth = case.family.youths.get()
    ReferralFactory(case=case, youth=youth, referrer=Referrer.GP, product__name="Jeugd-ggz")
    verified_login(client, regisseur)
    page = client.get(page_url(case)).content.decode()
    assert "Jeugd-ggz voor Noor de Jong: verwezen door Huisarts" in page


def test_a_gi_regie_that_has_ended_is_history(client, case, regisseur):
    GiRegieFactory(case=case, from_date=D(2026, 1, 5), until=D(2026, 3, 1))
    verified_login(client, regisseur)
    page = client.get(page_url(case)).content.decode()
    assert "Regie bij de GI:" not in page
    assert "had de regie" in page


def correct_url(case, professional) -> str:
    return reverse("family-involved-correct", args=[case.family.ref, professional.pk])


def corrected(professional, **changes) -> dict:
    prefix = f"correctie-{professional.pk}"
    return {f"{prefix}-{key}": value for key, value in posted(**changes).items()}


def test_the_regisseur_corrects_a_typo_and_the_old_value_stays_in_the_history(
    client, case, regisseur
):
    with pghistory.context(user=regisseur.pk):
        professional = InvolvedProfessionalFactory(
            case=case, organisation="Huisartsenpraktijk De Lidne", from_date=D(2026, 2, 2)
        )
    verified_login(client, regisseur)
    page = client.get(page_url(case)).content.decode()
    # the correction form shows what is recorded now
    assert f'name="correctie-{professional.pk}-organisation"' in page
    assert 'value="Huisartsenpraktijk De Lidne"' in page
    response = client.post(correct_url(case, professional), corrected(professional))
    assert response.status_code == 302
    professional.refresh_from_db()
    assert (professional.organisation, professional.contact_name, professional.until) == (
        "Huisartsenpraktijk De Linde",
        "dr. M. Yilmaz",
        None,
    )
    entry = AccessLogEntry.objects.filter(action="change").get()
    assert (entry.object_type, entry.object_ref) == ("involved_professional", str(professional.pk))
    events = pghistory.models.Events.objects.references(professional).order_by("pgh_id")
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[0].pgh_data["organisation"] == "Huisartsenpraktijk De Lidne"
    page = client.get(page_url(case)).content.decode()
    assert "De gegevens van Huisartsenpraktijk De Linde zijn gecorrigeerd." in page
    assert "Huisartsenpraktijk De Lidne" in page  # the change history shows the old value


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "bel maar"}, "phone", "Vul een telefoonnummer in"),
        ({"organisation": ""}, "organisation", "Dit veld is vereist."),
        ({"from_date": "2099-01-01"}, "from_date", "De begindatum ligt niet in de toekomst."),
        ({"until": "2026-02-01"}, "until", "De einddatum ligt niet vóór de begindatum."),
        ({"holds_regie": "on"}, "holds_regie", "Alleen een GI"),
    ],
)
def test_a_bad_correction_is_a_400_at_its_field_and_nothing_typed_is_lost(
    client, case, regisseur, changes, field, message
):
    professional = InvolvedProfessionalFactory(
        case=case, organisation="Huisarts Oud", contact_name="dr. A. Oud", from_date=D(2026, 2, 2)
    )
    verified_login(client, regisseur)
    data = corrected(professional, contact_name="dr. A. Nieuw", **changes)
    response = client.post(correct_url(case, professional), data)
    assert response.status_code == 400
    form = response.context["correct_form"]
    assert any(message in e for e in form.errors[field]), form.errors
    page = response.content.decode()
    assert f'id="id_correctie-{professional.pk}-{field}"' in page
    assert 'value="dr. A. Nieuw"' in page  # what was typed is still there
    professional.refresh_from_db()
    assert (professional.organisation, professional.contact_name) == ("Huisarts Oud", "dr. A. Oud")
    assert not AccessLogEntry.objects.filter(action="change").exists()


def test_the_end_date_is_corrected_on_its_boundaries(client, case, regisseur):
    professional = InvolvedProfessionalFactory(case=case, from_date=D(2026, 2, 2))
    verified_login(client, regisseur)
    url = correct_url(case, professional)
    assert client.post(url, corrected(professional, until="2026-02-01")).status_code == 400
    assert client.post(url, corrected(professional, until="2026-02-02")).status_code == 302
    professional.refresh_from_db()
    assert professional.until == D(2026, 2, 2)


def test_a_colleague_may_not_correct_and_a_stranger_gets_a_404(client, team, case, regisseur):
    professional = InvolvedProfessionalFactory(case=case, organisation="Huisarts Oud")
    colleague = WorkerFactory(local_team=team, roles=[Role.REGISSEUR])
    verified_login(client, colleague)
    assert "Corrigeren" not in client.get(page_url(case)).content.decode()
    response = client.post(correct_url(case, professional), corrected(professional))
    assert response.status_code == 400
    assert "Alleen de regisseur of de teamleider" in response.content.decode()
    stranger = WorkerFactory(local_team=LocalTeamFactory(), roles=[Role.REGISSEUR])
    verified_login(client, stranger)
    assert client.post(correct_url(case, professional), corrected(professional)).status_code == 404
    other = InvolvedProfessionalFactory()
    verified_login(client, regisseur)
    assert client.post(correct_url(case, other), corrected(other)).status_code == 404
    professional.refresh_from_db()
    assert professional.organisation == "Huisarts Oud"


def test_the_correction_forms_cost_no_query_per_professional(
    client, case, regisseur, django_assert_num_queries
):
    with pghistory.context(user=regisseur.pk):  # a history with an author, as in real use
        InvolvedProfessionalFactory(case=case, from_date=D(2026, 2, 2))
    verified_login(client, regisseur)
    url = page_url(case)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    with pghistory.context(user=regisseur.pk):
        for _ in range(4):
            InvolvedProfessionalFactory(case=case, from_date=D(2026, 2, 2))
    with django_assert_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert page.count("Correctie opslaan") == 5


def test_a_correction_costs_a_pinned_number_of_queries(
    client, case, regisseur, django_assert_num_queries
):
    professional = InvolvedProfessionalFactory(case=case, from_date=D(2026, 2, 2))
    verified_login(client, regisseur)
    client.get(page_url(case))
    # session, user, device, roles; the family (page scope); the professional; the lock, the
    # case and its regisseur for may_hand_over; the update and its pghistory trigger; savepoints;
    # the access log entry (with its chain's lock)
    with django_assert_num_queries(PINNED_CORRECTION_QUERIES):
        response = client.post(correct_url(case, professional), corrected(professional))
    assert response.status_code == 302
