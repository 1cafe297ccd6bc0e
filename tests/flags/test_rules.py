"""Every rule of RULES.md at the day before, on, and after each threshold."""

from __future__ import annotations

import datetime as dt

import pytest

from analyses.models import AnalysisStatus
from flags.models import Flag
from referrals.lifecycle import Status
from tests.factories import (
    EducationPeriodFactory,
    EscalationFactory,
    EvaluationFactory,
    PerspectivePlanFactory,
    ProductFactory,
    ReferralFactory,
)

from .conftest import flags_on, only_flag

pytestmark = pytest.mark.django_db
D = dt.date


# -- THUISZITTER_3M ----------------------------------------------------------------------------
def home_since(case, youth_in, start, status="absent", birth_date=D(2012, 3, 1), **kwargs):
    youth = youth_in(case, birth_date=birth_date, **kwargs)
    EducationPeriodFactory(youth=youth, status="attending", from_date=D(2018, 9, 1))
    EducationPeriodFactory(youth=youth, status=status, from_date=start)
    return youth


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 10, 29), None),
        (D(2026, 10, 30), ("warning", "2026-10-30")),
        (D(2026, 12, 29), ("warning", "2026-10-30")),
        (D(2026, 12, 30), ("violation", "2026-12-30")),
        (D(2026, 12, 31), ("violation", "2026-12-30")),
    ],
)
def test_thuiszitter_warns_after_one_month_and_violates_after_three(
    garp_case, youth_in, day, expected
):
    home_since(garp_case(), youth_in, D(2026, 9, 30), status="not_enrolled")
    assert only_flag(day, "THUISZITTER_3M") == expected


@pytest.mark.parametrize(
    ("start", "day", "expected"),
    [
        (D(2026, 11, 30), D(2027, 2, 27), ("warning", "2026-12-30")),
        (D(2026, 11, 30), D(2027, 2, 28), ("violation", "2027-02-28")),
        (D(2027, 11, 30), D(2028, 2, 28), ("warning", "2027-12-30")),
        (D(2027, 11, 30), D(2028, 2, 29), ("violation", "2028-02-29")),
        (D(2026, 10, 31), D(2026, 11, 30), ("warning", "2026-11-30")),
        (D(2026, 10, 31), D(2026, 11, 29), None),
    ],
)
def test_thuiszitter_months_clamp_to_the_last_day_of_the_month(
    garp_case, youth_in, start, day, expected
):
    home_since(garp_case(), youth_in, start)
    assert only_flag(day, "THUISZITTER_3M") == expected


def test_thuiszitter_counts_an_unbroken_run_of_absent_and_not_enrolled(garp_case, youth_in):
    youth = home_since(garp_case(), youth_in, D(2026, 5, 1), status="absent")
    EducationPeriodFactory(youth=youth, status="not_enrolled", from_date=D(2026, 6, 15))
    assert only_flag(D(2026, 8, 1), "THUISZITTER_3M") == ("violation", "2026-08-01")


@pytest.mark.parametrize("status", ["attending", "exempt"])
def test_thuiszitter_is_cleared_by_attending_or_exempt(garp_case, youth_in, status):
    youth = home_since(garp_case(), youth_in, D(2026, 1, 5))
    assert only_flag(D(2026, 6, 1), "THUISZITTER_3M") == ("violation", "2026-04-05")
    EducationPeriodFactory(youth=youth, status=status, from_date=D(2026, 6, 2))
    assert only_flag(D(2026, 6, 2), "THUISZITTER_3M") is None


def test_thuiszitter_counts_again_from_a_new_run_after_a_break(garp_case, youth_in):
    youth = home_since(garp_case(), youth_in, D(2026, 1, 5))
    EducationPeriodFactory(youth=youth, status="attending", from_date=D(2026, 3, 1))
    EducationPeriodFactory(youth=youth, status="absent", from_date=D(2026, 4, 1))
    assert only_flag(D(2026, 6, 30), "THUISZITTER_3M") == ("warning", "2026-05-01")


def test_thuiszitter_with_a_startkwalificatie_is_no_thuiszitter(garp_case, youth_in):
    home_since(garp_case(), youth_in, D(2026, 1, 5), has_startkwalificatie=True)
    assert only_flag(D(2026, 6, 1), "THUISZITTER_3M") is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 2, 28), ("violation", "2025-04-05")),  # still 17
        (D(2026, 3, 1), None),  # born 29 Feb: turns 18 on 1 March in a non-leap year
    ],
)
def test_thuiszitter_ends_on_the_18th_birthday_of_a_29_february_child(
    garp_case, youth_in, day, expected
):
    home_since(garp_case(), youth_in, D(2025, 1, 5), birth_date=D(2008, 2, 29))
    assert only_flag(day, "THUISZITTER_3M") == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 3, 31), None),
        (D(2025, 4, 1), ("warning", "2025-04-01")),  # 5th birthday 1 March 2025, + 1 month
    ],
)
def test_thuiszitter_counts_from_the_5th_birthday_of_a_29_february_child(
    garp_case, youth_in, day, expected
):
    youth = youth_in(garp_case(), birth_date=D(2020, 2, 29))
    EducationPeriodFactory(youth=youth, status="not_enrolled", from_date=D(2020, 2, 29))
    assert only_flag(day, "THUISZITTER_3M") == expected


