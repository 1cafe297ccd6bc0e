from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", include("health_check.urls")),
    path("api/v1/stats/", include("dashboard.api")),
    path("api/v1/", include("referrals.api.urls")),
    path("", include("casusregie.urls")),
    path("", include("worker.urls")),
    path("", include("portal.urls")),
    path("", include("family_portal.urls")),
    path("", include("flags.urls")),
    path("", include("referrals.urls")),
    path("", include("dashboard.urls")),
    path("", include("dossier.urls")),
]

# Dutch pages inside the layout, problem+json under /api/ (config/error_pages.py); a database that
# cannot be reached is a 503 with Retry-After, never a 500 (config/unavailable.py).
handler403 = "config.error_pages.permission_denied"
handler404 = "config.error_pages.page_not_found"
handler500 = "config.error_pages.server_error"
