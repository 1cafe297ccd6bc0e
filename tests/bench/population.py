"""The population ``make bench-pages SIZE=N`` measures the worker pages against.

``generate`` (COPY) lays down N youths in a region cut as a real one: a big city of many teams
(40 at 100,000 youths) and smaller municipalities of fewer, each team of a team lead and ten
regisseurs, families placed by team count, so a team has a few hundred open cases and a
regisseur 20–40. Families have carers. The change history of every generated row is filled in
bulk (one ``insert`` event per row, as the triggers would have written), the sweep opens the
flags and their meldingen, and the measured regisseur's caseload is filled out as work leaves
it: findings, explanations and strengths in the analysis, goals with actions in the plan,
consents, involved professionals, an education period, a pending hand-over and a pending move,
meldingen — written through the models, so the triggers record their history.

``build_population`` returns who and what is measured (``Measured``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from .generate import Layout, generate

# Teams per municipality at 100,000 youths (a big city first), scaled with the size.
TEAMS_AT_100K = (40, 30, 25, 20, 15, 12, 10, 8)
WORKERS_PER_TEAM = 11  # a team lead and ten regisseurs
CASELOAD = 30  # the measured regisseur: the one whose open caseload is nearest this
PROVIDER_REFERRALS = 20_000  # the large provider's referrals (size/50 when that is fewer)


@dataclass(frozen=True)
class Measured:
    regisseur: str  # usernames
    team_lead: str
    chair: str
    family: str  # the family page's family ref
    caseload: int  # open cases of the regisseur
    team_cases: int  # open cases of the team
    scope_families: int  # families of the municipalities the team serves
    counts: dict[str, int]
    # the provider's portal (issue 18): a provider holding PROVIDER_REFERRALS referrals (or
    # size/50 when that is fewer), a staff user of it, and one of its open referrals
    provider_user: str = ""
    provider_referral: str = ""
    provider_referrals: int = 0


def pages_layout(size: int) -> Layout:
    factor = size / 100_000
    teams = tuple(max(1, math.ceil(t * factor)) for t in TEAMS_AT_100K)
    return Layout(teams=teams, workers_per_team=WORKERS_PER_TEAM, carers=True)


def fill_history() -> dict[str, int]:
    """One ``insert`` event per existing row of every tracked table that has none yet, in one
    ``INSERT … SELECT`` per table: the history the triggers would have written had the rows
    not been copied in with the triggers off."""
    import pghistory.models

    written = {}
    with connection.cursor() as cursor:
        for event_model in apps.get_models():
            if not issubclass(event_model, pghistory.models.Event) or event_model._meta.proxy:
                continue
            tracked = event_model.pgh_tracked_model
            if tracked._meta.proxy or not hasattr(event_model, "pgh_obj"):
                continue
            tracked_columns = {f.column for f in tracked._meta.concrete_fields}
            columns = [
                f.column
                for f in event_model._meta.concrete_fields
                if not f.name.startswith("pgh_") and f.column in tracked_columns
            ]
            event_table, table = event_model._meta.db_table, tracked._meta.db_table
            obj = event_model._meta.get_field("pgh_obj").column
            source = ", ".join(f"t.{c}" for c in columns)
            cursor.execute(
                f"INSERT INTO {event_table} (pgh_created_at, pgh_label, {obj}"  # noqa: S608
                f"{', ' if columns else ''}{', '.join(columns)}) "
                f"SELECT now(), 'insert', t.id{', ' if columns else ''}{source} FROM {table} t "
                # NOT IN over a hashed list: read once. A NOT EXISTS would re-scan the table
                # being filled for every row (quadratic: 15 minutes for 90,000 carers).
                f"WHERE t.id NOT IN (SELECT {obj} FROM {event_table} WHERE {obj} IS NOT NULL)"
            )
            written[event_table] = cursor.rowcount
    return written


def _regisseur_of_team(team_id: int) -> tuple[int, int]:
    """The team's regisseur whose open caseload is nearest ``CASELOAD``, and that caseload."""
    from django.db.models import Count, Q

    from casusregie.models import Worker

    loads = (
        Worker.objects.filter(local_team_id=team_id, role_memberships__role="regisseur")
        .annotate(
            n=Count(
                "regie_periods",
                filter=Q(
                    regie_periods__until__isnull=True,
                    regie_periods__case__closed_on__isnull=True,
                ),
            )
        )
        .values_list("pk", "n")
    )
    return min(loads, key=lambda pk_n: (abs(pk_n[1] - CASELOAD), pk_n[0]))


