import pytest


@pytest.fixture
def make_referral_for_log(db):
    """A sent referral and an API client of its provider (reusing the referrals fixtures)."""
    import datetime as dt

    from referrals import services
    from tests.factories import (
        AnalysisFactory,
        CaseFactory,
        ContractFactory,
        ProductFactory,
        RegisseurPeriodFactory,
        WorkerFactory,
        YouthFactory,
    )
    from tests.referrals.conftest import api_client

    regisseur = WorkerFactory()
    case = CaseFactory(local_team=regisseur.local_team, opened_on=dt.date(2026, 1, 5))
    RegisseurPeriodFactory(case=case, worker=regisseur)
    AnalysisFactory(case=case)
    contract = ContractFactory(product=ProductFactory(), municipalities=[case.family.municipality])
    referral = services.create_referral(
        case=case,
        youth=YouthFactory(family=case.family),
        product=contract.product,
        provider=contract.provider,
        by=services.Actor.regisseur(regisseur),
    )
    referral = services.send_referral(referral=referral, by=services.Actor.regisseur(regisseur))
    return api_client(contract.provider), referral
