"""Writes of the expert table: bring a case to the table, plan a session, set its agenda,
record the decision, send the referral of a tailored arrangement, close the follow-up.

The sweep submits its escalations set-based in SQL (``flags.services``), with the same rule as
here: a case has at most one open escalation (a database constraint), and a new request for a
case that is already on the table joins the open escalation instead of making a second one.

Each action checks the actor against ``escalations.policies`` (views have checked the scope
already: this is the second line) and raises ``PermissionDenied``; a business rule that does not
hold raises ``ValidationError`` with a Dutch message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie import services as core
from casusregie.models import (
    GI_ROLES,
    Carer,
    Case,
    Consent,
    ConsentPurpose,
    InvolvedProfessional,
    InvolvedRole,
    Notification,
    NotificationKind,
    RegisseurPeriod,
    Role,
    Worker,
    Youth,
)
from casusregie.notifications import EMAIL_DUE_SQL, mail_on_commit, notify, notify_regisseur
from casusregie.policies import consent_for_expert_table
from casusregie.rejudge import request_case_sweep
from referrals import services as referrals
from referrals.lifecycle import Status

from . import policies
from .models import (
    ABOVE_REGION_TO,
    DECISIONS_OF_TABLE,
    EXPERT_TABLE_NAME,
    PASSED_TO_OF,
    REFERRAL_KINDS,
    AgendaItem,
    CallerKind,
    Decision,
    DecisionKind,
    Escalation,
    EscalationSource,
    Invitation,
    InvitationKind,
    Table,
    TableKind,
    TableSession,
)

DAY = "%d-%m-%Y"


def expert_table_of(region_id: int) -> Table:
    """The region's expert table, made when the region has none yet (every region has one)."""
    table, _created = Table.objects.get_or_create(
        region_id=region_id,
        kind=TableKind.EXPERT_TABLE,
        defaults={"name": EXPERT_TABLE_NAME},
    )
    return table


def region_created(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A new region gets its expert table at once (post_save of ``casusregie.Region``)."""
    if created and not raw:
        expert_table_of(instance.pk)


def case_region_id(case: Case) -> int:
    return (
        Case.objects.filter(pk=case.pk).values_list("family__municipality__region", flat=True).get()
    )


def open_escalation_of(case: Case) -> Escalation | None:
    """The case's escalation that has not been discussed yet, if any."""
    return Escalation.objects.filter(case=case, discussed_on__isnull=True).first()


def _declined_of(case: Case, referrals: Iterable) -> list:
    chosen = list(referrals)
    for referral in chosen:
        if referral.case_id != case.pk or referral.status != Status.DECLINED:
            raise ValidationError(_("Kies alleen afgewezen verwijzingen van deze casus."))
    return chosen


def _joined(text: str, addition: str) -> str:
    """``text`` with ``addition`` as a new paragraph, unless it says that already."""
    addition = addition.strip()
    if not addition or addition in text:
        return text
    return f"{text}\n\n{addition}" if text else addition


def submit_escalation(
    *,
    case: Case,
    reason: str,
    by: Worker | None = None,
    source: str = EscalationSource.REGISSEUR,
    submitted_on: dt.date | None = None,
    tried: str = "",
    declined_referrals: Iterable = (),
    supplement: bool = False,
    consent_given_on: dt.date | None = None,
    table: Table | None = None,
) -> Escalation:
    """Bring ``case`` to a table of its region (``table``; its expert table unless given); the
    open escalation when there is one. A case is open at one table at a time: while it waits
    at another table, a request for this one is refused.

    A later request for a case already on the table attaches to the open escalation (a flag
    links to it, the sweep leaves it as it is). With ``supplement`` — the regisseur's own
    aanmelding form — its question and what was tried are added to the open escalation as new
    paragraphs and its declined referrals joined. ``consent_given_on``: the family consented to
    the table on that day (asked on the form); recorded unless a consent is in force already.
    """
    if case.closed_on is not None:
        raise ValidationError(_("Deze casus is gesloten."))
    declined = _declined_of(case, declined_referrals)
    region = case_region_id(case)
    table = table or expert_table_of(region)
    if table.region_id != region:
        raise ValidationError(_("Deze tafel hoort niet bij de regio van de casus."))
    existing = open_escalation_of(case)
    if existing is not None and existing.table_id != table.pk:
        raise ValidationError(
            _("Deze casus staat al open bij een andere tafel: %(table)s.")
            % {"table": existing.table.name}
        )
    if consent_given_on is not None:
        record_table_consent(case=case, given_on=consent_given_on, by=by)
    if existing is None:
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    case=case,
                    table=table,
                    reason=reason.strip(),
                    tried=tried.strip(),
                    submitted_by=by,
                    source=source,
                    submitted_on=submitted_on or timezone.localdate(),
                )
                escalation.declined_referrals.add(*declined)
        except IntegrityError:
            # Someone else submitted one at the same moment: that one is the case's escalation.
            existing = open_escalation_of(case)
            if existing is None:
                raise
        else:
            request_case_sweep(
                case.pk
            )  # ESCALATION_NOT_DISCUSSED starts counting for this escalation
            return escalation
    if not supplement:
        return existing
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=existing.pk)
        reason_now, tried_now = _joined(escalation.reason, reason), _joined(escalation.tried, tried)
        if (reason_now, tried_now) != (escalation.reason, escalation.tried):
            escalation.reason, escalation.tried = reason_now, tried_now
            escalation.save(update_fields=["reason", "tried", "updated_at"])
        escalation.declined_referrals.add(*declined)
    return escalation


