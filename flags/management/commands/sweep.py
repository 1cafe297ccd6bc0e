"""``manage.py sweep [--full] --as-of YYYY-MM-DD``: the sweeps the Celery beat schedule runs.

Without ``--full``: the daily sweep, incremental (the requested cases and those whose date is
due, every due date since the last daily sweep judged on its date; a full sweep by itself the
first time and after a change of thresholds, calendar or rulebook). With ``--full``: every
open case.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from flags.services import sweep_daily, sweep_full


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of: not a date YYYY-MM-DD: {value!r}") from exc


class Command(BaseCommand):
    help = "Beoordeel de open casussen volgens het regelboek op een datum (dagelijks of volledig)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default today)")
        parser.add_argument(
            "--full", action="store_true", help="every open case, not only those due or changed"
        )

    def handle(self, *args, as_of: dt.date | None = None, full: bool = False, **options) -> None:
        day = as_of or timezone.localdate()
        result = sweep_full(day) if full else sweep_daily(day)
        kind = "full" if full or result.full_sweeps else "daily"
        self.stdout.write(
            f"{kind} sweep as of {day}: {result.hits} hits, {result.opened} opened, "
            f"{result.raised} raised, {result.resolved} resolved, {result.escalated} escalated"
            + ("" if full else f", {result.cases_judged} cases on {result.dates_judged} dates")
        )
