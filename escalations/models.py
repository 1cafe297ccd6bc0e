"""The Regionale Experttafel: escalated cases (aanmeldingen), sessions (zittingen), decisions.

An escalation is *open at the table* until it is discussed (``discussed_on``): at most one per
case (a partial unique constraint), and the rulebook's ESCALATION_NOT_DISCUSSED counts from its
submission. Discussing it records the table's ``Decision``; the escalation is *closed* when the
follow-up of that decision is done (``closed_on``). Escalations are not in the change history on
purpose: the sweep submits them in bulk (see ``flags.services``).
"""

from __future__ import annotations

import secrets

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casusregie import refs


def session_ref() -> str:
    return f"z-{secrets.token_hex(6)}"


def table_ref() -> str:
    return f"t-{secrets.token_hex(6)}"


class TableKind(models.TextChoices):
    EXPERT_TABLE = "expert_table", _("Regionale Experttafel")
    PROTECTION = "protection", _("Beschermingstafel")
    PLACEMENT = "placement", _("Zorgbemiddelingstafel")
    OTHER = "other", _("Andere tafel")


class CallerKind(models.TextChoices):
    """Who may bring a case to a table (aanmelden)."""

    REGISSEUR = "regisseur", _("De regisseur van de casus")
    GI = "gi", _("Een gecertificeerde instelling (GI) die bij de casus betrokken is")
    VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis, als het bij de casus betrokken is")
    TABLE_MEMBER = "table_member", _("Een lid van de tafel")


#: The callers of a new table unless configured otherwise (as the expert table today).
DEFAULT_CALLERS = [CallerKind.REGISSEUR.value]
#: The name a region's expert table gets when it is made for the region.
EXPERT_TABLE_NAME = "Regionale Experttafel"


def default_callers() -> list[str]:
    return list(DEFAULT_CALLERS)


