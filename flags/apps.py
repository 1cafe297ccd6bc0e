from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlagsConfig(AppConfig):
    name = "flags"
    verbose_name = _("Signalering")

    def ready(self) -> None:
        from casusregie.rejudge import consume_with

        from .tasks import sweep_requested

        # Changes below the rulebook ask for a re-judgement in the core (casusregie.rejudge);
        # on their commit, this nudge queues the sweep of all requested cases within a second.
        consume_with(sweep_requested.soon)
