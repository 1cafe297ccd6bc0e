from django.contrib import admin

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
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ["case", "version", "status", "established_on", "is_current"]
    list_filter = ["status", "is_current"]
    list_select_related = ["case"]
    inlines = [DomainFindingInline, ExplanationInline, StrengthInline]