def test_thuiszitter_on_the_day_before_the_18th_birthday_still_counts(garp_case, youth_in):
    # edge-cases y-c: turns 18 on 1 Jan 2027, so on 31 Dec still of school age.
    youth = youth_in(garp_case(), birth_date=D(2009, 1, 1))
    EducationPeriodFactory(youth=youth, status="not_enrolled", from_date=D(2026, 1, 1))
    assert only_flag(D(2026, 12, 31), "THUISZITTER_3M") == ("violation", "2026-04-01")
    assert only_flag(D(2027, 1, 1), "THUISZITTER_3M") is None


# -- NO_REGISSEUR (5 working days) -------------------------------------------------------------
@pytest.mark.parametrize(
    ("opened", "due", "why"),
    [
        (D(2026, 12, 18), D(2026, 12, 28), "Christmas 25 and 26 December"),
        (D(2026, 4, 23), D(2026, 5, 1), "Koningsdag 27 April 2026"),
        (D(2027, 3, 24), D(2027, 4, 2), "Good Friday and Easter Monday 2027"),
        (D(2025, 4, 30), D(2025, 5, 8), "Bevrijdingsdag 5 May in a lustrum year (2025)"),
        (D(2026, 4, 30), D(2026, 5, 7), "5 May 2026 is a working day"),
        (D(2026, 5, 11), D(2026, 5, 19), "Ascension Day 14 May 2026"),
        (D(2026, 11, 21), D(2026, 11, 27), "opened on a Saturday"),
    ],
)
def test_no_regisseur_is_a_violation_after_five_working_days(garp_case, opened, due, why):
    garp_case(opened, with_regisseur=False)
    assert only_flag(due - dt.timedelta(days=1), "NO_REGISSEUR") is None, why
    assert only_flag(due, "NO_REGISSEUR") == ("violation", due.isoformat()), why


def test_no_regisseur_counts_from_the_end_of_the_last_regisseur(garp_case, regisseur):
    case = garp_case(D(2026, 1, 5), with_regisseur=False)
    from tests.factories import RegisseurPeriodFactory

    RegisseurPeriodFactory(
        case=case, worker=regisseur, from_date=D(2026, 1, 5), until=D(2026, 6, 1)
    )
    assert only_flag(D(2026, 6, 5), "NO_REGISSEUR") is None
    assert only_flag(D(2026, 6, 8), "NO_REGISSEUR") == ("violation", "2026-06-08")


def test_no_regisseur_not_while_a_regisseur_is_current(garp_case):
    garp_case(D(2026, 1, 5))
    assert only_flag(D(2026, 6, 1), "NO_REGISSEUR") is None


# Regie bij de GI (docs/rulebook.md): a GI holding regie under a child-protection measure counts
# as regie; S is the latest of the case's opening, its last regisseur's end, its last GI regie's
# end. GI regie ends on Friday 5 June 2026: 5 working days later is Friday 12 June.
def test_no_regisseur_not_while_the_gi_holds_regie(garp_case):
    from tests.factories import GiRegieFactory

    case = garp_case(D(2026, 1, 5), with_regisseur=False)
    GiRegieFactory(case=case, from_date=D(2026, 1, 5))
    assert only_flag(D(2026, 6, 1), "NO_REGISSEUR") is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 6, 11), None),  # the day before the threshold
        (D(2026, 6, 12), ("violation", "2026-06-12")),  # on it
        (D(2026, 6, 15), ("violation", "2026-06-12")),  # after it: since stays
    ],
)
def test_no_regisseur_counts_from_the_end_of_the_gi_regie(garp_case, regisseur, day, expected):
    from tests.factories import GiRegieFactory, RegisseurPeriodFactory

    case = garp_case(D(2026, 1, 5), with_regisseur=False)
    # The regisseur left before the GI's period ended: the GI's end is the later one.
    RegisseurPeriodFactory(
        case=case, worker=regisseur, from_date=D(2026, 1, 5), until=D(2026, 3, 2)
    )
    GiRegieFactory(case=case, from_date=D(2026, 3, 2), until=D(2026, 6, 5))
    assert only_flag(day, "NO_REGISSEUR") == expected


def test_no_regisseur_counts_from_the_regisseur_when_that_ends_later(garp_case, regisseur):
    from tests.factories import GiRegieFactory, RegisseurPeriodFactory

    case = garp_case(D(2026, 1, 5), with_regisseur=False)
    GiRegieFactory(case=case, from_date=D(2026, 1, 5), until=D(2026, 3, 2))
    RegisseurPeriodFactory(
        case=case, worker=regisseur, from_date=D(2026, 1, 5), until=D(2026, 6, 5)
    )
    assert only_flag(D(2026, 6, 11), "NO_REGISSEUR") is None
    assert only_flag(D(2026, 6, 12), "NO_REGISSEUR") == ("violation", "2026-06-12")


