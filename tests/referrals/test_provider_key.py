import io

import pytest
from django.core.management import call_command

from referrals.models import ProviderAPIKey
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def test_provider_key_create_prints_the_key_once_and_stores_only_its_hash():
    provider = ProviderFactory(ref="p-x")
    out = io.StringIO()
    call_command("provider_key", "create", "p-x", stdout=out, stderr=io.StringIO())
    secret = out.getvalue().strip()
    key = ProviderAPIKey.objects.get(provider=provider)
    assert secret.startswith(key.prefix)
    assert secret not in key.hashed_key
    assert ProviderAPIKey.objects.get_from_key(secret) == key
