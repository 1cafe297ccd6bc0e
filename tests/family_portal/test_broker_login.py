"""Issue 20 point 1: DigiD for the gezinsportaal through an OpenID Connect broker, against a real
provider (no mock).

The broker is the test identity provider of the workers' single sign-on (django-oauth-toolkit,
``tests/oidc_provider``) in a subprocess, its accounts asserting a ``bsn`` and an ``acr`` as a
DigiD broker does. Each test drives the whole flow over HTTP: our DigiD button, the broker's
authorize endpoint and login form (``requests``), back to our callback (the test client), where
our side fetches the token and the JWKS and the userinfo from the broker.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casusregie import services
from casusregie.models import AccessLogEntry, FamilyAccount, FamilyLoginCode
from casusregie.selectors import SingleSignOnRefused
from family_portal.broker import PURPOSE_BROKER_LOGIN
from family_portal.session import ACCOUNT_KEY, PENDING_KEY
from tests.conftest import verified_login
from tests.factories import CarerFactory, WorkerFactory, synthetic_bsn
from tests.oidc_provider.process import BASE_DIR, log_in_at_provider, running_provider

from .conftest import make_account, years_ago

pytestmark = pytest.mark.django_db

CLIENT_ID = "gezinsportaal-test"
CLIENT_SECRET = "broker-secret-of-this-run"  # noqa: S105 (the test broker's, per run)
REDIRECT_URI = "http://testserver/mijn-gezin/inloggen/digid/terug/"
PASSWORD = "digid-password-123"  # noqa: S105 (an account of the test broker)
MIDDEN = "urn:test:loa:substantial"
HOOG = "urn:test:loa:high"
BASIS = "urn:test:loa:low"
MIRA_BSN = synthetic_bsn(910_001)
NOOR_BSN = synthetic_bsn(910_002)
SEM_BSN = synthetic_bsn(910_003)
UNKNOWN_BSN = synthetic_bsn(910_004)
BROKER_ACCOUNTS = {
    # broker username: (the BSN it asserts, the acr of its login)
    "mira": (MIRA_BSN, MIDDEN),
    "noor": (NOOR_BSN, HOOG),
    "sem": (SEM_BSN, HOOG),
    "onbekend": (UNKNOWN_BSN, MIDDEN),
    "basis": (MIRA_BSN, BASIS),
}
WORKER_PAGE = "/meldingen/"
OTHER_CLAIM = "urn:nl-eid-gdi:1.0:id:BSN"  # the BSN under another claim name, as some brokers


@pytest.fixture(scope="session")
def broker_server(tmp_path_factory):
    accounts = [
        {
            "username": name,
            "password": PASSWORD,
            "email": f"{name}@example.org",
            "claims": {"bsn": bsn, OTHER_CLAIM: bsn, "acr": acr},
        }
        for name, (bsn, acr) in BROKER_ACCOUNTS.items()
    ]
    clients = [
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uri": REDIRECT_URI}
    ]
    with running_provider(
        tmp_path_factory.mktemp("digid-broker"), clients=clients, accounts=accounts
    ) as provider:
        yield provider


@pytest.fixture
def broker(broker_server, settings):
    settings.FAMILY_OIDC_ISSUER = broker_server.issuer
    settings.FAMILY_OIDC_CLIENT_ID = CLIENT_ID
    settings.FAMILY_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.FAMILY_OIDC_ACR_VALUES = [MIDDEN, HOOG]
    settings.FAMILY_OIDC_IDENTIFIER_CLAIM = "bsn"
    settings.FAMILY_OIDC_LABEL = "DigiD"
    return broker_server


@pytest.fixture
def people(mother, youth, little):
    for person, bsn in ((mother, MIRA_BSN), (youth, NOOR_BSN), (little, SEM_BSN)):
        person.bsn = bsn
        person.save()
    return {"mira": mother, "noor": youth, "sem": little}


def start(client) -> str:
    response = client.post(reverse("family-broker-start"))
    assert response.status_code == 302, response
    return response["Location"]


def callback(client, url: str):
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI
    return client.get(f"{parts.path}?{parts.query}")


def digid_login(client, username: str):
    return callback(client, log_in_at_provider(start(client), username, PASSWORD))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture(autouse=True)
def _log(caplog):
    caplog.set_level(logging.DEBUG)


def refusals(caplog) -> list[str]:
    """The reasons of the refusals in the application log (``reason=…``)."""
    return [
        r.getMessage().split("reason=", 1)[1]
        for r in caplog.records
        if r.name == "family_portal.broker" and "reason=" in r.getMessage()
    ]


def assert_refused(client, response, text: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == reverse("family-login")
    assert any(text in m for m in messages_of(response)), messages_of(response)
    assert ACCOUNT_KEY not in client.session
    assert PENDING_KEY not in client.session
    assert client.get(reverse("family-home"))["Location"] == reverse("family-login")


# --- configuration ------------------------------------------------------------------------------


def test_unset_there_is_no_digid_button_and_the_routes_are_404(client, settings):
    settings.FAMILY_OIDC_ISSUER = ""
    page = client.get(reverse("family-login")).content.decode()
    assert "DigiD" not in page
    assert 'name="email"' in page  # the e-mailed link stays
    assert client.post(reverse("family-broker-start")).status_code == 404
    assert (
        client.get(reverse("family-broker-callback"), {"state": "x", "code": "y"}).status_code
        == 404
    )


def _start_up(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FAMILY_OIDC_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(  # noqa: S603 (our own interpreter, no shell)
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_half_configured_broker_stops_start_up_naming_what_is_missing():
    result = _start_up(FAMILY_OIDC_ISSUER="https://makelaar.example/", FAMILY_OIDC_CLIENT_ID="x")
    assert result.returncode != 0
    assert (
        "FAMILY_OIDC_ISSUER is set, but not: FAMILY_OIDC_CLIENT_SECRET, FAMILY_OIDC_ACR_VALUES"
        in result.stderr
    )
    complete = _start_up(
        FAMILY_OIDC_ISSUER="https://makelaar.example/",
        FAMILY_OIDC_CLIENT_ID="x",
        FAMILY_OIDC_CLIENT_SECRET="y",
        FAMILY_OIDC_ACR_VALUES="urn:a,urn:b",
    )
    assert complete.returncode == 0, complete.stderr
    assert "started" in complete.stdout


def test_configured_the_login_page_offers_digid(client, broker):
    page = client.get(reverse("family-login")).content.decode()
    assert "Inloggen met DigiD" in page
    assert f'action="{reverse("family-broker-start")}"' in page


def test_the_start_asks_the_broker_for_the_minimum_level_with_state_nonce_and_pkce(client, broker):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["acr_values"] == [f"{MIDDEN} {HOOG}"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["code_challenge_method"] == ["S256"]
    assert {"state", "nonce", "code_challenge"} <= query.keys()


def test_the_start_is_a_post(client, broker):
    assert client.get(reverse("family-broker-start")).status_code == 405


# --- the whole flow against the real broker -------------------------------------------------------


def test_a_carer_matched_by_bsn_is_logged_in_straight_away(
    client, broker, people, mother_account, caplog
):
    link_sent_before = services.family_link_token(mother_account)
    response = digid_login(client, "mira")
    assert response.status_code == 302
    assert response["Location"] == reverse("family-home")
    assert client.session[ACCOUNT_KEY] == mother_account.pk
    assert "_auth_user_id" not in client.session  # not a Django user
    home = client.get(reverse("family-home"))
    assert home.status_code == 200
    assert "Mira de Jong" in home.content.decode()
    # both factors by DigiD midden: no e-mailed code
    assert not FamilyLoginCode.objects.exists()
    assert mail.outbox == []
    mother_account.refresh_from_db()
    assert len(mother_account.broker_subject) == 64  # a keyed digest, not the subject itself
    assert mother_account.last_login is not None
    assert services.use_family_link(link_sent_before) is None  # last_login voids older links
    entry = AccessLogEntry.objects.get(purpose=PURPOSE_BROKER_LOGIN)
    assert (entry.actor_kind, entry.object_ref, entry.action) == (
        "family",
        mother_account.ref,
        "change",
    )
    assert entry.family_ref == mother_account.family.ref
    assert MIRA_BSN not in caplog.text
    assert MIRA_BSN not in mother_account.broker_subject


def test_a_youths_own_account_is_matched_by_the_youths_bsn(
    client, broker, people, mother_account, youth_account
):
    assert digid_login(client, "noor")["Location"] == reverse("family-home")
    assert client.session[ACCOUNT_KEY] == youth_account.pk


@pytest.mark.parametrize(
    ("claim", "logged_in"),
    [(OTHER_CLAIM, True), ("urn:etoegang:1.9:EntityConcernedID:KvKnr", False)],
)
def test_the_identifier_comes_from_the_configured_claim(
    client, broker, people, mother_account, settings, caplog, claim, logged_in
):
    settings.FAMILY_OIDC_IDENTIFIER_CLAIM = claim
    response = digid_login(client, "mira")
    if logged_in:
        assert response["Location"] == reverse("family-home")
    else:
        assert_refused(client, response, "geen account")
        assert refusals(caplog) == ["no valid BSN asserted"]


def test_a_second_login_is_matched_by_the_subject(client, broker, people, mother_account):
    assert digid_login(client, "mira")["Location"] == reverse("family-home")
    subject = FamilyAccount.objects.get(pk=mother_account.pk).broker_subject
    client.post(reverse("family-logout"))
    people["mira"].bsn = ""  # no BSN to match on any more: only the stored subject
    people["mira"].save()
    assert digid_login(client, "mira")["Location"] == reverse("family-home")
    assert client.session[ACCOUNT_KEY] == mother_account.pk
    assert FamilyAccount.objects.get(pk=mother_account.pk).broker_subject == subject
    assert AccessLogEntry.objects.filter(purpose=PURPOSE_BROKER_LOGIN).count() == 2


def test_a_subject_whose_person_now_has_another_bsn_is_refused(
    client, broker, people, mother_account, caplog
):
    digid_login(client, "mira")
    client.post(reverse("family-logout"))
    people["mira"].bsn = UNKNOWN_BSN
    people["mira"].save()
    assert_refused(client, digid_login(client, "mira"), "geen account")
    assert refusals(caplog) == ["subject and BSN name different people"]


def test_an_unknown_bsn_is_refused_and_no_account_made(
    client, broker, people, mother_account, caplog
):
    count = FamilyAccount.objects.count()
    assert_refused(client, digid_login(client, "onbekend"), "geen account voor het gezinsportaal")
    assert FamilyAccount.objects.count() == count
    assert not FamilyAccount.objects.exclude(broker_subject="").exists()
    assert not AccessLogEntry.objects.filter(purpose=PURPOSE_BROKER_LOGIN).exists()
    assert refusals(caplog) == ["no active account for this BSN"]


def test_an_ended_account_is_refused(client, broker, people, mother_account, caplog):
    digid_login(client, "mira")
    client.post(reverse("family-logout"))
    FamilyAccount.objects.filter(pk=mother_account.pk).update(
        is_active=False, deactivated_at=timezone.now()
    )
    assert_refused(client, digid_login(client, "mira"), "geen account")
    assert refusals(caplog) == ["no active account for this BSN"]


def test_a_person_invited_again_gets_the_subject_of_the_ended_account(
    client, broker, people, mother_account, regisseur
):
    digid_login(client, "mira")
    client.post(reverse("family-logout"))
    FamilyAccount.objects.filter(pk=mother_account.pk).update(
        is_active=False, deactivated_at=timezone.now()
    )
    again = make_account(carer=people["mira"], invited_by=regisseur)
    assert digid_login(client, "mira")["Location"] == reverse("family-home")
    assert client.session[ACCOUNT_KEY] == again.pk
    assert FamilyAccount.objects.get(pk=mother_account.pk).broker_subject == ""


def test_a_youth_under_the_age_limit_is_refused(client, broker, people, regisseur, caplog):
    make_account(youth=people["sem"], invited_by=regisseur)  # 9 years old: never invited so
    assert_refused(client, digid_login(client, "sem"), "te jong")
    assert refusals(caplog) == ["youth under the age limit"]


def test_a_low_acr_is_refused_not_sent_to_the_email_code(
    client, broker, people, mother_account, caplog
):
    """The choice: below FAMILY_OIDC_ACR_VALUES the login is refused; it does not fall back to
    the e-mailed code (the family can still ask for the link by e-mail)."""
    assert_refused(client, digid_login(client, "basis"), "niet het niveau")
    assert refusals(caplog) == ["acr below the minimum"]
    assert not FamilyLoginCode.objects.exists()
    assert mail.outbox == []
    assert FamilyAccount.objects.get(pk=mother_account.pk).broker_subject == ""


def test_a_tampered_state_is_refused(client, broker, people, mother_account, caplog):
    url = log_in_at_provider(start(client), "mira", PASSWORD)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query["state"] = ["een-andere-state"]
    forged = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    assert_refused(client, callback(client, forged), "niet gelukt")
    assert callback(client, url)["Location"] == reverse("family-home")  # the real one, once
    client.post(reverse("family-logout"))
    assert_refused(client, callback(client, url), "niet gelukt")  # a replay
    assert refusals(caplog) == ["unknown state", "unknown state"]


def test_a_callback_in_another_browser_is_refused(client, broker, people, mother_account, caplog):
    url = log_in_at_provider(start(client), "mira", PASSWORD)
    stranger = Client()
    assert_refused(stranger, callback(stranger, url), "niet gelukt")
    assert refusals(caplog) == ["unknown state"]


def test_an_expired_state_is_refused(client, broker, people, mother_account, settings, caplog):
    url = log_in_at_provider(start(client), "mira", PASSWORD)
    settings.OIDC_STATE_MAX_AGE = -1
    assert_refused(client, callback(client, url), "niet gelukt")
    assert refusals(caplog) == ["state expired"]


def test_a_broker_that_does_not_answer_is_refused_before_leaving(client, broker, settings, caplog):
    settings.FAMILY_OIDC_ISSUER = "http://127.0.0.1:9/geen-makelaar"
    response = client.post(reverse("family-broker-start"))
    assert response["Location"] == reverse("family-login")
    assert any("lukt nu niet" in m for m in messages_of(response))
    assert "family broker login unavailable: discovery failed" in caplog.text


def test_with_production_a_broker_over_http_is_refused_before_leaving(
    client, broker, settings, caplog
):
    settings.PRODUCTION = True
    response = client.post(reverse("family-broker-start"))
    assert response["Location"] == reverse("family-login")
    assert any("lukt nu niet" in m for m in messages_of(response))
    assert "family broker login unavailable: not https" in caplog.text


def test_a_state_the_workers_login_started_logs_no_family_in(client, broker, people, caplog):
    """The workers' single sign-on keeps its states under the same session key; the family
    callback takes only the states its own start marked."""
    session = client.session
    session["oidc_states"] = {
        "van-een-medewerker": {"nonce": "n", "code_verifier": None, "added_on": time.time()}
    }
    session.save()
    response = client.get(
        reverse("family-broker-callback"), {"state": "van-een-medewerker", "code": "c"}
    )
    assert_refused(client, response, "niet gelukt")
    assert refusals(caplog) == ["unknown state"]
    assert "van-een-medewerker" in client.session["oidc_states"]  # left for the workers' login


def test_a_worker_session_is_untouched(broker, people, mother_account):
    worker = WorkerFactory()
    at_work = verified_login(Client(), worker)
    before = at_work.session.session_key
    family = Client()
    assert digid_login(family, "mira")["Location"] == reverse("family-home")
    assert "_auth_user_id" not in family.session
    assert family.get(WORKER_PAGE)["Location"].startswith(reverse("login"))
    assert at_work.session.session_key == before
    assert int(at_work.session["_auth_user_id"]) == worker.pk
    assert at_work.get(WORKER_PAGE).status_code == 200
    assert ACCOUNT_KEY not in at_work.session


def test_in_a_workers_browser_the_family_login_starts_a_fresh_session(
    client, broker, people, mother_account
):
    """As the e-mailed link does: the worker's login does not carry over into the family's."""
    verified_login(client, WorkerFactory())
    assert digid_login(client, "mira")["Location"] == reverse("family-home")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("family-home")).status_code == 200


def test_no_bsn_in_a_url_or_a_log_line(client, broker, people, mother_account, caplog):
    urls = [start(client)]
    urls.append(log_in_at_provider(urls[0], "mira", PASSWORD))
    urls.append(callback(client, urls[1])["Location"])
    refused = Client()
    urls.append(digid_login(refused, "onbekend")["Location"])
    assert all(bsn not in url for url in urls for bsn in (MIRA_BSN, UNKNOWN_BSN))
    assert MIRA_BSN not in caplog.text
    assert UNKNOWN_BSN not in caplog.text
    assert "family broker login refused" in caplog.text


# --- the match, without the broker --------------------------------------------------------------


def test_two_accounts_with_the_bsn_are_refused(people, mother_account, regisseur):
    """The same carer registered in two families, each with an account: which one is unclear."""
    elsewhere = CarerFactory(bsn=MIRA_BSN)
    make_account(carer=elsewhere, invited_by=regisseur)
    with pytest.raises(SingleSignOnRefused) as refused:
        services.family_account_for_broker(issuer="https://a/", subject="s-1", identifier=MIRA_BSN)
    assert refused.value.reason == "more than one account for this BSN"
    assert not FamilyAccount.objects.exclude(broker_subject="").exists()


def test_a_subject_counts_only_for_the_broker_that_gave_it(people, mother_account):
    account = services.family_account_for_broker(
        issuer="https://a/", subject="s-1", identifier=MIRA_BSN
    )
    assert account == mother_account
    assert account.broker_subject == services.broker_subject_key("https://a/", "s-1")
    people["mira"].bsn = ""
    people["mira"].save()
    with pytest.raises(SingleSignOnRefused) as refused:
        services.family_account_for_broker(issuer="https://b/", subject="s-1", identifier="")
    assert refused.value.reason == "no valid BSN asserted"
    again = services.family_account_for_broker(issuer="https://a/", subject="s-1", identifier="")
    assert again == mother_account


def test_a_youth_of_12_to_15_logs_in_only_with_the_recorded_reason(people, regisseur):
    people["noor"].birth_date = years_ago(14)
    people["noor"].save()
    account = make_account(youth=people["noor"], invited_by=regisseur)
    with pytest.raises(SingleSignOnRefused) as refused:
        services.family_account_for_broker(issuer="https://a/", subject="s-2", identifier=NOOR_BSN)
    assert refused.value.reason == "youth under the age limit"
    FamilyAccount.objects.filter(pk=account.pk).update(early_reason="wilsbekwaam, wil meelezen")
    assert (
        services.family_account_for_broker(issuer="https://a/", subject="s-2", identifier=NOOR_BSN)
        == account
    )
