"""A naive evaluation of RULES.md: per case, in Python, object by object.

Deliberately the straightforward way — load one case, its youths, periods, plans and referrals,
and check each rule in Python — written independently of the set-based SQL in ``flags/``. It is
the benchmark's baseline and an oracle: on the same data and date both must agree.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays
from dateutil.relativedelta import relativedelta

from analyses.models import Analysis
from casusregie.models import Case, EducationPeriod, InvolvedProfessional, RegisseurPeriod, Youth
from escalations.models import Escalation
from plans.models import Evaluation, PerspectivePlan, Plan
from referrals.models import Referral

Hit = tuple[str, str, int, str, dt.date]  # rule, subject type, subject id, severity, since


def birthday(birth: dt.date, years: int) -> dt.date:
    """The day one turns ``years``: 1 March for a 29 February child in a non-leap year."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a non-leap year
        return dt.date(birth.year + years, 3, 1)


@cache
def _dutch_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_working_days(start: dt.date, n: int) -> dt.date:
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def months_after(start: dt.date, n: int) -> dt.date:
    return start + relativedelta(months=n)  # clamps to the month's last day


def judge(
    start: dt.date, d: dt.date, violation: dt.date, warning: dt.date | None = None
) -> tuple[str, dt.date] | None:
    if violation <= d:
        return "violation", violation
    if warning is not None and warning <= d:
        return "warning", warning
    return None


def naive_flags(d: dt.date, case_ids: list[int] | None = None) -> set[Hit]:
    """Every rule for every open case (or the given ones), judged one case at a time."""
    cases = Case.objects.filter(closed_on__isnull=True)
    if case_ids is not None:
        cases = cases.filter(pk__in=case_ids)
    hits: set[Hit] = set()
    for case in cases.order_by("pk"):
        hits |= case_flags(case, d)
    return hits


