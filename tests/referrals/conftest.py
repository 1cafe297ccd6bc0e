"""A case ready for a specialist referral, a contracted provider with an API key."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from rest_framework.test import APIClient

from casusregie.models import Role
from referrals import services
from referrals.models import ProviderAPIKey
from tests.factories import (
    AnalysisFactory,
    CaseFactory,
    ContractFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    ProductFactory,
    ProviderFactory,
    RegionFactory,
    RegisseurPeriodFactory,
    WorkerFactory,
    YouthFactory,
)


@pytest.fixture
def municipality():
    return MunicipalityFactory(code="GM0599", name="Rotterdam", region=RegionFactory())


@pytest.fixture
def regisseur(municipality):
    return WorkerFactory(
        local_team=LocalTeamFactory(municipalities=[municipality]), roles=[Role.REGISSEUR]
    )


@pytest.fixture
def case(municipality, regisseur):
    case = CaseFactory(
        family=FamilyFactory(municipality=municipality),
        local_team=regisseur.local_team,
        opened_on=dt.date(2026, 1, 5),
    )
    RegisseurPeriodFactory(case=case, worker=regisseur, from_date=dt.date(2026, 1, 5))
    AnalysisFactory(case=case, established_on=dt.date(2026, 2, 1))
    return case


@pytest.fixture
def youth(case):
    return YouthFactory(family=case.family, name="Noor de Jong")


@pytest.fixture
def product():
    return ProductFactory(
        code="AMB-SPEC", name="Specialistische ambulante jeugdhulp", specialist=True
    )


@pytest.fixture
def provider(product, municipality):
    provider = ProviderFactory(ref="p-horizon", name="Jeugdzorg Horizon")
    ContractFactory(provider=provider, product=product, municipalities=[municipality])
    return provider


@pytest.fixture
def other_provider(product, municipality):
    provider = ProviderFactory(ref="p-ander", name="Andere Aanbieder")
    ContractFactory(provider=provider, product=product, municipalities=[municipality])
    return provider


@pytest.fixture
def make_referral(case, youth, product, provider, regisseur):
    def make(send: bool = True, **kwargs):
        referral = services.create_referral(
            case=case,
            youth=youth,
            product=kwargs.pop("product", product),
            provider=kwargs.pop("provider", provider),
            by=services.Actor.regisseur(regisseur),
            question="Hulp bij angst en schoolverzuim.",
        )
        if send:
            referral = services.send_referral(
                referral=referral, by=services.Actor.regisseur(regisseur)
            )
        return referral

    return make


def api_client(provider) -> APIClient:
    _key, secret = ProviderAPIKey.objects.create_key(name="test", provider=provider)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


@pytest.fixture
def api(provider) -> APIClient:
    return api_client(provider)


@pytest.fixture
def foreign_api(other_provider) -> APIClient:
    return api_client(other_provider)


PUBLIC_IP = "93.184.215.14"  # a public address (no network is needed: nothing connects to it)


@pytest.fixture
def resolve(monkeypatch) -> dict[str, list[str]]:
    """DNS answered from a table, {host: [addresses]} (no network in the tests); other hosts
    go to the system's resolver. Both the registration check and the delivery's connect-time
    check ask ``socket.getaddrinfo``."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in table:
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table