def has_table_consent(case: Case | int, on: dt.date | None = None) -> bool:
    """The family's consent for the expert table is in force on ``on`` (today)."""
    on = on or timezone.localdate()
    case_id = case if isinstance(case, int) else case.pk
    return Consent.objects.filter(consent_for_expert_table(on), case_id=case_id).exists()


@transaction.atomic
def record_table_consent(*, case: Case, given_on: dt.date, by: Worker | None) -> Consent | None:
    """Record the family's consent for the expert table (``casusregie.services``), unless one
    is in force already (then None)."""
    if has_table_consent(case):
        return None
    return core.record_consent(
        case=case, purpose=ConsentPurpose.EXPERT_TABLE, given_on=given_on, by=by
    )


def caller_kinds_of(by: Worker, case: Case, table: Table, on: dt.date | None = None) -> set:
    """As whom ``by`` may call ``table`` for ``case`` today (``CallerKind``s; empty: not at
    all): its regisseur; a GI or Veilig Thuis recorded as involved professional of the case
    with ``by`` as their account; a member of the table — each only when the table lets
    that kind call it, and only a table of the case's region."""
    on = on or timezone.localdate()
    if table.region_id != case_region_id(case):
        return set()
    kinds = set()
    if _current_regisseur_id(case.pk, on) == by.pk:
        kinds.add(CallerKind.REGISSEUR)
    roles = set(
        InvolvedProfessional.objects.in_force(on)
        .filter(case=case, worker=by)
        .values_list("role", flat=True)
    )
    if roles & {r.value for r in GI_ROLES}:
        kinds.add(CallerKind.GI)
    if InvolvedRole.VEILIG_THUIS in roles:
        kinds.add(CallerKind.VEILIG_THUIS)
    if policies.tables_of(by).filter(pk=table.pk).exists():
        kinds.add(CallerKind.TABLE_MEMBER)
    return {k for k in kinds if k in table.callers}


#: When ``by`` may call a table in more than one way, the escalation records the first.
CALLER_ORDER = (
    CallerKind.REGISSEUR,
    CallerKind.GI,
    CallerKind.VEILIG_THUIS,
    CallerKind.TABLE_MEMBER,
)


@transaction.atomic
def call_table(*, table: Table, case: Case, reason: str, by: Worker, tried: str = "") -> Escalation:
    """``by`` calls ``table`` for ``case`` (an aanmelding) as one of those the table lets call
    it (``caller_kinds_of``); recorded with as whom. The case's region's table only, one open
    table at a time (``submit_escalation``)."""
    kinds = caller_kinds_of(by, case, table)
    if not kinds:
        raise PermissionDenied(_("U mag deze tafel voor deze casus niet aanroepen."))
    if not reason.strip():
        raise ValidationError(_("Schrijf de vraag aan de tafel op."))
    called_as = next(k for k in CALLER_ORDER if k in kinds)
    escalation = submit_escalation(
        case=case,
        reason=reason,
        tried=tried,
        by=by,
        table=table,
        source=EscalationSource.REGISSEUR
        if called_as == CallerKind.REGISSEUR
        else EscalationSource.PROFESSIONAL,
    )
    if not escalation.called_as:
        escalation.called_as = called_as
        escalation.save(update_fields=["called_as", "updated_at"])
    return escalation


def parents_with_gezag(case: Case) -> list[Carer]:
    """The family's carers who hold gezag over one of its youths."""
    return list(
        Carer.objects.filter(
            family=case.family_id,
            relations__has_gezag=True,
            relations__youth__family=case.family_id,
        )
        .distinct()
        .order_by("name", "ref")
    )


