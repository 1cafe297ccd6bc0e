"""A provider with a referral sent to it, its coordinator and staff user, a second provider."""

from __future__ import annotations

import pytest

from referrals.models import ProviderRole
from tests.factories import ProviderMembershipFactory
from tests.referrals.conftest import (  # noqa: F401 - the referral fixtures, shared
    api,
    case,
    foreign_api,
    make_referral,
    municipality,
    other_provider,
    product,
    provider,
    regisseur,
    youth,
)


@pytest.fixture
def coordinator(provider):  # noqa: F811
    return ProviderMembershipFactory(provider=provider, role=ProviderRole.COORDINATOR).worker


@pytest.fixture
def staff_user(provider):  # noqa: F811
    return ProviderMembershipFactory(provider=provider, role=ProviderRole.STAFF).worker


@pytest.fixture
def other_staff_user(other_provider):  # noqa: F811
    return ProviderMembershipFactory(provider=other_provider, role=ProviderRole.STAFF).worker
