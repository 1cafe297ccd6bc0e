"""Import a ``casusregie-dossier`` document (version 1 or 2): atomic, idempotent, all or nothing.

A version-1 document is checked against its own schema, then read as version 2
(``dossier.versions``) and written like one.

Records are identified by their ``ref`` (or ``code``). Importing the same document twice
changes nothing: a row is saved only when one of its values differs. Lists owned by a record
without refs of their own (education periods, regisseur periods, evaluations, perspective
plans, analysis findings and explanations) are replaced by what the document says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.db.models import Model

from analyses.models import Analysis, DomainFinding, Explanation, Strength
from casusregie.models import (
    Carer,
    Case,
    EducationPeriod,
    Family,
    InvolvedProfessional,
    LocalTeam,
    Municipality,
    Region,
    RegisseurPeriod,
    RoleMembership,
    Worker,
    Youth,
)
from escalations.models import Escalation, EscalationSource
from escalations.services import expert_table_of
from plans.models import Evaluation, PerspectivePlan, PerspectiveStatus, Plan
from plans.services import parts_not_recorded
from referrals.models import Contract, Product, Provider, Referral, Referrer, Segment

from .validation import KnownRefs, Problem, schema_problems, semantic_problems
from .versions import as_version_2


class DossierRefused(Exception):
    """The dossier has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    by_model: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def _perspective_agreed_without_parts(status: str, started_on: dt.date) -> dict[str, Any]:
    """A dossier names a perspective plan's status, not its parts: an agreed plan comes in
    with its parts not applicable, a note why, and agreed on its start (the constraint
    ``perspective_agreed_parts_complete``; as migration plans 0006 did)."""
    if status != PerspectiveStatus.AGREED:
        return {}
    return parts_not_recorded() | {"agreed_on": started_on}


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _segments_in_database() -> dict[str, set[str]]:
    held: dict[str, set[str]] = {}
    for code, region in Segment.objects.values_list("code", "region__code"):
        held.setdefault(code, set()).add(region)
    return held


def known_refs(doc: dict[str, Any], segments: dict[str, set[str]] | None = None) -> KnownRefs:
    family_refs = [f["ref"] for f in doc.get("families", [])]
    return KnownRefs(
        regions=set(Region.objects.values_list("code", flat=True)),
        municipalities=set(Municipality.objects.values_list("code", flat=True)),
        local_teams=set(LocalTeam.objects.values_list("ref", flat=True)),
        workers=set(Worker.objects.values_list("ref", flat=True)),
        providers=set(Provider.objects.values_list("ref", flat=True)),
        products=set(Product.objects.values_list("code", flat=True)),
        segments=_segments_in_database() if segments is None else segments,
        open_cases=dict(
            Case.objects.filter(family__ref__in=family_refs, closed_on__isnull=True).values_list(
                "family__ref", "ref"
            )
        ),
    )


def read_dossier(doc: Any) -> tuple[dict[str, Any] | None, list[Problem]]:
    """``doc`` checked and read as version 2, or None with the problems found."""
    problems = schema_problems(doc)
    if problems:
        # The meaning can only be checked on a document of the right shape.
        return None, problems
    segments = _segments_in_database()
    current = as_version_2(doc, set(segments))
    problems = semantic_problems(current, known_refs(current, segments))
    return (None, problems) if problems else (current, [])


def validate_dossier(doc: Any) -> list[Problem]:
    return read_dossier(doc)[1]


def import_dossier(doc: Any) -> ImportResult:
    """Validate and write ``doc``; raise :class:`DossierRefused` with every problem found."""
    current, problems = read_dossier(doc)
    if problems:
        raise DossierRefused(problems)
    try:
        with transaction.atomic():
            return _Writer(current).write()
    except IntegrityError as exc:  # last line of defence: the database's own invariants
        constraint = getattr(getattr(exc, "__cause__", None), "diag", None)
        name = getattr(constraint, "constraint_name", None) or "integrity"
        raise DossierRefused([Problem("", f"refused by the database ({name})")]) from exc
    except DataError as exc:  # a value the schema allows but a column cannot hold (make fuzz)
        message = str(getattr(exc, "__cause__", None) or exc).splitlines()[0][:200]
        raise DossierRefused([Problem("", f"refused by the database: {message}")]) from exc


def _bridging(b: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "bridging_from": _d(b["from"]) if b else None,
        "bridging_description": b["description"] if b else "",
        "bridging_by": (b.get("by") or "") if b else "",
    }


