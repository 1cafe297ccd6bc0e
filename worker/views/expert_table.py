"""The expert-table pages: the regisseur's aanmelding and inbox, the table's queue, sessions,
decisions and figures.

Scope first, then the action: an object outside the user's scope (another region's table, a
case that is not theirs, an action that is not theirs) is a 404. Every page that shows a
family's data writes the access log — the table with the purpose "bespreking Regionale
Experttafel", the regisseur with "regie en hulpverlening".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casusregie.access_log import PURPOSE_CASE_WORK, Access, record_worker_access
from casusregie.models import AccessAction, Case
from casusregie.selectors import family_for_case_work_or_404, open_case_of
from casusregie.views.accounts import worker_required
from escalations import figures, policies, services
from escalations.forms import (
    AgendaForm,
    AgendaItemForm,
    CallForm,
    DecisionForm,
    EscalationForm,
    InvitationForm,
    OutcomeForm,
    SessionForm,
    TailoredReferralForm,
)
from escalations.models import (
    DECISIONS_OF_TABLE,
    AgendaItem,
    Escalation,
    EscalationSource,
    Table,
    TableKind,
    TableSession,
)
from referrals.models import Product, Provider
from referrals.services import ReferralRefused

from ..pdf import render_pdf
from ..selectors import expert_table as selectors

PURPOSE_TABLE = "bespreking Regionale Experttafel"
PURPOSE_CALL = "aanmelding bij een tafel van de regio"
PLANNABLE_DAYS_BACK = 30  # a session held recently can still get its agenda recorded


def _next_or(request: HttpRequest, default: str, *args) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default, *args)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _table_accesses(escalations) -> list[Access]:
    """What the table saw: each escalation, and the case summary where consent let it."""
    items = []
    for e in escalations:
        family_ref = e.case.family.ref
        items.append(Access(family_ref, "escalation", e.ref))
        if getattr(e, "consented", False):
            items.append(Access(family_ref, "case_summary", e.case.ref))
    return items


def _record_change(
    request: HttpRequest, escalation: Escalation, purpose: str, object_type: str = "escalation"
) -> None:
    """A change to ``escalation`` (or its decision) goes into the access log."""
    record_worker_access(
        request,
        [Access(escalation.case.family.ref, object_type, escalation.ref)],
        action=AccessAction.CHANGE,
        purpose=purpose,
    )


def _change(
    request: HttpRequest,
    write: Callable[[], object],
    escalation: Escalation,
    done: str,
    object_type: str = "escalation",
) -> bool:
    """One change by the chair on a session page: the service call, its refusal
    (``ValidationError``) as the error message, the change in the access log, and ``done`` as
    the message. True when written."""
    try:
        write()
    except ValidationError as error:
        messages.error(request, _errors(error))
        return False
    _record_change(request, escalation, PURPOSE_TABLE, object_type=object_type)
    messages.success(request, done)
    return True


def _item_url(session: TableSession, escalation_ref: str) -> str:
    """The session page at the agenda item of ``escalation_ref``."""
    return f"{resolve_url('expert-table-session', session.ref)}#aanmelding-{escalation_ref}"


def _region_or_404(request: HttpRequest) -> int:
    region = policies.table_region_id(request.user)
    if region is None or not request.user.has_perm("escalations.view_table", region):
        raise Http404
    return region


def _table_or_404(request: HttpRequest) -> tuple[Table, list[Table]]:
    """The table the page is about (``?tafel=<ref>``; the region's expert table without it),
    one the user sits at — any other is a 404 — and the user's tables (one query)."""
    _region_or_404(request)
    tables = selectors.tables(request.user)
    table = selectors.table_of_page(tables, request.GET.get("tafel"))
    if table is None:
        raise Http404
    return table, tables


def _chairs(request: HttpRequest, table_id: int, tables: list[Table]) -> bool:
    """The user chairs this table: a chair who sits at it (``tables``: theirs)."""
    return policies.chaired_region_id(request.user) is not None and table_id in {
        t.pk for t in tables
    }


def _chair_or_404(request: HttpRequest, obj=None) -> None:
    if policies.chaired_region_id(request.user) is None or not request.user.has_perm(
        "escalations.chair_table", obj
    ):
        raise Http404


def _table_escalation_or_404(request: HttpRequest, escalation_ref: str) -> Escalation:
    try:
        return selectors.table_escalation(request.user, escalation_ref)
    except Escalation.DoesNotExist:
        raise Http404 from None


def _escalation_or_404(request: HttpRequest, escalation_ref: str, perm: str) -> Escalation:
    escalation = (
        Escalation.objects.select_related("case__family__municipality")
        .filter(ref=escalation_ref)
        .first()
    )
    if escalation is None or not request.user.has_perm(perm, escalation):
        raise Http404
    return escalation


# --- the regisseur ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@worker_required
def family_escalations(request: HttpRequest, ref: str) -> HttpResponse:
    """The family page's flow to the table: its escalations with their outcome, and the form
    to bring the open case to the table (or add to its open escalation)."""
    family = family_for_case_work_or_404(request.user, ref, "casusregie.change_family_record")
    case = open_case_of(family)
    if request.method == "POST" and case is None:
        raise Http404
    has_consent = case is not None and services.has_table_consent(case)
    form = (
        EscalationForm(request.POST or None, case=case, has_consent=has_consent) if case else None
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            joins = services.open_escalation_of(case) is not None
            try:
                escalation = services.submit_escalation(
                    case=case,
                    reason=form.cleaned_data["reason"],
                    tried=form.cleaned_data["tried"],
                    declined_referrals=form.cleaned_data["declined_referrals"],
                    by=request.user,
                    source=EscalationSource.REGISSEUR,
                    supplement=True,
                    consent_given_on=form.cleaned_data.get("consent_given_on"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                changed = [Access(family.ref, "escalation", escalation.ref)]
                if form.cleaned_data.get("consent_given_on"):
                    changed.append(Access(family.ref, "consent", case.ref))
                record_worker_access(
                    request, changed, action=AccessAction.CHANGE, purpose=PURPOSE_CASE_WORK
                )
                messages.success(
                    request,
                    _("Uw vraag is toegevoegd aan de open aanmelding bij de experttafel.")
                    if joins
                    else _("De casus is aangemeld bij de Regionale Experttafel."),
                )
                return redirect("escalation-submit", ref=family.ref)
        status = 400
    escalations = selectors.escalations_of_family(family)
    mine = {e.pk for e in policies.regisseur_escalations(request.user).filter(case__family=family)}
    declined = list(form.fields["declined_referrals"].queryset) if form else []
    record_worker_access(
        request,
        [Access(family.ref, "family", family.ref)]
        + [Access(family.ref, "escalation", e.ref) for e in escalations]
        + [Access(family.ref, "referral", r.ref) for r in declined],
        purpose=PURPOSE_CASE_WORK,
    )
    youths = list(family.youths.all())
    rows = [
        (
            e,
            selectors.decision_of(e),
            e.pk in mine,
            _referral_form(e, youths) if e.pk in mine else None,
        )
        for e in escalations
    ]
    return render(
        request,
        "escalations/family_escalations.html",
        {
            "family": family,
            "case": case,
            "form": form,
            "rows": rows,
            "has_consent": has_consent,
        },
        status=status,
    )


def _referral_form(escalation: Escalation, youths) -> TailoredReferralForm | None:
    decision = selectors.decision_of(escalation)
    if (
        decision is None
        or not decision.makes_referral
        or escalation.is_closed
        or decision.referrals.all()
    ):
        return None
    return TailoredReferralForm(youths=youths, prefix=f"verwijzing-{escalation.ref}")


@require_GET
@worker_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The regisseur's escalations until their follow-up is done: decisions to act on first."""
    escalations = selectors.inbox(request.user)
    rows = []
    accesses = []
    for e in escalations:
        youths = list(e.case.family.youths.all())
        form = _referral_form(e, youths)
        rows.append((e, selectors.decision_of(e), form))
        accesses.append(Access(e.case.family.ref, "escalation", e.ref))
        if form is not None:
            accesses += [Access(e.case.family.ref, "youth", y.ref) for y in youths]
    record_worker_access(request, accesses, purpose=PURPOSE_CASE_WORK)
    return render(request, "escalations/inbox.html", {"rows": rows})


@require_POST
@worker_required
def send_referral(request: HttpRequest, escalation_ref: str) -> HttpResponse:
    """One step: the tailored arrangement becomes the referral(s), created and sent."""
    escalation = _escalation_or_404(request, escalation_ref, "escalations.send_tailored_referral")
    decision = selectors.decision_of(escalation)
    if decision is None or not decision.makes_referral:
        raise Http404
    family = escalation.case.family
    youths = {y.ref: y for y in family.youths.all()}
    form = TailoredReferralForm(
        request.POST, youths=list(youths.values()), prefix=f"verwijzing-{escalation.ref}"
    )
    back = _next_or(request, "escalation-inbox")
    if not form.is_valid():
        messages.error(request, _("Kies de jeugdige en schrijf de hulpvraag op."))
        return redirect(back)
    try:
        sent = services.send_tailored_referral(
            decision=decision,
            youth=youths[form.cleaned_data["youth"]],
            question=form.cleaned_data["question"],
            by=request.user,
        )
    except ReferralRefused as refused:
        messages.error(request, refused.message)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        record_worker_access(
            request,
            [Access(family.ref, "referral", r.ref) for r in sent],
            action=AccessAction.CHANGE,
            purpose=PURPOSE_CASE_WORK,
        )
        messages.success(
            request,
            _("De maatwerkverwijzing is verzonden naar %(providers)s.")
            % {"providers": ", ".join(r.provider.name for r in sent)},
        )
    return redirect(back)


@require_POST
@worker_required
def close(request: HttpRequest, escalation_ref: str) -> HttpResponse:
    """The follow-up is done: the escalation closes (its regisseur, or the table's chair)."""
    escalation = _escalation_or_404(request, escalation_ref, "escalations.close_escalation")
    default = (
        "expert-table-queue"
        if policies.chairs_the_table(request.user, escalation)
        else "escalation-inbox"
    )
    try:
        services.close_escalation(escalation=escalation, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        _record_change(
            request,
            escalation,
            PURPOSE_CASE_WORK if default == "escalation-inbox" else PURPOSE_TABLE,
        )
        messages.success(request, _("Het vervolg is afgerond; de aanmelding is gesloten."))
    return redirect(_next_or(request, default))


# --- calling a table (issue 19): the regisseur, a GI or Veilig Thuis, a member -------------------


@require_GET
@worker_required
def call_list(request: HttpRequest) -> HttpResponse:
    """The cases for which the user may call a table (Beschermingstafel, ...), each with the
    tables they may call and the form; the family ref only (no names)."""
    rows = selectors.calls(request.user)
    record_worker_access(
        request,
        [Access(case.family.ref, "case", case.ref) for case, _tables, _open in rows],
        purpose=PURPOSE_CALL,
    )
    return render(
        request,
        "escalations/calls.html",
        {
            "rows": [
                (case, [(t, CallForm(prefix=f"{t.ref}-{case.ref}")) for t in tables], open_)
                for case, tables, open_ in rows
            ]
        },
    )


@require_POST
@worker_required
def call(request: HttpRequest, table_ref: str, case_ref: str) -> HttpResponse:
    """Call the table for the case: refused (404) for whoever the table does not let call it
    for this case."""
    table = Table.objects.exclude(kind=TableKind.EXPERT_TABLE).filter(ref=table_ref).first()
    case = Case.objects.select_related("family").filter(ref=case_ref).first()
    if table is None or case is None or not services.caller_kinds_of(request.user, case, table):
        raise Http404
    form = CallForm(request.POST, prefix=f"{table.ref}-{case.ref}")
    if not form.is_valid():
        messages.error(request, _("Schrijf de vraag aan de tafel op."))
        return redirect("table-call-list")
    try:
        escalation = services.call_table(
            table=table,
            case=case,
            reason=form.cleaned_data["reason"],
            tried=form.cleaned_data["tried"],
            by=request.user,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        _record_change(request, escalation, PURPOSE_CALL)
        messages.success(
            request,
            _("De casus is aangemeld bij %(table)s (aanmelding %(ref)s).")
            % {"table": table.name, "ref": escalation.ref},
        )
    return redirect("table-call-list")


# --- the table ----------------------------------------------------------------------------------


def _plannable_sessions(request: HttpRequest, table: Table) -> list[TableSession]:
    since = timezone.localdate() - dt.timedelta(days=PLANNABLE_DAYS_BACK)
    return list(
        policies.table_sessions(request.user, table)
        .filter(region=policies.table_region_id(request.user), held_on__gte=since)
        .order_by("held_on", "ref")
    )


@require_GET
@worker_required
def queue(request: HttpRequest) -> HttpResponse:
    """A table's waiting escalations (the expert table unless chosen), oldest first, a page at
    a time."""
    table, tables = _table_or_404(request)
    page = selectors.queue(request.user, request.GET.get("pagina"), table=table)
    is_chair = _chairs(request, table.pk, tables)
    sessions = _plannable_sessions(request, table) if is_chair else []
    rows = [
        (e, AgendaForm(sessions=sessions, prefix=f"agenda-{e.ref}") if sessions else None)
        for e in page.object_list
    ]
    record_worker_access(request, _table_accesses(page.object_list), purpose=PURPOSE_TABLE)
    return render(
        request,
        "escalations/queue.html",
        {
            "rows": rows,
            "page": page,
            "is_chair": is_chair,
            "has_sessions": bool(sessions),
            "table": table,
            "tables": tables,
        },
    )


@require_POST
@worker_required
def agenda_add(request: HttpRequest, escalation_ref: str) -> HttpResponse:
    escalation = _table_escalation_or_404(request, escalation_ref)
    _chair_or_404(request, escalation)
    sessions = _plannable_sessions(request, escalation.table)
    back = f"{resolve_url('expert-table-queue')}?tafel={escalation.table.ref}"
    form = AgendaForm(request.POST, sessions=sessions, prefix=f"agenda-{escalation.ref}")
    if not form.is_valid():
        messages.error(request, _("Kies een zitting."))
        return redirect(back)
    session = next(s for s in sessions if s.ref == form.cleaned_data["session"])
    try:
        services.add_to_agenda(session=session, escalation=escalation, by=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        _record_change(request, escalation, PURPOSE_TABLE)
        messages.success(
            request,
            _("Aanmelding %(ref)s staat op de agenda van %(on)s.")
            % {"ref": escalation.ref, "on": session.held_on.strftime("%d-%m-%Y")},
        )
    return redirect(back)


def _members_of_table(table: Table):
    return services.table_members(table).order_by("name")


@require_GET
@worker_required
def sessions(request: HttpRequest) -> HttpResponse:
    """A table's sessions (the expert table unless chosen), and for its chair the plan form."""
    return _sessions_page(request, *_table_or_404(request))


def _sessions_page(
    request: HttpRequest,
    table: Table,
    tables: list[Table],
    form: SessionForm | None = None,
    status: int = 200,
):
    is_chair = _chairs(request, table.pk, tables)
    if is_chair and form is None:
        form = SessionForm(
            members=_members_of_table(table),
            initial={"members": [request.user.pk]},
        )
    return render(
        request,
        "escalations/sessions.html",
        {
            "sessions": list(selectors.sessions(request.user, table)),
            "form": form,
            "table": table,
            "tables": tables,
        },
        status=status,
    )


@require_POST
@worker_required
def session_plan(request: HttpRequest) -> HttpResponse:
    table, tables = _table_or_404(request)
    _chair_or_404(request, table)
    form = SessionForm(request.POST, members=_members_of_table(table))
    if form.is_valid():
        try:
            data = form.cleaned_data
            session = services.plan_session(
                held_on=data["held_on"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                video_url=data["video_url"],
                members=data["members"],
                by=request.user,
                table=table,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("De zitting is gepland."))
            for other in selectors.overlapping_sessions(session):
                messages.warning(
                    request,
                    _("Let op: er is op dezelfde tijd al een zitting van deze tafel: %(session)s.")
                    % {"session": services.session_label(other)},
                )
            return redirect("expert-table-session", session_ref=session.ref)
    return _sessions_page(request, table, tables, form, status=400)


def _session_or_404(request: HttpRequest, session_ref: str) -> TableSession:
    _region_or_404(request)
    try:
        return selectors.session_for_page(request.user, session_ref)
    except TableSession.DoesNotExist:
        raise Http404 from None


@require_GET
@worker_required
def session_detail(request: HttpRequest, session_ref: str) -> HttpResponse:
    session = _session_or_404(request, session_ref)
    return _session_page(request, session)


def _session_page(
    request: HttpRequest, session: TableSession, failed: DecisionForm | None = None
) -> HttpResponse:
    tables = selectors.tables(request.user)
    is_chair = _chairs(request, session.table_id, tables)
    products = (
        list(Product.objects.select_related("segment").order_by("segment__name", "name"))
        if is_chair
        else []
    )
    providers = list(Provider.objects.order_by("name")) if is_chair else []
    rows = []
    for item in session.agenda:
        escalation = item.escalation
        decision = selectors.decision_of(escalation)
        form = None
        if is_chair and decision is None and escalation.is_waiting:
            prefix = f"besluit-{escalation.ref}"
            form = (
                failed
                if failed is not None and failed.prefix == prefix
                else DecisionForm(
                    products=products,
                    providers=providers,
                    kinds=DECISIONS_OF_TABLE[session.table.kind],
                    prefix=prefix,
                )
            )
        if is_chair and decision is not None and decision.awaits_outcome:
            item.outcome_form = OutcomeForm(
                initial={"outcome_on": timezone.localdate()}, prefix=f"uitkomst-{escalation.ref}"
            )
        if is_chair:
            item.form = AgendaItemForm(
                initial={"duration_minutes": item.duration_minutes, "minutes": item.minutes},
                prefix=f"punt-{escalation.ref}",
            )
            item.invite_form = InvitationForm(prefix=f"uitnodiging-{escalation.ref}")
        rows.append((item, escalation, decision, form))
    accesses = _table_accesses(i.escalation for i in session.agenda)
    accesses += [
        Access(item.escalation.case.family.ref, "invitation", str(invitation.pk))
        for item in session.agenda
        for invitation in item.invitations.all()
        if not invitation.worker_id
    ]
    record_worker_access(request, accesses, purpose=PURPOSE_TABLE)
    return render(
        request,
        "escalations/session.html",
        {
            "session": session,
            "rows": rows,
            "is_chair": is_chair,
            "label": services.session_label(session),
            "table": session.table,
            "tables": tables,
        },
        status=400 if failed is not None else 200,
    )


def _agenda_escalation_or_404(session: TableSession, escalation_ref: str) -> Escalation:
    for item in session.agenda:
        if item.escalation.ref == escalation_ref:
            return item.escalation
    raise Http404


@require_POST
@worker_required
def agenda_remove(request: HttpRequest, session_ref: str, escalation_ref: str) -> HttpResponse:
    session = _session_or_404(request, session_ref)
    _chair_or_404(request, session)
    escalation = _agenda_escalation_or_404(session, escalation_ref)
    _change(
        request,
        lambda: services.remove_from_agenda(
            session=session, escalation=escalation, by=request.user
        ),
        escalation,
        _("De aanmelding is van de agenda gehaald."),
    )
    return redirect("expert-table-session", session_ref=session.ref)


@require_POST
@worker_required
def decision(request: HttpRequest, session_ref: str, escalation_ref: str) -> HttpResponse:
    """The chair records the table's decision on an agenda item."""
    session = _session_or_404(request, session_ref)
    _chair_or_404(request, session)
    escalation = _agenda_escalation_or_404(session, escalation_ref)
    form = DecisionForm(
        request.POST,
        products=list(Product.objects.select_related("segment").order_by("segment__name", "name")),
        providers=list(Provider.objects.order_by("name")),
        kinds=DECISIONS_OF_TABLE[session.table.kind],
        prefix=f"besluit-{escalation.ref}",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_decision(
                session=session,
                escalation=escalation,
                kind=data["kind"],
                text=data["text"],
                follow_up_on=data["follow_up_on"],
                product=data["product"],
                providers=data["providers"],
                family_text=data["family_text"],
                passed_on=data.get("passed_on"),
                passed_to=data.get("passed_to", ""),
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _record_change(request, escalation, PURPOSE_TABLE, object_type="decision")
            messages.success(
                request,
                _("Het besluit over %(ref)s is vastgelegd en gaat naar de regisseur.")
                % {"ref": escalation.ref},
            )
            return redirect("expert-table-session", session_ref=session.ref)
    return _session_page(request, session, failed=form)


@require_POST
@worker_required
def outcome(request: HttpRequest, session_ref: str, escalation_ref: str) -> HttpResponse:
    """The chair records the answer to a decision that passed the case on (the Raad)."""
    session = _session_or_404(request, session_ref)
    _chair_or_404(request, session)
    escalation = _agenda_escalation_or_404(session, escalation_ref)
    decision = selectors.decision_of(escalation)
    if decision is None or decision.session_id != session.pk or not decision.passed_to:
        raise Http404
    form = OutcomeForm(request.POST, prefix=f"uitkomst-{escalation_ref}")
    if not form.is_valid():
        messages.error(request, _("Schrijf de uitkomst op en geef de datum."))
    else:
        _change(
            request,
            lambda: services.record_outcome(
                decision=decision,
                outcome=form.cleaned_data["outcome"],
                on=form.cleaned_data["outcome_on"],
                by=request.user,
            ),
            escalation,
            _("De uitkomst is vastgelegd."),
            object_type="decision",
        )
    return redirect(_item_url(session, escalation_ref))


def _agenda_item_or_404(session: TableSession, escalation_ref: str) -> AgendaItem:
    for item in session.agenda:
        if item.escalation.ref == escalation_ref:
            return item
    raise Http404


@require_POST
@worker_required
def agenda_item(request: HttpRequest, session_ref: str, escalation_ref: str) -> HttpResponse:
    """The chair sets an agenda item's duration and writes its minutes (notulen)."""
    session = _session_or_404(request, session_ref)
    _chair_or_404(request, session)
    item = _agenda_item_or_404(session, escalation_ref)
    form = AgendaItemForm(request.POST, prefix=f"punt-{escalation_ref}")
    if not form.is_valid():
        messages.error(request, _("Geef een duur van 5 tot 240 minuten."))
    else:
        _change(
            request,
            lambda: services.update_agenda_item(
                item=item,
                duration_minutes=form.cleaned_data["duration_minutes"],
                minutes=form.cleaned_data["minutes"],
                by=request.user,
            ),
            item.escalation,
            _("Het agendapunt is bijgewerkt."),
            object_type="agenda_item",
        )
    return redirect(_item_url(session, escalation_ref))


@require_POST
@worker_required
def invite(request: HttpRequest, session_ref: str, escalation_ref: str) -> HttpResponse:
    """The chair invites a parent, the youth or another guest for an agenda item."""
    session = _session_or_404(request, session_ref)
    _chair_or_404(request, session)
    item = _agenda_item_or_404(session, escalation_ref)
    form = InvitationForm(request.POST, prefix=f"uitnodiging-{escalation_ref}")
    if not form.is_valid():
        messages.error(request, _("Geef wie u uitnodigt, de naam en een geldig e-mailadres."))
    else:
        try:
            invitation = services.invite_person(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            record_worker_access(
                request,
                [Access(item.escalation.case.family.ref, "invitation", str(invitation.pk))],
                action=AccessAction.CHANGE,
                purpose=PURPOSE_TABLE,
            )
            messages.success(
                request,
                _("%(name)s is uitgenodigd voor dit agendapunt.") % {"name": invitation.name},
            )
    return redirect(_item_url(session, escalation_ref))


LETTER_AUDIENCES = {
    "regisseur": "escalations/letter_regisseur.html",
    "gezin": "escalations/letter_family.html",
}
PURPOSE_LETTER = "besluit Regionale Experttafel: brief aan regisseur of gezin"


def _letter_or_404(request: HttpRequest, escalation_ref: str, audience: str) -> Escalation:
    """The decision letter's escalation: for its regisseur, or for the table's chair while the
    family's consent for the table is in force (without it the table sees no names)."""
    if audience not in LETTER_AUDIENCES:
        raise Http404
    escalation = _escalation_or_404(request, escalation_ref, "escalations.read_decision_letter")
    if selectors.decision_of(escalation) is None:
        raise Http404
    if not policies.is_regisseur_of(request.user, escalation) and not services.has_table_consent(
        escalation.case_id
    ):
        raise Http404
    return selectors.decision_letter(escalation)


def _letter_accesses(escalation: Escalation, audience: str) -> list[Access]:
    family = escalation.case.family
    items = [Access(family.ref, "decision", escalation.ref)]
    items += [Access(family.ref, "youth", y.ref) for y in family.youths.all()]
    if audience == "gezin":
        items += [Access(family.ref, "carer", c.ref) for c in family.carers.all()]
    return items


def _letter_context(request: HttpRequest, escalation: Escalation, audience: str, for_pdf: bool):
    return {
        "e": escalation,
        "decision": escalation.decision,
        "family": escalation.case.family,
        "audience": audience,
        "for_pdf": for_pdf,
        "today": timezone.localdate(),
        "back": "expert-table-session"
        if policies.chairs_the_table(request.user, escalation)
        else "escalation-inbox",
    }


@require_GET
@worker_required
def decision_letter(request: HttpRequest, escalation_ref: str, audience: str) -> HttpResponse:
    """The decision letter as a page: to the regisseur, or in plain words to the family."""
    escalation = _letter_or_404(request, escalation_ref, audience)
    record_worker_access(request, _letter_accesses(escalation, audience), purpose=PURPOSE_LETTER)
    return render(
        request,
        LETTER_AUDIENCES[audience],
        _letter_context(request, escalation, audience, for_pdf=False),
    )


@require_GET
@worker_required
def decision_letter_pdf(request: HttpRequest, escalation_ref: str, audience: str) -> HttpResponse:
    """The same letter as a PDF (WeasyPrint, ``worker.pdf``); in the access log as export."""
    escalation = _letter_or_404(request, escalation_ref, audience)
    record_worker_access(
        request,
        _letter_accesses(escalation, audience),
        action=AccessAction.EXPORT,
        purpose=PURPOSE_LETTER,
    )
    html = render_to_string(
        LETTER_AUDIENCES[audience],
        _letter_context(request, escalation, audience, for_pdf=True),
        request=request,
    )
    footer = _("Besluit Regionale Experttafel, aanmelding %(ref)s, %(on)s") % {
        "ref": escalation.ref,
        "on": date_filter(timezone.localdate(), "j F Y"),
    }
    response = HttpResponse(
        render_pdf(html, footer=footer, page_label=_("pagina")), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="besluit-{escalation.ref}-{audience}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@worker_required
def figures_page(request: HttpRequest) -> HttpResponse:
    """Aggregated figures of the table: no names, no access-log entry (no personal data)."""
    region = _region_or_404(request)
    return render(request, "escalations/figures.html", {"figures": figures.table_figures(region)})
