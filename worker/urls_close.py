"""The family page's education and closing actions (``views.closing``), under gezinnen/<ref>/."""

from django.urls import path

from .views import closing

urlpatterns = [
    path(
        "onderwijs/<str:youth_ref>/",
        closing.education_add,
        name="family-education-add",
    ),
    path(
        "onderwijsperiode/<int:period_id>/",
        closing.education_correct,
        name="family-education-correct",
    ),
    path(
        "onderwijsperiode/<int:period_id>/verwijderen/",
        closing.education_remove,
        name="family-education-remove",
    ),
    path("afsluiten/", closing.case_close, name="family-case-close"),
    path("heropenen/", closing.case_reopen, name="family-case-reopen"),
]
