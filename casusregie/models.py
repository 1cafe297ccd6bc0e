"""The GARP core: organisations, workers, families, youths, cases and their regisseurs.

Invariants live in PostgreSQL: at most one open case per family, no overlapping regisseur
periods on a case, no case closed before it opened, education periods unique per start date,
a closed case's reason and its warme overdracht.
"""

from __future__ import annotations

import pghistory
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_otp.models import Device

from . import refs
from .bsn import is_valid_bsn, validate_bsn
from .bsn_vault import bsn_digest, decrypt_bsn, encrypt_bsn, mask_bsn

POSTCODE_PATTERN = r"^[1-9][0-9]{3} ?[A-Z]{2}$"
PHONE_PATTERN = r"^\+?[0-9][0-9 -]{8,18}$"
# A carer's postcode and phone, checked by the model and by the registration form alike.
validate_postcode = RegexValidator(POSTCODE_PATTERN, _("Een postcode is als 1234 AB."))
validate_carer_phone = RegexValidator(PHONE_PATTERN, _("Een telefoonnummer is als 06 12345678."))


class DateRange(Func):
    """``daterange(lower, upper, '[)')``: a half-open period; a NULL upper bound is open-ended."""

    function = "DATERANGE"
    output_field = models.Field()  # only used inside constraints

    def __init__(self, lower, upper) -> None:
        super().__init__(lower, upper, models.Value("[)"))