def test_no_regisseur_a_gi_without_regie_or_a_huisarts_is_no_regie(garp_case):
    from tests.factories import GiRegieFactory, InvolvedProfessionalFactory

    case = garp_case(D(2026, 6, 1), with_regisseur=False)
    GiRegieFactory(case=case, holds_regie=False)
    InvolvedProfessionalFactory(case=case)
    assert only_flag(D(2026, 6, 8), "NO_REGISSEUR") == ("violation", "2026-06-08")


def test_no_regisseur_resolves_when_the_gi_takes_regie(garp_case):
    from tests.factories import GiRegieFactory

    case = garp_case(D(2026, 6, 1), with_regisseur=False)
    assert only_flag(D(2026, 6, 8), "NO_REGISSEUR") == ("violation", "2026-06-08")
    GiRegieFactory(case=case, from_date=D(2026, 6, 9))
    assert only_flag(D(2026, 6, 9), "NO_REGISSEUR") is None


# -- NO_PLAN (28 / 42 days) ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 2, 1), None),
        (D(2026, 2, 2), ("warning", "2026-02-02")),
        (D(2026, 2, 15), ("warning", "2026-02-02")),
        (D(2026, 2, 16), ("violation", "2026-02-16")),
        (D(2026, 2, 17), ("violation", "2026-02-16")),
    ],
)
def test_no_plan_warns_at_28_days_and_violates_at_42(garp_case, day, expected):
    garp_case(D(2026, 1, 5), with_plan=False)
    assert only_flag(day, "NO_PLAN") == expected


def test_a_plan_not_yet_agreed_is_no_plan(garp_case):
    from tests.factories import PlanFactory

    case = garp_case(D(2026, 1, 5), with_plan=False)
    PlanFactory(case=case, agreed_on=None)
    assert only_flag(D(2026, 3, 1), "NO_PLAN") == ("violation", "2026-02-16")


# -- PLAN_EVALUATION_OVERDUE (14 days after the planned date) -----------------------------------
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 6, 14), None),
        (D(2026, 6, 15), ("violation", "2026-06-15")),
        (D(2026, 6, 16), ("violation", "2026-06-15")),
    ],
)
def test_plan_evaluation_overdue_14_days_after_the_planned_date(garp_case, day, expected):
    case = garp_case()
    EvaluationFactory(plan=case.plans.get(), planned_on=D(2026, 6, 1))
    assert only_flag(day, "PLAN_EVALUATION_OVERDUE") == expected


def test_plan_evaluation_overdue_judges_the_earliest_evaluation_not_held(garp_case):
    plan = garp_case().plans.get()
    EvaluationFactory(plan=plan, planned_on=D(2026, 3, 1), held_on=D(2026, 3, 2))
    EvaluationFactory(plan=plan, planned_on=D(2026, 6, 1))
    EvaluationFactory(plan=plan, planned_on=D(2026, 9, 1))
    assert only_flag(D(2026, 10, 1), "PLAN_EVALUATION_OVERDUE") == ("violation", "2026-06-15")


# -- referrals -----------------------------------------------------------------------------------
def referral(case, youth_in, product=None, **fields):
    youth = fields.pop("youth", None) or youth_in(case)
    return ReferralFactory(
        case=case, youth=youth, product=product or ProductFactory(code="AMB-SPEC"), **fields
    )


SENT = {"status": Status.SENT, "sent_on": D(2026, 12, 23)}


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2026, 12, 30), None), (D(2026, 12, 31), ("violation", "2026-12-31"))],
)
def test_referral_unanswered_after_five_working_days(garp_case, youth_in, day, expected):
    referral(garp_case(), youth_in, **SENT)  # edge-cases r-f: Wed 23 Dec → 31 Dec
    assert only_flag(day, "REFERRAL_UNANSWERED") == expected


def test_an_accepted_referral_is_answered(garp_case, youth_in):
    referral(garp_case(), youth_in, **SENT, answered_on=D(2026, 12, 24)).__class__.objects.update(
        status=Status.ACCEPTED
    )
    assert only_flag(D(2027, 1, 15), "REFERRAL_UNANSWERED") is None


@pytest.mark.parametrize(
    ("analysis", "expected"),
    [
        ({"analysis_on": D(2026, 3, 1)}, None),  # established on the sent date
        ({"analysis_on": D(2026, 3, 2)}, ("violation", "2026-03-01")),  # established after
        ({"with_analysis": False}, ("violation", "2026-03-01")),  # none
    ],
)
def test_referral_without_analysis_at_once(garp_case, youth_in, analysis, expected):
    case = garp_case(D(2026, 1, 5), **analysis)
    referral(case, youth_in, status=Status.SENT, sent_on=D(2026, 3, 1))
    assert only_flag(D(2026, 3, 5), "REFERRAL_WITHOUT_ANALYSIS") == expected


def test_referral_without_analysis_counts_a_draft_analysis_as_none(garp_case, youth_in):
    case = garp_case(D(2026, 1, 5))
    case.analyses.update(status=AnalysisStatus.DRAFT, established_on=None)
    referral(case, youth_in, status=Status.SENT, sent_on=D(2026, 3, 1))
    assert only_flag(D(2026, 3, 1), "REFERRAL_WITHOUT_ANALYSIS") == ("violation", "2026-03-01")