@transaction.atomic
def fill_out_caseload(regisseur, team_lead, as_of: dt.date) -> str:
    """The measured regisseur's work: every open case's analysis and plan filled out, the
    biggest family (most youths, then referrals) with consents, involved professionals, a
    corrected education period, a pending hand-over; a move into the team waiting for the
    team lead; meldingen. Returns the biggest family's ref."""
    from django.db.models import Count

    from analyses.models import Analysis, DomainFinding, Explanation, Strength
    from casusregie.models import (
        SHARING_WITH_PROVIDER,
        Case,
        Consent,
        ConsentPurpose,
        EducationPeriod,
        FamilyMove,
        Notification,
        NotificationKind,
        RegieTransfer,
        Worker,
    )
    from plans.models import Action, Evaluation, Goal, Plan
    from tests.factories import InvolvedProfessionalFactory

    cases = list(
        Case.objects.filter(
            closed_on__isnull=True,
            regisseurs__worker=regisseur,
            regisseurs__until__isnull=True,
        )
        .annotate(n_youths=Count("family__youths", distinct=True))
        .annotate(n_referrals=Count("referrals", distinct=True))
        .select_related("family")
        .order_by("-n_youths", "-n_referrals", "pk")
    )
    for n, case in enumerate(cases):
        analysis = Analysis.objects.filter(case=case, is_current=True).first()
        explanations = []
        if analysis is not None:
            findings = [
                DomainFinding.objects.create(
                    analysis=analysis, domain=domain, text=f"Bevinding {d}"
                )
                for d, domain in enumerate(
                    ["onderwijs", "jeugdhulp", "gezondheid", "gezin_netwerk"]
                )
            ]
            for e in range(3):
                explanation = Explanation.objects.create(
                    analysis=analysis, text=f"Verklaring {e} van gezin {case.family.ref}"
                )
                explanation.findings.set(findings[e : e + 2])
                explanations.append(explanation)
            Strength.objects.create(analysis=analysis, text="Steunend netwerk")
        plan = Plan.objects.filter(case=case, is_current=True).first()
        if plan is not None:
            for g in range(3):
                goal = Goal.objects.create(plan=plan, text=f"Doel {g}")
                goal.explanations.set(explanations[g : g + 1])
                for a in range(2):
                    Action.objects.create(
                        goal=goal,
                        description=f"Actie {g}.{a}",
                        owner="ouders",
                        due_on=as_of + dt.timedelta(days=7 * (g + a) - 10),
                    )
            Evaluation.objects.create(plan=plan, planned_on=as_of + dt.timedelta(days=30 + n))
        Notification.objects.create(
            recipient=regisseur,
            kind=NotificationKind.values[n % len(NotificationKind.values)],
            case=case,
            text=f"Bericht over gezin {case.family.ref}",
            url_name="family-detail",
            url_args=[case.family.ref],
        )
    focus = cases[0]
    for purpose in ConsentPurpose.values:
        provider = None
        if purpose in SHARING_WITH_PROVIDER:
            provider = focus.referrals.values_list("provider", flat=True).first()
        Consent.objects.create(
            case=focus, purpose=purpose, provider_id=provider, given_on=focus.opened_on
        )
    for role in ("huisarts", "school", "leerplicht", "jeugdarts"):
        InvolvedProfessionalFactory(case=focus, role=role, from_date=focus.opened_on)
    youth = focus.family.youths.order_by("birth_date").first()
    period = EducationPeriod.objects.create(
        youth=youth,
        status="attending",
        from_date=as_of - dt.timedelta(days=20),
        school="Benchschool",
    )
    period.school = "Benchschool De Brug"
    period.save()  # a correction, kept in the history
    for carer in focus.family.carers.all():
        carer.city = "Benchstad-Zuid"
        carer.save()  # a change of address in the history
    colleague = (
        Worker.objects.filter(local_team=regisseur.local_team, role_memberships__role="regisseur")
        .exclude(pk=regisseur.pk)
        .order_by("pk")
        .first()
    )
    RegieTransfer.objects.create(
        case=cases[1 % len(cases)],
        from_worker=regisseur,
        to_worker=colleague,
        proposed_by=regisseur,
        proposed_on=as_of,
    )
    incoming = (
        Case.objects.filter(closed_on__isnull=True)
        .exclude(local_team=team_lead.local_team)
        .order_by("pk")
        .select_related("family")
        .first()
    )
    FamilyMove.objects.create(
        case=incoming,
        from_team_id=incoming.local_team_id,
        to_team=team_lead.local_team,
        from_municipality_id=incoming.family.municipality_id,
        to_municipality=team_lead.local_team.municipalities.first(),
        proposed_by=team_lead,
        proposed_on=as_of,
    )
    return focus.family.ref


