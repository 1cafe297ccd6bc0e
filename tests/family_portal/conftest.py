# ruff: noqa: F811
"""A family in care with a regisseur, a mother with gezag, a 16-year-old and a younger child;
``family_login(account)`` logs a family account in (both steps done)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from casusregie.models import CarerRelation, FamilyAccount
from family_portal.session import ACCOUNT_KEY
from tests.factories import CarerFactory, YouthFactory
from tests.referrals.conftest import (  # noqa: F401
    api,
    case,
    make_referral,
    municipality,
    product,
    provider,
    regisseur,
)


def years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born - dt.timedelta(days=days)


@pytest.fixture
def mother(case):
    carer = CarerFactory(family=case.family, name="Mira de Jong", email="mira@example.org")
    return carer


@pytest.fixture
def youth(case, mother):
    youth = YouthFactory(family=case.family, name="Noor de Jong", birth_date=years_ago(16))
    CarerRelation.objects.create(carer=mother, youth=youth, relation="mother", has_gezag=True)
    return youth


@pytest.fixture
def little(case, mother):
    child = YouthFactory(family=case.family, name="Sem de Jong", birth_date=years_ago(9))
    CarerRelation.objects.create(carer=mother, youth=child, relation="mother", has_gezag=True)
    return child


def make_account(**fields) -> FamilyAccount:
    person = fields.get("carer") or fields.get("youth")
    return FamilyAccount.objects.create(family=person.family, email="x@example.org", **fields)


@pytest.fixture
def mother_account(mother, youth, regisseur):
    return make_account(carer=mother, invited_by=regisseur)


@pytest.fixture
def youth_account(youth, regisseur):
    return make_account(youth=youth, invited_by=regisseur)


def family_login(client, account):
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)  # after a logout: a fresh session
    session = client.session
    session[ACCOUNT_KEY] = account.pk
    session.save()
    return client


@pytest.fixture
def as_family(client):
    return lambda account: family_login(client, account)
