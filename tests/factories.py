"""Factories for the GARP core. Test BSNs are synthetic and pass the 11-proef."""

from __future__ import annotations

import datetime as dt
import random

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from analyses.models import Analysis, AnalysisStatus
from casusregie.bsn import synthetic_bsn as generate_bsn
from casusregie.models import (
    BreakGlassGrant,
    BreakGlassReason,
    Carer,
    Case,
    EducationPeriod,
    EducationStatus,
    Family,
    LocalTeam,
    Municipality,
    Region,
    RegisseurPeriod,
    Role,
    RoleMembership,
    Worker,
    Youth,
)
from escalations.models import Escalation
from escalations.services import expert_table_of
from plans.models import Evaluation, Goal, PerspectivePlan, Plan
from referrals.lifecycle import Status
from referrals.models import (
    Contract,
    GoalProgress,
    Product,
    ProgressScale,
    Provider,
    ProviderMembership,
    ProviderRole,
    Referral,
    Segment,
)


def synthetic_bsn(seed: int) -> str:
    """A 9-digit number passing the 11-proef, derived deterministically from ``seed``."""
    return generate_bsn(random.Random(seed))  # noqa: S311 - synthetic test data


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"regio-{n}")
    name = factory.Sequence(lambda n: f"Regio {n}")


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"GM{n % 10000:04d}")
    name = factory.Sequence(lambda n: f"Gemeente {n}")
    region = factory.SubFactory(RegionFactory)


class LocalTeamFactory(DjangoModelFactory):
    class Meta:
        model = LocalTeam
        skip_postgeneration_save = True

    ref = factory.Sequence(lambda n: f"lt-{n}")
    name = factory.Sequence(lambda n: f"Wijkteam {n}")

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if not create:
            return
        self.municipalities.set(extracted or [MunicipalityFactory()])


