"""Every URL × every role × own and foreign objects: access exactly as the policy says.

The matrix is generated from the URL configuration: a new page that is not in ``PAGES`` (or a
new API endpoint not in ``API``) fails ``test_every_url_is_in_the_matrix``, so no page is born
without its policy. Out of scope is a 404 (never a 403 that confirms existence); without login
it is the login page.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casusregie.admin_roles import ensure_functional_admin_group
from casusregie.models import (
    AccessLogEntry,
    Consent,
    ConsentPurpose,
    FamilyMove,
    InvolvedProfessional,
    RegieTransfer,
    RegisseurPeriod,
    Role,
)
from casusregie.policies import visible_families
from escalations.models import AgendaItem, Decision, Table
from escalations.services import expert_table_of
from flags.models import Flag
from referrals.lifecycle import Status
from referrals.models import ProviderAPIKey, ProviderRole
from tests.conftest import verified_login
from tests.factories import (
    BreakGlassGrantFactory,
    CaseFactory,
    EscalationFactory,
    FamilyFactory,
    GoalFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    PlanFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    ReferralFactory,
    RegionFactory,
    WorkerFactory,
    YouthFactory,
)

OPENED_ON = dt.date(2026, 1, 5)
pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "regisseur", "team_lead", "expert", "chair", "policy", "admin"]
CASE_WORK = {"regisseur", "team_lead"}
SEES_FAMILY = CASE_WORK | {"expert", "chair"}


@dataclass
class World:
    users: dict
    own: object  # a family every non-policy role of region 1 may see
    foreign: object  # a family of another region and team
    own_youth: object
    foreign_youth: object
    own_consent: object
    foreign_consent: object
    own_referral: object
    foreign_referral: object
    provider: object
    provider_key: str
    own_transfer: object = None
    foreign_transfer: object = None
    own_flag: object = None
    foreign_flag: object = None
    current: object = None  # the worker logged in by ``_client`` (their meldingen are "own")
    # "same municipality, other team": a family of region 1's municipality with a case of
    # another team that serves it too (issue 17); its objects by name, like own_/foreign_
    other_team: dict = field(default_factory=dict)

    def of(self, side: str, name: str):
        """The side's object: ``of("own", "family")`` is ``own``, ``of("foreign", "youth")``
        is ``foreign_youth``, ``of("other_team", "move")`` the other team's family's move."""
        if side == "other_team":
            return self.other_team[name]
        attribute = side if name == "family" else f"{side}_{name}"
        return getattr(self, attribute)


@pytest.fixture(scope="module")
def world_of_the_module(django_db_setup, django_db_blocker):
    """The world, built once per test module (and xdist worker) in a transaction that is rolled
    back after the module's last test: each test runs in a savepoint inside it (pytest-django's
    own transaction), so what a test writes is gone before the next one, as with a world of its
    own. Over a thousand tests use it; built per test it took half the matrix's time."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(world_of_the_module) -> World:
    """A test's own copy of the module's world: the rows are rolled back after each test, and
    the copy keeps one test's changes to the Python objects from the next."""
    return copy.deepcopy(world_of_the_module)


def build_world() -> World:
    region, other_region = RegionFactory(code="r1"), RegionFactory(code="r2")
    m1 = MunicipalityFactory(code="GM0001", region=region)
    m3 = MunicipalityFactory(code="GM0003", region=other_region)
    team, other_team = LocalTeamFactory(municipalities=[m1]), LocalTeamFactory(municipalities=[m3])
    opened = dt.date(2026, 1, 5)

    def family_in(municipality, local_team):
        family = FamilyFactory(municipality=municipality)
        case = CaseFactory(family=family, local_team=local_team, opened_on=opened)
        youth = YouthFactory(family=family)
        consent = Consent.objects.create(
            case=case, purpose=ConsentPurpose.EXPERT_TABLE, given_on=opened
        )
        EscalationFactory(case=case, submitted_on=opened)
        return family, case, youth, consent

    own, own_case, own_youth, own_consent = family_in(m1, team)
    foreign, foreign_case, foreign_youth, foreign_consent = family_in(m3, other_team)
    provider, other_provider = ProviderFactory(), ProviderFactory()
    own_referral = ReferralFactory(
        case=own_case, provider=provider, status=Status.SENT, sent_on=opened
    )
    foreign_referral = ReferralFactory(
        case=foreign_case, provider=other_provider, status=Status.SENT, sent_on=opened
    )
    _, key = ProviderAPIKey.objects.create_key(name="matrix", provider=provider)
    admin = WorkerFactory(local_team=None, roles=[Role.ADMIN], is_staff=True)
    admin.groups.add(ensure_functional_admin_group())
    users = {
        "anonymous": None,
        "regisseur": WorkerFactory(local_team=team, roles=[Role.REGISSEUR]),
        "team_lead": WorkerFactory(local_team=team, roles=[Role.TEAM_LEAD]),
        "expert": WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE]),
        "chair": WorkerFactory(local_team=None, region=region, roles=[Role.EXPERT_TABLE_CHAIR]),
        "policy": WorkerFactory(local_team=None, region=region, roles=[Role.POLICY]),
        "admin": admin,
    }
    regisseur, lead = users["regisseur"], users["team_lead"]
    RegisseurPeriod.objects.create(case=own_case, worker=regisseur, from_date=opened)
    colleague = WorkerFactory(local_team=team, roles=[Role.REGISSEUR])
    foreign_colleague = WorkerFactory(local_team=other_team, roles=[Role.REGISSEUR])
    # a hand-over of another case of the team to the regisseur, proposed by the team lead
    second = CaseFactory(family=FamilyFactory(municipality=m1), local_team=team, opened_on=opened)
    own_transfer = RegieTransfer.objects.create(
        case=second, to_worker=regisseur, proposed_by=lead, proposed_on=opened
    )
    foreign_transfer = RegieTransfer.objects.create(
        case=foreign_case,
        to_worker=foreign_colleague,
        proposed_by=foreign_colleague,
        proposed_on=opened,
    )

    def flag_on(case):
        return Flag.objects.create(
            rule="NO_PLAN",
            subject_type="case",
            subject_id=case.pk,
            case=case,
            severity="warning",
            opened_on=opened,
            since=opened,
            owner_role="regisseur",
        )

    world = World(
        users,
        own,
        foreign,
        own_youth,
        foreign_youth,
        own_consent,
        foreign_consent,
        own_referral,
        foreign_referral,
        provider,
        key,
        own_transfer,
        foreign_transfer,
        flag_on(own_case),
        flag_on(foreign_case),
    )
    world.colleague = colleague
    # a family of another team of region 1 moving to the regisseur's team; one in region 2
    team_b = LocalTeamFactory(municipalities=[m1])
    moving = CaseFactory(family=FamilyFactory(municipality=m1), local_team=team_b, opened_on=opened)
    world.own_move = FamilyMove.objects.create(
        case=moving,
        from_team=team_b,
        to_team=team,
        from_municipality=m1,
        to_municipality=m1,
        proposed_by=WorkerFactory(local_team=team_b, roles=[Role.REGISSEUR]),
        proposed_on=opened,
    )
    world.foreign_move = FamilyMove.objects.create(
        case=foreign_case,
        from_team=other_team,
        to_team=LocalTeamFactory(municipalities=[m3]),
        from_municipality=m3,
        to_municipality=m3,
        proposed_by=foreign_colleague,
        proposed_on=opened,
    )
    # same municipality, other team: team_b's family in m1, with a consent for the table but
    # no escalation (so the table does not see it either), a referral, a hand-over inside
    # team_b, a flag and a move to a third team of m1 — none of it the regisseur's team's
    family = FamilyFactory(municipality=m1)
    case = CaseFactory(family=family, local_team=team_b, opened_on=opened)
    team_b_colleague = WorkerFactory(local_team=team_b, roles=[Role.REGISSEUR])
    RegisseurPeriod.objects.create(case=case, worker=team_b_colleague, from_date=opened)
    world.other_team = {
        "family": family,
        "youth": YouthFactory(family=family),
        "consent": Consent.objects.create(
            case=case, purpose=ConsentPurpose.EXPERT_TABLE, given_on=opened
        ),
        "referral": ReferralFactory(
            case=case, provider=other_provider, status=Status.SENT, sent_on=opened
        ),
        "transfer": RegieTransfer.objects.create(
            case=case,
            to_worker=WorkerFactory(local_team=team_b, roles=[Role.REGISSEUR]),
            proposed_by=team_b_colleague,
            proposed_on=opened,
        ),
        "flag": flag_on(case),
        "move": FamilyMove.objects.create(
            case=case,
            from_team=team_b,
            to_team=LocalTeamFactory(municipalities=[m1]),
            from_municipality=m1,
            to_municipality=m1,
            proposed_by=team_b_colleague,
            proposed_on=opened,
        ),
    }
    world.team_b = team_b
    # the provider's users (issue 18): its coordinator and a staff member; and a staff member of
    # the other provider (whose referral is "foreign")
    world.provider_users = {
        "provider_coordinator": ProviderMembershipFactory(
            provider=provider, role=ProviderRole.COORDINATOR
        ).worker,
        "provider_staff": ProviderMembershipFactory(provider=provider).worker,
    }
    world.other_provider = other_provider
    return world


