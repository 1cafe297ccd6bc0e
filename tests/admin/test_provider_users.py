"""The functional administrator links a worker account to a provider in the admin (issue 18)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casusregie.admin_roles import ensure_functional_admin_group
from casusregie.models import Role
from casusregie.services import check_direct_role
from referrals.models import ProviderMembership, ProviderRole
from tests.conftest import verified_login
from tests.factories import ProviderFactory, ProviderMembershipFactory, WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def functional_admin(client):
    admin = WorkerFactory(local_team=None, roles=[Role.ADMIN], is_staff=True)
    admin.groups.add(ensure_functional_admin_group())
    return admin, verified_login(client, admin)


def _add(client, worker, provider, role=ProviderRole.COORDINATOR):
    return client.post(
        reverse("admin:referrals_providermembership_add"),
        {"worker": worker.pk, "provider": provider.pk, "role": role, "active": "on"},
    )


def test_the_functional_administrator_makes_a_provider_coordinator(functional_admin):
    admin, client = functional_admin
    worker, provider = WorkerFactory(local_team=None, roles=[]), ProviderFactory()
    assert _add(client, worker, provider).status_code == 302
    membership = ProviderMembership.objects.get(worker=worker)
    assert (membership.provider, membership.role, membership.created_by) == (
        provider,
        ProviderRole.COORDINATOR,
        admin,
    )


def test_a_worker_of_a_team_is_refused_in_dutch_not_a_500(functional_admin):
    _admin, client = functional_admin
    response = _add(client, WorkerFactory(roles=[Role.REGISSEUR]), ProviderFactory())
    assert response.status_code == 200
    assert "heeft geen lokaal team, regio, rol of beheerrechten" in response.content.decode()
    assert not ProviderMembership.objects.exists()


def test_no_role_of_the_municipality_for_a_provider_user(functional_admin):
    admin, _client = functional_admin
    provider_user = ProviderMembershipFactory().worker
    with pytest.raises(ValidationError):
        check_direct_role(worker=provider_user, role=Role.POLICY, by=admin)
