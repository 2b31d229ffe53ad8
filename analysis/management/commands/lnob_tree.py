"""``manage.py lnob_tree``: a thin wrapper around the Django-free ``lnob-tree`` command.

Same options, same text and JSON output: the code is :mod:`analysis.cli`. Prefer
``lnob-tree`` (or ``python -m analysis.cli``) on large files: it does not boot Django.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from analysis import cli, cli_core


class Command(BaseCommand):
    help = cli.DESCRIPTION
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        cli.add_arguments(parser)

    def handle(self, *args, **options):
        try:
            report = cli_core.run(options, stderr=self.stderr)
        except cli.CliError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(cli_core.render(report, options["format"]))
