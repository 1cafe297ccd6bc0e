"""manage.py demo_data builds a believable region, idempotently, with a login for every role."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from casusregie.bsn import is_valid_bsn
from casusregie.models import Family, Role, Worker, Youth
from demo.accounts import DEMO_LOGINS, DEMO_PASSWORD
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
    roles = set(Worker.objects.values_list("role_memberships__role", flat=True))
    assert roles == set(Role.values)


@pytest.mark.parametrize(("username", "description"), DEMO_LOGINS)
def test_every_demo_login_works_with_both_factors(client, username, description):
    call_command("demo_data", stdout=io.StringIO())
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, description
    assert response["Location"].startswith(reverse("otp-verify"))
    code = io.StringIO()
    call_command("demo_totp", stdout=code)
    response = client.post(response["Location"], {"token": code.getvalue().strip()})
    assert response.status_code == 302
    assert client.get(reverse("home"), follow=True).status_code == 200


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


def test_anna_sees_her_teams_families_not_those_of_wijkteam_noord_in_the_same_city():
    """Issue 17: Delfshaven and Noord both serve Rotterdam; anna sees Delfshaven's families."""
    from casusregie.policies import visible_families

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
