"""Logging in in the browser, as a person does: the password step, then the second factor."""

from __future__ import annotations

import io
import re

from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from demo.accounts import DEMO_PASSWORD


def code_for(key: str) -> str:
    """The current code of an authenticator holding ``key`` (hex, as TOTPDevice stores it)."""
    device = TOTPDevice(key=key)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{code:06d}"


def demo_code() -> str:
    """The demo accounts' current code (``manage.py demo_totp``)."""
    out = io.StringIO()
    call_command("demo_totp", stdout=out)
    return out.getvalue().strip()


def log_in(page, username: str, password: str, code) -> None:
    """Both steps from the start page; ``code`` is called for the second (a code is valid for
    30 seconds only, so it is read when the field is there)."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label("Code uit uw authenticator-app").fill(code())
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def log_in_as(page, username: str) -> None:
    """A demo account (``manage.py demo_data``): its password and the demo code."""
    log_in(page, username, DEMO_PASSWORD, demo_code)
