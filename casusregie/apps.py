from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasusregieConfig(AppConfig):
    name = "casusregie"
    verbose_name = _("Casusregie")