# What a rulebook escalation says; the sweep (flags, a floor above) passes the words down.
_DESCRIBE = """
WITH given(escalation_id, title, since) AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(titles)s::text[], %(sinces)s::date[])
), said AS (
    SELECT escalation_id,
           string_agg('- ' || title || ' (' || %(since_word)s || ' ' || to_char(since, 'DD-MM-YYYY')
                      || ')', E'\n' ORDER BY since, title) AS flags
    FROM given GROUP BY escalation_id
)
UPDATE escalations_escalation e
SET reason = %(intro)s || E'\n' || said.flags, updated_at = now()
FROM said WHERE e.id = said.escalation_id AND e.source = 'rulebook'
RETURNING e.id
"""

_TRIED = """
WITH esc AS (
    SELECT id, case_id FROM escalations_escalation
    WHERE id = ANY(%(ids)s::bigint[]) AND source = 'rulebook'
), linked AS (
    INSERT INTO escalations_escalation_declined_referrals (escalation_id, referral_id)
    SELECT esc.id, r.id FROM esc JOIN referrals_referral r ON r.case_id = esc.case_id
    WHERE r.status = 'declined'
    ON CONFLICT DO NOTHING
), lines AS (
    SELECT esc.id AS escalation_id,
           string_agg(
               CASE WHEN r.status = 'declined' THEN
                    format(%(declined)s, p.name, pr.name,
                           coalesce(to_char(r.answered_on, 'DD-MM-YYYY'), '–'),
                           coalesce(nullif(r.decline_reason, ''), nullif(r.decline_code, ''), '–'))
               ELSE format(%(waiting)s, p.name, pr.name, to_char(r.sent_on, 'DD-MM-YYYY'))
               END, E'\n' ORDER BY r.status, coalesce(r.answered_on, r.sent_on), r.id
           ) AS tried
    FROM esc
    JOIN referrals_referral r ON r.case_id = esc.case_id
    JOIN referrals_product p ON p.id = r.product_id
    JOIN referrals_provider pr ON pr.id = r.provider_id
    WHERE r.status = 'declined' OR (r.status = 'sent' AND r.sent_on IS NOT NULL)
    GROUP BY esc.id
)
UPDATE escalations_escalation e SET tried = lines.tried
FROM lines WHERE e.id = lines.escalation_id AND e.tried = ''
"""

_ASK_CONSENT = f"""
INSERT INTO {Notification._meta.db_table}
    (recipient_id, kind, case_id, text, url_name, url_args, created_at, email_due)
SELECT w.id, %(kind)s, e.case_id, %(text)s, 'escalation-submit', jsonb_build_array(fa.ref),
       now(), {EMAIL_DUE_SQL}
FROM escalations_escalation e
JOIN casusregie_case c ON c.id = e.case_id
JOIN casusregie_family fa ON fa.id = c.family_id
JOIN {RegisseurPeriod._meta.db_table} p ON p.case_id = c.id
     AND p.from_date <= %(d)s AND (p.until IS NULL OR p.until > %(d)s)
JOIN casusregie_worker w ON w.id = p.worker_id AND w.is_active
WHERE e.id = ANY(%(ids)s::bigint[])
  AND NOT EXISTS (
      SELECT 1 FROM {Consent._meta.db_table} k
      WHERE k.case_id = e.case_id AND k.purpose = %(purpose)s AND k.given_on <= %(d)s
        AND (k.withdrawn_on IS NULL OR k.withdrawn_on > %(d)s)
  )
RETURNING email_due
"""  # noqa: S608


