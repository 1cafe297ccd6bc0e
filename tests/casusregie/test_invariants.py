"""The GARP invariants are enforced by PostgreSQL itself, not only by forms."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from analyses.models import Analysis
from casusregie.bsn import is_valid_bsn
from plans.models import Plan
from referrals.lifecycle import Status
from tests.factories import (
    AnalysisFactory,
    CaseFactory,
    FamilyFactory,
    PlanFactory,
    ReferralFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    synthetic_bsn,
)

pytestmark = pytest.mark.django_db


def _refused(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_a_family_has_at_most_one_open_case():
    family = FamilyFactory()
    CaseFactory(family=family)
    _refused(lambda: CaseFactory(family=family))


def test_a_family_may_have_closed_cases_beside_its_open_one():
    family = FamilyFactory()
    CaseFactory(family=family, opened_on=dt.date(2024, 1, 1), closed_on=dt.date(2025, 1, 1))
    CaseFactory(family=family, opened_on=dt.date(2025, 2, 1), closed_on=dt.date(2025, 6, 1))
    CaseFactory(family=family)
    assert family.cases.count() == 3


def test_a_case_cannot_close_before_it_opened():
    _refused(lambda: CaseFactory(opened_on=dt.date(2026, 5, 2), closed_on=dt.date(2026, 5, 1)))


def test_regisseur_periods_of_a_case_do_not_overlap():
    case = CaseFactory()
    RegisseurPeriodFactory(case=case, from_date=dt.date(2026, 1, 5), until=dt.date(2026, 5, 1))
    _refused(lambda: RegisseurPeriodFactory(case=case, from_date=dt.date(2026, 4, 30)))


def test_a_hand_over_shares_the_day_until_and_from():
    case = CaseFactory()
    RegisseurPeriodFactory(case=case, from_date=dt.date(2026, 1, 5), until=dt.date(2026, 5, 1))
    RegisseurPeriodFactory(case=case, from_date=dt.date(2026, 5, 1), worker=WorkerFactory())
    assert case.regisseurs.count() == 2


def test_an_open_regisseur_period_blocks_any_later_one():
    case = CaseFactory()
    RegisseurPeriodFactory(case=case, from_date=dt.date(2026, 1, 5))
    _refused(lambda: RegisseurPeriodFactory(case=case, from_date=dt.date(2027, 1, 1)))


def test_a_regisseur_period_does_not_end_before_it_starts():
    _refused(
        lambda: RegisseurPeriodFactory(from_date=dt.date(2026, 3, 2), until=dt.date(2026, 3, 1))
    )


def test_a_regisseur_period_of_no_days_is_allowed_and_overlaps_nothing():
    case = CaseFactory()
    RegisseurPeriodFactory(case=case, from_date=dt.date(2026, 3, 1), until=dt.date(2026, 3, 1))
    RegisseurPeriodFactory(case=case, from_date=dt.date(2026, 3, 1), worker=WorkerFactory())
    assert case.regisseurs.count() == 2


def test_one_current_analysis_per_case():
    case = CaseFactory()
    AnalysisFactory(case=case, version=1)
    _refused(lambda: AnalysisFactory(case=case, version=2))
    Analysis.objects.filter(case=case).update(is_current=False)
    AnalysisFactory(case=case, version=2)
    assert case.analyses.count() == 2


def test_an_established_analysis_has_a_date():
    _refused(lambda: AnalysisFactory(established_on=None))


def test_one_current_plan_per_case():
    case = CaseFactory()
    PlanFactory(case=case)
    _refused(lambda: PlanFactory(case=case))
    Plan.objects.filter(case=case).update(is_current=False)
    PlanFactory(case=case)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.SENT},
        {"status": Status.ACCEPTED, "sent_on": dt.date(2026, 3, 1)},
        {
            "status": Status.DECLINED,
            "sent_on": dt.date(2026, 3, 1),
            "answered_on": dt.date(2026, 3, 2),
        },
        {
            "status": Status.STARTED,
            "sent_on": dt.date(2026, 3, 1),
            "answered_on": dt.date(2026, 3, 2),
        },
        {
            "status": Status.ACCEPTED,
            "sent_on": dt.date(2026, 3, 2),
            "answered_on": dt.date(2026, 3, 1),
        },
        {
            "status": Status.STARTED,
            "sent_on": dt.date(2026, 3, 1),
            "answered_on": dt.date(2026, 3, 5),
            "started_on": dt.date(2026, 3, 4),
        },
        {
            "status": Status.ENDED,
            "sent_on": dt.date(2026, 3, 1),
            "answered_on": dt.date(2026, 3, 5),
            "started_on": dt.date(2026, 3, 6),
            "ended_on": dt.date(2026, 4, 1),
        },
        {"status": Status.DRAFT, "sent_on": dt.date(2026, 3, 1)},
        {"status": Status.SENT, "sent_on": dt.date(2026, 3, 1), "started_on": dt.date(2026, 3, 9)},
    ],
    ids=[
        "sent-without-sent_on",
        "accepted-without-answered_on",
        "declined-without-reason",
        "started-without-started_on",
        "answered-before-sent",
        "started-before-answered",
        "ended-without-end_reason",
        "draft-with-sent_on",
        "sent-with-started_on",
    ],
)
def test_referral_dates_follow_the_status(fields):
    _refused(lambda: ReferralFactory(**fields))


def test_a_referral_walked_to_the_end_is_accepted():
    r = ReferralFactory(
        status=Status.ENDED,
        sent_on=dt.date(2026, 3, 1),
        answered_on=dt.date(2026, 3, 1),
        started_on=dt.date(2026, 3, 1),
        ended_on=dt.date(2026, 3, 1),
        end_reason="doelen behaald",
    )
    assert r.pk


@pytest.mark.parametrize("seed", range(50))
def test_synthetic_bsns_pass_the_11_proef(seed):
    assert is_valid_bsn(synthetic_bsn(seed))


@pytest.mark.parametrize("value", ["123456789", "12345678", "1234567890", "abcdefghi", ""])
def test_invalid_bsns_are_refused(value):
    assert not is_valid_bsn(value)


def test_the_database_refuses_to_send_a_specialist_referral_without_established_analysis():
    from referrals.models import Referral

    referral = ReferralFactory(status=Status.DRAFT)  # its case has no analysis
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(
            status=Status.SENT, sent_on=dt.date(2026, 3, 1)
        )
    AnalysisFactory(case=referral.case, established_on=dt.date(2026, 3, 1))
    Referral.objects.filter(pk=referral.pk).update(status=Status.SENT, sent_on=dt.date(2026, 3, 1))
    referral.refresh_from_db()
    assert referral.status == Status.SENT