def case_flags(case: Case, d: dt.date) -> set[Hit]:
    hits: set[Hit] = set()

    def add(rule: str, kind: str, subject_id: int, result) -> None:
        if result is not None:
            hits.add((rule, kind, subject_id, result[0], result[1]))

    youths = list(Youth.objects.filter(family_id=case.family_id))
    periods = list(RegisseurPeriod.objects.filter(case=case))
    gi_regie = list(InvolvedProfessional.objects.filter(case=case, holds_regie=True))
    plan = Plan.objects.filter(case=case, is_current=True).first()
    established = list(
        Analysis.objects.filter(case=case, status="established").values_list(
            "established_on", flat=True
        )
    )
    referrals = list(Referral.objects.filter(case=case).select_related("product"))
    perspective = list(PerspectivePlan.objects.filter(case=case))
    escalations = list(Escalation.objects.filter(case=case))

    # THUISZITTER_3M
    for youth in youths:
        if youth.has_startkwalificatie:
            continue
        fifth, eighteenth = birthday(youth.birth_date, 5), birthday(youth.birth_date, 18)
        if not (fifth <= d < eighteenth):
            continue
        history = list(
            EducationPeriod.objects.filter(youth=youth, from_date__lte=d).order_by("from_date")
        )
        if not history or history[-1].status not in ("not_enrolled", "absent"):
            continue
        start = history[-1].from_date
        for period in reversed(history):
            if period.status not in ("not_enrolled", "absent"):
                break
            start = period.from_date
        start = max(start, fifth)
        add(
            "THUISZITTER_3M",
            "youth",
            youth.pk,
            judge(start, d, months_after(start, 3), months_after(start, 1)),
        )

    # NO_REGISSEUR: a GI holding regie (regie bij de GI) counts as regie, like a regisseur.
    regie = [*periods, *gi_regie]
    current = [p for p in regie if p.from_date <= d and (p.until is None or p.until > d)]
    if not current:
        ends = [p.until for p in regie if p.until is not None and p.until <= d]
        start = max([case.opened_on, *ends])
        add("NO_REGISSEUR", "case", case.pk, judge(start, d, add_working_days(start, 5)))

    # NO_PLAN
    if plan is None or plan.agreed_on is None or plan.agreed_on > d:
        start = case.opened_on
        add(
            "NO_PLAN",
            "case",
            case.pk,
            judge(start, d, start + dt.timedelta(days=42), start + dt.timedelta(days=28)),
        )

    # PLAN_EVALUATION_OVERDUE
    if plan is not None:
        pending = [e.planned_on for e in Evaluation.objects.filter(plan=plan) if e.held_on is None]
        if pending and min(pending) < d:
            start = min(pending)
            add(
                "PLAN_EVALUATION_OVERDUE",
                "case",
                case.pk,
                judge(start, d, start + dt.timedelta(days=14)),
            )

    for r in referrals:
        running = (
            r.started_on is not None
            and r.started_on <= d
            and (r.ended_on is None or r.ended_on > d)
        )
        # REFERRAL_WITHOUT_ANALYSIS: crisis care may be sent before the analysis
        if (
            r.product.specialist
            and not r.product.crisis
            and r.status in ("sent", "accepted", "started")
        ):
            # any established version counts, not only the current one
            ok = any(on <= r.sent_on for on in established)
            if not ok:
                add("REFERRAL_WITHOUT_ANALYSIS", "referral", r.pk, judge(r.sent_on, d, r.sent_on))
        # REFERRAL_UNANSWERED
        if r.status == "sent":
            add(
                "REFERRAL_UNANSWERED",
                "referral",
                r.pk,
                judge(r.sent_on, d, add_working_days(r.sent_on, 5)),
            )
        # CRISIS_ANALYSIS_OVERDUE: crisis care running, no analysis established by D
        if running and r.product.crisis and not any(on <= d for on in established):
            add(
                "CRISIS_ANALYSIS_OVERDUE",
                "referral",
                r.pk,
                judge(
                    r.started_on,
                    d,
                    r.started_on + dt.timedelta(days=28),
                    r.started_on + dt.timedelta(days=14),
                ),
            )
        # WAITING_WITHOUT_BRIDGING
        if r.status in ("sent", "accepted") and r.bridging_from is None:
            add(
                "WAITING_WITHOUT_BRIDGING",
                "referral",
                r.pk,
                judge(r.sent_on, d, r.sent_on + dt.timedelta(days=28)),
            )
        # WAITING_TIME_EXCEEDED
        if r.status in ("sent", "accepted"):
            add(
                "WAITING_TIME_EXCEEDED",
                "referral",
                r.pk,
                judge(
                    r.sent_on,
                    d,
                    r.sent_on + dt.timedelta(days=70),
                    r.sent_on + dt.timedelta(days=28),
                ),
            )
        # DECLINED_WITHOUT_ALTERNATIVE: declined, or expired unanswered (silence is a no)
        no_on = {"declined": r.answered_on, "expired": r.expired_on}.get(r.status)
        if no_on is not None:
            alternative = any(
                o.pk != r.pk
                and o.youth_id == r.youth_id
                and o.sent_on is not None
                and o.sent_on >= no_on
                for o in referrals
            )
            if not alternative:
                add(
                    "DECLINED_WITHOUT_ALTERNATIVE",
                    "referral",
                    r.pk,
                    judge(no_on, d, add_working_days(no_on, 10)),
                )
        # CRISIS_NO_RETURN_PLAN: placed out of home (the product's mark)
        if running and r.product.out_of_home:
            has_plan = any(
                p.youth_id == r.youth_id and p.kind == "return_home" for p in perspective
            )
            if not has_plan:
                add(
                    "CRISIS_NO_RETURN_PLAN",
                    "referral",
                    r.pk,
                    judge(
                        r.started_on,
                        d,
                        r.started_on + dt.timedelta(days=28),
                        r.started_on + dt.timedelta(days=7),
                    ),
                )

    # PERSPECTIVE_PLAN_16 and TRANSITION_18
    for youth in youths:
        care = [
            r.started_on
            for r in referrals
            if r.youth_id == youth.pk
            and r.product.specialist
            and r.started_on is not None
            and r.started_on <= d
            and (r.ended_on is None or r.ended_on > d)
        ]
        if not care:
            continue
        plans = [p for p in perspective if p.youth_id == youth.pk and p.kind == "transition_18"]
        sixteenth = birthday(youth.birth_date, 16)
        if d >= sixteenth and not plans:
            since = max(sixteenth, min(care))
            add("PERSPECTIVE_PLAN_16", "youth", youth.pk, judge(since, d, since))
        if not any(p.status == "agreed" for p in plans):
            since = max(birthday(youth.birth_date, 18) - relativedelta(months=6), min(care))
            add("TRANSITION_18", "youth", youth.pk, judge(since, d, since))

    # ESCALATION_NOT_DISCUSSED
    for e in escalations:
        if e.discussed_on is None:
            add(
                "ESCALATION_NOT_DISCUSSED",
                "escalation",
                e.pk,
                judge(e.submitted_on, d, add_working_days(e.submitted_on, 10)),
            )
    return hits
