"""Referral lifecycle: one service call per business action.

Each transition locks the referral, checks the lifecycle table and who may take the step,
changes state, bumps the version, writes a history row and an outbox event in the same
transaction, and asks the rulebook to re-judge the case once committed.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie import services as casusregie_services
from casusregie.models import (
    Case,
    Consent,
    ConsentPurpose,
    NotificationKind,
    RegisseurPeriod,
    Worker,
    Youth,
)
from casusregie.notifications import notify_regisseur
from casusregie.rejudge import request_case_sweep
from casusregie.services import issue_enrolment_code
from casusregie.working_days import add_working_days, last_day_before
from plans import services as plans
from plans.models import Evaluation, Goal, PerspectiveKind, PerspectivePlan, PerspectiveStatus, Plan

from . import selectors
from .codes import decline_reasons, ijw_end_reasons
from .lifecycle import TRANSITIONS, ActorKind, Status
from .models import (
    DECLINE_CODES_NEEDING_AN_ALTERNATIVE,
    PROGRESS_TEXT_MAX,
    GoalProgress,
    IdempotencyRecord,
    OutboxEvent,
    Product,
    ProductCapacity,
    ProgressScale,
    Provider,
    ProviderMembership,
    ProviderRole,
    Referral,
    ReferralEvent,
    Referrer,
)
from .selectors import consent_in_force
from .webhooks import deliver_outbox


class ReferralRefused(Exception):
    """A business action that does not apply; ``code`` for machines, ``message`` in Dutch."""

    status = 409

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


class NotAllowed(ReferralRefused):
    status = 403


class StaleVersion(ReferralRefused):
    status = 412


class InvalidInput(ReferralRefused):
    status = 400


class NotFound(ReferralRefused):
    """Not there for this actor: another provider's referral, or nothing to draft (404, never
    a 403 that confirms it exists)."""

    status = 404


@dataclass(frozen=True)
class TailoredArrangement:
    """A tailored arrangement (maatwerk) of the expert table, as ``create_referral`` needs it:
    whose case, which product, which providers, and the escalation's ref for the history."""

    ref: str
    case_id: int
    product_id: int
    provider_ids: frozenset[int]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    worker: Worker | None = None
    provider: Provider | None = None

    @classmethod
    def regisseur(cls, worker: Worker) -> Actor:
        return cls(ActorKind.REGISSEUR, worker=worker)

    @classmethod
    def of_provider(cls, provider: Provider, user: Worker | None = None) -> Actor:
        """The provider; through its portal also the provider user (``ProviderMembership``),
        whom the referral's event records beside the provider (``actor_worker``)."""
        return cls(ActorKind.PROVIDER, worker=user, provider=provider)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)


def is_current_regisseur(worker: Worker | None, case: Case, on: dt.date) -> bool:
    if worker is None:
        return False
    return RegisseurPeriod.objects.in_force(on).filter(case=case, worker=worker).exists()


def ensure_transition(referral: Referral, to: Status, by: Actor) -> None:
    allowed = TRANSITIONS.get(referral.status, {})
    if to not in allowed:
        raise ReferralRefused(
            "invalid_transition",
            _("Een verwijzing met status ‘%(from)s’ kan niet naar ‘%(to)s’.")
            % {"from": Status(referral.status).label, "to": Status(to).label},
        )
    who = allowed[to]
    if by.kind != who:
        raise NotAllowed("not_allowed", _("Deze stap is niet aan u."))
    if who == ActorKind.REGISSEUR and not is_current_regisseur(
        by.worker, referral.case, timezone.localdate()
    ):
        raise NotAllowed(
            "not_regisseur", _("Alleen de huidige regisseur van de casus kan dit doen.")
        )
    if who == ActorKind.PROVIDER and by.provider.pk != referral.provider_id:
        raise NotAllowed("not_addressed", _("Deze verwijzing is niet aan u gericht."))


def _locked(referral: Referral) -> Referral:
    # Only the referral's row: FOR UPDATE without ``of`` also locks the joined rows, and a
    # product is shared by thousands of referrals (every answer for it waited on the one
    # before, make bench-api).
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "product")
        .get(pk=referral.pk)
    )