def describe_rulebook_escalations(
    flags: Iterable[tuple[int, str, dt.date]], on: dt.date
) -> tuple[int, int]:
    """Say in words what the rulebook brought to the table, for escalations the sweep has just
    submitted: ``flags`` are (escalation id, rule title, since) — the words come from the
    rulebook, a floor above. Set-based, three statements whatever the number:

    - the question lists the flags by title and since when;
    - *what was tried* lists the case's declined referrals (with their reason, and linked as
      the escalation's declined referrals) and those sent and still waiting (since when);
    - without the family's consent for the table, the case's regisseur gets a melding to ask
      for it (the family page shows the task too).

    Returns (escalations described, meldingen written)."""
    rows = sorted(set(flags))
    if not rows:
        return 0, 0
    ids = sorted({r[0] for r in rows})
    with connection.cursor() as cursor:
        cursor.execute(
            _DESCRIBE,
            {
                "ids": [r[0] for r in rows],
                "titles": [str(r[1]) for r in rows],
                "sinces": [r[2] for r in rows],
                "intro": _("Aangemeld door de signalering. Deze signalen bleven te lang open:"),
                "since_word": _("sinds"),
            },
        )
        described = cursor.rowcount
        cursor.execute(
            _TRIED,
            {
                "ids": ids,
                # %1$s …: positional placeholders of PostgreSQL's format(), not Python's.
                "declined": _("- %1$s bij %2$s: afgewezen op %3$s, reden: %4$s"),
                "waiting": _("- %1$s bij %2$s: verzonden op %3$s, wacht nog op antwoord"),
            },
        )
        cursor.execute(
            _ASK_CONSENT,
            {
                "ids": ids,
                "d": on,
                "kind": str(NotificationKind.TABLE_CONSENT_NEEDED),
                "purpose": str(ConsentPurpose.EXPERT_TABLE),
                "text": _(
                    "De signalering meldde de casus aan bij de experttafel. Vraag het gezin "
                    "toestemming voor de bespreking: zonder toestemming ziet de tafel alleen "
                    "de vraag."
                ),
            },
        )
        due = [row[0] for row in cursor.fetchall()]
    if any(due):
        mail_on_commit()
    return described, len(due)


# --- the chair --------------------------------------------------------------------------------


def _ensure_chair(by: Worker, obj) -> None:
    if not policies.chairs_the_table(by, obj):
        raise PermissionDenied(_("Alleen de voorzitter van deze experttafel doet dit."))


def table_members(table: Table):
    """The active workers at the table (members and chair): everyone with an expert-table role
    in the region at its expert table, the listed members with such a role at another."""
    workers = Worker.objects.filter(
        is_active=True,
        region=table.region_id,
        role_memberships__role__in=[Role.EXPERT_TABLE, Role.EXPERT_TABLE_CHAIR],
    )
    if not table.is_expert_table:
        workers = workers.filter(tables=table)
    return workers.distinct()


def https_video_url(url: str) -> str:
    """A session's video link: an https URL with a host, nothing else (no ``http:`` that
    leaks the meeting, no ``javascript:`` or ``data:`` that would run in a member's browser
    when clicked). Empty stays empty."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ValidationError(_("Een videolink is een https-adres (https://…)."))
    return url


def _session_times(starts_at: dt.time | None, ends_at: dt.time | None) -> None:
    if starts_at is None or ends_at is None:
        raise ValidationError(_("Geef de begin- en eindtijd van de zitting."))
    if ends_at <= starts_at:
        raise ValidationError(_("Een zitting eindigt na het begin."))


@transaction.atomic
def plan_session(
    *,
    held_on: dt.date,
    by: Worker,
    members: Iterable[Worker] = (),
    starts_at: dt.time | None = None,
    ends_at: dt.time | None = None,
    place: str = "",
    video_url: str = "",
    table: Table | None = None,
) -> TableSession:
    """The chair plans a session of a table they sit at (``table``; their region's expert table
    unless given): a date, a time, a place or a video link (or both), and its members — the
    chair always one of them; each member is invited (an ``Invitation`` of kind ``member``).
    Another session of the same table at the same hour is allowed
    (``selectors.overlapping_sessions`` warns), not refused."""
    region = policies.chaired_region_id(by)
    if region is None:
        raise PermissionDenied(_("Alleen de voorzitter van een experttafel plant een zitting."))
    table = table or expert_table_of(region)
    if not policies.chairs_the_table(by, table):
        raise PermissionDenied(_("Alleen de voorzitter van deze tafel plant een zitting."))
    _session_times(starts_at, ends_at)
    place, video_url = place.strip(), https_video_url(video_url)
    if not place and not video_url:
        raise ValidationError(_("Geef een plaats of een videolink."))
    chosen = {m.pk for m in members} | {by.pk}
    allowed = set(table_members(table).filter(pk__in=chosen).values_list("pk", flat=True))
    if chosen - allowed:
        raise ValidationError(_("Kies alleen leden van deze tafel."))
    session = TableSession.objects.create(
        region_id=region,
        table=table,
        held_on=held_on,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        video_url=video_url,
        planned_by=by,
    )
    session.members.set(sorted(chosen))
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            session=session,
            kind=InvitationKind.MEMBER,
            worker_id=pk,
            invited_at=now,
            invited_by=by,
        )
        for pk in sorted(chosen)
    )
    return session


def _current_regisseur_id(case_id: int, on: dt.date) -> int | None:
    return (
        RegisseurPeriod.objects.filter(case_id=case_id, from_date__lte=on)
        .exclude(until__lte=on)
        .values_list("worker_id", flat=True)
        .first()
    )


def session_label(session: TableSession) -> str:
    """How a session is told apart from others on the same day: date, time and place."""
    label = session.held_on.strftime(DAY)
    if session.starts_at and session.ends_at:
        label += f" {session.starts_at:%H:%M}–{session.ends_at:%H:%M}"
    if session.where:
        label += f", {session.where}"
    return label


@transaction.atomic
def add_to_agenda(*, session: TableSession, escalation: Escalation, by: Worker) -> AgendaItem:
    """Put a waiting escalation of the table's region on the session's agenda (once), and
    invite the case's regisseur for that item (with a melding)."""
    _ensure_chair(by, session)
    escalation = Escalation.objects.select_related("case__family__municipality").get(
        pk=escalation.pk
    )
    if (
        policies.region_of(escalation) != session.region_id
        or escalation.table_id != session.table_id
    ):
        raise PermissionDenied(_("Deze aanmelding hoort niet bij deze tafel."))
    if not escalation.is_waiting:
        raise ValidationError(_("Deze aanmelding is al besproken."))
    if escalation.submitted_on > session.held_on:
        raise ValidationError(_("De zitting is eerder dan de aanmelding."))
    position = session.items.count() + 1
    item, created = AgendaItem.objects.get_or_create(
        session=session, escalation=escalation, defaults={"position": position}
    )
    regisseur = _current_regisseur_id(escalation.case_id, timezone.localdate())
    if created and session.table.kind == TableKind.PROTECTION:
        _invite_parents(item, by)
    if created and regisseur is not None:
        Invitation.objects.get_or_create(
            session=session,
            item=item,
            worker_id=regisseur,
            defaults={
                "kind": InvitationKind.REGISSEUR,
                "invited_at": timezone.now(),
                "invited_by": by,
            },
        )
        notify(
            [regisseur],
            NotificationKind.TABLE_INVITATION,
            escalation.case_id,
            _("U bent uitgenodigd voor de zitting van de %(table)s: %(session)s.")
            % {"table": session.table.name, "session": session_label(session)},
            "escalation-inbox",
            [],
            by=by,
        )
    return item


