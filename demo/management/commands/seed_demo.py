"""Everything `make run` needs: vocabularies, demo organisations and accounts, and the demo
data of each evidence stream (an app contributes by providing ``<app>/demo.py`` with ``seed``)."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import demo as accounts_demo
from taxonomy.services import vocabularies_load

STREAM_APPS = ("consultations", "recommendations", "analysis", "evidence")


class Command(BaseCommand):
    help = "Load vocabularies and demo data, and print the demo accounts. Safe to run again."

    def handle(self, *args, **options):
        counts = vocabularies_load()
        self.stdout.write(
            "Vocabularies: {goals} SDG goals, {targets} targets, {groups} groups, "
            "{factors} factors.".format(**counts)
        )
        accounts = accounts_demo.seed()
        for app in STREAM_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
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