@pytest.mark.parametrize(
    ("specialist", "status", "flagged"),
    [
        (False, Status.SENT, False),
        (True, Status.DECLINED, False),
        (True, Status.ACCEPTED, True),
    ],
)
def test_referral_without_analysis_only_for_live_specialist_referrals(
    garp_case, youth_in, specialist, status, flagged
):
    case = garp_case(D(2026, 1, 5), with_analysis=False)
    product = ProductFactory(code="X", specialist=specialist)
    extra = {"decline_reason": "geen capaciteit"} if status == Status.DECLINED else {}
    answered = {} if status == Status.SENT else {"answered_on": D(2026, 3, 2)}
    referral(case, youth_in, product, status=status, sent_on=D(2026, 3, 1), **answered, **extra)
    assert (only_flag(D(2026, 3, 5), "REFERRAL_WITHOUT_ANALYSIS") is not None) == flagged


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 3, 28), None),
        (D(2026, 3, 29), ("warning", "2026-03-29")),
        (D(2026, 5, 9), ("warning", "2026-03-29")),
        (D(2026, 5, 10), ("violation", "2026-05-10")),  # 1 March + 70 days
        (D(2026, 5, 11), ("violation", "2026-05-10")),
    ],
)
def test_waiting_time_warning_at_4_weeks_violation_at_10(garp_case, youth_in, day, expected):
    referral(
        garp_case(),
        youth_in,
        status=Status.ACCEPTED,
        sent_on=D(2026, 3, 1),
        answered_on=D(2026, 3, 2),
    )
    assert only_flag(day, "WAITING_TIME_EXCEEDED") == expected


def test_started_care_ends_the_wait(garp_case, youth_in):
    referral(
        garp_case(),
        youth_in,
        status=Status.STARTED,
        sent_on=D(2026, 3, 1),
        answered_on=D(2026, 3, 2),
        started_on=D(2026, 3, 3),
    )
    assert only_flag(D(2026, 6, 1), "WAITING_TIME_EXCEEDED") is None


DECLINED = {
    "status": Status.DECLINED,
    "sent_on": D(2026, 4, 1),
    "answered_on": D(2026, 4, 2),
    "decline_reason": "geen capaciteit",
}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Thu 2 Apr 2026; Good Friday 3 Apr and Easter Monday 6 Apr are holidays.
        (D(2026, 4, 17), None),
        (D(2026, 4, 20), ("violation", "2026-04-20")),
    ],
)
def test_declined_without_alternative_after_ten_working_days(garp_case, youth_in, day, expected):
    referral(garp_case(), youth_in, **DECLINED)
    assert only_flag(day, "DECLINED_WITHOUT_ALTERNATIVE") == expected


@pytest.mark.parametrize(
    ("other_sent_on", "flagged"),
    [(D(2026, 4, 2), False), (D(2026, 4, 10), False), (D(2026, 4, 1), True)],
    ids=["new-referral-on-the-decline-day", "new-referral-after", "other-referral-before"],
)
def test_declined_without_alternative_cleared_by_a_new_referral_for_the_youth(
    garp_case, youth_in, other_sent_on, flagged
):
    case = garp_case()
    declined = referral(case, youth_in, **DECLINED)
    ReferralFactory(
        case=case,
        youth=declined.youth,
        product=declined.product,
        status=Status.SENT,
        sent_on=other_sent_on,
    )
    found = only_flag(D(2026, 5, 1), "DECLINED_WITHOUT_ALTERNATIVE")
    assert (found is not None) == flagged


def expired(case, youth_in, expired_on, **fields):
    return referral(
        case,
        youth_in,
        status=Status.EXPIRED,
        sent_on=expired_on - dt.timedelta(days=14),
        expired_on=expired_on,
        **fields,
    )


@pytest.mark.parametrize(
    ("expired_on", "day", "expected"),
    [
        # Good Friday 26 Mar and Easter Monday 29 Mar 2027 are no working days.
        (D(2027, 3, 15), D(2027, 3, 30), None),
        (D(2027, 3, 15), D(2027, 3, 31), ("violation", "2027-03-31")),
        (D(2027, 3, 15), D(2027, 4, 1), ("violation", "2027-03-31")),
        (D(2027, 3, 16), D(2027, 3, 31), None),
        (D(2027, 3, 16), D(2027, 4, 1), ("violation", "2027-04-01")),
        (D(2027, 3, 16), D(2027, 4, 2), ("violation", "2027-04-01")),
    ],
)
def test_an_expired_referral_without_alternative_after_ten_working_days_from_expiry(
    garp_case, youth_in, expired_on, day, expected
):
    expired(garp_case(D(2027, 2, 1)), youth_in, expired_on)
    assert only_flag(day, "DECLINED_WITHOUT_ALTERNATIVE") == expected


def test_an_expired_referral_without_alternative_is_escalated_at_once(garp_case, youth_in):
    expired(garp_case(D(2027, 2, 1)), youth_in, D(2027, 3, 15))
    found = flags_on(D(2027, 3, 31), "DECLINED_WITHOUT_ALTERNATIVE")
    assert [(severity, since, escalated) for *_, severity, since, escalated in found] == [
        ("violation", "2027-03-31", True)
    ]


