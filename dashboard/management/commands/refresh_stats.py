"""``manage.py refresh_stats [--as-of YYYY-MM-DD] [--region CODE]``: the dashboard's refresh.

The same refresh the Celery beat schedule runs each night after the sweep.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.models import Region
from dashboard.services import refresh_statistics


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of: not a date YYYY-MM-DD: {value!r}") from exc


class Command(BaseCommand):
    help = "Vernieuw de cijfers van het dashboard (alle regio's, of één)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default today)")
        parser.add_argument("--region", default=None, help="region code (default: every region)")

    def handle(self, *args, as_of: dt.date | None = None, region: str | None = None, **options):
        chosen = None
        if region is not None:
            try:
                chosen = Region.objects.get(code=region)
            except Region.DoesNotExist:
                raise CommandError(f"unknown region {region!r}") from None
        result = refresh_statistics(as_of, region=chosen)
        self.stdout.write(
            f"dashboard refreshed as of {result.as_of}: {result.regions} regions, "
            f"{result.figures} figures in {result.seconds:.1f} s"
        )
