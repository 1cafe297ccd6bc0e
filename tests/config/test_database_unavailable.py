"""A lost database connection is a 503 with Retry-After, never a 500 (fault-postgres-restart)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.test import Client

pytestmark = pytest.mark.django_db

LIST = "referrals.api.views.ProviderReferralViewSet.list"


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection to server at 127.0.0.1 failed: Connection refused"),
        OperationalError("terminating connection due to administrator command"),
        InterfaceError("connection already closed"),
    ],
)
def test_the_api_answers_503_problem_json_when_the_database_is_gone(error, anonymous):
    from referrals.api.authentication import ProviderKeyAuthentication

    with mock.patch.object(ProviderKeyAuthentication, "authenticate", side_effect=error):
        response = anonymous.get("/api/v1/referrals/", HTTP_AUTHORIZATION="Api-Key x.y")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "database_unavailable" and body["status"] == 503


def test_a_page_answers_503_in_dutch_when_the_database_is_gone(anonymous):
    with mock.patch(
        "django.contrib.auth.views.LoginView.get", side_effect=OperationalError("gone")
    ):
        response = anonymous.get("/login/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Tijdelijk niet beschikbaar" in response.content.decode()


def test_any_other_database_error_stays_a_500(anonymous):
    from referrals.api.authentication import ProviderKeyAuthentication

    with mock.patch.object(
        ProviderKeyAuthentication, "authenticate", side_effect=ProgrammingError("a bug")
    ):
        response = anonymous.get("/api/v1/referrals/", HTTP_AUTHORIZATION="Api-Key x.y")
    assert response.status_code == 500
