"""Point 1: who logs in. The regisseur invites a carer with gezag or a youth from 16 (from 12
with a reason, logged); a link by e-mail (short-lived, used once), then a code by e-mail."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from casusregie import services
from casusregie.models import AccessLogEntry, CarerRelation, FamilyAccount, FamilyLoginCode
from tests.conftest import verified_login
from tests.factories import CarerFactory, WorkerFactory, YouthFactory

from .conftest import years_ago

pytestmark = pytest.mark.django_db


def invite(case, by, **kwargs):
    return services.invite_family_member(case=case, by=by, **kwargs)


def link_token(message) -> str:
    return re.search(r"sleutel=([A-Za-z0-9_-]+)", message.body).group(1)


def code_in(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_the_regisseur_invites_a_carer_with_gezag_by_email(
    case, regisseur, mother, youth, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account = invite(case, regisseur, carer=mother, email=mother.email)
    [message] = mail.outbox
    assert message.to == ["mira@example.org"]
    assert "/mijn-gezin/inloggen/link/?sleutel=" in message.body
    entry = AccessLogEntry.objects.get(object_type="family_account")
    assert (entry.object_ref, entry.action) == (account.ref, "change")
    assert entry.actor.startswith(regisseur.ref)


def test_a_carer_without_gezag_is_refused(case, regisseur, youth):
    father = CarerFactory(family=case.family, email="v@example.org")
    CarerRelation.objects.create(carer=father, youth=youth, relation="father", has_gezag=False)
    with pytest.raises(ValidationError, match="gezag"):
        invite(case, regisseur, carer=father, email=father.email)


def test_only_the_current_regisseur_invites(case, mother, youth):
    colleague = WorkerFactory(local_team=case.local_team)
    with pytest.raises(ValidationError, match="regisseur"):
        invite(case, colleague, carer=mother, email=mother.email)


@pytest.mark.parametrize(
    "born, reason, ok",
    [
        (years_ago(16), "", True),  # the 16th birthday today
        (years_ago(16, days=-1), "", False),  # 16 tomorrow
        (years_ago(16, days=-1), "wil zelf meelezen, wilsbekwaam", True),
        (years_ago(12), "wilsbekwaam", True),  # 12 today
        (years_ago(12, days=-1), "wilsbekwaam", False),  # 12 tomorrow
    ],
)
def test_youths_from_16_and_from_12_with_a_reason(case, regisseur, born, reason, ok):
    youth = YouthFactory(family=case.family, birth_date=born)
    if not ok:
        with pytest.raises(ValidationError):
            invite(case, regisseur, youth=youth, email="y@example.org", early_reason=reason)
        return
    account = invite(case, regisseur, youth=youth, email="y@example.org", early_reason=reason)
    entry = AccessLogEntry.objects.get(object_ref=account.ref)
    assert (reason in entry.purpose) if reason and account.early_reason else True


def test_one_active_account_per_person(case, regisseur, mother, youth):
    invite(case, regisseur, carer=mother, email=mother.email)
    with pytest.raises(ValidationError, match="al een account"):
        invite(case, regisseur, carer=mother, email=mother.email)


def test_the_worker_page_invites_and_shows_the_account(
    client, case, regisseur, mother, youth, django_capture_on_commit_callbacks
):
    verified_login(client, regisseur)
    url = reverse("family-portal-invite", args=[case.family.ref])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"person": f"carer:{mother.ref}", "email": ""})
    assert response.status_code == 302
    assert FamilyAccount.objects.get().email == mother.email  # the carer's own address
    page = client.get(reverse("family-portal-worker", args=[case.family.ref])).content.decode()
    assert "Mira de Jong" in page and "uitgenodigd" in page


def _invited(case, regisseur, mother, capture):
    with capture(execute=True):
        account = invite(case, regisseur, carer=mother, email=mother.email)
    return account, link_token(mail.outbox[-1])


def test_link_then_code_logs_in_and_the_link_works_once(
    client, case, regisseur, mother, youth, django_capture_on_commit_callbacks
):
    account, token = _invited(case, regisseur, mother, django_capture_on_commit_callbacks)
    link = reverse("family-link")
    # a GET (a mail scanner opening the link) spends nothing
    assert client.get(link, {"sleutel": token}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"sleutel": token})
    assert response["Location"] == reverse("family-code")
    code = code_in(mail.outbox[-1])
    assert client.get(reverse("family-home")).status_code == 302  # not yet: the code is due
    response = client.post(reverse("family-code"), {"code": code})
    assert response["Location"] == reverse("family-home")
    assert client.get(reverse("family-home")).status_code == 200
    # the same link again: spent
    assert client.post(link, {"sleutel": token}).status_code == 400
    # and the code is spent too
    client.post(reverse("family-logout"))
    assert client.post(reverse("family-code"), {"code": code}).status_code == 302


def test_a_link_expires(
    client,
    case,
    regisseur,
    mother,
    youth,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    _account, token = _invited(case, regisseur, mother, django_capture_on_commit_callbacks)
    later = time.time() + settings.SESAME_MAX_AGE + 1
    monkeypatch.setattr("sesame.tokens_v2.time.time", lambda: later)
    assert client.post(reverse("family-link"), {"sleutel": token}).status_code == 400


def test_a_wrong_code_counts_and_five_kill_the_code(
    client, case, regisseur, mother, youth, settings, django_capture_on_commit_callbacks
):
    _account, token = _invited(case, regisseur, mother, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("family-link"), {"sleutel": token})
    code = code_in(mail.outbox[-1])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(settings.FAMILY_CODE_ATTEMPTS):
        assert client.post(reverse("family-code"), {"code": wrong}).status_code == 200
    assert FamilyLoginCode.objects.get().attempts == settings.FAMILY_CODE_ATTEMPTS
    client.post(reverse("family-code"), {"code": code})
    assert client.get(reverse("family-home")).status_code == 302  # the right code too late


def test_a_new_link_on_request_and_the_same_answer_for_an_unknown_address(
    client, case, regisseur, mother, youth, django_capture_on_commit_callbacks
):
    _invited(case, regisseur, mother, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("family-login"), {"email": "MIRA@example.org"})
        unknown = client.post(reverse("family-login"), {"email": "niemand@example.org"})
    said = "krijgt u nu een e-mail met een link"
    assert said in known.content.decode() and said in unknown.content.decode()
    assert known.status_code == unknown.status_code == 200
    assert [m.to for m in mail.outbox] == [["mira@example.org"], ["mira@example.org"]]


def test_an_ended_account_logs_in_no_more(
    client, case, regisseur, mother, youth, django_capture_on_commit_callbacks
):
    account, token = _invited(case, regisseur, mother, django_capture_on_commit_callbacks)
    services.deactivate_family_account(account=account, by=regisseur)
    assert client.post(reverse("family-link"), {"sleutel": token}).status_code == 400
