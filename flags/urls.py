from django.urls import path

from . import views

urlpatterns = [
    path("signalen/", views.inbox, name="flag-inbox"),
    path("signalen/<int:flag_id>/notitie/", views.acknowledge, name="flag-acknowledge"),
    path("signalen/<int:flag_id>/escaleren/", views.escalate, name="flag-escalate"),
]
