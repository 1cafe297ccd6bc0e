"""Checks a dossier before anything is written: the schema, then the meaning.

Every problem is reported with its JSON path (``families[3].youths[0].bsn: …``); a dossier with
any problem is refused as a whole. The database constraints stay as the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from casusregie.bsn import is_valid_bsn
from casusregie.models import GI_ROLES
from referrals.lifecycle import (
    NEEDS_ANSWERED_ON,
    NEEDS_ENDED_ON,
    NEEDS_SENT_ON,
    NEEDS_STARTED_ON,
    Status,
)

from .schema import CURRENT_VERSION, SCHEMAS

_VALIDATORS = {
    version: Draft202012Validator(schema, format_checker=FormatChecker())
    for version, schema in SCHEMAS.items()
}


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def json_path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_problems(doc: Any) -> list[Problem]:
    """Problems against the schema of the document's own version (1 or 2)."""
    version = doc.get("version") if isinstance(doc, dict) else None
    if (
        isinstance(doc, dict)
        and doc.get("format") == "casusregie-dossier"
        and (type(version) is not int or version not in _VALIDATORS)
    ):
        known = " or ".join(map(str, sorted(_VALIDATORS)))
        return [Problem("version", f"unknown version {version!r}: this product reads {known}")]
    validator = _VALIDATORS.get(version, _VALIDATORS[CURRENT_VERSION])
    problems = []
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path))):
        message = error.message
        if error.validator == "format" and error.validator_value == "date":
            message = f"not a valid date: {error.instance!r}"
        elif error.validator == "pattern" and "\\d{4}-" in str(error.validator_value):
            message = f"not a date in the form YYYY-MM-DD: {error.instance!r}"
        if "bsn" in error.absolute_path:  # never echo what may be (a typo of) a real BSN
            message = f"not a BSN: 9 digits expected ({error.validator} failed)"
        elif _may_hold_a_bsn(error.instance):
            # jsonschema quotes the instance: a youth (or the text of one) carries its BSN.
            message = f"{error.validator} failed: {_expected(error)}"
        if len(message) > 200:
            message = message[:197] + "..."
        problems.append(Problem(json_path(error.absolute_path), message))
    return problems


def _may_hold_a_bsn(instance: Any) -> bool:
    if isinstance(instance, dict):
        return "bsn" in instance or any(_may_hold_a_bsn(v) for v in instance.values())
    if isinstance(instance, list):
        return any(_may_hold_a_bsn(v) for v in instance)
    return isinstance(instance, str) and "bsn" in instance.lower()


def _expected(error) -> str:
    if error.validator == "type":
        return f"expected {error.validator_value}"
    if error.validator == "additionalProperties":
        return "a property that is not in the format"
    if error.validator == "required":
        return f"missing {', '.join(map(str, error.validator_value))}"
    return "see the format (docs/dossier.schema.json)"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@dataclass
class KnownRefs:
    """Refs that exist in the database already, so the file may name them without defining them."""

    regions: set[str]
    municipalities: set[str]
    local_teams: set[str]
    workers: set[str]
    providers: set[str]
    products: set[str]
    # segment code -> the regions that have a segment with that code
    segments: dict[str, set[str]]
    # family ref -> ref of the family's open case in the database, if any
    open_cases: dict[str, str]


def semantic_problems(doc: dict[str, Any], known: KnownRefs) -> list[Problem]:
    return list(_semantic(doc, known))


def _duplicates(items: list[dict], key: str, path: str, what: str) -> Iterator[Problem]:
    counts = Counter(item[key] for item in items)
    for i, item in enumerate(items):
        if counts[item[key]] > 1:
            yield Problem(f"{path}[{i}].{key}", f"{what} {item[key]!r} is defined more than once")


