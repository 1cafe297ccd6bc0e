"""``manage.py export_dossier [--family REF]``: the casusregie-dossier format on stdout."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.access_log import Access, record_access
from casusregie.models import AccessAction, Family
from dossier.exporter import export_dossier


class Command(BaseCommand):
    help = "Exporteer gegevens als dossier (casusregie-dossier, versie 2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--family", help="only this family (its ref)")

    def handle(self, *args, family: str | None = None, **options) -> None:
        if family is not None and not Family.objects.filter(ref=family).exists():
            raise CommandError(f"unknown family {family!r}", returncode=1)
        doc = export_dossier(family)
        record_access(
            actor_kind="system",
            actor="manage.py export_dossier",
            accesses=[Access(f["ref"], "family", f["ref"]) for f in doc["families"]],
            action=AccessAction.EXPORT,
            purpose="export dossier (beheer)",
        )
        self.stdout.write(json.dumps(doc, indent=1, ensure_ascii=False))
