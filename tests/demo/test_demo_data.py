"""manage.py demo_data builds a believable region, idempotently, with a login for every role."""

import io
import re

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.bsn import is_valid_bsn
from casusregie.models import (
    Case,
    Consent,
    ConsentPurpose,
    Family,
    FamilyAccount,
    InvolvedProfessional,
    Role,
    Worker,
    Youth,
)
from casusregie.policies import visible_families
from demo.accounts import DEMO_LOGINS, DEMO_PASSWORD, FAMILY_LOGINS
from demo.region import HORIZON_IN_CARE_REFERRAL
from flags.models import Flag
from plans.models import Evaluation, Goal
from referrals import selectors as referral_selectors
from referrals import services
from referrals.models import Product, Referral

pytestmark = pytest.mark.django_db


def counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"casusregie", "analyses", "plans", "referrals", "escalations"}
    }


def test_demo_data_twice_changes_nothing():
    call_command("demo_data", stdout=io.StringIO())
    first = counts()
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    assert counts() == first
    assert "(0 rows created or changed)" in out.getvalue()


def test_demo_data_is_a_believable_region():
    call_command("demo_data", stdout=io.StringIO())
    assert 45 <= Family.objects.count() <= 60
    # Rijnmond's own lots A-F (seed 003), and products marked out of home and crisis.
    assert set(Product.objects.values_list("segment__code", flat=True)) == {
        "pleegzorg",
        "opname",
        "langdurig_verblijf",
        "dagbehandeling",
        "ambulant",
        "crisis",
    }
    assert Product.objects.filter(out_of_home=True, crisis=False).exists()
    assert Product.objects.filter(out_of_home=False, crisis=True).exists()
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert {"sent", "accepted", "declined", "expired", "started", "ended"} <= statuses
    assert Referral.objects.filter(bridging_from__isnull=False).exists()
    # Crisis first: crisis care started while the case has no established analysis.
    assert (
        Referral.objects.filter(product__crisis=True, status="started")
        .exclude(case__analyses__status="established")
        .exists()
    )
    assert all(is_valid_bsn(y.bsn) for y in Youth.objects.all())
    workers = Worker.objects.filter(provider_membership__isnull=True)
    roles = set(workers.values_list("role_memberships__role", flat=True))
    assert roles - {None} == set(Role.values)
    # the GI worker (issue 19) has no role of the region: they call a table as an involved
    # professional of a case
    roleless = workers.filter(role_memberships__isnull=True)
    assert set(roleless.values_list("username", flat=True)) == {"gijs"}
    # the providers' users: a coordinator and a staff member of one provider, no local role
    provider_users = Worker.objects.filter(provider_membership__isnull=False)
    assert set(provider_users.values_list("provider_membership__role", flat=True)) == {
        "coordinator",
        "staff",
    }
    assert not provider_users.filter(role_memberships__isnull=False).exists()


def test_every_demo_login_works_with_both_factors():
    """One demo region, every login printed by ``make run`` in turn, each in its own browser."""
    call_command("demo_data", stdout=io.StringIO())
    for username, description in DEMO_LOGINS:
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, description
        assert response["Location"].startswith(reverse("otp-verify")), description
        code = io.StringIO()
        call_command("demo_totp", stdout=code)
        response = client.post(response["Location"], {"token": code.getvalue().strip()})
        assert response.status_code == 302, description
        assert client.get(reverse("home"), follow=True).status_code == 200, description


def test_the_demo_family_logs_in_to_the_gezinsportaal_with_link_and_code(
    django_capture_on_commit_callbacks,
):
    """The two family logins printed by ``make run``: the address, the link from the first
    e-mail, the code from the second; then the plan of the family Horizon has in care."""
    call_command("demo_data", stdout=io.StringIO())
    call_command("demo_data", stdout=io.StringIO())  # twice: still one account each
    referral = Referral.objects.select_related("case__family").get(ref=HORIZON_IN_CARE_REFERRAL)
    accounts = FamilyAccount.objects.filter(family=referral.case.family, is_active=True)
    assert sorted(accounts.values_list("email", flat=True)) == sorted(e for e, _ in FAMILY_LOGINS)
    assert accounts.get(youth=referral.youth) and accounts.get(carer__isnull=False)
    for email, description in FAMILY_LOGINS:
        client = Client()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("family-login"), {"email": email})
        [message] = mail.outbox
        token = re.search(r"sleutel=([A-Za-z0-9_-]+)", message.body)[1]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("family-link"), {"sleutel": token})
        assert response["Location"] == reverse("family-code"), description
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
        assert client.post(reverse("family-code"), {"code": code})["Location"] == reverse(
            "family-home"
        )
        page = client.get(reverse("family-plan")).content.decode()
        goal = Goal.objects.filter(plan__case=referral.case, plan__is_current=True).first()
        assert goal is not None and goal.text in page, description