def _semantic(doc: dict[str, Any], known: KnownRefs) -> Iterator[Problem]:
    def defined(kind: str, key: str) -> set[str]:
        return {item[key] for item in doc.get(kind, [])}

    file_regions = defined("regions", "code")
    regions = file_regions | known.regions
    municipalities = defined("municipalities", "code") | known.municipalities
    teams = defined("local_teams", "ref") | known.local_teams
    workers = defined("workers", "ref") | known.workers
    providers = defined("providers", "ref") | known.providers
    products = defined("products", "code") | known.products

    for kind, key, what in [
        ("regions", "code", "region"),
        ("municipalities", "code", "municipality"),
        ("local_teams", "ref", "local team"),
        ("workers", "ref", "worker"),
        ("providers", "ref", "provider"),
        ("products", "code", "product"),
        ("segments", "code", "segment"),
        ("families", "ref", "family"),
    ]:
        yield from _duplicates(doc.get(kind, []), key, kind, what)

    def must_exist(value: str | None, pool: set[str], path: str, what: str) -> Iterator[Problem]:
        if value is not None and value not in pool:
            yield Problem(path, f"unknown {what} {value!r}")

    # A segment's region may be left out when there is one region to be (the file's one, or,
    # in a file without regions, the database's one).
    only_region = len(file_regions) == 1 or (not file_regions and len(known.regions) == 1)
    for i, seg in enumerate(doc.get("segments", [])):
        path = f"segments[{i}].region"
        if seg.get("region") is None and not only_region:
            yield Problem(path, "required: the segment's region (there is not exactly one)")
        yield from must_exist(seg.get("region"), regions, path, "region")
    segments = defined("segments", "code")
    for i, p in enumerate(doc.get("products", [])):
        code, path = p["segment"], f"products[{i}].segment"
        if code not in segments:
            held = known.segments.get(code, set())
            if not held:
                yield Problem(path, f"unknown segment {code!r}")
            elif len(held) > 1:
                yield Problem(
                    path,
                    f"segment {code!r} names two records (regions {', '.join(sorted(held))}): "
                    "define it in the file's segments",
                )
    for i, m in enumerate(doc.get("municipalities", [])):
        yield from must_exist(m["region"], regions, f"municipalities[{i}].region", "region")
    for i, t in enumerate(doc.get("local_teams", [])):
        for j, code in enumerate(t["municipalities"]):
            path = f"local_teams[{i}].municipalities[{j}]"
            yield from must_exist(code, municipalities, path, "municipality")
    for i, w in enumerate(doc.get("workers", [])):
        path = f"workers[{i}].local_team"
        yield from must_exist(w.get("local_team"), teams, path, "local team")
    for i, c in enumerate(doc.get("contracts", [])):
        path = f"contracts[{i}]"
        yield from must_exist(c["provider"], providers, f"{path}.provider", "provider")
        yield from must_exist(c["product"], products, f"{path}.product", "product")
        for j, code in enumerate(c["municipalities"]):
            yield from must_exist(
                code, municipalities, f"{path}.municipalities[{j}]", "municipality"
            )
        until = _date(c.get("valid_until"))
        if until and until < _date(c["valid_from"]):
            yield Problem(f"{path}.valid_until", "before valid_from")

    # Refs of records nested in families are unique across the whole file.
    nested: Counter[tuple[str, str]] = Counter()
    for fam in doc.get("families", []):
        for carer in fam.get("carers", []):
            nested["carer", carer["ref"]] += 1
        for youth in fam.get("youths", []):
            nested["youth", youth["ref"]] += 1
        for case in fam.get("cases", []):
            nested["case", case["ref"]] += 1
            for r in case.get("referrals", []):
                nested["referral", r["ref"]] += 1
            for e in case.get("escalations", []):
                nested["escalation", e["ref"]] += 1

    for i, fam in enumerate(doc.get("families", [])):
        yield from _family(
            fam,
            f"families[{i}]",
            nested,
            known,
            municipalities,
            teams,
            workers,
            providers,
            products,
        )


