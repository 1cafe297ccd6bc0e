from django import forms
from django.contrib import admin
from django.utils import timezone

from casusregie.admin_access import FamilyDataAdmin
from casusregie.admin_rejudge import RejudgesCase

from . import services
from .models import (
    Contract,
    OutboxEvent,
    Product,
    ProductCapacity,
    Provider,
    ProviderMembership,
    Referral,
    Segment,
    WebhookDelivery,
    WebhookSubscription,
)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "ref", "agb_code"]
    search_fields = ["name", "ref", "agb_code"]


class ProviderMembershipForm(forms.ModelForm):
    class Meta:
        model = ProviderMembership
        fields = ["worker", "provider", "role", "active"]

    def clean(self):
        data = super().clean()
        worker = data.get("worker")
        if worker is not None:
            try:
                services.check_provider_user(worker)
            except services.InvalidInput as refused:
                self.add_error("worker", refused.message)
        return data


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(admin.ModelAdmin):
    """The functional administrator links a worker account to one provider (coordinator or
    staff). The provider's coordinator adds and deactivates its staff on the portal."""

    form = ProviderMembershipForm
    list_display = ["worker", "provider", "role", "active", "created_at"]
    list_filter = ["role", "active", "provider"]
    list_select_related = ["worker", "provider"]
    search_fields = ["worker__username", "worker__name", "provider__name"]
    autocomplete_fields = ["worker", "provider"]
    readonly_fields = ["created_at", "created_by", "deactivated_at", "deactivated_by"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        if obj.active:
            obj.deactivated_at, obj.deactivated_by = None, None
        elif obj.deactivated_at is None:
            obj.deactivated_at, obj.deactivated_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region"]
    list_filter = ["region"]
    list_select_related = ["region"]
    search_fields = ["code", "name"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "segment",
        "specialist",
        "out_of_home",
        "crisis",
        "ijw_category",
    ]
    list_filter = ["segment__region", "segment", "specialist", "out_of_home", "crisis"]
    list_select_related = ["segment"]
    search_fields = ["code", "name"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["provider", "product", "valid_from", "valid_until"]
    list_filter = ["provider", "product__segment"]
    list_select_related = ["provider", "product"]
    filter_horizontal = ["municipalities"]


@admin.register(Referral)
class ReferralAdmin(FamilyDataAdmin, RejudgesCase, admin.ModelAdmin):
    family_path = "case__family"

    def case_ids_of(self, obj) -> list[int]:
        return [obj.case_id]

    list_display = ["ref", "status", "product", "provider", "sent_on", "answered_on"]
    list_filter = ["status", "provider", "product__segment"]
    list_select_related = ["product", "provider"]
    search_fields = ["ref"]
    readonly_fields = [
        "status",
        "sent_on",
        "answered_on",
        "started_on",
        "ended_on",
        "version",
    ]  # the lifecycle moves through its services, not through the admin


@admin.register(ProductCapacity)
class ProductCapacityAdmin(admin.ModelAdmin):
    list_display = ["provider", "product", "available_places", "expected_wait_days", "reported_at"]
    list_select_related = ["provider", "product"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["provider", "url", "active"]
    list_select_related = ["provider"]
    exclude = ["secret"]


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    readonly_fields = ["attempted_at", "status_code", "error", "duration_ms"]


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "provider", "kind", "created_at", "delivered_at", "attempts"]
    list_filter = ["kind", "provider"]
    list_select_related = ["provider"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    inlines = [WebhookDeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False
