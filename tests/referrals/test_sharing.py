"""Consent at the moment of referral (issue 18, point 3): the wizard asks per referral whether
the family consents to sharing the analysis (and the plan's goals) and its contact details with
the provider, records it in the send's transaction, and the family page shows what was shared;
the provider API gives the carers' contact details only with that consent, and a withdrawal
takes effect at the next read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analyses.models import Analysis
from casusregie.models import AccessLogEntry, Consent, ConsentPurpose
from referrals import services
from referrals.models import Referral
from tests.conftest import verified_login
from tests.factories import CarerFactory, WorkerFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/referrals/"


@pytest.fixture
def carers(case):
    return [
        CarerFactory(
            family=case.family, name="Anna de Jong", phone="0612345678", email="anna@example.org"
        ),
        CarerFactory(family=case.family, name="Bram de Jong", phone="", email=""),
    ]


def send(client, regisseur, case, youth, product, provider, **consent):
    verified_login(client, regisseur)
    data = {"youth": youth.ref, "product": product.pk, "provider": provider.pk, "question": "Hulp"}
    data |= {name: "on" for name, ticked in consent.items() if ticked}
    return client.post(reverse("referral-wizard", args=[case.family.ref]), data)


def consents(case) -> list[tuple[str, int, dt.date, int]]:
    return sorted(
        (c.purpose, c.provider_id, c.given_on, c.recorded_by_id)
        for c in Consent.objects.filter(case=case)
    )


# -- the wizard ---------------------------------------------------------------------------------
def test_the_wizard_asks_the_consent_beside_each_proposal(
    client, regisseur, case, youth, product, provider
):
    verified_login(client, regisseur)
    page = client.get(
        reverse("referral-wizard", args=[case.family.ref]),
        {"youth": youth.ref, "product": product.pk},
    ).content.decode()
    assert 'name="share_analysis"' in page and 'name="share_contact"' in page
    assert "Het gezin geeft toestemming om zijn contactgegevens" in page


def test_ticked_consent_is_recorded_with_the_provider_today_by_the_regisseur(
    client, regisseur, case, youth, product, provider
):
    response = send(
        client, regisseur, case, youth, product, provider, share_analysis=True, share_contact=True
    )
    assert response.status_code == 302
    today = timezone.localdate()
    assert consents(case) == [
        (ConsentPurpose.SHARE_ANALYSIS, provider.pk, today, regisseur.pk),
        (ConsentPurpose.SHARE_CONTACT, provider.pk, today, regisseur.pk),
    ]
    assert Referral.objects.get(case=case).status == "sent"
    page = client.get(response["Location"]).content.decode()
    assert f"Met toestemming van het gezin gedeeld met {provider.name}" in page


def test_only_what_is_ticked_is_recorded(client, regisseur, case, youth, product, provider):
    send(client, regisseur, case, youth, product, provider, share_analysis=True)
    assert [c[0] for c in consents(case)] == [ConsentPurpose.SHARE_ANALYSIS]


def test_nothing_ticked_records_no_consent(client, regisseur, case, youth, product, provider):
    assert send(client, regisseur, case, youth, product, provider).status_code == 302
    assert consents(case) == []


def test_a_refused_send_leaves_no_consent_behind(client, regisseur, case, youth, product, provider):
    """The consent is recorded in the send's transaction: the send refused (no established
    analysis), neither the referral nor the consent stays."""
    Analysis.objects.filter(case=case).update(status="draft", established_on=None)
    response = send(
        client, regisseur, case, youth, product, provider, share_analysis=True, share_contact=True
    )
    assert response.status_code == 409
    assert not Referral.objects.exists()
    assert consents(case) == []


def test_a_consent_in_force_is_not_recorded_twice(
    client, regisseur, case, youth, product, provider
):
    send(client, regisseur, case, youth, product, provider, share_analysis=True)
    send(client, regisseur, case, youth, product, provider, share_analysis=True)
    assert Referral.objects.filter(case=case).count() == 2
    assert len(consents(case)) == 1


def test_only_the_current_regisseur_records_the_consent(make_referral, case, worker_of_team):
    referral = make_referral(send=False)
    with pytest.raises(services.NotAllowed):
        services.record_sharing_consent(
            referral=referral,
            by=services.Actor.regisseur(worker_of_team),
            analysis=True,
            contact=True,
        )
    assert consents(case) == []


@pytest.fixture
def worker_of_team(regisseur):
    return WorkerFactory(local_team=regisseur.local_team)


def test_the_database_refuses_sharing_without_a_provider(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(
            case=case, purpose=ConsentPurpose.SHARE_CONTACT, given_on=dt.date(2026, 2, 1)
        )


# -- what the family page shows -----------------------------------------------------------------
def test_the_family_page_shows_what_was_shared_since_when_and_the_withdrawal(
    client, regisseur, case, youth, product, provider
):
    send(client, regisseur, case, youth, product, provider, share_analysis=True)
    url = reverse("family-detail", args=[case.family.ref])
    page = client.get(url).content.decode()
    today = timezone.localdate()
    referral = Referral.objects.get(case=case)
    item = page[page.index(f'id="verwijzing-{referral.ref}"') :]
    item = item[: item.index("</li>")]
    assert "Gedeeld met de aanbieder" in item
    since = f"gedeeld sinds {today.day} "
    assert item.count(since) == 1  # the analysis, not the contact details
    assert "niet gedeeld (geen toestemming)" in item

    consent = Consent.objects.get(case=case, purpose=ConsentPurpose.SHARE_ANALYSIS)
    client.post(reverse("family-consent-withdraw", args=[case.family.ref, consent.pk]))
    page = client.get(url).content.decode()
    item = page[page.index(f'id="verwijzing-{referral.ref}"') :]
    item = item[: item.index("</li>")]
    assert since not in item
    assert "niet meer gedeeld: toestemming van" in item and "ingetrokken op" in item


# -- the provider API ---------------------------------------------------------------------------
def record(case, provider, purpose, given_on=dt.date(2026, 2, 1), withdrawn_on=None) -> Consent:
    return Consent.objects.create(
        case=case, provider=provider, purpose=purpose, given_on=given_on, withdrawn_on=withdrawn_on
    )


def test_without_consent_the_provider_gets_no_family_contact(api, make_referral, carers):
    referral = make_referral()
    body = api.get(f"{BASE}{referral.ref}/").json()
    assert body["family_contact"] is None
    assert "Anna de Jong" not in str(body) and "0612345678" not in str(body)


def test_with_consent_the_provider_gets_the_carers_contact(
    api, make_referral, case, provider, carers
):
    referral = make_referral()
    record(case, provider, ConsentPurpose.SHARE_CONTACT)
    body = api.get(f"{BASE}{referral.ref}/").json()
    assert body["family_contact"] == [
        {"name": "Anna de Jong", "phone": "0612345678", "email": "anna@example.org"},
        {"name": "Bram de Jong", "phone": "", "email": ""},
    ]
    assert body["analysis"] is None  # the contact details' consent does not share the analysis
    # the carers' contact details read are in the access log
    logged = set(
        AccessLogEntry.objects.filter(actor_kind="provider", object_type="carer").values_list(
            "object_ref", flat=True
        )
    )
    assert logged == {c.ref for c in carers}


def test_another_providers_consent_shares_nothing_with_this_one(
    api, make_referral, case, other_provider, carers
):
    referral = make_referral()
    record(case, other_provider, ConsentPurpose.SHARE_CONTACT)
    record(case, other_provider, ConsentPurpose.SHARE_ANALYSIS)
    body = api.get(f"{BASE}{referral.ref}/").json()
    assert (body["analysis"], body["family_contact"]) == (None, None)


@pytest.mark.parametrize(
    "given, withdrawn, shared",
    [
        (0, None, True),  # given today
        (1, None, False),  # given tomorrow: not yet
        (-30, 1, True),  # the day before the withdrawal
        (-30, 0, False),  # the day of the withdrawal: at once
        (-30, -1, False),  # the day after
    ],
)
def test_the_contact_follows_the_consent_day_by_day(
    api, make_referral, case, provider, carers, given, withdrawn, shared
):
    today = timezone.localdate()
    referral = make_referral()
    record(
        case,
        provider,
        ConsentPurpose.SHARE_CONTACT,
        given_on=today + dt.timedelta(days=given),
        withdrawn_on=None if withdrawn is None else today + dt.timedelta(days=withdrawn),
    )
    body = api.get(f"{BASE}{referral.ref}/").json()
    assert (body["family_contact"] is not None) == shared


def test_a_withdrawal_on_the_family_page_hides_analysis_and_contact_at_the_next_read(
    client, api, regisseur, case, youth, product, provider, carers
):
    send(client, regisseur, case, youth, product, provider, share_analysis=True, share_contact=True)
    referral = Referral.objects.get(case=case)
    body = api.get(f"{BASE}{referral.ref}/").json()
    assert body["analysis"]["status"] == "established"
    assert [c["name"] for c in body["family_contact"]] == ["Anna de Jong", "Bram de Jong"]

    for consent in Consent.objects.filter(case=case):
        response = client.post(
            reverse("family-consent-withdraw", args=[case.family.ref, consent.pk])
        )
        assert response.status_code == 302
    body = api.get(f"{BASE}{referral.ref}/").json()
    assert (body["analysis"], body["family_contact"]) == (None, None)
    listed = api.get(BASE).json()["results"][0]
    assert (listed["analysis"], listed["family_contact"]) == (None, None)


def test_shared_contact_costs_one_query_however_many_referrals(
    api, make_referral, case, provider, carers, django_assert_num_queries
):
    """The key, the page (consents as subqueries), the carers of the consenting families (one
    query), the access log (the entries, the chain's seal)."""
    make_referral()
    record(case, provider, ConsentPurpose.SHARE_CONTACT)
    with django_assert_num_queries(5):
        assert api.get(BASE).json()["results"][0]["family_contact"]
    for _ in range(4):
        make_referral()
    CarerFactory(family=case.family)
    with CaptureQueriesContext(connection) as many:
        results = api.get(BASE).json()["results"]
    assert len(results) == 5 and all(len(r["family_contact"]) == 3 for r in results)
    assert len(many) == 5