def _invite_parents(item: AgendaItem, by: Worker) -> None:
    """At the Beschermingstafel the parents are always invited: each carer with gezag, by the
    name and e-mail address in the family's record (without an address: invited otherwise,
    the invitation is still recorded)."""
    now = timezone.now()
    seen: set[str] = set()
    for carer in parents_with_gezag(item.escalation.case):
        email = (carer.email or "").strip().lower()
        if email in seen:
            email = ""  # one address shared by two parents: the second is invited otherwise
        seen.add(email)
        invitation = Invitation.objects.create(
            session=item.session,
            item=item,
            kind=InvitationKind.FAMILY,
            carer=carer,
            name=carer.name or str(carer),
            email=email,
            invited_at=now,
            invited_by=by,
        )
        mail_invitation(invitation)


EXTERNAL_KINDS = (InvitationKind.FAMILY, InvitationKind.YOUTH, InvitationKind.GUEST)


@transaction.atomic
def invite_person(*, item: AgendaItem, kind: str, name: str, email: str, by: Worker) -> Invitation:
    """The chair invites someone outside the system for an agenda item — a parent, the youth,
    another guest — by name and e-mail address (validated; once per item)."""
    _ensure_chair(by, item.session)
    if kind not in EXTERNAL_KINDS:
        raise ValidationError(_("Kies wie u uitnodigt: ouder of opvoeder, jeugdige of andere."))
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise ValidationError(_("Geef de naam van de genodigde."))
    EmailValidator(message=_("Geef een geldig e-mailadres."))(email)
    if Invitation.objects.filter(item=item, email=email).exists():
        raise ValidationError(_("Dit e-mailadres is voor dit agendapunt al uitgenodigd."))
    invitation = Invitation.objects.create(
        session=item.session,
        item=item,
        kind=kind,
        name=name,
        email=email,
        invited_at=timezone.now(),
        invited_by=by,
    )
    mail_invitation(invitation)
    return invitation


