"""The gezinsportaal: /mijn-gezin/ (docs/family-portal.md). No personal data in any URL."""

from django.urls import path

from . import broker, views

urlpatterns = [
    path("mijn-gezin/inloggen/", views.login, name="family-login"),
    path("mijn-gezin/inloggen/link/", views.link, name="family-link"),
    path("mijn-gezin/inloggen/code/", views.code, name="family-code"),
    path(
        "mijn-gezin/inloggen/digid/", broker.BrokerStartView.as_view(), name="family-broker-start"
    ),
    path("mijn-gezin/inloggen/digid/terug/", broker.broker_callback, name="family-broker-callback"),
    path("mijn-gezin/uitloggen/", views.logout, name="family-logout"),
    path("mijn-gezin/", views.home, name="family-home"),
    path("mijn-gezin/plan/", views.plan, name="family-plan"),
    path("mijn-gezin/analyse/", views.analysis, name="family-analysis"),
    path("mijn-gezin/hulp/", views.help_page, name="family-help"),
    path("mijn-gezin/toestemming/", views.consent, name="family-consent"),
    path(
        "mijn-gezin/toestemming/<int:consent_id>/intrekken/",
        views.consent_withdraw,
        name="family-consent-withdraw-own",
    ),
    path("mijn-gezin/vragen/", views.questions, name="family-questions"),
    path("mijn-gezin/wie-keek/", views.history, name="family-history"),
    path("mijn-gezin/wie-keek.csv", views.history_csv, name="family-history-csv"),
]