def _family(
    fam: dict[str, Any],
    path: str,
    nested: Counter[tuple[str, str]],
    known: KnownRefs,
    municipalities: set[str],
    teams: set[str],
    workers: set[str],
    providers: set[str],
    products: set[str],
) -> Iterator[Problem]:
    if fam["municipality"] not in municipalities:
        yield Problem(f"{path}.municipality", f"unknown municipality {fam['municipality']!r}")

    for kind, items in (("carer", fam.get("carers", [])), ("youth", fam.get("youths", []))):
        for j, person in enumerate(items):
            ppath = f"{path}.{kind}s[{j}]" if kind == "carer" else f"{path}.youths[{j}]"
            if nested[kind, person["ref"]] > 1:
                yield Problem(f"{ppath}.ref", f"{kind} {person['ref']!r} is defined more than once")
            if person.get("bsn") not in (None, "") and not is_valid_bsn(person["bsn"]):
                yield Problem(f"{ppath}.bsn", "not a valid BSN (11-proef)")

    youths = {y["ref"] for y in fam.get("youths", [])}
    for j, youth in enumerate(fam.get("youths", [])):
        starts = [_date(p["from"]) for p in youth.get("education", [])]
        for k in range(1, len(starts)):
            if starts[k] <= starts[k - 1]:
                yield Problem(
                    f"{path}.youths[{j}].education[{k}].from",
                    "education periods out of order (each starts after the previous one)",
                )

    open_cases = [c for c in fam.get("cases", []) if not c.get("closed_on")]
    if len(open_cases) > 1:
        yield Problem(f"{path}.cases", "a family has at most one open case (two have no closed_on)")
    elif open_cases:
        existing = known.open_cases.get(fam["ref"])
        if existing and existing != open_cases[0]["ref"]:
            yield Problem(
                f"{path}.cases",
                f"the family already has open case {existing!r} in the database",
            )

    for k, case in enumerate(fam.get("cases", [])):
        yield from _case(
            case, f"{path}.cases[{k}]", nested, youths, teams, workers, providers, products
        )


def _case(
    case: dict[str, Any],
    path: str,
    nested: Counter[tuple[str, str]],
    youths: set[str],
    teams: set[str],
    workers: set[str],
    providers: set[str],
    products: set[str],
) -> Iterator[Problem]:
    if nested["case", case["ref"]] > 1:
        yield Problem(f"{path}.ref", f"case {case['ref']!r} is defined more than once")
    if case["local_team"] not in teams:
        yield Problem(f"{path}.local_team", f"unknown local team {case['local_team']!r}")
    opened, closed = _date(case["opened_on"]), _date(case.get("closed_on"))
    if closed and closed < opened:
        yield Problem(f"{path}.closed_on", "a case cannot close before it opened")

    periods = []
    for i, reg in enumerate(case.get("regisseurs", [])):
        rpath = f"{path}.regisseurs[{i}]"
        if reg["worker"] not in workers:
            yield Problem(f"{rpath}.worker", f"unknown worker {reg['worker']!r}")
        start, until = _date(reg["from"]), _date(reg.get("until"))
        if until and until < start:
            yield Problem(f"{rpath}.until", "until is before from")
            continue
        periods.append((start, until or dt.date.max, i))
    periods.sort()
    for (_, end_a, _), (start_b, _, i_b) in zip(periods, periods[1:], strict=False):
        if start_b < end_a:
            yield Problem(f"{path}.regisseurs[{i_b}]", "regisseur periods overlap")

    gi_regie = []
    for i, inv in enumerate(case.get("involved", [])):
        ipath = f"{path}.involved[{i}]"
        start, until = _date(inv["from"]), _date(inv.get("until"))
        if until and until < start:
            yield Problem(f"{ipath}.until", "until is before from")
            continue
        if inv.get("holds_regie"):
            if inv["role"] not in GI_ROLES:
                yield Problem(f"{ipath}.holds_regie", "only a GI holds regie")
                continue
            gi_regie.append((start, until or dt.date.max, i))
    gi_regie.sort()
    for (_, end_a, _), (start_b, _, i_b) in zip(gi_regie, gi_regie[1:], strict=False):
        if start_b < end_a:
            yield Problem(f"{path}.involved[{i_b}]", "periods of GI regie overlap")

    analysis = case.get("analysis")
    if analysis and analysis["status"] == "established" and not analysis.get("established_on"):
        yield Problem(f"{path}.analysis.established_on", "an established analysis needs a date")

    for i, pp in enumerate(case.get("perspective_plans", [])):
        if pp["youth"] not in youths:
            yield Problem(
                f"{path}.perspective_plans[{i}].youth", f"unknown youth {pp['youth']!r} in family"
            )

    for i, ref in enumerate(case.get("referrals", [])):
        yield from _referral(ref, f"{path}.referrals[{i}]", nested, youths, providers, products)

    open_escalations = 0
    for i, esc in enumerate(case.get("escalations", [])):
        epath = f"{path}.escalations[{i}]"
        if nested["escalation", esc["ref"]] > 1:
            yield Problem(f"{epath}.ref", f"escalation {esc['ref']!r} is defined more than once")
        discussed = _date(esc.get("discussed_on"))
        if discussed is None:
            open_escalations += 1
        elif discussed < _date(esc["submitted_on"]):
            yield Problem(f"{epath}.discussed_on", "discussed before it was submitted")
    if open_escalations > 1:
        yield Problem(f"{path}.escalations", "a case has at most one escalation not yet discussed")


