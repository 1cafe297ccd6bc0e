"""``manage.py sweep --as-of YYYY-MM-DD``: the same sweep the Celery beat schedule runs."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from flags.services import sweep


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of: not a date YYYY-MM-DD: {value!r}") from exc


class Command(BaseCommand):
    help = "Beoordeel alle open casussen volgens het regelboek op een datum."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default today)")

    def handle(self, *args, as_of: dt.date | None = None, **options) -> None:
        day = as_of or timezone.localdate()
        result = sweep(day)
        self.stdout.write(
            f"sweep as of {day}: {result.hits} hits, {result.opened} opened, "
            f"{result.raised} raised, {result.resolved} resolved, {result.escalated} escalated"
        )