@dataclass(frozen=True)
class Page:
    method: str
    allowed: frozenset[str]  # roles that get the page for their own family (or at all)
    family: bool = True  # takes a family ref
    data: object = None  # builds POST data from (world, side)
    kwargs: object = None  # more URL kwargs from (world, side)
    public: bool = False  # the login steps: open to everyone
    success: tuple[int, ...] = field(default=(200,))
    # only the case's current regisseur may (``plans.services``): the team lead is refused (400)
    regisseur_only: bool = False


def _person(w: World, side: str) -> dict:
    return {"person": w.of(side, "youth").ref}


def _consent(w: World, side: str) -> dict:
    return {"consent_id": w.of(side, "consent").pk}


def _new_consent(w: World, side: str) -> dict:
    return {"purpose": "expert_table", "given_on": timezone.localdate().isoformat()}


def _to_colleague(w: World, side: str) -> dict:
    return {"to_worker": w.colleague.pk, "note": "warme overdracht"}


def _transfer(w: World, side: str) -> dict:
    return {"transfer_id": w.of(side, "transfer").pk}


def _flag(w: World, side: str) -> dict:
    return {"flag_id": w.of(side, "flag").pk}


def _notification(w: World, side: str) -> dict:
    """A melding of the logged-in worker (own) or of a colleague (foreign: a 404)."""
    from casusregie.models import Notification, NotificationKind

    recipient = w.current if side == "own" and w.current is not None else w.colleague
    note = Notification.objects.create(
        recipient=recipient,
        kind=NotificationKind.REFERRAL_ACCEPTED,
        case=w.own_referral.case,
        text="Nieuws over een verwijzing",
        url_name="notifications",
    )
    return {"notification_id": note.pk}


def _note(w: World, side: str) -> dict:
    return {"text": "besproken met het gezin"}


def _reason(w: World, side: str) -> dict:
    return {"reason": "geen passend aanbod"}


def _referral(w: World, side: str) -> dict:
    return {"referral_ref": w.of(side, "referral").ref}


def _bridging(w: World, side: str) -> dict:
    referral = w.of(side, "referral")
    prefix = f"overbrugging-{referral.ref}"
    return {
        f"{prefix}-version": referral.version,
        f"{prefix}-bridging_description": "wekelijks gesprek",
        f"{prefix}-bridging_from": referral.sent_on.isoformat(),
    }


def _professional(w: World, side: str) -> dict:
    family = w.of(side, "family")
    professional = InvolvedProfessional.objects.filter(case__family=family).order_by("pk").last()
    if professional is None:
        professional = InvolvedProfessional.objects.create(
            case=family.cases.get(), role="huisarts", organisation="Huisarts", from_date=OPENED_ON
        )
    return {"professional_id": professional.pk}


def _end_involvement(w: World, side: str) -> dict:
    professional_id = _professional(w, side)["professional_id"]
    return {f"einde-{professional_id}-until": timezone.localdate().isoformat()}


def _correct_involvement(w: World, side: str) -> dict:
    prefix = f"correctie-{_professional(w, side)['professional_id']}"
    return {
        f"{prefix}-role": "huisarts",
        f"{prefix}-organisation": "Huisartsenpraktijk Noord",
        f"{prefix}-from_date": OPENED_ON.isoformat(),
    }


def _new_involvement(w: World, side: str) -> dict:
    return {"role": "huisarts", "organisation": "Huisartsen Noord", "from_date": "2026-01-05"}


def _move(w: World, side: str) -> dict:
    return {"move_id": w.of(side, "move").pk}


def _destination(w: World, side: str) -> dict:
    family = w.of(side, "family")
    team = LocalTeamFactory(municipalities=[family.municipality])
    return {"destination": f"{team.pk}:{family.municipality_id}", "note": "verhuist"}


def _grant(w: World, side: str) -> dict:
    """A grant on the side's family by a worker of another team (own: on the team's family)."""
    grant = BreakGlassGrantFactory(
        worker=WorkerFactory(local_team=LocalTeamFactory(municipalities=[w.own.municipality])),
        family=w.of(side, "family"),
    )
    return {"grant_id": grant.pk}


