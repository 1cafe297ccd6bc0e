from django.contrib import admin

from .models import MunicipalityPopulation


@admin.register(MunicipalityPopulation)
class MunicipalityPopulationAdmin(admin.ModelAdmin):
    """The CBS count of youths 0–17 per municipality and year: the dashboard's "1 op N"."""

    list_display = ["municipality", "year", "youth_population"]
    list_filter = ["year", "municipality__region"]
    list_select_related = ["municipality"]
    search_fields = ["municipality__name", "municipality__code"]
