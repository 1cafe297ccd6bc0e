"""``manage.py export_dossier [--family REF]``: the casusregie-dossier format on stdout."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.dossier.exporter import export_dossier
from casusregie.models import Family


class Command(BaseCommand):
    help = "Exporteer gegevens als dossier (casusregie-dossier, versie 1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--family", help="only this family (its ref)")

    def handle(self, *args, family: str | None = None, **options) -> None:
        if family is not None and not Family.objects.filter(ref=family).exists():
            raise CommandError(f"unknown family {family!r}", returncode=1)
        self.stdout.write(json.dumps(export_dossier(family), indent=1, ensure_ascii=False))
