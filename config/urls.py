from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", include("health_check.urls")),
    path("api/v1/stats/", include("dashboard.api")),
    path("api/v1/", include("referrals.api.urls")),
    path("", include("casusregie.urls")),
    path("", include("worker.urls")),
    path("", include("flags.urls")),
    path("", include("referrals.urls")),
    path("", include("dashboard.urls")),
]

# A database that cannot be reached is a 503 with Retry-After, never a 500 (config/unavailable.py).
handler500 = "config.unavailable.server_error"
