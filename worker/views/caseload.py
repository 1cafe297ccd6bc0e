"""Mijn caseload, the team lead's view, registering a family, and the warm regie hand-over."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.forms import formset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casusregie import services
from casusregie.access_log import (
    PURPOSE_CASE_WORK,
    PURPOSE_REGISTRATION,
    Access,
    record_worker_access,
)
from casusregie.bsn import is_valid_bsn
from casusregie.models import (
    AccessAction,
    FamilyMove,
    LocalTeam,
    Municipality,
    RegieTransfer,
    Relation,
    Role,
    Worker,
    validate_carer_phone,
    validate_postcode,
)
from casusregie.policies import may_hand_over, roles_of
from casusregie.selectors import open_case_of
from casusregie.views.accounts import worker_required

from ..forms import MoveConfirmForm, MoveForm, TransferForm
from ..search import search_terms, without_search_terms
from ..selectors import expert_table
from ..selectors import families as selectors
from .families import family_page_or_404


def _log_cases(request: HttpRequest, cases) -> None:
    record_worker_access(
        request,
        [Access(c.family.ref, "case", c.ref) for c in cases],
        purpose=PURPOSE_CASE_WORK,
    )


@require_http_methods(["GET", "POST"])
@worker_required
def caseload(request: HttpRequest) -> HttpResponse:
    """A search is a POST (its terms never in a URL or the server's log); a GET carrying
    ``?q=`` is sent back without it."""
    if "q" in request.GET:
        return without_search_terms(request)
    query = search_terms(request)
    only_flagged = (request.POST if request.method == "POST" else request.GET).get(
        "signalen"
    ) == "1"
    cases = list(selectors.caseload(request.user, query, only_flagged))
    follow_ups = expert_table.follow_ups(request.user)
    _log_cases(request, cases)
    if follow_ups:
        record_worker_access(
            request,
            [
                Access(d.escalation.case.family.ref, "decision", d.escalation.ref)
                for d in follow_ups
            ],
            purpose=PURPOSE_CASE_WORK,
        )
    return render(
        request,
        "casusregie/caseload.html",
        {
            "cases": cases,
            "query": query,
            "only_flagged": only_flagged,
            "incoming": list(selectors.pending_transfers_for(request.user)),
            "incoming_moves": _incoming_moves(request),
            "follow_ups": follow_ups,
        },
    )


RACED = _lazy(
    "Iemand anders heeft deze casus tegelijk gewijzigd. Laad de pagina opnieuw en kijk of uw "
    "wijziging nog nodig is."
)


def _conflict(request: HttpRequest, message: str) -> HttpResponse:
    """A change already made, or lost to a concurrent one: 409 with the reason, never a 500."""
    return render(request, "409.html", {"message": message}, status=409)


def _propose(request: HttpRequest, family, case, propose: Callable[[], object], done: str) -> None:
    """Run a proposal on the case (a hand-over, a move): a refusal becomes the page's error;
    a proposal made is in the access log and said."""
    try:
        propose()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except IntegrityError:
        messages.error(request, str(RACED))
    else:
        record_worker_access(
            request,
            [Access(family.ref, "case", case.ref)],
            action=AccessAction.CHANGE,
            purpose=PURPOSE_CASE_WORK,
        )
        messages.success(request, done)


def _incoming_moves(request: HttpRequest) -> list:
    """Moves the user may confirm, with the receiving team's regisseurs for a team lead."""
    user = request.user
    if not user.local_team_id or not roles_of(user) & {Role.TEAM_LEAD, Role.REGISSEUR}:
        return []
    return list(selectors.incoming_moves_for(user))


@require_GET
@worker_required
def team(request: HttpRequest) -> HttpResponse:
    if Role.TEAM_LEAD not in roles_of(request.user) or not request.user.local_team_id:
        raise Http404
    cases = list(selectors.team_cases(request.user))
    _log_cases(request, cases)
    moves = _incoming_moves(request)
    return render(
        request,
        "casusregie/team.html",
        {
            "cases": cases,
            "incoming_moves": moves,
            "move_form": MoveConfirmForm(team_id=request.user.local_team_id) if moves else None,
        },
    )


@require_POST
@worker_required
def move_propose(request: HttpRequest, ref: str) -> HttpResponse:
    family = family_page_or_404(request, ref, "casusregie.change_family_record")
    case = open_case_of(family)
    if case is None or not may_hand_over(request.user, case, services.current_regisseur_of(case)):
        raise Http404
    form = MoveForm(request.POST, destinations=selectors.move_destinations(case))
    if not form.is_valid():
        messages.error(request, _("Kies het team en de gemeente waar het gezin naartoe gaat."))
        return redirect("family-detail", ref=family.ref)
    team_id, municipality_id = (int(v) for v in form.cleaned_data["destination"].split(":"))
    _propose(
        request,
        family,
        case,
        lambda: services.propose_move(
            case=case,
            to_team=LocalTeam.objects.get(pk=team_id),
            to_municipality=Municipality.objects.get(pk=municipality_id),
            by=request.user,
            note=form.cleaned_data["note"],
        ),
        _(
            "De verhuizing is voorgesteld. Tot het ontvangende team bevestigt, blijft de casus "
            "bij uw team."
        ),
    )
    return redirect("family-detail", ref=family.ref)


def _move_for(request: HttpRequest, move_id: int) -> FamilyMove:
    """A move the user may act on: the receiving side, or the proposing side (pending or not:
    acting on a settled one is a 409)."""
    user = request.user
    receiving = Q(to_team=user.local_team_id) if user.local_team_id else Q(pk__in=[])
    proposing = Q(proposed_by=user) | (
        Q(from_team=user.local_team_id) if Role.TEAM_LEAD in roles_of(user) else Q(pk__in=[])
    )
    move = (
        FamilyMove.objects.filter(receiving | proposing, pk=move_id)
        .select_related("case__family", "to_team")
        .first()
    )
    if move is None:
        raise Http404
    return move


@require_POST
@worker_required
def move_confirm(request: HttpRequest, move_id: int) -> HttpResponse:
    move = _move_for(request, move_id)
    if move.to_team_id != request.user.local_team_id:
        raise Http404
    if not move.is_pending:
        return _conflict(request, _("Deze verhuizing is al afgerond of ingetrokken."))
    form = MoveConfirmForm(request.POST, team_id=move.to_team_id)
    if not form.is_valid():
        messages.error(request, _("Kies een regisseur van uw team."))
        return redirect("team" if Role.TEAM_LEAD in roles_of(request.user) else "caseload")
    try:
        services.confirm_move(move=move, by=request.user, regisseur=form.cleaned_data["regisseur"])
    except ValidationError as error:
        move.refresh_from_db(fields=["confirmed_on", "cancelled_on"])
        if not move.is_pending:  # settled by a concurrent request while this one waited
            return _conflict(request, " ".join(error.messages))
        messages.error(request, " ".join(error.messages))
        return redirect("caseload")
    except IntegrityError:
        return _conflict(request, str(RACED))
    family = move.case.family
    record_worker_access(
        request,
        [Access(family.ref, "case", move.case.ref)],
        action=AccessAction.CHANGE,
        purpose=PURPOSE_CASE_WORK,
    )
    messages.success(request, _("Het gezin is nu bij uw team."))
    return redirect("family-detail", ref=family.ref)


@require_POST
@worker_required
def move_cancel(request: HttpRequest, move_id: int) -> HttpResponse:
    move = _move_for(request, move_id)
    if not move.is_pending:
        return _conflict(request, _("Deze verhuizing is al afgerond of ingetrokken."))
    try:
        services.cancel_move(move=move, by=request.user)
    except ValidationError as error:
        return _conflict(request, " ".join(error.messages))
    messages.success(request, _("De verhuizing is ingetrokken."))
    if move.to_team_id == request.user.local_team_id:
        return redirect("caseload")
    return redirect("family-detail", ref=move.case.family.ref)


class PersonForm(forms.Form):
    name = forms.CharField(label=_lazy("Naam"), max_length=200)
    birth_date = forms.DateField(
        label=_lazy("Geboortedatum"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    bsn = forms.CharField(
        label=_lazy("BSN"),
        max_length=9,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_bsn(self) -> str:
        value = self.cleaned_data["bsn"].strip()
        if value and not is_valid_bsn(value):
            raise ValidationError(_("Dit is geen geldig BSN (11-proef)."))
        return value


class CarerForm(PersonForm):
    """A carer with contact details and, for each youth on the form, the relation and gezag."""

    birth_date = forms.DateField(
        label=_lazy("Geboortedatum"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    address = forms.CharField(label=_lazy("Adres"), max_length=200, required=False)
    postcode = forms.CharField(
        label=_lazy("Postcode"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(label=_lazy("Woonplaats"), max_length=100, required=False)
    phone = forms.CharField(
        label=_lazy("Telefoon"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_lazy("E-mail"), required=False)

    def __init__(self, *args, youth_count: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for i in range(youth_count):
            self.fields[f"relation_{i}"] = forms.ChoiceField(
                label=_("Relatie tot jeugdige %(n)s") % {"n": i + 1},
                choices=[("", "—"), *Relation.choices],
                required=False,
            )
            self.fields[f"gezag_{i}"] = forms.BooleanField(
                label=_("Heeft gezag over jeugdige %(n)s") % {"n": i + 1}, required=False
            )

    def clean_postcode(self) -> str:
        """Written as 1234 AB, however it was typed (the model's check on that form)."""
        value = self.cleaned_data["postcode"].strip().upper().replace(" ", "")
        if not value:
            return ""
        value = f"{value[:4]} {value[4:]}"
        validate_postcode(value)
        return value

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if value:
            validate_carer_phone(value)
        return value

    def clean(self):
        data = super().clean()
        for name in [f for f in self.fields if f.startswith("gezag_")]:
            index = name.removeprefix("gezag_")
            if data.get(name) and not data.get(f"relation_{index}"):
                self.add_error(
                    f"relation_{index}", _("Kies de relatie van wie gezag heeft over de jeugdige.")
                )
        return data


YouthFormSet = formset_factory(
    PersonForm, extra=1, min_num=1, validate_min=True, max_num=12, can_delete=True
)
CarerFormSet = formset_factory(CarerForm, extra=1, max_num=6, can_delete=True)
ADD_ROW = {"jeugdige": "jeugdige", "opvoeder": "opvoeder"}  # the "nog een …" buttons


class RegisterForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_lazy("Gemeente"), queryset=Municipality.objects)
    despite_known = forms.CharField(
        label=_lazy("Toch een nieuw gezin registreren, omdat"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("Alleen als iemand al bekend is en dit toch een ander gezin is."),
    )

    def __init__(self, *args, worker: Worker, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(
            local_teams=worker.local_team_id
        ).order_by("name")


def _kept(formset) -> list[forms.Form]:
    """The filled-in rows of a formset that are not marked for removal, in their order."""
    return [
        f
        for f in formset.forms
        if f.has_changed() and f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")
    ]


def _people(forms_kept: list[forms.Form]) -> list[services.Person]:
    contact = ("address", "postcode", "city", "phone", "email")
    return [
        services.Person(
            f.cleaned_data["name"],
            f.cleaned_data.get("birth_date"),
            f.cleaned_data["bsn"],
            **{k: f.cleaned_data.get(k) or "" for k in contact if k in f.cleaned_data},
        )
        for f in forms_kept
    ]


def _relations(carer_forms: list[forms.Form], youth_rows: list[int]) -> list:
    """Relations of the kept carers to the kept youths (``youth_rows``: the form index of each
    kept youth), by their positions in the kept lists."""
    return [
        services.Relationship(
            c, y, form.cleaned_data[f"relation_{row}"], bool(form.cleaned_data.get(f"gezag_{row}"))
        )
        for c, form in enumerate(carer_forms)
        for y, row in enumerate(youth_rows)
        if form.cleaned_data.get(f"relation_{row}")
    ]


def _with_a_row_more(data, prefix: str):
    """The posted data with one more (empty) row in formset ``prefix``."""
    data = data.copy()
    total = f"{prefix}-TOTAL_FORMS"
    data[total] = str(int(data.get(total) or 0) + 1)
    return data


@require_http_methods(["GET", "POST"])
@worker_required
def register_family(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user) & {Role.REGISSEUR, Role.TEAM_LEAD}:
        raise Http404
    data = request.POST if request.method == "POST" else None
    adding = data.get("add") if data is not None else None
    if adding in ADD_ROW:
        data = _with_a_row_more(data, ADD_ROW[adding])
    form = RegisterForm(data, worker=request.user)
    youths = YouthFormSet(data, prefix="jeugdige")
    youth_count = youths.total_form_count()
    carers = CarerFormSet(data, prefix="opvoeder", form_kwargs={"youth_count": youth_count})
    known = []
    if adding in ADD_ROW:
        # Another row: the same form again, with everything typed kept, nothing checked yet.
        return render(
            request,
            "casusregie/register_family.html",
            {"form": form, "youths": youths, "carers": carers, "known": known},
        )
    if data is not None and form.is_valid() and youths.is_valid() and carers.is_valid():
        kept_youths, kept_carers = _kept(youths), _kept(carers)
        youth_rows = [youths.forms.index(f) for f in kept_youths]
        try:
            family = services.register_family(
                by=request.user,
                municipality=form.cleaned_data["municipality"],
                carers=_people(kept_carers),
                youths=_people(kept_youths),
                relations=_relations(kept_carers, youth_rows),
                despite_known=form.cleaned_data["despite_known"],
            )
        except services.AlreadyKnown as already:
            known = already.families
            # Who is shown to be known where is a read of those families: attributable.
            record_worker_access(
                request,
                [Access(k.ref, "family", k.ref) for k in known if k.ref],
                purpose=PURPOSE_REGISTRATION,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            record_worker_access(
                request,
                [Access(family.ref, "family", family.ref)],
                action=AccessAction.CHANGE,
                purpose=PURPOSE_CASE_WORK,
            )
            messages.success(request, _("Het gezin is geregistreerd; u bent de regisseur."))
            return redirect("family-detail", ref=family.ref)
    status = 400 if data is not None else 200
    return render(
        request,
        "casusregie/register_family.html",
        {"form": form, "youths": youths, "carers": carers, "known": known},
        status=status,
    )


@require_POST
@worker_required
def transfer_propose(request: HttpRequest, ref: str) -> HttpResponse:
    family = family_page_or_404(request, ref, "casusregie.change_family_record")
    case = open_case_of(family)
    if case is None or not may_hand_over(request.user, case, services.current_regisseur_of(case)):
        raise Http404
    form = TransferForm(request.POST, case=case)
    if form.is_valid():
        _propose(
            request,
            family,
            case,
            lambda: services.propose_transfer(
                case=case,
                to_worker=form.cleaned_data["to_worker"],
                by=request.user,
                note=form.cleaned_data["note"],
            ),
            _(
                "De overdracht is voorgesteld. Tot de nieuwe regisseur bevestigt, houdt de "
                "huidige regisseur de regie."
            ),
        )
    else:
        messages.error(request, _("Kies een medewerker van het team van deze casus."))
    return redirect("family-detail", ref=family.ref)


def _transfer_for(request: HttpRequest, transfer_id: int) -> RegieTransfer:
    """A hand-over the user may act on: the receiver, the proposer or the team lead (pending or
    not: acting on a settled one is a 409)."""
    user = request.user
    lead_of_team = (
        Q(case__local_team=user.local_team_id) if Role.TEAM_LEAD in roles_of(user) else Q(pk__in=[])
    )
    transfer = (
        RegieTransfer.objects.filter(
            Q(to_worker=user) | Q(proposed_by=user) | Q(from_worker=user) | lead_of_team,
            pk=transfer_id,
        )
        .select_related("case__family")
        .first()
    )
    if transfer is None:
        raise Http404
    return transfer


@require_POST
@worker_required
def transfer_confirm(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _transfer_for(request, transfer_id)
    if transfer.to_worker_id != request.user.pk:
        raise Http404
    if not transfer.is_pending:
        return _conflict(request, _("Deze overdracht is al afgerond of ingetrokken."))
    try:
        services.confirm_transfer(transfer=transfer, by=request.user)
    except ValidationError as error:  # settled by a concurrent request while this one waited
        return _conflict(request, " ".join(error.messages))
    except IntegrityError:
        return _conflict(request, str(RACED))
    record_worker_access(
        request,
        [Access(transfer.case.family.ref, "case", transfer.case.ref)],
        action=AccessAction.CHANGE,
        purpose=PURPOSE_CASE_WORK,
    )
    messages.success(request, _("U bent nu de regisseur van dit gezin."))
    return redirect("family-detail", ref=transfer.case.family.ref)


@require_POST
@worker_required
def transfer_cancel(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _transfer_for(request, transfer_id)
    if not transfer.is_pending:
        return _conflict(request, _("Deze overdracht is al afgerond of ingetrokken."))
    try:
        services.cancel_transfer(transfer=transfer, by=request.user)
    except ValidationError as error:
        return _conflict(request, " ".join(error.messages))
    messages.success(request, _("De overdracht is ingetrokken."))
    if transfer.to_worker_id == request.user.pk:
        return redirect("caseload")
    return redirect("family-detail", ref=transfer.case.family.ref)
