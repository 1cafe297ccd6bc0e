from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = _("Regionale Experttafel")

    def ready(self) -> None:
        from . import policies  # noqa: F401 - registers the object permissions
