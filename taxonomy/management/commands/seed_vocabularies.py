from django.core.management.base import BaseCommand

from taxonomy.services import vocabularies_load


class Command(BaseCommand):
    help = (
        "Load SDG goals, targets and indicators (en, fr, es), population groups and the "
        "five factors. Idempotent."
    )

    def handle(self, *args, **options):
        counts = vocabularies_load()
        self.stdout.write(
            "Vocabularies: {goals} SDG goals, {targets} targets, {indicators} indicators, "
            "{groups} population groups, {factors} factors.".format(**counts)
        )
