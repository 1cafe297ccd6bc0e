"""The population of ``make bench-pages SIZE=N`` builds at a tiny size, and its measured
workers' pages answer: a smoke test of the builder (no timing here; the bench times)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from casusregie.models import Carer, Family, Worker
from tests.conftest import verified_login

from .population import build_population, pages_layout

pytestmark = pytest.mark.django_db


def test_the_layout_has_forty_teams_in_the_big_city_at_100000_youths():
    layout = pages_layout(100_000)
    assert layout.teams[0] == 40 and sum(layout.teams) == 160
    assert pages_layout(500).teams == (1,) * 8


def test_the_population_builds_and_its_workers_pages_answer(client):
    measured = build_population(600, timezone.localdate(), progress=False)
    assert measured.caseload >= 1 and measured.team_cases >= measured.caseload
    assert Carer.objects.filter(family__ref__startswith="bf-").exists()
    # every generated family has its insert in the change history
    families = set(Family.objects.filter(ref__startswith="bf-").values_list("pk", flat=True))
    events = apps.get_model("casusregie", "FamilyEvent").objects.filter(pgh_label="insert")
    assert families and families <= set(events.values_list("pgh_obj_id", flat=True))
    regisseur = Worker.objects.get(username=measured.regisseur)
    verified_login(client, regisseur)
    for url in (
        reverse("caseload"),
        reverse("family-detail", args=[measured.family]),
        reverse("plan-editor", args=[measured.family]),
    ):
        assert client.get(url).status_code == 200, url
    verified_login(client, Worker.objects.get(username=measured.team_lead))
    assert client.get(reverse("team")).status_code == 200
    # the provider's portal: a provider holding size/50 referrals, its inbox and a referral
    assert measured.provider_referrals >= 600 // 50 and measured.provider_referral
    client.logout()
    verified_login(client, Worker.objects.get(username=measured.provider_user))
    assert client.get(reverse("portal-inbox")).status_code == 200
    url = reverse("portal-referral", args=[measured.provider_referral])
    assert client.get(url).status_code == 200
