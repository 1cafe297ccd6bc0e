"""Django admin for the functional administrator: regions, municipalities, teams, workers.

Families and cases are shown read-mostly. A BSN is never shown in clear (only masked, last 3
digits) nor searched: it is stored encrypted (``casusregie.bsn_vault``).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .admin_access import FamilyDataAdmin
from .admin_rejudge import RejudgesCase
from .models import (
    Case,
    Consent,
    EducationPeriod,
    Family,
    IdentityProvider,
    LocalTeam,
    Municipality,
    Region,
    RegisseurPeriod,
    RoleMembership,
    Worker,
    Youth,
)

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


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    """Single sign-on per organisation: the superuser's alone (not in the functional
    administrator's group, ``admin_roles``): whoever sets the issuer decides who logs in."""

    list_display = ["name", "slug", "municipality", "issuer", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["municipality"]
    search_fields = ["name", "slug", "issuer"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "municipality", "is_active"]}),
        (
            _("Client"),
            {"fields": ["issuer", "client_id", "client_secret_variable", "sign_algorithm"]},
        ),
        (
            _("Endpoints (leeg: uit het discovery-document van de issuer)"),
            {
                "fields": [
                    "authorization_endpoint",
                    "token_endpoint",
                    "userinfo_endpoint",
                    "jwks_uri",
                ]
            },
        ),
        (
            _("Koppelen en tweede factor"),
            {"fields": ["match_claim", "match_field", "mfa_amr_values", "mfa_acr_values"]},
        ),
    ]
