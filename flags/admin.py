from django import forms
from django.contrib import admin

from casusregie.admin_access import FamilyDataAdmin

from .models import Flag, FlagNote, RuleSetting
from .rules import RULES


class RuleSettingForm(forms.ModelForm):
    rule = forms.ChoiceField(choices=[(r.code, f"{r.code} – {r.title}") for r in RULES])

    class Meta:
        model = RuleSetting
        fields = ["region", "rule", "warning", "violation", "escalate_after"]


@admin.register(RuleSetting)
class RuleSettingAdmin(admin.ModelAdmin):
    form = RuleSettingForm
    list_display = ["region", "rule", "warning", "violation", "escalate_after"]
    list_filter = ["region", "rule"]
    list_select_related = ["region"]


class FlagNoteInline(admin.TabularInline):
    model = FlagNote
    extra = 0
    readonly_fields = ["author", "created_at", "text", "acknowledges"]


@admin.register(Flag)
class FlagAdmin(FamilyDataAdmin, admin.ModelAdmin):
    family_path = "case__family"

    list_display = ["rule", "subject_type", "subject_id", "severity", "since", "resolved_on"]
    list_filter = ["rule", "severity", "subject_type"]
    list_select_related = ["case"]
    readonly_fields = [f.name for f in Flag._meta.fields]
    inlines = [FlagNoteInline]

    def has_add_permission(self, request) -> bool:
        return False
