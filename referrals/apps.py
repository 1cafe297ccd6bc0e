from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Verwijzingen")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .sessions import mark_provider_session

        user_logged_in.connect(mark_provider_session, dispatch_uid="referrals_provider_session")