class WorkerFactory(DjangoModelFactory):
    class Meta:
        model = Worker
        skip_postgeneration_save = True

    ref = factory.Sequence(lambda n: f"w-{n}")
    username = factory.Sequence(lambda n: f"medewerker{n}")
    name = factory.Sequence(lambda n: f"Medewerker {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    local_team = factory.SubFactory(LocalTeamFactory)
    password = factory.django.Password("geheim-wachtwoord-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        for role in extracted if extracted is not None else [Role.REGISSEUR]:
            RoleMembership.objects.get_or_create(worker=self, role=role)


class FamilyFactory(DjangoModelFactory):
    class Meta:
        model = Family

    ref = factory.Sequence(lambda n: f"f-{n}")
    municipality = factory.SubFactory(MunicipalityFactory)


class CarerFactory(DjangoModelFactory):
    class Meta:
        model = Carer

    ref = factory.Sequence(lambda n: f"c-{n}")
    family = factory.SubFactory(FamilyFactory)
    name = factory.Sequence(lambda n: f"Ouder {n}")
    bsn = factory.Sequence(lambda n: synthetic_bsn(10_000 + n))


class YouthFactory(DjangoModelFactory):
    class Meta:
        model = Youth

    ref = factory.Sequence(lambda n: f"y-{n}")
    family = factory.SubFactory(FamilyFactory)
    name = factory.Sequence(lambda n: f"Jeugdige {n}")
    bsn = factory.Sequence(lambda n: synthetic_bsn(n))
    birth_date = dt.date(2012, 3, 1)
    has_startkwalificatie = False


class EducationPeriodFactory(DjangoModelFactory):
    class Meta:
        model = EducationPeriod

    youth = factory.SubFactory(YouthFactory)
    status = EducationStatus.ATTENDING
    from_date = dt.date(2018, 9, 1)


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case

    ref = factory.Sequence(lambda n: f"k-{n}")
    family = factory.SubFactory(FamilyFactory)
    local_team = factory.SubFactory(LocalTeamFactory)
    opened_on = dt.date(2026, 1, 5)
    closed_on = None


class RegisseurPeriodFactory(DjangoModelFactory):
    class Meta:
        model = RegisseurPeriod

    case = factory.SubFactory(CaseFactory)
    worker = factory.SubFactory(WorkerFactory)
    from_date = factory.SelfAttribute("case.opened_on")
    until = None


class AnalysisFactory(DjangoModelFactory):
    class Meta:
        model = Analysis

    case = factory.SubFactory(CaseFactory)
    status = AnalysisStatus.ESTABLISHED
    established_on = factory.SelfAttribute("case.opened_on")
    participants = factory.LazyFunction(lambda: ["carers", "youth"])


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    case = factory.SubFactory(CaseFactory)
    agreed_on = factory.SelfAttribute("case.opened_on")


class EvaluationFactory(DjangoModelFactory):
    class Meta:
        model = Evaluation

    plan = factory.SubFactory(PlanFactory)
    planned_on = dt.date(2026, 6, 1)
    held_on = None


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(PlanFactory)
    position = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Doel {n}: weer naar school")


class PerspectivePlanFactory(DjangoModelFactory):
    class Meta:
        model = PerspectivePlan

    case = factory.SubFactory(CaseFactory)
    youth = factory.SubFactory(YouthFactory, family=factory.SelfAttribute("..case.family"))
    kind = "transition_18"
    status = "draft"
    started_on = dt.date(2026, 1, 5)
    # An agreed plan has every part filled or not applicable (perspective_agreed_parts_complete)
    # and a date of agreement: by default its parts are not applicable, agreed on its start.
    housing_na = factory.LazyAttribute(lambda o: o.status == "agreed")
    school_or_work_na = factory.LazyAttribute(lambda o: o.status == "agreed")
    income_na = factory.LazyAttribute(lambda o: o.status == "agreed")
    help_at_home_na = factory.LazyAttribute(lambda o: o.status == "agreed")
    adult_services_na = factory.LazyAttribute(lambda o: o.status == "agreed")
    agreed_on = factory.LazyAttribute(lambda o: o.started_on if o.status == "agreed" else None)


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    ref = factory.Sequence(lambda n: f"p-{n}")
    name = factory.Sequence(lambda n: f"Aanbieder {n}")


class SegmentFactory(DjangoModelFactory):
    """A purchasing segment of one shared test region (the same code gives the same segment)."""

    class Meta:
        model = Segment
        django_get_or_create = ("region", "code")

    region = factory.SubFactory(RegionFactory, code="testregio", name="Testregio")
    code = "ambulant"
    name = factory.LazyAttribute(lambda s: s.code.replace("_", " ").capitalize())


class ProductFactory(DjangoModelFactory):
    """A product; ``segment`` may be given as a code (``segment="verblijf"``)."""

    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PROD-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    segment = factory.SubFactory(SegmentFactory)
    specialist = True
    out_of_home = False
    crisis = False

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if isinstance(kwargs.get("segment"), str):
            kwargs["segment"] = SegmentFactory(code=kwargs["segment"])
        return kwargs


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = Contract
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    product = factory.SubFactory(ProductFactory)
    valid_from = dt.date(2020, 1, 1)

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.set(extracted)


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral

    ref = factory.Sequence(lambda n: f"r-{n}")
    case = factory.SubFactory(CaseFactory)
    youth = factory.SubFactory(YouthFactory, family=factory.SelfAttribute("..case.family"))
    product = factory.SubFactory(ProductFactory)
    provider = factory.SubFactory(ProviderFactory)
    status = Status.DRAFT


class GoalProgressFactory(DjangoModelFactory):
    """A provider's report on a goal of its referral's case's plan (pass both: the database
    keeps a report within its case)."""

    class Meta:
        model = GoalProgress

    scale = ProgressScale.WORKING
    text = "Gaat de goede kant op."


class EscalationFactory(DjangoModelFactory):
    class Meta:
        model = Escalation

    ref = factory.Sequence(lambda n: f"e-{n}")
    case = factory.SubFactory(CaseFactory)
    # the expert table of the case's region, unless told
    table = factory.LazyAttribute(lambda o: expert_table_of(o.case.family.municipality.region_id))
    submitted_on = dt.date(2026, 3, 2)
    reason = "geen passend aanbod"


class InvolvedProfessionalFactory(DjangoModelFactory):
    """A professional around the family (a huisarts unless told); ``holds_regie`` for a GI."""

    class Meta:
        model = "casusregie.InvolvedProfessional"

    case = factory.SubFactory(CaseFactory)
    role = "huisarts"
    organisation = factory.Sequence(lambda n: f"Huisartsenpraktijk {n}")
    contact_name = "dr. J. Bakker"
    from_date = factory.SelfAttribute("case.opened_on")
    until = None
    holds_regie = False


class GiRegieFactory(InvolvedProfessionalFactory):
    """Regie bij de GI: a GI jeugdbescherming holding regie under a child-protection measure."""

    role = "gi_jeugdbescherming"
    organisation = factory.Sequence(lambda n: f"William Schrikker Stichting {n}")
    holds_regie = True


class BreakGlassGrantFactory(DjangoModelFactory):
    """A break-the-glass grant in force now, for ``BREAK_GLASS_HOURS`` hours."""

    class Meta:
        model = BreakGlassGrant

    worker = factory.SubFactory(WorkerFactory)
    family = factory.SubFactory(FamilyFactory)
    reason = BreakGlassReason.CRISIS
    explanation = "Acute zorgen gemeld door de school, regisseur onbereikbaar."
    granted_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.granted_at + dt.timedelta(hours=24))


class ProviderMembershipFactory(DjangoModelFactory):
    """A provider user: a worker account without local team, region or role, linked to a
    provider (staff unless told)."""

    class Meta:
        model = ProviderMembership

    worker = factory.SubFactory(WorkerFactory, local_team=None, roles=[])
    provider = factory.SubFactory(ProviderFactory)
    role = ProviderRole.STAFF
