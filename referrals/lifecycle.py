"""The referral lifecycle as data: every allowed edge, and who may take it, on one screen."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Concept")
    SENT = "sent", _("Verzonden")
    ACCEPTED = "accepted", _("Toegewezen")
    DECLINED = "declined", _("Afgewezen")
    EXPIRED = "expired", _("Verlopen")
    WITHDRAWN = "withdrawn", _("Ingetrokken")
    STARTED = "started", _("Zorg gestart")
    ENDED = "ended", _("Zorg beëindigd")


class ActorKind(models.TextChoices):
    REGISSEUR = "regisseur", _("Regisseur")
    PROVIDER = "provider", _("Zorgaanbieder")
    SYSTEM = "system", _("Systeem")


TRANSITIONS: dict[str, dict[str, str]] = {  # from -> {to: who may do it}
    Status.DRAFT: {Status.SENT: ActorKind.REGISSEUR, Status.WITHDRAWN: ActorKind.REGISSEUR},
    Status.SENT: {
        Status.ACCEPTED: ActorKind.PROVIDER,
        Status.DECLINED: ActorKind.PROVIDER,
        Status.WITHDRAWN: ActorKind.REGISSEUR,
        Status.EXPIRED: ActorKind.SYSTEM,
    },
    Status.ACCEPTED: {Status.STARTED: ActorKind.PROVIDER, Status.WITHDRAWN: ActorKind.REGISSEUR},
    Status.STARTED: {Status.ENDED: ActorKind.PROVIDER},
}

# Statuses in which a date must be present (the database checks the same, see models.Referral).
NEEDS_SENT_ON = (
    Status.SENT,
    Status.ACCEPTED,
    Status.DECLINED,
    Status.EXPIRED,
    Status.STARTED,
    Status.ENDED,
)
NEEDS_ANSWERED_ON = (Status.ACCEPTED, Status.DECLINED, Status.STARTED, Status.ENDED)
NEEDS_STARTED_ON = (Status.STARTED, Status.ENDED)
NEEDS_ENDED_ON = (Status.ENDED,)
# Referrals that are "live" at the provider: sent and not yet answered, or in care.
OPEN_STATUSES = (Status.SENT, Status.ACCEPTED, Status.STARTED)
