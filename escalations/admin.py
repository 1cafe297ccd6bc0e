from django.contrib import admin

from casusregie.admin_access import FamilyDataAdmin
from casusregie.admin_rejudge import RejudgesCase

from .models import Escalation


@admin.register(Escalation)
class EscalationAdmin(FamilyDataAdmin, RejudgesCase, admin.ModelAdmin):
    family_path = "case__family"

    def case_ids_of(self, obj) -> list[int]:
        return [obj.case_id]

    list_display = ["ref", "case", "submitted_on", "source", "discussed_on"]
    list_filter = ["source", "discussed_on"]
    list_select_related = ["case"]
    search_fields = ["ref", "case__ref"]
