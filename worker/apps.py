from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkerConfig(AppConfig):
    """The worker pages that compose every app below: caseload, team, family page, the
    analysis and plan editors and the expert table's pages."""

    name = "worker"
    verbose_name = _("Werkpagina's")
