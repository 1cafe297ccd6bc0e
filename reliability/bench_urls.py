"""The product's URLs, plus ``/api/v1/bench/ceiling/``: a DRF view that only authenticates a
provider key (the fixed cost of every API request: Django, DRF, the key's hash and its query)."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as product_urls
from referrals.api.authentication import HasProviderKey, ProviderKeyAuthentication


class Ceiling(APIView):
    authentication_classes = [ProviderKeyAuthentication]
    permission_classes = [HasProviderKey]

    def get(self, request):
        return Response({"provider": request.auth.ref})


urlpatterns = [path("api/v1/bench/ceiling/", Ceiling.as_view()), *product_urls]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
