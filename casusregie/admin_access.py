"""The admin under the same policy and access log as the pages.

``FamilyDataAdmin`` is a ModelAdmin mixin for every model that holds a family's personal data:
its lists and forms only reach the families the user may see (``policies.visible_families``;
a functional administrator without a case-work role sees none), and every list, form view,
change and deletion is written to the access log with the family it concerns.
"""

from __future__ import annotations

from django.contrib import admin

from .access_log import Access, record_worker_access
from .models import AccessAction
from .policies import visible_families

PURPOSE_ADMIN = "functioneel beheer"


class FamilyDataAdmin:
    """Set ``family_path`` to the lookup from the model to its Family ("" for Family itself)."""

    family_path: str = ""
    access_object_type: str = ""

    def _family_lookup(self) -> str:
        return f"{self.family_path}__in" if self.family_path else "pk__in"

    def _family_ref_of(self, obj) -> str:
        target = obj
        for part in filter(None, self.family_path.split("__")):
            target = getattr(target, part)
        return target.ref

    def _object_type(self) -> str:
        return self.access_object_type or self.model._meta.model_name

    def _object_ref(self, obj) -> str:
        return str(getattr(obj, "ref", None) or obj.pk)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self.family_path:
            qs = qs.select_related(self.family_path)
        return qs.filter(**{self._family_lookup(): visible_families(request.user)})

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}) or {}
        rows = changelist.get("cl").result_list if changelist.get("cl") else []
        record_worker_access(
            request,
            [
                Access(self._family_ref_of(o), self._object_type(), self._object_ref(o))
                for o in rows
            ],
            purpose=PURPOSE_ADMIN,
        )
        return response

    def _log_object(self, request, object_id, action: str) -> None:
        if not object_id:
            return
        obj = self.get_object(request, admin.utils.unquote(object_id))
        if obj is not None:
            record_worker_access(
                request,
                [Access(self._family_ref_of(obj), self._object_type(), self._object_ref(obj))],
                action=action,
                purpose=PURPOSE_ADMIN,
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        action = AccessAction.CHANGE if request.method == "POST" else AccessAction.READ
        self._log_object(request, object_id, action)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._log_object(request, object_id, AccessAction.READ)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        action = AccessAction.CHANGE if request.method == "POST" else AccessAction.READ
        self._log_object(request, object_id, action)
        return super().delete_view(request, object_id, extra_context)
