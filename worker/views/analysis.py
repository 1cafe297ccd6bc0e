"""The analysis editor: thin views over ``analyses.services`` and ``analyses.selectors``.

Editing needs ``casusregie.change_family_record``, reading one version
``casusregie.view_family_record``; a family out of scope is a 404. Every page that shows or
changes the analysis writes the access log (changes with action ``change``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from analyses import services
from analyses.forms import ExplanationForm, FindingsForm, ParticipantsForm, StrengthForm
from analyses.models import Analysis, AnalysisStatus, Explanation, Strength
from casusregie.access_log import Access, record_worker_access
from casusregie.models import Case, Family
from casusregie.selectors import open_case_of
from casusregie.views.accounts import worker_required
from plans.services import establish_analysis_with_plan

from ..editing import (
    CHANGE_PERM,
    VIEW_PERM,
    apply_form,
    changed,
    editing_view,
    editor_family_or_404,
)
from ..selectors import analysis as selectors

PURPOSE = "regie en hulpverlening: verklarende analyse"


def _accesses(family: Family, case: Case | None, analysis: Analysis | None) -> list[Access]:
    if analysis is not None:
        return [Access(family.ref, "analysis", str(analysis.pk))]
    if case is not None:
        return [Access(family.ref, "case", case.ref)]
    return [Access(family.ref, "family", family.ref)]


def _editor_page(
    request: HttpRequest,
    family: Family,
    case: Case | None,
    *,
    bound: dict | None = None,
    errors: list[str] = (),
    status: int = 200,
) -> HttpResponse:
    page = selectors.analysis_page(case) if case is not None else None
    record_worker_access(
        request, _accesses(family, case, page.shown if page else None), purpose=PURPOSE
    )
    context = {"family": family, "case": case, "page": page, "errors": list(errors)}
    draft = page.draft if page else None
    if draft is not None:
        findings = list(draft.findings.all())
        context["participants_form"] = ParticipantsForm(
            prefix="deelnemers", initial={"participants": draft.participants}
        )
        context["findings_form"] = FindingsForm(prefix="bevinding", findings=findings)
        context["explanation_form"] = ExplanationForm(prefix="nieuw", findings=findings)
        context["strength_form"] = StrengthForm(prefix="kracht")
        explanation_forms = {
            f"explanation-{e.pk}": ExplanationForm(
                prefix=f"verklaring-{e.pk}",
                findings=findings,
                initial={"text": e.text, "findings": [str(f.pk) for f in e.findings.all()]},
            )
            for e in draft.explanations.all()
        }
        for key, form in (bound or {}).items():
            if key in explanation_forms:
                explanation_forms[key] = form
            else:
                context[key] = form
        context["explanations"] = [
            (e, explanation_forms[f"explanation-{e.pk}"], f"explanation-{e.pk}" in (bound or {}))
            for e in draft.explanations.all()
        ]
        context["problems"] = services.establishing_problems(draft)
    return render(request, "analyses/editor.html", context, status=status)


editing = editing_view(_editor_page)  # a POST that changes the open case's analysis


def _draft(case: Case) -> Analysis:
    draft = Analysis.objects.filter(case=case, status=AnalysisStatus.DRAFT).first()
    if draft is None:
        raise ValidationError(
            _("Er is geen concept om te wijzigen. Begin eerst een (nieuwe versie van de) analyse.")
        )
    return draft


def _done(
    request: HttpRequest, family: Family, analysis_id: int, message: str, anchor: str = ""
) -> HttpResponse:
    accesses = [Access(family.ref, "analysis", str(analysis_id))]
    return changed(
        request, family, accesses, message, editor="analysis-editor", purpose=PURPOSE, anchor=anchor
    )


@require_GET
@worker_required
def editor(request: HttpRequest, ref: str) -> HttpResponse:
    family = editor_family_or_404(request, ref, CHANGE_PERM)
    return _editor_page(request, family, open_case_of(family))


@editing
def start(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    draft = services.start_analysis(case=case)
    if draft.is_current:
        message = _("De verklarende analyse is begonnen (concept).")
    else:
        message = _(
            "Versie %(version)s is begonnen als concept. De vastgestelde versie blijft van "
            "kracht totdat u deze nieuwe versie vaststelt."
        ) % {"version": draft.version}
    return _done(request, family, draft.pk, message)


@editing
def participants(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    draft = _draft(case)
    form = ParticipantsForm(request.POST, prefix="deelnemers")
    apply_form(
        "participants_form",
        form,
        lambda data: services.set_participants(analysis=draft, participants=data["participants"]),
    )
    return _done(request, family, draft.pk, _("De deelnemers zijn opgeslagen."), "deelnemers")


@editing
def findings(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    draft = _draft(case)
    form = FindingsForm(request.POST, prefix="bevinding")
    apply_form(
        "findings_form", form, lambda data: services.save_findings(analysis=draft, texts=data)
    )
    return _done(request, family, draft.pk, _("De bevindingen zijn opgeslagen."), "bevindingen")


@editing
def explanation_add(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    draft = _draft(case)
    form = ExplanationForm(request.POST, prefix="nieuw", findings=list(draft.findings.all()))
    apply_form(
        "explanation_form",
        form,
        lambda data: services.add_explanation(
            analysis=draft, text=data["text"], finding_ids=form.finding_ids()
        ),
    )
    return _done(request, family, draft.pk, _("De verklaring is toegevoegd."), "verklaringen")


@editing
def explanation_change(
    request: HttpRequest, family: Family, case: Case, explanation_id: int
) -> HttpResponse:
    explanation = get_object_or_404(
        Explanation.objects.select_related("analysis"), pk=explanation_id, analysis__case=case
    )
    form = ExplanationForm(
        request.POST,
        prefix=f"verklaring-{explanation.pk}",
        findings=list(explanation.analysis.findings.all()),
    )
    apply_form(
        f"explanation-{explanation.pk}",
        form,
        lambda data: services.change_explanation(
            explanation=explanation, text=data["text"], finding_ids=form.finding_ids()
        ),
    )
    return _done(
        request, family, explanation.analysis_id, _("De verklaring is gewijzigd."), "verklaringen"
    )


@editing
def explanation_delete(
    request: HttpRequest, family: Family, case: Case, explanation_id: int
) -> HttpResponse:
    explanation = get_object_or_404(
        Explanation.objects.select_related("analysis"), pk=explanation_id, analysis__case=case
    )
    services.remove_explanation(explanation=explanation)
    return _done(
        request, family, explanation.analysis_id, _("De verklaring is verwijderd."), "verklaringen"
    )


@editing
def strength_add(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    draft = _draft(case)
    form = StrengthForm(request.POST, prefix="kracht")
    apply_form(
        "strength_form", form, lambda data: services.add_strength(analysis=draft, text=data["text"])
    )
    return _done(request, family, draft.pk, _("De kracht is toegevoegd."), "krachten")


@editing
def strength_delete(
    request: HttpRequest, family: Family, case: Case, strength_id: int
) -> HttpResponse:
    strength = get_object_or_404(
        Strength.objects.select_related("analysis"), pk=strength_id, analysis__case=case
    )
    services.remove_strength(strength=strength)
    return _done(request, family, strength.analysis_id, _("De kracht is verwijderd."), "krachten")


@editing
def establish(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    analysis = establish_analysis_with_plan(analysis=_draft(case))
    message = _("Versie %(version)s van de analyse is vastgesteld en nu van kracht.") % {
        "version": analysis.version
    }
    return _done(request, family, analysis.pk, message)


@editing
def discard(request: HttpRequest, family: Family, case: Case) -> HttpResponse:
    draft = _draft(case)
    services.discard_draft(analysis=draft)
    return _done(
        request,
        family,
        draft.pk,
        _("Het concept is weggegooid; de vastgestelde versie blijft van kracht."),
    )


@require_GET
@worker_required
def version_detail(request: HttpRequest, ref: str, version: int) -> HttpResponse:
    """One version of the analysis, read only (also for the expert table, within its scope)."""
    family = editor_family_or_404(request, ref, VIEW_PERM)
    case = open_case_of(family) or next(iter(family.cases.all()), None)
    if case is None:
        raise Http404
    try:
        analysis = selectors.analysis_version(case, version)
    except Analysis.DoesNotExist:
        raise Http404 from None
    record_worker_access(request, _accesses(family, case, analysis), purpose=PURPOSE)
    return render(
        request,
        "analyses/version.html",
        {
            "family": family,
            "case": case,
            "analysis": analysis,
            "can_change": request.user.has_perm(CHANGE_PERM, family),
        },
    )
