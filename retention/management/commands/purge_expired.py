"""``manage.py purge_expired --dry-run|--execute [--as-of YYYY-MM-DD]``: destroy families whose
retention period has passed (see ``retention.services``); prints rows per table.

A dry run may look ahead (``--as-of`` in the future: what will have expired by then); an
execution may not.
"""

import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from retention.services import Purge, destroy_expired, preview_expired


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Vernietig gezinnen waarvan de bewaartermijn verstreken is (Jeugdwet)."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument(
            "--dry-run", action="store_true", help="only count what would go; write nothing"
        )
        mode.add_argument("--execute", action="store_true", help="destroy it")
        parser.add_argument(
            "--as-of", type=iso_date, default=None, help="the day of the purge (default today)"
        )

    def handle(self, *args, execute: bool, as_of: dt.date | None, **options) -> None:
        if execute:
            if as_of is not None and as_of > timezone.localdate():
                raise CommandError("--execute --as-of cannot lie in the future (a dry run can).")
            purge = destroy_expired(as_of, actor="manage.py purge_expired")
        else:
            purge = preview_expired(as_of)
        self.write_report(purge)

    def write_report(self, purge: Purge) -> None:
        verb = "destroyed" if purge.executed else "would be destroyed (dry run, nothing written)"
        self.stdout.write(
            f"retention {purge.years} years, as of {purge.as_of}: last case closed on or before "
            f"{purge.last_closing_day}"
        )
        self.stdout.write(f"{purge.families} families {verb}")
        width = max(len(table) for table in purge.rows)
        for table, count in purge.rows.items():
            self.stdout.write(f"  {table:<{width}}  {count:>8}")
        self.stdout.write(f"  {'total rows':<{width}}  {purge.total:>8}")
        if purge.executed:
            self.stdout.write(f"{purge.families} destroy entries appended to the access log")
