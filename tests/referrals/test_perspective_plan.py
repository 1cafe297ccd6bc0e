"""The perspective plan drafted by the provider in whose care the youth is: who may (16 or
older today, or placed out of home; a referral accepted or started; the family's consent), the
services, the API (GET/PUT, versions, errors, queries, the access log), and what the rulebook
makes of such plans (PERSPECTIVE_PLAN_16: any plan; TRANSITION_18: an agreed one)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casusregie.models import AccessAction, AccessLogEntry, Consent, ConsentPurpose
from flags.models import Flag
from flags.services import sweep
from plans import services as plans
from plans.models import PerspectivePart, PerspectivePlan
from plans.services import PartInput, birthday
from referrals import services
from referrals.models import Referral
from referrals.services import Actor
from tests.factories import ContractFactory, ProductFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/referrals/"


def today() -> dt.date:
    return timezone.localdate()


def turning_16_on(day: dt.date) -> dt.date:
    """A birth date whose 16th birthday is ``day`` (29 February: born on 28 February)."""
    try:
        return day.replace(year=day.year - 16)
    except ValueError:
        return dt.date(day.year - 16, 2, 28)


def complete() -> dict:
    return {
        "housing": {"text": "Kamer via de woningcorporatie"},
        "school_or_work": {"text": "Mbo niveau 2"},
        "income": {"text": "Studiefinanciering"},
        "help_at_home": {"not_applicable": True},
        "adult_services": {"services": ["wmo"], "text": "Wmo-consulent, maart"},
    }


def parts_input(parts: dict) -> dict[str, PartInput]:
    return {
        part: PartInput(
            text=value.get("text", ""),
            not_applicable=value.get("not_applicable", False),
            services=tuple(value.get("services", ())),
        )
        for part, value in parts.items()
    }


@pytest.fixture
def consent(case, provider):
    return Consent.objects.create(
        case=case,
        provider=provider,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        given_on=dt.date(2026, 2, 1),
    )


@pytest.fixture
def sixteen(youth):
    """The referral's youth, 16 since yesterday."""
    youth.birth_date = turning_16_on(today() - dt.timedelta(days=1))
    youth.save(update_fields=["birth_date"])
    return youth


@pytest.fixture
def in_care(make_referral, provider, consent, sixteen):
    """A referral of the youth (16) accepted by the provider, with the family's consent."""

    def make(started: bool = False, **kwargs):
        referral = services.accept_referral(
            referral=make_referral(**kwargs), by=Actor.of_provider(provider)
        )
        if started:
            referral = services.start_care(referral=referral, by=Actor.of_provider(provider))
        return referral

    return make


@pytest.fixture
def out_of_home(provider, municipality):
    product = ProductFactory(code="VERBLIJF", name="Verblijf", out_of_home=True)
    ContractFactory(provider=provider, product=product, municipalities=[municipality])
    return product


def draft(referral, provider, **kwargs) -> PerspectivePlan:
    return services.draft_perspective_plan(
        referral=referral, by=Actor.of_provider(provider), **kwargs
    )


# --- who may draft --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sixteenth_birthday", "may"),
    [(1, False), (0, True), (-1, True)],
    ids=["the day before the 16th birthday", "on the birthday", "the day after"],
)
def test_from_the_16th_birthday_the_provider_drafts_the_toekomstplan(
    in_care, provider, youth, sixteenth_birthday, may
):
    referral = in_care()
    youth.birth_date = turning_16_on(today() + dt.timedelta(days=sixteenth_birthday))
    youth.save(update_fields=["birth_date"])
    assert birthday(youth.birth_date, 16) == today() + dt.timedelta(days=sixteenth_birthday)
    if not may:
        with pytest.raises(services.NotFound) as refused:
            draft(referral, provider)
        assert refused.value.code == "no_perspective_plan_to_draft"
        assert not PerspectivePlan.objects.exists()
        return
    plan = draft(referral, provider, parts=parts_input({"housing": {"text": "Bij moeder"}}))
    assert (plan.kind, plan.status, plan.youth, plan.case) == (
        "transition_18",
        "draft",
        youth,
        referral.case,
    )
    assert plan.drafted_by_provider == provider and plan.housing == "Bij moeder"


