from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    """The retention period: destroying every copy of a family's data once it has passed."""

    name = "retention"
    verbose_name = _("Bewaartermijn")
