"""Bulk-generate a region of N youths with PostgreSQL COPY, deterministic and memory-bounded.

Proportions: families of 1–3 youths; most families with an open case, some closed; a few per
cent thuiszitters; about 30% of youths in open cases with referrals in every status (expired
ones with their ``expired_on``, a third of those that waited with bridging support), with dates
spread around the rulebook's thresholds; 5% of open cases begin with crisis care before their
analysis; perspective plans, evaluations and escalations; involved professionals, among them a
GI holding regie for some cases without a regisseur. Products carry the marks the rules
read (specialist, out_of_home, crisis); the segments are lots, whose codes no rule reads.
Rows are streamed family by family; nothing holds the whole region in memory.

Every youth has a BSN, distinct and passing the 11-proef (``bench_bsn``, no rng draw, so the
rest of the data is as before), stored as the application stores it: a Fernet token and a keyed
hash (``casusregie.bsn_vault``). Measured on the bench machine for 1,000,000 values:
``encrypt_bsn`` + ``bsn_digest`` 13 s, ``bench_bsn`` 1.7 s; ``generate(1_000_000)`` end to end
took 19–23 s longer than with both columns left empty (79 s vs 56 s, 122 s vs 103 s, on a busy
machine). Within the ~30 s budget, so bench youths keep their BSN.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass

from django.db import connection, transaction
from tqdm import tqdm

from casusregie.bsn_vault import bsn_digest, encrypt_bsn
from casusregie.models import LocalTeam, Municipality, Region, Role, RoleMembership, Worker
from escalations.services import expert_table_of
from referrals.models import Contract, Product, Provider, Segment

MUNICIPALITIES = 8
TEAMS_PER_MUNICIPALITY = 3
WORKERS_PER_TEAM = 8

# The bench region cuts its purchasing segments in lots, as Rijnmond does: the rules read a
# product's marks (specialist, out_of_home, crisis), never a segment's code.
SEGMENTS = [
    ("lot_a", "Perceel A: ambulant"),
    ("lot_b", "Perceel B: dagbehandeling en onderwijs-zorg"),
    ("lot_c", "Perceel C: verblijf, pleegzorg en gezinshuizen"),
    ("lot_d", "Perceel D: crisis"),
    ("lot_e", "Perceel E: veiligheid"),
]


@dataclass(frozen=True)
class BenchProduct:
    code: str
    segment: str
    specialist: bool
    out_of_home: bool = False
    crisis: bool = False


PRODUCTS = [
    BenchProduct("B-AMB", "lot_a", specialist=False),
    BenchProduct("S-AMB", "lot_a", specialist=True),
    BenchProduct("S-DAG", "lot_b", specialist=True),
    BenchProduct("S-VERB", "lot_c", specialist=True, out_of_home=True),
    BenchProduct("S-PLEEG", "lot_c", specialist=True, out_of_home=True),
    BenchProduct("S-CRIS", "lot_d", specialist=True, out_of_home=True, crisis=True),
    BenchProduct("S-CRTH", "lot_d", specialist=True, crisis=True),  # crisis help at home
    BenchProduct("S-OZA", "lot_b", specialist=True),
    BenchProduct("S-VEIL", "lot_e", specialist=True),
]

TABLES = {
    "family": ("casusregie_family", ["id", "ref", "municipality_id", "created_at", "updated_at"]),
    "youth": (
        "casusregie_youth",
        [
            "id",
            "ref",
            "family_id",
            "name",
            "bsn_encrypted",
            "bsn_hash",
            "birth_date",
            "has_startkwalificatie",
        ],
    ),
    "education": (
        "casusregie_educationperiod",
        ["id", "youth_id", "status", "from_date", "school"],
    ),
    "case": (
        "casusregie_case",
        [
            "id",
            "ref",
            "family_id",
            "local_team_id",
            "opened_on",
            "closed_on",
            "created_at",
            "updated_at",
        ],
    ),
    "regisseur": (
        "casusregie_regisseurperiod",
        ["id", "case_id", "worker_id", "from_date", "until"],
    ),
    "involved": (
        "casusregie_involvedprofessional",
        [
            "id",
            "case_id",
            "role",
            "organisation",
            "contact_name",
            "phone",
            "email",
            "holds_regie",
            "from_date",
            "until",
            "created_at",
            "updated_at",
        ],
    ),
    "analysis": (
        "analyses_analysis",
        [
            "id",
            "case_id",
            "version",
            "is_current",
            "status",
            "established_on",
            "participants",
            "created_at",
            "updated_at",
        ],
    ),
    "plan": (
        "plans_plan",
        ["id", "case_id", "is_current", "agreed_on", "created_at", "updated_at"],
    ),
    "evaluation": ("plans_evaluation", ["id", "plan_id", "planned_on", "held_on", "notes"]),
    "perspective": (
        "plans_perspectiveplan",
        [
            "id",
            "case_id",
            "youth_id",
            "kind",
            "status",
            "started_on",
            "notes",
            # an agreed plan: its parts not applicable, agreed on its start (plans 0006)
            "housing_na",
            "school_or_work_na",
            "income_na",
            "help_at_home_na",
            "adult_services_na",
            "agreed_on",
        ],
    ),
    "referral": (
        "referrals_referral",
        [
            "id",
            "ref",
            "case_id",
            "youth_id",
            "product_id",
            "provider_id",
            "status",
            "question",
            "sent_on",
            "answered_on",
            "decline_code",
            "decline_reason",
            "no_alternative_known",
            "started_on",
            "ended_on",
            "end_code",
            "end_reason",
            "expired_on",
            "bridging_from",
            "bridging_description",
            "bridging_by",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    "carer": (
        "casusregie_carer",
        [
            "id",
            "ref",
            "family_id",
            "name",
            "bsn_encrypted",
            "bsn_hash",
            "address",
            "postcode",
            "city",
            "phone",
            "email",
        ],
    ),
    "escalation": (
        "escalations_escalation",
        [
            "id",
            "ref",
            "case_id",
            "table_id",
            "submitted_on",
            "reason",
            "source",
            "submitted_by_id",
            "discussed_on",
            "created_at",
            "updated_at",
        ],
    ),
}


@dataclass(frozen=True)
class Layout:
    """How the region is cut: teams per municipality (their number is the municipality's weight
    when families are placed), workers per team (the first a team lead), and whether families
    get carers. The default is the sweep's and dashboard's region: 8 municipalities of 3 teams
    of 8, families placed uniformly, no carers (their draws are as before)."""

    teams: tuple[int, ...] = (TEAMS_PER_MUNICIPALITY,) * MUNICIPALITIES
    workers_per_team: int = WORKERS_PER_TEAM
    carers: bool = False


DEFAULT_LAYOUT = Layout()


@dataclass
class Reference:
    region: Region
    municipalities: list[int]
    teams_by_municipality: dict[int, list[int]]
    workers_by_team: dict[int, list[int]]
    products: list[int]
    crisis_products: list[int]
    providers: list[int]
    layout: Layout = DEFAULT_LAYOUT
    expert_table: int = 0  # the region's expert table (escalations.Table), set below


def reference_data(prefix: str = "bench", layout: Layout = DEFAULT_LAYOUT) -> Reference:
    region, _ = Region.objects.get_or_create(
        code=f"{prefix}-regio", defaults={"name": "Benchregio"}
    )
    municipalities, teams, workers = [], {}, {}
    for m, n_teams in enumerate(layout.teams):
        mun, _ = Municipality.objects.get_or_create(
            code=f"GM{9000 + m:04d}", defaults={"name": f"Benchgemeente {m}", "region": region}
        )
        municipalities.append(mun.pk)
        teams[mun.pk] = []
        for t in range(n_teams):
            team, created = LocalTeam.objects.get_or_create(
                ref=f"{prefix}-lt-{m}-{t}", defaults={"name": f"Benchteam {m}.{t}"}
            )
            if created:
                team.municipalities.add(mun)
            teams[mun.pk].append(team.pk)
            workers[team.pk] = []
            for w in range(layout.workers_per_team):
                worker, created = Worker.objects.get_or_create(
                    ref=f"{prefix}-w-{m}-{t}-{w}",
                    defaults={"username": f"{prefix}-w-{m}-{t}-{w}", "local_team": team},
                )
                if created:
                    role = Role.TEAM_LEAD if w == 0 else Role.REGISSEUR
                    RoleMembership.objects.create(worker=worker, role=role)
                workers[team.pk].append(worker.pk)
    providers = []
    for p in range(12):
        provider, _ = Provider.objects.get_or_create(
            ref=f"{prefix}-p-{p}", defaults={"name": f"Benchaanbieder {p}"}
        )
        providers.append(provider.pk)
    segments = {
        code: Segment.objects.get_or_create(region=region, code=code, defaults={"name": name})[0]
        for code, name in SEGMENTS
    }
    products, crisis_products = [], []
    for spec in PRODUCTS:
        product, _ = Product.objects.get_or_create(
            code=f"{prefix}-{spec.code}",
            defaults={
                "name": spec.code,
                "segment": segments[spec.segment],
                "specialist": spec.specialist,
                "out_of_home": spec.out_of_home,
                "crisis": spec.crisis,
            },
        )
        products.append(product.pk)
        if spec.crisis:
            crisis_products.append(product.pk)
        if not Contract.objects.filter(product=product).exists():
            for provider_id in providers[:4]:
                contract = Contract.objects.create(
                    provider_id=provider_id, product=product, valid_from=dt.date(2020, 1, 1)
                )
                contract.municipalities.set(municipalities)
    return Reference(
        region,
        municipalities,
        teams,
        workers,
        products,
        crisis_products,
        providers,
        layout,
        expert_table_of(region.pk).pk,
    )


def _next_ids(cursor) -> dict[str, int]:
    ids = {}
    for key, (table, _) in TABLES.items():
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608 - constant
        ids[key] = cursor.fetchone()[0]
    return ids


def generate(
    youths: int,
    as_of: dt.date,
    seed: int = 1,
    progress: bool = True,
    layout: Layout = DEFAULT_LAYOUT,
) -> dict[str, int]:
    """Add about ``youths`` youths (whole families) to the database; return rows per table."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data
    ref = reference_data(layout=layout)
    now = dt.datetime.now(dt.UTC)
    counts = dict.fromkeys(TABLES, 0)
    with transaction.atomic(), connection.cursor() as cursor:
        # A bulk load of synthetic rows: row triggers (change history, foreign-key checks) are
        # skipped for this transaction, as for a restore. Needs a superuser, as the bench has.
        cursor.execute("SET LOCAL session_replication_role = replica")
        ids = _next_ids(cursor)
        raw = cursor.cursor  # the psycopg cursor, for COPY
        buffers: dict[str, list[tuple]] = {key: [] for key in TABLES}

        def emit(key: str, row: tuple) -> None:
            buffers[key].append(row)
            counts[key] += 1

        def flush() -> None:
            for key, rows in buffers.items():
                if not rows:
                    continue
                table, columns = TABLES[key]
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                rows.clear()

        bar = tqdm(total=youths, unit="youth", file=sys.stderr, disable=not progress)
        made = 0
        while made < youths:
            n = min(rng.choices([1, 2, 3], weights=[45, 35, 20])[0], youths - made)
            _family(rng, ref, ids, emit, n, as_of, now)
            made += n
            bar.update(n)
            if counts["youth"] % 20_000 < n:
                flush()
        flush()
        bar.close()
        for table, _ in TABLES.values():
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"coalesce((SELECT max(id) FROM {table}), 1))"
            )
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("ANALYZE")
    return counts