@pytest.mark.parametrize(
    ("other_sent_on", "flagged"),
    [(D(2027, 3, 15), False), (D(2027, 3, 22), False), (D(2027, 3, 12), True)],
    ids=["new-referral-on-the-expiry-day", "new-referral-after", "other-referral-before"],
)
def test_an_expired_referral_is_ended_by_a_referral_sent_on_or_after_the_expiry_day(
    garp_case, youth_in, other_sent_on, flagged
):
    case = garp_case(D(2027, 2, 1))
    silent = expired(case, youth_in, D(2027, 3, 15))
    ReferralFactory(
        case=case,
        youth=silent.youth,
        product=silent.product,
        status=Status.SENT,
        sent_on=other_sent_on,
    )
    found = only_flag(D(2027, 4, 15), "DECLINED_WITHOUT_ALTERNATIVE")
    assert (found is not None) == flagged


def test_an_expiry_counts_from_its_expiry_day_not_from_sending(garp_case, youth_in):
    # Sent 1 Mar, expired 15 Mar: a referral sent in between is no alternative to the silence.
    case = garp_case(D(2027, 2, 1))
    silent = expired(case, youth_in, D(2027, 3, 15))
    assert silent.sent_on == D(2027, 3, 1)
    ReferralFactory(
        case=case,
        youth=silent.youth,
        product=silent.product,
        status=Status.SENT,
        sent_on=D(2027, 3, 8),
    )
    assert only_flag(D(2027, 3, 31), "DECLINED_WITHOUT_ALTERNATIVE") == ("violation", "2027-03-31")


# -- WAITING_WITHOUT_BRIDGING (violation from sent + 28 days) ----------------------------------
WAITING = {"sent_on": D(2027, 3, 3)}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # crisis-and-silence r-5a: accepted, sent Wed 3 Mar 2027, no bridging.
        (D(2027, 3, 30), None),
        (D(2027, 3, 31), ("violation", "2027-03-31")),
        (D(2027, 4, 1), ("violation", "2027-03-31")),
    ],
)
@pytest.mark.parametrize("status", [Status.SENT, Status.ACCEPTED])
def test_waiting_without_bridging_after_28_days(garp_case, youth_in, status, day, expected):
    answered = {"answered_on": D(2027, 3, 5)} if status == Status.ACCEPTED else {}
    referral(garp_case(D(2027, 2, 1)), youth_in, status=status, **WAITING, **answered)
    assert only_flag(day, "WAITING_WITHOUT_BRIDGING") == expected


BRIDGING = {
    "bridging_from": D(2027, 3, 20),
    "bridging_description": "ambulante begeleiding thuis, twee keer per week",
    "bridging_by": "wijkteam",
}


def test_waiting_with_bridging_is_only_the_waiting_time_warning(garp_case, youth_in):
    # crisis-and-silence r-5b: bridging since 20 Mar.
    referral(
        garp_case(D(2027, 2, 1)),
        youth_in,
        status=Status.ACCEPTED,
        **WAITING,
        answered_on=D(2027, 3, 5),
        **BRIDGING,
    )
    assert only_flag(D(2027, 3, 31), "WAITING_WITHOUT_BRIDGING") is None
    assert only_flag(D(2027, 3, 31), "WAITING_TIME_EXCEEDED") == ("warning", "2027-03-31")


def test_waiting_without_bridging_resolves_when_bridging_is_recorded(garp_case, youth_in):
    waiting = referral(garp_case(D(2027, 2, 1)), youth_in, status=Status.SENT, **WAITING)
    assert only_flag(D(2027, 3, 31), "WAITING_WITHOUT_BRIDGING") == ("violation", "2027-03-31")
    type(waiting).objects.filter(pk=waiting.pk).update(
        **{**BRIDGING, "bridging_from": D(2027, 4, 2)}
    )
    assert only_flag(D(2027, 4, 2), "WAITING_WITHOUT_BRIDGING") is None
    flag = Flag.objects.get(rule="WAITING_WITHOUT_BRIDGING")
    assert (flag.resolved_on, flag.resolution) == (D(2027, 4, 2), "condition_cleared")


def test_waiting_without_bridging_ends_once_bridging_is_recorded_even_from_a_later_date(
    garp_case, youth_in
):
    # The regisseur arranged bridging that begins next week: the flag's question is answered.
    referral(
        garp_case(D(2027, 2, 1)),
        youth_in,
        status=Status.SENT,
        **WAITING,
        **{**BRIDGING, "bridging_from": D(2027, 4, 5)},
    )
    assert only_flag(D(2027, 4, 1), "WAITING_WITHOUT_BRIDGING") is None