PAGES: dict[str, Page] = {
    "home": Page("get", frozenset(ROLES) - {"anonymous"}, family=False, success=(200, 302)),
    "family-list": Page("get", frozenset(ROLES) - {"anonymous"}, family=False),
    "family-detail": Page("get", frozenset(SEES_FAMILY)),
    "family-reveal-bsn": Page("post", frozenset(CASE_WORK), data=_person),
    "family-consent-add": Page("post", frozenset(CASE_WORK), data=_new_consent, success=(302,)),
    "family-consent-withdraw": Page("post", frozenset(CASE_WORK), kwargs=_consent, success=(302,)),
    "family-access-history": Page("get", frozenset({"team_lead"})),
    "caseload": Page("get", frozenset(ROLES) - {"anonymous"}, family=False),
    "team": Page("get", frozenset({"team_lead"}), family=False),
    "flag-inbox": Page("get", frozenset(ROLES) - {"anonymous"}, family=False),
    "family-register": Page("get", frozenset(CASE_WORK), family=False),
    "referral-wizard": Page("get", frozenset(CASE_WORK)),
    # the current regisseur records it (302); the team lead is told in Dutch it is not theirs
    "referral-bridging": Page(
        "post", frozenset(CASE_WORK), kwargs=_referral, data=_bridging, success=(302, 400)
    ),
    "regie-transfer-propose": Page(
        "post", frozenset(CASE_WORK), data=_to_colleague, success=(302,)
    ),
    "regie-transfer-confirm": Page(
        "post", frozenset({"regisseur"}), family=False, kwargs=_transfer, success=(302,)
    ),
    "regie-transfer-cancel": Page(
        "post", frozenset(CASE_WORK), family=False, kwargs=_transfer, success=(302,)
    ),
    "family-move-propose": Page("post", frozenset(CASE_WORK), data=_destination, success=(302,)),
    # the receiving team confirms or declines: its regisseur or its team lead
    "family-move-confirm": Page(
        "post", frozenset(CASE_WORK), family=False, kwargs=_move, success=(302,)
    ),
    "family-move-cancel": Page(
        "post", frozenset(CASE_WORK), family=False, kwargs=_move, success=(302,)
    ),
    "dossier-family-export": Page("get", frozenset(CASE_WORK)),
    "family-involved-add": Page(
        "post", frozenset(CASE_WORK), data=_new_involvement, success=(302,)
    ),
    "family-involved-correct": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_professional,
        data=_correct_involvement,
        success=(302,),
    ),
    "family-involved-end": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_professional,
        data=_end_involvement,
        success=(302,),
    ),
    "flag-acknowledge": Page(
        "post", frozenset({"regisseur"}), family=False, kwargs=_flag, data=_note, success=(302,)
    ),
    "flag-escalate": Page(
        "post", frozenset({"regisseur"}), family=False, kwargs=_flag, data=_reason, success=(302,)
    ),
    # every worker's own meldingen (another's: a 404)
    "notifications": Page("get", frozenset(ROLES) - {"anonymous"}, family=False),
    "notification-open": Page(
        "get",
        frozenset(ROLES) - {"anonymous"},
        family=False,
        kwargs=_notification,
        success=(302,),
    ),
    "notification-read": Page(
        "post",
        frozenset(ROLES) - {"anonymous"},
        family=False,
        kwargs=_notification,
        success=(302,),
    ),
    "notifications-read-all": Page(
        "post", frozenset(ROLES) - {"anonymous"}, family=False, success=(302,)
    ),
    "notifications-email": Page(
        "post", frozenset(ROLES) - {"anonymous"}, family=False, success=(302,)
    ),
    # breaking the glass: case work asks; the team lead of the family's case reviews
    "break-glass": Page("get", frozenset(CASE_WORK), family=False),
    "break-glass-review": Page("get", frozenset({"team_lead"}), family=False),
    "break-glass-reviewed": Page(
        "post", frozenset({"team_lead"}), family=False, kwargs=_grant, success=(302,)
    ),
    "login": Page("get", frozenset(ROLES), family=False, public=True),
    # the second step needs the first; with a linked authenticator, setup leads to verify
    "otp-verify": Page("get", frozenset(ROLES) - {"anonymous"}, family=False),
    "otp-setup": Page("get", frozenset(ROLES) - {"anonymous"}, family=False, success=(302,)),
    "logout": Page("post", frozenset(ROLES), family=False, public=True, success=(302,)),
    # single sign-on (casusregie/views/oidc.py): login steps; without a provider or a state
    # they lead back to the login page
    "oidc-start": Page("post", frozenset(ROLES), family=False, public=True, success=(302,)),
    "oidc-callback": Page("get", frozenset(ROLES), family=False, public=True, success=(302,)),
}

# --- the analysis and plan editors (worker/urls_analysis.py, worker/urls_plan.py) ----------------
# Editing is case work (regisseur, team lead); one version of the analysis may also be read by
# the expert table within its scope. The objects a page needs are made per side on first use.


def _held_evaluation(w: World, side: str) -> int:
    """Once per side: an evaluation of the editor objects' plan, held (without an outcome)."""
    from plans import services as plans
    from plans.models import Evaluation

    key = f"held_evaluation_{side}"
    if key not in w.__dict__:
        evaluation = Evaluation.objects.get(pk=_editor_objects(w, side)["evaluation"])
        plans.record_evaluation(
            evaluation=evaluation, held_on=timezone.localdate(), notes="besproken"
        )
        w.__dict__[key] = evaluation.pk
    return w.__dict__[key]


def _editor_objects(w: World, side: str) -> dict:
    """Once per side: analysis version 1 established, version 2 a draft beside it; a plan
    with a goal (tied to version 1's explanation), an action and a planned evaluation; a
    perspective plan for returning home."""
    from analyses import services as analyses
    from plans import services as plans

    key = f"editor_objects_{side}"
    if key not in w.__dict__:
        family = w.of(side, "family")
        case = family.cases.get()
        today = timezone.localdate()
        v1 = analyses.start_analysis(case=case)
        analyses.set_participants(analysis=v1, participants=["carers", "youth"])
        analyses.save_findings(analysis=v1, texts={"onderwijs": "verzuim"})
        explanation = analyses.add_explanation(
            analysis=v1, text="geldzorgen", finding_ids=[v1.findings.get().pk]
        )
        analyses.add_strength(analysis=v1, text="oma")
        analyses.establish_analysis(analysis=v1)
        v2 = analyses.start_analysis(case=case)
        plan = plans.start_plan(case=case)
        goal = plans.add_goal(plan=plan, text="naar school", explanation_ids=[explanation.pk])
        w.__dict__[key] = {
            "draft_finding": v2.findings.get().pk,
            "draft_explanation": v2.explanations.get().pk,
            "draft_strength": v2.strengths.get().pk,
            "explanation": explanation.pk,
            "goal": goal.pk,
            "action": plans.add_action(
                goal=goal, description="bellen", owner="moeder", due_on=today
            ).pk,
            "evaluation": plans.plan_evaluation(plan=plan, planned_on=today).pk,
            "perspective": plans.add_perspective_plan(
                case=case,
                youth=w.of(side, "youth"),
                kind="return_home",
                notes="terug naar huis",
                parts={
                    part: plans.PartInput(not_applicable=True)
                    for part in ("housing", "school_or_work", "income", "help_at_home")
                }
                | {"adult_services": plans.PartInput(text="Wmo-loket", services=("wmo",))},
            ).pk,
        }
    return w.__dict__[key]


def _ids(**names: str):
    """URL kwargs from the editor objects: ``_ids(goal_id="goal")``."""
    return lambda w, side: {k: _editor_objects(w, side)[v] for k, v in names.items()}


def _posted(make):
    """POST data from the editor objects (and the date of today)."""
    return lambda w, side: make(_editor_objects(w, side), timezone.localdate().isoformat())