def invitation_text(invitation: Invitation) -> tuple[str, str]:
    """The e-mail to someone outside the system (subject, body), in plain language: which
    table, when, where or by which video link, and whom to ask. It names no case, family,
    youth or reason: an address may be read by others, and a guest need not know more."""
    session = invitation.session
    table = session.table.name
    when = session.held_on.strftime(DAY)
    if session.starts_at:
        when += " " + _("om %(time)s uur") % {"time": f"{session.starts_at:%H:%M}"}
    lines = [
        _("Beste %(name)s,") % {"name": invitation.name},
        "",
        _("U bent uitgenodigd voor een overleg van de %(table)s op %(when)s.")
        % {"table": table, "when": when},
    ]
    if session.place:
        lines.append(_("Plaats: %(place)s.") % {"place": session.place})
    if session.video_url:
        lines.append(_("Meedoen via video: %(url)s") % {"url": session.video_url})
    if invitation.kind in (InvitationKind.FAMILY, InvitationKind.YOUTH):
        lines += [
            "",
            _(
                "Het overleg gaat over de hulp aan uw gezin. Uw regisseur vertelt u wat er "
                "besproken wordt en kan uw vragen beantwoorden. Kunt u niet komen? Laat het uw "
                "regisseur weten."
            ),
        ]
    else:
        lines += ["", _("Kunt u niet komen? Laat het de voorzitter van het overleg weten.")]
    lines += ["", _("Met vriendelijke groet,"), table]
    subject = _("Uitnodiging: %(table)s op %(day)s") % {
        "table": table,
        "day": session.held_on.strftime(DAY),
    }
    return subject, "\n".join(str(line) for line in lines)


def mail_invitation(invitation: Invitation) -> None:
    """E-mail an invitation to someone outside the system when the transaction commits; one
    without an address is recorded only (the chair invites them otherwise)."""
    if not invitation.email:
        return
    subject, body = invitation_text(invitation)
    address = invitation.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))


@transaction.atomic
def update_agenda_item(
    *, item: AgendaItem, by: Worker, duration_minutes: int | None = None, minutes: str | None = None
) -> AgendaItem:
    """The chair sets an item's time on the agenda (its duration) or writes its minutes; the
    change history (pghistory) keeps every version with who wrote it."""
    _ensure_chair(by, item.session)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    fields = []
    if duration_minutes is not None:
        if not 5 <= duration_minutes <= 240:
            raise ValidationError(_("Een agendapunt duurt 5 tot 240 minuten."))
        item.duration_minutes = duration_minutes
        fields.append("duration_minutes")
    if minutes is not None and minutes.strip() != item.minutes:
        item.minutes = minutes.strip()
        item.minutes_by, item.minutes_at = by, timezone.now()
        fields += ["minutes", "minutes_by", "minutes_at"]
    if fields:
        item.save(update_fields=fields)
    return item


@transaction.atomic
def remove_from_agenda(*, session: TableSession, escalation: Escalation, by: Worker) -> None:
    """Take an escalation off the agenda, as long as the table has not decided on it there."""
    _ensure_chair(by, session)
    if Decision.objects.filter(session=session, escalation=escalation).exists():
        raise ValidationError(_("Over deze aanmelding is op deze zitting al besloten."))
    AgendaItem.objects.filter(session=session, escalation=escalation).delete()


