from django.core.management.base import BaseCommand

from common.jobs import reap_stuck_jobs


class Command(BaseCommand):
    help = (
        "Mark runs, dataset profiles, imports and uploads that a dead worker left in a running "
        "state past their time limit as failed, so that people can run them again."
    )

    def handle(self, *args, **options) -> None:
        reaped = reap_stuck_jobs()
        for label, count in reaped.items():
            self.stdout.write(f"{label}: {count} stuck, marked failed")
        if not reaped:
            self.stdout.write("No background jobs are registered.")
