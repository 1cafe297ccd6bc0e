"""Export to the ``casusregie-dossier`` format, version 2: a read, a fixed number of queries.

Optional fields are left out when they have no value, as in the scenario files, so that
export → import into an empty database → export gives the same document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch

from analyses.models import Analysis
from casusregie.models import (
    Family,
    LocalTeam,
    Municipality,
    Region,
    Role,
    Worker,
)
from plans.models import Plan
from referrals.models import Contract, Product, Provider, Referrer, Segment

from .schema import CURRENT_VERSION

ROLE_ORDER = {role: i for i, role in enumerate(Role.values)}


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """Set an optional field only when it has a value."""
    if value not in (None, ""):
        out[key] = value


def export_dossier(family_ref: str | None = None) -> dict[str, Any]:
    families = Family.objects.select_related("municipality").order_by("ref")
    if family_ref is not None:
        families = families.filter(ref=family_ref)
    families = families.prefetch_related(
        "carers",
        "youths__education",
        "cases__local_team",
        "cases__regisseurs__worker",
        "cases__involved",
        Prefetch(
            "cases__analyses",
            queryset=Analysis.objects.filter(is_current=True).prefetch_related(
                "findings", "explanations", "strengths"
            ),
            to_attr="current_analyses",
        ),
        Prefetch(
            "cases__plans",
            queryset=Plan.objects.filter(is_current=True).prefetch_related("evaluations"),
            to_attr="current_plans",
        ),
        "cases__perspective_plans__youth",
        "cases__referrals__youth",
        "cases__referrals__product",
        "cases__referrals__provider",
        "cases__escalations",
    )
    workers = (
        Worker.objects.filter(is_superuser=False)
        .select_related("local_team")
        .prefetch_related("role_memberships")
    )

    return {
        "format": "casusregie-dossier",
        "version": CURRENT_VERSION,
        "regions": [{"code": r.code, "name": r.name} for r in Region.objects.order_by("code")],
        "segments": [
            {"code": s.code, "name": s.name, "region": s.region.code}
            for s in Segment.objects.select_related("region").order_by("region__code", "code")
        ],
        "municipalities": [
            {"code": m.code, "name": m.name, "region": m.region.code}
            for m in Municipality.objects.select_related("region").order_by("code")
        ],
        "local_teams": [
            {
                "ref": t.ref,
                "name": t.name,
                "municipalities": sorted(m.code for m in t.municipalities.all()),
            }
            for t in LocalTeam.objects.prefetch_related("municipalities").order_by("ref")
        ],
        "workers": [_worker(w) for w in workers.order_by("ref")],
        "providers": [_provider(p) for p in Provider.objects.order_by("ref")],
        "products": [
            _product(p) for p in Product.objects.select_related("segment").order_by("code")
        ],
        "contracts": [
            _contract(c)
            for c in Contract.objects.select_related("provider", "product")
            .prefetch_related("municipalities")
            .order_by("provider__ref", "product__code", "valid_from", "pk")
        ],
        "families": [_family(f) for f in families],
    }


def _worker(w: Worker) -> dict[str, Any]:
    out: dict[str, Any] = {"ref": w.ref, "name": w.name or w.username}
    _put(out, "email", w.email)
    _put(out, "local_team", w.local_team.ref if w.local_team else None)
    out["roles"] = sorted((m.role for m in w.role_memberships.all()), key=ROLE_ORDER.get)
    return out


def _provider(p: Provider) -> dict[str, Any]:
    out: dict[str, Any] = {"ref": p.ref, "name": p.name}
    _put(out, "agb_code", p.agb_code)
    return out


def _product(p: Product) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": p.code,
        "name": p.name,
        "segment": p.segment.code,
        "specialist": p.specialist,
        "out_of_home": p.out_of_home,
        "crisis": p.crisis,
    }
    _put(out, "ijw_category", p.ijw_category)
    return out


def _contract(c: Contract) -> dict[str, Any]:
    out: dict[str, Any] = {
        "provider": c.provider.ref,
        "product": c.product.code,
        "municipalities": sorted(m.code for m in c.municipalities.all()),
        "valid_from": _iso(c.valid_from),
    }
    _put(out, "valid_until", _iso(c.valid_until))
    return out


def _family(f: Family) -> dict[str, Any]:
    return {
        "ref": f.ref,
        "municipality": f.municipality.code,
        "carers": [_carer(c) for c in sorted(f.carers.all(), key=lambda c: c.ref)],
        "youths": [_youth(y) for y in sorted(f.youths.all(), key=lambda y: y.ref)],
        "cases": [_case(c) for c in sorted(f.cases.all(), key=lambda c: (c.opened_on, c.ref))],
    }


def _carer(c) -> dict[str, Any]:
    out: dict[str, Any] = {"ref": c.ref, "name": c.name}
    _put(out, "bsn", c.bsn)
    _put(out, "birth_date", _iso(c.birth_date))
    return out


def _youth(y) -> dict[str, Any]:
    out: dict[str, Any] = {"ref": y.ref, "name": y.name}
    _put(out, "bsn", y.bsn)
    out["birth_date"] = _iso(y.birth_date)
    out["has_startkwalificatie"] = y.has_startkwalificatie
    education = []
    for p in sorted(y.education.all(), key=lambda p: p.from_date):
        period: dict[str, Any] = {"status": p.status, "from": _iso(p.from_date)}
        _put(period, "school", p.school)
        education.append(period)
    out["education"] = education
    return out


def _case(c) -> dict[str, Any]:
    out: dict[str, Any] = {"ref": c.ref, "opened_on": _iso(c.opened_on)}
    _put(out, "closed_on", _iso(c.closed_on))
    out["local_team"] = c.local_team.ref
    regisseurs = []
    for p in sorted(c.regisseurs.all(), key=lambda p: p.from_date):
        period: dict[str, Any] = {"worker": p.worker.ref, "from": _iso(p.from_date)}
        _put(period, "until", _iso(p.until))
        regisseurs.append(period)
    out["regisseurs"] = regisseurs
    involved = [_involved(p) for p in sorted(c.involved.all(), key=lambda p: (p.from_date, p.pk))]
    if involved:  # an extension: left out when there is nobody, as files without it have it
        out["involved"] = involved
    if c.current_analyses:
        out["analysis"] = _analysis(c.current_analyses[0])
    if c.current_plans:
        plan = c.current_plans[0]
        p_out: dict[str, Any] = {}
        _put(p_out, "agreed_on", _iso(plan.agreed_on))
        evaluations = []
        for e in sorted(plan.evaluations.all(), key=lambda e: (e.planned_on, e.pk)):
            ev: dict[str, Any] = {"planned_on": _iso(e.planned_on)}
            _put(ev, "held_on", _iso(e.held_on))
            evaluations.append(ev)
        p_out["evaluations"] = evaluations
        out["plan"] = p_out
    out["perspective_plans"] = [
        {
            "youth": p.youth.ref,
            "kind": p.kind,
            "status": p.status,
            "started_on": _iso(p.started_on),
        }
        for p in sorted(
            c.perspective_plans.all(), key=lambda p: (p.youth.ref, p.kind, p.started_on, p.pk)
        )
    ]
    out["referrals"] = [_referral(r) for r in sorted(c.referrals.all(), key=lambda r: r.ref)]
    escalations = []
    for e in sorted(c.escalations.all(), key=lambda e: (e.submitted_on, e.ref)):
        esc: dict[str, Any] = {
            "ref": e.ref,
            "submitted_on": _iso(e.submitted_on),
            "reason": e.reason,
        }
        _put(esc, "discussed_on", _iso(e.discussed_on))
        escalations.append(esc)
    out["escalations"] = escalations
    return out


def _analysis(a: Analysis) -> dict[str, Any]:
    out: dict[str, Any] = {"status": a.status}
    _put(out, "established_on", _iso(a.established_on))
    out["participants"] = list(a.participants)
    domains = {f.domain: f.text for f in sorted(a.findings.all(), key=lambda f: f.domain)}
    if domains:
        out["domains"] = domains
    explanations = [e.text for e in sorted(a.explanations.all(), key=lambda e: (e.position, e.pk))]
    if explanations:
        out["explanations"] = explanations
    strengths = [s.text for s in sorted(a.strengths.all(), key=lambda s: (s.position, s.pk))]
    if strengths:
        out["strengths"] = strengths
    return out


def _involved(p) -> dict[str, Any]:
    out: dict[str, Any] = {
        "role": p.role,
        "organisation": p.organisation,
        "from": _iso(p.from_date),
    }
    _put(out, "until", _iso(p.until))
    for key in ("contact_name", "phone", "email"):
        _put(out, key, getattr(p, key))
    if p.holds_regie:
        out["holds_regie"] = True
    return out


def _referral(r) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ref": r.ref,
        "youth": r.youth.ref,
        "product": r.product.code,
        "provider": r.provider.ref,
        "status": r.status,
    }
    for key in ("sent_on", "answered_on"):
        _put(out, key, _iso(getattr(r, key)))
    _put(out, "decline_reason", r.decline_reason)
    for key in ("started_on", "ended_on"):
        _put(out, key, _iso(getattr(r, key)))
    _put(out, "end_reason", r.end_reason)
    _put(out, "expired_on", _iso(r.expired_on))
    if r.referrer != Referrer.MUNICIPALITY:  # an extension; absent means the gemeente
        out["referrer"] = r.referrer
    if r.bridging_from is not None:
        bridging = {"from": _iso(r.bridging_from), "description": r.bridging_description}
        _put(bridging, "by", r.bridging_by)
        out["bridging"] = bridging
    return out


def export_family_for_move(family_ref: str) -> dict[str, Any]:
    """One family for a receiving region (a family moving to a region that also uses
    Casusregie): the family, and of the reference data only what its records name — its
    municipality and region, the teams and workers of its cases, the providers, products and
    segments of its referrals; no contracts, no other workers. A valid document on its own."""
    doc = export_dossier(family_ref)
    families = doc["families"]
    cases = [c for f in families for c in f["cases"]]
    referrals = [r for c in cases for r in c["referrals"]]
    workers = {p["worker"] for c in cases for p in c["regisseurs"]}
    doc["workers"] = [w for w in doc["workers"] if w["ref"] in workers]
    teams = {c["local_team"] for c in cases} | {
        w["local_team"] for w in doc["workers"] if w.get("local_team")
    }
    doc["local_teams"] = [t for t in doc["local_teams"] if t["ref"] in teams]
    municipalities = {f["municipality"] for f in families} | {
        m for t in doc["local_teams"] for m in t["municipalities"]
    }
    doc["municipalities"] = [m for m in doc["municipalities"] if m["code"] in municipalities]
    regions = {m["region"] for m in doc["municipalities"]}
    doc["regions"] = [r for r in doc["regions"] if r["code"] in regions]
    products = {r["product"] for r in referrals}
    doc["products"] = [p for p in doc["products"] if p["code"] in products]
    segments = {p["segment"] for p in doc["products"]}
    chosen: dict[str, dict[str, Any]] = {}  # one per code, the family's region's if it has one
    for segment in doc["segments"]:
        if segment["code"] in segments and (
            segment["code"] not in chosen or segment["region"] in regions
        ):
            chosen[segment["code"]] = segment
    doc["segments"] = list(chosen.values())
    providers = {r["provider"] for r in referrals}
    doc["providers"] = [p for p in doc["providers"] if p["ref"] in providers]
    doc["contracts"] = []
    return doc
