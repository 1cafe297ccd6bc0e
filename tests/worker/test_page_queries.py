"""Query counts pinned for the worker pages that had none: the referral wizard (with and
without proposals), the registration form, the family's expert-table page, the regisseur's
aanmeldingen, the table's sessions and figures, an analysis version. Each page is counted on a
small family and again after its lists grew (youths, carers, referrals, providers, escalations,
explanations, sessions): the same number, and the number pinned here. The other worker pages are
pinned beside their own tests (caseload, team and family list in test_caseload.py, the family
page in test_family_page.py, the editors in tests/analyses and tests/plans, the print view in
tests/plans/test_document.py, the flags inbox in tests/flags, meldingen in tests/notifications,
the table's queue and session in tests/escalations/test_pages.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analyses.models import Explanation
from casusregie.models import Consent, ConsentPurpose, RegisseurPeriod, Role
from escalations.models import TableSession
from escalations.services import expert_table_of
from referrals.lifecycle import Status
from tests.conftest import verified_login
from tests.factories import (
    AnalysisFactory,
    CarerFactory,
    CaseFactory,
    ContractFactory,
    EscalationFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    PlanFactory,
    ProductFactory,
    ProviderFactory,
    ReferralFactory,
    RegionFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = pytest.mark.django_db
OPENED = dt.date(2026, 1, 5)


class Small:
    """One family of anna's with a youth, an established analysis, a plan, a contracted
    product, a consent for the table and an escalation; ``grow()`` adds more of each list."""

    def __init__(self) -> None:
        self.region = RegionFactory()
        self.municipality = MunicipalityFactory(region=self.region)
        self.team = LocalTeamFactory(municipalities=[self.municipality])
        self.anna = WorkerFactory(local_team=self.team, roles=[Role.REGISSEUR])
        self.chair = WorkerFactory(
            local_team=None, region=self.region, roles=[Role.EXPERT_TABLE_CHAIR]
        )
        self.product = ProductFactory(specialist=True)
        self.case = self._case()
        self.family = self.case.family
        self.youth = YouthFactory(family=self.family, birth_date=dt.date(2014, 5, 1))
        CarerFactory(family=self.family)
        self.analysis = AnalysisFactory(case=self.case)
        Explanation.objects.create(analysis=self.analysis, text="Verklaring")
        PlanFactory(case=self.case)
        self._provider()
        ReferralFactory(case=self.case, youth=self.youth, product=self.product)
        self._escalation(self.case)
        TableSession.objects.create(
            ref="zitting-0",
            region=self.region,
            table=expert_table_of(self.region.pk),
            held_on=dt.date(2026, 6, 1),
            planned_by=self.chair,
        )

    def _case(self):
        case = CaseFactory(
            family=FamilyFactory(municipality=self.municipality),
            local_team=self.team,
            opened_on=OPENED,
        )
        RegisseurPeriod.objects.create(case=case, worker=self.anna, from_date=OPENED)
        return case

    def _provider(self) -> None:
        provider = ProviderFactory()
        ContractFactory(provider=provider, product=self.product, municipalities=[self.municipality])

    def _escalation(self, case) -> None:
        Consent.objects.create(case=case, purpose=ConsentPurpose.EXPERT_TABLE, given_on=OPENED)
        EscalationFactory(case=case, submitted_on=OPENED, submitted_by=self.anna)

    def grow(self) -> None:
        for n in range(3):
            youth = YouthFactory(family=self.family, birth_date=dt.date(2010 + n, 1, 1))
            CarerFactory(family=self.family)
            self._provider()
            ReferralFactory(case=self.case, youth=youth, product=self.product)
            ReferralFactory(
                case=self.case,
                youth=youth,
                product=self.product,
                status=Status.SENT,
                sent_on=OPENED,
            )
            Explanation.objects.create(analysis=self.analysis, text=f"Verklaring {n}")
            self._escalation(self._case())  # one open escalation per case
            TableSession.objects.create(
                ref=f"zitting-{n + 1}",
                region=self.region,
                table=expert_table_of(self.region.pk),
                held_on=dt.date(2026, 7, n + 1),
                planned_by=self.chair,
            )


# Counted once and pinned: session, user, device, roles and the menu's meldingen are in each.
PAGES: dict[str, tuple[str, Callable[[Small], str], int]] = {
    "referral wizard": (
        "anna",
        lambda w: reverse("referral-wizard", args=[w.family.ref]),
        19,
    ),
    "referral wizard, proposals": (
        "anna",
        lambda w: (
            f"{reverse('referral-wizard', args=[w.family.ref])}"
            f"?youth={w.youth.ref}&product={w.product.pk}"
        ),
        24,
    ),
    "register family": ("anna", lambda w: reverse("family-register"), 9),
    "expert table (family)": (
        "anna",
        lambda w: reverse("escalation-submit", args=[w.family.ref]),
        21,  # + the family's consent for the table (asked on the form when not in force)
    ),
    "my escalations": ("anna", lambda w: reverse("escalation-inbox"), 13),
    # + the user's tables (the table choice, issue 19)
    "table sessions": ("chair", lambda w: reverse("expert-table-sessions"), 12),
    "table figures": ("chair", lambda w: reverse("expert-table-figures"), 12),
    "analysis version": (
        "anna",
        lambda w: reverse("analysis-version", args=[w.family.ref, w.analysis.version]),
        20,
    ),
}


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", PAGES)
def test_the_page_takes_its_pinned_number_of_queries_however_much_it_shows(client, page):
    who, url_of, pinned = PAGES[page]
    world = Small()
    verified_login(client, getattr(world, who))
    url = url_of(world)
    client.get(url)  # warm up: content types, the session's first write
    small = _count(client, url)
    world.grow()
    large = _count(client, url)
    assert (small, large) == (pinned, pinned)
