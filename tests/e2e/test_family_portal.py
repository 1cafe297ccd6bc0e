"""The gezinsportaal on a phone (390 px): a regisseur invites a mother and a 16-year-old; both log
in with the link and the code, read the plan; the mother disagrees with a goal, the youth
agrees; each reads who looked at the file. Screenshots in RESULTS."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from casusregie import services
from casusregie.models import CarerRelation, Role
from plans.models import Plan, PlanResponse
from tests.e2e.conftest import RESULTS
from tests.factories import (
    AnalysisFactory,
    CarerFactory,
    CaseFactory,
    FamilyFactory,
    GoalFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    PlanFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="nl-NL"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _log_in(phone, live_server, message, name: str) -> None:
    link = re.search(r"(/mijn-gezin/inloggen/link/\?sleutel=[A-Za-z0-9_-]+)", message.body)[1]
    phone.context.clear_cookies()
    phone.goto(link)
    phone.get_by_role("button", name="Verder met inloggen").click()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    phone.get_by_label("De code uit de e-mail").fill(code)
    phone.get_by_role("button", name="Inloggen").click()
    assert phone.url.endswith("/mijn-gezin/")
    assert fits(phone)
    phone.screenshot(path=str(RESULTS / f"family-{name}-home.png"), full_page=True)


def test_a_mother_and_a_youth_from_invitation_to_the_plan_and_the_history(phone, live_server):
    RESULTS.mkdir(exist_ok=True)
    municipality = MunicipalityFactory()
    team = LocalTeamFactory(municipalities=[municipality])
    regisseur = WorkerFactory(local_team=team, roles=[Role.REGISSEUR], name="Anna de Vries")
    opened = dt.date(2026, 1, 5)
    case = CaseFactory(
        family=FamilyFactory(municipality=municipality), local_team=team, opened_on=opened
    )
    RegisseurPeriodFactory(case=case, worker=regisseur, from_date=opened)
    AnalysisFactory(case=case)
    plan = PlanFactory(case=case, agreed_on=None)
    school = GoalFactory(plan=plan, text="Noor gaat weer naar school")
    GoalFactory(plan=plan, text="Rust in huis")
    mother = CarerFactory(family=case.family, name="Mira de Jong", email="mira@example.org")
    today = timezone.localdate()
    youth = YouthFactory(
        family=case.family, name="Noor de Jong", birth_date=today.replace(year=today.year - 16)
    )
    CarerRelation.objects.create(carer=mother, youth=youth, relation="mother", has_gezag=True)
    services.invite_family_member(case=case, by=regisseur, carer=mother, email=mother.email)
    services.invite_family_member(case=case, by=regisseur, youth=youth, email="noor@example.org")
    invitations = {m.to[0]: m for m in mail.outbox}

    _log_in(phone, live_server, invitations["mira@example.org"], "mother")
    phone.goto("/mijn-gezin/plan/")
    assert fits(phone)
    phone.get_by_label("Nee, niet met alles").check()
    phone.locator(f"#id_doel-{school.pk}").fill("Eerst rust in huis, dan school.")
    phone.get_by_role("button", name="Verstuur mijn antwoord").click()
    phone.screenshot(path=str(RESULTS / "family-mother-plan.png"), full_page=True)
    phone.goto("/mijn-gezin/wie-keek/")
    assert "Wie keek in ons dossier?" in phone.content() and "Anna de Vries" in phone.content()
    assert fits(phone)
    phone.screenshot(path=str(RESULTS / "family-mother-history.png"), full_page=True)

    _log_in(phone, live_server, invitations["noor@example.org"], "youth")
    phone.goto("/mijn-gezin/plan/")
    phone.get_by_label("Ja, ik ben het eens").check()
    phone.get_by_role("button", name="Verstuur mijn antwoord").click()
    phone.goto("/mijn-gezin/wie-keek/")
    assert "Wie keek in ons dossier?" in phone.content()
    phone.screenshot(path=str(RESULTS / "family-youth-history.png"), full_page=True)

    plan = Plan.objects.get(pk=plan.pk)
    assert plan.agreed_on == today and plan.agreed_how == "family_portal"
    assert sorted(PlanResponse.objects.values_list("agrees", flat=True)) == [False, True]