def bench_bsn(n: int) -> str:
    """A BSN passing the 11-proef, distinct for every 0 <= n < 10,000,000 (no rng draw).

    Eight digits ``1nnnnnnn``, then the check digit; when no check digit fits (the weighted sum
    is 10 mod 11) the prefix ``2nnnnnnn`` instead, whose sum is 10 + 9 = 8 mod 11.
    """
    prefix = str(10_000_000 + n % 10_000_000)
    check = sum(int(d) * w for d, w in zip(prefix, range(9, 1, -1), strict=True)) % 11
    if check == 10:
        return f"2{prefix[1:]}8"
    return f"{prefix}{check}"


SURNAMES = ["de Jong", "Jansen", "de Vries", "Bakker", "Yilmaz", "El Amrani", "Visser", "Smit"]


def _carers(rng, ids, emit, fid: int) -> None:
    """One or two carers with a name, an address, a phone and an e-mail (no BSN: encrypting it
    is the youths' cost already measured)."""
    surname = rng.choice(SURNAMES)
    for n in range(rng.choice([1, 2, 2])):
        cid = ids["carer"]
        ids["carer"] += 1
        row = (cid, f"bc-{cid}", fid, f"Ouder{n + 1} {surname}", "", "")
        address = (f"Benchstraat {fid % 900 + 1}", f"{3000 + fid % 999:04d} AB", "Benchstad")
        emit("carer", (*row, *address, "0612345678", f"ouder{cid}@example.org"))


