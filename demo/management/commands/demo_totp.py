"""Print the current two-factor code of the demo accounts (demo data only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.region import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current 6-digit login code of the demo accounts (never in production)."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_totp is for the demo data only, not with PRODUCTION=true.")
        if not TOTPDevice.objects.filter(name="demo", key=DEMO_TOTP_KEY).exists():
            raise CommandError("There are no demo accounts here (run manage.py demo_data).")
        device = TOTPDevice(key=DEMO_TOTP_KEY)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():06d}")