def test_the_functional_administrator_is_no_superuser_and_sees_no_family():
    call_command("demo_data", stdout=io.StringIO())
    beheer = Worker.objects.get(username="beheer")
    assert beheer.is_staff and not beheer.is_superuser
    assert beheer.has_perm("referrals.add_contract")
    assert not beheer.has_perm("casusregie.view_family")


def test_if_empty_leaves_an_existing_database_alone():
    call_command("demo_data", stdout=io.StringIO())
    Family.objects.filter(ref="demo-f000").update(ref="renamed")
    out = io.StringIO()
    call_command("demo_data", "--if-empty", stdout=out)
    assert "left as it is" in out.getvalue()
    assert not Family.objects.filter(ref="demo-f000").exists()


def test_the_demo_is_judged_at_once_so_workers_see_flags():
    from flags.models import Flag
    from flags.selectors import inbox

    call_command("demo_data", stdout=io.StringIO())
    assert Flag.objects.filter(resolved_on__isnull=True).exists()
    assert inbox(Worker.objects.get(username="anna")).exists()


@pytest.mark.parametrize("command", ["demo_data", "demo_totp"])
def test_the_demo_commands_refuse_under_production_and_write_nothing(settings, command):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="PRODUCTION=true"):
        call_command(command, stdout=io.StringIO())
    assert not Worker.objects.exists()
    assert not Family.objects.exists()
    assert not TOTPDevice.objects.exists()


def test_the_demo_commands_run_without_production(settings):
    settings.PRODUCTION = False
    call_command("demo_data", stdout=io.StringIO())
    code = io.StringIO()
    call_command("demo_totp", stdout=code)
    assert len(code.getvalue().strip()) == 6


def test_the_demo_shows_the_regisseur_s_week_of_issue_16():
    call_command("demo_data", stdout=io.StringIO())
    # the people around the family, and one GI holding regie while the regisseur stays
    assert {"huisarts", "school", "gi_jeugdbescherming"} <= set(
        InvolvedProfessional.objects.values_list("role", flat=True)
    )
    gi = InvolvedProfessional.objects.filter(holds_regie=True, until__isnull=True)
    assert gi.exists()
    assert all(p.case.regisseurs.filter(until__isnull=True).exists() for p in gi)
    # referrals by a huisarts and by a GI, the rest by the gemeente
    assert {"01", "02", "04"} <= set(Referral.objects.values_list("referrer", flat=True))
    # afbouw made visible: goals reached and stopped, evaluations with an outcome
    assert {"open", "reached", "stopped"} <= set(Goal.objects.values_list("status", flat=True))
    assert {"continue", "scale_down"} <= set(
        Evaluation.objects.exclude(outcome="").values_list("outcome", flat=True)
    )
    assert not Evaluation.objects.filter(held_on__isnull=False, outcome="").exists()
    # a thuiszitter for three months and more: its flag is open
    assert Flag.objects.filter(rule="THUISZITTER_3M", resolved_on__isnull=True).exists()
    # closed cases with their reason and warme overdracht
    closed = Case.objects.filter(closed_on__isnull=False)
    assert closed.exists()
    assert set(closed.values_list("close_reason", flat=True)) == {"goals_reached"}
    assert not closed.filter(handed_over_to="").exists()


def test_anna_sees_her_teams_families_not_those_of_wijkteam_noord_in_the_same_city():
    """Issue 17: Delfshaven and Noord both serve Rotterdam; anna sees Delfshaven's families."""
    call_command("demo_data", stdout=io.StringIO())
    anna = Worker.objects.get(username="anna")
    seen = visible_families(anna)
    assert seen.exists()
    assert not seen.exclude(cases__local_team__ref="lt-delfshaven").exists()
    noord = Family.objects.filter(cases__local_team__ref="lt-noord", municipality__code="GM0599")
    assert noord.exists()
    assert not seen.filter(pk__in=noord.exclude(cases__local_team__ref="lt-delfshaven")).exists()
    assert Family.objects.filter(ref="demo-f001", municipality__code="GM0599").exists()
    assert not seen.filter(ref="demo-f001").exists()  # the README's example


def test_jeugdzorg_horizon_has_a_youth_of_16_in_care_with_consent_and_goals():
    """The provider portal's progress per goal and perspective plan can be shown (issue 18)."""
    call_command("demo_data", stdout=io.StringIO())
    referral = Referral.objects.select_related("provider", "case").get(ref=HORIZON_IN_CARE_REFERRAL)
    assert referral.provider.name == "Jeugdzorg Horizon" and referral.status == "started"
    assert Consent.objects.filter(
        case=referral.case, purpose=ConsentPurpose.SHARE_ANALYSIS, provider=referral.provider
    ).exists()
    assert Goal.objects.filter(plan__case=referral.case, plan__is_current=True).exists()
    access = services.perspective_plan_access(
        by=services.Actor.of_provider(referral.provider), referral_ref=referral.ref
    )
    assert access.kind == "transition_18"
    shown = referral_selectors.referrals_for_provider(referral.provider).get(pk=referral.pk)
    assert referral_selectors.plan_for_provider(shown).goals
