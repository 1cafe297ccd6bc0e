"""The provider's portal: ``/aanbieder/``."""

from django.urls import path

from . import views

urlpatterns = [
    path("aanbieder/", views.inbox, name="portal-inbox"),
    path("aanbieder/verwijzingen/<str:ref>/", views.referral_detail, name="portal-referral"),
    path(
        "aanbieder/verwijzingen/<str:ref>/toewijzen/",
        views.referral_accept,
        name="portal-referral-accept",
    ),
    path(
        "aanbieder/verwijzingen/<str:ref>/afwijzen/",
        views.referral_decline,
        name="portal-referral-decline",
    ),
    path(
        "aanbieder/verwijzingen/<str:ref>/start/",
        views.referral_start,
        name="portal-referral-start",
    ),
    path("aanbieder/verwijzingen/<str:ref>/einde/", views.referral_end, name="portal-referral-end"),
    path(
        "aanbieder/verwijzingen/<str:ref>/doelen/<int:goal_id>/voortgang/",
        views.goal_progress,
        name="portal-referral-goal-progress",
    ),
    path(
        "aanbieder/verwijzingen/<str:ref>/perspectiefplan/",
        views.perspective_plan,
        name="portal-referral-perspective-plan",
    ),
    path("aanbieder/capaciteit/", views.capacity, name="portal-capacity"),
    path("aanbieder/medewerkers/", views.staff, name="portal-staff"),
    path(
        "aanbieder/medewerkers/<int:membership_id>/deactiveren/",
        views.staff_deactivate,
        name="portal-staff-deactivate",
    ),
]