class _Writer:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.result = ImportResult()

    # -- generic upsert ---------------------------------------------------------------------
    def upsert(self, model: type[Model], lookup: dict[str, Any], values: dict[str, Any]) -> Any:
        obj = model.objects.filter(**lookup).first()
        name = model.__name__
        if obj is None:
            obj = model.objects.create(**lookup, **values)
            self.result.created += 1
            self.result.by_model[name] = self.result.by_model.get(name, 0) + 1
            return obj
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, values[k])
            obj.save()
            self.result.updated += 1
            self.result.by_model[name] = self.result.by_model.get(name, 0) + 1
        return obj

    def replace_rows(self, queryset, wanted: list[tuple], key, create) -> None:
        """Make the rows of ``queryset`` equal ``wanted`` (compared by ``key(row)``)."""
        existing = list(queryset)
        if sorted(map(key, existing), key=repr) == sorted(wanted, key=repr):
            return
        self.result.deleted += len(existing)
        queryset.delete()
        for item in wanted:
            create(item)
            self.result.created += 1

    def involved(self, case: Case, items: list[dict[str, Any]]) -> None:
        fields = ("role", "organisation", "from_date", "until", "contact_name", "phone", "email")
        wanted = [
            (
                p["role"],
                p["organisation"],
                _d(p["from"]),
                _d(p.get("until")),
                p.get("contact_name") or "",
                p.get("phone") or "",
                p.get("email") or "",
                bool(p.get("holds_regie")),
            )
            for p in items
        ]
        self.replace_rows(
            case.involved.all(),
            wanted,
            key=lambda p: (*(getattr(p, f) for f in fields), p.holds_regie),
            create=lambda item: InvolvedProfessional.objects.create(
                case=case, **dict(zip(fields, item[:-1], strict=True)), holds_regie=item[-1]
            ),
        )

    def set_m2m(self, manager, objs: list[Model]) -> None:
        if set(manager.values_list("pk", flat=True)) != {o.pk for o in objs}:
            manager.set(objs)
            self.result.updated += 1

    # -- the document -------------------------------------------------------------------------
    def write(self) -> ImportResult:
        doc = self.doc
        for r in doc.get("regions", []):
            self.upsert(Region, {"code": r["code"]}, {"name": r["name"]})
        regions = {r.code: r for r in Region.objects.all()}
        self.segments = self.write_segments(doc, regions)
        for m in doc.get("municipalities", []):
            self.upsert(
                Municipality,
                {"code": m["code"]},
                {"name": m["name"], "region": regions[m["region"]]},
            )
        self.municipalities = {m.code: m for m in Municipality.objects.all()}
        for t in doc.get("local_teams", []):
            team = self.upsert(LocalTeam, {"ref": t["ref"]}, {"name": t["name"]})
            self.set_m2m(team.municipalities, [self.municipalities[c] for c in t["municipalities"]])
        self.teams = {t.ref: t for t in LocalTeam.objects.all()}
        for w in doc.get("workers", []):
            self.worker(w)
        self.workers = {w.ref: w for w in Worker.objects.all()}
        for p in doc.get("providers", []):
            self.upsert(
                Provider,
                {"ref": p["ref"]},
                {"name": p["name"], "agb_code": p.get("agb_code") or ""},
            )
        self.providers = {p.ref: p for p in Provider.objects.all()}
        for p in doc.get("products", []):
            values = {
                "name": p["name"],
                "segment": self.segments[p["segment"]],
                "specialist": p["specialist"],
                "out_of_home": bool(p.get("out_of_home")),
                "crisis": bool(p.get("crisis")),
            }
            if p.get("ijw_category"):
                values["ijw_category"] = p["ijw_category"]
            self.upsert(Product, {"code": p["code"]}, values)
        self.products = {p.code: p for p in Product.objects.all()}
        for c in doc.get("contracts", []):
            contract = self.upsert(
                Contract,
                {
                    "provider": self.providers[c["provider"]],
                    "product": self.products[c["product"]],
                    "valid_from": _d(c["valid_from"]),
                },
                {"valid_until": _d(c.get("valid_until"))},
            )
            self.set_m2m(
                contract.municipalities, [self.municipalities[m] for m in c["municipalities"]]
            )
        for fam in doc.get("families", []):
            self.family(fam)
        return self.result

    def write_segments(self, doc: dict[str, Any], regions: dict[str, Region]) -> dict:
        """The file's segments (by region and code), and every code a product names mapped
        to its record: the file's, else the database's one segment with that code."""
        only = next(iter(regions.values())) if len(regions) == 1 else None
        if len(file_regions := doc.get("regions", [])) == 1:
            only = regions[file_regions[0]["code"]]
        by_code = {}
        for seg in doc.get("segments", []):
            region = regions[seg["region"]] if seg.get("region") else only
            by_code[seg["code"]] = self.upsert(
                Segment, {"region": region, "code": seg["code"]}, {"name": seg["name"]}
            )
        named = {p["segment"] for p in doc.get("products", [])} - set(by_code)
        for segment in Segment.objects.filter(code__in=named):
            by_code[segment.code] = segment  # one record per code: validation checked that
        return by_code

    def worker(self, w: dict[str, Any]) -> None:
        worker = Worker.objects.filter(ref=w["ref"]).first()
        values = {
            "name": w["name"],
            "email": w.get("email") or "",
            "local_team": self.teams.get(w.get("local_team")) if w.get("local_team") else None,
        }
        if worker is None:
            username = w["ref"]
            if Worker.objects.filter(username=username).exists():
                username = f"{w['ref']}-import"
            worker = Worker(ref=w["ref"], username=username, **values)
            worker.set_unusable_password()
            worker.save()
            self.result.created += 1
        else:
            changed = [k for k, v in values.items() if getattr(worker, k) != v]
            if changed:
                for k in changed:
                    setattr(worker, k, values[k])
                worker.save(update_fields=changed)
                self.result.updated += 1
        roles = set(w.get("roles", []))
        have = set(worker.role_memberships.values_list("role", flat=True))
        if roles != have:
            worker.role_memberships.exclude(role__in=roles).delete()
            RoleMembership.objects.bulk_create(
                [RoleMembership(worker=worker, role=r) for r in sorted(roles - have)]
            )
            self.result.updated += 1

    def family(self, fam: dict[str, Any]) -> None:
        family = self.upsert(
            Family, {"ref": fam["ref"]}, {"municipality": self.municipalities[fam["municipality"]]}
        )
        for c in fam.get("carers", []):
            self.upsert(
                Carer,
                {"ref": c["ref"]},
                {
                    "family": family,
                    "name": c["name"],
                    "bsn": c.get("bsn") or "",
                    "birth_date": _d(c.get("birth_date")),
                },
            )
        youths = {}
        for y in fam.get("youths", []):
            youth = self.upsert(
                Youth,
                {"ref": y["ref"]},
                {
                    "family": family,
                    "name": y["name"],
                    "bsn": y.get("bsn") or "",
                    "birth_date": _d(y["birth_date"]),
                    "has_startkwalificatie": bool(y.get("has_startkwalificatie", False)),
                },
            )
            youths[youth.ref] = youth
            wanted = [
                (_d(p["from"]), p["status"], p.get("school") or "") for p in y.get("education", [])
            ]
            self.replace_rows(
                youth.education.all(),
                wanted,
                key=lambda p: (p.from_date, p.status, p.school),
                create=lambda item, youth=youth: EducationPeriod.objects.create(
                    youth=youth, from_date=item[0], status=item[1], school=item[2]
                ),
            )
        # Closed cases first, so an open case never meets another open one on the way.
        for c in sorted(fam.get("cases", []), key=lambda c: c.get("closed_on") is None):
            self.case(c, family, youths)

    def case(self, c: dict[str, Any], family: Family, youths: dict[str, Youth]) -> None:
        values = {
            "family": family,
            "local_team": self.teams[c["local_team"]],
            "opened_on": _d(c["opened_on"]),
            "closed_on": _d(c.get("closed_on")),
        }
        if values["closed_on"] is None:
            # The format carries closed_on only: a case the file has open has no closing.
            values |= {
                "close_reason": "",
                "close_note": "",
                "handed_over_to": "",
                "closed_by": None,
            }
        case = self.upsert(Case, {"ref": c["ref"]}, values)
        wanted = [
            (self.workers[r["worker"]].pk, _d(r["from"]), _d(r.get("until")))
            for r in c.get("regisseurs", [])
        ]
        self.replace_rows(
            case.regisseurs.all(),
            wanted,
            key=lambda p: (p.worker_id, p.from_date, p.until),
            create=lambda item: RegisseurPeriod.objects.create(
                case=case, worker_id=item[0], from_date=item[1], until=item[2]
            ),
        )
        if "involved" in c:  # an extension; absent: the case's people are left as they are
            self.involved(case, c["involved"])
        self.analysis(case, c.get("analysis"))
        self.plan(case, c.get("plan"))
        wanted_pp = [
            (youths[p["youth"]].pk, p["kind"], p["status"], _d(p["started_on"]))
            for p in c.get("perspective_plans", [])
        ]
        self.replace_rows(
            case.perspective_plans.all(),
            wanted_pp,
            key=lambda p: (p.youth_id, p.kind, p.status, p.started_on),
            create=lambda item: PerspectivePlan.objects.create(
                case=case,
                youth_id=item[0],
                kind=item[1],
                status=item[2],
                started_on=item[3],
                **_perspective_agreed_without_parts(item[2], item[3]),
            ),
        )
        for r in c.get("referrals", []):
            self.upsert(
                Referral,
                {"ref": r["ref"]},
                {
                    "case": case,
                    "youth": youths[r["youth"]],
                    "product": self.products[r["product"]],
                    "provider": self.providers[r["provider"]],
                    "status": r["status"],
                    "sent_on": _d(r.get("sent_on")),
                    "answered_on": _d(r.get("answered_on")),
                    "decline_reason": r.get("decline_reason") or "",
                    "started_on": _d(r.get("started_on")),
                    "ended_on": _d(r.get("ended_on")),
                    "end_reason": r.get("end_reason") or "",
                    "expired_on": _d(r.get("expired_on")),
                    "referrer": r.get("referrer") or Referrer.MUNICIPALITY,
                    **_bridging(r.get("bridging")),
                },
            )
        # Discussed escalations first: at most one undiscussed escalation per case.
        for e in sorted(c.get("escalations", []), key=lambda e: e.get("discussed_on") is None):
            existing = Escalation.objects.filter(ref=e["ref"]).first()
            self.upsert(
                Escalation,
                {"ref": e["ref"]},
                {
                    "case": case,
                    "submitted_on": _d(e["submitted_on"]),
                    "reason": e["reason"],
                    "discussed_on": _d(e.get("discussed_on")),
                    # a new one at the expert table of the case's region; a table is kept
                    **(
                        {}
                        if existing
                        else {
                            "source": EscalationSource.IMPORT,
                            "table": expert_table_of(case.family.municipality.region_id),
                        }
                    ),
                },
            )

    def analysis(self, case: Case, a: dict[str, Any] | None) -> None:
        current = case.analyses.filter(is_current=True).first()
        if a is None:
            return  # an analysis made in the application is never removed by an import
        values = {
            "status": a["status"],
            "established_on": _d(a.get("established_on")),
            "participants": list(a.get("participants", [])),
        }
        if current is None:
            version = (
                case.analyses.order_by("-version").values_list("version", flat=True).first() or 0
            ) + 1
            current = Analysis.objects.create(case=case, version=version, is_current=True, **values)
            self.result.created += 1
        else:
            current = self.upsert(Analysis, {"pk": current.pk}, values)
        self.replace_rows(
            current.findings.all(),
            sorted((a.get("domains") or {}).items()),
            key=lambda f: (f.domain, f.text),
            create=lambda item: DomainFinding.objects.create(
                analysis=current, domain=item[0], text=item[1]
            ),
        )
        self.replace_texts(current.explanations, Explanation, current, a.get("explanations"))
        self.replace_texts(current.strengths, Strength, current, a.get("strengths"))

    def replace_texts(self, manager, model, analysis: Analysis, texts: list[str] | None) -> None:
        """Ordered texts of an analysis (explanations, strengths) become what the file says."""
        self.replace_rows(
            manager.all(),
            list(enumerate(texts or [])),
            key=lambda row: (row.position, row.text),
            create=lambda item: model.objects.create(
                analysis=analysis, position=item[0], text=item[1]
            ),
        )

    def plan(self, case: Case, p: dict[str, Any] | None) -> None:
        if p is None:
            return  # a plan made in the application is never removed by an import
        current = case.plans.filter(is_current=True).first()
        if current is None:
            current = Plan.objects.create(case=case, agreed_on=_d(p.get("agreed_on")))
            self.result.created += 1
        else:
            current = self.upsert(Plan, {"pk": current.pk}, {"agreed_on": _d(p.get("agreed_on"))})
        wanted = [(_d(e["planned_on"]), _d(e.get("held_on"))) for e in p.get("evaluations", [])]
        self.replace_rows(
            current.evaluations.all(),
            wanted,
            key=lambda e: (e.planned_on, e.held_on),
            create=lambda item: Evaluation.objects.create(
                plan=current, planned_on=item[0], held_on=item[1]
            ),
        )
