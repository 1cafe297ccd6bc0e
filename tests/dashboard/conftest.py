"""A small region to compute the dashboard's figures by hand, refreshed as of D."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from casusregie.models import EducationPeriod
from dashboard.models import Figure
from dashboard.periods import periods_as_of
from dashboard.services import refresh_statistics
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    ProductFactory,
    ProviderFactory,
    ReferralFactory,
    RegionFactory,
    SegmentFactory,
    YouthFactory,
)

D = dt.date(2026, 11, 24)  # a Tuesday: the refresh date of these tests


@pytest.fixture
def place(db):
    """Region r1 with Aadorp (team Noord) and Beekdorp (team Zuid); region r2 beside it."""
    region = RegionFactory(code="r1", name="Regio Een")
    m1 = MunicipalityFactory(code="GM0001", name="Aadorp", region=region)
    m2 = MunicipalityFactory(code="GM0002", name="Beekdorp", region=region)
    other = MunicipalityFactory(code="GM0009", name="Elders", region=RegionFactory(code="r2"))
    # the region's own purchasing segments (records, not an enum: each region has its own)
    ambulant = SegmentFactory(region=region, code="ambulant", name="Ambulante jeugdhulp")
    residential = SegmentFactory(region=region, code="verblijf", name="Jeugdhulp met verblijf")
    return SimpleNamespace(
        region=region,
        m1=m1,
        m2=m2,
        other=other,
        t1=LocalTeamFactory(ref="lt-noord", name="Team Noord", municipalities=[m1]),
        t2=LocalTeamFactory(ref="lt-zuid", name="Team Zuid", municipalities=[m2]),
        t3=LocalTeamFactory(ref="lt-elders", name="Team Elders", municipalities=[other]),
        basic=ProductFactory(code="AMB-BAS", segment=ambulant, specialist=False),
        spec=ProductFactory(code="AMB-SPEC", segment=ambulant, specialist=True),
        stay=ProductFactory(code="VERB", segment=residential, out_of_home=True, specialist=True),
        a=ProviderFactory(ref="p-a", name="Aanbieder A"),
        b=ProviderFactory(ref="p-b", name="Aanbieder B"),
    )


def family(municipality, team, opened, closed=None, births=()):
    """A family with one case and its youths (born on ``births``)."""
    fam = FamilyFactory(municipality=municipality)
    case = CaseFactory(family=fam, local_team=team, opened_on=opened, closed_on=closed)
    return case, [YouthFactory(family=fam, birth_date=b) for b in births]


def referral(case, youth, product, provider, status, decline_code="", **dates):
    """A referral in ``status`` with its dates (sent, answered, started, ended) as given."""
    fields = {f"{k}_on": v for k, v in dates.items()}
    fields["decline_code"] = decline_code
    if status == "declined":
        fields.setdefault("decline_reason", "geen plek")
        if decline_code in ("no_capacity", "not_right_care"):
            fields.setdefault("no_alternative_known", True)
    if status == "ended":
        fields.setdefault("end_reason", "doelen behaald")
    if status == "expired":
        fields.setdefault("expired_on", fields["sent_on"] + dt.timedelta(days=28))
    return ReferralFactory(
        case=case, youth=youth, product=product, provider=provider, status=status, **fields
    )


def at_home(youth, since, status="absent", school_from=dt.date(2016, 9, 1)):
    EducationPeriod.objects.create(youth=youth, status="attending", from_date=school_from)
    EducationPeriod.objects.create(youth=youth, status=status, from_date=since)


def refresh(region, as_of=D):
    return refresh_statistics(as_of, region=region)


def period(code: str, as_of=D):
    return next(p for p in periods_as_of(as_of) if p.code == code)


def value(region, measure, code="2026", dimension="region", member=None, category=""):
    """A figure as the refresh wrote it (before publication), None when there is no row."""
    p = period(code)
    row = Figure.objects.filter(
        region=region,
        period_kind=p.kind,
        period_start=p.start,
        dimension=dimension,
        member=member or region.code,
        measure=measure,
        category=category,
    ).first()
    return None if row is None else row.value


def observations(region, measure, code="2026", dimension="region", member=None):
    p = period(code)
    return (
        Figure.objects.filter(
            region=region,
            period_kind=p.kind,
            period_start=p.start,
            dimension=dimension,
            member=member or region.code,
            measure=measure,
        )
        .values_list("observations", flat=True)
        .first()
    )
