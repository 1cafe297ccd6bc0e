"""``manage.py enrolment_code USERNAME``: a one-time code to link a first authenticator.

For the operator with shell access (the first administrator of a new installation); workers get
theirs from the functional administrator in the admin. Printed once; only its hash is stored.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.models import Worker
from casusregie.services import issue_enrolment_code


class Command(BaseCommand):
    help = "Geef een eenmalige inschrijfcode uit voor de tweede stap van een medewerker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        worker = Worker.objects.filter(username=username).first()
        if worker is None:
            raise CommandError(f"no worker with username {username!r}")
        code = issue_enrolment_code(worker, issued_by=None)
        self.stdout.write(code)
        self.stderr.write(f"valid {settings.ENROLMENT_CODE_HOURS} hours, once; shown only now")