EDITOR_PAGES: dict[str, Page] = {
    "analysis-editor": Page("get", frozenset(CASE_WORK)),
    "analysis-start": Page("post", frozenset(CASE_WORK), success=(302,)),
    "analysis-participants": Page(
        "post",
        frozenset(CASE_WORK),
        data=_posted(lambda o, d: {"deelnemers-participants": ["carers"]}),
        success=(302,),
    ),
    "analysis-findings": Page(
        "post",
        frozenset(CASE_WORK),
        data=_posted(lambda o, d: {"bevinding-onderwijs": "verzuim sinds maart"}),
        success=(302,),
    ),
    "analysis-explanation-add": Page(
        "post",
        frozenset(CASE_WORK),
        data=_posted(lambda o, d: {"nieuw-text": "stress", "nieuw-findings": [o["draft_finding"]]}),
        success=(302,),
    ),
    "analysis-explanation-change": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_ids(explanation_id="draft_explanation"),
        data=_posted(lambda o, d: {f"verklaring-{o['draft_explanation']}-text": "anders"}),
        success=(302,),
    ),
    "analysis-explanation-delete": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_ids(explanation_id="draft_explanation"),
        success=(302,),
    ),
    "analysis-strength-add": Page(
        "post",
        frozenset(CASE_WORK),
        data=_posted(lambda o, d: {"kracht-text": "buren"}),
        success=(302,),
    ),
    "analysis-strength-delete": Page(
        "post", frozenset(CASE_WORK), kwargs=_ids(strength_id="draft_strength"), success=(302,)
    ),
    "analysis-establish": Page(
        "post", frozenset(CASE_WORK), data=_posted(lambda o, d: {}), success=(302,)
    ),
    "analysis-discard": Page(
        "post", frozenset(CASE_WORK), data=_posted(lambda o, d: {}), success=(302,)
    ),
    "analysis-version": Page(
        "get",
        frozenset(SEES_FAMILY),
        kwargs=lambda w, side: _editor_objects(w, side) and {"version": 1},
    ),
    "plan-editor": Page("get", frozenset(CASE_WORK)),
    "plan-start": Page("post", frozenset(CASE_WORK), success=(302,)),
    "plan-agree": Page(
        "post",
        frozenset(CASE_WORK),
        data=_posted(lambda o, d: {"afspraak-agreed_on": d}),
        success=(302,),
    ),
    "plan-goal-add": Page(
        "post",
        frozenset(CASE_WORK),
        data=_posted(lambda o, d: {"doel-text": "rust", "doel-explanations": [o["explanation"]]}),
        success=(302,),
    ),
    "plan-goal-change": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_ids(goal_id="goal"),
        data=_posted(
            lambda o, d: {
                f"doel-{o['goal']}-text": "rust in huis",
                f"doel-{o['goal']}-explanations": [o["explanation"]],
            }
        ),
        success=(302,),
    ),
    "plan-goal-delete": Page(
        "post", frozenset(CASE_WORK), kwargs=_ids(goal_id="goal"), success=(302,)
    ),
    "plan-action-add": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_ids(goal_id="goal"),
        data=_posted(
            lambda o, d: {
                f"actie-{o['goal']}-description": "school bellen",
                f"actie-{o['goal']}-owner": "vader",
                f"actie-{o['goal']}-due_on": d,
            }
        ),
        success=(302,),
    ),
    "plan-goal-status": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_ids(goal_id="goal"),
        data=_posted(lambda o, d: {f"status-{o['goal']}-status": "reached"}),
        success=(302,),
    ),
    "plan-print": Page(
        "get", frozenset(CASE_WORK), kwargs=lambda w, side: _editor_objects(w, side) and {}
    ),
    "plan-pdf": Page(
        "get", frozenset(CASE_WORK), kwargs=lambda w, side: _editor_objects(w, side) and {}
    ),
    "plan-action-done": Page(
        "post", frozenset(CASE_WORK), kwargs=_ids(action_id="action"), success=(302,)
    ),
    "plan-action-delete": Page(
        "post", frozenset(CASE_WORK), kwargs=_ids(action_id="action"), success=(302,)
    ),
    "plan-evaluation-add": Page(
        "post",
        frozenset(CASE_WORK),
        data=lambda w, side: _editor_objects(w, side)
        and {"evaluatie-planned_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat()},
        success=(302,),
    ),
    "plan-evaluation-record": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_ids(evaluation_id="evaluation"),
        data=_posted(
            lambda o, d: {
                f"evaluatie-{o['evaluation']}-held_on": d,
                f"evaluatie-{o['evaluation']}-notes": "besproken",
                f"evaluatie-{o['evaluation']}-outcome": "continue",
            }
        ),
        success=(302,),
    ),
    "plan-evaluation-outcome": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=lambda w, side: {"evaluation_id": _held_evaluation(w, side)},
        data=lambda w, side: {
            f"uitkomst-{_held_evaluation(w, side)}-outcome": "scale_down",
        },
        success=(302,),
    ),
    "plan-evaluation-delete": Page(
        "post", frozenset(CASE_WORK), kwargs=_ids(evaluation_id="evaluation"), success=(302,)
    ),
    "plan-perspective-add": Page(
        "post",
        frozenset(CASE_WORK),
        data=lambda w, side: {
            "perspectief-youth": w.of(side, "youth").pk,
            "perspectief-kind": "return_home",
            "perspectief-started_on": timezone.localdate().isoformat(),
        },
        success=(302,),
    ),
    "plan-perspective-change": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_ids(perspective_id="perspective"),
        data=_posted(lambda o, d: {f"perspectief-{o['perspective']}-notes": "thuis in mei"}),
        success=(302,),
    ),
    "plan-perspective-agree": Page(
        "post", frozenset(CASE_WORK), kwargs=_ids(perspective_id="perspective"), success=(302,)
    ),
}
PAGES |= EDITOR_PAGES
# --- end of the analysis and plan editors ---------------------------------------------------------

# --- the Regionale Experttafel (worker/urls_expert_table.py) --------------------------------------
# The table's pages are for its members (expert, chair) of the side's region; the chair alone
# plans, sets the agenda and decides; the regisseur of the case sends the maatwerk referral and,
# like the chair, closes the follow-up. Both sides' objects are made on first use.
TABLE = frozenset({"expert", "chair"})


def _table_objects(w: World, side: str) -> dict:
    """Once per side: the side's escalation and a session of its region's table today."""
    from escalations.models import Escalation, TableSession

    key = f"table_objects_{side}"
    if key not in w.__dict__:
        family = w.of(side, "family")
        w.__dict__[key] = {
            "escalation": Escalation.objects.get(case__family=family),
            "session": TableSession.objects.create(
                region=family.municipality.region,
                table=expert_table_of(family.municipality.region_id),
                held_on=timezone.localdate(),
            ),
        }
    return w.__dict__[key]


def _escalation_ref(w: World, side: str) -> dict:
    return {"escalation_ref": _table_objects(w, side)["escalation"].ref}


def _session_ref(w: World, side: str) -> dict:
    return {"session_ref": _table_objects(w, side)["session"].ref}


def _on_agenda(w: World, side: str) -> dict:
    from escalations.models import AgendaItem

    objects = _table_objects(w, side)
    AgendaItem.objects.get_or_create(session=objects["session"], escalation=objects["escalation"])
    return _session_ref(w, side) | _escalation_ref(w, side)


def _decided(w: World, side: str) -> dict:
    """The side's escalation discussed today: a tailored arrangement with a non-specialist
    product (so it can be sent without an analysis) by the side's provider."""
    from escalations.models import Decision
    from tests.factories import ProductFactory

    objects = _table_objects(w, side)
    if "decision" not in objects:
        escalation, today = objects["escalation"], timezone.localdate()
        escalation.discussed_on = today
        escalation.save()
        objects["decision"] = Decision.objects.create(
            escalation=escalation,
            session=objects["session"],
            kind="tailored",
            text="maatwerk",
            product=ProductFactory(code=f"MAATWERK-{side}", specialist=False),
            follow_up_on=today,
        )
        objects["decision"].providers.add(w.of(side, "referral").provider)
    return _escalation_ref(w, side)


