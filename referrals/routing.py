"""Routing: which providers to propose for a youth and a product (or a segment), and why.

A provider qualifies with a contract for the product valid on the date in the family's
municipality. Proposals are ranked: lighter forms of care first, by the product's marks and
iJw category (ambulant before day treatment before out of home, crisis last), providers with
free places before those without, then the shortest current median waiting time (sent →
accepted, last 365 days).
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

# Lighter, closer-to-home care first (seed 001: "zo licht als mogelijk, zo thuisnabij mogelijk"),
# read from the product's marks and its iJw productcategorie (JZ020), never from a segment code:
# ambulant before day treatment, at home before out of home, foster and family homes (43)
# before residential care (44), crisis care last.
AMBULANT_CATEGORIES = {"40", "42", "45"}
DAY_TREATMENT_CATEGORY = "41"
_CATEGORY_WEIGHT = {"40": 0, "42": 0, "45": 0, "47": 1, "48": 1, "41": 2, "43": 3, "44": 4}


def lightness(product: Product) -> tuple[bool, bool, int]:
    """The sort key of "lighter care first": smaller is lighter."""
    return product.crisis, product.out_of_home, _CATEGORY_WEIGHT.get(product.ijw_category, 1)


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
    segment: Segment | None = None,
    crisis: bool = False,
    on: dt.date,
) -> list[Proposal]:
    """Ranked proposals for this youth (``crisis``: crisis products only); empty when no
    contracted provider is left."""
    family = youth.family
    contracts = _contracts(on, family.municipality_id).select_related("provider", "product")
    if product is not None:
        contracts = contracts.filter(product=product)
    elif segment is not None:
        contracts = contracts.filter(product__segment=segment)
    if crisis:
        contracts = contracts.filter(product__crisis=True)
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
        product = contract.product
        if product.crisis:
            reasons.append(_("Crisiszorg: kan starten vóór de verklarende analyse is vastgesteld"))
        elif product.out_of_home:
            reasons.append(_("Buiten huis: vraagt direct een perspectiefplan voor terugkeer"))
        elif product.ijw_category in AMBULANT_CATEGORIES:
            reasons.append(_("Ambulant en thuisnabij: de jeugdige blijft thuis en op school"))
        elif product.ijw_category == DAY_TREATMENT_CATEGORY:
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
            lightness(p.product),
            p.available_places == 0,
            p.median_wait_days is None,
            p.median_wait_days or 0,
            p.provider.name,
        )
    )
    return proposals