def build_population(size: int, as_of: dt.date, progress: bool = True) -> Measured:
    """Generate ``size`` youths and make the measured workers' work real (see the module)."""
    from casusregie.models import Case, Family, LocalTeam, Role, RoleMembership, Worker
    from flags.services import sweep

    layout = pages_layout(size)
    counts = generate(size, as_of, progress=progress, layout=layout)
    provider_referrals = make_large_provider(min(PROVIDER_REFERRALS, size // 50))
    counts |= {f"history {k}": v for k, v in fill_history().items() if v}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sweep(as_of)
    team = LocalTeam.objects.get(ref="bench-lt-0-0")  # the big city's first team
    lead = Worker.objects.get(ref="bench-w-0-0-0")
    regisseur_id, caseload = _regisseur_of_team(team.pk)
    regisseur = Worker.objects.get(pk=regisseur_id)
    family = fill_out_caseload(regisseur, lead, as_of)
    region = team.municipalities.get().region
    chair, created = Worker.objects.get_or_create(
        ref="bench-chair", defaults={"username": "bench-chair", "region": region}
    )
    if created:
        RoleMembership.objects.create(worker=chair, role=Role.EXPERT_TABLE_CHAIR)
    provider_user, provider_referral = _provider_user(as_of)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Measured(
        regisseur=regisseur.username,
        team_lead=lead.username,
        chair=chair.username,
        family=family,
        caseload=caseload,
        team_cases=Case.objects.filter(local_team=team, closed_on__isnull=True).count(),
        scope_families=Family.objects.filter(municipality__local_teams=team).count(),
        counts=counts,
        provider_user=provider_user,
        provider_referral=provider_referral,
        provider_referrals=provider_referrals,
    )


def make_large_provider(referrals: int) -> int:
    """Give the first generated provider ``referrals`` of the generated referrals (the first by
    id, across the population), before the history is filled: a large provider for the portal's
    inbox. Returns how many it holds."""
    import pgtrigger

    from referrals.models import Provider, Referral

    provider = Provider.objects.order_by("pk").first()
    ids = Referral.objects.order_by("pk").values("pk")[:referrals]
    # No update event: the history is filled next, as if the rows were written so.
    with pgtrigger.ignore("referrals.Referral:update_update"):
        Referral.objects.filter(pk__in=ids).update(provider=provider)
    return Referral.objects.filter(provider=provider).count()


def _provider_user(as_of: dt.date) -> tuple[str, str]:
    """A staff user of the large provider, and its open referral oldest sent (the inbox's
    first)."""
    from casusregie.models import Worker
    from referrals.lifecycle import OPEN_STATUSES
    from referrals.models import Provider, ProviderMembership, Referral

    provider = Provider.objects.order_by("pk").first()
    worker, _created = Worker.objects.get_or_create(
        ref="bench-provider-user", defaults={"username": "bench-provider-user"}
    )
    ProviderMembership.objects.get_or_create(worker=worker, defaults={"provider": provider})
    referral = (
        Referral.objects.filter(provider=provider, status__in=[str(s) for s in OPEN_STATUSES])
        .order_by("sent_on", "pk")
        .values_list("ref", flat=True)
        .first()
    )
    return worker.username, referral or ""
