"""The dossier of one family, for the region it moves to (a download, in the access log)."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from casusregie.access_log import Access, record_worker_access
from casusregie.models import AccessAction
from casusregie.policies import family_or_404, may_hand_over
from casusregie.selectors import open_case_of
from casusregie.services import current_regisseur_of
from casusregie.views.accounts import worker_required

from .exporter import export_family_for_move

PURPOSE_MOVE = "verhuizing naar een andere regio"


@require_GET
@worker_required
def family_export(request: HttpRequest, ref: str) -> HttpResponse:
    """Only the case's regisseur or its team lead, who would propose a move."""
    family = family_or_404(request.user, ref, "casusregie.change_family_record")
    case = open_case_of(family)
    if case is None or not may_hand_over(request.user, case, current_regisseur_of(case)):
        raise Http404
    doc = export_family_for_move(family.ref)
    record_worker_access(
        request,
        [Access(family.ref, "dossier", family.ref)],
        action=AccessAction.EXPORT,
        purpose=PURPOSE_MOVE,
    )
    response = HttpResponse(
        json.dumps(doc, ensure_ascii=False, indent=1), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="dossier-{family.ref}.json"'
    response["Cache-Control"] = "no-store"
    return response
