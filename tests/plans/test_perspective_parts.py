"""The perspective plan's structured parts: written or not applicable, all of them before it is
agreed (service and database), agreed by the case's regisseur or team lead; the plan page where
the regisseur fills, corrects and agrees them; plans agreed before the parts existed."""

from __future__ import annotations

import datetime as dt
import importlib
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casusregie.models import AccessAction, AccessLogEntry, Role
from plans import services
from plans.models import PerspectivePart, PerspectivePlan, PerspectiveStatus
from plans.services import PartInput
from tests.factories import (
    PerspectivePlanFactory,
    ProviderFactory,
    WorkerFactory,
    YouthFactory,
)
from tests.plans.test_editor import EDITOR_QUERIES

pytestmark = pytest.mark.django_db

ALL_PARTS = list(PerspectivePart.values)


def url(name: str, family, **kwargs) -> str:
    return reverse(name, kwargs={"ref": family.ref, **kwargs})


def complete() -> dict[str, PartInput]:
    """Every part filled or not applicable, the adult services contact with its services."""
    return {
        "housing": PartInput(text="Kamer via de woningcorporatie"),
        "school_or_work": PartInput(text="Mbo niveau 2"),
        "income": PartInput(text="Studiefinanciering aanvragen"),
        "help_at_home": PartInput(not_applicable=True),
        "adult_services": PartInput(text="Wmo-consulent, maart", services=("wmo", "debt_help")),
    }


@pytest.fixture
def perspective(case, youth) -> PerspectivePlan:
    return services.add_perspective_plan(case=case, youth=youth, kind="return_home")


# --- the service ----------------------------------------------------------------------------------


def test_agreeing_needs_every_part_with_a_dutch_message_for_each(perspective, regisseur):
    with pytest.raises(ValidationError) as refused:
        services.agree_perspective_plan(plan=perspective, by_worker=regisseur)
    messages = refused.value.message_dict
    assert list(messages) == ALL_PARTS
    assert messages["housing"] == [
        "Vul het onderdeel wonen in, of zet het op ‘niet van toepassing’."
    ]
    assert "Wmo, ggz, schuldhulp" in messages["adult_services"][0]
    perspective.refresh_from_db()
    assert perspective.status == PerspectiveStatus.DRAFT


@pytest.mark.parametrize("left_out", ALL_PARTS)
def test_one_missing_part_is_enough_to_refuse(perspective, regisseur, left_out):
    parts = complete()
    parts[left_out] = PartInput()
    services.change_perspective_plan(perspective=perspective, parts=parts)
    with pytest.raises(ValidationError) as refused:
        services.agree_perspective_plan(plan=perspective, by_worker=regisseur)
    assert list(refused.value.message_dict) == [left_out]


def test_every_part_not_applicable_can_be_agreed(perspective, regisseur):
    services.change_perspective_plan(
        perspective=perspective,
        parts={part: PartInput(not_applicable=True) for part in ALL_PARTS},
    )
    agreed = services.agree_perspective_plan(plan=perspective, by_worker=regisseur)
    assert agreed.status == PerspectiveStatus.AGREED
    assert (agreed.agreed_on, agreed.agreed_by) == (timezone.localdate(), regisseur)


def test_a_complete_plan_is_agreed_with_who_and_when(perspective, regisseur):
    before = perspective.version
    services.change_perspective_plan(perspective=perspective, parts=complete(), notes=" ok ")
    agreed = services.agree_perspective_plan(plan=perspective, by_worker=regisseur)
    agreed.refresh_from_db()
    assert agreed.status == "agreed" and agreed.agreed_by == regisseur
    assert agreed.version == before + 2
    assert agreed.notes == "ok"
    assert agreed.adult_service_values() == ["wmo", "debt_help"]
    assert services.missing_parts(agreed) == {}


def test_blank_text_is_not_a_part(perspective, regisseur):
    parts = complete() | {"income": PartInput(text="   \n ")}
    services.change_perspective_plan(perspective=perspective, parts=parts)
    with pytest.raises(ValidationError) as refused:
        services.agree_perspective_plan(plan=perspective, by_worker=regisseur)
    assert list(refused.value.message_dict) == ["income"]


@pytest.mark.parametrize(
    "adult_services",
    [PartInput(text="Wmo-consulent"), PartInput(services=("ggz",))],
    ids=["contact without a service", "a service without a contact"],
)
def test_the_adult_services_contact_needs_which_and_who(perspective, regisseur, adult_services):
    services.change_perspective_plan(
        perspective=perspective, parts=complete() | {"adult_services": adult_services}
    )
    with pytest.raises(ValidationError) as refused:
        services.agree_perspective_plan(plan=perspective, by_worker=regisseur)
    assert list(refused.value.message_dict) == ["adult_services"]