def test_a_youth_placed_out_of_home_gets_a_plan_for_returning_home_at_any_age(
    in_care, provider, youth, out_of_home
):
    referral = in_care(product=out_of_home)
    youth.birth_date = today().replace(year=today().year - 11, month=1, day=1)
    youth.save(update_fields=["birth_date"])
    assert draft(referral, provider).kind == "return_home"
    with pytest.raises(services.InvalidInput) as refused:
        draft(referral, provider, kind="transition_18")
    assert (refused.value.field, refused.value.status) == ("kind", 400)


def test_a_youth_of_16_placed_out_of_home_may_get_both(in_care, provider, out_of_home):
    referral = in_care(product=out_of_home)
    assert draft(referral, provider).kind == "return_home"  # the first that applies
    assert draft(referral, provider, kind="transition_18").kind == "transition_18"


def test_started_care_counts_as_in_care(in_care, provider):
    assert draft(in_care(started=True), provider).status == "draft"


@pytest.mark.parametrize("step", ["sent", "declined", "ended", "withdrawn"])
def test_a_referral_not_in_care_drafts_nothing(
    make_referral, provider, regisseur, consent, sixteen, step
):
    referral = make_referral()
    by = Actor.of_provider(provider)
    if step == "declined":
        referral = services.decline_referral(
            referral=referral, by=by, reason_code="other", reason="Vol"
        )
    elif step == "ended":
        referral = services.accept_referral(referral=referral, by=by)
        referral = services.start_care(referral=referral, by=by)
        referral = services.end_care(referral=referral, by=by, end_code="31")
    elif step == "withdrawn":
        referral = services.withdraw_referral(referral=referral, by=Actor.regisseur(regisseur))
    with pytest.raises(services.NotFound):
        draft(referral, provider)


def test_another_provider_is_refused_as_not_found(in_care, other_provider):
    referral = in_care()
    with pytest.raises(services.NotFound) as refused:
        draft(referral, other_provider)
    assert refused.value.status == 404
    with pytest.raises(services.NotFound):
        services.draft_perspective_plan(referral=referral, by=Actor.system())


def test_without_the_familys_consent_in_force_the_provider_drafts_nothing(
    in_care, provider, consent
):
    referral = in_care()
    consent.withdrawn_on = today()
    consent.save()
    with pytest.raises(services.NotAllowed) as refused:
        draft(referral, provider)
    assert (refused.value.code, refused.value.status) == ("no_consent", 403)


def test_a_second_draft_of_the_same_kind_is_a_conflict(in_care, provider):
    referral = in_care()
    draft(referral, provider)
    with pytest.raises(services.ReferralRefused) as refused:
        draft(referral, provider)
    assert (refused.value.code, refused.value.status) == ("perspective_plan_exists", 409)


def test_the_provider_updates_the_draft_until_the_regisseur_agrees_it(in_care, provider, regisseur):
    referral = in_care()
    by = Actor.of_provider(provider)
    with pytest.raises(services.NotFound) as refused:
        services.update_perspective_plan(referral=referral, by=by, notes="x")
    assert refused.value.code == "no_perspective_plan"
    plan = draft(referral, provider)
    plan = services.update_perspective_plan(
        referral=referral, by=by, parts=parts_input(complete()), expected_version=1
    )
    assert plan.version == 2 and plan.adult_service_values() == ["wmo"]
    with pytest.raises(services.StaleVersion):
        services.update_perspective_plan(referral=referral, by=by, notes="x", expected_version=1)
    with pytest.raises(ValidationError) as invalid:
        services.update_perspective_plan(
            referral=referral,
            by=by,
            parts={"housing": PartInput(text="thuis", not_applicable=True)},
        )
    assert list(invalid.value.message_dict) == ["housing"]
    plans.agree_perspective_plan(plan=plan, by_worker=regisseur)
    with pytest.raises(services.ReferralRefused) as refused:
        services.update_perspective_plan(referral=referral, by=by, notes="later")
    assert (refused.value.code, refused.value.status) == ("perspective_plan_agreed", 409)