@pytest.mark.parametrize(
    ("status", "fields"),
    [
        (Status.STARTED, {"answered_on": D(2027, 3, 5), "started_on": D(2027, 4, 2)}),
        (Status.DECLINED, {"answered_on": D(2027, 4, 2), "decline_reason": "geen capaciteit"}),
        (Status.WITHDRAWN, {}),
        (Status.EXPIRED, {"expired_on": D(2027, 4, 2)}),
    ],
)
def test_waiting_without_bridging_resolves_when_the_referral_leaves_sent_or_accepted(
    garp_case, youth_in, status, fields
):
    waiting = referral(garp_case(D(2027, 2, 1)), youth_in, status=Status.SENT, **WAITING)
    assert only_flag(D(2027, 3, 31), "WAITING_WITHOUT_BRIDGING") == ("violation", "2027-03-31")
    type(waiting).objects.filter(pk=waiting.pk).update(status=status, **fields)
    assert only_flag(D(2027, 4, 2), "WAITING_WITHOUT_BRIDGING") is None
    flag = Flag.objects.get(rule="WAITING_WITHOUT_BRIDGING")
    assert (flag.resolved_on, flag.resolution) == (D(2027, 4, 2), "condition_cleared")


def test_waiting_without_bridging_is_never_escalated(garp_case, youth_in):
    referral(garp_case(D(2027, 2, 1)), youth_in, status=Status.SENT, **WAITING)
    found = flags_on(D(2027, 9, 1), "WAITING_WITHOUT_BRIDGING")
    assert [escalated for *_, escalated in found] == [False]


# -- youths in specialist care: 16 and 18 ------------------------------------------------------
def in_care(case, youth_in, birth_date, started_on, ended_on=None, product=None):
    youth = youth_in(case, birth_date=birth_date)
    fields = {
        "status": Status.ENDED if ended_on else Status.STARTED,
        "sent_on": started_on,
        "answered_on": started_on,
        "started_on": started_on,
    }
    if ended_on:
        fields.update(ended_on=ended_on, end_reason="doelen behaald")
    referral(case, youth_in, product, youth=youth, **fields)
    return youth


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 6, 14), None),
        (D(2026, 6, 15), ("violation", "2026-06-15")),  # 16th birthday, care since 2026-01-10
    ],
)
def test_perspective_plan_at_16(garp_case, youth_in, day, expected):
    in_care(garp_case(), youth_in, D(2010, 6, 15), D(2026, 1, 10))
    assert only_flag(day, "PERSPECTIVE_PLAN_16") == expected


def test_perspective_plan_16_since_the_start_of_care_when_later(garp_case, youth_in):
    in_care(garp_case(), youth_in, D(2009, 6, 15), D(2026, 2, 3))
    assert only_flag(D(2026, 3, 1), "PERSPECTIVE_PLAN_16") == ("violation", "2026-02-03")


def test_perspective_plan_16_the_end_date_itself_counts_as_ended(garp_case, youth_in):
    in_care(garp_case(), youth_in, D(2009, 6, 15), D(2026, 2, 3), ended_on=D(2026, 3, 1))
    assert only_flag(D(2026, 2, 28), "PERSPECTIVE_PLAN_16") == ("violation", "2026-02-03")
    assert only_flag(D(2026, 3, 1), "PERSPECTIVE_PLAN_16") is None


def test_perspective_plan_16_any_transition_plan_will_do(garp_case, youth_in):
    case = garp_case()
    youth = in_care(case, youth_in, D(2009, 6, 15), D(2026, 2, 3))
    PerspectivePlanFactory(case=case, youth=youth, kind="transition_18", status="draft")
    assert only_flag(D(2026, 3, 1), "PERSPECTIVE_PLAN_16") is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 18th birthday 31 Aug 2026 − 6 months = 28 Feb 2026 (clamped).
        (D(2026, 2, 27), None),
        (D(2026, 2, 28), ("violation", "2026-02-28")),
        (D(2026, 9, 30), ("violation", "2026-02-28")),  # also after the birthday
    ],
)
def test_transition_18_six_months_before_the_18th_birthday(garp_case, youth_in, day, expected):
    in_care(garp_case(), youth_in, D(2008, 8, 31), D(2025, 6, 1))
    assert only_flag(day, "TRANSITION_18") == expected


def test_transition_18_of_a_29_february_child(garp_case, youth_in):
    # Turns 18 on 1 March 2026; minus 6 months: 1 September 2025.
    in_care(garp_case(), youth_in, D(2008, 2, 29), D(2025, 6, 1))
    assert only_flag(D(2025, 8, 31), "TRANSITION_18") is None
    assert only_flag(D(2025, 9, 1), "TRANSITION_18") == ("violation", "2025-09-01")


@pytest.mark.parametrize(("status", "flagged"), [("draft", True), ("agreed", False)])
def test_transition_18_needs_an_agreed_plan(garp_case, youth_in, status, flagged):
    case = garp_case()
    youth = in_care(case, youth_in, D(2008, 8, 31), D(2025, 6, 1))
    PerspectivePlanFactory(case=case, youth=youth, kind="transition_18", status=status)
    assert (only_flag(D(2026, 5, 1), "TRANSITION_18") is not None) == flagged


