"""Send each partner organisation the review outcomes of its submissions on one day."""

import datetime

from django.core.management.base import BaseCommand

from consultations.notifications import review_digest_send


class Command(BaseCommand):
    help = "E-mail each partner organisation yesterday's review outcomes (or --day)."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD (default: yesterday)")

    def handle(self, *args, day=None, **options):
        chosen = datetime.date.fromisoformat(day) if day else None
        sent = review_digest_send(day=chosen)
        self.stdout.write(f"{sent} digest message(s) sent.")
