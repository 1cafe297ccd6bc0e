"""``manage.py demo_data [--if-empty]``: a believable demo region. Idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from casusregie.models import Family
from dashboard.services import refresh_statistics
from demo.population import load_demo_population
from demo.region import DEMO_LOGINS, DEMO_PASSWORD, load_demo_data
from flags.services import sweep


class Command(BaseCommand):
    help = "Laad demogegevens: een jeugdregio met teams, aanbieders en ongeveer 50 gezinnen."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="only when the database has no families yet"
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if settings.PRODUCTION:  # published password and TOTP key: never into a real database
            raise CommandError("demo_data is for the demo only, not with PRODUCTION=true.")
        if if_empty and Family.objects.exists():
            self.stdout.write("demo data: the database already has families; left as it is")
            return
        today = timezone.localdate()
        changed = load_demo_data(today)
        self.stdout.write(f"demo data loaded ({changed} rows created or changed)")
        # Judge the demo cases at once, so the flags are there before the first daily sweep.
        result = sweep(today)
        self.stdout.write(f"rulebook sweep as of {today}: {result}")
        # The region's dashboard: the CBS youth population and the figures, at once too.
        load_demo_population(today)
        stats = refresh_statistics(today)
        self.stdout.write(f"dashboard figures as of {today}: {stats.figures}")
        self.stdout.write(f"logins (password {DEMO_PASSWORD}):")
        for username, description in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {description}")
