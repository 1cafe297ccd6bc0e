"""``manage.py provider_key create PROVIDER_REF [--name NAME]``: prints the new key once.

Only the key's hash is stored; ``provider_key revoke PREFIX`` revokes a key, ``list`` lists them.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from referrals.models import Provider, ProviderAPIKey


class Command(BaseCommand):
    help = "Maak, toon of trek API-sleutels van zorgaanbieders in."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it once")
        create.add_argument("provider_ref")
        create.add_argument("--name", default="API")
        sub.add_parser("list", help="list keys (prefix, provider, revoked)")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            try:
                provider = Provider.objects.get(ref=options["provider_ref"])
            except Provider.DoesNotExist:
                raise CommandError(f"unknown provider {options['provider_ref']!r}") from None
            _key, secret = ProviderAPIKey.objects.create_key(
                name=options["name"], provider=provider
            )
            self.stderr.write(f"API key for {provider.name} (shown once, store it safely):")
            self.stdout.write(secret)
        elif action == "list":
            for key in ProviderAPIKey.objects.select_related("provider").order_by("created"):
                state = "revoked" if key.revoked else "active"
                self.stdout.write(f"{key.prefix}  {key.provider.ref}  {key.name}  {state}")
        else:
            updated = ProviderAPIKey.objects.filter(prefix=options["prefix"]).update(revoked=True)
            if not updated:
                raise CommandError(f"no key with prefix {options['prefix']!r}")
            self.stdout.write(f"revoked {options['prefix']}")
