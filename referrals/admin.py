from django.contrib import admin

from casusregie.admin_access import FamilyDataAdmin
from casusregie.admin_rejudge import RejudgesCase

from .models import (
    Contract,
    OutboxEvent,
    Product,
    ProductCapacity,
    Provider,
    Referral,
    Segment,
    WebhookDelivery,
    WebhookSubscription,
)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "ref", "agb_code"]
    search_fields = ["name", "ref", "agb_code"]


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
