"""Reads of the core that pages of several floors share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .bsn import is_valid_bsn
from .bsn_vault import bsn_digest
from .enrolment import enrolment_code_hash
from .models import (
    BreakGlassGrant,
    Carer,
    Case,
    EnrolmentCode,
    Family,
    IdentityProvider,
    MatchField,
    Municipality,
    Notification,
    RegisseurPeriod,
    Worker,
    Youth,
)
from .policies import family_or_404, visible_families


def families_for_case_work() -> QuerySet[Family]:
    """Families with their municipality, youths and cases: what a page that works on a family's
    case needs of the family (the editors, the referral wizard, bringing a case to the table).
    Not scoped: pass it to ``policies.family_or_404``."""
    return Family.objects.select_related("municipality").prefetch_related(
        Prefetch("youths", queryset=Youth.objects.order_by("birth_date", "ref")),
        Prefetch(
            "cases", queryset=Case.objects.select_related("local_team").order_by("-opened_on")
        ),
    )


def family_for_case_work_or_404(user, ref: str, perm: str) -> Family:
    """The family ``ref`` with what case work needs (``families_for_case_work``), when ``user``
    may see it and holds ``perm`` on it; otherwise a 404 (``policies.family_or_404``)."""
    return family_or_404(user, ref, perm, families=families_for_case_work())


def open_case_of(family: Family) -> Case | None:
    """From the prefetched cases: the family's open case (at most one, by constraint)."""
    return next((c for c in family.cases.all() if c.is_open), None)


@dataclass(frozen=True)
class KnownPerson:
    """Someone on a registration form: a youth or a carer."""

    name: str
    birth_date: dt.date | None
    bsn: str = ""
    is_youth: bool = True


@dataclass(frozen=True)
class KnownFamily:
    """A family of the region in which someone on the form is already known. Outside the
    worker's scope only who to ask is shown (``ref`` is then None; ``pk`` is for the record of
    a registration despite the match, never shown)."""

    pk: int
    ref: str | None
    regisseur: str | None
    team: str | None


def _person_matches(people: list[KnownPerson], youths: bool) -> Q | None:
    conditions = [
        Q(bsn_hash=bsn_digest(p.bsn))
        for p in people
        if (p.is_youth or not youths) and p.bsn and is_valid_bsn(p.bsn)
    ]
    conditions += [
        Q(name__iexact=p.name.strip(), birth_date=p.birth_date)
        for p in people
        if p.is_youth == youths and p.name.strip() and p.birth_date
    ]
    return reduce(or_, conditions) if conditions else None


def known_families(
    user, municipality: Municipality, people: Iterable[KnownPerson]
) -> list[KnownFamily]:
    """The families of ``municipality``'s region in which a youth or carer on the form is
    already known: by BSN (youths and carers), or by name and birth date. Three queries
    (the families with who to ask; the worker's roles and scope among them), for any number
    of people."""
    people = list(people)
    in_region = Q(family__municipality__region_id=municipality.region_id)
    found = Q(pk__in=[])
    for model, youths in ((Youth, True), (Carer, False)):
        if (match := _person_matches(people, youths)) is not None:
            found |= Q(pk__in=model.objects.filter(match, in_region).values("family_id"))
    today = timezone.localdate()
    open_case = Case.objects.filter(family=OuterRef("pk"), closed_on__isnull=True)
    regisseur = (
        RegisseurPeriod.objects.in_force(today)
        .filter(case__family=OuterRef("pk"), case__closed_on__isnull=True)
        .values("worker__name")[:1]
    )
    families = list(
        Family.objects.filter(found)
        .annotate(
            team_name=Subquery(open_case.values("local_team__name")[:1]),
            regisseur_name=Subquery(regisseur),
        )
        .order_by("ref")
        .values("pk", "ref", "team_name", "regisseur_name")
    )
    if not families:
        return []
    mine = set(
        visible_families(user)
        .filter(pk__in=[f["pk"] for f in families])
        .values_list("pk", flat=True)
    )
    return [
        KnownFamily(
            pk=f["pk"],
            ref=f["ref"] if f["pk"] in mine else None,
            regisseur=f["regisseur_name"],
            team=f["team_name"],
        )
        for f in families
    ]


def notifications_of(worker) -> QuerySet[Notification]:
    """The worker's meldingen, newest first (``notice_page_idx``), with their case's ref."""
    return (
        Notification.objects.filter(recipient=worker)
        .select_related("case")
        .only("kind", "text", "url_name", "url_args", "created_at", "read_at", "case__ref")
        .order_by("-created_at", "-id")
    )