def _d(as_of: dt.date, days: int) -> dt.date:
    return as_of - dt.timedelta(days=days)


def _family(rng, ref: Reference, ids, emit, n_youths: int, as_of: dt.date, now) -> None:
    fid = ids["family"]
    ids["family"] += 1
    if ref.layout == DEFAULT_LAYOUT:
        municipality = rng.choice(ref.municipalities)
    else:  # a municipality with more teams has more families
        municipality = rng.choices(ref.municipalities, weights=ref.layout.teams)[0]
    emit("family", (fid, f"bf-{fid}", municipality, now, now))
    if ref.layout.carers:
        _carers(random.Random(fid), ids, emit, fid)  # noqa: S311 - own draws, as _involved
    youth_ids = []
    for _ in range(n_youths):
        yid = ids["youth"]
        ids["youth"] += 1
        youth_ids.append(yid)
        birth = _d(as_of, rng.randint(0, 20 * 365))
        bsn = bench_bsn(yid)
        emit(
            "youth",
            (
                yid,
                f"by-{yid}",
                fid,
                f"Jeugdige {yid}",
                encrypt_bsn(bsn),
                bsn_digest(bsn),
                birth,
                rng.random() < 0.03,
            ),
        )
        school_start = dt.date(birth.year + 4, 9, 1)
        if school_start <= as_of:
            emit("education", (ids["education"], yid, "attending", school_start, ""))
            ids["education"] += 1
            roll = rng.random()
            if roll < 0.05:
                start = max(
                    _d(
                        as_of,
                        rng.choice(
                            [
                                rng.randint(0, 40),
                                rng.randint(25, 35),
                                rng.randint(85, 100),
                                rng.randint(0, 300),
                            ]
                        ),
                    ),
                    school_start + dt.timedelta(days=1),
                )
                status = rng.choice(["absent", "not_enrolled"])
                emit("education", (ids["education"], yid, status, start, ""))
                ids["education"] += 1
                if rng.random() < 0.3:
                    later = start + dt.timedelta(days=rng.randint(1, 60))
                    if later <= as_of:
                        again = rng.choice(["absent", "not_enrolled", "attending", "exempt"])
                        emit("education", (ids["education"], yid, again, later, ""))
                        ids["education"] += 1
    roll = rng.random()
    if roll < 0.05:
        return  # a family without a case
    teams = ref.teams_by_municipality[municipality]
    team = rng.choice(teams)
    if roll < 0.15:  # only a closed case
        opened = _d(as_of, rng.randint(400, 1500))
        cid = ids["case"]
        ids["case"] += 1
        emit(
            "case", (cid, f"bk-{cid}", fid, team, opened, opened + dt.timedelta(days=200), now, now)
        )
        return
    _open_case(rng, ref, ids, emit, fid, team, youth_ids, as_of, now)


