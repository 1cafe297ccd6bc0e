"""The table's figures against hand-computed values, and the edges of the three-month window."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from escalations.figures import table_figures, window_start
from escalations.models import Decision, TableSession
from escalations.services import expert_table_of
from tests.conftest import verified_login
from tests.factories import EscalationFactory, LocalTeamFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 11, 26)


@pytest.fixture
def case_in(make_case):
    return lambda **kw: make_case(opened_on=D(2025, 1, 6), **kw)


def discussed(case, submitted_on, discussed_on, kind=None, region=None):
    """An escalation discussed at a session on ``discussed_on``, with a decision of ``kind``."""
    escalation = EscalationFactory(case=case, submitted_on=submitted_on, discussed_on=discussed_on)
    if kind is not None:
        region = region or case.family.municipality.region
        session, _ = TableSession.objects.get_or_create(
            region=region, held_on=discussed_on, defaults={"table": expert_table_of(region.pk)}
        )
        Decision.objects.create(
            escalation=escalation,
            session=session,
            kind=kind,
            text="x",
            follow_up_on=discussed_on,
            product=None,
        )
    return escalation


def test_the_window_is_twelve_whole_months_ending_with_today_s_month():
    assert window_start(TODAY, 12) == D(2025, 12, 1)
    assert window_start(D(2026, 1, 31), 3) == D(2025, 11, 1)


def test_figures_against_hand_computed_values(case_in, region, other_region):
    a, b, c, d = case_in(), case_in(), case_in(), case_in()
    # September 2026: three submitted; waits 4, 10 and 7 days → median 7
    discussed(a, D(2026, 9, 1), D(2026, 9, 5), "advice")
    discussed(b, D(2026, 9, 10), D(2026, 9, 20), "return")
    discussed(c, D(2026, 9, 20), D(2026, 9, 27), "advice")
    # October 2026: two submitted; one discussed after 3 days, one still waiting
    discussed(a, D(2026, 10, 2), D(2026, 10, 5), "advice")
    EscalationFactory(case=d, submitted_on=D(2026, 10, 20))
    # November 2026: one discussed (wait 12) without a decision (imported)
    discussed(b, D(2026, 11, 2), D(2026, 11, 14))
    # before the window (November 2025): not counted
    discussed(c, D(2025, 11, 3), D(2025, 11, 13), "protection_table")
    # another region: never counted
    elsewhere = MunicipalityFactory(code="GM0546", region=other_region)
    foreign = case_in(
        in_municipality=elsewhere, local_team=LocalTeamFactory(municipalities=[elsewhere])
    )
    discussed(foreign, D(2026, 9, 1), D(2026, 9, 2), "advice")

    f = table_figures(region.pk, TODAY)
    months = {m.month: m for m in f.months}
    assert len(f.months) == 12 and f.months[0].month == D(2025, 12, 1)
    assert (months[D(2026, 9, 1)].submitted, months[D(2026, 9, 1)].discussed) == (3, 3)
    assert months[D(2026, 9, 1)].median_wait == 7.0
    assert (months[D(2026, 10, 1)].submitted, months[D(2026, 10, 1)].discussed) == (2, 1)
    assert months[D(2026, 10, 1)].median_wait == 3.0
    assert months[D(2026, 11, 1)].median_wait == 12.0
    assert (months[D(2026, 8, 1)].submitted, months[D(2026, 8, 1)].median_wait) == (0, None)
    # over the window: waits 4, 10, 7, 3, 12 → median 7; one waiting now
    assert (f.median_wait, f.discussed, f.waiting_now) == (7.0, 5, 1)
    assert {kind: n for kind, _, n in f.decisions} == {
        "advice": 3,
        "tailored": 0,
        "protection_table": 0,
        "return": 1,
        # the region's other tables' kinds (issue 19): the figures count all its tables
        "raad_request": 0,
        "placement": 0,
        "above_region": 0,
    }


def test_an_even_number_of_waits_has_the_mean_of_the_middle_two_as_median(case_in, region):
    discussed(case_in(), D(2026, 9, 1), D(2026, 9, 5))
    discussed(case_in(), D(2026, 9, 1), D(2026, 9, 10))
    assert table_figures(region.pk, TODAY).median_wait == 6.5


@pytest.mark.parametrize(
    ("later_on", "returned"),
    [
        (None, False),
        (D(2026, 1, 31), False),  # the day of the decision itself is not "later"
        (D(2026, 2, 1), True),
        (D(2026, 4, 30), True),  # 31 January + 3 months = 30 April (clamped)
        (D(2026, 5, 1), False),
    ],
)
def test_returned_means_a_new_escalation_within_three_months_of_the_decision(
    case_in, region, later_on, returned
):
    case = case_in()
    discussed(case, D(2026, 1, 20), D(2026, 1, 31), "advice")
    if later_on is not None:
        EscalationFactory(case=case, submitted_on=later_on)
    f = table_figures(region.pk, D(2026, 11, 26))
    assert (f.judged, f.returned) == (1, int(returned))
    assert f.returned_share == (1.0 if returned else 0.0)


def test_another_case_coming_back_does_not_count(case_in, region):
    discussed(case_in(), D(2026, 1, 20), D(2026, 1, 31), "advice")
    EscalationFactory(case=case_in(), submitted_on=D(2026, 2, 10))
    assert table_figures(region.pk, TODAY).returned == 0


@pytest.mark.parametrize(("today", "judged"), [(D(2026, 4, 29), 0), (D(2026, 4, 30), 1)])
def test_a_decision_is_judged_once_its_three_months_have_passed(case_in, region, today, judged):
    case = case_in()
    discussed(case, D(2026, 1, 20), D(2026, 1, 31), "advice")
    EscalationFactory(case=case, submitted_on=D(2026, 2, 10))
    f = table_figures(region.pk, today)
    assert (f.judged, f.returned) == (judged, judged)
    assert f.returned_share == (1.0 if judged else None)


def test_the_share_counts_every_judged_decision(case_in, region):
    back, stays, also_stays = case_in(), case_in(), case_in()
    discussed(back, D(2026, 3, 2), D(2026, 3, 9), "advice")
    EscalationFactory(case=back, submitted_on=D(2026, 5, 1))
    discussed(stays, D(2026, 3, 2), D(2026, 3, 9), "return")
    discussed(also_stays, D(2026, 4, 1), D(2026, 4, 8), "protection_table")
    f = table_figures(region.pk, TODAY)
    assert (f.judged, f.returned) == (3, 1)
    assert f.returned_share == pytest.approx(1 / 3)


def test_the_figures_page_has_no_names(client, case_in, member):
    case = case_in()
    discussed(case, D(2026, 9, 1), D(2026, 9, 5), "advice")
    verified_login(client, member)
    page = client.get(reverse("expert-table-figures")).content.decode()
    assert "Aanmeldingen per maand" in page
    for name in ("Noah de Jong", case.family.ref, case.ref):
        # As a whole word: the factory's ref "f-8" is also the tail of the page's "utf-8".
        assert not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", page), name
