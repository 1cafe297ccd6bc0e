from django.contrib import admin

from casusregie.admin_rejudge import RejudgesCase

from .models import Contract, Product, Provider, Referral


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "ref", "agb_code"]
    search_fields = ["name", "ref", "agb_code"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "segment", "specialist", "ijw_category"]
    list_filter = ["segment", "specialist"]
    search_fields = ["code", "name"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["provider", "product", "valid_from", "valid_until"]
    list_filter = ["provider", "product__segment"]
    list_select_related = ["provider", "product"]
    filter_horizontal = ["municipalities"]


@admin.register(Referral)
class ReferralAdmin(RejudgesCase, admin.ModelAdmin):
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
