"""E-mail about new flags: a Celery task the sweep nudges on commit when it notified someone.

Its name stays ``flags.tasks.send_flag_emails`` (``flags.tasks`` imports it for Celery); it lives
here so that the sweep (``flags.services``) can nudge it without importing the task wrappers,
which import the sweep.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import Nudge

from .models import Notification
from .rules import RULES_BY_CODE

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(name="flags.tasks.send_flag_emails", base=Nudge, **RETRY)
def send_flag_emails() -> int:
    """E-mail unread, un-mailed notifications to their recipients (off by default)."""
    if not settings.FLAG_EMAIL_ENABLED:
        return 0
    sent = 0
    with transaction.atomic():
        pending = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True, read_at__isnull=True)
            .exclude(recipient__email="")
            .select_related("recipient", "flag")[:500]
        )
        for note in pending:
            rule = RULES_BY_CODE.get(note.flag.rule)
            title = str(rule.title) if rule else note.flag.rule
            send_mail(
                subject=_("Casusregie: %(title)s") % {"title": title},
                message=_(
                    "Er is een signaal voor u in Casusregie: %(title)s (sinds %(since)s). "
                    "Log in om het te bekijken."
                )
                % {"title": title, "since": note.flag.since.isoformat()},
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[note.recipient.email],
            )
            note.emailed_at = timezone.now()
            note.save(update_fields=["emailed_at"])
            sent += 1
    return sent