def _tailored_referral(w: World, side: str) -> dict:
    prefix = f"verwijzing-{_table_objects(w, side)['escalation'].ref}"
    youth = w.of(side, "youth")
    return {f"{prefix}-youth": youth.ref, f"{prefix}-question": "maatwerk zoals besproken"}


def _agenda(w: World, side: str) -> dict:
    objects = _table_objects(w, side)
    return {f"agenda-{objects['escalation'].ref}-session": objects["session"].ref}


def _decision(w: World, side: str) -> dict:
    prefix = f"besluit-{_table_objects(w, side)['escalation'].ref}"
    return {
        f"{prefix}-kind": "advice",
        f"{prefix}-text": "Advies: betrek de school.",
        f"{prefix}-follow_up_on": timezone.localdate().isoformat(),
    }


def _call(w: World, side: str) -> dict:
    """The Beschermingstafel of the side's region (once), which the regisseur, a GI or Veilig
    Thuis may call, and the side's case."""

    family = w.of(side, "family")
    table, _ = Table.objects.get_or_create(
        region=family.municipality.region,
        name=f"Beschermingstafel {side}",
        defaults={"kind": "protection", "callers": ["regisseur", "gi", "veilig_thuis"]},
    )
    return {"table_ref": table.ref, "case_ref": family.cases.get().ref}


def _call_reason(w: World, side: str) -> dict:
    kwargs = _call(w, side)
    return {f"{kwargs['table_ref']}-{kwargs['case_ref']}-reason": "Zorgen over de veiligheid."}


def _passed_on(w: World, side: str) -> dict:
    """The side's escalation decided at its session: a request to the Raad (passed on today,
    no outcome yet)."""

    objects = _table_objects(w, side)
    escalation, today = objects["escalation"], timezone.localdate()
    AgendaItem.objects.get_or_create(session=objects["session"], escalation=escalation)
    if "decision" not in objects:
        escalation.discussed_on = today
        escalation.save()
        objects["decision"] = Decision.objects.create(
            escalation=escalation,
            session=objects["session"],
            kind="raad_request",
            text="verzoek tot onderzoek",
            follow_up_on=today,
            passed_to="raad",
            passed_on=today,
        )
    return _session_ref(w, side) | _escalation_ref(w, side)


def _outcome(w: World, side: str) -> dict:
    prefix = f"uitkomst-{_table_objects(w, side)['escalation'].ref}"
    return {
        f"{prefix}-outcome": "De Raad start een onderzoek.",
        f"{prefix}-outcome_on": timezone.localdate().isoformat(),
    }


def _letter(w: World, side: str) -> dict:
    return _decided(w, side) | {"audience": "gezin"}


def _item_notes(w: World, side: str) -> dict:
    prefix = f"punt-{_table_objects(w, side)['escalation'].ref}"
    return {f"{prefix}-duration_minutes": "30", f"{prefix}-minutes": "Besproken met de school."}


def _invitee(w: World, side: str) -> dict:
    prefix = f"uitnodiging-{_table_objects(w, side)['escalation'].ref}"
    return {
        f"{prefix}-kind": "family",
        f"{prefix}-name": "Moeder de Vries",
        f"{prefix}-email": f"moeder-{side}@example.org",
    }


TABLE_PAGES: dict[str, Page] = {
    "escalation-submit": Page("get", frozenset(CASE_WORK)),
    "escalation-inbox": Page("get", frozenset(ROLES) - {"anonymous"}, family=False),
    "escalation-send-referral": Page(
        "post",
        frozenset({"regisseur"}),
        family=False,
        kwargs=_decided,
        data=_tailored_referral,
        success=(302,),
    ),
    "escalation-close": Page(
        "post", frozenset({"regisseur", "chair"}), family=False, kwargs=_decided, success=(302,)
    ),
    "expert-table-queue": Page("get", TABLE, family=False),
    "expert-table-agenda-add": Page(
        "post",
        frozenset({"chair"}),
        family=False,
        kwargs=_escalation_ref,
        data=_agenda,
        success=(302,),
    ),
    "expert-table-sessions": Page("get", TABLE, family=False),
    "expert-table-session-plan": Page(
        "post",
        frozenset({"chair"}),
        family=False,
        data=lambda w, side: {
            "held_on": timezone.localdate().isoformat(),
            "starts_at": "14:00",
            "ends_at": "16:00",
            "place": "Stadskantoor",
        },
        success=(302,),
    ),
    "expert-table-session": Page("get", TABLE, family=False, kwargs=_session_ref),
    "expert-table-agenda-remove": Page(
        "post", frozenset({"chair"}), family=False, kwargs=_on_agenda, success=(302,)
    ),
    "expert-table-decision": Page(
        "post",
        frozenset({"chair"}),
        family=False,
        kwargs=_on_agenda,
        data=_decision,
        success=(302,),
    ),
    "expert-table-figures": Page("get", TABLE, family=False),
    # the answer to a decision that passed the case on (the Raad): the chair
    "expert-table-outcome": Page(
        "post",
        frozenset({"chair"}),
        family=False,
        kwargs=_passed_on,
        data=_outcome,
        success=(302,),
    ),
    # calling a table (issue 19): every worker sees the cases they may call one for (none
    # here but the regisseur's); the regisseur may call the Beschermingstafel for their case
    # (it waits at the expert table already: refused in words, 302)
    "table-call-list": Page("get", frozenset(ROLES) - {"anonymous"}, family=False),
    "table-call": Page(
        "post",
        frozenset({"regisseur"}),
        family=False,
        kwargs=_call,
        data=_call_reason,
        success=(302,),
    ),
    "expert-table-agenda-item": Page(
        "post",
        frozenset({"chair"}),
        family=False,
        kwargs=_on_agenda,
        data=_item_notes,
        success=(302,),
    ),
    "expert-table-invite": Page(
        "post",
        frozenset({"chair"}),
        family=False,
        kwargs=_on_agenda,
        data=_invitee,
        success=(302,),
    ),
    # the regisseur of the case; the chair while the family's consent for the table holds
    "escalation-letter": Page(
        "get", frozenset({"regisseur", "chair"}), family=False, kwargs=_letter
    ),
    "escalation-letter-pdf": Page(
        "get", frozenset({"regisseur", "chair"}), family=False, kwargs=_letter
    ),
}
PAGES |= TABLE_PAGES
# --- end of the Regionale Experttafel -------------------------------------------------------------

# --- the region's dashboard (dashboard/urls.py): figures without names, for policy staff and the
# expert table of the region; everyone else a 404. The CSV downloads are these pages with ?csv=.
STATISTICS = frozenset({"expert", "chair", "policy"})
DASHBOARD_PAGES: dict[str, Page] = {
    name: Page("get", STATISTICS, family=False)
    for name in (
        "dashboard",
        "dashboard-care",
        "dashboard-waiting",
        "dashboard-referrals",
        "dashboard-youth",
        "dashboard-table",
    )
}
DASHBOARD_PAGES["dashboard-refresh"] = Page("post", STATISTICS, family=False, success=(302,))
PAGES |= DASHBOARD_PAGES
# --- end of the region's dashboard ----------------------------------------------------------------

