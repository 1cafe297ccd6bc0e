"""Issue 18 in a real browser: a provider's staff member logs in (password + TOTP) to the
provider's portal, sees the inbox with its norms, is refused a "no" without an alternative, and
walks a referral through accept, start and end of care. Screenshots in test-results/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casusregie.models import Consent, ConsentPurpose, Role, Youth
from plans.models import Goal, PerspectivePlan, Plan
from referrals import services
from referrals.lifecycle import Status
from referrals.models import GoalProgress, ProviderRole, Referral
from tests.e2e.login import code_for, log_in
from tests.factories import (
    AnalysisFactory,
    CaseFactory,
    ContractFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    ProductFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    SegmentFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "e2e-aanbieder-2026"  # noqa: S105 - a test account's password
KEY = "3132333435363738393031323334353637383930"


@pytest.fixture
def world():
    region = RegionFactory(code="hollands-midden", name="Holland Rijnland")
    municipality = MunicipalityFactory(code="GM0546", name="Leiden", region=region)
    team = LocalTeamFactory(name="JGT Leiden Noord", municipalities=[municipality])
    regisseur = WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna de Vries")
    product = ProductFactory(
        code="AMB-SPEC",
        name="Specialistische ambulante jeugdhulp",
        segment=SegmentFactory(region=region, code="ambulant", name="Ambulant"),
        ijw_category="45",
    )
    provider = ProviderFactory(name="Jeugdzorg De Horizon")
    ContractFactory(provider=provider, product=product, municipalities=[municipality])
    by = services.Actor.regisseur(regisseur)
    referrals = []
    for name in ("Sara Veldhuis", "Milan Bakker"):
        case = CaseFactory(
            family=FamilyFactory(municipality=municipality),
            local_team=team,
            opened_on=dt.date(2026, 9, 1),
        )
        RegisseurPeriodFactory(case=case, worker=regisseur, from_date=dt.date(2026, 9, 1))
        AnalysisFactory(case=case, established_on=dt.date(2026, 10, 1))
        youth = YouthFactory(family=case.family, name=name, birth_date=dt.date(2013, 5, 4))
        referral = services.create_referral(
            case=case,
            youth=youth,
            product=product,
            provider=provider,
            by=by,
            question="Behandeling van angstklachten; gaat niet meer naar school.",
        )
        referrals.append(services.send_referral(referral=referral, by=by))
    # the first waited eight days: past the answer norm of five working days
    Referral.objects.filter(pk=referrals[0].pk).update(
        sent_on=timezone.localdate() - dt.timedelta(days=8)
    )
    staff = ProviderMembershipFactory(
        provider=provider,
        role=ProviderRole.STAFF,
        worker__name="Fleur Jansen",
        worker__username="fleur",
    ).worker
    staff.set_password(PASSWORD)
    staff.save()
    TOTPDevice.objects.create(user=staff, name="e2e", key=KEY, confirmed=True)
    return {"staff": staff, "referrals": referrals, "provider": provider}


def test_a_provider_walks_a_referral_from_login_to_ended_care(page, world, screenshot):
    late, fresh = world["referrals"]
    log_in(page, world["staff"].username, PASSWORD, lambda: code_for(KEY))
    # the start page of a provider user is the provider's inbox, oldest first
    expect(
        page.get_by_role("heading", name="Verwijzingen aan Jeugdzorg De Horizon")
    ).to_be_visible()
    rows = page.locator("#inbox tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Sara Veldhuis")
    expect(rows.first).to_contain_text("overschreden")
    screenshot("provider-portal-1-inbox")

    # a "no" without an alternative is refused, the input kept
    page.get_by_role("link", name=fresh.ref).click()
    page.get_by_text("Afwijzen", exact=True).first.click()
    page.get_by_label("Reden").select_option("no_capacity")
    page.get_by_label("Toelichting").fill("Wachtlijst van twaalf weken")
    page.locator("#form-decline").get_by_role("button", name="Afwijzen").click()
    expect(
        page.get_by_text("Geen nee zonder alternatief: noem een andere aanbieder")
    ).to_be_visible()
    expect(page.get_by_label("Toelichting")).to_have_value("Wachtlijst van twaalf weken")
    screenshot("provider-portal-2-decline-needs-an-alternative")
    assert Referral.objects.get(pk=fresh.pk).status == Status.SENT

    # accept, start and end the late one
    page.get_by_role("link", name="Terug naar de verwijzingen").click()
    page.get_by_role("link", name=late.ref).click()
    expect(page.locator("#youth-name")).to_have_text("Sara Veldhuis")
    expect(page.locator("#regisseur")).to_contain_text("Anna de Vries")
    expect(page.locator("#not-shared")).to_be_visible()  # no consent to share the analysis
    screenshot("provider-portal-3-referral")
    page.get_by_role("button", name="Toewijzen").click()
    expect(page.locator("#status")).to_have_text("Toegewezen")
    today = timezone.localdate().isoformat()
    page.get_by_label("Zorg gestart op").fill(today)
    page.get_by_role("button", name="Start van de zorg melden").click()
    expect(page.locator("#status")).to_have_text("Zorg gestart")
    screenshot("provider-portal-4-care-started")
    page.get_by_label("Zorg beëindigd op").fill(today)
    page.get_by_label("Reden beëindiging (iJw)").select_option("31")
    page.get_by_role("button", name="Einde van de zorg melden").click()
    expect(page.locator("#status")).to_have_text("Zorg beëindigd")
    screenshot("provider-portal-5-care-ended")

    ended = Referral.objects.get(pk=late.pk)
    assert (ended.status, ended.end_code) == (Status.ENDED, "31")
    assert set(
        ended.events.filter(actor_kind="provider").values_list("actor_worker", flat=True)
    ) == {world["staff"].pk}
    # the worker pages are not there for a provider user
    response = page.goto("/gezinnen/")
    assert response.status == 404
    # no script errors (the 400 of the refused decline and the 404s are answers, not errors)
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []


def test_a_provider_reports_progress_on_a_goal_and_drafts_a_perspective_plan(
    page, world, screenshot
):
    late, _fresh = world["referrals"]
    provider = world["provider"]
    by = services.Actor.of_provider(provider)
    referral = services.accept_referral(referral=late, by=by)
    services.start_care(referral=referral, by=by, started_on=timezone.localdate())
    today = timezone.localdate()
    Youth.objects.filter(pk=late.youth_id).update(birth_date=today.replace(year=today.year - 16))
    Consent.objects.create(
        case=late.case,
        purpose=ConsentPurpose.SHARE_ANALYSIS,
        provider=provider,
        given_on=today,
    )
    plan = Plan.objects.create(case=late.case)
    goal = Goal.objects.create(plan=plan, position=0, text="Sara gaat weer elke dag naar school")

    log_in(page, world["staff"].username, PASSWORD, lambda: code_for(KEY))
    page.get_by_role("link", name=late.ref).click()
    expect(page.locator("#goals")).to_contain_text("Sara gaat weer elke dag naar school")
    expect(page.locator("#perspective-status")).to_contain_text("nog niet begonnen")
    screenshot("provider-portal-6-goals-and-perspective")

    # progress on the goal
    page.locator(f"#doel-{goal.pk} summary").click()
    form = page.locator(f"#form-goal-{goal.pk}")
    form.get_by_label("Mee bezig").check()
    form.get_by_label("Toelichting").fill("Drie dagen per week naar school, met de mentor.")
    form.get_by_role("button", name="Voortgang melden").click()
    expect(page.locator(f"#doel-{goal.pk} .progress")).to_contain_text("Mee bezig")
    screenshot("provider-portal-7-progress-reported")
    [report] = GoalProgress.objects.filter(goal=goal)
    assert (report.scale, report.reported_by_worker_id) == ("working", world["staff"].pk)

    # the perspective plan (toekomstplan 18-/18+) for the youth of 16
    form = page.locator("#form-perspective")
    form.get_by_label("Wonen", exact=True).fill("Blijft thuis wonen; op zijn 18e inschrijven.")
    form.get_by_label("School of werk", exact=True).fill("Mbo niveau 2, start in september.")
    form.get_by_label("Inkomen", exact=True).fill("Zorgtoeslag aanvragen bij 18.")
    form.get_by_label("Hulp thuis: niet van toepassing").check()
    form.get_by_label("Contact volwassenenzorg", exact=True).fill("Wmo-consulent, in maart.")
    form.get_by_label("Wmo").check()
    form.get_by_role("button", name="Perspectiefplan opslaan").click()
    expect(page.locator("#perspective-parts")).to_contain_text("Mbo niveau 2")
    expect(page.locator("#perspective-status")).to_contain_text("Concept")
    screenshot("provider-portal-8-perspective-plan-drafted")
    drafted = PerspectivePlan.objects.get(youth=late.youth_id)
    assert (drafted.kind, drafted.drafted_by_provider_id) == ("transition_18", provider.pk)
    assert drafted.help_at_home_na and drafted.adult_service_values() == ["wmo"]
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
