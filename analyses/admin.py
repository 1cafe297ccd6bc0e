from django.contrib import admin

from casusregie.admin_access import FamilyDataAdmin
from casusregie.admin_rejudge import RejudgesCase

from .models import Analysis, DomainFinding, Explanation, Strength


class DomainFindingInline(admin.TabularInline):
    model = DomainFinding
    extra = 0


class ExplanationInline(admin.TabularInline):
    model = Explanation
    extra = 0
    exclude = ["findings"]


class StrengthInline(admin.TabularInline):
    model = Strength
    extra = 0


@admin.register(Analysis)
class AnalysisAdmin(FamilyDataAdmin, RejudgesCase, admin.ModelAdmin):
    family_path = "case__family"

    def case_ids_of(self, obj) -> list[int]:
        return [obj.case_id]

    list_display = ["case", "version", "status", "established_on", "is_current"]
    list_filter = ["status", "is_current"]
    list_select_related = ["case"]
    inlines = [DomainFindingInline, ExplanationInline, StrengthInline]