# Products by their marks (RULES.md v2): the rules read the marks, never a segment's code.
CRISISOPVANG = {"code": "CRISISOPVANG", "segment": "crisis", "out_of_home": True, "crisis": True}
CRISIS_AT_HOME = {"code": "CRISIS-THUIS", "segment": "crisis", "out_of_home": False, "crisis": True}
PLEEGZORG = {"code": "PLEEGZORG", "segment": "pleegzorg", "out_of_home": True, "crisis": False}
VERBLIJF = {"code": "VERBLIJF", "segment": "verblijf", "out_of_home": True, "crisis": False}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 3, 7), None),
        (D(2026, 3, 8), ("warning", "2026-03-08")),
        (D(2026, 3, 9), ("warning", "2026-03-08")),
        (D(2026, 3, 28), ("warning", "2026-03-08")),
        (D(2026, 3, 29), ("violation", "2026-03-29")),
        (D(2026, 3, 30), ("violation", "2026-03-29")),
    ],
)
@pytest.mark.parametrize("marks", [CRISISOPVANG, PLEEGZORG, VERBLIJF], ids=lambda m: m["code"])
def test_out_of_home_without_return_plan(garp_case, youth_in, marks, day, expected):
    product = ProductFactory(**marks, specialist=False)
    in_care(garp_case(), youth_in, D(2012, 3, 1), D(2026, 3, 1), product=product)
    assert only_flag(day, "CRISIS_NO_RETURN_PLAN") == expected


def test_crisis_help_at_home_needs_no_return_plan(garp_case, youth_in):
    product = ProductFactory(**CRISIS_AT_HOME)
    in_care(garp_case(), youth_in, D(2012, 3, 1), D(2026, 3, 1), product=product)
    assert only_flag(D(2026, 4, 1), "CRISIS_NO_RETURN_PLAN") is None


def test_pleegzorg_is_out_of_home_without_being_crisis_care(garp_case, youth_in):
    product = ProductFactory(**PLEEGZORG)
    in_care(garp_case(), youth_in, D(2012, 3, 1), D(2026, 3, 1), product=product)
    assert only_flag(D(2026, 4, 1), "CRISIS_NO_RETURN_PLAN") == ("violation", "2026-03-29")


@pytest.mark.parametrize(
    ("segment", "out_of_home", "flagged"),
    [("crisis", False, False), ("verblijf", False, False), ("lot_b", True, True)],
)
def test_the_return_plan_rule_reads_the_out_of_home_mark_not_the_segment_code(
    garp_case, youth_in, segment, out_of_home, flagged
):
    product = ProductFactory(code=f"P-{segment}", segment=segment, out_of_home=out_of_home)
    in_care(garp_case(), youth_in, D(2012, 3, 1), D(2026, 3, 1), product=product)
    assert (only_flag(D(2026, 4, 1), "CRISIS_NO_RETURN_PLAN") is not None) == flagged


def test_crisis_with_a_return_plan_is_fine(garp_case, youth_in):
    case = garp_case()
    product = ProductFactory(**CRISISOPVANG)
    youth = in_care(case, youth_in, D(2012, 3, 1), D(2026, 3, 1), product=product)
    PerspectivePlanFactory(case=case, youth=youth, kind="return_home", status="draft")
    assert only_flag(D(2026, 4, 1), "CRISIS_NO_RETURN_PLAN") is None


def test_ambulant_care_needs_no_return_plan(garp_case, youth_in):
    in_care(garp_case(), youth_in, D(2012, 3, 1), D(2026, 3, 1))
    assert only_flag(D(2026, 4, 1), "CRISIS_NO_RETURN_PLAN") is None


# -- CRISIS_ANALYSIS_OVERDUE (14 / 28 days from the start of crisis care) -----------------------
def crisis_care(case, youth_in, started_on=D(2027, 3, 3), marks=CRISISOPVANG):
    product = ProductFactory(**marks)
    return in_care(case, youth_in, D(2012, 3, 1), started_on, product=product)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # crisis-and-silence r-1: crisisopvang started Wed 3 Mar 2027, no analysis.
        (D(2027, 3, 16), None),
        (D(2027, 3, 17), ("warning", "2027-03-17")),
        (D(2027, 3, 18), ("warning", "2027-03-17")),
        (D(2027, 3, 30), ("warning", "2027-03-17")),
        (D(2027, 3, 31), ("violation", "2027-03-31")),
        (D(2027, 4, 1), ("violation", "2027-03-31")),
    ],
)
def test_crisis_analysis_overdue_warns_at_14_days_and_violates_at_28(
    garp_case, youth_in, day, expected
):
    crisis_care(garp_case(D(2027, 3, 1), with_analysis=False), youth_in)
    assert only_flag(day, "CRISIS_ANALYSIS_OVERDUE") == expected


def test_crisis_help_at_home_with_a_draft_analysis_is_overdue_too(garp_case, youth_in):
    # crisis-and-silence r-2: started 4 Mar, the analysis still a draft: a warning since 18 Mar.
    case = garp_case(D(2027, 3, 1))
    case.analyses.update(status=AnalysisStatus.DRAFT, established_on=None)
    crisis_care(case, youth_in, D(2027, 3, 4), marks=CRISIS_AT_HOME)
    assert only_flag(D(2027, 3, 31), "CRISIS_ANALYSIS_OVERDUE") == ("warning", "2027-03-18")
    assert only_flag(D(2027, 3, 31), "CRISIS_NO_RETURN_PLAN") is None


def test_a_crisis_referral_is_no_referral_without_analysis(garp_case, youth_in):
    crisis_care(garp_case(D(2027, 3, 1), with_analysis=False), youth_in)
    assert only_flag(D(2027, 3, 31), "REFERRAL_WITHOUT_ANALYSIS") is None
    assert only_flag(D(2027, 3, 31), "CRISIS_ANALYSIS_OVERDUE") == ("violation", "2027-03-31")


