from django.contrib import admin

from .models import Evaluation, PerspectivePlan, Plan


class EvaluationInline(admin.TabularInline):
    model = Evaluation
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["case", "agreed_on", "is_current"]
    list_select_related = ["case"]
    inlines = [EvaluationInline]


@admin.register(PerspectivePlan)
class PerspectivePlanAdmin(admin.ModelAdmin):
    list_display = ["case", "youth", "kind", "status", "started_on"]
    list_filter = ["kind", "status"]
    list_select_related = ["case", "youth"]