def _check_version(referral: Referral, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != referral.version:
        raise StaleVersion(
            "stale_version",
            _("De verwijzing is intussen gewijzigd (versie %(now)s); haal haar opnieuw op.")
            % {"now": referral.version},
        )


def event_payload(referral: Referral, kind: str) -> dict:
    return {
        "type": f"referral.{kind}",
        "referral": referral.ref,
        "status": referral.status,
        "version": referral.version,
        "at": timezone.now().isoformat(),
    }


def _record(referral: Referral, from_status: str, by: Actor, kind: str, **data) -> None:
    if by.kind == ActorKind.PROVIDER and by.worker is not None:
        data["provider_user"] = by.worker.ref
    referral.version += 1
    referral.save()
    ReferralEvent.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=referral.status,
        actor_kind=by.kind,
        actor_worker=by.worker,
        actor_provider=by.provider,
        data={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()},
    )
    if referral.status != Status.DRAFT:
        OutboxEvent.objects.create(
            provider_id=referral.provider_id,
            referral=referral,
            kind=kind,
            payload=event_payload(referral, kind),
        )
        transaction.on_commit(deliver_outbox.soon)
    if by.kind == ActorKind.PROVIDER and kind in PROVIDER_NEWS:
        _tell_the_regisseur(referral, by, kind)
    request_case_sweep(referral.case_id)


# What a provider's step tells the case's regisseur (a melding, in the step's transaction).
PROVIDER_NEWS = {
    "accepted": NotificationKind.REFERRAL_ACCEPTED,
    "declined": NotificationKind.REFERRAL_DECLINED,
    "started": NotificationKind.CARE_STARTED,
    "ended": NotificationKind.CARE_ENDED,
}


def _tell_the_regisseur(referral: Referral, by: Actor, kind: str) -> None:
    names = {"provider": by.provider.name, "product": referral.product.name}
    if kind == "accepted":
        text = _("%(provider)s heeft de verwijzing voor %(product)s toegewezen.") % names
    elif kind == "declined":
        text = _("%(provider)s heeft de verwijzing voor %(product)s afgewezen.") % names
        # geen nee zonder alternatief: what the provider chose, for the regisseur to act on
        alternatives = [
            a.name for a in (referral.alternative_provider, referral.alternative_product) if a
        ]
        if alternatives:
            text += " " + _("Voorgesteld alternatief: %(alternatives)s.") % {
                "alternatives": ", ".join(alternatives)
            }
        elif referral.no_alternative_known:
            text += " " + _("De aanbieder kent geen alternatief.")
    elif kind == "started":
        text = _("%(provider)s is op %(day)s gestart met de zorg: %(product)s.") % {
            **names,
            "day": referral.started_on.strftime("%d-%m-%Y"),
        }
    else:
        text = _("%(provider)s heeft de zorg (%(product)s) op %(day)s beëindigd.") % {
            **names,
            "day": referral.ended_on.strftime("%d-%m-%Y"),
        }
    notify_regisseur(referral.case_id, PROVIDER_NEWS[kind], text)


def _transition(
    referral: Referral, to: Status, by: Actor, expected_version: int | None
) -> tuple[Referral, str]:
    locked = _locked(referral)
    ensure_transition(locked, to, by)
    _check_version(locked, expected_version)
    return locked, locked.status


def has_established_analysis(case: Case, on: dt.date) -> bool:
    """The case's current analysis is established on or before ``on``: what a specialist
    referral that is not crisis care needs to be sent."""
    analysis = case.analyses.filter(is_current=True).first()
    return analysis is not None and analysis.is_established and analysis.established_on <= on


