from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasusregieConfig(AppConfig):
    name = "casusregie"
    verbose_name = _("Casusregie")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import policies  # noqa: F401 - registers the object permissions
        from .admin_roles import ensure_functional_admin_group

        post_migrate.connect(ensure_functional_admin_group, sender=self)
