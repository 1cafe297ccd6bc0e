from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .views import (
    CapacityViewSet,
    ProviderPerspectivePlanView,
    ProviderReferralViewSet,
    WebhookView,
)

router = SimpleRouter(trailing_slash=True)
router.register("referrals", ProviderReferralViewSet, basename="provider-referral")
router.register("capacity", CapacityViewSet, basename="provider-capacity")

urlpatterns = [
    *router.urls,
    path(
        "referrals/<str:ref>/perspective-plan/",
        ProviderPerspectivePlanView.as_view(),
        name="provider-perspective-plan",
    ),
    path("webhook/", WebhookView.as_view(), name="provider-webhook"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
