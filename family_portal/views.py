"""The gezinsportaal's pages (/mijn-gezin/): login by link and code, then the family's own
plan, analysis, help, consent, questions and access history. Every page reads through
``selectors`` for the logged-in account's own family and writes its access-log entries."""

from __future__ import annotations

import csv
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analyses import services as analysis_services
from casusregie import services
from casusregie.access_log import PURPOSE_AVG_FAMILY, Access, record_family_access
from casusregie.models import FAMILY_TEXT_MAX, AccessAction, ConsentPurpose
from plans import services as plan_services

from . import broker, selectors
from .session import family_required, log_in, log_out, pending_account, start_pending


class EmailForm(forms.Form):
    email = forms.EmailField(label=_lazy("Uw e-mailadres"), max_length=254)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_lazy("De code uit de e-mail"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}
        ),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Ask for a login link by e-mail; the answer is the same whether the address is known."""
    form = EmailForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        services.request_family_link(form.cleaned_data["email"])
        sent = True
    broker_label = broker.label() if broker.enabled() else ""
    return render(
        request,
        "family_portal/login.html",
        {"form": form, "sent": sent, "broker_label": broker_label},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest) -> HttpResponse:
    """The link from the e-mail. A GET only shows a button (a mail scanner that opens links
    spends nothing); the POST uses the link once and sends the code."""
    token = request.POST.get("sleutel") or request.GET.get(settings.SESAME_TOKEN_NAME, "")
    if request.method == "POST":
        account = services.use_family_link(token) if token else None
        if account is None:
            return render(request, "family_portal/link.html", {"invalid": True}, status=400)
        start_pending(request, account)
        services.send_family_code(account)
        record_family_access(
            request,
            account,
            [Access(account.family.ref, "family_account", account.ref)],
            purpose="inloggen gezinsportaal: link gebruikt",
            action=AccessAction.CHANGE,
        )
        return redirect("family-code")
    return render(request, "family_portal/link.html", {"token": token})


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """The second step: the code sent by e-mail."""
    account = pending_account(request)
    if account is None:
        return redirect("family-login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.verify_family_code(account, form.cleaned_data["code"]):
            log_in(request, account)
            record_family_access(
                request,
                account,
                [Access(account.family.ref, "family_account", account.ref)],
                purpose="inloggen gezinsportaal",
                action=AccessAction.CHANGE,
            )
            return redirect("family-home")
        form.add_error("code", _("Deze code klopt niet of is verlopen."))
    return render(request, "family_portal/code.html", {"form": form})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    log_out(request)
    return redirect("family-login")


def _family_items(account) -> list[Access]:
    return [Access(account.family.ref, "family", account.family.ref)]


def _family_write(
    request: HttpRequest,
    write: Callable[[], object],
    item: Callable[[object], Access],
    done: str,
    form: forms.Form | None = None,
    field: str | None = None,
) -> bool:
    """One write of the family's: the service call, its refusal (``ValidationError``) as the
    form's error (or a message, without a form), the change in the access log, and ``done`` as
    the message. True when written. The caller's ``family_required`` made it one transaction."""
    try:
        written = write()
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
        else:
            form.add_error(field, " ".join(error.messages))
        return False
    account = request.family_account
    record_family_access(request, account, [item(written)], action=AccessAction.CHANGE)
    messages.success(request, done)
    return True


@require_GET
@family_required
def home(request: HttpRequest) -> HttpResponse:
    account = request.family_account
    case = selectors.open_case(account)
    regisseur = selectors.regisseur(case)
    plan = selectors.current_plan(case)
    record_family_access(request, account, _family_items(account))
    return render(
        request,
        "family_portal/home.html",
        {
            "account": account,
            "case": case,
            "regisseur": regisseur,
            "plan": plan,
            "next_evaluation": selectors.next_evaluation(plan),
        },
    )