@transaction.atomic
def record_decision(
    *,
    session: TableSession,
    escalation: Escalation,
    kind: str,
    text: str,
    follow_up_on: dt.date,
    by: Worker,
    product=None,
    providers: Iterable = (),
    family_text: str = "",
    passed_on: dt.date | None = None,
    passed_to: str = "",
) -> Decision:
    """The chair records the table's decision on an agenda item: the escalation is discussed
    on the session's date (ESCALATION_NOT_DISCUSSED resolves at the case's next sweep), and
    the case's regisseur gets a melding. Each kind of table takes its own kinds of decision
    (``DECISIONS_OF_TABLE``). A decision that passes the case on (the Beschermingstafel's
    request to the Raad for an investigation; any table's passing it above the region, to BREN
    or G7: ``passed_to``) records to whom and on which day (``passed_on``: the session's day
    unless given); the outcome is recorded later (``record_outcome``)."""
    _ensure_chair(by, session)
    if not AgendaItem.objects.filter(session=session, escalation=escalation).exists():
        raise ValidationError(_("Deze aanmelding staat niet op de agenda van deze zitting."))
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_waiting:
        raise ValidationError(_("Over deze aanmelding is al besloten."))
    if kind not in DecisionKind.values:
        raise ValidationError(_("Kies het soort besluit."))
    if kind not in DECISIONS_OF_TABLE[session.table.kind]:
        raise ValidationError(_("Dit soort besluit neemt deze tafel niet."))
    if kind == DecisionKind.ABOVE_REGION:
        if passed_to not in ABOVE_REGION_TO:
            raise ValidationError(_("Kies waarheen de casus bovenregionaal gaat: BREN of G7."))
    else:
        passed_to = PASSED_TO_OF.get(kind, "")
    if passed_to:
        passed_on = passed_on or session.held_on
        if passed_on < session.held_on or passed_on > timezone.localdate():
            raise ValidationError(_("De datum van doorzetten ligt tussen de zitting en vandaag."))
    else:
        passed_on = None
    if session.held_on > timezone.localdate():
        raise ValidationError(_("Een besluit wordt vastgelegd op of na de dag van de zitting."))
    if follow_up_on < session.held_on:
        raise ValidationError(_("Het vervolg ligt niet vóór de zitting."))
    if not text.strip():
        raise ValidationError(
            _("Schrijf de redenen op.")
            if kind == DecisionKind.RETURN
            else _("Schrijf het advies of de afspraken op.")
        )
    providers = list(providers)
    if kind in REFERRAL_KINDS:
        if product is None or not providers:
            raise ValidationError(
                _("Een maatwerkarrangement noemt het product en de aanbieder(s) die het leveren.")
                if kind == DecisionKind.TAILORED
                else _("Een plaatsing noemt het product en de aanbieder(s) die het leveren.")
            )
    else:
        product, providers = None, []
    escalation.discussed_on = session.held_on
    escalation.save(update_fields=["discussed_on", "updated_at"])
    decision = Decision.objects.create(
        escalation=escalation,
        session=session,
        kind=kind,
        text=text.strip(),
        product=product,
        follow_up_on=follow_up_on,
        family_text=family_text.strip(),
        passed_to=passed_to,
        passed_on=passed_on,
        decided_by=by,
    )
    decision.providers.set(providers)
    notify_regisseur(
        escalation.case_id,
        NotificationKind.TABLE_DECISION,
        _("De %(table)s besloot op %(day)s: %(kind)s. Vervolg op %(follow_up)s.")
        % {
            "table": session.table.name,
            "day": session.held_on.strftime(DAY),
            "kind": decision.get_kind_display(),
            "follow_up": follow_up_on.strftime(DAY),
        },
        "escalation-inbox",
        [],
        by=by,
    )
    request_case_sweep(escalation.case_id)
    return decision


@transaction.atomic
def record_outcome(*, decision: Decision, outcome: str, on: dt.date, by: Worker) -> Decision:
    """The chair of the deciding table records the answer to a decision that passed the case
    on (the Raad's investigation): what came out and on which day (once; the regisseur gets a
    melding)."""
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("session__table", "escalation")
        .get(pk=decision.pk)
    )
    _ensure_chair(by, decision.session)
    if not decision.passed_to:
        raise ValidationError(_("Dit besluit zet de casus niet door; er is geen uitkomst."))
    if decision.outcome:
        raise ValidationError(_("De uitkomst is al vastgelegd."))
    if not outcome.strip():
        raise ValidationError(_("Schrijf de uitkomst op."))
    if on < decision.passed_on or on > timezone.localdate():
        raise ValidationError(_("De uitkomst ligt tussen het doorzetten en vandaag."))
    decision.outcome, decision.outcome_on, decision.outcome_by = outcome.strip(), on, by
    decision.save(update_fields=["outcome", "outcome_on", "outcome_by"])
    notify_regisseur(
        decision.escalation.case_id,
        NotificationKind.TABLE_DECISION,
        _("Uitkomst na het besluit van de %(table)s (%(to)s), op %(day)s: %(outcome)s")
        % {
            "table": decision.session.table.name,
            "to": decision.get_passed_to_display(),
            "day": on.strftime(DAY),
            "outcome": decision.outcome[:200],
        },
        "escalation-inbox",
        [],
        by=by,
    )
    return decision


# --- back to the regisseur --------------------------------------------------------------------


def tailored_arrangement(*, decision: Decision, case: Case) -> referrals.TailoredArrangement:
    """The table's open tailored arrangement (or the Zorgbemiddelingstafel's placement, carried
    out the same way) for ``case``, for ``referrals.create_referral``; refused
    (``not_tailored``) when the decision is advice, of another case, or its follow-up was
    closed meanwhile (read from the database)."""
    open_tailored = (
        Decision.objects.filter(
            pk=decision.pk,
            kind__in=REFERRAL_KINDS,
            escalation__case=case,
            escalation__closed_on__isnull=True,
        )
        .select_related("escalation")
        .first()
    )
    if open_tailored is None:
        raise referrals.InvalidInput(
            "not_tailored",
            _("Dit is geen open maatwerkarrangement van de experttafel voor deze casus."),
        )
    return referrals.TailoredArrangement(
        ref=open_tailored.escalation.ref,
        case_id=case.pk,
        product_id=open_tailored.product_id,
        provider_ids=frozenset(open_tailored.providers.values_list("pk", flat=True)),
    )


