"""``manage.py demo_data [--if-empty]``: a believable demo region. Idempotent."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from casusregie.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo_data
from casusregie.models import Family


class Command(BaseCommand):
    help = "Laad demogegevens: een jeugdregio met teams, aanbieders en ongeveer 50 gezinnen."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="only when the database has no families yet"
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and Family.objects.exists():
            self.stdout.write("demo data: the database already has families; left as it is")
            return
        changed = load_demo_data(timezone.localdate())
        self.stdout.write(f"demo data loaded ({changed} rows created or changed)")
        self.stdout.write(f"logins (password {DEMO_PASSWORD}):")
        for username, description in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {description}")
