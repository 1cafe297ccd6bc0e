"""The plan as the family sees it: the agreed plan and the established analysis for the family
meeting, as a print view (HTML with print CSS) and as a PDF (``worker.pdf``).

The policy is the plan editor's (``casusregie.change_family_record``; a family out of scope is a
404). Each read is in the access log with its purpose: the print view as ``read``, the PDF as
``export``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casusregie.access_log import Access, record_worker_access
from casusregie.models import AccessAction, Family
from casusregie.selectors import open_case_of
from casusregie.views.accounts import worker_required

from ..editing import CHANGE_PERM, editor_family_or_404
from ..pdf import render_pdf
from ..selectors import plan as selectors
from ..selectors.plan import PlanDocument

PURPOSE = "regie en hulpverlening: plan en analyse voor het gezinsgesprek"
TEMPLATE = "plans/document.html"


def _accesses(family: Family, document: PlanDocument | None) -> list[Access]:
    if document is None:
        return [Access(family.ref, "family", family.ref)]
    items = [Access(family.ref, "case", document.case.ref)]
    if document.plan is not None:
        items.append(Access(family.ref, "plan", str(document.plan.pk)))
    if document.analysis is not None:
        items.append(Access(family.ref, "analysis", str(document.analysis.pk)))
    items += [Access(family.ref, "youth", y.ref) for y in document.youths]
    items += [Access(family.ref, "carer", c.ref) for c in document.carers]
    return items


def _document(request: HttpRequest, ref: str) -> tuple[Family, PlanDocument | None]:
    family = editor_family_or_404(request, ref, CHANGE_PERM)
    case = open_case_of(family)
    return family, selectors.plan_document(case, family) if case is not None else None


@require_GET
@worker_required
def print_view(request: HttpRequest, ref: str) -> HttpResponse:
    family, document = _document(request, ref)
    record_worker_access(request, _accesses(family, document), purpose=PURPOSE)
    return render(request, TEMPLATE, {"family": family, "document": document, "for_pdf": False})


@require_GET
@worker_required
def pdf(request: HttpRequest, ref: str) -> HttpResponse:
    family, document = _document(request, ref)
    if document is None or document.plan is None:
        raise Http404
    record_worker_access(
        request, _accesses(family, document), action=AccessAction.EXPORT, purpose=PURPOSE
    )
    html = render_to_string(
        TEMPLATE, {"family": family, "document": document, "for_pdf": True}, request=request
    )
    footer = _("Gezin %(ref)s, afgedrukt op %(on)s") % {
        "ref": family.ref,
        "on": date_filter(document.today, "j F Y"),
    }
    response = HttpResponse(
        render_pdf(html, footer=footer, page_label=_("pagina")), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="plan-{family.ref}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