# --- the family page's education and closing (worker/urls_close.py, issue 16): case work; the
# case is closed by its regisseur or the team lead of its team, both in CASE_WORK here.


def _youth_ref(w: World, side: str) -> dict:
    return {"youth_ref": w.of(side, "youth").ref}


def _period(w: World, side: str) -> dict:
    from casusregie.models import EducationPeriod

    youth = w.of(side, "youth")
    period, _ = EducationPeriod.objects.get_or_create(
        youth=youth, from_date=dt.date(2024, 9, 1), defaults={"status": "attending"}
    )
    return {"period_id": period.pk}


def _new_period(w: World, side: str) -> dict:
    youth = w.of(side, "youth")
    return {
        f"onderwijs-{youth.ref}-status": "absent",
        f"onderwijs-{youth.ref}-from_date": "2026-02-02",
    }


def _corrected_period(w: World, side: str) -> dict:
    period_id = _period(w, side)["period_id"]
    return {
        f"periode-{period_id}-status": "attending",
        f"periode-{period_id}-from_date": "2024-09-02",
    }


def _closing(w: World, side: str) -> dict:
    return {
        "afsluiten-reason": "goals_reached",
        "afsluiten-handed_over_to": "Buurthuis",
        "afsluiten-closed_on": timezone.localdate().isoformat(),
    }


def _closed_case(w: World, side: str) -> dict:
    """The family's case closed (a year ago), so that it can be reopened."""
    from casusregie.models import Case

    family = w.of(side, "family")
    Case.objects.filter(family=family, closed_on__isnull=True).update(
        closed_on=dt.date(2026, 2, 2), close_reason="moved", handed_over_to="Gemeente"
    )
    return {}


PAGES |= {
    "family-education-add": Page(
        "post", frozenset(CASE_WORK), kwargs=_youth_ref, data=_new_period, success=(302,)
    ),
    "family-education-correct": Page(
        "post", frozenset(CASE_WORK), kwargs=_period, data=_corrected_period, success=(302,)
    ),
    "family-education-remove": Page("post", frozenset(CASE_WORK), kwargs=_period, success=(302,)),
    "family-case-close": Page("post", frozenset(CASE_WORK), data=_closing, success=(302,)),
    "family-case-reopen": Page("post", frozenset(CASE_WORK), kwargs=_closed_case, success=(302,)),
}
# --- end of education and closing -----------------------------------------------------------------

# --- the provider's portal (portal/urls.py, issue 18): only a provider's own users, for their own
# provider's referrals; every worker of the municipality a 404, another provider's user a 404.
PROVIDER_ROLES = ["provider_coordinator", "provider_staff"]
PROVIDER_USERS = frozenset(PROVIDER_ROLES)


def _portal_referral(w: World, side: str, upto: str = "sent"):
    """The side's referral (own: the provider's; else another provider's), taken by its
    provider up to ``upto`` (accepted, started) first."""
    from referrals import services as referrals

    referral = w.of(side, "referral")
    referral.refresh_from_db()
    by = referrals.Actor.of_provider(referral.provider)
    if upto in ("accepted", "started") and referral.status == Status.SENT:
        referral = referrals.accept_referral(referral=referral, by=by)
    if upto == "started" and referral.status == Status.ACCEPTED:
        referral = referrals.start_care(referral=referral, by=by)
    return referral


def _portal_ref(upto: str = "sent"):
    return lambda w, side: {"ref": _portal_referral(w, side, upto).ref}


def _portal_data(upto: str, **fields):
    def data(w: World, side: str) -> dict:
        referral = _portal_referral(w, side, upto)
        today = timezone.localdate().isoformat()
        return {
            "version": referral.version,
            **{k: v.replace("TODAY", today) for k, v in fields.items()},
        }

    return data


def _staff_membership(w: World, side: str) -> dict:
    """A staff membership of the provider (own) or of the other provider (foreign)."""
    from tests.factories import ProviderMembershipFactory as Membership

    provider = w.provider if side == "own" else w.other_provider
    return {"membership_id": Membership(provider=provider).pk}


def _portal_shared(w: World, side: str):
    """The side's referral in its provider's care (accepted), the family's consent to share
    the analysis and the plan with that provider in force, and the youth 16 today: what the
    progress per goal and the perspective plan need (each side's own provider may)."""
    from casusregie.models import Consent, Youth

    referral = _portal_referral(w, side, "accepted")
    today = timezone.localdate()
    Consent.objects.get_or_create(
        case=referral.case,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        provider=referral.provider,
        defaults={"given_on": today},
    )
    Youth.objects.filter(pk=referral.youth_id).update(
        birth_date=today.replace(year=today.year - 16)
    )
    return referral


def _portal_goal(w: World, side: str) -> dict:
    from plans.models import Goal, Plan

    referral = _portal_shared(w, side)
    plan, _ = Plan.objects.get_or_create(case=referral.case, is_current=True)
    goal, _ = Goal.objects.get_or_create(plan=plan, defaults={"text": "Weer naar school"})
    return {"ref": referral.ref, "goal_id": goal.pk}


def _portal_progress(w: World, side: str) -> dict:
    prefix = f"goal-{_portal_goal(w, side)['goal_id']}"
    return {f"{prefix}-scale": "working", f"{prefix}-text": "Gaat goed"}


def _portal_perspective_ref(w: World, side: str) -> dict:
    return {"ref": _portal_shared(w, side).ref}


def _portal_perspective(w: World, side: str) -> dict:
    _portal_shared(w, side)
    return {"kind": "transition_18", "housing": "Kamer zoeken", "income_na": "on"}


PORTAL_PAGES: dict[str, Page] = {
    "portal-inbox": Page("get", PROVIDER_USERS, family=False),
    "portal-referral": Page("get", PROVIDER_USERS, family=False, kwargs=_portal_ref()),
    "portal-referral-accept": Page(
        "post",
        PROVIDER_USERS,
        family=False,
        kwargs=_portal_ref(),
        data=_portal_data("sent"),
        success=(302,),
    ),
    "portal-referral-decline": Page(
        "post",
        PROVIDER_USERS,
        family=False,
        kwargs=_portal_ref(),
        data=_portal_data("sent", reason_code="no_capacity", no_alternative_known="on"),
        success=(302,),
    ),
    "portal-referral-start": Page(
        "post",
        PROVIDER_USERS,
        family=False,
        kwargs=_portal_ref("accepted"),
        data=_portal_data("accepted", started_on="TODAY"),
        success=(302,),
    ),
    "portal-referral-end": Page(
        "post",
        PROVIDER_USERS,
        family=False,
        kwargs=_portal_ref("started"),
        data=_portal_data("started", ended_on="TODAY", end_code="31"),
        success=(302,),
    ),
    "portal-referral-goal-progress": Page(
        "post",
        PROVIDER_USERS,
        family=False,
        kwargs=_portal_goal,
        data=_portal_progress,
        success=(302,),
    ),
    "portal-referral-perspective-plan": Page(
        "post",
        PROVIDER_USERS,
        family=False,
        kwargs=_portal_perspective_ref,
        data=_portal_perspective,
        success=(302,),
    ),
    "portal-capacity": Page("get", PROVIDER_USERS, family=False),
    "portal-staff": Page("get", frozenset({"provider_coordinator"}), family=False),
    "portal-staff-deactivate": Page(
        "post",
        frozenset({"provider_coordinator"}),
        family=False,
        kwargs=_staff_membership,
        success=(302,),
    ),
}
PAGES |= PORTAL_PAGES


