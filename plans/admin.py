from django.contrib import admin

from casusregie.admin_access import FamilyDataAdmin
from casusregie.admin_rejudge import RejudgesCase

from .models import Evaluation, PerspectivePlan, Plan


class EvaluationInline(admin.TabularInline):
    model = Evaluation
    extra = 0


@admin.register(Plan)
class PlanAdmin(FamilyDataAdmin, RejudgesCase, admin.ModelAdmin):
    family_path = "case__family"

    def case_ids_of(self, obj) -> list[int]:
        return [obj.case_id]

    list_display = ["case", "agreed_on", "is_current"]
    list_select_related = ["case"]
    inlines = [EvaluationInline]


@admin.register(PerspectivePlan)
class PerspectivePlanAdmin(FamilyDataAdmin, RejudgesCase, admin.ModelAdmin):
    family_path = "case__family"

    def case_ids_of(self, obj) -> list[int]:
        return [obj.case_id]

    list_display = ["case", "youth", "kind", "status", "started_on"]
    list_filter = ["kind", "status"]
    list_select_related = ["case", "youth"]
