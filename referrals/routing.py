"""Routing: which providers to propose for a youth and a product (or a segment), and why.

A provider qualifies with a contract for the product valid on the date in the family's
municipality. Proposals are ranked: lighter forms of care first where the segment allows
(ambulant before day treatment before residential), providers with free places before those
without, then the shortest current median waiting time (sent → accepted, last 365 days).
Providers that already declined this youth for the product in the open case are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Q
from django.utils.translation import gettext as _

from casusregie.models import Youth

from .lifecycle import Status
from .models import Contract, Product, ProductCapacity, Provider, Referral, Segment

# Lighter, closer-to-home care first (seed 001: "zo licht als mogelijk, zo thuisnabij mogelijk").
SEGMENT_ORDER = [
    Segment.AMBULANT,
    Segment.ONDERWIJS,
    Segment.DAGBEHANDELING,
    Segment.PLEEGZORG,
    Segment.VEILIGHEID,
    Segment.VERBLIJF,
    Segment.CRISIS,
]


@dataclass
class Proposal:
    provider: Provider
    product: Product
    median_wait_days: float | None
    available_places: int | None
    reasons: list[str] = field(default_factory=list)


def has_valid_contract(
    provider: Provider, product: Product, municipality_id: int, on: dt.date
) -> bool:
    return _contracts(on, municipality_id).filter(provider=provider, product=product).exists()


def _contracts(on: dt.date, municipality_id: int):
    return Contract.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        valid_from__lte=on,
        municipalities=municipality_id,
    )


class _DaysBetween(Func):
    """``later - earlier`` of two dates: whole days (an integer in PostgreSQL)."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


class _Percentile(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def median_waiting_days(pairs: set[tuple[int, int]], on: dt.date) -> dict[tuple[int, int], float]:
    """Median days from sent to accepted per (provider, product), over the last 365 days."""
    if not pairs:
        return {}
    providers = {p for p, _ in pairs}
    products = {q for _, q in pairs}
    rows = (
        Referral.objects.filter(
            provider__in=providers,
            product__in=products,
            answered_on__isnull=False,
            status__in=[Status.ACCEPTED, Status.STARTED, Status.ENDED],
            sent_on__gte=on - dt.timedelta(days=365),
        )
        .values("provider", "product")
        .annotate(
            median=_Percentile(_DaysBetween(F("answered_on"), F("sent_on"))),
            n=Count("pk"),
        )
    )
    return {(r["provider"], r["product"]): float(r["median"]) for r in rows}


def propose(
    youth: Youth,
    *,
    product: Product | None = None,
    segment: str | None = None,
    on: dt.date,
) -> list[Proposal]:
    """Ranked proposals for this youth; empty when no contracted provider is left."""
    family = youth.family
    contracts = _contracts(on, family.municipality_id).select_related("provider", "product")
    if product is not None:
        contracts = contracts.filter(product=product)
    elif segment is not None:
        contracts = contracts.filter(product__segment=segment)
    declined = set(
        Referral.objects.filter(
            youth=youth, status=Status.DECLINED, case__closed_on__isnull=True
        ).values_list("provider", "product")
    )
    candidates = {}
    for contract in contracts:
        key = (contract.provider_id, contract.product_id)
        if key not in declined:
            candidates.setdefault(key, contract)
    waits = median_waiting_days(set(candidates), on)
    capacity = {
        (c.provider_id, c.product_id): c.available_places
        for c in ProductCapacity.objects.filter(
            provider__in={p for p, _ in candidates}, product__in={q for _, q in candidates}
        )
    }
    proposals = []
    for key, contract in candidates.items():
        wait, places = waits.get(key), capacity.get(key)
        reasons = [
            _("Gecontracteerd voor %(product)s in %(municipality)s")
            % {"product": contract.product.name, "municipality": family.municipality.name}
        ]
        if contract.product.segment in (Segment.AMBULANT, Segment.ONDERWIJS):
            reasons.append(_("Ambulant en thuisnabij: de jeugdige blijft thuis en op school"))
        elif contract.product.segment == Segment.DAGBEHANDELING:
            reasons.append(_("Dagbehandeling in een groep: 's avonds thuis"))
        if wait is not None:
            reasons.append(
                _("Huidige mediane wachttijd tot toewijzing: %(days)s dagen")
                % {"days": round(wait)}
            )
        else:
            reasons.append(_("Nog geen wachttijdgegevens"))
        if places is not None:
            reasons.append(
                _("Meldt %(n)s vrije plaatsen") % {"n": places}
                if places
                else _("Meldt op dit moment geen vrije plaatsen")
            )
        proposals.append(Proposal(contract.provider, contract.product, wait, places, reasons))
    proposals.sort(
        key=lambda p: (
            SEGMENT_ORDER.index(p.product.segment),
            p.available_places == 0,
            p.median_wait_days is None,
            p.median_wait_days or 0,
            p.provider.name,
        )
    )
    return proposals
