"""Change history of the domain models (django-pghistory), with who made the change."""

import pytest
from django.apps import apps
from django.urls import reverse

from casusregie.models import Role
from tests.conftest import verified_login
from tests.factories import WorkerFactory, YouthFactory

pytestmark = pytest.mark.django_db

TRACKED = [
    ("casusregie", "Family"),
    ("casusregie", "Youth"),
    ("casusregie", "Carer"),
    ("casusregie", "EducationPeriod"),
    ("casusregie", "Case"),
    ("casusregie", "RegisseurPeriod"),
    ("casusregie", "Consent"),
    ("analyses", "Analysis"),
    ("plans", "Plan"),
    ("plans", "PerspectivePlan"),
    ("referrals", "ReferralHistory"),
]


@pytest.mark.parametrize(("app", "model"), TRACKED)
def test_every_domain_model_has_a_history(app, model):
    name = model if model.endswith("History") else f"{model}Event"
    assert apps.get_model(app, name)


def test_a_change_is_recorded_with_its_author_and_without_the_bsn(client):
    youth = YouthFactory(name="Sem de Vries")
    admin = WorkerFactory(roles=[Role.ADMIN], is_staff=True, is_superuser=True)
    verified_login(client, admin)
    url = reverse("admin:casusregie_youth_change", args=[youth.pk])
    response = client.post(
        url,
        {
            "ref": youth.ref,
            "family": youth.family_id,
            "name": "Sem van Vries",
            "birth_date": "2012-03-01",
            "education-TOTAL_FORMS": "0",
            "education-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    events = apps.get_model("casusregie", "YouthEvent").objects.filter(pgh_obj=youth)
    assert [e.name for e in events.order_by("pgh_id")] == ["Sem de Vries", "Sem van Vries"]
    latest = events.order_by("-pgh_id").first()
    assert latest.pgh_context.metadata["user"] == admin.pk
    assert not hasattr(latest, "bsn")
