"""Admin changes to case data re-judge the case through the rulebook (on commit)."""

from __future__ import annotations

from django.db.models import Model

from .rejudge import request_case_sweep


class RejudgesCase:
    """A ModelAdmin mixin: after a save, queue a sweep of the open case(s) the object is part of."""

    def case_ids_of(self, obj: Model) -> list[int]:
        raise NotImplementedError

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        request_case_sweep(*self.case_ids_of(form.instance))
