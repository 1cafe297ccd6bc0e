"""1 Gezin: registering a family whose youth or carer is already known in the region shows
who to ask (never the other family's data), and registering anyway needs a logged reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from casusregie import services
from casusregie.access_log import PURPOSE_REGISTRATION
from casusregie.models import (
    AccessLogEntry,
    Family,
    RegisseurPeriod,
    RegistrationDespiteMatch,
    Role,
)
from tests.conftest import verified_login
from tests.factories import (
    CarerFactory,
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    RegionFactory,
    WorkerFactory,
    YouthFactory,
    synthetic_bsn,
)

pytestmark = pytest.mark.django_db
BIRTH = dt.date(2012, 4, 1)


@pytest.fixture
def region():
    return RegionFactory()


@pytest.fixture
def team(region):
    return LocalTeamFactory(
        name="Wijkteam Noord", municipalities=[MunicipalityFactory(region=region)]
    )


@pytest.fixture
def other_team(region):
    return LocalTeamFactory(
        name="Wijkteam Zuid", municipalities=[MunicipalityFactory(region=region)]
    )


@pytest.fixture
def anna(team):
    return WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna")


def known_family(team, *, regisseur_name="Karin Vos", youth_name="Noor de Jong", bsn=""):
    family = FamilyFactory(municipality=team.municipalities.get())
    youth = YouthFactory(family=family, name=youth_name, birth_date=BIRTH)
    if bsn:
        youth.bsn = bsn
        youth.save()
    CarerFactory(family=family, name="Marieke de Jong", birth_date=dt.date(1985, 2, 3))
    case = CaseFactory(family=family, local_team=team, opened_on=dt.date(2026, 1, 5))
    worker = WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name=regisseur_name)
    RegisseurPeriod.objects.create(case=case, worker=worker, from_date=dt.date(2026, 1, 5))
    return family


def form(team, *, name="Noor de Jong", birth="2012-04-01", bsn="", despite=""):
    return {
        "municipality": team.municipalities.get().pk,
        "despite_known": despite,
        "jeugdige-TOTAL_FORMS": "1",
        "jeugdige-INITIAL_FORMS": "0",
        "jeugdige-0-name": name,
        "jeugdige-0-birth_date": birth,
        "jeugdige-0-bsn": bsn,
        "opvoeder-TOTAL_FORMS": "0",
        "opvoeder-INITIAL_FORMS": "0",
    }


def test_a_youth_known_by_bsn_in_another_team_shows_only_whom_to_ask(
    client, anna, team, other_team
):
    bsn = synthetic_bsn(501)
    elsewhere = known_family(other_team, bsn=bsn, youth_name="Anders Genoemd")
    verified_login(client, anna)
    response = client.post(reverse("family-register"), form(team, name="Noor Jansen", bsn=bsn))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Al bekend: regisseur Karin Vos van Wijkteam Zuid." in page
    assert "Vraag deze regisseur om een overdracht." in page
    # nothing of the family outside Anna's scope: no ref, no names, no BSN
    assert elsewhere.ref not in page and "Anders Genoemd" not in page and "Marieke" not in page
    assert page.count(bsn) == 1  # only in the field Anna typed it into
    assert 'value="Noor Jansen"' in page  # what was typed stays
    assert Family.objects.count() == 1


def test_a_youth_known_by_name_and_birth_date_in_my_scope_can_be_joined(client, anna, team):
    mine = known_family(team)
    verified_login(client, anna)
    response = client.post(reverse("family-register"), form(team, name="noor de jong"))
    page = response.content.decode()
    assert response.status_code == 400
    assert reverse("family-detail", args=[mine.ref]) in page
    assert "Aansluiten: naar het bestaande gezin" in page
    entry = AccessLogEntry.objects.get(purpose=PURPOSE_REGISTRATION)
    assert entry.family_ref == mine.ref and entry.actor_kind == "worker"
    assert Family.objects.count() == 1


def test_a_carer_known_by_bsn_counts_too(anna, team):
    family = known_family(team)
    carer = family.carers.get()
    carer.bsn = synthetic_bsn(502)
    carer.save()
    with pytest.raises(services.AlreadyKnown) as known:
        services.register_family(
            by=anna,
            municipality=team.municipalities.get(),
            carers=[services.Person("Iemand Anders", None, synthetic_bsn(502))],
            youths=[services.Person("Sem", dt.date(2015, 1, 1))],
        )
    assert [k.ref for k in known.value.families] == [family.ref]


def test_registering_anyway_records_the_reason_per_family_matched(client, anna, team):
    mine = known_family(team)
    verified_login(client, anna)
    response = client.post(
        reverse("family-register"),
        form(team, despite="Andere Noor: een tweeling in een ander gezin, andere ouders."),
    )
    assert response.status_code == 302
    new = Family.objects.exclude(pk=mine.pk).get()
    record = RegistrationDespiteMatch.objects.get()
    assert (record.family, record.matched, record.worker) == (new, mine, anna)
    assert record.reason.startswith("Andere Noor")


@pytest.mark.parametrize(
    ("birth", "known"),
    [("2012-03-31", False), ("2012-04-01", True), ("2012-04-02", False)],
)
def test_name_and_birth_date_must_both_match(anna, team, birth, known):
    known_family(team)
    call = lambda: services.register_family(  # noqa: E731
        by=anna,
        municipality=team.municipalities.get(),
        carers=[],
        youths=[services.Person("Noor de Jong", dt.date.fromisoformat(birth))],
    )
    if known:
        with pytest.raises(services.AlreadyKnown):
            call()
    else:
        assert call().youths.get().birth_date == dt.date.fromisoformat(birth)


def test_a_family_of_another_region_is_not_matched(anna, team):
    far = LocalTeamFactory(municipalities=[MunicipalityFactory(region=RegionFactory())])
    known_family(far)
    family = services.register_family(
        by=anna,
        municipality=team.municipalities.get(),
        carers=[],
        youths=[services.Person("Noor de Jong", BIRTH)],
    )
    assert not RegistrationDespiteMatch.objects.filter(family=family).exists()


@pytest.mark.parametrize("extra", [0, 5])
def test_the_look_up_takes_the_same_queries_for_any_number_of_people(
    anna, team, django_assert_num_queries, extra
):
    from casusregie.selectors import KnownPerson, known_families

    known_family(team)
    municipality = team.municipalities.get()
    people = [KnownPerson("Noor de Jong", BIRTH, synthetic_bsn(503))]
    people += [KnownPerson(f"Kind {i}", BIRTH, synthetic_bsn(600 + i)) for i in range(extra)]
    people += [KnownPerson(f"Ouder {i}", None, is_youth=False) for i in range(extra)]
    # the families with who to ask, the worker's roles, the worker's scope among them
    with django_assert_num_queries(3):
        assert len(known_families(anna, municipality, people)) == 1


# -- the registration form: contact details, relations and gezag, rows added and removed -------
def test_carers_come_with_contact_details_relation_and_gezag(client, anna, team):
    from casusregie.models import CarerRelation

    verified_login(client, anna)
    data = form(team, name="Noor de Jong")
    data |= {
        "jeugdige-TOTAL_FORMS": "2",
        "jeugdige-1-name": "Sem de Jong",
        "jeugdige-1-birth_date": "2015-06-01",
        "opvoeder-TOTAL_FORMS": "1",
        "opvoeder-0-name": "Marieke de Jong",
        "opvoeder-0-address": "Kerkstraat 1",
        "opvoeder-0-postcode": "3011ab",
        "opvoeder-0-city": "Rotterdam",
        "opvoeder-0-phone": "06 12345678",
        "opvoeder-0-email": "marieke@example.org",
        "opvoeder-0-relation_0": "mother",
        "opvoeder-0-gezag_0": "on",
        "opvoeder-0-relation_1": "step_parent",
    }
    response = client.post(reverse("family-register"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    carer = Family.objects.get().carers.get()
    assert (carer.postcode, carer.phone, carer.email) == (
        "3011 AB",
        "06 12345678",
        "marieke@example.org",
    )
    relations = {
        (r.youth.name, r.relation, r.has_gezag)
        for r in CarerRelation.objects.select_related("youth")
    }
    assert relations == {("Noor de Jong", "mother", True), ("Sem de Jong", "step_parent", False)}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "30111", "Een postcode is als 1234 AB."),
        ("phone", "bel me", "Een telefoonnummer is als 06 12345678."),
        ("email", "geen-adres", "e-mailadres"),
        ("gezag_0", "on", "Kies de relatie van wie gezag heeft"),
    ],
)
def test_bad_carer_details_are_refused_next_to_the_field_and_nothing_is_lost(
    client, anna, team, field, value, message
):
    verified_login(client, anna)
    data = form(team) | {
        "opvoeder-TOTAL_FORMS": "1",
        "opvoeder-0-name": "Marieke de Jong",
        f"opvoeder-0-{field}": value,
    }
    response = client.post(reverse("family-register"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'value="Marieke de Jong"' in page and 'value="Noor de Jong"' in page
    assert not Family.objects.exists()


def test_a_row_is_added_keeping_what_was_typed_and_a_row_removed(client, anna, team):
    verified_login(client, anna)
    data = form(team, name="Noor de Jong") | {"add": "jeugdige"}
    response = client.post(reverse("family-register"), data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="jeugdige-1-name"' in page and 'value="Noor de Jong"' in page
    assert 'name="jeugdige-TOTAL_FORMS" value="2"' in page
    assert not Family.objects.exists()
    # the second row filled in and then removed: only Noor is registered
    data = form(team, name="Noor de Jong") | {
        "jeugdige-TOTAL_FORMS": "2",
        "jeugdige-1-name": "Weg",
        "jeugdige-1-birth_date": "2014-01-01",
        "jeugdige-1-DELETE": "on",
    }
    assert client.post(reverse("family-register"), data).status_code == 302
    assert list(Family.objects.get().youths.values_list("name", flat=True)) == ["Noor de Jong"]
