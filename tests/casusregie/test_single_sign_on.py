"""Single sign-on over OpenID Connect, against a real provider (no mock).

The provider is django-oauth-toolkit in OpenID Connect mode, its own small Django project
(``tests/oidc_provider``) started in a subprocess on a free localhost port for the test
session. Each test drives the whole authorization-code flow over HTTP: our login button, the
provider's authorize endpoint and login form (``requests``), back to our ``/oidc/callback/``
(the test client), where our side fetches the token, the JWKS and the userinfo from the
provider over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from axes.models import AccessLog
from django.contrib.messages import get_messages
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.models import IdentityProvider, MatchField, SingleSignOnDevice
from casusregie.oidc import WorkerOIDCBackend, provider_settings
from casusregie.selectors import SingleSignOnRefused, second_factor_asserted, worker_for_identity
from casusregie.views.accounts import SINGLE_SIGN_ON_SESSION_KEY
from tests.factories import LocalTeamFactory, MunicipalityFactory, WorkerFactory

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]
CLIENT_ID = "casusregie-test"
CLIENT_SECRET = "test-client-secret-of-this-run"  # noqa: S105 (the test provider's, per run)
SECRET_VARIABLE = "OIDC_CLIENT_SECRET_TEST"  # noqa: S105 (a name)
REDIRECT_URI = "http://testserver/oidc/callback/"
OTHER_CLIENT_ID = "een-ander-systeem"  # another application of the same provider
OTHER_REDIRECT_URI = "http://ander-systeem.example/terug/"
PASSWORD = "provider-password-123"  # noqa: S105 (an account of the test provider)
NEXT = "/meldingen/"
ACCOUNTS = {
    # provider username: (e-mail at the provider, second factor at the provider)
    "anna": ("Anna.Regisseur@Example.ORG", True),
    "bram": ("bram@example.org", False),
    "onbekend": ("niemand@example.org", True),
    "chris": ("chris@example.org", True),
    "root": ("root@example.org", True),
    "slapend": ("slapend@example.org", True),
}


@dataclass(frozen=True)
class Provider:
    issuer: str
    base: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc-provider")
    port = _free_port()
    config = {
        "port": port,
        "database": str(folder / "provider.sqlite3"),
        "clients": [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uri": REDIRECT_URI},
            {
                "client_id": OTHER_CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": OTHER_REDIRECT_URI,
            },
        ],
        "accounts": [
            {"username": name, "password": PASSWORD, "email": email, "mfa": mfa}
            for name, (email, mfa) in ACCOUNTS.items()
        ],
    }
    (folder / "config.json").write_text(json.dumps(config))
    log = (folder / "provider.log").open("w")
    process = subprocess.Popen(  # noqa: S603 (our own module, no shell)
        [sys.executable, "-m", "tests.oidc_provider.serve", str(folder / "config.json")],
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    discovery = f"{base}/o/.well-known/openid-configuration"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(discovery, timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the test identity provider did not start:\n" + log.name)
        time.sleep(0.3)
    yield Provider(issuer=requests.get(discovery, timeout=5).json()["issuer"], base=base)
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def municipality():
    return MunicipalityFactory(code="GM0599", name="Rotterdam")


@pytest.fixture
def provider(oidc_server, municipality, monkeypatch, settings) -> IdentityProvider:
    monkeypatch.setenv(SECRET_VARIABLE, CLIENT_SECRET)
    return IdentityProvider.objects.create(
        name="Gemeente Rotterdam",
        slug="rotterdam",
        municipality=municipality,
        issuer=oidc_server.issuer,
        client_id=CLIENT_ID,
        client_secret_variable=SECRET_VARIABLE,
        mfa_amr_values="mfa otp",
    )


@pytest.fixture
def workers(municipality):
    team = LocalTeamFactory(municipalities=[municipality])
    elsewhere = LocalTeamFactory(municipalities=[MunicipalityFactory(code="GM0606")])
    return {
        "anna": WorkerFactory(username="anna", email="anna.regisseur@example.org", local_team=team),
        "bram": WorkerFactory(username="bram", email="bram@example.org", local_team=team),
        "chris": WorkerFactory(username="chris", email="chris@example.org", local_team=elsewhere),
        "root": WorkerFactory(
            username="root", email="root@example.org", local_team=team, is_superuser=True
        ),
        "slapend": WorkerFactory(
            username="slapend", email="slapend@example.org", local_team=team, is_active=False
        ),
    }


def start(client, slug: str = "rotterdam") -> str:
    """Our side: the login page's button. Returns the provider's authorize URL."""
    response = client.post(reverse("oidc-start"), {"provider": slug, "next": NEXT})
    assert response.status_code == 302, response
    return response["Location"]


def at_the_provider(authorize_url: str, username: str) -> str:
    """The provider's side, over HTTP: its login form, then back. Returns our callback URL."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    login_url = urljoin(authorize_url, response.headers["Location"])
    form = browser.get(login_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', form.text).group(1).replace("&amp;", "&")
    response = browser.post(
        login_url,
        {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD, "next": nxt},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    response = browser.get(
        urljoin(login_url, response.headers["Location"]), allow_redirects=False, timeout=10
    )
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def callback(client, url: str):
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI
    return client.get(f"{parts.path}?{parts.query}")


def sso_login(client, username: str, slug: str = "rotterdam"):
    return callback(client, at_the_provider(start(client, slug), username))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_refused(client, response, text: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert any(text in m for m in messages_of(response)), messages_of(response)
    assert "_auth_user_id" not in client.session
    assert client.get(NEXT)["Location"].startswith(reverse("login"))


# --- the login page -------------------------------------------------------------------------


def test_the_login_page_offers_the_organisation_account_only_when_configured(client, provider):
    assert "Inloggen met uw organisatie-account (Gemeente Rotterdam)" in client.get(
        reverse("login")
    ).content.decode("utf-8")
    provider.is_active = False
    provider.save()
    page = client.get(reverse("login")).content.decode()
    assert "organisatie-account" not in page
    assert 'name="password"' in page  # the local password stays


def test_the_login_page_reads_the_providers_in_one_query(
    client, provider, django_assert_num_queries
):
    IdentityProvider.objects.create(
        name="Gemeente Schiedam",
        slug="schiedam",
        municipality=MunicipalityFactory(code="GM0606"),
        issuer="https://login.schiedam.example/",
        client_id="x",
        client_secret_variable="OIDC_CLIENT_SECRET_SCHIEDAM",
    )
    with django_assert_num_queries(1):
        page = client.get(reverse("login")).content.decode()
    assert page.count('name="provider"') == 2


# --- the whole flow against the real provider -------------------------------------------------


def test_a_second_factor_asserted_by_the_provider_skips_the_totp_step(client, provider, workers):
    response = sso_login(client, "anna")
    assert response.status_code == 302
    assert response["Location"] == NEXT
    assert int(client.session["_auth_user_id"]) == workers["anna"].pk
    device = SingleSignOnDevice.objects.get(user=workers["anna"], identity_provider=provider)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(NEXT).status_code == 200  # a worker page: verified
    assert not device.verify_token("000000")  # it never accepts a code
    # attributable as the password login is: django-axes' access log
    assert AccessLog.objects.filter(username="anna", path_info="/oidc/callback/").count() == 1


def test_without_a_second_factor_the_local_totp_step_is_still_asked(client, provider, workers):
    device = TOTPDevice.objects.create(user=workers["bram"], name="telefoon", confirmed=True)
    response = sso_login(client, "bram")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('otp-verify')}?{urlencode({'next': NEXT})}"
    assert int(client.session["_auth_user_id"]) == workers["bram"].pk
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.session[SINGLE_SIGN_ON_SESSION_KEY] == "rotterdam"  # for a first enrolment
    assert client.get(NEXT)["Location"].startswith(reverse("otp-verify"))
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    verify = client.post(reverse("otp-verify"), {"token": f"{totp.token():06d}", "next": NEXT})
    assert verify["Location"] == NEXT
    assert client.get(NEXT).status_code == 200
    assert not SingleSignOnDevice.objects.exists()


def test_after_single_sign_on_a_first_authenticator_is_linked_without_an_enrolment_code(
    client, provider, workers
):
    """Issue 17 point 5: the organisation's single sign-on stands in for the enrolment code."""
    provider.mfa_amr_values = provider.mfa_acr_values = ""  # the provider asserts no MFA
    provider.save()
    response = sso_login(client, "anna")
    assert response["Location"].startswith(reverse("otp-setup"))
    page = client.get(response["Location"]).content.decode()
    assert 'name="enrolment_code"' not in page  # straight to the QR code
    device = TOTPDevice.objects.get(user=workers["anna"], confirmed=False)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    linked = client.post(reverse("otp-setup"), {"token": f"{totp.token():06d}", "next": NEXT})
    assert linked["Location"] == NEXT
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(NEXT).status_code == 200


def test_the_providers_mfa_counts_only_for_the_values_configured(client, provider, workers):
    provider.mfa_amr_values = ""  # amr "mfa" no longer counts …
    provider.mfa_acr_values = "urn:test:loa:high"
    provider.save()
    response = sso_login(client, "anna")
    assert response["Location"].startswith(reverse("otp-setup"))  # no authenticator yet
    client.post(reverse("logout"))
    provider.mfa_acr_values = "urn:test:loa:substantial"  # … the provider's acr does
    provider.save()
    assert sso_login(client, "anna")["Location"] == NEXT


def test_an_unknown_account_is_refused_and_no_worker_created(client, provider, workers):
    count = type(workers["anna"]).objects.count()
    response = sso_login(client, "onbekend")
    assert_refused(client, response, "geen medewerker van Casusregie bekend")
    assert type(workers["anna"]).objects.count() == count


def test_a_worker_of_another_organisation_is_refused(client, provider, workers):
    assert_refused(client, sso_login(client, "chris"), "hoort niet bij de organisatie")


def test_a_superuser_is_refused(client, provider, workers):
    assert_refused(client, sso_login(client, "root"), "wachtwoord en authenticator-app")


def test_an_inactive_worker_is_refused(client, provider, workers):
    assert_refused(client, sso_login(client, "slapend"), "geen medewerker")


def test_a_token_of_another_issuer_is_refused(client, provider, workers, oidc_server):
    provider.issuer = f"{oidc_server.base}/een-andere-issuer"
    provider.authorization_endpoint = f"{oidc_server.base}/o/authorize/"
    provider.token_endpoint = f"{oidc_server.base}/o/token/"
    provider.userinfo_endpoint = f"{oidc_server.base}/o/userinfo/"
    provider.jwks_uri = f"{oidc_server.base}/o/.well-known/jwks.json"
    provider.save()
    assert_refused(client, sso_login(client, "anna"), "niet gelukt")


def test_a_discovery_document_of_another_issuer_is_refused(client, provider, oidc_server):
    provider.issuer = f"{oidc_server.issuer}/"  # the same document says ".../o", not ".../o/"
    provider.save()
    response = client.post(reverse("oidc-start"), {"provider": "rotterdam", "next": NEXT})
    assert response["Location"] == reverse("login")
    assert any("lukt nu niet" in m for m in messages_of(response))


def test_an_id_token_for_another_client_is_refused(provider, workers, oidc_server):
    """A real ID token the provider signed for another application (same issuer, same keys,
    the right nonce) is not a login to Casusregie: its audience is the other client."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": OTHER_CLIENT_ID,
        "redirect_uri": OTHER_REDIRECT_URI,
        "scope": "openid email",
        "state": "s",
        "nonce": "n-1",
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
    }
    back = at_the_provider(f"{oidc_server.base}/o/authorize/?{urlencode(query)}", "anna")
    code = parse_qs(urlsplit(back).query)["code"][0]
    token = requests.post(
        f"{oidc_server.base}/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": OTHER_REDIRECT_URI,
            "client_id": OTHER_CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code_verifier": verifier,
        },
        timeout=10,
    ).json()["id_token"]
    backend = WorkerOIDCBackend()
    backend.configure(provider, provider_settings(provider))
    with pytest.raises(SingleSignOnRefused) as refused:
        backend.verify_token(token, nonce="n-1")
    assert refused.value.reason == "ID token for another client"
    backend.OIDC_RP_CLIENT_ID = OTHER_CLIENT_ID  # the same token, for its own client: valid
    assert backend.verify_token(token, nonce="n-1")["aud"] == OTHER_CLIENT_ID


def test_a_wrong_state_is_refused(client, provider, workers):
    url = at_the_provider(start(client), "anna")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query["state"] = ["een-andere-state"]
    forged = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    assert_refused(client, callback(client, forged), "niet gelukt")
    assert callback(client, url)["Location"] == NEXT  # the real one still works, once
    client.post(reverse("logout"))
    assert callback(client, url)["Location"] == reverse("login")  # a replay is refused


def test_a_callback_in_another_browser_is_refused(client, provider, workers):
    url = at_the_provider(start(client), "anna")
    stranger = Client()
    assert_refused(stranger, callback(stranger, url), "niet gelukt")


def test_an_expired_state_is_refused(client, provider, workers, settings):
    url = at_the_provider(start(client), "anna")
    settings.OIDC_STATE_MAX_AGE = 0
    time.sleep(0.01)
    assert_refused(client, callback(client, url), "niet gelukt")


def test_a_missing_client_secret_stops_before_the_provider(client, provider, monkeypatch):
    monkeypatch.delenv(SECRET_VARIABLE)
    response = client.post(reverse("oidc-start"), {"provider": "rotterdam", "next": NEXT})
    assert response["Location"] == reverse("login")
    assert any("lukt nu niet" in m for m in messages_of(response))


def test_an_unknown_provider_is_refused(client, provider):
    response = client.post(reverse("oidc-start"), {"provider": "elders"})
    assert response["Location"] == reverse("login")
    assert any("geen inloggen" in m for m in messages_of(response))


# --- the rules, without the provider ----------------------------------------------------------


def test_the_secret_variable_must_be_an_oidc_secret(municipality):
    """The admin cannot make the server send SECRET_KEY (or any other secret) to an issuer."""
    with pytest.raises(IntegrityError):
        IdentityProvider.objects.create(
            name="x",
            slug="x",
            municipality=municipality,
            issuer="https://idp.example/",
            client_id="x",
            client_secret_variable="SECRET_KEY",
        )


def test_matching_on_a_claim_other_than_the_email(municipality, workers):
    provider = IdentityProvider(
        municipality=municipality,
        match_claim="preferred_username",
        match_field=MatchField.USERNAME,
    )
    assert worker_for_identity(provider, {"preferred_username": "BRAM"}) == workers["bram"]
    with pytest.raises(SingleSignOnRefused):
        worker_for_identity(provider, {"email": "bram@example.org"})  # the claim is missing


def test_two_workers_with_one_email_are_refused(municipality, workers):
    WorkerFactory(email="BRAM@example.org", local_team=workers["bram"].local_team)
    provider = IdentityProvider(municipality=municipality)
    with pytest.raises(SingleSignOnRefused) as refused:
        worker_for_identity(provider, {"email": "bram@example.org"})
    assert refused.value.reason == "more than one worker"


def test_an_unverified_email_is_refused(municipality, workers):
    provider = IdentityProvider(municipality=municipality)
    with pytest.raises(SingleSignOnRefused):
        worker_for_identity(provider, {"email": "bram@example.org", "email_verified": False})
    assert worker_for_identity(provider, {"email": "bram@example.org", "email_verified": True})


@pytest.mark.parametrize(
    ("claims", "verified"),
    [
        ({"amr": ["pwd"]}, False),
        ({"amr": ["pwd", "otp"]}, True),
        ({"amr": "mfa"}, False),  # not a list: not trusted
        ({"acr": "urn:loa:high"}, True),
        ({"acr": "urn:loa:low"}, False),
        ({}, False),
    ],
)
def test_which_claims_count_as_a_second_factor(claims, verified):
    provider = IdentityProvider(mfa_amr_values="mfa otp", mfa_acr_values="urn:loa:high")
    assert second_factor_asserted(provider, claims) is verified
