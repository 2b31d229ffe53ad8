"""Pull a partner's submissions from KoboToolbox or ODK Central into a new upload (see
``consultations.sync``), for a scheduled job until syncs are configured in the portal.

    KOBO_TOKEN=… manage.py sync_submissions --kobo https://kf.kobotoolbox.org \\
        --asset aSAvYreNzVEkrWg5Gdcvg --token-env KOBO_TOKEN --instrument 3 --organisation 7
    ODK_TOKEN=… manage.py sync_submissions --odk https://central.example.org --project 7 \\
        --form voices --token-env ODK_TOKEN --instrument 3 --organisation 7

The token is read from the environment variable named by ``--token-env`` (never from the
command line, which other users of the machine can see) and is never printed.
"""

from __future__ import annotations

import os

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation
from consultations.models import Instrument
from consultations.sync import KoboSource, OdkCentralSource, SyncError, sync_pull


class Command(BaseCommand):
    help = "Pull submissions from KoboToolbox or ODK Central into a new upload."

    def add_arguments(self, parser):
        server = parser.add_mutually_exclusive_group(required=True)
        server.add_argument("--kobo", metavar="SERVER", help="KoboToolbox server URL")
        server.add_argument("--odk", metavar="SERVER", help="ODK Central server URL")
        parser.add_argument("--asset", help="the Kobo project's asset uid")
        parser.add_argument("--project", type=int, help="the ODK Central project id")
        parser.add_argument("--form", help="the ODK Central form's xmlFormId")
        parser.add_argument("--token-env", required=True, metavar="VARIABLE")
        parser.add_argument("--instrument", type=int, required=True)
        parser.add_argument("--organisation", type=int, required=True)

    def handle(self, *args, kobo, odk, asset, project, form, token_env, instrument,
               organisation, **options):  # fmt: skip
        token = os.environ.get(token_env, "").strip()
        if not token:
            raise CommandError(f"the environment variable {token_env} holds no token")
        if kobo:
            if not asset:
                raise CommandError("--kobo needs --asset")
            source = KoboSource(server=kobo, asset_uid=asset, token=token)
        else:
            if not (project and form):
                raise CommandError("--odk needs --project and --form")
            source = OdkCentralSource(server=odk, project_id=project, form_id=form, token=token)
        instrument_obj = Instrument.objects.select_related("campaign").filter(pk=instrument).first()
        org = Organisation.objects.filter(pk=organisation).first()
        if instrument_obj is None or org is None:
            raise CommandError("no such instrument or organisation")
        try:
            upload = sync_pull(source=source, instrument=instrument_obj, organisation=org)
        except SyncError as error:
            raise CommandError(str(error)) from None
        except PermissionDenied:
            raise CommandError(
                f"organisation {organisation} is not a partner of “{instrument_obj.campaign}”"
            ) from None
        if upload is None:
            self.stdout.write("The server has no submissions.")
            return
        upload.refresh_from_db()
        self.stdout.write(
            f"Upload {upload.pk} ({upload.original_name}): {upload.get_status_display()}"
            + (f" — {upload.message}" if upload.message else "")
        )