@transaction.atomic
def send_tailored_referral(*, decision: Decision, youth: Youth, question: str, by: Worker) -> list:
    """The regisseur turns a tailored arrangement — or a placement of the
    Zorgbemiddelingstafel — into referrals in one step: one per provider the table named,
    created and sent at once (all or none). The contract check does not apply to maatwerk or a
    table's placement; the analysis rule for specialist products does
    (``referrals.services``)."""
    decision = (
        Decision.objects.select_for_update().select_related("escalation__case").get(pk=decision.pk)
    )
    if not decision.makes_referral:
        raise ValidationError(_("Dit besluit is geen maatwerkarrangement of plaatsing."))
    if decision.escalation.is_closed:
        raise ValidationError(_("Het vervolg van deze aanmelding is al afgerond."))
    if decision.referrals.exists():
        raise ValidationError(_("De verwijzing voor dit maatwerk is al verzonden."))
    if not question.strip():
        raise ValidationError(_("Schrijf de hulpvraag voor de aanbieder op."))
    actor = referrals.Actor.regisseur(by)
    arrangement = tailored_arrangement(decision=decision, case=decision.escalation.case)
    sent = []
    for provider in decision.providers.order_by("name"):
        referral = referrals.create_referral(
            case=decision.escalation.case,
            youth=youth,
            product=decision.product,
            provider=provider,
            by=actor,
            question=question.strip(),
            tailored=arrangement,
        )
        sent.append(referrals.send_referral(referral=referral, by=actor))
    decision.referrals.add(*sent)
    return sent


@transaction.atomic
def close_escalation(*, escalation: Escalation, by: Worker) -> Escalation:
    """The follow-up of the table's decision is done: the escalation closes (regisseur or chair)."""
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case__family__municipality")
        .get(pk=escalation.pk)
    )
    if not (policies.is_regisseur_of(by, escalation) or policies.chairs_the_table(by, escalation)):
        raise PermissionDenied(_("Alleen de regisseur of de voorzitter rondt het vervolg af."))
    if escalation.is_waiting:
        raise ValidationError(_("Deze aanmelding is nog niet besproken."))
    if escalation.is_closed:
        raise ValidationError(_("Het vervolg van deze aanmelding is al afgerond."))
    escalation.closed_on = max(timezone.localdate(), escalation.discussed_on)
    escalation.closed_by = by
    escalation.save(update_fields=["closed_on", "closed_by", "updated_at"])
    return escalation


# --- the follow-up date -----------------------------------------------------------------------

_FOLLOW_UPS_DUE = f"""
WITH due AS (
    UPDATE escalations_decision d SET follow_up_noticed_on = %(d)s
    FROM escalations_escalation e
    WHERE e.id = d.escalation_id AND e.closed_on IS NULL
      AND d.follow_up_on <= %(d)s AND d.follow_up_noticed_on IS NULL
    RETURNING d.id, e.case_id, d.follow_up_on
)
INSERT INTO {Notification._meta.db_table}
    (recipient_id, kind, case_id, text, url_name, url_args, created_at, email_due)
SELECT w.id, %(kind)s, due.case_id,
       format(%(text)s, to_char(due.follow_up_on, 'DD-MM-YYYY')),
       'escalation-inbox', '[]'::jsonb, now(), {EMAIL_DUE_SQL}
FROM due
JOIN casusregie_case c ON c.id = due.case_id AND c.closed_on IS NULL
JOIN {RegisseurPeriod._meta.db_table} p ON p.case_id = c.id
     AND p.from_date <= %(d)s AND (p.until IS NULL OR p.until > %(d)s)
JOIN casusregie_worker w ON w.id = p.worker_id AND w.is_active
RETURNING email_due
"""  # noqa: S608


@transaction.atomic
def notify_follow_ups_due(on: dt.date | None = None) -> int:
    """On a decision's follow-up date the case's regisseur gets a melding (once: the decision
    remembers the day it went out; a missed day is caught up the next run). One statement for
    every due decision; returns how many meldingen."""
    with connection.cursor() as cursor:
        cursor.execute(
            _FOLLOW_UPS_DUE,
            {
                "d": on or timezone.localdate(),
                "kind": str(NotificationKind.TABLE_FOLLOW_UP),
                "text": _("Vandaag (%1$s) is het vervolg van het besluit van de experttafel."),
            },
        )
        due = [row[0] for row in cursor.fetchall()]
    if any(due):
        mail_on_commit()
    return len(due)