# -- the regisseur ------------------------------------------------------------------------------
@transaction.atomic
def create_referral(
    *,
    case: Case,
    youth: Youth,
    product: Product,
    provider: Provider,
    by: Actor,
    question: str = "",
    tailored: TailoredArrangement | None = None,
    referrer: str = Referrer.MUNICIPALITY,
) -> Referral:
    """A draft referral, by the case's current regisseur, to a contracted provider.

    ``tailored``: the expert table's tailored arrangement (maatwerk) this referral carries out,
    as the table's app vouches for it (``escalations.services.tailored_arrangement``: an open
    decision of this case). Maatwerk is the answer when the contracted offer has none, so the
    contract check does not apply; the referral must be what the table decided (its product,
    one of its providers). Sending it still needs an established analysis for a specialist
    product (``send_referral``).
    """
    if by.kind != ActorKind.REGISSEUR or not is_current_regisseur(
        by.worker, case, timezone.localdate()
    ):
        raise NotAllowed("not_regisseur", _("Alleen de huidige regisseur van de casus verwijst."))
    if case.closed_on is not None:
        raise ReferralRefused("case_closed", _("De casus is gesloten."))
    if youth.family_id != case.family_id:
        raise InvalidInput(
            "youth_not_in_family", _("Deze jeugdige hoort niet bij dit gezin."), "youth"
        )
    if referrer not in Referrer.values:
        raise InvalidInput("unknown_referrer", _("Kies wie de jeugdige verwijst."), "referrer")
    from .routing import has_valid_contract

    data = {}
    if tailored is not None:
        if tailored.case_id != case.pk:
            raise InvalidInput(
                "not_tailored",
                _("Dit is geen open maatwerkarrangement van de experttafel voor deze casus."),
            )
        if product.pk != tailored.product_id or provider.pk not in tailored.provider_ids:
            raise InvalidInput(
                "not_tailored",
                _(
                    "De experttafel besloot tot maatwerk met een ander product of een andere "
                    "aanbieder."
                ),
                "provider",
            )
        data = {"tailored_decision": tailored.ref}
    elif not has_valid_contract(
        provider, product, case.family.municipality_id, timezone.localdate()
    ):
        raise InvalidInput(
            "no_contract",
            _("Deze aanbieder heeft geen geldig contract voor dit product in deze gemeente."),
            "provider",
        )
    referral = Referral.objects.create(
        case=case,
        youth=youth,
        product=product,
        provider=provider,
        question=question,
        referrer=referrer,
    )
    ReferralEvent.objects.create(
        referral=referral,
        to_status=Status.DRAFT,
        actor_kind=by.kind,
        actor_worker=by.worker,
        data=data,
    )
    return referral


@transaction.atomic
def send_referral(
    *, referral: Referral, by: Actor, expected_version: int | None = None
) -> Referral:
    referral, was = _transition(referral, Status.SENT, by, expected_version)
    today = timezone.localdate()
    # Crisis care is sent at once; the analysis follows (CRISIS_ANALYSIS_OVERDUE asks for it).
    product = referral.product
    if (
        product.specialist
        and not product.crisis
        and not has_established_analysis(referral.case, today)
    ):
        raise ReferralRefused(
            "analysis_not_established",
            _(
                "Een verwijzing naar specialistische hulp kan pas worden verzonden als de "
                "verklarende analyse met het gezin is vastgesteld."
            ),
        )
    referral.status, referral.sent_on = Status.SENT, today
    _record(referral, was, by, "sent")
    return referral


@transaction.atomic
def withdraw_referral(
    *, referral: Referral, by: Actor, expected_version: int | None = None
) -> Referral:
    referral, was = _transition(referral, Status.WITHDRAWN, by, expected_version)
    referral.status = Status.WITHDRAWN
    _record(referral, was, by, "withdrawn")
    return referral


@transaction.atomic
def record_bridging(
    *,
    referral: Referral,
    by: Actor,
    on_from: dt.date,
    description: str,
    provided_by: str = "",
    expected_version: int | None = None,
) -> Referral:
    """The bridging support (overbrugging) while the youth waits: what, by whom, from when.

    Only the case's current regisseur records it, on a referral that still waits (sent or
    accepted), from its sent date on; recording it again replaces it. The provider hears of it
    (outbox) and sees it in its API; ``WAITING_WITHOUT_BRIDGING`` resolves on the next sweep.
    """
    locked = _locked(referral)
    if by.kind != ActorKind.REGISSEUR or not is_current_regisseur(
        by.worker, locked.case, timezone.localdate()
    ):
        raise NotAllowed("not_regisseur", _("Alleen de huidige regisseur van de casus kan dit."))
    _check_version(locked, expected_version)
    if locked.status not in (Status.SENT, Status.ACCEPTED):
        raise ReferralRefused(
            "not_waiting",
            _("Overbrugging hoort bij een verwijzing die wacht op de start van de zorg."),
        )
    description, provided_by = description.strip(), provided_by.strip()
    if not description:
        raise InvalidInput(
            "bridging_description_required", _("Beschrijf de overbrugging."), "description"
        )
    if on_from < locked.sent_on:
        raise InvalidInput(
            "bridging_before_sent",
            _("De overbrugging begint niet vóór de verzending (%(sent)s).")
            % {"sent": locked.sent_on.isoformat()},
            "from",
        )
    locked.bridging_from, locked.bridging_description = on_from, description[:500]
    locked.bridging_by = provided_by[:200]
    _record(locked, locked.status, by, "bridging", bridging_from=on_from)
    return locked


