from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.overview, name="dashboard"),
    path("dashboard/zorg/", views.care, name="dashboard-care"),
    path("dashboard/wachttijden/", views.waiting, name="dashboard-waiting"),
    path("dashboard/verwijzingen/", views.referrals, name="dashboard-referrals"),
    path("dashboard/thuiszitters-en-18/", views.youth, name="dashboard-youth"),
    path("dashboard/experttafel-en-signalen/", views.table, name="dashboard-table"),
    path("dashboard/vernieuwen/", views.refresh, name="dashboard-refresh"),
]