def _open_case(rng, ref, ids, emit, fid, team, youth_ids, as_of, now) -> None:
    cid = ids["case"]
    ids["case"] += 1
    opened = _d(as_of, rng.choice([rng.randint(0, 60), rng.randint(0, 1500)]))
    emit("case", (cid, f"bk-{cid}", fid, team, opened, None, now, now))
    workers = ref.workers_by_team[team]
    roll = rng.random()
    if roll < 0.93:
        emit("regisseur", (ids["regisseur"], cid, rng.choice(workers[1:]), opened, None))
        ids["regisseur"] += 1
    elif roll < 0.96:
        until = min(opened + dt.timedelta(days=rng.randint(1, 60)), as_of)
        if until > opened:
            emit("regisseur", (ids["regisseur"], cid, rng.choice(workers[1:]), opened, until))
            ids["regisseur"] += 1
    _involved(ids, emit, cid, opened, as_of, without_regisseur=roll >= 0.93, now=now)
    # Crisis care may start before the analysis (then CRISIS_ANALYSIS_OVERDUE): a few cases
    # begin with crisis care started around its 14- and 28-day thresholds, their analysis a
    # draft, missing, or established only after the start.
    crisis_start = None
    if rng.random() < 0.05:
        age = rng.choice([rng.randint(10, 18), rng.randint(24, 32), rng.randint(0, 90)])
        crisis_start = max(_d(as_of, age), opened)
    roll = rng.random()
    established_on = None
    if crisis_start is not None:
        roll = rng.choice([0.9, 0.99, 0.5])  # draft, none, established after the start
    if roll < 0.85:
        after = crisis_start or opened
        established_on = min(after + dt.timedelta(days=rng.randint(0, 60)), as_of)
        emit(
            "analysis",
            (
                ids["analysis"],
                cid,
                1,
                True,
                "established",
                established_on,
                "{carers,youth}",
                now,
                now,
            ),
        )
        ids["analysis"] += 1
    elif roll < 0.93:
        emit("analysis", (ids["analysis"], cid, 1, True, "draft", None, "{carers}", now, now))
        ids["analysis"] += 1
    if rng.random() < 0.85:
        pid = ids["plan"]
        ids["plan"] += 1
        agreed = min(opened + dt.timedelta(days=rng.randint(0, 50)), as_of)
        emit("plan", (pid, cid, True, agreed if rng.random() < 0.95 else None, now, now))
        for _ in range(rng.randint(0, 2)):
            planned = as_of + dt.timedelta(days=rng.randint(-40, 120))
            held = planned if planned < as_of and rng.random() < 0.6 else None
            emit("evaluation", (ids["evaluation"], pid, planned, held, ""))
            ids["evaluation"] += 1
    if crisis_start is not None:
        _crisis_referral(rng, ref, ids, emit, cid, youth_ids[0], crisis_start, as_of, now)
    for yid in youth_ids:
        if rng.random() < 0.30:
            for _ in range(rng.choice([1, 1, 1, 2])):
                _referral(rng, ref, ids, emit, cid, yid, opened, established_on, as_of, now)
        if rng.random() < 0.04:
            kind = rng.choice(["transition_18", "return_home"])
            agreed = rng.choice(["draft", "agreed"]) == "agreed"
            emit(
                "perspective",
                (
                    ids["perspective"],
                    cid,
                    yid,
                    kind,
                    "agreed" if agreed else "draft",
                    opened,
                    "",
                    *([agreed] * 5),
                    opened if agreed else None,
                ),
            )
            ids["perspective"] += 1
    if rng.random() < 0.04:
        submitted = _d(as_of, rng.randint(0, 40))
        discussed = None if rng.random() < 0.6 else min(submitted + dt.timedelta(days=7), as_of)
        emit(
            "escalation",
            (
                ids["escalation"],
                f"be-{ids['escalation']}",
                cid,
                ref.expert_table,
                submitted,
                "geen passend aanbod",
                "regisseur",
                None,
                discussed,
                now,
                now,
            ),
        )
        ids["escalation"] += 1


