"""The expert table in the admin, under the same policies as the pages.

Escalations and decisions are family data (``FamilyDataAdmin``: scoped to the families the
user may see, every view logged). Decisions are read-only here: they are recorded at a session
through ``services.record_decision``, which also marks the escalation discussed. Sessions are
scoped by ``escalations.policies`` (the user's table; the set-up superuser sees all), and only
the chair of the session's table (or the superuser) may change one.
"""

from django import forms
from django.contrib import admin

from casusregie.admin_access import FamilyDataAdmin
from casusregie.admin_rejudge import RejudgesCase

from . import policies
from .models import CallerKind, Decision, Escalation, Table, TableSession


@admin.register(Table)
class TableAdmin(admin.ModelAdmin):
    """A region's tables, configured by the functional administrator (``admin_roles``) or the
    superuser, as regions are: kind, name, members and who may call the table. Every region
    has its expert table (made with the region); a table with escalations is not deleted."""

    list_display = ["name", "kind", "region"]
    list_filter = ["region", "kind"]
    list_select_related = ["region"]
    search_fields = ["name", "ref"]
    filter_horizontal = ["members"]
    readonly_fields = ["ref"]
    fields = ["ref", "region", "kind", "name", "members", "callers"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "callers":
            return forms.TypedMultipleChoiceField(
                choices=CallerKind.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label=db_field.verbose_name,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Escalation)
class EscalationAdmin(FamilyDataAdmin, RejudgesCase, admin.ModelAdmin):
    family_path = "case__family"

    def case_ids_of(self, obj) -> list[int]:
        return [obj.case_id]

    list_display = ["ref", "case", "table", "submitted_on", "source", "discussed_on", "closed_on"]
    list_filter = ["table", "source", "discussed_on", "closed_on"]
    list_select_related = ["case", "table"]
    search_fields = ["ref", "case__ref"]
    # The choices would list every referral of every family: shown, not edited here.
    readonly_fields = ["declined_referrals", "closed_by"]


@admin.register(TableSession)
class TableSessionAdmin(admin.ModelAdmin):
    list_display = ["ref", "table", "region", "held_on"]
    list_filter = ["region", "table"]
    date_hierarchy = "held_on"
    filter_horizontal = ["members"]
    readonly_fields = ["planned_by"]

    def get_queryset(self, request):
        return policies.table_sessions(request.user).select_related("region", "table")

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return super().has_change_permission(request)
        return request.user.has_perm("escalations.chair_table", obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is None:
            return super().has_delete_permission(request)
        return request.user.has_perm("escalations.chair_table", obj)


@admin.register(Decision)
class DecisionAdmin(FamilyDataAdmin, admin.ModelAdmin):
    family_path = "escalation__case__family"
    list_display = ["escalation", "kind", "session", "follow_up_on"]
    list_filter = ["kind"]
    list_select_related = ["escalation", "session"]
    search_fields = ["escalation__ref"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
