"""``manage.py export_flags [--all]``: open flags (or all) as a JSON array on stdout."""

import json

from django.core.management.base import BaseCommand, CommandParser

from flags.selectors import flags_for_export


class Command(BaseCommand):
    help = "Exporteer signalen als JSON (open signalen; met --all ook opgeloste)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="also resolved flags")

    def handle(self, *args, all: bool = False, **options) -> None:
        self.stdout.write(json.dumps(flags_for_export(include_resolved=all), indent=1))
