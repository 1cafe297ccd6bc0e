"""Demo data: a believable jeugdregio, built as a dossier and imported (so it is idempotent).

Synthetic only: invented Dutch names, BSNs generated to pass the 11-proef. Dates are relative to
the day the demo is built, so every state of the rulebook shows up in the demo.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from analyses.models import Explanation
from casusregie.admin_roles import ensure_functional_admin_group
from casusregie.bsn import synthetic_bsn
from casusregie.models import (
    GI_ROLES,
    Carer,
    CarerRelation,
    Case,
    CloseReason,
    Consent,
    ConsentPurpose,
    FamilyAccount,
    InvolvedProfessional,
    InvolvedRole,
    Region,
    RegisseurPeriod,
    Relation,
    Role,
    Worker,
    Youth,
)
from casusregie.services import current_regisseur_of, invite_family_member
from dossier.importer import import_dossier
from escalations.models import (
    AgendaItem,
    CallerKind,
    Escalation,
    Invitation,
    InvitationKind,
    Table,
    TableKind,
    TableSession,
)
from escalations.services import expert_table_of
from plans.models import Evaluation, EvaluationOutcome, Goal, GoalStatus, Plan
from referrals.models import Provider, ProviderMembership, Referral, Referrer

from .accounts import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    FAMILY_LOGINS,
    PROVIDER_USERS,
    REGION,
    WORKERS,
)

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "build_dossier", "load_demo_data"]

# Rijnmond buys in lots A-F (seed 003): the region's own purchasing segments.
SEGMENTS = [
    ("pleegzorg", "A Pleegzorg"),
    ("opname", "B Opname (bed & behandeling)"),
    ("langdurig_verblijf", "C Langdurig verblijf"),
    ("dagbehandeling", "D Steun, hulp of behandeling overdag"),
    ("ambulant", "E Ambulante hulpverlening"),
    ("crisis", "F Crisishulp"),
]
# code, name, segment, specialist, iJw productcategorie, out of home, crisis
PRODUCTS = [
    ("AMB-BAS", "Ambulante jeugdhulp basis", "ambulant", False, "45", False, False),
    ("AMB-SPEC", "Specialistische ambulante jeugdhulp", "ambulant", True, "45", False, False),
    ("DAGB-GRP", "Dagbehandeling in groep", "dagbehandeling", True, "41", False, False),
    ("VERB-GEZ", "Gezinshuis", "langdurig_verblijf", True, "43", True, False),
    ("VERB-RES", "Residentiële jeugdhulp", "opname", True, "44", True, False),
    ("PLEEG", "Pleegzorg", "pleegzorg", True, "43", True, False),
    ("CRISIS", "Crisisopvang", "crisis", True, "46", True, True),
    ("CRISIS-THUIS", "Crisishulp thuis", "crisis", True, "46", False, True),
    ("OZA", "Onderwijs-zorgarrangement", "dagbehandeling", True, "45", False, False),
    ("VEIL-GEZ", "Gezinsgerichte veiligheidsaanpak", "ambulant", True, "45", False, False),
]
PROVIDERS = [
    ("p-horizon", "Jeugdzorg Horizon", ["AMB-SPEC", "DAGB-GRP", "OZA"]),
    ("p-maaskant", "Maaskant Jeugd & Gezin", ["AMB-BAS", "AMB-SPEC", "VEIL-GEZ"]),
    ("p-havenhuis", "Het Havenhuis", ["VERB-GEZ", "VERB-RES", "CRISIS", "CRISIS-THUIS"]),
    ("p-pleegrijn", "Pleegzorg Rijnmond", ["PLEEG", "VERB-GEZ"]),
    ("p-deschakel", "De Schakel Onderwijszorg", ["OZA", "DAGB-GRP", "AMB-BAS"]),
]
SURNAMES = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kaya",
    "Yilmaz",
    "El Idrissi",
    "Bouzid",
    "Martina",
    "Pinas",
    "Nguyen",
    "Kowalski",
]
GIVEN = [
    "Noah",
    "Emma",
    "Liam",
    "Julia",
    "Lucas",
    "Mila",
    "Sem",
    "Tess",
    "Finn",
    "Sophie",
    "Milan",
    "Zoë",
    "Daan",
    "Sara",
    "Levi",
    "Nora",
    "Mohammed",
    "Yara",
    "Adam",
    "Lina",
    "Jayden",
    "Fenna",
    "Luuk",
    "Noor",
    "Bram",
    "Evi",
    "Ayoub",
    "Amira",
    "Jesse",
    "Lotte",
]
ADULTS = ["Marieke", "Kees", "Fatma", "Ahmed", "Ilse", "Rob", "Samira", "Patrick", "Linda", "Hasan"]


def build_dossier(today: dt.date, families: int = 50, seed: int = 2026) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets

    def ago(days: int) -> str:
        return (today - dt.timedelta(days=days)).isoformat()

    doc: dict[str, Any] = {
        "format": "casusregie-dossier",
        "version": 2,
        "regions": [{"code": REGION, "name": "Rijnmond"}],
        "segments": [{"code": c, "name": n} for c, n in SEGMENTS],
        "municipalities": [
            {"code": "GM0599", "name": "Rotterdam", "region": REGION},
            {"code": "GM0606", "name": "Schiedam", "region": REGION},
        ],
        "local_teams": [
            {"ref": "lt-delfshaven", "name": "Wijkteam Delfshaven", "municipalities": ["GM0599"]},
            {"ref": "lt-noord", "name": "Wijkteam Noord", "municipalities": ["GM0599"]},
            {"ref": "lt-schiedam", "name": "Jeugdteam Schiedam", "municipalities": ["GM0606"]},
        ],
        "workers": [
            {
                "ref": username,
                "name": name,
                "email": f"{username}@demo.casusregie.example",
                "local_team": team,
                "roles": roles,
            }
            for username, name, team, roles, _ in WORKERS
        ],
        "providers": [{"ref": ref, "name": name} for ref, name, _ in PROVIDERS],
        "products": [
            {
                "code": c,
                "name": n,
                "segment": s,
                "specialist": sp,
                "ijw_category": ijw,
                "out_of_home": out,
                "crisis": crisis,
            }
            for c, n, s, sp, ijw, out, crisis in PRODUCTS
        ],
        "contracts": [
            {
                "provider": ref,
                "product": product,
                "municipalities": ["GM0599", "GM0606"],
                "valid_from": f"{today.year - 1}-01-01",
            }
            for ref, _, products in PROVIDERS
            for product in products
        ],
        "families": [],
    }
    regisseurs = {
        "lt-delfshaven": ["anna", "bram", "tineke"],
        "lt-noord": ["chantal"],
        "lt-schiedam": ["dirk"],
    }
    providers_for = {}
    for ref, _, products in PROVIDERS:
        for product in products:
            providers_for.setdefault(product, []).append(ref)

    for i in range(families):
        team = ["lt-delfshaven", "lt-noord", "lt-schiedam"][i % 3]
        municipality = "GM0606" if team == "lt-schiedam" else "GM0599"
        surname = SURNAMES[i % len(SURNAMES)]
        f_ref = f"demo-f{i:03d}"
        carers = [
            {
                "ref": f"{f_ref}-c{j}",
                "name": f"{rng.choice(ADULTS)} {surname}",
                "bsn": synthetic_bsn(rng),
                "birth_date": f"{today.year - rng.randint(28, 50)}-0{rng.randint(1, 9)}-1{j}",
            }
            for j in range(rng.choice([1, 2, 2]))
        ]
        youths = []
        for j in range(rng.choice([1, 1, 2, 2, 3])):
            age_days = rng.randint(4 * 365, 18 * 365 - 20) if i % 10 else 17 * 365 + 100
            birth = today - dt.timedelta(days=age_days)
            education = [{"status": "attending", "from": f"{birth.year + 4}-09-01"}]
            if i % 7 == 3 and j == 0:
                education.append(
                    {
                        "status": rng.choice(["absent", "not_enrolled"]),
                        "from": ago(rng.randint(20, 150)),
                    }
                )
            youths.append(
                {
                    "ref": f"{f_ref}-y{j}",
                    "name": f"{GIVEN[(i * 3 + j) % len(GIVEN)]} {surname}",
                    "bsn": synthetic_bsn(rng),
                    "birth_date": birth.isoformat(),
                    "has_startkwalificatie": False,
                    "education": education,
                }
            )
        opened = rng.randint(10, 400)
        case: dict[str, Any] = {
            "ref": f"demo-k{i:03d}",
            "opened_on": ago(opened),
            "local_team": team,
            "regisseurs": []
            if i % 11 == 5
            else [{"worker": rng.choice(regisseurs[team]), "from": ago(opened - 1)}],
            "perspective_plans": [],
            "referrals": [],
            "escalations": [],
        }
        if involved := _demo_involved(i, opened, has_regisseur=bool(case["regisseurs"]), ago=ago):
            case["involved"] = involved
        if i % 9 != 4:
            established = i % 6 != 2
            case["analysis"] = {
                "status": "established" if established else "draft",
                "participants": ["carers", "youth"] if established else ["carers"],
                "domains": {
                    "onderwijs": "Wisselende schoolgang; mentor maakt zich zorgen.",
                    "gezin_netwerk": "Ouders overbelast; weinig netwerk in de buurt.",
                    "bestaanszekerheid": "Schulden; gezin staat op de wachtlijst voor hulp.",
                },
                "explanations": [
                    "De spanning thuis door de schulden vertaalt zich in verzuim op school.",
                    "Zonder netwerk staan de ouders er alleen voor als het misgaat.",
                ],
            }
            if established:
                case["analysis"]["established_on"] = ago(max(opened - 20, 1))
        if i % 5 != 1:
            agreed = max(opened - 30, 1)
            case["plan"] = {
                "agreed_on": ago(agreed),
                "evaluations": [
                    {"planned_on": ago(agreed - 90), "held_on": ago(agreed - 91)}
                    if agreed > 120
                    else {"planned_on": ago(rng.randint(-60, 40))}
                ],
            }
        if established_case := case.get("analysis", {}).get("status") == "established":
            for k, youth in enumerate(youths[: rng.choice([0, 1, 1, 2])]):
                product = rng.choice([p[0] for p in PRODUCTS])
                status = rng.choice(
                    [
                        "draft",
                        "sent",
                        "accepted",
                        "accepted",
                        "declined",
                        "expired",
                        "started",
                        "started",
                        "ended",
                    ]
                )
                # 20 working days to expire: four weeks or more
                sent = rng.randint(30, 60) if status == "expired" else rng.randint(3, 120)
                ref: dict[str, Any] = {
                    "ref": f"demo-r{i:03d}-{k}",
                    "youth": youth["ref"],
                    "product": product,
                    "provider": rng.choice(providers_for[product]),
                    "status": status,
                }
                if referrer := DEMO_REFERRERS.get(i % 4):  # else the gemeente (the default)
                    ref["referrer"] = referrer
                if status != "draft":
                    ref["sent_on"] = ago(sent)
                if status in ("accepted", "declined", "started", "ended"):
                    ref["answered_on"] = ago(sent - rng.randint(1, min(sent - 1, 10)))
                if status == "declined":
                    ref["decline_reason"] = "geen capaciteit"
                if status in ("started", "ended"):
                    ref["started_on"] = ref["answered_on"]
                if status == "ended":
                    ref["ended_on"] = ago(1)
                    ref["end_reason"] = "doelen behaald"
                if status == "expired":
                    ref["expired_on"] = ago(sent - 28)
                if status in ("sent", "accepted") and sent > 14 and k % 2 == 0:
                    ref["bridging"] = {
                        "from": ago(sent - 7),
                        "description": "Wekelijks contact met de jeugdconsulent tot de start",
                        "by": "Wijkteam",
                    }
                case["referrals"].append(ref)
            if i == HORIZON_IN_CARE_FAMILY:
                case["referrals"].append(_horizon_in_care(i, youths[0], case, ago))
        elif youths and i % 11 == 3:
            # Crisis first: a crisis placement before the analysis is established.
            days = rng.randint(3, 40)
            case["referrals"].append(
                {
                    "ref": f"demo-r{i:03d}-crisis",
                    "youth": youths[0]["ref"],
                    "product": "CRISIS",
                    "provider": "p-havenhuis",
                    "status": "started",
                    "sent_on": ago(days),
                    "answered_on": ago(days),
                    "started_on": ago(days),
                }
            )
        if established_case and i % 13 == 6:
            case["escalations"].append(
                {
                    "ref": f"demo-e{i:03d}",
                    "submitted_on": ago(rng.randint(2, 30)),
                    "reason": "Geen passend aanbod binnen de contracten.",
                }
            )
        cases = [case]
        if i % 8 == 7:
            cases.insert(
                0,
                {
                    "ref": f"demo-k{i:03d}-oud",
                    "opened_on": ago(opened + 400),
                    "closed_on": ago(opened + 100),
                    "local_team": team,
                    "regisseurs": [],
                    "perspective_plans": [],
                    "referrals": [],
                    "escalations": [],
                },
            )
        doc["families"].append(
            {
                "ref": f_ref,
                "municipality": municipality,
                "carers": carers,
                "youths": youths,
                "cases": cases,
            }
        )
    return doc


#: The family (number) whose eldest youth (17, as every tenth family's) Jeugdzorg Horizon has in
#: care, with the family's consent to share the analysis and the plan: the provider portal's
#: progress per goal and perspective plan can be shown on it (issue 18).
HORIZON_IN_CARE_FAMILY = 0
HORIZON_IN_CARE_REFERRAL = f"demo-r{HORIZON_IN_CARE_FAMILY:03d}-horizon"


def _horizon_in_care(i: int, youth: dict[str, Any], case: dict[str, Any], ago) -> dict[str, Any]:
    """Jeugdzorg Horizon's referral of the youth, care started a month ago: a product of
    Horizon's that the youth has no other referral for (no random draw: the rest of the demo
    region stays as it was)."""
    taken = {r["product"] for r in case["referrals"] if r["youth"] == youth["ref"]}
    [(_ref, _name, products)] = [p for p in PROVIDERS if p[0] == "p-horizon"]
    product = next(p for p in products if p not in taken)
    return {
        "ref": HORIZON_IN_CARE_REFERRAL,
        "youth": youth["ref"],
        "product": product,
        "provider": "p-horizon",
        "status": "started",
        "sent_on": ago(45),
        "answered_on": ago(40),
        "started_on": ago(35),
    }


def _demo_horizon_sharing() -> int:
    """The family of ``HORIZON_IN_CARE_REFERRAL`` consents to share the analysis and the plan
    with Jeugdzorg Horizon (the dossier format carries no consents). Idempotent; returns the
    consents created."""
    referral = (
        Referral.objects.filter(ref=HORIZON_IN_CARE_REFERRAL)
        .select_related("case", "provider")
        .first()
    )
    if referral is None:
        return 0
    _consent, made = Consent.objects.get_or_create(
        case=referral.case,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        provider=referral.provider,
        withdrawn_on=None,
        defaults={"given_on": referral.sent_on},
    )
    return int(made)


def _demo_family_accounts() -> int:
    """The family of ``HORIZON_IN_CARE_REFERRAL`` in the gezinsportaal: its regisseur invites a
    carer with gezag and the youth of 17 (``FAMILY_LOGINS``), through the service a regisseur's
    invitation takes (in the access log; the invitation e-mail goes out). Idempotent; returns
    the accounts created."""
    referral = (
        Referral.objects.filter(ref=HORIZON_IN_CARE_REFERRAL)
        .select_related("case__family", "youth")
        .first()
    )
    if referral is None or not referral.case.is_open:
        return 0
    case = referral.case
    period = current_regisseur_of(case)
    carer = Carer.objects.filter(family=case.family).order_by("ref").first()
    if period is None or carer is None:
        return 0
    # The dossier format carries no relations: the first carer is a parent with gezag over
    # the family's youths.
    for youth in Youth.objects.filter(family=case.family):
        CarerRelation.objects.get_or_create(
            carer=carer, youth=youth, defaults={"relation": Relation.PARENT, "has_gezag": True}
        )
    people = [{"carer": carer}, {"youth": referral.youth}]
    created = 0
    for (email, _description), person in zip(FAMILY_LOGINS, people, strict=True):
        if FamilyAccount.objects.filter(email=email).exists():
            continue
        invite_family_member(case=case, by=period.worker, email=email, **person)
        created += 1
    return created


#: Who referred (iJw verwijzer) by family number modulo 4; the others: the gemeente.
DEMO_REFERRERS = {0: Referrer.GP.value, 2: Referrer.GI.value}


def _demo_involved(i: int, opened: int, *, has_regisseur: bool, ago) -> list[dict[str, Any]]:
    """The people around demo family ``i`` (issue 16): a huisarts and a school for some; for
    every twelfth family with a regisseur a GI jeugdbescherming holding regie (a
    kinderbeschermingsmaatregel) while the local regisseur stays involved. No random draws,
    so the rest of the demo stays as it was."""
    since = ago(max(opened - 5, 1))
    people: list[dict[str, Any]] = []
    if i % 4 == 1:
        people.append(
            {
                "role": InvolvedRole.GP.value,
                "organisation": "Huisartsenpraktijk Het Park",
                "contact_name": "dr. M. Yilmaz",
                "phone": "010 512 34 56",
                "from": since,
            }
        )
    if i % 8 == 1:
        people.append(
            {
                "role": InvolvedRole.SCHOOL.value,
                "organisation": "OBS De Horizon",
                "contact_name": "mevr. P. Jansen (intern begeleider)",
                "email": "ib@horizon.example",
                "from": since,
            }
        )
    if has_regisseur and i % 12 == 2:
        people.append(
            {
                "role": InvolvedRole.GI_YOUTH_PROTECTION.value,
                "organisation": "Jeugdbescherming Rotterdam Rijnmond",
                "contact_name": "Fatima El Amrani (jeugdbeschermer)",
                "phone": "010 888 12 34",
                "from": since,
                "holds_regie": True,
            }
        )
    return people


#: The goals the demo gives a plan that has none (text, status): afbouw made visible.
DEMO_GOALS = [
    ("De jeugdige gaat weer elke dag naar school.", GoalStatus.REACHED),
    ("De ouders hebben een schuldhulpverlener en een afbetalingsregeling.", GoalStatus.OPEN),
    ("Wekelijkse gezinsgesprekken thuis.", GoalStatus.STOPPED),
]
#: The outcome of a held evaluation, by the case's number modulo 3.
DEMO_OUTCOMES = [EvaluationOutcome.CONTINUE, EvaluationOutcome.SCALE_DOWN, EvaluationOutcome.STOP]


def _demo_plans_and_closings() -> None:
    """What the dossier format does not carry (issue 16): goals with a status on the first
    plans, an outcome on every held evaluation, and a closing reason with its warme overdracht
    on closed cases. Idempotent: only what is still empty is filled."""
    plans = (
        Plan.objects.filter(case__ref__startswith="demo-k", is_current=True)
        .select_related("case")
        .order_by("case__ref")
    )
    for plan in plans[:6]:
        if plan.goals.exists():
            continue
        goals = Goal.objects.bulk_create(
            Goal(plan=plan, position=n, text=text, status=status)
            for n, (text, status) in enumerate(DEMO_GOALS)
        )
        explanations = list(
            Explanation.objects.filter(
                analysis__case=plan.case, analysis__is_current=True
            ).order_by("position", "pk")
        )
        for goal, explanation in zip(goals, explanations, strict=False):
            goal.explanations.add(explanation)  # 1 Plan follows 1 Analyse
    for evaluation in Evaluation.objects.filter(
        plan__case__ref__startswith="demo-k", held_on__isnull=False, outcome=""
    ).select_related("plan__case"):
        number = int(evaluation.plan.case.ref[len("demo-k") :][:3])
        evaluation.outcome = DEMO_OUTCOMES[number % 3]
        evaluation.save(update_fields=["outcome"])
    Case.objects.filter(ref__startswith="demo-k", closed_on__isnull=False, close_reason="").update(
        close_reason=CloseReason.GOALS_REACHED,
        handed_over_to="Consultatiebureau / CJG in de wijk (pedagogische basis)",
        close_note="Warme overdracht: kennismaking met het gezin op het CJG.",
    )


DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, demo only


def ensure_demo_device(worker: Worker) -> None:
    """Demo accounts share one published authenticator key, so anyone trying the demo can log
    in: ``manage.py demo_totp`` prints the current code. Never used outside the demo data."""
    TOTPDevice.objects.get_or_create(
        user=worker, name="demo", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )


@transaction.atomic
def load_demo_data(today: dt.date) -> int:
    """Import the demo region and give the demo workers their logins. Returns rows changed."""
    result = import_dossier(build_dossier(today))
    region = Region.objects.get(code=REGION)
    for username, _, team, roles, _ in WORKERS:
        worker = Worker.objects.get(ref=username)
        changed = []
        if worker.username != username:
            worker.username, changed = username, [*changed, "username"]
        if team is None and worker.region_id != region.pk:
            worker.region, changed = region, [*changed, "region"]
        # The functional administrator is staff in the configuration group, not a superuser:
        # no family data in the admin (least privilege).
        is_admin = Role.ADMIN in roles
        if worker.is_staff != is_admin or worker.is_superuser:
            worker.is_staff, worker.is_superuser = is_admin, False
            changed += ["is_staff", "is_superuser"]
        if is_admin:
            worker.groups.add(ensure_functional_admin_group())
        ensure_demo_device(worker)
        if not worker.has_usable_password():
            worker.set_password(DEMO_PASSWORD)
            changed.append("password")
        if changed:
            worker.save(update_fields=changed)
    provider_users = _demo_provider_users()
    _demo_tables(region)
    _plan_demo_table_session(today, region)
    _demo_plans_and_closings()
    sharing = _demo_horizon_sharing()
    accounts = _demo_family_accounts()
    return result.created + result.updated + result.deleted + provider_users + sharing + accounts


def _demo_provider_users() -> int:
    """The providers' demo users (``PROVIDER_USERS``): an account without team, region or role,
    a membership of the provider, the demo authenticator. Returns the accounts created."""
    created = 0
    for username, name, provider_ref, role, _ in PROVIDER_USERS:
        worker, made = Worker.objects.get_or_create(
            username=username,
            defaults={"ref": f"demo-{username}", "name": name, "email": f"{username}@demo.example"},
        )
        if made:
            worker.set_password(DEMO_PASSWORD)
            worker.save(update_fields=["password"])
            created += 1
        ProviderMembership.objects.get_or_create(
            worker=worker,
            defaults={"provider": Provider.objects.get(ref=provider_ref), "role": role},
        )
        ensure_demo_device(worker)
    return created


def _demo_tables(region: Region) -> None:
    """The region's three tables: its expert table (made with the region), the
    Beschermingstafel (called by the regisseur, a GI or Veilig Thuis) and the
    Zorgbemiddelingstafel (placements; called by the regisseur), with chair fatima and member
    eva at both; the GI worker gijs is the account of a GI involved with the first open demo
    case that has one."""
    chair, member = Worker.objects.get(ref="fatima"), Worker.objects.get(ref="eva")
    expert_table_of(region.pk)
    for kind, name, callers in (
        (
            TableKind.PROTECTION,
            "Beschermingstafel Rijnmond",
            [CallerKind.REGISSEUR, CallerKind.GI, CallerKind.VEILIG_THUIS],
        ),
        (TableKind.PLACEMENT, "Zorgbemiddelingstafel Rijnmond", [CallerKind.REGISSEUR]),
    ):
        table, _created = Table.objects.get_or_create(
            region=region, name=name, defaults={"kind": kind, "callers": callers}
        )
        table.members.add(chair, member)
    gi = (
        InvolvedProfessional.objects.filter(
            case__family__municipality__region=region,
            case__closed_on__isnull=True,
            role__in=[r.value for r in GI_ROLES],
            until__isnull=True,
        )
        .order_by("case__ref", "id")
        .first()
    )
    if gi is not None and gi.worker_id is None:
        gi.worker = Worker.objects.get(ref="gijs")
        gi.save(update_fields=["worker", "updated_at"])


def _plan_demo_table_session(today: dt.date, region: Region) -> None:
    """The dossier format has no place for the expert table's sessions: once, a session a week
    ahead, 14:00–16:00 at the Stadskantoor (chair fatima, member eva, both invited), with the
    first waiting demo escalation on its agenda and its regisseur invited; and a short online
    session the same morning, so the agenda's dropdown shows two sessions on one day. All
    waiting demo escalations but the last have the family's consent for the table (the last
    shows what the table sees without it)."""

    waiting = list(
        Escalation.objects.filter(
            ref__startswith="demo-e", discussed_on__isnull=True, case__closed_on__isnull=True
        ).order_by("ref")
    )
    if not waiting:
        return
    escalation = waiting[0]
    chair, member = Worker.objects.get(ref="fatima"), Worker.objects.get(ref="eva")
    held_on = today + dt.timedelta(days=7)
    session, created = TableSession.objects.get_or_create(
        ref="demo-zitting-1",
        defaults={
            "region": region,
            "table": expert_table_of(region.pk),
            "held_on": held_on,
            "starts_at": dt.time(14, 0),
            "ends_at": dt.time(16, 0),
            "place": "Stadskantoor, zaal 3",
            "planned_by": chair,
        },
    )
    now = timezone.now()
    if created:
        session.members.set([chair, member])
        Invitation.objects.bulk_create(
            Invitation(session=session, kind=InvitationKind.MEMBER, worker=w, invited_at=now)
            for w in (chair, member)
        )
    morning, created = TableSession.objects.get_or_create(
        ref="demo-zitting-2",
        defaults={
            "region": region,
            "table": expert_table_of(region.pk),
            "held_on": held_on,
            "starts_at": dt.time(9, 0),
            "ends_at": dt.time(10, 0),
            "video_url": "https://video.demo.example/experttafel",
            "planned_by": chair,
        },
    )
    if created:
        morning.members.set([chair])
        Invitation.objects.create(
            session=morning, kind=InvitationKind.MEMBER, worker=chair, invited_at=now
        )
    item, created = AgendaItem.objects.get_or_create(session=session, escalation=escalation)
    regisseur = (
        RegisseurPeriod.objects.filter(case=escalation.case, until__isnull=True)
        .values_list("worker", flat=True)
        .first()
    )
    if created and regisseur is not None:
        Invitation.objects.create(
            session=session,
            item=item,
            kind=InvitationKind.REGISSEUR,
            worker_id=regisseur,
            invited_at=now,
        )
    for consenting in waiting[:-1] if len(waiting) > 1 else waiting:
        if not Consent.objects.filter(
            case=consenting.case, purpose=ConsentPurpose.EXPERT_TABLE
        ).exists():
            Consent.objects.create(
                case=consenting.case,
                purpose=ConsentPurpose.EXPERT_TABLE,
                given_on=consenting.submitted_on,
            )
