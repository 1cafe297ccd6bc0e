"""Destroy families whose retention period has passed (``casusregie.retention``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casusregie import retention


class Command(BaseCommand):
    help = (
        "Destroy the data of families whose last case closed more than RETENTION_YEARS ago. "
        "--dry-run shows what would go; --execute destroys it (the access log is kept)."
    )

    def add_arguments(self, parser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--dry-run", action="store_true", help="count, change nothing")
        mode.add_argument("--execute", action="store_true", help="destroy")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD (today)")

    def handle(self, *args, dry_run: bool, execute: bool, as_of: dt.date | None, **options):
        as_of = as_of or timezone.localdate()
        if as_of > timezone.localdate():
            raise CommandError("--as-of cannot lie in the future.")
        counts = retention.purge(as_of) if execute else retention.plan(as_of)
        verb = "destroyed" if execute else "would destroy"
        limit = retention.cutoff(as_of)
        self.stdout.write(
            f"Retention {settings.RETENTION_YEARS} years, as of {as_of}: last case closed "
            f"before {limit}. {verb} {counts.get('families', 0)} families."
        )
        for table, n in sorted(counts.items()):
            if table != "families":
                self.stdout.write(f"  {table}: {n}")