class Table(models.Model):
    """A table of a region (issue 19): its expert table, Beschermingstafel,
    Zorgbemiddelingstafel or another, with its members and who may call it.

    Every region has exactly one expert table (made with the region); who sits at the expert
    table is also everyone with an expert-table role in the region (``policies``)."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=table_ref)
    region = models.ForeignKey(
        "casusregie.Region",
        on_delete=models.PROTECT,
        related_name="tables",
        verbose_name=_("regio"),
    )
    kind = models.CharField(_("soort tafel"), max_length=16, choices=TableKind.choices)
    name = models.CharField(_("naam"), max_length=200)
    members = models.ManyToManyField(
        "casusregie.Worker", blank=True, related_name="tables", verbose_name=_("leden")
    )
    callers = ArrayField(
        models.CharField(max_length=16, choices=CallerKind.choices),
        default=default_callers,
        blank=True,
        verbose_name=_("wie mag aanmelden"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tafel")
        verbose_name_plural = _("tafels")
        ordering = ["region", "kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TableKind.values), name="table_kind_known"),
            models.CheckConstraint(
                condition=Q(callers__contained_by=CallerKind.values), name="table_callers_known"
            ),
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(kind="expert_table"),
                name="table_one_expert_table_per_region",
                violation_error_message=_("Een regio heeft één experttafel."),
            ),
            models.UniqueConstraint(
                fields=["region", "name"],
                name="table_name_unique_in_region",
                violation_error_message=_("Deze regio heeft al een tafel met deze naam."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_expert_table(self) -> bool:
        return self.kind == TableKind.EXPERT_TABLE


class EscalationSource(models.TextChoices):
    REGISSEUR = "regisseur", _("Regisseur")
    RULEBOOK = "rulebook", _("Signalering")
    IMPORT = "import", _("Import")
    PROFESSIONAL = "professional", _("Betrokken professional of tafellid")


class Escalation(models.Model):
    """A case brought to its region's expert table; open until it is discussed."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.escalation_ref)
    case = models.ForeignKey(
        "casusregie.Case",
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("casus"),
    )
    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("tafel")
    )
    submitted_on = models.DateField(_("aangemeld op"))
    reason = models.TextField(_("reden / vraag aan de tafel"))
    # db_default: the sweep inserts escalations in SQL and names only the columns it knows.
    tried = models.TextField(_("wat is al geprobeerd"), blank=True, default="", db_default="")
    declined_referrals = models.ManyToManyField(
        "referrals.Referral",
        blank=True,
        related_name="+",
        verbose_name=_("afgewezen verwijzingen"),
    )
    source = models.CharField(
        _("bron"),
        max_length=16,
        choices=EscalationSource.choices,
        default=EscalationSource.REGISSEUR,
    )
    submitted_by = models.ForeignKey(
        "casusregie.Worker", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # As whom the table was called (a ``CallerKind``): empty for the sweep, an import, and
    # escalations from before tables had callers.
    called_as = models.CharField(
        _("aangemeld als"),
        max_length=16,
        choices=CallerKind.choices,
        blank=True,
        default="",
        db_default="",
    )
    discussed_on = models.DateField(_("besproken op"), null=True, blank=True)
    closed_on = models.DateField(_("vervolg afgerond op"), null=True, blank=True)
    closed_by = models.ForeignKey(
        "casusregie.Worker", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("aanmelding experttafel")
        verbose_name_plural = _("aanmeldingen experttafel")
        ordering = ["submitted_on", "ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(discussed_on__isnull=True),
                name="escalation_one_open_per_case",
                violation_error_message=_("Deze casus staat al open bij de experttafel."),
            ),
            models.CheckConstraint(
                condition=Q(discussed_on__isnull=True) | Q(discussed_on__gte=F("submitted_on")),
                name="escalation_discussed_after_submitted",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(discussed_on__isnull=False, closed_on__gte=F("discussed_on")),
                name="escalation_closed_after_discussed",
                violation_error_message=_("Een aanmelding wordt pas na de bespreking afgerond."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["submitted_on"],
                condition=Q(discussed_on__isnull=True),
                name="escalation_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def is_waiting(self) -> bool:
        """Open at the table: not yet discussed."""
        return self.discussed_on is None

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


class TableSession(models.Model):
    """A zitting of a region's expert table: a date, its members and an agenda."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=session_ref)
    region = models.ForeignKey(
        "casusregie.Region",
        on_delete=models.PROTECT,
        related_name="table_sessions",
        verbose_name=_("regio"),
    )
    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("tafel")
    )
    held_on = models.DateField(_("datum"))
    # Null only for sessions planned before they had times (issue 19); the form asks both.
    starts_at = models.TimeField(_("begint om"), null=True, blank=True)
    ends_at = models.TimeField(_("eindigt om"), null=True, blank=True)
    place = models.CharField(_("plaats"), max_length=200, blank=True, default="", db_default="")
    video_url = models.URLField(
        _("videolink"), max_length=500, blank=True, default="", db_default=""
    )
    members = models.ManyToManyField(
        "casusregie.Worker", blank=True, related_name="table_sessions", verbose_name=_("leden")
    )
    planned_by = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gepland door"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("zitting experttafel")
        verbose_name_plural = _("zittingen experttafel")
        ordering = ["-held_on", "ref"]
        indexes = [models.Index(fields=["region", "held_on"], name="table_session_region_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="table_session_ends_after_start",
                violation_error_message=_("Een zitting eindigt na het begin."),
            ),
            models.CheckConstraint(
                condition=Q(video_url="") | Q(video_url__startswith="https://"),
                name="table_session_video_https",
                violation_error_message=_("Een videolink begint met https://."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.held_on.isoformat()}"

    @property
    def where(self) -> str:
        """The place, or "video" when the session is online only."""
        if self.place:
            return self.place
        return str(_("online (video)")) if self.video_url else ""


DEFAULT_ITEM_MINUTES = 20


@pghistory.track(fields=["duration_minutes", "minutes", "minutes_by"], model_name="AgendaItemEvent")
class AgendaItem(models.Model):
    """An escalation on a session's agenda (it may move to a later session if not discussed).

    Its time on the agenda is computed, not stored twice: the session's start plus the
    durations of the items before it (``position``); its ``minutes`` (notulen) are written by
    the chair and kept in the change history (pghistory)."""

    session = models.ForeignKey(
        TableSession, on_delete=models.CASCADE, related_name="items", verbose_name=_("zitting")
    )
    escalation = models.ForeignKey(
        Escalation,
        on_delete=models.CASCADE,
        related_name="agenda_items",
        verbose_name=_("aanmelding"),
    )
    position = models.PositiveIntegerField(_("volgorde"), default=0)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duur (minuten)"), default=DEFAULT_ITEM_MINUTES, db_default=DEFAULT_ITEM_MINUTES
    )
    minutes = models.TextField(_("notulen"), blank=True, default="", db_default="")
    minutes_by = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notulen door"),
    )
    minutes_at = models.DateTimeField(_("notulen bijgewerkt"), null=True, blank=True)

    class Meta:
        verbose_name = _("agendapunt")
        verbose_name_plural = _("agendapunten")
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "escalation"], name="agenda_item_once_per_session"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=240),
                name="agenda_item_duration_5_to_240",
                violation_error_message=_("Een agendapunt duurt 5 tot 240 minuten."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.escalation}"


class InvitationKind(models.TextChoices):
    MEMBER = "member", _("Lid van de tafel")
    REGISSEUR = "regisseur", _("Regisseur")
    FAMILY = "family", _("Ouder of opvoeder")
    YOUTH = "youth", _("Jeugdige")
    GUEST = "guest", _("Andere genodigde")


#: Invitees who are workers in the system; the others are a name and an e-mail address.
WORKER_KINDS = (InvitationKind.MEMBER, InvitationKind.REGISSEUR)


@pghistory.track()
class Invitation(models.Model):
    """Who is invited to a session: the table's members (for the whole session), and per agenda
    item its regisseur and — where the table wants them — the family or the youth, or another
    guest (people outside the system: a name and a validated e-mail address)."""

    session = models.ForeignKey(
        TableSession,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("zitting"),
    )
    item = models.ForeignKey(
        AgendaItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("agendapunt"),
    )
    kind = models.CharField(_("soort"), max_length=16, choices=InvitationKind.choices)
    worker = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="table_invitations",
        verbose_name=_("medewerker"),
    )
    # A parent the service invited (a carer with gezag, at the Beschermingstafel): named from
    # the family's record; the e-mail address may be missing (then invited otherwise).
    carer = models.ForeignKey(
        "casusregie.Carer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="table_invitations",
        verbose_name=_("ouder of opvoeder"),
    )
    name = models.CharField(_("naam"), max_length=200, blank=True, default="")
    email = models.EmailField(_("e-mailadres"), max_length=254, blank=True, default="")
    invited_at = models.DateTimeField(_("uitgenodigd op"))
    invited_by = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uitgenodigd door"),
    )

    class Meta:
        verbose_name = _("uitnodiging zitting")
        verbose_name_plural = _("uitnodigingen zitting")
        ordering = ["session", "item", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InvitationKind.values), name="invitation_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=WORKER_KINDS, worker__isnull=False, name="", email="")
                | (~Q(kind__in=WORKER_KINDS) & Q(worker__isnull=True) & ~Q(name="") & ~Q(email=""))
                | Q(kind=InvitationKind.FAMILY, worker__isnull=True, carer__isnull=False)
                & ~Q(name=""),
                name="invitation_worker_or_name_and_email",
                violation_error_message=_(
                    "Een genodigde is een medewerker, of iemand met een naam en een e-mailadres."
                ),
            ),
            models.CheckConstraint(
                condition=Q(carer__isnull=True) | Q(kind=InvitationKind.FAMILY),
                name="invitation_carer_is_family",
            ),
            models.UniqueConstraint(
                fields=["item", "carer"],
                condition=Q(carer__isnull=False),
                name="invitation_carer_once_per_item",
            ),
            models.CheckConstraint(
                condition=Q(kind=InvitationKind.MEMBER, item__isnull=True)
                | (~Q(kind=InvitationKind.MEMBER) & Q(item__isnull=False)),
                name="invitation_member_for_session_others_per_item",
            ),
            models.UniqueConstraint(
                fields=["session", "worker"],
                condition=Q(item__isnull=True),
                name="invitation_member_once",
            ),
            models.UniqueConstraint(
                fields=["item", "worker"],
                condition=Q(worker__isnull=False),
                name="invitation_worker_once_per_item",
            ),
            models.UniqueConstraint(
                fields=["item", "email"],
                condition=~Q(email=""),
                name="invitation_email_once_per_item",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.worker)

    @property
    def invitee(self) -> str:
        return str(self.worker) if self.worker_id else f"{self.name} <{self.email}>"


class DecisionKind(models.TextChoices):
    ADVICE = "advice", _("Advies aan de regisseur")
    TAILORED = "tailored", _("Maatwerkarrangement")
    PROTECTION_TABLE = "protection_table", _("Naar de Beschermingstafel")
    RETURN = "return", _("Terug naar de regisseur, met redenen")
    RAAD_REQUEST = "raad_request", _("Verzoek tot onderzoek aan de Raad voor de Kinderbescherming")
    PLACEMENT = "placement", _("Plaatsing (Zorgbemiddelingstafel)")
    ABOVE_REGION = "above_region", _("Bovenregionaal doorzetten (BREN of G7)")


#: The decisions that become referrals in one step (product and providers named by the table).
REFERRAL_KINDS = (DecisionKind.TAILORED, DecisionKind.PLACEMENT)


class PassedTo(models.TextChoices):
    """Who a decision passes the case to, whose answer is recorded later."""

    RAAD = "raad", _("Raad voor de Kinderbescherming")
    BREN = "bren", _("BREN (bovenregionaal expertisenetwerk)")
    G7 = "g7", _("G7 (landelijk, de zeven grote regio's)")


#: Above the region: the table chooses BREN or G7.
ABOVE_REGION_TO = (PassedTo.BREN, PassedTo.G7)


#: The decisions a table of each kind may take; every table may pass a case above the region.
DECISIONS_OF_TABLE = {
    TableKind.EXPERT_TABLE: (
        DecisionKind.ADVICE,
        DecisionKind.TAILORED,
        DecisionKind.PROTECTION_TABLE,
        DecisionKind.RETURN,
        DecisionKind.ABOVE_REGION,
    ),
    TableKind.PROTECTION: (
        DecisionKind.ADVICE,
        DecisionKind.RAAD_REQUEST,
        DecisionKind.RETURN,
        DecisionKind.ABOVE_REGION,
    ),
    TableKind.PLACEMENT: (
        DecisionKind.PLACEMENT,
        DecisionKind.ADVICE,
        DecisionKind.RETURN,
        DecisionKind.ABOVE_REGION,
    ),
    TableKind.OTHER: (DecisionKind.ADVICE, DecisionKind.RETURN, DecisionKind.ABOVE_REGION),
}
#: Each decision kind that passes the case on, and to whom.
PASSED_TO_OF = {DecisionKind.RAAD_REQUEST: PassedTo.RAAD}


class Decision(models.Model):
    """The table's outcome for one escalation (advies / besluit), recorded at a session."""

    escalation = models.OneToOneField(
        Escalation,
        on_delete=models.CASCADE,
        related_name="decision",
        verbose_name=_("aanmelding"),
    )
    session = models.ForeignKey(
        TableSession, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("zitting")
    )
    kind = models.CharField(_("besluit"), max_length=32, choices=DecisionKind.choices)
    text = models.TextField(_("advies, afspraken of redenen"))
    product = models.ForeignKey(
        "referrals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product (maatwerk)"),
    )
    providers = models.ManyToManyField(
        "referrals.Provider", blank=True, related_name="+", verbose_name=_("aanbieders (maatwerk)")
    )
    follow_up_on = models.DateField(_("vervolg op"))
    # The melding "vervolg vandaag" went out on this day (once; the daily task skips it then).
    follow_up_noticed_on = models.DateField(_("melding vervolg op"), null=True, blank=True)
    family_text = models.TextField(
        _("uitleg voor het gezin (eenvoudige taal)"), blank=True, default="", db_default=""
    )
    referrals = models.ManyToManyField(
        "referrals.Referral",
        blank=True,
        related_name="+",
        verbose_name=_("verwijzingen uit dit maatwerk"),
    )
    # Passed on (the Raad for an investigation): to whom and on which day; its answer later.
    passed_to = models.CharField(
        _("doorgezet naar"),
        max_length=16,
        choices=PassedTo.choices,
        blank=True,
        default="",
        db_default="",
    )
    passed_on = models.DateField(_("doorgezet op"), null=True, blank=True)
    outcome = models.TextField(_("uitkomst"), blank=True, default="", db_default="")
    outcome_on = models.DateField(_("uitkomst op"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        "casusregie.Worker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uitkomst vastgelegd door"),
    )
    decided_by = models.ForeignKey(
        "casusregie.Worker", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("besluit experttafel")
        verbose_name_plural = _("besluiten experttafel")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DecisionKind.values), name="decision_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=REFERRAL_KINDS, product__isnull=False)
                | (~Q(kind__in=REFERRAL_KINDS) & Q(product__isnull=True)),
                name="decision_product_only_for_tailored",
                violation_error_message=_(
                    "Alleen een maatwerkarrangement of een plaatsing noemt een product."
                ),
            ),
            models.CheckConstraint(
                condition=Q(passed_to="", passed_on__isnull=True)
                | (~Q(passed_to="") & Q(passed_on__isnull=False)),
                name="decision_passed_to_with_date",
            ),
            models.CheckConstraint(
                condition=Q(kind=DecisionKind.RAAD_REQUEST, passed_to=PassedTo.RAAD)
                | Q(kind=DecisionKind.ABOVE_REGION, passed_to__in=ABOVE_REGION_TO)
                | (
                    ~Q(kind__in=[DecisionKind.RAAD_REQUEST, DecisionKind.ABOVE_REGION])
                    & Q(passed_to="")
                ),
                name="decision_passed_to_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(outcome="", outcome_on__isnull=True)
                | (~Q(passed_to="") & ~Q(outcome="") & Q(outcome_on__gte=F("passed_on"))),
                name="decision_outcome_after_passed_on",
                violation_error_message=_("De uitkomst komt na het doorzetten."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.escalation}: {self.get_kind_display()}"

    @property
    def is_tailored(self) -> bool:
        return self.kind == DecisionKind.TAILORED

    @property
    def makes_referral(self) -> bool:
        """Maatwerk or a placement: the regisseur sends it as referral(s) in one step."""
        return self.kind in REFERRAL_KINDS

    @property
    def awaits_outcome(self) -> bool:
        """Passed on, and its answer not recorded yet."""
        return bool(self.passed_to) and not self.outcome