@pytest.mark.parametrize(
    ("part", "value", "message"),
    [
        ("housing", PartInput(text="thuis", not_applicable=True), "niet allebei"),
        ("adult_services", PartInput(not_applicable=True, services=("wmo",)), "niet allebei"),
        ("income", PartInput(text="x", services=("wmo",)), "Alleen bij contact volwassenenzorg"),
        ("adult_services", PartInput(text="x", services=("jeugdzorg",)), "uit Wmo, ggz en"),
        ("housing", PartInput(text="x" * 5001), "5000 tekens"),
    ],
)
def test_a_part_is_written_or_not_applicable_not_both(perspective, part, value, message):
    with pytest.raises(ValidationError) as refused:
        services.change_perspective_plan(perspective=perspective, parts={part: value})
    assert message in refused.value.message_dict[part][0]


def test_only_the_regisseur_or_the_team_lead_agrees(perspective, regisseur, team, case):
    services.change_perspective_plan(perspective=perspective, parts=complete())
    colleague = WorkerFactory(local_team=team, roles=[Role.REGISSEUR])
    with pytest.raises(ValidationError, match="huidige regisseur of de teamleider"):
        services.agree_perspective_plan(plan=perspective, by_worker=colleague)
    lead = WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD])
    assert services.agree_perspective_plan(plan=perspective, by_worker=lead).agreed_by == lead
    with pytest.raises(ValidationError, match="al afgesproken"):
        services.agree_perspective_plan(plan=perspective, by_worker=regisseur)


def test_an_agreed_plan_is_corrected_but_stays_complete(perspective, regisseur):
    services.change_perspective_plan(perspective=perspective, parts=complete())
    services.agree_perspective_plan(plan=perspective, by_worker=regisseur)
    corrected = services.change_perspective_plan(
        perspective=perspective,
        parts={"housing": PartInput(text="Begeleid wonen")},
        by_worker=regisseur,
    )
    assert corrected.housing == "Begeleid wonen" and corrected.status == "agreed"
    with pytest.raises(ValidationError) as refused:
        services.change_perspective_plan(
            perspective=perspective, parts={"housing": PartInput()}, by_worker=regisseur
        )
    assert list(refused.value.message_dict) == ["housing"]


def test_a_changed_version_is_refused(perspective):
    with pytest.raises(services.PerspectivePlanChanged) as changed:
        services.change_perspective_plan(
            perspective=perspective, notes="x", expected_version=perspective.version + 1
        )
    assert changed.value.version == perspective.version


# --- the database ---------------------------------------------------------------------------------


@contextmanager
def refused(constraint: str):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        yield


def test_the_database_refuses_an_agreed_plan_with_a_part_missing(case, youth):
    plan = PerspectivePlanFactory(case=case, youth=youth, status="agreed")
    with refused("perspective_agreed_parts_complete"):
        PerspectivePlan.objects.filter(pk=plan.pk).update(income_na=False)
    with refused("perspective_agreed_parts_complete"):
        PerspectivePlan.objects.filter(pk=plan.pk).update(income_na=False, income="  ")
    PerspectivePlan.objects.filter(pk=plan.pk).update(income_na=False, income="loon")


def test_the_database_refuses_text_and_not_applicable_together(case, youth):
    plan = PerspectivePlanFactory(case=case, youth=youth)
    with refused("perspective_housing_text_or_na"):
        PerspectivePlan.objects.filter(pk=plan.pk).update(housing="x", housing_na=True)


def test_the_database_refuses_agreed_without_a_date(case, youth):
    plan = PerspectivePlanFactory(case=case, youth=youth, status="agreed")
    with refused("perspective_agreed_on_fits_status"):
        PerspectivePlan.objects.filter(pk=plan.pk).update(agreed_on=None)


def test_plans_agreed_before_the_parts_stay_agreed_with_their_parts_not_applicable(case, youth):
    """Migration plans 0006 on a plan agreed before it (the constraint dropped for the test,
    in its transaction): parts not applicable, a note why, agreed on the day its history
    says."""
    migration = importlib.import_module("plans.migrations.0006_perspective_plan_parts")
    with connection.cursor() as cursor:
        for name in ("perspective_agreed_parts_complete", "perspective_agreed_on_fits_status"):
            cursor.execute(f"ALTER TABLE plans_perspectiveplan DROP CONSTRAINT {name}")
    old = PerspectivePlan.objects.create(
        case=case, youth=youth, kind="transition_18", started_on=dt.date(2026, 1, 5)
    )
    PerspectivePlan.objects.filter(pk=old.pk).update(
        status="agreed", agreed_on=dt.date(2026, 1, 5), notes="Afspraken met Noor"
    )
    PerspectivePlan.objects.filter(pk=old.pk).update(agreed_on=None)  # as before 0006
    draft = PerspectivePlanFactory(case=case, youth=youth, kind="return_home")
    migration.backfill_agreed(apps, None)
    old.refresh_from_db()
    assert services.missing_parts(old) == {}
    assert all(getattr(old, f"{part}_na") for part in ALL_PARTS)
    assert old.notes == "Afspraken met Noor\n\n" + migration.NOTE
    assert old.agreed_on == timezone.localdate()  # the day of its first 'agreed' event
    assert old.status == "agreed" and old.agreed_by is None
    draft.refresh_from_db()
    assert list(services.missing_parts(draft)) == ALL_PARTS
    assert not any(getattr(draft, f"{part}_na") for part in ALL_PARTS)
    assert migration.NOTE == services.PARTS_NOT_RECORDED_NOTE