def unread_notification_count(worker) -> int:
    """How many of the worker's meldingen are unread: one query on ``notice_unread_idx``."""
    return Notification.objects.filter(recipient=worker, read_at__isnull=True).count()


# --- single sign-on (OpenID Connect): who an identity provider's account is ---------------------


class SingleSignOnRefused(Exception):
    """A single sign-on that does not log anyone in: ``message`` for the worker (Dutch),
    ``reason`` for the log (no personal data)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason


def identity_providers_for_login() -> list[IdentityProvider]:
    """The active identity providers the login page offers (one query)."""
    return list(IdentityProvider.objects.active().only("slug", "name").order_by("name"))


def worker_for_identity(provider: IdentityProvider, claims: dict) -> Worker:
    """The one existing active worker the provider's account is, or ``SingleSignOnRefused``.

    Matched on the provider's ``match_claim`` against the worker's e-mail address
    (case-insensitive) or username; never created. Refused: a claim that is missing or an
    e-mail the provider says is unverified; no match or more than one; a superuser (keeps the
    local password and TOTP: no municipality's provider can grant the whole system); a
    worker whose local team does not serve the provider's municipality.
    """
    value = claims.get(provider.match_claim)
    if not isinstance(value, str) or not value.strip():
        raise SingleSignOnRefused(
            _("Uw organisatie gaf niet door wie u bent. Neem contact op met uw beheerder."),
            f"claim {provider.match_claim} missing",
        )
    if provider.match_field == MatchField.EMAIL and claims.get("email_verified") is False:
        raise SingleSignOnRefused(
            _("Uw e-mailadres is bij uw organisatie niet bevestigd."), "email not verified"
        )
    lookup = "email__iexact" if provider.match_field == MatchField.EMAIL else "username__iexact"
    candidates = list(
        Worker.objects.filter(is_active=True, **{lookup: value.strip()}).values_list(
            "pk", "is_superuser", "local_team_id"
        )[:2]
    )
    if len(candidates) != 1:
        raise SingleSignOnRefused(
            _(
                "Met dit organisatie-account is geen medewerker van Casusregie bekend. "
                "Vraag uw functioneel beheerder om uw account."
            ),
            "no worker" if not candidates else "more than one worker",
        )
    pk, is_superuser, local_team_id = candidates[0]
    if is_superuser:
        raise SingleSignOnRefused(
            _("Dit account logt in met wachtwoord en authenticator-app, niet via uw organisatie."),
            "superuser",
        )
    serves = Worker.objects.filter(
        pk=pk, local_team__municipalities=provider.municipality_id
    ).exists()
    if local_team_id is None or not serves:
        raise SingleSignOnRefused(
            _("Uw account hoort niet bij de organisatie waarmee u inlogde."), "other organisation"
        )
    return Worker.objects.get(pk=pk)


def second_factor_asserted(provider: IdentityProvider, id_token: dict) -> bool:
    """Whether the ID token says the login had a second factor: one of the provider's
    ``mfa_amr_values`` in ``amr``, or ``acr`` one of its ``mfa_acr_values``."""
    amr = id_token.get("amr")
    amr = set(amr) if isinstance(amr, list) else set()
    acr = id_token.get("acr")
    return bool(amr & set(provider.mfa_amr_values.split())) or (
        isinstance(acr, str) and acr in provider.mfa_acr_values.split()
    )


def valid_enrolment_code(worker, code: str | None = None, pk: int | None = None):
    """``worker``'s unused, unexpired enrolment code, found by the typed ``code`` or by ``pk``;
    ``None`` when there is none."""
    if not code and pk is None:
        return None
    codes = EnrolmentCode.objects.filter(
        worker=worker, used_at__isnull=True, expires_at__gt=timezone.now()
    )
    if code:
        codes = codes.filter(code_hash=enrolment_code_hash(code))
    if pk is not None:
        codes = codes.filter(pk=pk)
    return codes.first()


def break_glass_grants_for_review(lead) -> QuerySet[BreakGlassGrant]:
    """The break-the-glass grants on families with a case of the team lead's team, not yet
    reviewed first, then the newest (one query, with the worker and the family's ref)."""
    if not lead.local_team_id:
        return BreakGlassGrant.objects.none()
    return (
        BreakGlassGrant.objects.filter(
            Exists(Case.objects.filter(family=OuterRef("family"), local_team=lead.local_team_id))
        )
        .select_related("worker__local_team", "family", "reviewed_by")
        .order_by(F("reviewed_at").desc(nulls_first=True), "-granted_at", "-id")
    )
