from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossierConfig(AppConfig):
    """The exchange format (docs/dossier.md): import and export of whole families."""

    name = "dossier"
    verbose_name = _("Dossieruitwisseling")
