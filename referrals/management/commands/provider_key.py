"""``manage.py provider_key create PROVIDER_REF [--name NAME]``: prints the new key once.

Only the key's hash is stored; ``provider_key revoke PREFIX`` revokes a key, ``list`` lists them.
``KeyCommand`` serves every kind of API key: a subclass names the key model, its owner and how
the owner is looked up (``dashboard``'s ``region_key`` is one).
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from referrals.models import Provider, ProviderAPIKey


class KeyCommand(BaseCommand):
    key_model = ProviderAPIKey
    owner_model = Provider
    owner_field = "provider"  # the key's foreign key to its owner
    lookup = "ref"  # the owner's field given on the command line
    owner_metavar = "PROVIDER_REF"
    default_name = "API"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it once")
        create.add_argument("owner", metavar=self.owner_metavar)
        create.add_argument("--name", default=self.default_name)
        sub.add_parser("list", help=f"list keys (prefix, {self.owner_field}, revoked)")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            try:
                owner = self.owner_model.objects.get(**{self.lookup: options["owner"]})
            except self.owner_model.DoesNotExist:
                raise CommandError(f"unknown {self.owner_field} {options['owner']!r}") from None
            _key, secret = self.key_model.objects.create_key(
                name=options["name"], **{self.owner_field: owner}
            )
            self.stderr.write(f"API key for {owner.name} (shown once, store it safely):")
            self.stdout.write(secret)
        elif action == "list":
            keys = self.key_model.objects.select_related(self.owner_field).order_by("created")
            for key in keys:
                state = "revoked" if key.revoked else "active"
                owner = getattr(getattr(key, self.owner_field), self.lookup)
                self.stdout.write(f"{key.prefix}  {owner}  {key.name}  {state}")
        else:
            updated = self.key_model.objects.filter(prefix=options["prefix"]).update(revoked=True)
            if not updated:
                raise CommandError(f"no key with prefix {options['prefix']!r}")
            self.stdout.write(f"revoked {options['prefix']}")


class Command(KeyCommand):
    help = "Maak, toon of trek API-sleutels van zorgaanbieders in."