@transaction.atomic
def record_sharing_consent(
    *, referral: Referral, by: Actor, analysis: bool, contact: bool
) -> list[Consent]:
    """The family's consent, asked when the referral is sent, to share with its provider the
    established analysis (and with it the plan's goals) and the family's contact details (the
    carers' names, phone numbers and e-mail addresses): a ``Consent`` per purpose consented
    to, with the referral's provider, given today, recorded by the regisseur. A purpose
    already in force with this provider is not recorded twice. Call it in the transaction
    that sends the referral: refused, neither the referral nor the consent stays."""
    if by.kind != ActorKind.REGISSEUR or not is_current_regisseur(
        by.worker, referral.case, timezone.localdate()
    ):
        raise NotAllowed("not_regisseur", _("Alleen de huidige regisseur van de casus kan dit."))
    today = timezone.localdate()
    wanted = [
        purpose
        for purpose, asked in (
            (ConsentPurpose.SHARE_ANALYSIS, analysis),
            (ConsentPurpose.SHARE_CONTACT, contact),
        )
        if asked
    ]
    recorded = []
    for purpose in wanted:
        if Consent.objects.filter(
            consent_in_force(referral.provider_id, today, purpose), case=referral.case_id
        ).exists():
            continue
        try:
            recorded.append(
                casusregie_services.record_consent(
                    case=referral.case,
                    purpose=purpose,
                    given_on=today,
                    provider=referral.provider,
                    by=by.worker,
                )
            )
        except ValidationError as error:
            raise ReferralRefused("consent_refused", " ".join(error.messages)) from error
    return recorded


# -- the provider -------------------------------------------------------------------------------
@transaction.atomic
def accept_referral(
    *, referral: Referral, by: Actor, expected_version: int | None = None
) -> Referral:
    referral, was = _transition(referral, Status.ACCEPTED, by, expected_version)
    referral.status, referral.answered_on = Status.ACCEPTED, timezone.localdate()
    _record(referral, was, by, "accepted")
    return referral


@transaction.atomic
def decline_referral(
    *,
    referral: Referral,
    by: Actor,
    reason_code: str,
    reason: str = "",
    alternative_provider: Provider | None = None,
    alternative_product: Product | None = None,
    no_alternative_known: bool = False,
    expected_version: int | None = None,
) -> Referral:
    """Geen nee zonder alternatief: a decline names its reason and may suggest another way.

    For no capacity and not the right care (``DECLINE_CODES_NEEDING_AN_ALTERNATIVE``) the
    provider must choose: an alternative provider or product, *or* explicitly "geen alternatief
    bekend" (``no_alternative_known``); never both. The database checks the same.
    """
    reasons = decline_reasons()
    if reason_code not in reasons:
        raise InvalidInput(
            "unknown_decline_reason",
            _("Kies een reden uit de lijst: %(codes)s.") % {"codes": ", ".join(reasons)},
            "reason_code",
        )
    if reason_code == "other" and not reason.strip():
        raise InvalidInput("reason_required", _("Licht de reden ‘anders’ toe."), "reason")
    has_alternative = alternative_provider is not None or alternative_product is not None
    if no_alternative_known and has_alternative:
        raise InvalidInput(
            "alternative_and_none_known",
            _("Noem een alternatief óf kies ‘geen alternatief bekend’, niet allebei."),
            "no_alternative_known",
        )
    if (
        reason_code in DECLINE_CODES_NEEDING_AN_ALTERNATIVE
        and not has_alternative
        and not no_alternative_known
    ):
        raise InvalidInput(
            "alternative_required",
            _(
                "Geen nee zonder alternatief: noem een andere aanbieder of een ander product, "
                "of kies uitdrukkelijk ‘geen alternatief bekend’."
            ),
            "alternative_provider",
        )
    referral, was = _transition(referral, Status.DECLINED, by, expected_version)
    referral.status, referral.answered_on = Status.DECLINED, timezone.localdate()
    referral.decline_code = reason_code
    referral.decline_reason = reason.strip() or reasons[reason_code]
    referral.alternative_provider = alternative_provider
    referral.alternative_product = alternative_product
    referral.no_alternative_known = no_alternative_known
    _record(
        referral,
        was,
        by,
        "declined",
        reason_code=reason_code,
        no_alternative_known=no_alternative_known,
    )
    return referral


@transaction.atomic
def start_care(
    *,
    referral: Referral,
    by: Actor,
    started_on: dt.date | None = None,
    expected_version: int | None = None,
) -> Referral:
    referral, was = _transition(referral, Status.STARTED, by, expected_version)
    started_on = started_on or timezone.localdate()
    if started_on < referral.answered_on or started_on > timezone.localdate():
        raise InvalidInput(
            "invalid_start_date",
            _("De startdatum ligt tussen de toewijzing (%(answered)s) en vandaag.")
            % {"answered": referral.answered_on.isoformat()},
            "started_on",
        )
    referral.status, referral.started_on = Status.STARTED, started_on
    _record(referral, was, by, "started", started_on=started_on)
    return referral


