"""Django admin for the functional administrator: regions, municipalities, teams, workers.

Families and cases are shown read-mostly. A BSN is never shown in clear (only masked, last 3
digits) nor searched: it is stored encrypted (``casusregie.bsn_vault``).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib import messages as django_messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
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
    Role,
    RoleMembership,
    RoleRequest,
    Worker,
    Youth,
)
from .policies import roles_opening_family_data
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


# What only a superuser (the technical set-up account) may set on a worker: with any of these a
# functional administrator could give itself, or anyone, every permission and every family.
SUPERUSER_ONLY_FIELDS = frozenset({"is_superuser", "groups", "user_permissions"})
# Shown to a functional administrator, never changed by one.
READ_ONLY_FOR_ADMINISTRATORS = ["is_staff", "last_login", "date_joined"]
# ... and on its own account also these (its roles are read-only there too).
READ_ONLY_ON_OWN_ACCOUNT = ["is_active"]


def _is_own_account(request: HttpRequest, worker: Worker | None) -> bool:
    return worker is not None and worker.pk == request.user.pk


class RoleMembershipForm(forms.ModelForm):
    """A role given at once in the worker's form: ``services.check_direct_role`` decides."""

    by: Worker | None = None  # set per request by RoleMembershipInline.get_formset
    worker_of_form: Worker | None = None

    class Meta:
        model = RoleMembership
        fields = ["role"]

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        unchanged = not self.instance._state.adding and self.instance.role == role
        if self.by is not None and not unchanged:
            try:
                services.check_direct_role(worker=self.worker_of_form, role=role, by=self.by)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return role


class RoleMembershipInline(admin.TabularInline):
    """The worker's roles. A functional administrator gives here only the roles that open no
    family data (the others through Rolaanvragen: four eyes) and never on its own account."""

    model = RoleMembership
    form = RoleMembershipForm
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        form = type(
            "RoleMembershipFormFor",
            (RoleMembershipForm,),
            {"by": request.user, "worker_of_form": obj},
        )
        return super().get_formset(request, obj, form=form, **kwargs)

    def _may_edit(self, request: HttpRequest, obj: Worker | None) -> bool:
        return request.user.is_superuser or not _is_own_account(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._may_edit(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_edit(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_edit(request, obj) and super().has_delete_permission(request, obj)


@admin.register(Worker)
class WorkerAdmin(UserAdmin):
    """Workers. A superuser sees the full form; a functional administrator never sees or sets
    superuser status, staff status, groups or raw permissions (a POST that carries them changes
    nothing: they are not in its form), never changes its own account's roles or active flag,
    never changes a superuser's account, nor another administrator's password."""

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
        workers = queryset.exclude(pk=request.user.pk)
        if not request.user.is_superuser:  # a superuser's account is not the administrator's
            workers = workers.exclude(is_superuser=True)
        workers = list(workers)
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

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in SUPERUSER_ONLY_FIELDS],
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        readonly += READ_ONLY_FOR_ADMINISTRATORS
        if _is_own_account(request, obj):
            readonly += READ_ONLY_ON_OWN_ACCOUNT
        return readonly

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        worker = self.get_object(request, admin.utils.unquote(id))
        if (
            worker is not None
            and not request.user.is_superuser
            and worker.is_staff
            and not _is_own_account(request, worker)
        ):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_formset(self, request, form, formset, change):
        """Roles taken away go through ``services.remove_role`` (in force at once, logged)."""
        if formset.model is not RoleMembership:
            return super().save_formset(request, form, formset, change)
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.remove_role(
                membership=membership, by=request.user, origin=request.META.get("REMOTE_ADDR", "")
            )
        for membership in memberships:
            membership.save()
        formset.save_m2m()
        return None


class RoleRequestForm(forms.ModelForm):
    """A new role request, checked by ``services.check_role_request`` for the one asking."""

    by: Worker | None = None  # set per request by RoleRequestAdmin.get_form

    class Meta:
        model = RoleRequest
        fields = ["worker", "role", "reason"]

    def clean(self):
        cleaned = super().clean()
        worker, role = cleaned.get("worker"), cleaned.get("role")
        if self.by is not None and worker is not None and role:
            try:
                services.check_role_request(worker=worker, role=role, by=self.by)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return cleaned


@admin.register(RoleRequest)
class RoleRequestAdmin(admin.ModelAdmin):
    """Four eyes: one administrator asks for a role that opens family data, a second one
    approves or refuses it here (the actions of the list). A request is never edited."""

    list_display = [
        "worker",
        "role",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "role"]
    list_select_related = ["worker", "requested_by", "decided_by"]
    search_fields = ["worker__username", "worker__name", "worker__ref"]
    fields = ["worker", "role", "reason"]
    actions = ["approve", "refuse"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = type("RoleRequestFormFor", (RoleRequestForm,), {"by": request.user})
        form = super().get_form(request, obj, change=change, **kwargs)
        if "role" in form.base_fields:
            opening = roles_opening_family_data()
            form.base_fields["role"].choices = [
                choice for choice in Role.choices if choice[0] in opening
            ]
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "worker",
            "role",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
        ]

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        obj.requested_by = request.user
        services.submit_role_request(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_decide_permission(self, request) -> bool:
        return services.may_decide_role_requests(request.user)

    def _decide_each(self, request, queryset, decide, done_message: str) -> None:
        done = 0
        for role_request in queryset:
            try:
                decide(role_request)
            except (ValidationError, PermissionDenied) as error:
                messages = getattr(error, "messages", None) or [str(error)]
                self.message_user(
                    request, f"{role_request}: {' '.join(messages)}", level=django_messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(
                request, done_message % {"count": done}, level=django_messages.SUCCESS
            )

    @admin.action(description=_("Geselecteerde aanvragen goedkeuren"), permissions=["decide"])
    def approve(self, request, queryset) -> None:
        origin = request.META.get("REMOTE_ADDR", "")
        self._decide_each(
            request,
            queryset,
            lambda r: services.approve_role_request(role_request=r, by=request.user, origin=origin),
            gettext("%(count)d aanvraag(en) goedgekeurd: de rol geldt nu."),
        )

    @admin.action(description=_("Geselecteerde aanvragen weigeren"), permissions=["decide"])
    def refuse(self, request, queryset) -> None:
        self._decide_each(
            request,
            queryset,
            lambda r: services.refuse_role_request(role_request=r, by=request.user),
            gettext("%(count)d aanvraag(en) geweigerd."),
        )


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
    # Search by reference only: the changelist searches with GET (?q=…), which would put a
    # name or a BSN in the URL and the web server's log. The BSN columns are not editable, so
    # the form leaves them out.
    search_fields = ["ref"]
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