_DATE_ORDER = ("sent_on", "answered_on", "started_on", "ended_on")


def _referral(
    ref: dict[str, Any],
    path: str,
    nested: Counter[tuple[str, str]],
    youths: set[str],
    providers: set[str],
    products: set[str],
) -> Iterator[Problem]:
    if nested["referral", ref["ref"]] > 1:
        yield Problem(f"{path}.ref", f"referral {ref['ref']!r} is defined more than once")
    if ref["youth"] not in youths:
        yield Problem(f"{path}.youth", f"unknown youth {ref['youth']!r} in family")
    if ref["provider"] not in providers:
        yield Problem(f"{path}.provider", f"unknown provider {ref['provider']!r}")
    if ref["product"] not in products:
        yield Problem(f"{path}.product", f"unknown product {ref['product']!r}")

    status = ref["status"]
    required = {
        "sent_on": status in NEEDS_SENT_ON,
        "answered_on": status in NEEDS_ANSWERED_ON,
        "started_on": status in NEEDS_STARTED_ON,
        "ended_on": status in NEEDS_ENDED_ON,
    }
    for field, needed in required.items():
        if needed and not ref.get(field):
            yield Problem(f"{path}.{field}", f"a referral with status {status!r} needs {field}")
    for field in ("started_on", "ended_on"):
        if ref.get(field) and not required[field]:
            yield Problem(f"{path}.{field}", f"does not fit status {status!r}")
    if status == Status.DRAFT:
        for field in ("sent_on", "answered_on"):
            if ref.get(field):
                yield Problem(f"{path}.{field}", "a draft referral has not been sent")
    if status == Status.DECLINED and not ref.get("decline_reason"):
        yield Problem(f"{path}.decline_reason", "a declined referral names its reason")
    if status == Status.ENDED and not ref.get("end_reason"):
        yield Problem(f"{path}.end_reason", "ended care names its reason")
    sent, expired = _date(ref.get("sent_on")), _date(ref.get("expired_on"))
    if status == Status.EXPIRED and expired is None:
        yield Problem(f"{path}.expired_on", "a referral with status 'expired' needs expired_on")
    elif expired is not None and status != Status.EXPIRED:
        yield Problem(f"{path}.expired_on", f"does not fit status {status!r}")
    elif expired is not None and sent is not None and expired < sent:
        yield Problem(f"{path}.expired_on", "expired_on is before sent_on: dates go backwards")
    if bridging := ref.get("bridging"):
        if sent is None:
            yield Problem(f"{path}.bridging", "bridging support on a referral that was not sent")
        elif _date(bridging["from"]) < sent:
            yield Problem(
                f"{path}.bridging.from", "bridging starts before the referral was sent (sent_on)"
            )

    # Dates never go backwards: report the first date that precedes an earlier step, naming
    # the earliest step it precedes (one problem per referral, however many dates are off).
    seen: list[tuple[str, dt.date]] = []
    for field in _DATE_ORDER:
        value = _date(ref.get(field))
        if value is None:
            continue
        earlier = [name for name, d in seen if value < d]
        if earlier:
            yield Problem(f"{path}.{field}", f"{field} is before {earlier[0]}: dates go backwards")
            break
        seen.append((field, value))
    for field in _DATE_ORDER[1:]:
        # A later date needs the earlier ones (answered needs sent, started needs answered…).
        index = _DATE_ORDER.index(field)
        if ref.get(field) and not ref.get(_DATE_ORDER[index - 1]):
            yield Problem(f"{path}.{field}", f"{field} without {_DATE_ORDER[index - 1]}")