def test_the_provider_cannot_agree_its_own_draft(in_care, provider):
    plan = draft(in_care(), provider, parts=parts_input(complete()))
    with pytest.raises(ValidationError, match="huidige regisseur"):
        plans.agree_perspective_plan(plan=plan, by_worker=None)


# --- the rules read these plans as before --------------------------------------------------------


def _open_flags(rule: str) -> set[int]:
    return set(
        Flag.objects.filter(rule=rule, resolved_on__isnull=True).values_list(
            "subject_id", flat=True
        )
    )


def test_a_drafted_plan_ends_perspective_plan_16_and_only_an_agreed_one_transition_18(
    in_care, provider, regisseur, youth
):
    """Both rules at once: a youth turning 18 in three months, in specialist care."""
    eighteen = today() + dt.timedelta(days=90)
    youth.birth_date = eighteen.replace(year=eighteen.year - 18)
    youth.save(update_fields=["birth_date"])
    referral = in_care(started=True)
    sweep(today(), case_ids=[referral.case_id])
    assert _open_flags("PERSPECTIVE_PLAN_16") == {youth.pk}
    assert _open_flags("TRANSITION_18") == {youth.pk}

    plan = draft(referral, provider, parts=parts_input(complete()))
    sweep(today(), case_ids=[referral.case_id])
    assert _open_flags("PERSPECTIVE_PLAN_16") == set()  # any transition_18 plan, a draft too
    assert _open_flags("TRANSITION_18") == {youth.pk}  # not yet agreed

    plans.agree_perspective_plan(plan=plan, by_worker=regisseur)
    sweep(today(), case_ids=[referral.case_id])
    assert _open_flags("TRANSITION_18") == set()


def test_a_return_home_plan_of_the_provider_ends_crisis_no_return_plan(
    in_care, provider, out_of_home, youth
):
    referral = in_care(started=True, product=out_of_home)
    referral.started_on = today() - dt.timedelta(days=30)
    Referral.objects.filter(pk=referral.pk).update(
        started_on=referral.started_on,
        answered_on=referral.started_on,
        sent_on=referral.started_on,
    )
    sweep(today(), case_ids=[referral.case_id])
    assert _open_flags("CRISIS_NO_RETURN_PLAN") == {referral.pk}
    draft(referral, provider)
    sweep(today(), case_ids=[referral.case_id])
    assert _open_flags("CRISIS_NO_RETURN_PLAN") == set()


# --- the API --------------------------------------------------------------------------------------


def put(api, referral, data, version=None, **headers):
    if version is not None:
        headers["HTTP_IF_MATCH"] = f'"{version}"'
    return api.put(f"{BASE}{referral.ref}/perspective-plan/", data, format="json", **headers)


def get(api, referral, **params):
    return api.get(f"{BASE}{referral.ref}/perspective-plan/", params)


def test_a_provider_drafts_the_plan_through_the_api(api, in_care, regisseur, youth):
    referral = in_care()
    missing = get(api, referral)
    assert missing.status_code == 404 and missing.json()["code"] == "no_perspective_plan"

    created = put(api, referral, {"notes": "Met Noor", "parts": {"housing": {"text": "Thuis"}}})
    assert created.status_code == 201, created.json()
    assert created["ETag"] == '"1"'
    body = created.json()
    assert body["referral"] == referral.ref and body["kind"] == "transition_18"
    assert body["status"] == "draft" and body["drafted_by_provider"] == "p-horizon"
    assert body["parts"]["housing"] == {"text": "Thuis", "not_applicable": False}
    assert body["parts"]["adult_services"] == {"text": "", "not_applicable": False, "services": []}
    assert body["missing_parts"] == ["school_or_work", "income", "help_at_home", "adult_services"]
    assert youth.bsn not in str(body)

    assert put(api, referral, {"parts": complete()}).status_code == 428
    assert put(api, referral, {"parts": complete()}, version=7).status_code == 412
    updated = put(api, referral, {"parts": complete()}, version=1)
    assert updated.status_code == 200 and updated["ETag"] == '"2"'
    assert updated.json()["missing_parts"] == []
    assert updated.json()["notes"] == ""  # a PUT replaces the plan's text

    read = get(api, referral)
    assert read.status_code == 200 and read["ETag"] == '"2"'
    assert read.json() == updated.json()

    plans.agree_perspective_plan(plan=PerspectivePlan.objects.get(youth=youth), by_worker=regisseur)
    agreed = get(api, referral).json()
    assert agreed["status"] == "agreed" and agreed["agreed_on"] == today().isoformat()
    assert agreed["agreed_by"] == {"name": str(regisseur)}
    late = put(api, referral, {"parts": complete()}, version=3)
    assert late.status_code == 409 and late.json()["code"] == "perspective_plan_agreed"