STATUSES = [
    "draft",
    "sent",
    "accepted",
    "declined",
    "expired",
    "withdrawn",
    "started",
    "started",
    "ended",
]
# Bridging support (overbrugging) is recorded on this share of the referrals that waited.
BRIDGED = 0.35


def _involved(ids, emit, cid, opened, as_of, *, without_regisseur: bool, now) -> None:
    """The people around the family, with draws of their own (``random.Random(cid)``) so the
    rest of the data is as before: a huisarts for some cases, and for some cases without a
    regisseur a GI holding regie (regie bij de GI), running or ended around NO_REGISSEUR's
    5 working days; a GI without regie now and then, which does not count."""
    gi = random.Random(cid)  # noqa: S311 - reproducible synthetic data

    def emit_one(role: str, holds_regie: bool, start: dt.date, until: dt.date | None) -> None:
        row = (ids["involved"], cid, role, f"Bench {role}", "", "", "", holds_regie)
        emit("involved", (*row, start, until, now, now))
        ids["involved"] += 1

    if gi.random() < 0.1:
        emit_one("huisarts", False, opened, None)
    if gi.random() < 0.02:
        emit_one("gi_jeugdbescherming", False, opened, None)
    if without_regisseur and gi.random() < 0.6:
        start = opened + dt.timedelta(days=gi.randint(0, 20))
        if start > as_of:
            return
        until = None
        if gi.random() < 0.7:
            until = max(start, as_of - dt.timedelta(days=gi.randint(0, 12)))
        emit_one("gi_jeugdbescherming", True, start, until)


