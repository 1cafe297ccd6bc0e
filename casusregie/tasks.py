"""Celery tasks of the core: e-mailing the meldingen of workers who asked for e-mail.

The e-mail says what kind of news there is and in which case, with a link to the page
Meldingen; never a name, a BSN or the melding's own text (which may name a provider or a
rule): e-mail leaves the application, the details stay behind the login.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import Nudge

from .models import Notification, NotificationKind

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
    "acks_late": True,
}
BATCH = 500


def _news(kind: str, case_ref: str) -> str:
    """One sentence: what kind of news, in which case (no names, no details)."""
    ref = {"case": case_ref}
    if kind in (
        NotificationKind.REFERRAL_ACCEPTED,
        NotificationKind.REFERRAL_DECLINED,
        NotificationKind.CARE_STARTED,
        NotificationKind.CARE_ENDED,
    ):
        return _("Er is nieuws over een verwijzing in casus %(case)s.") % ref
    if kind == NotificationKind.TRANSFER_OFFERED:
        return _("Er wacht een regie-overdracht van casus %(case)s op uw bevestiging.") % ref
    if kind == NotificationKind.TABLE_DECISION:
        return _("De Regionale Experttafel heeft een besluit genomen over casus %(case)s.") % ref
    if kind == NotificationKind.TABLE_INVITATION:
        return (
            _("U bent uitgenodigd voor een zitting van de experttafel over casus %(case)s.") % ref
        )
    if kind == NotificationKind.TABLE_FOLLOW_UP:
        return (
            _("Vandaag is het vervolg van een besluit van de experttafel over casus %(case)s.")
            % ref
        )
    if kind == NotificationKind.TABLE_CONSENT_NEEDED:
        return _("Vraag het gezin van casus %(case)s toestemming voor de experttafel.") % ref
    return _("Er is een nieuw signaal in casus %(case)s.") % ref


def email_for(note: Notification) -> tuple[str, str]:
    """The subject and body of the e-mail about ``note``."""
    link = settings.SITE_URL + reverse("notifications")
    subject = _("Casusregie: nieuws over casus %(case)s") % {"case": note.case.ref}
    body = "\n\n".join(
        [
            _news(note.kind, note.case.ref),
            _("Bekijk het in Casusregie: %(link)s") % {"link": link},
            _(
                "U krijgt deze e-mail omdat u meldingen per e-mail hebt aangezet. U zet dit uit "
                "op dezelfde pagina."
            ),
        ]
    )
    return subject, body


@shared_task(name="casusregie.tasks.send_notification_emails", base=Nudge, **RETRY)
def send_notification_emails() -> int:
    """E-mail the meldingen due for it (``email_due``), each once, then clear the mark.

    A recipient who has since switched e-mail off (or lost their address, or left) is skipped;
    a melding read in the meantime needs no e-mail any more. Rows another run holds are skipped
    (``SKIP LOCKED``); more than a batch: the task queues itself again.
    """
    sent = 0
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(email_due=True)
            .select_related("recipient", "case")
            .only(
                "kind",
                "read_at",
                "case__ref",
                "recipient__email",
                "recipient__email_notifications",
                "recipient__is_active",
            )
            .order_by("id")[:BATCH]
        )
        now = timezone.now()
        for note in due:
            recipient = note.recipient
            if (
                note.read_at is None
                and recipient.is_active
                and recipient.email_notifications
                and recipient.email
            ):
                subject, body = email_for(note)
                send_mail(
                    subject=subject,
                    message=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[recipient.email],
                )
                note.emailed_at = now
                sent += 1
        emailed = [n.pk for n in due if n.emailed_at is not None]
        Notification.objects.filter(pk__in=[n.pk for n in due]).update(email_due=False)
        Notification.objects.filter(pk__in=emailed).update(emailed_at=now)
    if len(due) == BATCH:
        transaction.on_commit(send_notification_emails.soon)
    return sent