# --- the plan page ----------------------------------------------------------------------------


def test_the_regisseur_fills_the_parts_and_agrees_on_the_plan_page(
    login, regisseur, case, perspective
):
    client = login(regisseur)
    page = client.get(url("plan-editor", case.family)).content.decode()
    assert "Wonen" in page and "Contact volwassenenzorg: welke" in page
    assert "Vul voor het afspreken nog in" in page
    prefix = f"perspectief-{perspective.pk}"
    posted = client.post(
        url("plan-perspective-change", case.family, perspective_id=perspective.pk),
        {
            f"{prefix}-notes": "Met Noor besproken",
            f"{prefix}-housing": "Terug naar moeder",
            f"{prefix}-school_or_work": "Zelfde school",
            f"{prefix}-income_na": "on",
            f"{prefix}-help_at_home": "Ambulante begeleiding",
            f"{prefix}-adult_services_na": "on",
        },
    )
    assert posted.status_code == 302
    perspective.refresh_from_db()
    assert (perspective.housing, perspective.income_na, perspective.version) == (
        "Terug naar moeder",
        True,
        2,
    )
    assert perspective.drafted_by_worker == regisseur
    agreed = client.post(url("plan-perspective-agree", case.family, perspective_id=perspective.pk))
    assert agreed.status_code == 302
    perspective.refresh_from_db()
    assert (perspective.status, perspective.agreed_by) == ("agreed", regisseur)
    page = client.get(url("plan-editor", case.family)).content.decode()
    assert "door Sanne Bakker" in page
    log = AccessLogEntry.objects.filter(object_ref=str(perspective.pk), action=AccessAction.CHANGE)
    assert log.count() == 2


def test_a_missing_part_comes_back_next_to_that_part(login, regisseur, case, perspective):
    services.change_perspective_plan(
        perspective=perspective, parts=complete() | {"school_or_work": PartInput()}
    )
    client = login(regisseur)
    response = client.post(
        url("plan-perspective-agree", case.family, perspective_id=perspective.pk)
    )
    assert response.status_code == 400
    page = response.content.decode()
    field = f'id="id_perspectief-{perspective.pk}-school_or_work_error"'
    assert field in page
    after = page[page.index(field) :]
    assert after.index("Vul het onderdeel school of werk in") < 200
    assert f'id="id_perspectief-{perspective.pk}-housing_error"' not in page
    perspective.refresh_from_db()
    assert perspective.status == "draft"


def test_text_and_not_applicable_together_is_refused_on_the_page(
    login, regisseur, case, perspective
):
    prefix = f"perspectief-{perspective.pk}"
    response = login(regisseur).post(
        url("plan-perspective-change", case.family, perspective_id=perspective.pk),
        {f"{prefix}-housing": "thuis", f"{prefix}-housing_na": "on"},
    )
    assert response.status_code == 400
    assert "niet allebei" in response.content.decode()
    perspective.refresh_from_db()
    assert perspective.housing == "" and perspective.version == 1


def test_the_plan_page_shows_who_drafted(login, regisseur, case, perspective):
    provider = ProviderFactory(name="Jeugdzorg Horizon")
    PerspectivePlan.objects.filter(pk=perspective.pk).update(drafted_by_provider=provider)
    page = login(regisseur).get(url("plan-editor", case.family)).content.decode()
    assert "Opgesteld door Jeugdzorg Horizon" in page


def test_perspective_plans_cost_no_query_each_on_the_plan_page(
    login, regisseur, case, youth, perspective, django_assert_num_queries
):
    client = login(regisseur)
    client.get(url("plan-editor", case.family))  # warm up
    with CaptureQueriesContext(connection) as one:
        assert client.get(url("plan-editor", case.family)).status_code == 200
    provider = ProviderFactory()
    for n in range(3):
        other = YouthFactory(family=case.family, birth_date=dt.date(2009, 1, 1 + n))
        more = services.add_perspective_plan(
            case=case,
            youth=other,
            kind="transition_18",
            drafted_by_provider_id=provider.pk,
            drafted_by_worker=regisseur,
            parts=complete(),
        )
        services.agree_perspective_plan(plan=more, by_worker=regisseur)
    with CaptureQueriesContext(connection) as four:
        assert client.get(url("plan-editor", case.family)).status_code == 200
    assert len(four) == len(one), "\n".join(q["sql"][:160] for q in four.captured_queries)
    services.start_plan(case=case)
    # as test_editor's pin, less the goals' explanations and actions (a plan without goals)
    with django_assert_num_queries(EDITOR_QUERIES - 2):
        assert client.get(url("plan-editor", case.family)).status_code == 200
