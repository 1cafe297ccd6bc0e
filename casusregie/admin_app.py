"""django.contrib.admin with the two-factor site (INSTALLED_APPS names this class)."""

from django.contrib.admin.apps import AdminConfig


class CasusregieAdminConfig(AdminConfig):
    default_site = "casusregie.admin_site.VerifiedAdminSite"