class PlanAnswerForm(forms.Form):
    agrees = forms.TypedChoiceField(
        label=_lazy("Bent u het eens met het plan?"),
        choices=[("ja", _lazy("Ja, ik ben het eens")), ("nee", _lazy("Nee, niet met alles"))],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "ja",
    )
    note = forms.CharField(
        label=_lazy("Wilt u nog iets zeggen? (mag leeg)"),
        required=False,
        max_length=FAMILY_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        for goal in goals:
            self.fields[f"doel-{goal.pk}"] = forms.CharField(
                label=_lazy("Wat klopt er niet aan dit doel? (mag leeg)"),
                required=False,
                max_length=FAMILY_TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def objections(self) -> dict[int, str]:
        return {
            int(name.split("-", 1)[1]): value
            for name, value in self.cleaned_data.items()
            if name.startswith("doel-") and value.strip()
        }


@require_http_methods(["GET", "POST"])
@family_required
def plan(request: HttpRequest) -> HttpResponse:
    """The plan: goals, actions (who, when), the next evaluation; agree, or say what not."""
    account = request.family_account
    case = selectors.open_case(account)
    the_plan = selectors.current_plan(case)
    goals = list(the_plan.goals.all()) if the_plan else []
    form = PlanAnswerForm(request.POST or None, goals=goals)
    if request.method == "POST":
        if the_plan is None:
            raise Http404
        if form.is_valid() and _family_write(
            request,
            lambda: plan_services.answer_plan_by_family(
                plan=the_plan,
                account=account,
                agrees=form.cleaned_data["agrees"],
                note=form.cleaned_data["note"],
                objections=form.objections(),
            ),
            lambda _answer: Access(account.family.ref, "plan", str(the_plan.pk)),
            _("Dank u. Uw regisseur ziet uw antwoord."),
            form,
        ):
            return redirect("family-plan")
    if the_plan is not None:
        record_family_access(
            request, account, [Access(account.family.ref, "plan", str(the_plan.pk))]
        )
    return render(
        request,
        "family_portal/plan.html",
        {
            "account": account,
            "plan": the_plan,
            "goal_fields": [(g, form[f"doel-{g.pk}"]) for g in goals],
            "form": form,
            "response": selectors.own_response(the_plan, account),
            "next_evaluation": selectors.next_evaluation(the_plan),
        },
        status=400 if request.method == "POST" else 200,
    )


class StoryForm(forms.Form):
    text = forms.CharField(
        label=_lazy("Ons verhaal: wat wilt u zelf zeggen over uw situatie?"),
        max_length=analysis_services.FAMILY_STORY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


@require_http_methods(["GET", "POST"])
@family_required
def analysis(request: HttpRequest) -> HttpResponse:
    """The established analysis; while a draft is written, the family's own words on it."""
    account = request.family_account
    case = selectors.open_case(account)
    established = selectors.established_analysis(case)
    draft = selectors.draft_analysis(case)
    own = (
        next((s for s in draft.stories.all() if s.account_id == account.pk), None)
        if draft
        else None
    )
    form = StoryForm(request.POST or None, initial={"text": own.text if own else ""})
    if request.method == "POST":
        if draft is None:
            raise Http404
        if form.is_valid() and _family_write(
            request,
            lambda: analysis_services.write_family_story(
                analysis=draft, account=account, text=form.cleaned_data["text"]
            ),
            lambda _story: Access(account.family.ref, "analysis", str(draft.pk)),
            _("Uw verhaal is bewaard. Uw regisseur leest het."),
            form,
            "text",
        ):
            return redirect("family-analysis")
    if established is not None:
        record_family_access(
            request, account, [Access(account.family.ref, "analysis", str(established.pk))]
        )
    return render(
        request,
        "family_portal/analysis.html",
        {"account": account, "analysis": established, "draft": draft, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@family_required
def help_page(request: HttpRequest) -> HttpResponse:
    """The referrals (where each stands, with the waiting time) and the table's decisions."""
    account = request.family_account
    case = selectors.open_case(account)
    lines = selectors.referrals(account, case)
    decisions = selectors.decisions(case)
    record_family_access(
        request,
        account,
        [Access(account.family.ref, "referral", line.referral.ref) for line in lines]
        + [Access(account.family.ref, "decision", str(d.pk)) for d in decisions],
    )
    return render(
        request,
        "family_portal/help.html",
        {"account": account, "lines": lines, "decisions": decisions},
    )


class FamilyConsentForm(forms.Form):
    choice = forms.ChoiceField(label=_lazy("Waarvoor geeft u toestemming?"))

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("table", ConsentPurpose.EXPERT_TABLE.label)]
        for p in providers:
            choices.append(
                (f"analysis:{p.pk}", _("Analyse en doelen delen met %(name)s") % {"name": p.name})
            )
            choices.append(
                (f"contact:{p.pk}", _("Contactgegevens delen met %(name)s") % {"name": p.name})
            )
        self.fields["choice"].choices = choices
        self.providers = {p.pk: p for p in providers}

    def purpose_and_provider(self):
        value = self.cleaned_data["choice"]
        if value == "table":
            return ConsentPurpose.EXPERT_TABLE, None
        kind, pk = value.split(":")
        purpose = (
            ConsentPurpose.SHARE_ANALYSIS if kind == "analysis" else ConsentPurpose.SHARE_CONTACT
        )
        return purpose, self.providers[int(pk)]


@require_http_methods(["GET", "POST"])
@family_required
def consent(request: HttpRequest) -> HttpResponse:
    """The family's consents: give one (for a provider of its referrals, or the table)."""
    account = request.family_account
    case = selectors.open_case(account)
    form = FamilyConsentForm(request.POST or None, providers=selectors.providers_of(case))
    if request.method == "POST" and form.is_valid():
        purpose, provider = form.purpose_and_provider()
        if _family_write(
            request,
            lambda: services.give_consent_by_family(
                account=account, purpose=purpose, provider=provider
            ),
            lambda given: Access(account.family.ref, "consent", str(given.pk)),
            _("Uw toestemming is vastgelegd; dit geldt direct."),
            form,
        ):
            return redirect("family-consent")
    consents = selectors.consents(case)
    record_family_access(
        request,
        account,
        [Access(account.family.ref, "consent", str(c.pk)) for c in consents]
        or _family_items(account),
    )
    return render(
        request,
        "family_portal/consent.html",
        {"account": account, "consents": consents, "form": form, "today": case and case.opened_on},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@family_required
def consent_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    account = request.family_account
    found = selectors.own_consent(account, consent_id)
    if found is None:
        raise Http404
    _family_write(
        request,
        lambda: services.withdraw_consent_by_family(account=account, consent=found),
        lambda _withdrawn: Access(account.family.ref, "consent", str(found.pk)),
        _("Uw toestemming is ingetrokken; dit geldt direct."),
    )
    return redirect("family-consent")


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_lazy("Uw vraag aan uw regisseur"),
        max_length=FAMILY_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": FAMILY_TEXT_MAX}),
    )


@require_http_methods(["GET", "POST"])
@family_required
def questions(request: HttpRequest) -> HttpResponse:
    """The thread with the regisseur: ask a question; the regisseur gets a melding."""
    account = request.family_account
    case = selectors.open_case(account)
    form = QuestionForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _family_write(
            request,
            lambda: services.ask_regisseur(account=account, text=form.cleaned_data["text"]),
            lambda message: Access(account.family.ref, "message", str(message.pk)),
            _("Uw vraag is verstuurd naar uw regisseur."),
            form,
            "text",
        )
    ):
        return redirect("family-questions")
    thread = selectors.messages(case)
    record_family_access(
        request,
        account,
        [Access(account.family.ref, "message", str(m.pk)) for m in thread]
        or _family_items(account),
    )
    return render(
        request,
        "family_portal/questions.html",
        {"account": account, "thread": thread, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@family_required
def history(request: HttpRequest) -> HttpResponse:
    """Who looked at our file: the family's access history (AVG art. 15); reading it is logged."""
    account = request.family_account
    page = selectors.access_history_page(account, request.GET.get("pagina"))
    record_family_access(
        request,
        account,
        [Access(account.family.ref, "access_history", account.family.ref)],
        purpose=PURPOSE_AVG_FAMILY,
    )
    return render(request, "family_portal/history.html", {"account": account, "page": page})


@require_GET
@family_required
def history_csv(request: HttpRequest) -> HttpResponse:
    account = request.family_account
    lines = selectors.access_history(account)
    record_family_access(
        request,
        account,
        [Access(account.family.ref, "access_history", account.family.ref)],
        purpose=PURPOSE_AVG_FAMILY,
        action=AccessAction.EXPORT,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="wie-keek-in-ons-dossier.csv"'
    response.write("\ufeff")  # a byte order mark: a spreadsheet reads "ë" right
    writer = csv.writer(response, delimiter=";")
    writer.writerow(["tijdstip", "wie", "rol", "organisatie", "handeling", "wat", "waarom"])
    for line in lines:
        e = line.entry
        writer.writerow(
            [
                e.at.isoformat(),
                *(
                    spreadsheet_text(str(value))
                    for value in (
                        line.who,
                        line.role,
                        line.organisation,
                        e.get_action_display(),
                        e.object_type,
                        e.purpose,
                    )
                ),
            ]
        )
    return response


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs: a value that starts like a formula (a
    worker's name "=HYPERLINK(…)" in the family's download) gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