class Region(models.Model):
    """A jeugdregio: municipalities that contract specialist care together."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("naam"), max_length=200)

    class Meta:
        verbose_name = _("jeugdregio")
        verbose_name_plural = _("jeugdregio's")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A gemeente, identified by its CBS code (e.g. GM0599)."""

    code = models.CharField(
        _("CBS-code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^GM\d{4}$", _("Een CBS-code heeft de vorm GM0599."))],
    )
    name = models.CharField(_("naam"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("regio")
    )

    class Meta:
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class LocalTeam(models.Model):
    """A lokaal (jeugd)team: the municipal access team, serving one or more municipalities."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.team_ref)
    name = models.CharField(_("naam"), max_length=200)
    municipalities = models.ManyToManyField(
        Municipality, related_name="local_teams", verbose_name=_("gemeenten")
    )

    class Meta:
        verbose_name = _("lokaal team")
        verbose_name_plural = _("lokale teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    REGISSEUR = "regisseur", _("Regisseur")
    TEAM_LEAD = "team_lead", _("Teamleider")
    EXPERT_TABLE = "expert_table", _("Lid Regionale Experttafel")
    EXPERT_TABLE_CHAIR = "expert_table_chair", _("Voorzitter Regionale Experttafel")
    POLICY = "policy", _("Beleidsmedewerker")
    ADMIN = "admin", _("Functioneel beheerder")


class Worker(AbstractUser):
    """A professional who logs in: local-team worker, team lead, expert, policy or admin."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.worker_ref)
    name = models.CharField(_("naam"), max_length=200, blank=True)
    local_team = models.ForeignKey(
        LocalTeam,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workers",
        verbose_name=_("lokaal team"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workers",
        verbose_name=_("regio"),
        help_text=_("Voor experttafel- en beleidsrollen: de regio waarvoor zij werken."),
    )
    email_notifications = models.BooleanField(
        _("meldingen ook per e-mail"),
        default=False,
        help_text=_("De medewerker zet dit zelf aan of uit op de pagina Meldingen."),
    )

    class Meta:
        verbose_name = _("medewerker")
        verbose_name_plural = _("medewerkers")
        ordering = ["name", "username"]

    def __str__(self) -> str:
        return self.name or self.username

    def has_role(self, role: str) -> bool:
        return any(m.role == role for m in self.role_memberships.all())

    def role_codes(self) -> frozenset[str]:
        """The worker's roles, read once per object (a request's user: once per request)."""
        cached = self.__dict__.get("_role_codes")
        if cached is None:
            cached = frozenset(self.role_memberships.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    @property
    def nav_roles(self) -> frozenset[str]:
        """The roles, for the menu (``role_codes``)."""
        return self.role_codes()


class RoleMembership(models.Model):
    worker = models.ForeignKey(
        Worker,
        on_delete=models.CASCADE,
        related_name="role_memberships",
        verbose_name=_("medewerker"),
    )
    role = models.CharField(_("rol"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("rol")
        verbose_name_plural = _("rollen")
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "role"], name="role_membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="role_membership_known"),
        ]

    def __str__(self) -> str:
        return f"{self.worker}: {self.get_role_display()}"


class RoleRequestStatus(models.TextChoices):
    PENDING = "pending", _("Wacht op een tweede beheerder")
    APPROVED = "approved", _("Goedgekeurd")
    REFUSED = "refused", _("Geweigerd")


class RoleRequest(models.Model):
    """Four eyes: a role that opens family data (``policies.roles_opening_family_data``),
    asked for a worker by one administrator; it is given (a ``RoleMembership``) only when a
    second administrator approves (``services.approve_role_request``). The row stays as the
    record of who asked, for whom, which role, who decided and when."""

    worker = models.ForeignKey(
        Worker,
        on_delete=models.PROTECT,
        related_name="role_requests",
        verbose_name=_("medewerker"),
    )
    role = models.CharField(_("rol"), max_length=32, choices=Role.choices)
    reason = models.TextField(_("toelichting"), blank=True)
    requested_by = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="+", verbose_name=_("aangevraagd door")
    )
    requested_at = models.DateTimeField(_("aangevraagd op"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RoleRequestStatus.choices,
        default=RoleRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        Worker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beslist door"),
    )
    decided_at = models.DateTimeField(_("beslist op"), null=True, blank=True)

    class Meta:
        verbose_name = _("rolaanvraag")
        verbose_name_plural = _("rolaanvragen")
        ordering = ["-requested_at", "-id"]
        permissions = [("decide_rolerequest", _("Rolaanvragen goedkeuren of weigeren"))]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="role_request_known"),
            models.CheckConstraint(
                condition=Q(status__in=RoleRequestStatus.values),
                name="role_request_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(requested_by=F("worker")),
                name="role_request_not_for_oneself",
                violation_error_message=_("U kunt geen rol voor uzelf aanvragen."),
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="role_request_four_eyes",
                violation_error_message=_(
                    "Een tweede beheerder beslist: niet wie de rol aanvroeg."
                ),
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("worker")),
                name="role_request_not_decided_by_the_worker",
                violation_error_message=_("De medewerker beslist niet over de eigen rol."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=RoleRequestStatus.PENDING)
                    & Q(decided_by__isnull=True)
                    & Q(decided_at__isnull=True)
                )
                | (
                    ~Q(status=RoleRequestStatus.PENDING)
                    & Q(decided_by__isnull=False)
                    & Q(decided_at__isnull=False)
                ),
                name="role_request_decided_by_someone_at_a_time",
            ),
            models.UniqueConstraint(
                fields=["worker", "role"],
                condition=Q(status=RoleRequestStatus.PENDING),
                name="role_request_one_pending",
                violation_error_message=_("Deze rol is voor deze medewerker al aangevraagd."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker}: {self.get_role_display()} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == RoleRequestStatus.PENDING


class EnrolmentCode(models.Model):
    """A one-time code an administrator issues so a worker may link a first authenticator.

    Only the SHA-256 of the code is stored; it expires, is used once, and a worker has at most
    one unused code (a new one replaces it): all four hold in PostgreSQL.
    """

    worker = models.ForeignKey(
        Worker,
        on_delete=models.CASCADE,
        related_name="enrolment_codes",
        verbose_name=_("medewerker"),
    )
    code_hash = models.CharField(_("hash van de code"), max_length=64, unique=True)
    issued_by = models.ForeignKey(
        Worker,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uitgegeven door"),
    )
    issued_at = models.DateTimeField(_("uitgegeven op"), default=timezone.now)
    expires_at = models.DateTimeField(_("geldig tot"))
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)

    class Meta:
        verbose_name = _("inschrijfcode tweede stap")
        verbose_name_plural = _("inschrijfcodes tweede stap")
        constraints = [
            models.CheckConstraint(
                condition=Q(code_hash__regex=r"^[0-9a-f]{64}$"), name="enrolment_code_is_a_hash"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("issued_at")), name="enrolment_code_expires_later"
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True)
                | Q(used_at__gte=F("issued_at"), used_at__lt=F("expires_at")),
                name="enrolment_code_used_while_valid",
            ),
            models.UniqueConstraint(
                fields=["worker"],
                condition=Q(used_at__isnull=True),
                name="enrolment_code_one_unused_per_worker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker}: {self.issued_at:%Y-%m-%d %H:%M}"


class BsnQuerySet(models.QuerySet):
    def with_bsn(self, value: str | None) -> models.QuerySet:
        """The rows whose BSN is ``value``, found by its keyed hash; none for an invalid BSN."""
        value = (value or "").strip()
        if not is_valid_bsn(value):
            return self.none()
        return self.filter(bsn_hash=bsn_digest(value))


class HasBsn(models.Model):
    """A person's BSN, stored encrypted with a keyed hash for look-ups (see ``bsn_vault``).

    ``obj.bsn`` reads and writes it in clear (``Youth(bsn=...)`` works too); the setter checks
    the 11-proef and sets both columns, an empty value clears them. Look up with
    ``Model.objects.with_bsn(value)``; show ``obj.bsn_masked``. Neither column is in the
    change history, and ``str()``/``repr()`` never include a BSN.
    """

    bsn_encrypted = models.TextField(_("BSN (versleuteld)"), blank=True, editable=False)
    bsn_hash = models.CharField(_("BSN-hash"), max_length=64, blank=True, editable=False)

    objects = BsnQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def bsn(self) -> str:
        return decrypt_bsn(self.bsn_encrypted) if self.bsn_encrypted else ""

    @bsn.setter
    @sensitive_variables()
    def bsn(self, value: str | None) -> None:
        if value is None or value == "":
            self.bsn_encrypted = self.bsn_hash = ""
            return
        validate_bsn(value if isinstance(value, str) else "")  # the Dutch "Geen geldig BSN"
        self.bsn_encrypted = encrypt_bsn(value)
        self.bsn_hash = bsn_digest(value)

    @property
    def bsn_masked(self) -> str:
        """``••••••782``: the last 3 digits only."""
        return mask_bsn(self.bsn)


class Person(HasBsn):
    """What a carer and a youth share: a name (shown as the person) and a BSN (``HasBsn``).

    Only what is the same in both lives here. ``ref`` (its default), ``family`` (its
    ``related_name``), ``birth_date`` (optional for a carer) and each model's ``Meta``,
    indexes included, stay on the concrete models.
    """

    name = models.CharField(_("naam"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Family(models.Model):
    """A gezin: one or more youths with their carers."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.family_ref)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="families", verbose_name=_("gemeente")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gezin")
        verbose_name_plural = _("gezinnen")
        ordering = ["ref"]

    def __str__(self) -> str:
        return self.ref

    @property
    def display_name(self) -> str:
        """The family as people say it: its carers' surnames ("De Jong / Yilmaz"), else its
        youths', else its ref. Reads ``carers`` and ``youths`` (prefetch them)."""
        names = [c.name for c in self.carers.all()] or [y.name for y in self.youths.all()]
        surnames: list[str] = []
        for name in names:
            parts = name.split()
            surname = " ".join(parts[1:]) if len(parts) > 1 else name
            surname = surname[:1].upper() + surname[1:]
            if surname and surname not in surnames:
                surnames.append(surname)
        return " / ".join(surnames) or self.ref


class RegistrationDespiteMatch(models.Model):
    """1 Gezin: a family registered although someone on the form was already known in the
    region (``matched``), with the worker's reason. One row per family matched."""

    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="registered_despite", verbose_name=_("gezin")
    )
    matched = models.ForeignKey(
        Family,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("al bekend gezin"),
    )
    worker = models.ForeignKey(
        "Worker", on_delete=models.PROTECT, related_name="+", verbose_name=_("medewerker")
    )
    reason = models.TextField(_("reden"))
    at = models.DateTimeField(_("op"), auto_now_add=True)

    class Meta:
        verbose_name = _("registratie ondanks bekend gezin")
        verbose_name_plural = _("registraties ondanks bekend gezin")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="registration_despite_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.family_id} ({self.matched_id})"


@pghistory.track(exclude=["bsn_encrypted", "bsn_hash"])
class Carer(Person):
    """An opvoeder / verzorger: parent or legal carer."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.carer_ref)
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="carers", verbose_name=_("gezin")
    )
    birth_date = models.DateField(_("geboortedatum"), null=True, blank=True)
    address = models.CharField(_("adres"), max_length=200, blank=True)
    postcode = models.CharField(
        _("postcode"),
        max_length=7,
        blank=True,
        validators=[validate_postcode],
    )
    city = models.CharField(_("woonplaats"), max_length=100, blank=True)
    phone = models.CharField(
        _("telefoon"),
        max_length=20,
        blank=True,
        validators=[validate_carer_phone],
    )
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("opvoeder")
        verbose_name_plural = _("opvoeders")
        ordering = ["ref"]
        indexes = [
            models.Index(fields=["bsn_hash"], name="carer_bsn_hash_idx", condition=~Q(bsn_hash=""))
        ]


class Relation(models.TextChoices):
    MOTHER = "mother", _("Moeder")
    FATHER = "father", _("Vader")
    PARENT = "parent", _("Ouder")
    STEP_PARENT = "step_parent", _("Stiefouder")
    FOSTER_PARENT = "foster_parent", _("Pleegouder")
    GUARDIAN = "guardian", _("Voogd")
    GRANDPARENT = "grandparent", _("Grootouder")
    OTHER = "other", _("Anders")


@pghistory.track()
class CarerRelation(models.Model):
    """How a carer stands to a youth of the family, and whether they hold gezag (parental
    authority) over the youth."""

    carer = models.ForeignKey(
        "Carer", on_delete=models.CASCADE, related_name="relations", verbose_name=_("opvoeder")
    )
    youth = models.ForeignKey(
        "Youth",
        on_delete=models.CASCADE,
        related_name="carer_relations",
        verbose_name=_("jeugdige"),
    )
    relation = models.CharField(_("relatie"), max_length=16, choices=Relation.choices)
    has_gezag = models.BooleanField(_("gezag"), default=False)

    class Meta:
        verbose_name = _("relatie opvoeder en jeugdige")
        verbose_name_plural = _("relaties opvoeders en jeugdigen")
        constraints = [
            models.UniqueConstraint(fields=["carer", "youth"], name="carer_relation_unique"),
            models.CheckConstraint(
                condition=Q(relation__in=Relation.values), name="carer_relation_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carer} – {self.youth}: {self.get_relation_display()}"


@pghistory.track(exclude=["bsn_encrypted", "bsn_hash"])
class Youth(Person):
    """A jeugdige: a child or young person, followed up to 27 for transitions."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.youth_ref)
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="youths", verbose_name=_("gezin")
    )
    birth_date = models.DateField(_("geboortedatum"))
    has_startkwalificatie = models.BooleanField(_("startkwalificatie behaald"), default=False)

    class Meta:
        verbose_name = _("jeugdige")
        verbose_name_plural = _("jeugdigen")
        ordering = ["ref"]
        indexes = [
            models.Index(fields=["family"], name="youth_family_idx"),
            models.Index(fields=["birth_date"], name="youth_birth_date_idx"),
            models.Index(fields=["bsn_hash"], name="youth_bsn_hash_idx", condition=~Q(bsn_hash="")),
        ]


class EducationStatus(models.TextChoices):
    ATTENDING = "attending", _("Naar school")
    NOT_ENROLLED = "not_enrolled", _("Niet ingeschreven")
    ABSENT = "absent", _("Ingeschreven, thuis")
    EXEMPT = "exempt", _("Vrijstelling")


class SchoolType(models.TextChoices):
    """The kind of school of a period; *buitenregulier* is speciaal (voortgezet) onderwijs."""

    REGULAR = "regular", _("Regulier onderwijs")
    SPECIAL = "special", _("Speciaal (voortgezet) onderwijs")
    PRACTICAL = "practical", _("Praktijkonderwijs")
    MBO = "mbo", _("Mbo")
    NONE = "none", _("Geen school")


#: A BRIN code (Basisregistratie Instellingen): two digits and two letters or digits, e.g. 12AB.
BRIN_PATTERN = r"^[0-9]{2}[A-Z0-9]{2}$"
validate_brin = RegexValidator(
    BRIN_PATTERN,
    _("Een BRIN-code heeft 4 tekens: 2 cijfers en 2 letters of cijfers, zoals 12AB."),
)
validate_phone = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{8,18}$",
    _("Vul een telefoonnummer in van 10 cijfers, zoals 010-1234567 of +31 6 12345678."),
)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class EducationPeriod(models.Model):
    """One period of a youth's education status; it lasts until the next period's start.

    With the school (name, BRIN code, kind) and the leerplicht contact who knows of the period
    (the leerplichtambtenaar: name, phone, e-mail). The contact is kept per period: it is the
    person who follows this status (at home, at this school), and a correction or a new period
    keeps who it was before in the history.
    """

    youth = models.ForeignKey(
        Youth, on_delete=models.CASCADE, related_name="education", verbose_name=_("jeugdige")
    )
    status = models.CharField(_("status"), max_length=16, choices=EducationStatus.choices)
    from_date = models.DateField(_("vanaf"))
    school = models.CharField(_("school"), max_length=200, blank=True)
    school_brin = models.CharField(
        _("BRIN-code"), max_length=4, blank=True, db_default="", validators=[validate_brin]
    )
    school_type = models.CharField(
        _("soort onderwijs"), max_length=16, choices=SchoolType.choices, blank=True, db_default=""
    )
    attendance_officer = models.CharField(
        _("leerplichtambtenaar"), max_length=200, blank=True, db_default=""
    )
    attendance_officer_phone = models.CharField(
        _("telefoon leerplichtambtenaar"),
        max_length=20,
        blank=True,
        db_default="",
        validators=[validate_phone],
    )
    attendance_officer_email = models.EmailField(
        _("e-mail leerplichtambtenaar"), blank=True, db_default=""
    )

    class Meta:
        verbose_name = _("onderwijsperiode")
        verbose_name_plural = _("onderwijsperiodes")
        ordering = ["youth", "from_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["youth", "from_date"],
                name="education_period_unique",
                violation_error_message=_("Deze jeugdige heeft al een periode vanaf die datum."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=EducationStatus.values), name="education_status_known"
            ),
            models.CheckConstraint(
                condition=Q(school_type="") | Q(school_type__in=SchoolType.values),
                name="education_school_type_known",
            ),
            models.CheckConstraint(
                condition=Q(school_brin="") | Q(school_brin__regex=BRIN_PATTERN),
                name="education_brin_shape",
                violation_error_message=_(
                    "Een BRIN-code heeft 4 tekens: 2 cijfers en 2 letters of cijfers, zoals 12AB."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.youth}: {self.status} vanaf {self.from_date}"


class CloseReason(models.TextChoices):
    """Why a case closed (afsluitreden); the dashboard counts the outflow by it."""

    GOALS_REACHED = "goals_reached", _("Doelen bereikt: afgeschaald naar de basis")
    MOVED = "moved", _("Verhuisd")
    TO_GI = "to_gi", _("Naar een gecertificeerde instelling (GI)")
    TO_ADULT_CARE = "to_adult_care", _("Naar volwassenenzorg")
    FAMILY_STOPS = "family_stops", _("Gezin stopt")
    DECEASED = "deceased", _("Overleden")
    OTHER = "other", _("Anders")


@pghistory.track()
class Case(models.Model):
    """The GARP casus of one family: at most one open case per family."""

    ref = models.CharField(_("referentie"), max_length=64, unique=True, default=refs.case_ref)
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="cases", verbose_name=_("gezin")
    )
    local_team = models.ForeignKey(
        LocalTeam, on_delete=models.PROTECT, related_name="cases", verbose_name=_("lokaal team")
    )
    opened_on = models.DateField(_("geopend op"))
    closed_on = models.DateField(_("gesloten op"), null=True, blank=True)
    close_reason = models.CharField(
        _("reden van afsluiten"),
        max_length=16,
        choices=CloseReason.choices,
        blank=True,
        db_default="",
        help_text=_("Leeg bij een open casus, en bij een gesloten casus uit een import."),
    )
    close_note = models.TextField(_("toelichting bij het afsluiten"), blank=True, db_default="")
    handed_over_to = models.CharField(
        _("warme overdracht aan"),
        max_length=200,
        blank=True,
        db_default="",
        help_text=_("De persoon of organisatie die het gezin na het afsluiten ondersteunt."),
    )
    closed_by = models.ForeignKey(
        "Worker",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gesloten door"),
    )
    is_repeat_care = models.BooleanField(
        _("herhaalde zorg"),
        default=False,
        db_default=False,
        help_text=_("Heropend binnen 12 maanden na het afsluiten van de vorige casus."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("casus")
        verbose_name_plural = _("casussen")
        ordering = ["ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(closed_on__isnull=True),
                name="case_one_open_per_family",
                violation_error_message=_("Dit gezin heeft al een open casus."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="case_closed_after_opened",
                violation_error_message=_("Een casus kan niet sluiten voordat hij geopend is."),
            ),
            models.CheckConstraint(
                condition=Q(close_reason="") | Q(close_reason__in=CloseReason.values),
                name="case_close_reason_known",
            ),
            # A reason only on a closed case; a closed case may lack one (imported: the dossier
            # format carries closed_on only).
            models.CheckConstraint(
                condition=Q(close_reason="") | Q(closed_on__isnull=False),
                name="case_close_reason_only_when_closed",
                violation_error_message=_("Alleen een gesloten casus heeft een reden."),
            ),
            models.CheckConstraint(
                condition=Q(close_reason__in=["", CloseReason.DECEASED]) | ~Q(handed_over_to=""),
                name="case_closing_hands_over",
                violation_error_message=_(
                    "Vul in aan wie het gezin wordt overgedragen (warme overdracht)."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(close_reason=CloseReason.OTHER) | ~Q(close_note=""),
                name="case_closing_other_explained",
                violation_error_message=_("Licht de reden 'anders' toe."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["local_team"],
                condition=Q(closed_on__isnull=True),
                name="case_open_team_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class RegisseurPeriodQuerySet(models.QuerySet):
    def in_force(self, on) -> RegisseurPeriodQuerySet:
        """The periods in force on ``on``: started, and not ended by then (``until`` is the
        first day the worker is no longer regisseur)."""
        return self.filter(Q(until__isnull=True) | Q(until__gt=on), from_date__lte=on)


@pghistory.track()
class RegisseurPeriod(models.Model):
    """A period in which a worker is the case's regisseur; `until` is the first day they are not."""

    # Indexed by ``regisseur_case_idx``, which holds what the regisseur of a date needs.
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="regisseurs",
        verbose_name=_("casus"),
        db_index=False,
    )
    # Indexed by ``regisseur_worker_idx``: no second index of the same column.
    worker = models.ForeignKey(
        Worker,
        on_delete=models.PROTECT,
        related_name="regie_periods",
        verbose_name=_("regisseur"),
        db_index=False,
    )
    from_date = models.DateField(_("vanaf"))
    until = models.DateField(_("tot"), null=True, blank=True)

    objects = RegisseurPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("regisseursperiode")
        verbose_name_plural = _("regisseursperiodes")
        ordering = ["case", "from_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("from_date")),
                name="regisseur_period_until_not_before_from",
                violation_error_message=_(
                    "Het einde van een regisseursperiode ligt niet vóór het begin."
                ),
            ),
            ExclusionConstraint(
                name="regisseur_periods_do_not_overlap",
                expressions=[
                    ("case", RangeOperators.EQUAL),
                    (DateRange("from_date", "until"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("Regisseursperiodes van een casus overlappen niet."),
            ),
        ]
        indexes = [
            models.Index(fields=["worker"], name="regisseur_worker_idx"),
            # A case's regisseur on a date, read from the index alone (the sweep asks it of
            # thousands of cases; the exclusion constraint's GiST index answers it slower).
            models.Index(
                fields=["case"], include=["from_date", "until", "worker"], name="regisseur_case_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} ({self.from_date}–{self.until or ''})"


@pghistory.track()
class RegieTransfer(models.Model):
    """A warm hand-over of regie: proposed, then confirmed by the new regisseur.

    Until the new regisseur confirms, the old one keeps regie; on confirmation the old period
    ends and the new one starts that day. At most one pending hand-over per case.
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("casus")
    )
    from_worker = models.ForeignKey(
        Worker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("van regisseur"),
    )
    to_worker = models.ForeignKey(
        Worker,
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
        verbose_name=_("naar regisseur"),
    )
    proposed_by = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="+", verbose_name=_("voorgesteld door")
    )
    note = models.TextField(_("toelichting voor de nieuwe regisseur"), blank=True)
    proposed_on = models.DateField(_("voorgesteld op"))
    confirmed_on = models.DateField(_("bevestigd op"), null=True, blank=True)
    cancelled_on = models.DateField(_("ingetrokken op"), null=True, blank=True)

    class Meta:
        verbose_name = _("regie-overdracht")
        verbose_name_plural = _("regie-overdrachten")
        ordering = ["-proposed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(confirmed_on__isnull=True, cancelled_on__isnull=True),
                name="regie_transfer_one_pending_per_case",
                violation_error_message=_("Voor deze casus staat al een overdracht open."),
            ),
            models.CheckConstraint(
                condition=Q(confirmed_on__isnull=True) | Q(cancelled_on__isnull=True),
                name="regie_transfer_confirmed_or_cancelled",
            ),
        ]
        indexes = [
            models.Index(
                fields=["to_worker"],
                condition=Q(confirmed_on__isnull=True, cancelled_on__isnull=True),
                name="regie_transfer_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_worker or '–'} → {self.to_worker}"

    @property
    def is_pending(self) -> bool:
        return self.confirmed_on is None and self.cancelled_on is None


@pghistory.track()
class FamilyMove(models.Model):
    """A family moving to another team's area or municipality: proposed by the case's regisseur
    or team lead, confirmed by the receiving team's lead or a regisseur of it. Until then the
    old team keeps the case and its regie; on confirmation the case goes to the receiving team
    (and the family to the new municipality), so access follows the case. At most one pending
    move per case."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="moves", verbose_name=_("casus")
    )
    from_team = models.ForeignKey(
        LocalTeam, on_delete=models.PROTECT, related_name="+", verbose_name=_("van team")
    )
    to_team = models.ForeignKey(
        LocalTeam,
        on_delete=models.PROTECT,
        related_name="incoming_moves",
        verbose_name=_("naar team"),
    )
    from_municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("van gemeente")
    )
    to_municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("naar gemeente")
    )
    proposed_by = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="+", verbose_name=_("voorgesteld door")
    )
    note = models.TextField(_("toelichting voor het ontvangende team"), blank=True)
    proposed_on = models.DateField(_("voorgesteld op"))
    confirmed_by = models.ForeignKey(
        Worker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bevestigd door"),
    )
    confirmed_on = models.DateField(_("bevestigd op"), null=True, blank=True)
    cancelled_on = models.DateField(_("ingetrokken op"), null=True, blank=True)

    class Meta:
        verbose_name = _("verhuizing")
        verbose_name_plural = _("verhuizingen")
        ordering = ["-proposed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(confirmed_on__isnull=True, cancelled_on__isnull=True),
                name="family_move_one_pending_per_case",
                violation_error_message=_("Voor deze casus staat al een verhuizing open."),
            ),
            models.CheckConstraint(
                condition=Q(confirmed_on__isnull=True) | Q(cancelled_on__isnull=True),
                name="family_move_confirmed_or_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_on__isnull=True) | Q(confirmed_by__isnull=False),
                name="family_move_confirmed_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(from_team=F("to_team")) | ~Q(from_municipality=F("to_municipality")),
                name="family_move_goes_somewhere",
            ),
        ]
        indexes = [
            models.Index(
                fields=["to_team"],
                condition=Q(confirmed_on__isnull=True, cancelled_on__isnull=True),
                name="family_move_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_team} → {self.to_team}"

    @property
    def is_pending(self) -> bool:
        return self.confirmed_on is None and self.cancelled_on is None


class BreakGlassReason(models.TextChoices):
    """Why a worker opens a family outside their team's cases (break the glass)."""

    CRISIS = "crisis", _("Crisis of acute onveiligheid")
    VEILIG_THUIS = "veilig_thuis", _("Melding of vraag van Veilig Thuis")
    STAND_IN = "vervanging", _("Vervanging of waarneming van een collega")
    FAMILY_REQUEST = "verzoek_gezin", _("Verzoek van het gezin")
    OTHER = "anders", _("Anders")


class BreakGlassGrant(models.Model):
    """Doorbreken (break the glass): a case-work worker opens a family outside their team's
    cases, with a reason from the list and a written explanation, for a limited time
    (``BREAK_GLASS_HOURS``). In force while ``granted_at <= now < expires_at`` for that worker
    and that family only (``policies.family_scope``); made by ``services.break_glass``, which
    logs it; reviewed afterwards by the team lead of the family's case."""

    worker = models.ForeignKey(
        Worker,
        on_delete=models.PROTECT,
        related_name="break_glass_grants",
        verbose_name=_("medewerker"),
    )
    family = models.ForeignKey(
        Family,
        on_delete=models.CASCADE,
        related_name="break_glass_grants",
        verbose_name=_("gezin"),
    )
    reason = models.CharField(_("reden"), max_length=32, choices=BreakGlassReason.choices)
    explanation = models.TextField(_("toelichting"))
    granted_at = models.DateTimeField(_("verleend op"), default=timezone.now)
    expires_at = models.DateTimeField(_("verloopt op"))
    reviewed_by = models.ForeignKey(
        Worker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beoordeeld door"),
    )
    reviewed_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)
    review_note = models.TextField(_("opmerking bij de beoordeling"), blank=True, db_default="")

    class Meta:
        verbose_name = _("inzage buiten het team")
        verbose_name_plural = _("inzages buiten het team")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("granted_at")), name="break_glass_expires_after_grant"
            ),
            models.CheckConstraint(
                condition=Q(explanation__regex=r"[^[:space:]]"),
                name="break_glass_has_explanation",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=BreakGlassReason.values), name="break_glass_reason_known"
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                | Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="break_glass_reviewed_by_someone",
            ),
        ]
        indexes = [
            # the scope: WHERE family_id = ? AND worker_id = ? AND granted_at <= now < expires_at
            models.Index(fields=["family", "worker", "expires_at"], name="break_glass_scope_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} → {self.family_id} ({self.granted_at:%Y-%m-%d %H:%M})"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class InvolvedRole(models.TextChoices):
    """The role of a professional (or the informal network) around the family."""

    GI_YOUTH_PROTECTION = "gi_jeugdbescherming", _("GI jeugdbescherming")
    GI_YOUTH_PROBATION = "gi_jeugdreclassering", _("GI jeugdreclassering")
    VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis")
    SAFETY_TEAM = "veiligheidsteam", _("Regionaal Veiligheidsteam")
    SCHOOL = "school", _("School")
    ATTENDANCE_OFFICER = "leerplicht", _("Leerplicht")
    GP = "huisarts", _("Huisarts")
    YOUTH_DOCTOR = "jeugdarts", _("Jeugdarts")
    CLIENT_SUPPORT = "clientondersteuner", _("Cliëntondersteuner")
    INFORMAL_NETWORK = "informeel_netwerk", _("Informeel netwerk / JIM")
    OTHER = "anders", _("Anders")


#: The roles of a gecertificeerde instelling: only these may hold regie (regie bij de GI).
GI_ROLES = (InvolvedRole.GI_YOUTH_PROTECTION, InvolvedRole.GI_YOUTH_PROBATION)


class InvolvedProfessionalQuerySet(models.QuerySet):
    def in_force(self, on) -> InvolvedProfessionalQuerySet:
        """Involved on ``on``: started, and not ended by then (``until`` is the first day the
        professional is no longer involved)."""
        return self.filter(Q(until__isnull=True) | Q(until__gt=on), from_date__lte=on)


@pghistory.track()
class InvolvedProfessional(models.Model):
    """A professional (or someone of the informal network) involved with the case's family,
    from ``from_date`` until ``until`` (the first day they are not).

    Regie bij de GI: under a child-protection measure a GI (role GI jeugdbescherming or
    jeugdreclassering) may hold regie (``holds_regie``) for as long as it is involved; the local
    regisseur stays involved, and the rulebook counts the GI's period as regie (NO_REGISSEUR).
    At most one GI holds regie at a time.
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="involved", verbose_name=_("casus")
    )
    role = models.CharField(_("rol"), max_length=32, choices=InvolvedRole.choices)
    organisation = models.CharField(_("organisatie"), max_length=200)
    contact_name = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    phone = models.CharField(
        _("telefoon"),
        max_length=32,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9 ()-]{6,31}$",
                _("Vul een telefoonnummer in met cijfers (bijvoorbeeld 071 123 45 67)."),
            )
        ],
    )
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    # The professional's own account, when they log in here (a GI or Veilig Thuis worker who
    # may call a table for this case, issue 19); most involved professionals have none.
    worker = models.ForeignKey(
        "Worker",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="involvements",
        verbose_name=_("account van de professional"),
    )
    holds_regie = models.BooleanField(
        _("regie bij de GI"),
        default=False,
        help_text=_("Onder een kinderbeschermingsmaatregel ligt de regie tijdelijk bij de GI."),
    )
    from_date = models.DateField(_("vanaf"))
    until = models.DateField(_("tot"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvolvedProfessionalQuerySet.as_manager()

    class Meta:
        verbose_name = _("betrokken professional")
        verbose_name_plural = _("betrokken professionals")
        ordering = ["case", "from_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("from_date")),
                name="involved_until_not_before_from",
                violation_error_message=_("De einddatum ligt niet vóór de begindatum."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=InvolvedRole.values), name="involved_role_known"
            ),
            models.CheckConstraint(
                condition=Q(holds_regie=False) | Q(role__in=[r.value for r in GI_ROLES]),
                name="involved_only_a_gi_holds_regie",
                violation_error_message=_(
                    "Alleen een GI (jeugdbescherming of jeugdreclassering) kan de regie hebben."
                ),
            ),
            ExclusionConstraint(
                name="involved_gi_regie_does_not_overlap",
                expressions=[
                    ("case", RangeOperators.EQUAL),
                    (DateRange("from_date", "until"), RangeOperators.OVERLAPS),
                ],
                condition=Q(holds_regie=True),
                violation_error_message=_("In deze periode heeft al een GI de regie."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["case"], condition=Q(holds_regie=True), name="involved_gi_regie_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.organisation}"

    @property
    def is_gi(self) -> bool:
        return self.role in GI_ROLES


class ConsentPurpose(models.TextChoices):
    """What the family consents to. Sharing the analysis (and with it the plan's goals) and
    sharing the family's contact details are separate purposes: a consent recorded before the
    contact details were shared covered the analysis only, and its scope is not widened after
    the fact; the referral wizard asks both, per provider."""

    SHARE_ANALYSIS = (
        "share_analysis",
        _("Verklarende analyse en doelen van het plan delen met de zorgaanbieder"),
    )
    SHARE_CONTACT = "share_contact", _("Contactgegevens van het gezin delen met de zorgaanbieder")
    EXPERT_TABLE = "expert_table", _("Bespreking aan de Regionale Experttafel")


#: The purposes that share with one named provider (``Consent.provider`` is required).
SHARING_WITH_PROVIDER = (ConsentPurpose.SHARE_ANALYSIS, ConsentPurpose.SHARE_CONTACT)


@pghistory.track()
class Consent(models.Model):
    """The family's recorded toestemming to share its data with a named party for a purpose.

    In force from ``given_on`` until ``withdrawn_on`` (a withdrawal takes effect that day).
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="consents", verbose_name=_("casus")
    )
    provider = models.ForeignKey(
        "referrals.Provider",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("zorgaanbieder"),
        help_text=_(
            "Leeg: geldt niet voor een aanbieder maar voor het doel (zoals de experttafel)."
        ),
    )
    purpose = models.CharField(_("doel"), max_length=32, choices=ConsentPurpose.choices)
    given_on = models.DateField(_("gegeven op"))
    withdrawn_on = models.DateField(_("ingetrokken op"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        Worker, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Given or withdrawn by the family itself in the gezinsportaal (else by a worker).
    given_by_account = models.ForeignKey(
        "casusregie.FamilyAccount",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gegeven via het gezinsportaal door"),
    )
    withdrawn_by_account = models.ForeignKey(
        "casusregie.FamilyAccount",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingetrokken via het gezinsportaal door"),
    )

    class Meta:
        verbose_name = _("toestemming")
        verbose_name_plural = _("toestemmingen")
        ordering = ["case", "-given_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=ConsentPurpose.values), name="consent_purpose_known"
            ),
            models.CheckConstraint(
                condition=~Q(purpose__in=SHARING_WITH_PROVIDER) | Q(provider__isnull=False),
                name="consent_sharing_names_provider",
                violation_error_message=_(
                    "Toestemming om te delen met een zorgaanbieder noemt die aanbieder."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_purpose_display()}"


class AccessAction(models.TextChoices):
    READ = "read", _("Inzage")
    CHANGE = "change", _("Wijziging")
    EXPORT = "export", _("Export")
    DESTROY = "destroy", _("Vernietiging")


class AccessLogEntry(models.Model):
    """One read or change of a family's personal data (NEN 7513): who, whose, what, when, why.

    Append-only: a database trigger refuses updates and deletes. Entries are chained: ``hash``
    covers the entry and the previous entry's hash in its ``chain`` (eight, so writers need not
    wait for each other), so an edit or a removed entry is found by
    ``manage.py verify_access_log``. No foreign keys: the log outlives what it is about.
    """

    at = models.DateTimeField(_("tijdstip"))
    actor_kind = models.CharField(_("soort gebruiker"), max_length=16)
    actor = models.CharField(_("gebruiker"), max_length=200)
    family_ref = models.CharField(_("gezin"), max_length=64, blank=True)
    action = models.CharField(_("handeling"), max_length=16, choices=AccessAction.choices)
    object_type = models.CharField(_("soort gegeven"), max_length=32)
    object_ref = models.CharField(_("gegeven"), max_length=64, blank=True)
    purpose = models.CharField(_("doel"), max_length=200)
    origin = models.CharField(_("vanaf"), max_length=200, blank=True)
    chain = models.PositiveSmallIntegerField(_("keten"), default=0)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["family_ref", "at"], name="access_log_family_idx"),
            models.Index(fields=["chain", "id"], name="access_log_chain_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"


class AccessLogSeal(models.Model):
    """The keyed seal of one access-log chain's head: an HMAC-SHA256 under ``ACCESS_LOG_KEY``
    over the chain, the id and the hash of its last entry, written with every append
    (``casusregie.access_log.record_access``). The plain SHA-256 chain can be recomputed by
    anyone who can write the table; this seal only by who holds the key, which the database
    never sees. ``manage.py verify_access_log`` checks it."""

    chain = models.PositiveSmallIntegerField(_("keten"), primary_key=True)
    entry_id = models.BigIntegerField(_("laatste regel"))
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("zegel van het toegangslog")
        verbose_name_plural = _("zegels van het toegangslog")

    def __str__(self) -> str:
        return f"{self.chain}: {self.entry_id}"


class SweepRequest(models.Model):
    """A case to re-judge soon (herbeoordeling), asked for by a change to it (``rejudge``).

    Written in the change's own transaction, so a committed change always has its request;
    taken (deleted) by the rulebook (``flags.services.sweep_requested``), which judges all
    requested cases in one set-based sweep: under load one sweep serves many changes. Several
    requests for one case are judged once. No foreign key: a request is gone within seconds,
    and a case purged meanwhile is simply not found.
    """

    case_id = models.BigIntegerField(_("casus"))
    requested_at = models.DateTimeField(_("gevraagd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("verzoek om herbeoordeling")
        verbose_name_plural = _("verzoeken om herbeoordeling")

    def __str__(self) -> str:
        return f"case {self.case_id} ({self.requested_at:%Y-%m-%d %H:%M:%S})"


class NotificationKind(models.TextChoices):
    REFERRAL_ACCEPTED = "referral_accepted", _("Verwijzing toegewezen")
    REFERRAL_DECLINED = "referral_declined", _("Verwijzing afgewezen")
    CARE_STARTED = "care_started", _("Zorg gestart")
    CARE_ENDED = "care_ended", _("Zorg beëindigd")
    TRANSFER_OFFERED = "transfer_offered", _("Regie-overdracht voor u")
    TABLE_DECISION = "table_decision", _("Besluit van de experttafel")
    TABLE_INVITATION = "table_invitation", _("Uitnodiging voor een zitting van de experttafel")
    TABLE_FOLLOW_UP = "table_follow_up", _("Vervolg van een besluit van de experttafel")
    TABLE_CONSENT_NEEDED = "table_consent_needed", _("Toestemming vragen voor de experttafel")
    FLAG_OPENED = "flag_opened", _("Nieuw signaal")
    BREAK_GLASS = "break_glass", _("Inzage buiten het team")
    FAMILY_MESSAGE = "family_message", _("Vraag van het gezin")


class Notification(models.Model):
    """A melding in one worker's inbox: news about a case, with a link to where to look.

    Written in the transaction of the change it reports (``casusregie.notifications``), read
    on the page Meldingen; the menu counts the unread ones (``notice_unread_idx``).
    ``email_due``: the recipient wanted e-mail when it was written; the mailer
    (``casusregie.tasks.send_notification_emails``) clears it. No pghistory: an inbox row,
    written in bulk by the sweep, not a fact about the family.
    """

    # Indexed as the first column of ``notice_page_idx``: no index of its own to write.
    recipient = models.ForeignKey(
        Worker,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("ontvanger"),
        db_index=False,
    )
    kind = models.CharField(_("soort"), max_length=32, choices=NotificationKind.choices)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("casus")
    )
    text = models.CharField(_("tekst"), max_length=300)
    url_name = models.CharField(_("pagina"), max_length=64)
    url_args = models.JSONField(_("argumenten van de pagina"), default=list, blank=True)
    created_at = models.DateTimeField(_("aangemaakt"), default=timezone.now)
    read_at = models.DateTimeField(_("gelezen"), null=True, blank=True)
    email_due = models.BooleanField(_("e-mail te versturen"), default=False)
    emailed_at = models.DateTimeField(_("gemaild"), null=True, blank=True)

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notice_kind_known"
            ),
        ]
        indexes = [
            # the menu's count: WHERE recipient_id = ? AND read_at IS NULL
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notice_unread_idx",
            ),
            # the page: WHERE recipient_id = ? ORDER BY created_at DESC, id DESC
            models.Index(
                F("recipient"), F("created_at").desc(), F("id").desc(), name="notice_page_idx"
            ),
            # the mailer: WHERE email_due
            models.Index(fields=["id"], condition=Q(email_due=True), name="notice_mail_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.get_kind_display()} ({self.case_id})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class MatchField(models.TextChoices):
    EMAIL = "email", _("e-mailadres (hoofdletterongevoelig)")
    USERNAME = "username", _("gebruikersnaam")


class IdentityProviderQuerySet(models.QuerySet):
    def active(self) -> models.QuerySet:
        return self.filter(is_active=True)


CLIENT_SECRET_VARIABLE_PATTERN = r"^OIDC_CLIENT_SECRET_[A-Z0-9_]+$"  # noqa: S105 (a name)


class IdentityProvider(models.Model):
    """An organisation's OpenID Connect identity provider: single sign-on for its workers.

    It belongs to a municipality; a worker may log in through it only when the worker's local
    team serves that municipality, and only as an existing active worker matched on
    ``match_claim`` (never created). The client secret is not stored: the database holds the
    name of the environment variable that holds it (``OIDC_CLIENT_SECRET_…``, a constraint),
    so the administrator cannot point it at another secret of the server. Endpoints left blank
    come from the issuer's discovery document. When the ID token's ``amr`` holds one of
    ``mfa_amr_values`` (or its ``acr`` is one of ``mfa_acr_values``) the login counts as the
    second factor; otherwise the worker still passes the local TOTP step.
    """

    name = models.CharField(_("naam"), max_length=200)
    slug = models.SlugField(_("code"), max_length=64, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="identity_providers",
        verbose_name=_("gemeente"),
    )
    is_active = models.BooleanField(_("actief"), default=True)
    issuer = models.URLField(
        _("issuer"), max_length=500, help_text=_("Precies zoals in de ID-tokens (iss).")
    )
    client_id = models.CharField(_("client-ID"), max_length=200)
    client_secret_variable = models.CharField(
        _("omgevingsvariabele met het client-secret"),
        max_length=100,
        validators=[RegexValidator(CLIENT_SECRET_VARIABLE_PATTERN)],
        help_text=_("Bijvoorbeeld OIDC_CLIENT_SECRET_ROTTERDAM; het secret zelf staat niet hier."),
    )
    sign_algorithm = models.CharField(
        _("ondertekening van het ID-token"),
        max_length=8,
        choices=[("RS256", "RS256"), ("ES256", "ES256")],
        default="RS256",
    )
    authorization_endpoint = models.URLField(
        _("authorization endpoint"), max_length=500, blank=True
    )
    token_endpoint = models.URLField(_("token endpoint"), max_length=500, blank=True)
    userinfo_endpoint = models.URLField(_("userinfo endpoint"), max_length=500, blank=True)
    jwks_uri = models.URLField(_("JWKS-adres"), max_length=500, blank=True)
    match_claim = models.CharField(_("claim om op te koppelen"), max_length=100, default="email")
    match_field = models.CharField(
        _("gekoppeld aan"), max_length=16, choices=MatchField.choices, default=MatchField.EMAIL
    )
    mfa_amr_values = models.CharField(
        _("amr-waarden die als tweede factor tellen"),
        max_length=200,
        default="mfa",
        blank=True,
        help_text=_("Gescheiden door spaties; leeg: nooit."),
    )
    mfa_acr_values = models.CharField(
        _("acr-waarden die als tweede factor tellen"),
        max_length=500,
        blank=True,
        help_text=_("Gescheiden door spaties; leeg: nooit."),
    )

    objects = IdentityProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("identity provider (single sign-on)")
        verbose_name_plural = _("identity providers (single sign-on)")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(client_secret_variable__regex=CLIENT_SECRET_VARIABLE_PATTERN),
                name="idp_secret_variable_named",
            ),
            models.CheckConstraint(
                condition=Q(match_field__in=MatchField.values), name="idp_match_field_known"
            ),
            models.CheckConstraint(
                condition=Q(sign_algorithm__in=["RS256", "ES256"]), name="idp_sign_algorithm_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def endpoints_given(self) -> bool:
        return all(
            (
                self.authorization_endpoint,
                self.token_endpoint,
                self.userinfo_endpoint,
                self.jwks_uri,
            )
        )


class SingleSignOnDevice(Device):
    """The second factor an identity provider asserted (django-otp device, never a token).

    ``otp_login`` with this device marks the session as verified, as the TOTP step does; it
    accepts no code (``verify_token`` is always false), so it only counts when the single
    sign-on itself just asserted a second factor (``casusregie.services``).
    """

    identity_provider = models.ForeignKey(
        IdentityProvider,
        on_delete=models.CASCADE,
        related_name="devices",
        verbose_name=_("identity provider"),
    )

    class Meta:
        verbose_name = _("tweede factor via single sign-on")
        verbose_name_plural = _("tweede factoren via single sign-on")
        constraints = [
            models.UniqueConstraint(fields=["user", "identity_provider"], name="sso_device_unique")
        ]

    def verify_token(self, token) -> bool:
        return False


# --- the gezinsportaal: the family's own accounts, their login codes, the question thread -----

#: The longest question or answer in the family's message thread, and of a text the family
#: writes (the database refuses longer: hostile input never fills a table).
FAMILY_TEXT_MAX = 2000


class FamilyMember(models.TextChoices):
    CARER = "carer", _("Ouder of verzorger met gezag")
    YOUTH = "youth", _("Jongere")


@pghistory.track(exclude=["last_login"])
class FamilyAccount(models.Model):
    """A carer's (with gezag) or a youth's own account for the gezinsportaal.

    Invited by the case's regisseur; logs in with a link by e-mail (django-sesame: short-lived,
    used once: ``last_login`` changes at every use and so revokes the link) and a code sent to
    the same address. Not a ``Worker``: a family account is never a user of the worker site.
    A youth under 16 (from 12) only with the regisseur's recorded reason (``early_reason``).
    """

    ref = models.CharField(
        _("referentie"), max_length=64, unique=True, default=refs.family_account_ref
    )
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("gezin")
    )
    carer = models.ForeignKey(
        Carer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("opvoeder"),
    )
    youth = models.ForeignKey(
        Youth,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("jongere"),
    )
    email = models.EmailField(_("e-mail"))
    is_active = models.BooleanField(_("actief"), default=True)
    invited_by = models.ForeignKey(
        Worker, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("door")
    )
    invited_at = models.DateTimeField(_("uitgenodigd op"), default=timezone.now)
    early_reason = models.TextField(
        _("reden voor een account onder de 16"), blank=True, default="", db_default=""
    )
    last_login = models.DateTimeField(_("laatst ingelogd"), null=True, blank=True)
    broker_subject = models.CharField(
        _("kenmerk bij de inlogmakelaar"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("Het pseudonieme kenmerk van DigiD/eHerkenning via de makelaar."),
    )
    deactivated_at = models.DateTimeField(_("gedeactiveerd op"), null=True, blank=True)

    #: django-sesame reads a password to revoke links on its change; the family has none.
    password = None

    class Meta:
        verbose_name = _("gezinsaccount")
        verbose_name_plural = _("gezinsaccounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(carer__isnull=True, youth__isnull=False)
                | Q(carer__isnull=False, youth__isnull=True),
                name="family_account_one_person",
                violation_error_message=_("Een gezinsaccount is van één opvoeder of jongere."),
            ),
            models.UniqueConstraint(
                fields=["carer"], condition=Q(is_active=True), name="family_account_one_per_carer"
            ),
            models.UniqueConstraint(
                fields=["youth"], condition=Q(is_active=True), name="family_account_one_per_youth"
            ),
            models.UniqueConstraint(
                fields=["broker_subject"],
                condition=~Q(broker_subject=""),
                name="family_account_broker_subject_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True) | Q(deactivated_at__isnull=False),
                name="family_account_deactivated_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def member(self) -> str:
        return FamilyMember.CARER if self.carer_id else FamilyMember.YOUTH

    @property
    def person(self):
        return self.carer if self.carer_id else self.youth

    @property
    def is_authenticated(self) -> bool:  # for django-sesame's logging only
        return True


class FamilyLoginCode(models.Model):
    """The second factor of a family login: a 6-digit code sent by e-mail. Only its keyed hash
    is stored; it expires after ``FAMILY_CODE_MINUTES``, works once, and dies after
    ``FAMILY_CODE_ATTEMPTS`` wrong tries."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.CASCADE, related_name="login_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("inlogcode gezinsportaal")
        verbose_name_plural = _("inlogcodes gezinsportaal")
        constraints = [
            models.CheckConstraint(
                condition=Q(code_hash__regex=r"^[0-9a-f]{64}$"), name="family_code_is_a_hash"
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_at__lte=F("expires_at")),
                name="family_code_used_in_time",
            ),
        ]

    def __str__(self) -> str:
        return f"code {self.pk} ({self.account_id})"


class FamilyMessage(models.Model):
    """One message of the thread between the family and its regisseur: a question from a
    family account or an answer from a worker (plain text, at most ``FAMILY_TEXT_MAX``)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="family_messages", verbose_name=_("casus")
    )
    account = models.ForeignKey(
        FamilyAccount,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("van het gezin"),
    )
    worker = models.ForeignKey(
        Worker,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("van de medewerker"),
    )
    text = models.TextField(_("bericht"))
    created_at = models.DateTimeField(_("verstuurd op"), default=timezone.now)
    read_at = models.DateTimeField(_("gelezen op"), null=True, blank=True)

    class Meta:
        verbose_name = _("bericht van of aan het gezin")
        verbose_name_plural = _("berichten van en aan het gezin")
        ordering = ["case", "created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="family_message_by_case")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(account__isnull=False, worker__isnull=False),
                name="family_message_one_author",
            ),
            models.CheckConstraint(
                condition=Q(
                    GreaterThanOrEqual(Length("text"), 1),
                    LessThanOrEqual(Length("text"), FAMILY_TEXT_MAX),
                ),
                name="family_message_length",
            ),
        ]

    def __str__(self) -> str:
        return f"bericht {self.pk} ({self.case_id})"


class CarerDisclosure(models.Model):
    """The regisseur's choice, per item about a youth of 16 or older, whether the carers see it
    in the gezinsportaal (the youth's own right to privacy against the carers' right to be
    informed). Without a row the carers do not see it. Every choice is in the access log."""

    youth = models.ForeignKey(Youth, on_delete=models.CASCADE, related_name="carer_disclosures")
    item_type = models.CharField(_("soort gegeven"), max_length=32)
    item_ref = models.CharField(_("gegeven"), max_length=64)
    shown = models.BooleanField(_("zichtbaar voor de ouders"))
    decided_by = models.ForeignKey(Worker, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("keuze: zichtbaar voor de ouders")
        verbose_name_plural = _("keuzes: zichtbaar voor de ouders")
        constraints = [
            models.UniqueConstraint(fields=["item_type", "item_ref"], name="carer_disclosure_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.item_ref}: {self.shown}"
