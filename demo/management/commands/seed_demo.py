"""Everything `make run` needs: vocabularies, demo organisations and accounts, and the demo
data of each evidence stream (``demo/<stream>.py``, each with a ``seed()`` that is safe to run
again and returns a one-line summary, or nothing when there was nothing to do)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from demo import accounts as accounts_demo
from demo import analysis, consultations, evidence, recommendations
from taxonomy.services import vocabularies_load

# In this order: evidence cites the survey run, stories and recommendations loaded before it.
STREAMS = (
    ("consultations", consultations),
    ("recommendations", recommendations),
    ("analysis", analysis),
    ("evidence", evidence),
)


class Command(BaseCommand):
    help = "Load vocabularies and demo data, and print the demo accounts. Safe to run again."

    def handle(self, *args, **options):
        counts = vocabularies_load()
        self.stdout.write(
            "Vocabularies: {goals} SDG goals, {targets} targets, {groups} groups, "
            "{factors} factors.".format(**counts)
        )
        accounts = accounts_demo.seed()
        for app, module in STREAMS:
            summary = module.seed()
            if summary:
                self.stdout.write(f"{app}: {summary}")
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Demo accounts (password for all: {settings.DEMO_PASSWORD})")
        )
        width = max(len(a.email) for a in accounts)
        for account in accounts:
            self.stdout.write(
                f"  {account.email.ljust(width)}  {account.role.label:<12}  {account.organisation}"
            )
