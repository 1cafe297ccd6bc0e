from django.contrib import admin

from .models import Escalation


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["ref", "case", "submitted_on", "source", "discussed_on"]
    list_filter = ["source", "discussed_on"]
    list_select_related = ["case"]
    search_fields = ["ref", "case__ref"]
