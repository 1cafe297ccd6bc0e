"""Django admin for the functional administrator: regions, municipalities, teams, workers.

Families and cases are shown read-mostly. A BSN is never shown in clear (only masked, last 3
digits) nor searched: it is stored encrypted (``casusregie.bsn_vault``).
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .admin_access import FamilyDataAdmin
from .admin_rejudge import RejudgesCase
from .models import (
    Case,
    Consent,
    EducationPeriod,
    Family,
    LocalTeam,
    Municipality,
    Region,
    RegisseurPeriod,
    RoleMembership,
    Worker,
    Youth,
)
from .services import issue_enrolment_code

admin.site.site_header = _("Casusregie – beheer")
admin.site.site_title = _("Casusregie")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region"]
    list_filter = ["region"]
    list_select_related = ["region"]
    search_fields = ["name", "code"]


@admin.register(LocalTeam)
class LocalTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "ref"]
    search_fields = ["name", "ref"]
    filter_horizontal = ["municipalities"]


class RoleMembershipInline(admin.TabularInline):
    model = RoleMembership
    extra = 1


@admin.register(Worker)
class WorkerAdmin(UserAdmin):
    list_display = ["username", "name", "email", "local_team", "region", "is_active"]
    list_filter = ["local_team", "region", "role_memberships__role", "is_active"]
    list_select_related = ["local_team", "region"]
    search_fields = ["username", "name", "email", "ref"]
    inlines = [RoleMembershipInline]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Casusregie"), {"fields": ["ref", "name", "local_team", "region"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (_("Casusregie"), {"fields": ["name", "email", "local_team", "region"]}),
    ]
    actions = ["issue_enrolment_codes"]

    @admin.action(description=_("Inschrijfcode tweede stap uitgeven"), permissions=["change"])
    def issue_enrolment_codes(self, request: HttpRequest, queryset: QuerySet[Worker]):
        """One-time codes to link a first authenticator, shown on this page once (never stored
        in clear); never for the administrator's own account."""
        own = queryset.filter(pk=request.user.pk).exists()
        if own:
            self.message_user(
                request,
                _("Voor uw eigen account geeft een andere beheerder de inschrijfcode uit."),
                messages.WARNING,
            )
        workers = list(queryset.exclude(pk=request.user.pk))
        if not workers:
            return None
        codes = [(w, issue_enrolment_code(w, issued_by=request.user)) for w in workers]
        response = TemplateResponse(
            request,
            "admin/casusregie/enrolment_codes.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Inschrijfcodes tweede stap"),
                "codes": codes,
                "opts": self.model._meta,
                "hours": settings.ENROLMENT_CODE_HOURS,
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class YouthInline(admin.TabularInline):
    model = Youth
    extra = 0
    fields = ["ref", "name", "birth_date", "has_startkwalificatie"]
    show_change_link = True


@admin.register(Family)
class FamilyAdmin(FamilyDataAdmin, admin.ModelAdmin):
    list_display = ["ref", "municipality"]
    list_filter = ["municipality"]
    list_select_related = ["municipality"]
    search_fields = ["ref"]
    inlines = [YouthInline]


class EducationPeriodInline(admin.TabularInline):
    model = EducationPeriod
    extra = 0


@admin.register(Youth)
class YouthAdmin(FamilyDataAdmin, RejudgesCase, admin.ModelAdmin):
    family_path = "family"

    def case_ids_of(self, obj: Youth) -> list[int]:
        return list(obj.family.cases.filter(closed_on__isnull=True).values_list("pk", flat=True))

    list_display = ["ref", "name", "birth_date", "family"]
    list_select_related = ["family"]
    # No search by BSN: the changelist searches with GET (?q=…), which would put the BSN in the
    # URL and the access logs. The BSN columns are not editable, so the form leaves them out.
    search_fields = ["ref", "name"]
    fields = ["ref", "family", "name", "birth_date", "has_startkwalificatie", "bsn_masked"]
    readonly_fields = ["bsn_masked"]
    inlines = [EducationPeriodInline]

    @admin.display(description=_("BSN"))
    def bsn_masked(self, obj: Youth) -> str:
        return obj.bsn_masked or "–"


class RegisseurPeriodInline(admin.TabularInline):
    model = RegisseurPeriod
    extra = 0


@admin.register(Case)
class CaseAdmin(FamilyDataAdmin, RejudgesCase, admin.ModelAdmin):
    family_path = "family"

    def case_ids_of(self, obj: Case) -> list[int]:
        return [obj.pk]

    list_display = ["ref", "family", "local_team", "opened_on", "closed_on"]
    list_filter = ["local_team", "closed_on"]
    list_select_related = ["family", "local_team"]
    search_fields = ["ref", "family__ref"]
    inlines = [RegisseurPeriodInline]


@admin.register(Consent)
class ConsentAdmin(FamilyDataAdmin, admin.ModelAdmin):
    family_path = "case__family"

    list_display = ["case", "provider", "purpose", "given_on", "withdrawn_on"]
    list_filter = ["purpose"]
    list_select_related = ["case", "provider"]