# --- the gezinsportaal (issue 20) ----------------------------------------------------------------
# The worker's side, on the family (worker/views/family_portal.py): the case-work roles read it;
# only the case's current regisseur invites, answers, chooses and ends (the team lead: 400).
def _invitee(w: World, side: str) -> dict:
    return {
        "person": f"youth:{w.of(side, 'youth').ref}",
        "email": "jongere@example.org",
        "early_reason": "wil zelf meelezen; wilsbekwaam",
    }


def _answer(w: World, side: str) -> dict:
    return {"text": "Ik bel u dinsdag."}


def _family_account(w: World, side: str) -> dict:
    from casusregie.models import FamilyAccount

    youth = w.of(side, "youth")
    account = FamilyAccount.objects.filter(youth=youth, is_active=True).first()
    if account is None:
        account = FamilyAccount.objects.create(
            family=youth.family, youth=youth, email="j@example.org"
        )
    return {"account_ref": account.ref}


def _shown(w: World, side: str) -> dict:
    return {"shown": "1"}


FAMILY_PORTAL_WORKER_PAGES: dict[str, Page] = {
    "family-portal-worker": Page("get", frozenset(CASE_WORK)),
    "family-portal-invite": Page(
        "post", frozenset(CASE_WORK), data=_invitee, success=(302,), regisseur_only=True
    ),
    "family-portal-answer": Page(
        "post", frozenset(CASE_WORK), data=_answer, success=(302,), regisseur_only=True
    ),
    "family-portal-disclose": Page(
        "post",
        frozenset(CASE_WORK),
        kwargs=_referral,
        data=_shown,
        success=(302,),
        regisseur_only=True,
    ),
    "family-portal-deactivate": Page(
        "post", frozenset(CASE_WORK), kwargs=_family_account, success=(302,), regisseur_only=True
    ),
}
PAGES |= FAMILY_PORTAL_WORKER_PAGES
# The family's own pages (/mijn-gezin/, family_portal/urls.py) have no family or object of
# another family in their URLs but one consent id; tests/family_portal/test_isolation.py holds
# them: every worker role and provider user is sent to the family login, a family account gets
# its own family's and a 404 for another family's consent, and a family session reaches no page
# of this matrix. The DigiD login through a broker (family-broker-*) has its own tests:
# tests/family_portal/test_broker_login.py.
FAMILY_PORTAL_PAGES = frozenset(
    {
        "family-login",
        "family-link",
        "family-code",
        "family-broker-start",
        "family-broker-callback",
        "family-logout",
        "family-home",
        "family-plan",
        "family-analysis",
        "family-help",
        "family-consent",
        "family-consent-withdraw-own",
        "family-questions",
        "family-history",
        "family-history-csv",
    }
)
# --- end of the provider's portal -----------------------------------------------------------------

# The provider API: own referral 200, another provider's 404; a worker's session is no key.
API = {
    "provider-referral-list": ("get", False),
    "provider-referral-detail": ("get", True),
    "provider-referral-accept": ("post", True),
    "provider-referral-decline": ("post", True),
    "provider-referral-start": ("post", True),
    "provider-referral-end": ("post", True),
    # own: tests/referrals/test_perspective_plan.py (a referral in care, with consent)
    "provider-perspective-plan": ("put", True),
    "provider-referral-goals": ("get", True),
    "provider-referral-goal-progress": ("post", True),
    "provider-capacity-list": ("get", False),
    "provider-webhook": ("get", False),  # 404 until the provider registers one: its own
}
# The region's open export: a region's API key (tests/dashboard/test_api.py); a session is none.
REGION_API = {"region-stats"}
PUBLIC_API = {"api-schema", "api-docs"}
OUT_OF_MATRIX = {"health_check"}  # health has no personal data; admin is tested below


def _names(patterns, prefix="") -> set[str]:
    names = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            names |= _names(p.url_patterns, prefix)
        elif isinstance(p, URLPattern) and p.name:
            names.add(p.name)
    return names


def test_every_url_is_in_the_matrix():
    names = {n for n in _names(get_resolver().url_patterns) if not n.startswith("health")}
    covered = set(PAGES) | set(API) | REGION_API | PUBLIC_API | OUT_OF_MATRIX | FAMILY_PORTAL_PAGES
    assert names - covered == set(), "a URL without an entry in the access matrix"


def _client(client, world: World, role: str):
    user = world.users[role] if role in world.users else world.provider_users[role]
    world.current = user
    return client if user is None else verified_login(client, user)


