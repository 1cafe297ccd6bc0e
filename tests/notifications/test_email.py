"""E-mail is the worker's own choice, sent by Celery once the change is committed, and says
only what kind of news there is in which case, with a link: no names, no BSN, no details."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from casusregie import services as core
from casusregie.models import Notification
from casusregie.tasks import send_notification_emails
from flags.services import sweep
from referrals import services as referrals

from .conftest import YOUTH_NAME, make_case
from .test_triggers import SWEPT_ON, decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def opted_in(anna):
    core.set_email_notifications(worker=anna, enabled=True)
    return anna


def accept(referral, provider):
    return referrals.accept_referral(referral=referral, by=referrals.Actor.of_provider(provider))


def assert_discreet(message, case) -> None:
    """Only the kind of news, the case and the link; never who, never the details."""
    youth = case.family.youths.get()
    text = f"{message.subject}\n{message.body}"
    assert youth.bsn and youth.bsn not in text
    assert YOUTH_NAME not in text and "Noor" not in text
    assert case.family.ref not in text  # the link goes to the page Meldingen, not the family
    for detail in ("Jeugdzorg Horizon", "Specialistische", "Anna", "Bram", "Lotte"):
        assert detail not in text


def test_an_opted_in_regisseur_gets_one_discreet_e_mail_after_commit(
    sent_referral, provider, opted_in, case, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://casusregie.example.org"
    referral = sent_referral()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accept(referral, provider)
    assert mail.outbox == []  # nothing before the commit
    assert Notification.objects.get().email_due is True
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == [opted_in.email]
    assert message.subject == f"Casusregie: nieuws over casus {case.ref}"
    assert f"Er is nieuws over een verwijzing in casus {case.ref}." in message.body
    assert "https://casusregie.example.org/meldingen/" in message.body
    assert_discreet(message, case)
    note = Notification.objects.get()
    assert note.email_due is False and note.emailed_at is not None
    assert send_notification_emails() == 0  # each melding is mailed once


def test_without_the_choice_no_e_mail(
    sent_referral, provider, anna, django_capture_on_commit_callbacks
):
    referral = sent_referral()
    with django_capture_on_commit_callbacks(execute=True):
        accept(referral, provider)
    assert Notification.objects.get().email_due is False
    assert mail.outbox == []
    assert send_notification_emails() == 0


def test_a_rolled_back_change_mails_nothing(
    sent_referral, provider, opted_in, django_capture_on_commit_callbacks
):
    from django.db import transaction

    referral = sent_referral()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        accept(referral, provider)
        raise RuntimeError
    assert callbacks == [] and mail.outbox == [] and not Notification.objects.exists()


def test_switched_off_before_the_mailer_ran_no_e_mail(
    sent_referral, provider, opted_in, django_capture_on_commit_callbacks
):
    referral = sent_referral()
    with django_capture_on_commit_callbacks(execute=False):
        accept(referral, provider)
    core.set_email_notifications(worker=opted_in, enabled=False)
    assert send_notification_emails() == 0
    assert mail.outbox == []
    assert Notification.objects.get().email_due is False  # not tried again


def test_read_before_the_mailer_ran_needs_no_e_mail(
    sent_referral, provider, opted_in, django_capture_on_commit_callbacks
):
    referral = sent_referral()
    with django_capture_on_commit_callbacks(execute=False):
        accept(referral, provider)
    core.mark_all_notifications_read(worker=opted_in)
    assert send_notification_emails() == 0


def test_only_the_recipient_who_opted_in_is_mailed(
    case, anna, bram, lead, django_capture_on_commit_callbacks
):
    core.set_email_notifications(worker=lead, enabled=True)  # the proposer: no melding for her
    with django_capture_on_commit_callbacks(execute=True):
        core.propose_transfer(case=case, to_worker=bram, by=lead)
    assert mail.outbox == []
    core.cancel_transfer(transfer=case.transfers.get(), by=lead)
    core.set_email_notifications(worker=bram, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        core.propose_transfer(case=case, to_worker=bram, by=lead)
    (message,) = mail.outbox
    assert message.to == [bram.email]
    assert f"Er wacht een regie-overdracht van casus {case.ref} op uw bevestiging." in message.body
    assert_discreet(message, case)


def test_a_decision_of_the_table_by_e_mail(
    case, opted_in, chair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(case, opted_in, chair)
    invitation, message = mail.outbox  # the invitation to the zitting, then the besluit
    assert "uitgenodigd voor een zitting van de experttafel" in invitation.body
    assert_discreet(invitation, case)
    assert (
        f"De Regionale Experttafel heeft een besluit genomen over casus {case.ref}." in message.body
    )
    assert "Advies" not in message.body
    assert_discreet(message, case)


def test_the_sweeps_new_flags_by_e_mail_once(team, opted_in, django_capture_on_commit_callbacks):
    flagged = make_case(team, opted_in, garp=False)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(SWEPT_ON)
    (message,) = mail.outbox
    assert message.to == [opted_in.email]
    assert f"Er is een nieuw signaal in casus {flagged.ref}." in message.body
    assert_discreet(message, flagged)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(SWEPT_ON + dt.timedelta(days=1))  # opens nothing: no melding, no e-mail
    assert len(mail.outbox) == 1
