"""``manage.py region_key create REGION_CODE [--name NAME]``: prints the new key once.

The key opens ``/api/v1/stats/`` (the region's figures, no names) for the region's own BI
tools. Only its hash is stored; ``region_key revoke PREFIX`` revokes a key, ``list`` lists them.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.models import Region
from dashboard.models import RegionAPIKey


class Command(BaseCommand):
    help = "Maak, toon of trek API-sleutels van regio's in (open export van de cijfers)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it once")
        create.add_argument("region_code")
        create.add_argument("--name", default="BI")
        sub.add_parser("list", help="list keys (prefix, region, revoked)")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            try:
                region = Region.objects.get(code=options["region_code"])
            except Region.DoesNotExist:
                raise CommandError(f"unknown region {options['region_code']!r}") from None
            _key, secret = RegionAPIKey.objects.create_key(name=options["name"], region=region)
            self.stderr.write(f"API key for {region.name} (shown once, store it safely):")
            self.stdout.write(secret)
        elif action == "list":
            for key in RegionAPIKey.objects.select_related("region").order_by("created"):
                state = "revoked" if key.revoked else "active"
                self.stdout.write(f"{key.prefix}  {key.region.code}  {key.name}  {state}")
        else:
            updated = RegionAPIKey.objects.filter(prefix=options["prefix"]).update(revoked=True)
            if not updated:
                raise CommandError(f"no key with prefix {options['prefix']!r}")
            self.stdout.write(f"revoked {options['prefix']}")