@transaction.atomic
def end_care(
    *,
    referral: Referral,
    by: Actor,
    end_code: str,
    ended_on: dt.date | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Referral:
    codes = ijw_end_reasons()
    if end_code not in codes:
        raise InvalidInput(
            "unknown_end_reason",
            _("Kies een iJw-reden beëindiging: %(codes)s.") % {"codes": ", ".join(codes)},
            "end_code",
        )
    referral, was = _transition(referral, Status.ENDED, by, expected_version)
    ended_on = ended_on or timezone.localdate()
    if ended_on < referral.started_on or ended_on > timezone.localdate():
        raise InvalidInput(
            "invalid_end_date",
            _("De einddatum ligt tussen de start van de zorg (%(started)s) en vandaag.")
            % {"started": referral.started_on.isoformat()},
            "ended_on",
        )
    referral.status, referral.ended_on = Status.ENDED, ended_on
    referral.end_code, referral.end_reason = end_code, reason.strip() or codes[end_code]
    _record(referral, was, by, "ended", ended_on=ended_on, end_code=end_code)
    return referral


# -- the perspective plan, drafted by the provider ----------------------------------------------
#
# The provider in whose care the youth is (its referral accepted or started) drafts the youth's
# perspective plan when the youth is 16 or older today (the toekomstplan 18-/18+) or placed out
# of home by the referral's product (the plan for returning home), with the family's consent to
# share in force; the case's regisseur agrees it (``plans.services.agree_perspective_plan``).
# The API and the providers' portal call these; input errors are a ``ValidationError`` keyed by
# part (``housing`` …, ``kind``), refusals a ``ReferralRefused`` (404, 403, 409, 412).


@dataclass(frozen=True)
class PerspectiveAccess:
    """What ``perspective_plan_access`` found: the referral (as ``selectors.
    referral_for_perspective`` reads it), the kind of plan meant, and that plan if any."""

    referral: Referral
    kind: str
    plan: PerspectivePlan | None


def perspective_plan_access(
    *, by: Actor, referral_ref: str, kind: str | None = None
) -> PerspectiveAccess:
    """May ``by`` (a provider) draft the perspective plan of this referral's youth, of
    ``kind`` (default: the first of ``selectors.perspective_kinds``)?

    ``NotFound`` (404) for another provider's referral, a referral not in care, or a youth
    neither 16 nor placed out of home; ``NotAllowed`` (403, ``no_consent``) without the
    family's consent in force; ``InvalidInput`` (400, field ``kind``) for a kind that does not
    apply. Reads only (the plan is looked up without a lock)."""
    if by.kind != ActorKind.PROVIDER or by.provider is None:
        raise NotFound("not_found", _("Niet gevonden."))
    referral = selectors.referral_for_perspective(by.provider, referral_ref)
    if referral is None:
        raise NotFound("not_found", _("Niet gevonden."))
    kinds = selectors.perspective_kinds(referral, timezone.localdate())
    if not kinds:
        raise NotFound(
            "no_perspective_plan_to_draft",
            _(
                "U stelt een perspectiefplan op voor een jeugdige in uw zorg (verwijzing "
                "toegewezen of gestart) die 16 jaar of ouder is of buiten huis is geplaatst."
            ),
        )
    if not referral.consent_in_force:
        raise NotAllowed(
            "no_consent",
            _(
                "Het gezin heeft (nu) geen toestemming gegeven om gegevens met u te delen; "
                "het perspectiefplan is daarom niet voor u in te zien of op te stellen."
            ),
        )
    if kind is None:
        kind = kinds[0]
    elif kind not in kinds:
        raise InvalidInput(
            "kind_not_applicable",
            _("Voor deze jeugdige stelt u een perspectiefplan op van de soort: %(kinds)s.")
            % {"kinds": ", ".join(str(PerspectiveKind(k).label) for k in kinds)},
            "kind",
        )
    return PerspectiveAccess(referral, kind, selectors.perspective_plan_of(referral, kind))


def _open_for_perspective(access: PerspectiveAccess) -> None:
    if access.referral.case.closed_on is not None:
        raise ReferralRefused("case_closed", _("De casus is gesloten."))


@transaction.atomic
def draft_perspective_plan(
    *,
    referral: Referral,
    by: Actor,
    kind: str | None = None,
    parts: plans.PartsInput | None = None,
    notes: str = "",
) -> PerspectivePlan:
    """The provider ``by`` starts the perspective plan of the referral's youth (a draft, with
    ``parts`` as far as written: part → ``plans.services.PartInput``). Refused as
    ``perspective_plan_access`` says, and with 409 when the youth already has one of that kind
    (``update_perspective_plan`` then)."""
    # The case first, as ``plans.services.add_perspective_plan`` locks it: of two drafts at
    # once, the second sees the first's plan (409).
    list(Case.objects.select_for_update().filter(pk=referral.case_id).values_list("pk"))
    access = perspective_plan_access(by=by, referral_ref=referral.ref, kind=kind)
    _open_for_perspective(access)
    if access.plan is not None:
        raise ReferralRefused(
            "perspective_plan_exists",
            _("Er is al een perspectiefplan van deze soort voor deze jeugdige; werk dat bij."),
        )
    return plans.add_perspective_plan(
        case=access.referral.case,
        youth=access.referral.youth,
        kind=access.kind,
        notes=notes,
        parts=parts,
        drafted_by_provider_id=by.provider.pk,
    )


@transaction.atomic
def update_perspective_plan(
    *,
    referral: Referral,
    by: Actor,
    kind: str | None = None,
    parts: plans.PartsInput | None = None,
    notes: str | None = None,
    expected_version: int | None = None,
) -> PerspectivePlan:
    """The provider ``by`` writes the draft on: the given ``parts`` (left out: as they are)
    and ``notes`` (``None``: as they are). Only while the plan is a draft (409 once agreed:
    the regisseur corrects it then); with ``expected_version``, 412 if it changed meanwhile.
    404 when there is no plan of that kind yet (``draft_perspective_plan``)."""
    access = perspective_plan_access(by=by, referral_ref=referral.ref, kind=kind)
    _open_for_perspective(access)
    if access.plan is None:
        raise NotFound(
            "no_perspective_plan",
            _("Er is nog geen perspectiefplan van deze soort voor deze jeugdige; begin het."),
        )
    locked = PerspectivePlan.objects.select_for_update(of=("self",)).get(pk=access.plan.pk)
    if locked.status != PerspectiveStatus.DRAFT:
        raise ReferralRefused(
            "perspective_plan_agreed",
            _(
                "Het perspectiefplan is al afgesproken; alleen de regisseur van de casus kan "
                "het nog aanpassen."
            ),
        )
    try:
        return plans.change_perspective_plan(
            perspective=locked,
            notes=notes,
            parts=parts,
            drafted_by_provider_id=by.provider.pk,
            expected_version=expected_version,
        )
    except plans.PerspectivePlanChanged as changed:
        raise StaleVersion(
            "stale_version",
            _("Het perspectiefplan is intussen gewijzigd (versie %(now)s); haal het opnieuw op.")
            % {"now": changed.version},
        ) from changed


def clean_progress_text(text: str) -> str:
    """A progress report's text: stripped, not empty, at most ``PROGRESS_TEXT_MAX`` characters,
    no control characters other than a line break or a tab."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("text_required", _("Beschrijf kort de voortgang op dit doel."), "text")
    if len(text) > PROGRESS_TEXT_MAX:
        raise InvalidInput(
            "text_too_long",
            _("De toelichting is hooguit %(max)s tekens.") % {"max": PROGRESS_TEXT_MAX},
            "text",
        )
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r\t" for c in text):
        raise InvalidInput(
            "text_control_characters", _("De toelichting bevat ongeldige tekens."), "text"
        )
    return text


IN_CARE = (Status.ACCEPTED, Status.STARTED)


@transaction.atomic
def report_goal_progress(
    *,
    referral: Referral,
    goal: Goal,
    scale: str,
    text: str,
    by: Actor,
    evaluation: Evaluation | None = None,
) -> GoalProgress:
    """Oplopen met het gezin: the provider reports where one goal of the plan stands.

    ``referral``: a referral of the provider ``by.provider`` (``Actor.of_provider``), in its
    care: accepted or started (else ``ReferralRefused`` "not_in_care", 409). The family's
    consent to share the analysis with this provider must be in force today: the goals are
    shared under it (else "no_consent", 409). ``goal``: a goal of the current plan of the
    referral's case (else ``InvalidInput`` "goal_not_in_plan", field ``goal``).
    ``evaluation``: optional, an evaluation of that plan the report is made for (else
    "evaluation_not_in_plan", field ``evaluation``). ``scale``: a ``ProgressScale`` value
    ("not_started", "working", "reached"; field ``scale``). ``text``: a short text, stripped,
    1 to 1,000 characters, no control characters (field ``text``). ``by.worker``, when set (a
    provider's staff member in the portal), is kept as ``reported_by_worker``; through the API
    it is empty. Another provider's referral: ``NotAllowed`` (the API answers 404 before).

    Returns the new ``GoalProgress``; a report never replaces an earlier one, the latest
    counts. Raises ``ReferralRefused`` (and its ``InvalidInput``/``NotAllowed``) with a Dutch
    ``message``, a ``code`` and for bad input the ``field``.
    """
    if by.kind != ActorKind.PROVIDER or by.provider is None:
        raise NotAllowed("not_allowed", _("Alleen de zorgaanbieder meldt voortgang."))
    locked = _locked(referral)
    if by.provider.pk != locked.provider_id:
        raise NotAllowed("not_addressed", _("Deze verwijzing is niet aan u gericht."))
    if locked.status not in IN_CARE:
        raise ReferralRefused(
            "not_in_care",
            _("Voortgang meldt u bij een verwijzing die u hebt toegewezen of gestart."),
        )
    today = timezone.localdate()
    if not Consent.objects.filter(
        consent_in_force(locked.provider_id, today), case=locked.case_id
    ).exists():
        raise ReferralRefused(
            "no_consent",
            _("Het gezin heeft geen toestemming (meer) gegeven om het plan met u te delen."),
        )
    plan = Plan.objects.filter(pk=goal.plan_id).only("case_id", "is_current").first()
    if plan is None or plan.case_id != locked.case_id or not plan.is_current:
        raise InvalidInput(
            "goal_not_in_plan", _("Dit doel hoort niet bij het huidige plan van dit gezin."), "goal"
        )
    if evaluation is not None and evaluation.plan_id != plan.pk:
        raise InvalidInput(
            "evaluation_not_in_plan",
            _("Deze evaluatie hoort niet bij het plan van dit doel."),
            "evaluation",
        )
    if scale not in ProgressScale.values:
        raise InvalidInput(
            "unknown_scale",
            _("Kies de voortgang: %(values)s.") % {"values": ", ".join(ProgressScale.values)},
            "scale",
        )
    return GoalProgress.objects.create(
        referral=locked,
        goal_id=goal.pk,
        evaluation=evaluation,
        scale=scale,
        text=clean_progress_text(text),
        reported_by_worker=by.worker,
    )


MAX_CAPACITY_PLACES = 100_000
MAX_EXPECTED_WAIT_DAYS = 3650


def report_capacity(
    *,
    provider: Provider,
    product: Product,
    available_places: int,
    expected_wait_days: int | None = None,
) -> ProductCapacity:
    """The provider's capacity for a product (free places, expected wait); a new report
    replaces the previous one. The API's capacity endpoint and the portal both report here."""
    if not 0 <= available_places <= MAX_CAPACITY_PLACES:
        raise InvalidInput(
            "invalid_places",
            _("Vul een aantal vrije plaatsen in van 0 tot %(max)s.") % {"max": MAX_CAPACITY_PLACES},
            "available_places",
        )
    if expected_wait_days is not None and not 0 <= expected_wait_days <= MAX_EXPECTED_WAIT_DAYS:
        raise InvalidInput(
            "invalid_wait",
            _("De verwachte wachttijd ligt tussen 0 en %(max)s dagen.")
            % {"max": MAX_EXPECTED_WAIT_DAYS},
            "expected_wait_days",
        )
    capacity, _created = ProductCapacity.objects.update_or_create(
        provider=provider,
        product=product,
        defaults={"available_places": available_places, "expected_wait_days": expected_wait_days},
    )
    return capacity


# -- provider users ------------------------------------------------------------------------------
def check_provider_user(worker: Worker) -> None:
    """A provider user holds no local team, region, role, staff or superuser status (the
    database checks the same, migration 0012): one or the other, never both."""
    has_roles = worker.pk is not None and worker.role_memberships.exists()
    if (
        worker.local_team_id
        or worker.region_id
        or worker.is_staff
        or worker.is_superuser
        or has_roles
    ):
        raise InvalidInput(
            "provider_user_has_local_role",
            _(
                "Een medewerker van een zorgaanbieder heeft geen lokaal team, regio, rol of "
                "beheerrechten: maak een eigen account voor de aanbieder."
            ),
            "worker",
        )


def _may_manage_members(provider: Provider, by: Worker) -> ProviderMembership:
    """``by`` is an active coordinator of ``provider``: only they manage its staff on the
    portal (the functional administrator does so in the admin)."""
    membership = ProviderMembership.objects.filter(worker=by, active=True).first()
    if (
        membership is None
        or membership.provider_id != provider.pk
        or membership.role != ProviderRole.COORDINATOR
    ):
        raise NotAllowed(
            "not_coordinator",
            _("Alleen een coördinator van deze aanbieder beheert haar medewerkers."),
        )
    return membership


@transaction.atomic
def add_provider_staff(
    *, provider: Provider, by: Worker, username: str, name: str, email: str, password: str
) -> tuple[ProviderMembership, str]:
    """A new staff member (role staff, never coordinator) of the coordinator's own provider:
    a worker account with this starting password and a one-time enrolment code for the
    authenticator (returned once, for the coordinator to hand over)."""
    _may_manage_members(provider, by)
    username, name, email = username.strip(), name.strip(), email.strip()
    if not username:
        raise InvalidInput("username_required", _("Vul een gebruikersnaam in."), "username")
    if Worker.objects.filter(username__iexact=username).exists():
        raise InvalidInput("username_taken", _("Deze gebruikersnaam is al in gebruik."), "username")
    if not name:
        raise InvalidInput("name_required", _("Vul de naam in."), "name")
    worker = Worker(username=username, name=name[:200], email=email)
    try:
        validate_password(password, worker)
    except ValidationError as error:
        raise InvalidInput("weak_password", " ".join(error.messages), "password") from None
    worker.set_password(password)
    worker.save()
    membership = ProviderMembership.objects.create(
        worker=worker, provider=provider, role=ProviderRole.STAFF, created_by=by
    )
    return membership, issue_enrolment_code(worker, issued_by=by)


@transaction.atomic
def deactivate_provider_member(*, membership: ProviderMembership, by: Worker) -> ProviderMembership:
    """The coordinator ends a staff member's access: the membership and the account are
    deactivated (no login, no portal). Not oneself, nor another coordinator, nor another
    provider's staff."""
    locked = ProviderMembership.objects.select_for_update().get(pk=membership.pk)
    _may_manage_members(locked.provider, by)
    if locked.worker_id == by.pk:
        raise NotAllowed("not_oneself", _("U deactiveert uw eigen account niet."))
    if locked.role != ProviderRole.STAFF:
        raise NotAllowed(
            "not_staff", _("Een coördinator wordt door de functioneel beheerder beheerd.")
        )
    if not locked.active:
        return locked
    locked.active, locked.deactivated_at, locked.deactivated_by = False, timezone.now(), by
    locked.save(update_fields=["active", "deactivated_at", "deactivated_by"])
    Worker.objects.filter(pk=locked.worker_id).update(is_active=False)
    return locked


# -- the system ---------------------------------------------------------------------------------
def expire_unanswered(as_of: dt.date) -> int:
    """Referrals still `sent` REFERRAL_EXPIRY_WORKING_DAYS working days after sending expire."""
    days = settings.REFERRAL_EXPIRY_WORKING_DAYS
    cutoff = last_day_before(as_of, days)
    expired = 0
    due = Referral.objects.filter(status=Status.SENT, sent_on__lte=cutoff).order_by("pk")
    for referral in due.iterator():  # the few referrals due today, not all referrals
        try:
            with transaction.atomic():
                locked, was = _transition(referral, Status.EXPIRED, Actor.system(), None)
                # The day its expiry fell due, also when the run comes late (the rulebook
                # counts DECLINED_WITHOUT_ALTERNATIVE from it).
                locked.status = Status.EXPIRED
                locked.expired_on = add_working_days(locked.sent_on, days)
                _record(locked, was, Actor.system(), "expired", expired_on=locked.expired_on)
        except ReferralRefused:
            # Answered (or withdrawn) between the query and the lock: the answer won, and the
            # rest of the day's run goes on.
            continue
        expired += 1
    return expired


def idempotency_expired_at_or_before(now: dt.datetime) -> dt.datetime:
    """A record made at or before this moment has expired (``IDEMPOTENCY_TTL_HOURS``)."""
    return now - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def is_idempotency_record_expired(record: IdempotencyRecord, now: dt.datetime) -> bool:
    return record.created_at <= idempotency_expired_at_or_before(now)


def delete_expired_idempotency_records(now: dt.datetime) -> int:
    """Forget the idempotency keys older than ``IDEMPOTENCY_TTL_HOURS`` (beat, hourly)."""
    deleted, _rows = IdempotencyRecord.objects.filter(
        created_at__lte=idempotency_expired_at_or_before(now)
    ).delete()
    return deleted
