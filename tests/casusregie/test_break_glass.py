"""Inzage buiten het team (break the glass): the request page, the grant, its log and melding,
and the team lead's review list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from casusregie.models import (
    AccessAction,
    AccessLogEntry,
    BreakGlassGrant,
    Notification,
    NotificationKind,
    Role,
)
from tests.conftest import verified_login
from tests.factories import (
    BreakGlassGrantFactory,
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    RegionFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db
URL = "/inzage-buiten-team/aanvragen/"
REVIEW = "/inzage-buiten-team/"
EXPLANATION = "Veilig Thuis belde over de jongste; de regisseur van Noord is ziek."


@pytest.fixture
def city():
    region = RegionFactory(code="rijnmond")
    rotterdam = MunicipalityFactory(code="GM0599", region=region)
    delfshaven = LocalTeamFactory(municipalities=[rotterdam], name="Wijkteam Delfshaven")
    noord = LocalTeamFactory(municipalities=[rotterdam], name="Wijkteam Noord")
    return rotterdam, delfshaven, noord


@pytest.fixture
def anna(city):
    return WorkerFactory(local_team=city[1], roles=[Role.REGISSEUR], name="Anna de Vries")


@pytest.fixture
def henk(city):
    """The team lead of Noord, whose family anna opens."""
    return WorkerFactory(local_team=city[2], roles=[Role.TEAM_LEAD], name="Henk Mulder")


@pytest.fixture
def noord_family(city):
    family = FamilyFactory(municipality=city[0], ref="f-noord-1")
    CaseFactory(family=family, local_team=city[2], ref="k-noord-1")
    return family


def ask(client, ref, reason="veilig_thuis", explanation=EXPLANATION):
    return client.post(URL, {"ref": ref, "reason": reason, "explanation": explanation})


def test_the_page_asks_for_the_ref_a_reason_and_an_explanation(client, anna):
    verified_login(client, anna)
    html = client.get(URL).content.decode()
    assert "Gezin buiten uw team openen" in html
    assert "24 uur" in html
    for label in ("Crisis of acute onveiligheid", "Vervanging of waarneming van een collega"):
        assert label in html


@pytest.mark.parametrize(
    "data, errors",
    [
        ({"ref": "f-noord-1"}, ["Kies een reden.", "Licht de reden toe."]),
        ({"ref": "f-noord-1", "reason": "crisis", "explanation": "   "}, ["Licht de reden toe."]),
        (
            {"ref": "f-noord-1", "reason": "zin", "explanation": "x"},
            ["Kies een reden uit de lijst."],
        ),
        ({"reason": "crisis", "explanation": "x"}, ["Vul de referentie van het gezin in."]),
    ],
)
def test_reason_and_explanation_are_required_in_dutch(
    client, anna, noord_family, henk, data, errors
):
    verified_login(client, anna)
    before = AccessLogEntry.objects.count()
    response = client.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    for error in errors:
        assert error in html
    assert not BreakGlassGrant.objects.exists()
    assert AccessLogEntry.objects.count() == before
    assert client.get(reverse("family-detail", args=[noord_family.ref])).status_code == 404


def _without_ref_and_token(html: str, ref: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return html.replace(ref, "REF")


def test_unknown_and_unreachable_refs_get_one_answer_and_leave_nothing(client, anna, city):
    other_region = MunicipalityFactory(code="GM0363", region=RegionFactory(code="amsterdam"))
    elsewhere = FamilyFactory(municipality=other_region, ref="f-amsterdam")
    CaseFactory(family=elsewhere, local_team=LocalTeamFactory(municipalities=[other_region]))
    no_case = FamilyFactory(municipality=city[0], ref="f-zonder-casus")
    verified_login(client, anna)
    before = AccessLogEntry.objects.count()
    answers = set()
    for ref in ("f-bestaat-niet", elsewhere.ref, no_case.ref):
        response = ask(client, ref)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Er is geen gezin met deze referentie dat u kunt openen." in html
        answers.add(_without_ref_and_token(html, ref))
    assert len(answers) == 1
    assert not BreakGlassGrant.objects.exists()
    assert AccessLogEntry.objects.count() == before
    assert not Notification.objects.exists()


def test_a_grant_opens_the_family_logs_the_reason_and_tells_its_team_lead(
    client, anna, henk, noord_family
):
    verified_login(client, anna)
    assert client.get(reverse("family-detail", args=[noord_family.ref])).status_code == 404
    before = timezone.now()
    response = ask(client, noord_family.ref)
    assert response.status_code == 302
    assert response["Location"] == reverse("family-detail", args=[noord_family.ref])
    grant = BreakGlassGrant.objects.get()
    assert (grant.worker, grant.family, grant.reason) == (anna, noord_family, "veilig_thuis")
    assert grant.explanation == EXPLANATION
    assert before <= grant.granted_at <= timezone.now()
    assert grant.expires_at - grant.granted_at == dt.timedelta(hours=24)
    entry = AccessLogEntry.objects.get(object_type="break_glass")
    assert entry.family_ref == noord_family.ref
    assert entry.actor.startswith(anna.ref)
    assert entry.purpose.startswith("inzage buiten het team: Melding of vraag van Veilig Thuis")
    assert EXPLANATION[:40] in entry.purpose
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.url_name) == (
        henk,
        NotificationKind.BREAK_GLASS,
        "break-glass-review",
    )
    assert "Anna de Vries (Wijkteam Delfshaven)" in note.text
    assert EXPLANATION not in note.text
    assert client.get(reverse("family-detail", args=[noord_family.ref])).status_code == 200


def test_the_grant_lasts_break_glass_hours(client, anna, noord_family, settings):
    settings.BREAK_GLASS_HOURS = 2
    verified_login(client, anna)
    ask(client, noord_family.ref)
    grant = BreakGlassGrant.objects.get()
    assert grant.expires_at - grant.granted_at == dt.timedelta(hours=2)


def test_a_family_one_already_sees_needs_no_grant(client, anna, city):
    own = FamilyFactory(municipality=city[0])
    CaseFactory(family=own, local_team=city[1])
    verified_login(client, anna)
    response = ask(client, own.ref)
    assert response["Location"] == reverse("family-detail", args=[own.ref])
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("role", [Role.POLICY, Role.EXPERT_TABLE, Role.ADMIN])
def test_only_case_work_may_break_the_glass(client, city, noord_family, role):
    worker = WorkerFactory(local_team=city[1], region=city[0].region, roles=[role])
    verified_login(client, worker)
    assert client.get(URL).status_code == 404
    assert ask(client, noord_family.ref).status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_the_database_refuses_a_grant_without_explanation_or_with_a_bad_expiry(anna, noord_family):
    now = timezone.now()
    for fields in ({"explanation": " \n "}, {"expires_at": now}, {"reason": "zomaar"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            BreakGlassGrantFactory(
                worker=anna, family=noord_family, **({"granted_at": now} | fields)
            )


def test_the_team_lead_reviews_the_grants_on_the_teams_families(
    client, anna, henk, noord_family, city
):
    grant = BreakGlassGrantFactory(worker=anna, family=noord_family, explanation=EXPLANATION)
    tineke = WorkerFactory(local_team=city[1], roles=[Role.TEAM_LEAD])
    verified_login(client, tineke)  # Delfshaven's lead: not her team's family
    assert "f-noord-1" not in client.get(REVIEW).content.decode()
    assert client.post(f"{REVIEW}{grant.pk}/beoordeeld/").status_code == 404
    verified_login(client, henk)
    before = AccessLogEntry.objects.count()
    html = client.get(REVIEW).content.decode()
    assert "Ingezien buiten het team" in html
    for text in (
        "f-noord-1",
        "Anna de Vries",
        "Wijkteam Delfshaven",
        "Crisis of acute onveiligheid",
        EXPLANATION,
    ):
        assert text in html
    assert AccessLogEntry.objects.count() == before + 1
    response = client.post(f"{REVIEW}{grant.pk}/beoordeeld/", {"note": "Terecht, besproken."})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.reviewed_by, grant.review_note) == (henk, "Terecht, besproken.")
    assert grant.reviewed_at is not None
    change = AccessLogEntry.objects.order_by("-id").first()
    assert (change.action, change.object_type, change.family_ref) == (
        AccessAction.CHANGE,
        "break_glass",
        "f-noord-1",
    )
    html = client.get(REVIEW).content.decode()
    assert "Beoordeeld door Henk Mulder" in html


@pytest.mark.parametrize("role", [Role.REGISSEUR, Role.POLICY])
def test_the_review_list_is_the_team_leads(client, city, role):
    verified_login(client, WorkerFactory(local_team=city[2], roles=[role]))
    assert client.get(REVIEW).status_code == 404


REVIEW_QUERIES = 11


def test_the_review_list_takes_the_same_queries_for_one_grant_or_many(
    client, anna, henk, noord_family, city, django_assert_num_queries
):
    BreakGlassGrantFactory(worker=anna, family=noord_family)
    verified_login(client, henk)
    client.get(REVIEW)
    with django_assert_num_queries(REVIEW_QUERIES):
        assert client.get(REVIEW).status_code == 200
    for _ in range(5):
        family = FamilyFactory(municipality=city[0])
        CaseFactory(family=family, local_team=city[2])
        BreakGlassGrantFactory(worker=WorkerFactory(local_team=city[1]), family=family)
    with django_assert_num_queries(REVIEW_QUERIES):
        assert client.get(REVIEW).status_code == 200


REQUEST_QUERIES = 8


def test_the_request_page_and_a_not_found_take_fixed_queries(
    client, anna, django_assert_num_queries
):
    verified_login(client, anna)
    client.get(URL)
    with django_assert_num_queries(REQUEST_QUERIES):
        assert client.get(URL).status_code == 200
