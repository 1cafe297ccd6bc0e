from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo region (``manage.py demo_data``): never in production."""

    name = "demo"
    verbose_name = _("Demogegevens")