def _request(client, world: World, name: str, page: Page, side: str):
    kwargs = {}
    if page.family:
        kwargs["ref"] = world.of(side, "family").ref
    if page.kwargs:
        kwargs |= page.kwargs(world, side)
    url = reverse(name, kwargs=kwargs)
    if page.method == "post":
        return client.post(url, page.data(world, side) if page.data else {})
    return client.get(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages(client, world, name, role):
    page = PAGES[name]
    client = _client(client, world, role)
    own = _request(client, world, name, page, "own")
    if role == "anonymous" and not page.public:
        assert own.status_code == 302
        assert own["Location"].startswith(reverse("login"))
    elif role in page.allowed:
        expected = (400,) if page.regisseur_only and role != "regisseur" else page.success
        assert own.status_code in expected, own.content.decode()[:500]
    else:
        assert own.status_code == 404
    if page.family or page.kwargs:
        client = _client(client, world, role)
        foreign = _request(client, world, name, page, "foreign")
        expected = 302 if role == "anonymous" else 404
        assert foreign.status_code == expected
    if (page.family or page.kwargs) and name not in TABLE_OBJECT_PAGES:
        client = _client(client, world, role)
        other_team = _request(client, world, name, page, "other_team")
        expected = 302 if role == "anonymous" else 404
        assert other_team.status_code == expected, f"{role} reached another team's family"


# The table's own objects (escalations, sessions) are the region's table's, not a team's: the
# "other team" side does not apply to them (the table's scope: tests/escalations).
TABLE_OBJECT_PAGES = frozenset(n for n, p in TABLE_PAGES.items() if not p.family)

# With a break-the-glass grant on the other team's family, the case-work roles get its family
# pages as for their own family — except what belongs to the case's own regisseur or the team
# lead of its team (``may_hand_over``): those answer as they do for a colleague who does not
# hold the case: handing over, moving, the dossier for another region and the access log are a
# 404, closing is a 403 (the family is seen, the case is not theirs), and the editors' steps
# that the case's own people record are refused in Dutch (400).
BY_THE_CASE_ONLY = {
    "family-access-history": 404,
    "regie-transfer-propose": 404,
    "family-move-propose": 404,
    "dossier-family-export": 404,
    "family-case-close": 403,
    "family-involved-add": 400,
    "family-involved-end": 400,
    "family-involved-correct": 400,
    "referral-bridging": 400,
    "plan-goal-status": 400,
    "plan-evaluation-record": 400,
    "plan-evaluation-outcome": 400,
    "plan-perspective-agree": 400,
}


@pytest.mark.parametrize("role", sorted(CASE_WORK))
@pytest.mark.parametrize(
    "name", sorted(n for n, p in PAGES.items() if p.family and p.allowed & CASE_WORK)
)
def test_a_grant_opens_the_other_teams_family_pages(client, world, name, role):
    page = PAGES[name]
    user = world.users[role]
    client = _client(client, world, role)
    assert _request(client, world, name, page, "other_team").status_code == 404
    BreakGlassGrantFactory(worker=user, family=world.of("other_team", "family"))
    client = _client(client, world, role)
    response = _request(client, world, name, page, "other_team")
    if role not in page.allowed:
        assert response.status_code == 404
    elif name in BY_THE_CASE_ONLY:
        assert response.status_code == BY_THE_CASE_ONLY[name]
    else:
        expected = (400,) if page.regisseur_only else page.success
        assert response.status_code in expected, response.content.decode()[:500]


@pytest.mark.parametrize("role", sorted(CASE_WORK))
def test_a_grant_of_a_colleague_opens_nothing(client, world, role):
    BreakGlassGrantFactory(worker=world.colleague, family=world.of("other_team", "family"))
    client = _client(client, world, role)
    response = _request(client, world, "family-detail", PAGES["family-detail"], "other_team")
    assert response.status_code == 404


def _api_kwargs(name: str, referral) -> dict:
    """A referral's endpoint; a goal's, with a goal of that referral's case's plan."""
    kwargs = {"ref": referral.ref}
    if name == "provider-referral-goal-progress":
        plan = referral.case.plans.filter(is_current=True).first()
        kwargs["goal_id"] = GoalFactory(plan=plan or PlanFactory(case=referral.case)).pk
    return kwargs


@pytest.mark.parametrize("name", sorted(API))
def test_api_own_and_foreign(world, name):
    method, detail = API[name]
    api = APIClient(HTTP_AUTHORIZATION=f"Api-Key {world.provider_key}")
    if not detail:
        expected = 404 if name == "provider-webhook" else 200
        assert getattr(api, method)(reverse(name)).status_code == expected
        return
    own = reverse(name, kwargs=_api_kwargs(name, world.own_referral))
    foreign = reverse(name, kwargs=_api_kwargs(name, world.foreign_referral))
    if method == "get":
        assert api.get(own).status_code == 200
    assert getattr(api, method)(foreign, {}, format="json").status_code == 404


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
@pytest.mark.parametrize("name", sorted(API))
def test_the_api_is_closed_to_worker_sessions(client, world, name, role):
    method, detail = API[name]
    client = _client(client, world, role)
    kwargs = _api_kwargs(name, world.own_referral) if detail else {}
    response = getattr(client, method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 401


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(REGION_API))
def test_the_region_api_is_closed_to_worker_sessions(client, world, name, role):
    client = _client(client, world, role)
    assert client.get(reverse(name)).status_code == 401


@pytest.mark.parametrize("role", ["regisseur", "team_lead", "expert", "chair"])
def test_every_family_page_read_is_in_the_access_log(client, world, role):
    client = _client(client, world, role)
    before = AccessLogEntry.objects.count()
    assert client.get(reverse("family-detail", args=[world.own.ref])).status_code == 200
    entries = AccessLogEntry.objects.order_by("id")[before:]
    user = world.users[role]
    assert {e.family_ref for e in entries} == {world.own.ref}
    assert {e.object_ref for e in entries} >= {world.own.ref, world.own_youth.ref}
    assert all(e.actor.startswith(user.ref) and e.purpose for e in entries)


def test_a_foreign_family_leaves_no_read_in_the_log(client, world):
    client = _client(client, world, "regisseur")
    before = AccessLogEntry.objects.count()
    assert client.get(reverse("family-detail", args=[world.foreign.ref])).status_code == 404
    assert AccessLogEntry.objects.count() == before


@pytest.mark.parametrize("name", sorted(n for n, p in PAGES.items() if p.family))
def test_every_personal_data_page_writes_the_access_log(client, world, name):
    client = _client(client, world, "team_lead")
    before = AccessLogEntry.objects.count()
    response = _request(client, world, name, PAGES[name], "own")
    refused = (400,) if PAGES[name].regisseur_only else ()
    assert response.status_code in PAGES[name].success + refused
    entries = AccessLogEntry.objects.order_by("id")[before:]
    assert entries, f"{name} read or changed personal data without an access-log entry"
    assert {e.family_ref for e in entries} == {world.own.ref}


def test_the_family_list_logs_every_family_it_shows(client, world):
    client = _client(client, world, "regisseur")
    before = AccessLogEntry.objects.count()
    assert client.get(reverse("family-list")).status_code == 200
    shown = {e.family_ref for e in AccessLogEntry.objects.order_by("id")[before:]}
    visible = set(visible_families(world.users["regisseur"]).values_list("ref", flat=True))
    assert world.own.ref in shown
    assert world.foreign.ref not in shown
    assert shown == visible


# --- the provider's users (issue 18) ---------------------------------------------------------
# The login steps are theirs as everyone's; the start page sends them to their portal; every other
# page of the worker app is a 404 for them; on the portal their own provider's referrals answer,
# the other provider's are a 404 (PORTAL_PAGES: the worker roles above get a 404 on all of it).
PROVIDER_USER_PUBLIC = {"login", "logout", "oidc-start", "oidc-callback", "otp-verify", "otp-setup"}


@pytest.mark.parametrize("role", PROVIDER_ROLES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_for_provider_users(client, world, name, role):
    page = PAGES[name]
    client = _client(client, world, role)
    own = _request(client, world, name, page, "own")
    if name in PORTAL_PAGES:
        if role in page.allowed:
            assert own.status_code in page.success, own.content.decode()[:500]
        else:
            assert own.status_code == 404
        if page.kwargs:
            client = _client(client, world, role)
            foreign = _request(client, world, name, page, "foreign")
            assert foreign.status_code == 404, f"{role} reached another provider's {name}"
    elif name == "home":
        assert own.status_code == 302 and own["Location"] == reverse("portal-inbox")
    elif name in PROVIDER_USER_PUBLIC:
        assert own.status_code in page.success
    else:
        assert own.status_code == 404, f"{role} reached the worker page {name}"


@pytest.mark.parametrize("role", PROVIDER_ROLES)
def test_a_provider_users_read_of_a_referral_is_in_the_access_log(client, world, role):
    client = _client(client, world, role)
    before = AccessLogEntry.objects.count()
    url = reverse("portal-referral", kwargs={"ref": world.own_referral.ref})
    assert client.get(url).status_code == 200
    [entry] = AccessLogEntry.objects.order_by("id")[before:]
    user = world.provider_users[role]
    assert (entry.family_ref, entry.object_ref) == (world.own.ref, world.own_referral.ref)
    assert entry.actor_kind == "provider" and entry.actor.startswith(user.ref)


@pytest.mark.parametrize("role", PROVIDER_ROLES)
def test_another_providers_referral_leaves_no_read_in_the_log(client, world, role):
    client = _client(client, world, role)
    before = AccessLogEntry.objects.count()
    url = reverse("portal-referral", kwargs={"ref": world.foreign_referral.ref})
    assert client.get(url).status_code == 404
    assert AccessLogEntry.objects.count() == before