def test_a_crisis_referral_sent_and_not_started_is_not_yet_overdue(garp_case, youth_in):
    case = garp_case(D(2027, 3, 1), with_analysis=False)
    referral(
        case, youth_in, ProductFactory(**CRISISOPVANG), status=Status.SENT, sent_on=D(2027, 3, 2)
    )
    assert only_flag(D(2027, 4, 30), "CRISIS_ANALYSIS_OVERDUE") is None


def test_care_that_is_not_crisis_care_is_never_analysis_overdue(garp_case, youth_in):
    case = garp_case(D(2027, 3, 1), with_analysis=False)
    in_care(case, youth_in, D(2012, 3, 1), D(2027, 3, 3), product=ProductFactory(**PLEEGZORG))
    assert only_flag(D(2027, 4, 30), "CRISIS_ANALYSIS_OVERDUE") is None
    assert only_flag(D(2027, 4, 30), "REFERRAL_WITHOUT_ANALYSIS") == ("violation", "2027-03-03")


def test_crisis_care_after_an_established_analysis_is_fine(garp_case, youth_in):
    crisis_care(garp_case(D(2027, 3, 1), analysis_on=D(2027, 3, 2)), youth_in)
    assert only_flag(D(2027, 4, 30), "CRISIS_ANALYSIS_OVERDUE") is None


def test_crisis_analysis_overdue_any_established_version_counts(garp_case, youth_in):
    from tests.factories import AnalysisFactory

    case = garp_case(D(2027, 3, 1), with_analysis=False)
    AnalysisFactory(case=case, version=1, is_current=False, established_on=D(2027, 3, 10))
    AnalysisFactory(case=case, version=2, status=AnalysisStatus.DRAFT, established_on=None)
    crisis_care(case, youth_in)
    assert only_flag(D(2027, 4, 30), "CRISIS_ANALYSIS_OVERDUE") is None


def test_crisis_analysis_overdue_resolves_when_the_analysis_is_established(garp_case, youth_in):
    case = garp_case(D(2027, 3, 1), with_analysis=False)
    crisis_care(case, youth_in)
    assert only_flag(D(2027, 3, 31), "CRISIS_ANALYSIS_OVERDUE") == ("violation", "2027-03-31")
    from tests.factories import AnalysisFactory

    AnalysisFactory(case=case, established_on=D(2027, 4, 2))
    assert only_flag(D(2027, 4, 2), "CRISIS_ANALYSIS_OVERDUE") is None
    flag = Flag.objects.get(rule="CRISIS_ANALYSIS_OVERDUE")
    assert (flag.resolved_on, flag.resolution) == (D(2027, 4, 2), "condition_cleared")


def test_crisis_analysis_overdue_resolves_when_the_crisis_care_ends(garp_case, youth_in):
    case = garp_case(D(2027, 3, 1), with_analysis=False)
    crisis_care(case, youth_in)
    assert only_flag(D(2027, 3, 20), "CRISIS_ANALYSIS_OVERDUE") == ("warning", "2027-03-17")
    case.referrals.update(status=Status.ENDED, ended_on=D(2027, 3, 24), end_reason="veilig thuis")
    assert only_flag(D(2027, 3, 24), "CRISIS_ANALYSIS_OVERDUE") is None
    flag = Flag.objects.get(rule="CRISIS_ANALYSIS_OVERDUE")
    assert (flag.resolved_on, flag.resolution) == (D(2027, 3, 24), "condition_cleared")


def test_crisis_analysis_overdue_is_never_escalated(garp_case, youth_in):
    crisis_care(garp_case(D(2027, 3, 1), with_analysis=False), youth_in)
    found = flags_on(D(2027, 9, 1), "CRISIS_ANALYSIS_OVERDUE")
    assert [escalated for *_, escalated in found] == [False]


# -- ESCALATION_NOT_DISCUSSED (10 working days) ------------------------------------------------
@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2026, 3, 13), None), (D(2026, 3, 16), ("violation", "2026-03-16"))],
)
def test_escalation_not_discussed_after_ten_working_days(garp_case, day, expected):
    EscalationFactory(case=garp_case(), submitted_on=D(2026, 3, 2))
    assert only_flag(day, "ESCALATION_NOT_DISCUSSED") == expected


def test_a_discussed_escalation_is_fine(garp_case):
    EscalationFactory(case=garp_case(), submitted_on=D(2026, 3, 2), discussed_on=D(2026, 3, 20))
    assert only_flag(D(2026, 4, 1), "ESCALATION_NOT_DISCUSSED") is None


# -- scope ---------------------------------------------------------------------------------------
def test_closed_cases_are_not_judged(garp_case):
    case = garp_case(D(2026, 1, 5), with_regisseur=False, with_plan=False)
    case.closed_on = D(2026, 1, 6)
    case.save()
    assert only_flag(D(2026, 6, 1), "NO_PLAN") is None
    assert only_flag(D(2026, 6, 1), "NO_REGISSEUR") is None
