"""``manage.py import_dossier FILE.json``: atomic, idempotent; exit 1 with one line per problem."""

import json
import sys
from pathlib import Path
from typing import NoReturn

from django.core.management.base import BaseCommand, CommandParser

from dossier.importer import DossierRefused, import_dossier


class Command(BaseCommand):
    help = "Importeer een dossier (casusregie-dossier, versie 1 of 2): alles of niets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON file in the casusregie-dossier format, or -")

    def handle(self, *args, file: str, **options) -> None:
        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            self.refuse([f"{file}: cannot read: {exc.strerror}"])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.refuse([f"{file}: not UTF-8 (byte {exc.start}: {exc.reason})"])
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            self.refuse([f"{file}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"])
        try:
            result = import_dossier(doc)
        except DossierRefused as refused:
            self.refuse(
                [str(problem) for problem in refused.problems]
                + [f"{file}: refused, {len(refused.problems)} problem(s); nothing written"]
            )
        self.stdout.write(
            f"{file}: imported ({result.created} created, {result.updated} updated, "
            f"{result.deleted} replaced)"
        )

    def refuse(self, lines: list[str]) -> NoReturn:
        for line in lines:
            self.stderr.write(line)
        sys.exit(1)