def _bridging(rng, sent: dt.date, until: dt.date) -> dict:
    if rng.random() >= BRIDGED:
        return {}
    return {
        "bridging_from": sent + dt.timedelta(days=rng.randint(0, max((until - sent).days, 0))),
        "bridging_description": "ambulante begeleiding thuis tijdens het wachten",
        "bridging_by": "wijkteam",
    }


def _referral(rng, ref, ids, emit, cid, yid, opened, established_on, as_of, now) -> None:
    product_id = rng.choice(ref.products)
    status = rng.choice(STATUSES)
    # Dates crowded around the thresholds: 5–10 working days, 28 and 70 days, 7 and 28 days.
    age = rng.choice(
        [rng.randint(0, 15), rng.randint(25, 31), rng.randint(66, 74), rng.randint(0, 400)]
    )
    sent = min(max(_d(as_of, age), opened), as_of)
    row: dict = {}
    if status == "expired":
        # Expiry falls due 20 working days after sending; silence counts as a no from then on
        # (DECLINED_WITHOUT_ALTERNATIVE, 10 working days): expiry days crowd around 14 days ago.
        expired_on = _d(as_of, rng.choice([rng.randint(0, 20), rng.randint(12, 17), age]))
        sent = min(max(expired_on - dt.timedelta(days=28), opened), as_of)
        row["expired_on"] = max(expired_on, sent)
    if status != "draft":
        row["sent_on"] = sent
    gap = (as_of - sent).days
    if status in ("accepted", "declined", "started", "ended"):
        row["answered_on"] = sent + dt.timedelta(days=rng.randint(0, max(gap, 0)))
    if status == "declined":
        row["decline_code"], row["decline_reason"] = "no_capacity", "geen capaciteit"
        row["no_alternative_known"] = True
    if status in ("started", "ended"):
        rest = (as_of - row["answered_on"]).days
        row["started_on"] = row["answered_on"] + dt.timedelta(days=rng.randint(0, max(rest, 0)))
    if status == "ended":
        rest = (as_of - row["started_on"]).days
        row["ended_on"] = row["started_on"] + dt.timedelta(days=rng.randint(0, max(rest, 0)))
        row["end_code"], row["end_reason"] = "31", "volgens plan"
    if status in ("sent", "accepted"):
        row.update(_bridging(rng, sent, as_of))
    elif status in ("started", "ended"):
        row.update(_bridging(rng, sent, row["started_on"]))
    _emit_referral(rng, ref, ids, emit, cid, yid, product_id, status, row, now)


def _crisis_referral(rng, ref, ids, emit, cid, yid, started: dt.date, as_of, now) -> None:
    """Crisis care sent, accepted and started on one day; ended for some."""
    row: dict = {"sent_on": started, "answered_on": started, "started_on": started}
    status = "started"
    if rng.random() < 0.2:
        status = "ended"
        row["ended_on"] = started + dt.timedelta(days=rng.randint(0, (as_of - started).days))
        row["end_code"], row["end_reason"] = "31", "veilig thuis"
    product_id = rng.choice(ref.crisis_products)
    _emit_referral(rng, ref, ids, emit, cid, yid, product_id, status, row, now)


def _emit_referral(rng, ref, ids, emit, cid, yid, product_id, status, row: dict, now) -> None:
    rid = ids["referral"]
    ids["referral"] += 1
    emit(
        "referral",
        (
            rid,
            f"br-{rid}",
            cid,
            yid,
            product_id,
            rng.choice(ref.providers),
            status,
            "",
            row.get("sent_on"),
            row.get("answered_on"),
            row.get("decline_code", ""),
            row.get("decline_reason", ""),
            row.get("no_alternative_known", False),
            row.get("started_on"),
            row.get("ended_on"),
            row.get("end_code", ""),
            row.get("end_reason", ""),
            row.get("expired_on"),
            row.get("bridging_from"),
            row.get("bridging_description", ""),
            row.get("bridging_by", ""),
            1,
            now,
            now,
        ),
    )
