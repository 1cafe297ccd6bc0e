from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = _("Regionale Experttafel")

    def ready(self) -> None:
        from . import policies  # noqa: F401 - registers the object permissions
        from .services import region_created

        # Every region has its expert table: a new one gets it at once.
        post_save.connect(
            region_created, sender="casusregie.Region", dispatch_uid="region_expert_table"
        )
