"""``manage.py verify_access_log``: walk the hash chain; exit 1 and name every break."""

import sys

from django.core.management.base import BaseCommand

from casusregie.access_log import verify_chain
from casusregie.models import AccessLogEntry


class Command(BaseCommand):
    help = "Controleer of het toegangslog compleet en ongewijzigd is (hashketen)."

    def handle(self, *args, **options) -> None:
        breaks = 0
        for found in verify_chain():
            breaks += 1
            self.stderr.write(f"entry {found.entry_id}: {found.problem}")
        total = AccessLogEntry.objects.count()
        if breaks:
            self.stderr.write(f"access log NOT intact: {breaks} problem(s) in {total} entries")
            sys.exit(1)
        self.stdout.write(f"access log intact: {total} entries")