def test_another_providers_referral_is_not_found(foreign_api, in_care):
    referral = in_care()
    assert get(foreign_api, referral).status_code == 404
    assert put(foreign_api, referral, {"parts": complete()}).status_code == 404
    assert put(foreign_api, referral, {"parts": "no"}).status_code == 404  # not a 400 either
    assert not PerspectivePlan.objects.exists()


def test_a_referral_the_provider_may_not_draft_for_is_not_found(api, make_referral, consent):
    sent = make_referral()  # not accepted; the youth is 14
    assert get(api, sent).status_code == 404
    assert put(api, sent, {}).status_code == 404


def test_without_consent_the_plan_is_closed_to_the_provider(api, in_care, consent):
    referral = in_care()
    assert put(api, referral, {"parts": complete()}).status_code == 201
    consent.withdrawn_on = today()
    consent.save()
    refused = get(api, referral)
    assert refused.status_code == 403 and refused.json()["code"] == "no_consent"
    assert put(api, referral, {}, version=1).status_code == 403


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"parts": {"housing": {"text": "x", "not_applicable": True}}}, "parts.housing"),
        ({"parts": {"income": {"text": "x" * 5001}}}, "parts.income.text"),
        ({"parts": {"income": {"not_applicable": "yes"}}}, "parts.income.not_applicable"),
        ({"parts": {"adult_services": {"services": ["jeugdzorg"]}}}, "parts.adult_services"),
        ({"kind": "forever"}, "kind"),
        ({"kind": "return_home"}, "kind"),  # not placed out of home
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, in_care, data, field):
    response = put(api, in_care(), data)
    assert response.status_code == 400, response.json()
    names = [p["name"] for p in response.json()["invalid_params"]]
    assert any(name.startswith(field) for name in names), names
    assert not PerspectivePlan.objects.exists()


def test_a_bad_kind_to_read_is_a_400(api, in_care):
    response = get(api, in_care(), kind="forever")
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "kind"


def test_reads_and_changes_are_in_the_access_log(api, in_care, case):
    referral = in_care()
    before = AccessLogEntry.objects.count()
    put(api, referral, {"parts": complete()})
    get(api, referral)
    entries = list(AccessLogEntry.objects.order_by("id")[before:])
    plan = PerspectivePlan.objects.get()
    assert [(e.action, e.object_type, e.object_ref) for e in entries] == [
        (AccessAction.CHANGE, "perspective_plan", str(plan.pk)),
        (AccessAction.READ, "perspective_plan", str(plan.pk)),
    ]
    assert {e.family_ref for e in entries} == {case.family.ref}
    assert all(e.actor_kind == "provider" and e.actor.startswith("p-horizon") for e in entries)


def test_the_api_costs_a_fixed_number_of_queries(api, in_care, django_assert_num_queries):
    """GET: the key, the referral (youth, product, case, consent in one), the plan, the access
    log (the entry, the chain's seal). PUT: the key and the view's look (referral, plan), then
    the service's own look under the case's lock (lock, referral, plan; savepoints), the plan
    written (create: case lock, existence, insert, sweep request; update: plan lock, its lock
    again with the case, update), the fresh plan and the access log. None per part."""
    referral = in_care()
    with django_assert_num_queries(17):
        assert put(api, referral, {"parts": complete()}).status_code == 201
    with django_assert_num_queries(5):
        assert get(api, referral).status_code == 200
    with django_assert_num_queries(15):
        assert put(api, referral, {"parts": complete()}, version=1).status_code == 200


def test_every_part_is_in_the_representation(api, in_care):
    body = put(api, in_care(), {"parts": complete()}).json()
    assert list(body["parts"]) == list(PerspectivePart.values)
