"""Issue 19.4's outcome figures by hand: uithuisplaatsingen, repeat care within 12 months,
care ended volgens plan (iJw 31), and the doorlooptijden; per municipality, guarded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from casusregie.models import Role
from dashboard.tables import Context
from referrals.models import Referral
from tests.conftest import verified_login
from tests.factories import WorkerFactory

from .conftest import family, observations, referral, refresh, value

pytestmark = pytest.mark.django_db
d = dt.date


def ended(case, youth, product, provider, started, ended_on, code):
    r = referral(
        case,
        youth,
        product,
        provider,
        "ended",
        sent=started,
        answered=started,
        started=started,
        ended=ended_on,
    )
    Referral.objects.filter(pk=r.pk).update(end_code=code)
    return r


@pytest.fixture
def world(place):
    p = place
    k, (ya, yb, yc, yd) = family(p.m1, p.t1, d(2025, 1, 6), births=[d(2012, 1, 1)] * 4)
    # ya: care ended 1 March 2025; out of home again on 1 March 2026, exactly 12 months on
    ended(k, ya, p.spec, p.a, d(2025, 1, 10), d(2025, 3, 1), "31")
    referral(
        k,
        ya,
        p.stay,
        p.b,
        "started",
        sent=d(2026, 2, 1),
        answered=d(2026, 2, 10),
        started=d(2026, 3, 1),
    )
    # yb: care ended 28 February 2025; started again 1 March 2026: 12 months and a day
    ended(k, yb, p.basic, p.a, d(2025, 1, 10), d(2025, 2, 28), "33")
    referral(
        k,
        yb,
        p.basic,
        p.a,
        "started",
        sent=d(2026, 2, 20),
        answered=d(2026, 2, 25),
        started=d(2026, 3, 1),
    )
    # yc: care ended and the next started the same day (a change of provider: repeat care)
    ended(k, yc, p.spec, p.a, d(2026, 1, 5), d(2026, 4, 1), "38")
    referral(
        k,
        yc,
        p.stay,
        p.b,
        "started",
        sent=d(2026, 3, 1),
        answered=d(2026, 3, 20),
        started=d(2026, 4, 1),
    )
    # yd: care ended in 2026 without an iJw code (an import)
    ended(k, yd, p.basic, p.b, d(2026, 2, 2), d(2026, 6, 30), "")
    # a case in Beekdorp opened 1 March 2026 and closed 31 May 2026: 91 days
    family(p.m2, p.t2, d(2026, 3, 1), d(2026, 5, 31), births=[d(2015, 1, 1)])
    refresh(p.region)
    return p


def test_starts_of_care_out_of_home_and_repeat_within_12_months(world):
    r = world.region
    # 2026 starts: yc 5 Jan, yd 2 Feb, ya 1 Mar (stay), yb 1 Mar, yc 1 Apr (stay)
    assert value(r, "care_starts") == 5
    assert value(r, "care_starts_out_of_home") == 2
    # ya on the day 12 months after (counts), yc the same day (counts); yb a day late does not
    assert value(r, "care_starts_repeat") == 2
    assert value(r, "care_starts", "2026-03") == 2
    assert value(r, "care_starts_repeat", "2026-03") == 1
    assert value(r, "care_starts_out_of_home", "2026-04") == 1
    # per municipality: all in Aadorp, none in Beekdorp (no row: nothing started there)
    assert value(r, "care_starts", dimension="municipality", member="GM0001") == 5
    assert value(r, "care_starts", dimension="municipality", member="GM0002") is None
    # the flow's starts are the same starts
    assert value(r, "care_started", category="local") + value(
        r, "care_started", category="regional"
    ) == value(r, "care_starts")


def test_care_ended_volgens_plan_otherwise_and_not_recorded(world):
    r = world.region
    assert value(r, "care_ends", "2025") == 2
    assert value(r, "care_ended_as_planned", "2025") == 1  # 31
    assert value(r, "care_ended_otherwise", "2025") == 1  # 33
    assert value(r, "care_ends") == 2  # 2026: yc (38) and yd (no code)
    assert value(r, "care_ended_as_planned") == 0
    assert value(r, "care_ended_otherwise") == 1
    assert value(r, "care_ended_unknown") == 1
    assert value(r, "care_ends", "2026-06") == 1  # 30 June: the last day of June


def test_doorlooptijd_from_first_referral_to_start_and_from_opening_to_closing(world):
    r = world.region
    # the Aadorp case: first referral sent 10 January 2025, first care started that day
    assert value(r, "to_first_start_median", "2025") == 0
    assert observations(r, "to_first_start_median", "2025") == 1
    assert value(r, "to_first_start_median") is None  # its first start was in 2025
    # the Beekdorp case: opened 1 March, closed 31 May 2026
    assert value(r, "case_duration_median") == 91
    assert observations(r, "case_duration_median") == 1
    assert value(r, "case_duration_median", dimension="municipality", member="GM0002") == 91


def test_first_start_boundary_a_case_counts_in_the_period_of_its_first_start(place):
    p = place
    k, (y,) = family(p.m1, p.t1, d(2026, 1, 5), births=[d(2012, 1, 1)])
    referral(k, y, p.basic, p.a, "declined", sent=d(2026, 2, 1), answered=d(2026, 2, 3))
    referral(
        k,
        y,
        p.spec,
        p.b,
        "started",
        sent=d(2026, 2, 10),
        answered=d(2026, 3, 1),
        started=d(2026, 3, 31),
    )
    refresh(p.region)
    assert value(p.region, "to_first_start_median", "2026-03") == 58  # 1 Feb → 31 Mar
    assert value(p.region, "first_starts", "2026-02") is None
    assert value(p.region, "first_starts", "2026-04") is None


def test_the_page_shows_them_small_numbers_hidden_and_medians_only_on_five(client, world):
    gert = WorkerFactory(local_team=None, region=world.region, roles=[Role.POLICY])
    html = verified_login(client, gert).get(
        reverse("dashboard-care"), {"periode": "2026", "indeling": "gemeente"}
    )
    html = html.content.decode()
    for name in ("uithuisplaatsingen", "volgens-plan", "doorlooptijd"):
        section = html[html.index(f'aria-labelledby="{name}-titel"') :]
        section = section[: section.index("</section>")]
        assert "Aadorp" in section and "Beekdorp" in section
        assert "<td>&lt;5</td>" in section or "<td>5</td>" in section
        # one case each: no median shown, so no chart either
        if name == "doorlooptijd":
            assert "91" not in section and "Te weinig gegevens" in section


def test_the_outcome_tables_declare_their_sums_with_the_flow(world):
    from dashboard import pages
    from dashboard.models import Refresh

    refresh_row = Refresh.objects.get(region=world.region)
    period, dimension = pages.choose(refresh_row, "2026", "gemeente")
    ctx: Context = pages.context(world.region, refresh_row, period, dimension)
    care = {t.name: t for t in pages.published(ctx)["zorg"]}
    assert ("care_starts", ("started_local", "started_regional")) in care["uithuisplaatsingen"].sums
    assert any(
        total == "care_ends" and "ended_local" in parts
        for total, parts in care["volgens-plan"].sums
    )
    region = next(r for r in care["uithuisplaatsingen"].rows if r.total)
    assert region.values["care_starts"] == 5
    assert region.values["care_starts_out_of_home"] == "<5"
    assert region.values["care_starts_out_of_home_share"] is None  # no share of a hidden count
